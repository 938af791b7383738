"""The same kiosk code on PostgreSQL (DESIGN.md §8, §9): the Alembic migrations build the same
schema as on SQLite, and the top-up behaviours of test_topup_payments hold on a real PostgreSQL
server -- paid and delivered, a notification sent three times, payments racing under PostgreSQL's
row locks (READ COMMITTED, no global write lock as on SQLite), a card pulled mid-write, a restart,
first payments racing to create the ledger's accounts -- with the ledger conserved. One throw-away
server for the session (kiosk/db/pgserver.py), a fresh database per test."""

from __future__ import annotations

import itertools
import re
import threading
from collections.abc import Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, func, inspect, select

from cardlib.emulator.tear import TearPlan
from kiosk.db import Database
from kiosk.db.base import Base
from kiosk.db.models import Account, LedgerEntry, Order
from kiosk.db.pgserver import PostgresServer, PostgresUnavailableError
from kiosk.ledger import Ledger
from kiosk.payments.provider import PaymentState, PaymentStatus
from kiosk.topup.recovery import recover
from kiosk.topup.service import CardAwayError, TopUpService
from kiosk.topup.states import OrderState
from tests.integration.test_topup_payments import Paying, _paying, start_order, wait_until

S = OrderState
_numbers = itertools.count(1)


@pytest.fixture(scope="session")
def pg() -> Iterator[PostgresServer]:
    try:
        server = PostgresServer().start()
    except PostgresUnavailableError as error:
        pytest.fail(str(error), pytrace=False)
    yield server
    server.stop()


@pytest.fixture()
def pg_url(pg: PostgresServer, request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh, empty database for this test; dropped after it."""
    name = f"t{next(_numbers)}_{re.sub(r'[^a-z0-9_]', '_', request.node.name.lower())}"[:63]
    yield pg.create_database(name)
    pg.drop_database(name)


@pytest.fixture()
def paying(tmp_path, pg_url) -> Iterator[Paying]:
    """test_topup_payments' kiosk + simulator + notification listener, on PostgreSQL."""
    for p in _paying(tmp_path, db_url=pg_url):
        assert p.kiosk.db.engine.dialect.name == "postgresql"
        yield p
        p.kiosk.db.dispose()


def assert_ledger_conserved(p: Paying) -> None:
    """Every transaction sums to zero; every order: paid = delivered + pending + refunded."""
    with p.kiosk.db.session() as s:
        unbalanced = s.execute(
            select(LedgerEntry.txn)
            .group_by(LedgerEntry.txn)
            .having(func.sum(LedgerEntry.amount) != 0)
        ).all()
        assert unbalanced == []
        ledger = Ledger(s)
        for order_id in s.scalars(select(Order.id)):
            assert ledger.order_money(order_id).conserved, order_id


# -- the schema ------------------------------------------------------------------------------------


def schema(engine: Engine) -> dict[str, dict]:
    """Tables, their columns (generic type, length, nullability), unique constraints, indexes
    and foreign keys, as comparable plain data."""

    def kind(t) -> str:  # noqa: ANN001
        generic = t.as_generic()
        length = getattr(generic, "length", None)
        return type(generic).__name__ + (f"({length})" if length else "")

    inspector = inspect(engine)
    tables = {}
    for table in inspector.get_table_names():
        tables[table] = {
            "columns": {
                c["name"]: (kind(c["type"]), c["nullable"]) for c in inspector.get_columns(table)
            },
            "pk": tuple(inspector.get_pk_constraint(table)["constrained_columns"]),
            "unique": sorted(
                (u["name"], tuple(u["column_names"]))
                for u in inspector.get_unique_constraints(table)
            ),
            "indexes": sorted(
                (i["name"], tuple(i["column_names"]), bool(i["unique"]))
                for i in inspector.get_indexes(table)
                if "duplicates_constraint" not in i  # PostgreSQL's index behind a UNIQUE
            ),
            "foreign_keys": sorted(
                (tuple(f["constrained_columns"]), f["referred_table"])
                for f in inspector.get_foreign_keys(table)
            ),
        }
    return tables


def test_the_migrations_build_the_same_schema_on_postgresql_as_on_sqlite(tmp_path, pg_url):
    lite, pgdb = Database(f"sqlite:///{tmp_path / 'kiosk.db'}"), Database(pg_url)
    try:
        lite.migrate()
        pgdb.migrate()
        on_sqlite, on_pg = schema(lite.engine), schema(pgdb.engine)
        assert {"orders", "ledger_entries", "accounts", "card_writes", "alembic_version"} <= set(
            on_pg
        )
        assert on_pg == on_sqlite
        # and the migrations agree with the models on PostgreSQL too (nothing left to autogenerate)
        with pgdb.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
        pgdb.migrate()  # a second run at head is a no-op
    finally:
        lite.dispose()
        pgdb.dispose()


def test_timestamps_come_back_as_aware_utc(pg_url, tmp_path):
    for p in _paying(tmp_path, db_url=pg_url):
        order_id = start_order(p)
        order = p.kiosk.topup.order(order_id)
        assert (
            order.created_at.utcoffset() is not None and order.created_at.utcoffset().seconds == 0
        )
        assert order.expires_at is not None and order.expires_at > order.created_at
        p.kiosk.db.dispose()


# -- the top-up behaviours -------------------------------------------------------------------------


def test_paid_by_the_phone_and_polled_then_written_to_the_card(paying: Paying):
    paying.settings(drop_notifications=True)
    order_id = start_order(paying)
    assert paying.kiosk.topup.check_payment(order_id).state is S.ORDER_CREATED
    paying.simulator.pay(paying.kiosk.topup.order(order_id).out_trade_no)
    assert paying.kiosk.topup.check_payment(order_id).state is S.PAID
    tap = paying.kiosk.tap()
    assert [o.state for o in tap.delivered] == [S.DONE]
    assert paying.kiosk.card_value() == 50_00
    m = paying.money(order_id)
    assert (m.paid, m.delivered, m.pending, m.refunded) == (50_00, 50_00, 0, 0)
    assert_ledger_conserved(paying)


def test_a_notification_sent_three_times_credits_once(paying: Paying):
    paying.settings(notify_copies=3)
    order_id = start_order(paying)
    paying.simulator.pay(paying.kiosk.topup.order(order_id).out_trade_no)
    assert wait_until(lambda: sum(1 for s, _ in paying.listener.seen if s == 200) >= 3)
    assert paying.paid_entries(order_id) == 1
    paying.kiosk.topup.check_payment(order_id)
    assert paying.paid_entries(order_id) == 1
    assert paying.money(order_id).paid == 50_00
    assert_ledger_conserved(paying)


def test_poll_and_notifications_racing_credit_once(paying: Paying):
    paying.settings(notify_copies=5)
    order_id = start_order(paying)
    paying.simulator.pay(paying.kiosk.topup.order(order_id).out_trade_no)
    threads = [
        threading.Thread(target=paying.kiosk.topup.check_payment, args=(order_id,))
        for _ in range(6)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert wait_until(lambda: sum(1 for s, _ in paying.listener.seen if s == 200) >= 5)
    assert paying.paid_entries(order_id) == 1
    assert paying.money(order_id).paid == 50_00
    assert_ledger_conserved(paying)


def test_confirmations_released_at_once_credit_once_under_row_locks(paying: Paying):
    """Twelve threads confirm one payment at the same instant, half as polls and half as the same
    notification event: PostgreSQL's row lock makes all but one compare-and-set miss, and the
    duplicate event is refused by its unique key, so exactly one credits."""
    paying.settings(drop_notifications=True)
    order_id = start_order(paying)
    order = paying.kiosk.topup.order(order_id)
    paying.simulator.pay(order.out_trade_no)
    paid = PaymentState(order.out_trade_no, PaymentStatus.PAID, order.amount, order.provider_ref)
    start = threading.Barrier(12)
    outcomes, errors = [], []

    def confirm(n: int) -> None:
        start.wait()
        try:
            event = "evt-1" if n % 2 else None
            outcomes.append(paying.kiosk.topup.mark_paid(paid, "race", event_id=event))
        except Exception as exc:  # a crash here is a failure, reported below
            errors.append(exc)

    threads = [threading.Thread(target=confirm, args=(n,)) for n in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sum(o.credited for o in outcomes) == 1
    assert all(o.note != "order kept changing" for o in outcomes)
    assert paying.paid_entries(order_id) == 1
    assert paying.kiosk.topup.order(order_id).state is S.PAID
    assert_ledger_conserved(paying)


def test_a_card_pulled_mid_write_gets_its_credit_once_at_the_next_tap(paying: Paying):
    paying.settings(drop_notifications=True)
    tap = paying.kiosk.tap()
    items, quoted = paying.kiosk.topup.items_for(tap, 30_00)
    order = paying.kiosk.topup.choose(tap, items, quoted=quoted)
    order = paying.kiosk.topup.request_payment(order.id)
    paying.simulator.pay(order.out_trade_no)
    assert paying.kiosk.topup.check_payment(order.id).state is S.PAID
    paying.kiosk.card.arm_tear(TearPlan(after_commands=1))
    with pytest.raises(CardAwayError):
        paying.kiosk.topup.deliver(order.id, tap.purse)
    assert paying.kiosk.topup.order(order.id).state is S.WRITE_PENDING
    again = paying.kiosk.tap()
    assert [o.id for o in again.delivered] == [order.id]
    assert paying.kiosk.topup.order(order.id).state is S.DONE
    assert paying.kiosk.card_value() == 30_00
    assert paying.kiosk.tap().delivered == []
    m = paying.money(order.id)
    assert (m.delivered, m.pending) == (30_00, 0)
    assert_ledger_conserved(paying)


def test_restart_with_a_paid_order_delivers_it_at_the_next_tap(paying: Paying):
    paying.settings(drop_notifications=True)
    order_id = start_order(paying)
    unpaid = start_order(paying, 20_00)
    paying.simulator.pay(paying.kiosk.topup.order(order_id).out_trade_no)
    k = paying.kiosk
    k.db.dispose()  # the process is gone: a new engine, a new service over the same database
    k.db = Database(k.db.url)
    k.cards.counters.db = k.db  # type: ignore[attr-defined]
    restarted = TopUpService(k.db, k.cards, k.topup.provider, k.topup.kiosk_id)
    report = recover(restarted)
    assert report.credit_pending == [k.topup.order(order_id).out_trade_no]
    assert report.closed == [k.topup.order(unpaid).out_trade_no]
    k.topup = restarted
    assert [o.state for o in k.tap().delivered] == [S.DONE]
    assert k.card_value() == 50_00
    assert restarted.order(unpaid).state is S.CANCELLED
    assert_ledger_conserved(paying)


def test_balances_and_accounts_read_back_as_integers(paying: Paying):
    order_id = start_order(paying, 12_34)
    paying.simulator.pay(paying.kiosk.topup.order(order_id).out_trade_no)
    paying.kiosk.topup.check_payment(order_id)
    paying.kiosk.tap()
    with paying.kiosk.db.session() as s:
        accounts = list(s.scalars(select(Account)))
        balances = {a.kind.value: Ledger(s).balance(a) for a in accounts}
    assert all(type(v) is int for v in balances.values())  # noqa: E721 - no Decimal from SUM()
    assert balances["on_card"] == 12_34 and balances["clearing"] == -12_34
    assert balances["undelivered"] == 0


def test_first_payments_racing_on_a_fresh_database_share_one_account_each(paying: Paying):
    """Eight different orders confirmed at the same instant on a database with no accounts yet:
    each is credited, none fails on the accounts' unique key, and the provider's clearing account
    (tenant NULL, which the unique constraint does not compare) is not created twice."""
    paying.settings(drop_notifications=True)
    orders = [paying.kiosk.topup.order(start_order(paying, 1_00)) for _ in range(8)]
    start = threading.Barrier(len(orders))
    outcomes, errors = [], []

    def confirm(order: Order) -> None:
        paid = PaymentState(
            order.out_trade_no, PaymentStatus.PAID, order.amount, order.provider_ref
        )
        start.wait()
        try:
            outcomes.append(paying.kiosk.topup.mark_paid(paid, "race"))
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=confirm, args=(o,)) for o in orders]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and sum(o.credited for o in outcomes) == len(orders)
    with paying.kiosk.db.session() as s:
        accounts = s.execute(
            select(Account.kind, Account.tenant_id, Account.name, func.count()).group_by(
                Account.kind, Account.tenant_id, Account.name
            )
        ).all()
        assert all(n == 1 for *_, n in accounts), accounts
        clearing = s.scalar(select(Account).where(Account.name == "simulator"))
        assert Ledger(s).balance(clearing) == -8_00
    assert_ledger_conserved(paying)
