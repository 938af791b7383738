"""Top-ups through the whole kiosk core, and the kiosk's database after a million ledger entries.

Run: ``python -m bench.topup [-n 200] [--entries 1000000] [--no-pg] [--quick]``.

**Top-ups per second** (issue "Kiosk core"): for each of ``-n`` top-ups, one after another, on
wallet cards (MIFARE Classic 1K, in-process ``EmulatedReader``) taken in turn:

    tap (read + verify + settle the journal) -> choose 1.00 -> request payment (the simulator over
    HTTP on 127.0.0.1: create) -> the phone pays (HTTP) -> poll (HTTP: query) -> PAID -> deliver
    (journal row, card write, ledger postings, receipt row) -> DONE

with the database on SQLite (WAL, synchronous=FULL: every commit is an fsync) and, when PostgreSQL
is installed, on a throw-away PostgreSQL server with its default durability (fsync on,
synchronous_commit on). Per top-up wall time is split into: card (time inside the emulated card's
``process``), HTTP (the provider's requests and the phone's pay request, server work included: the
simulator runs in this process), database commit (the dialect's COMMIT: SQLite's fsync of the WAL)
and database statements (cursor execute), the rest being Python (ORM, state machine, MACs).

**One million ledger entries**: a kiosk database filled with core ``executemany`` inserts (not the
ORM) with a realistic shape -- ``--tenants`` tenants, each top-up an order with two balanced
transactions (payment: clearing -> undelivered; delivery: undelivered -> on card), so four entries
per order, one busy tenant holding ``--busy-share`` of the orders -- then: file size on disk, time
to open (``Database()`` + the first query), a tenant's balance (``Ledger.balance``) on the busy
tenant's account, on a typical tenant's and on the provider's clearing account (a quarter of all
entries), and the busy tenant's last 20 ledger transactions and last 20 orders. Each query is run
``--repeat`` times; median and max are shown. The page cache is warm (the file was just written):
a cold open after a reboot reads the file from the disk and is slower.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import math
import os
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import desc, event, func, insert, select

from cardlib.crypto.keys import KeyRing, generate_demo_keys
from cardlib.emulator.classic import EmulatedClassic
from cardlib.purse.header import Role
from cardlib.reader.emulated import EmulatedReader
from cardlib.service import CardService, Issue
from kiosk.card_counters import DbCounterStore
from kiosk.db import Database
from kiosk.db.models import (
    Account,
    AccountKind,
    EntryKind,
    ItemKind,
    LedgerEntry,
    Order,
    OrderItem,
    Site,
    Tenant,
)
from kiosk.ledger import Ledger
from kiosk.payments.simulator.client import SimulatorProvider
from kiosk.payments.simulator.server import PaymentSimulator
from kiosk.topup.limits import Limits
from kiosk.topup.service import TopUpService
from kiosk.topup.states import OrderState

SITE_ID = 17
CURRENCY = 156
KEYS = KeyRing([generate_demo_keys(1)])
SECRET = "bench-simulator-secret"
AMOUNT = 1_00


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


# -- measuring where the time goes ---------------------------------------------------------------


@dataclass
class Clock:
    """Seconds spent per component since the last :meth:`take`."""

    spent: dict[str, float] = field(default_factory=dict)
    calls: dict[str, int] = field(default_factory=dict)

    def add(self, part: str, seconds: float) -> None:
        self.spent[part] = self.spent.get(part, 0.0) + seconds
        self.calls[part] = self.calls.get(part, 0) + 1

    def timed(self, part: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.add(part, time.perf_counter() - start)

        return wrapper

    def take(self) -> tuple[dict[str, float], dict[str, int]]:
        spent, calls, self.spent, self.calls = self.spent, self.calls, {}, {}
        return spent, calls


def instrument_db(db: Database, clock: Clock) -> None:
    dialect = db.engine.dialect
    dialect.do_commit = clock.timed("db commit", dialect.do_commit)  # type: ignore[method-assign]
    starts: dict[int, float] = {}

    @event.listens_for(db.engine, "before_cursor_execute")
    def _before(conn: Any, cursor: Any, *args: Any) -> None:
        starts[id(cursor)] = time.perf_counter()

    @event.listens_for(db.engine, "after_cursor_execute")
    def _after(conn: Any, cursor: Any, *args: Any) -> None:
        clock.add("db statements", time.perf_counter() - starts.pop(id(cursor)))


# -- part (a): top-ups end to end ----------------------------------------------------------------


@dataclass
class TopUpRun:
    backend: str
    n: int
    wall: float = 0.0
    seconds: list[float] = field(default_factory=list)
    parts: dict[str, float] = field(default_factory=dict)
    calls: dict[str, int] = field(default_factory=dict)

    def row(self) -> str:
        per = {k: v / self.n * 1000 for k, v in self.parts.items()}
        total = statistics.mean(self.seconds) * 1000
        known = sum(per.values())
        cells = [per.get(k, 0.0) for k in ("card", "http", "db commit", "db statements")]
        median, p95 = statistics.median(self.seconds) * 1000, pct(self.seconds, 0.95) * 1000
        return (
            f"| {self.backend} | {self.n} | {self.n / self.wall:.1f} | {median:.1f} / {p95:.1f} | "
            + " | ".join(f"{c:.1f}" for c in cells)
            + f" | {total - known:.1f} |"
        )

    def counts(self) -> str:
        per = {k: v / self.n for k, v in self.calls.items()}
        return (
            f"{self.backend}: per top-up {per.get('card', 0):.0f} card commands, "
            f"{per.get('http', 0):.0f} HTTP requests, {per.get('db commit', 0):.0f} commits, "
            f"{per.get('db statements', 0):.0f} SQL statements"
        )


def run_topups(db_url: str, backend: str, n: int, cards: int = 10) -> TopUpRun:
    db = Database(db_url)
    db.migrate()
    with db.session() as s:
        s.add(Site(id=SITE_ID, name="Bench Tower", timezone="Asia/Shanghai", currency=CURRENCY))
    service = CardService(KEYS, SITE_ID, DbCounterStore(db))
    clock = Clock()
    readers = []
    for k in range(cards):
        card = EmulatedClassic.blank(uid=(0xA1B20000 + k).to_bytes(4, "big"), size="1k")
        reader = EmulatedReader(card)
        with reader.connect() as conn:
            service.personalise(
                conn, Issue(role=Role.WALLET, card_serial=5000 + k, tenant_id=100 + k)
            )
        card.process = clock.timed("card", card.process)  # type: ignore[method-assign]
        readers.append(reader)
    http = requests.Session()
    http.request = clock.timed("http", http.request)  # type: ignore[method-assign]
    result = TopUpRun(backend, n)
    with PaymentSimulator(SECRET) as simulator:
        requests.post(
            f"{simulator.url}/control/settings", json={"drop_notifications": True}, timeout=5
        ).raise_for_status()
        provider = SimulatorProvider(simulator.url, SECRET, session=http)
        topup = TopUpService(db, service, provider, "BENCH", limits=Limits(max_per_day=10**9))
        one_topup(topup, readers[0], http, simulator.url)  # warm-up: connections, caches
        instrument_db(db, clock)
        clock.take()
        started = time.perf_counter()
        for i in range(n):
            t0 = time.perf_counter()
            one_topup(topup, readers[i % cards], http, simulator.url)
            result.seconds.append(time.perf_counter() - t0)
        result.wall = time.perf_counter() - started
        result.parts, result.calls = clock.take()
    db.dispose()
    return result


def one_topup(
    topup: TopUpService, reader: EmulatedReader, http: requests.Session, url: str
) -> None:
    with reader.connect() as conn:
        tap = topup.tap(conn)
        items, quoted = topup.items_for(tap, AMOUNT)
        order = topup.choose(tap, items, quoted=quoted)
        order = topup.request_payment(order.id)
        http.post(f"{url}/control/{order.out_trade_no}/pay", json={}, timeout=5).raise_for_status()
        order = topup.check_payment(order.id)
        assert order.state is OrderState.PAID, order.state
        done = topup.deliver(order.id, tap.purse)
        assert done.state is OrderState.DONE, done.state


# -- part (b): a database with a million ledger entries ------------------------------------------


@dataclass
class BigDb:
    entries: int
    orders: int
    fill_seconds: float
    busy_tenant: int
    typical_tenant: int


def fill(db: Database, entries: int, tenants: int, busy_share: float, seed: int = 1) -> BigDb:
    """Orders of 4 entries each (two balanced transactions), spread over ``tenants`` tenants with
    one busy tenant, over the last year; bulk core inserts in batches."""
    rng = random.Random(seed)
    started = time.perf_counter()
    orders = entries // 4
    busy, typical = 1, 2
    with db.session() as s:
        s.add(Site(id=SITE_ID, name="Bench Tower", timezone="Asia/Shanghai", currency=CURRENCY))
        s.flush()
        s.add_all(
            [Tenant(id=t, site_id=SITE_ID, name=f"Tenant {t}") for t in range(1, tenants + 1)]
        )
        s.flush()
        ledger = Ledger(s)
        clearing = ledger.account(AccountKind.CLEARING, CURRENCY, name="simulator").id
        undelivered, on_card = {}, {}
        for t in range(1, tenants + 1):
            undelivered[t] = ledger.account(AccountKind.UNDELIVERED, CURRENCY, t).id
            on_card[t] = ledger.account(AccountKind.ON_CARD, CURRENCY, t).id
    end = dt.datetime(2026, 11, 24, tzinfo=dt.UTC)
    step = dt.timedelta(days=365) / max(orders, 1)
    t0 = end - dt.timedelta(days=365)
    batch = 20_000
    order_table, item_table, entry_table = (
        Order.__table__,
        OrderItem.__table__,
        LedgerEntry.__table__,
    )
    with db.engine.connect() as conn:
        for first in range(1, orders + 1, batch):
            ids = range(first, min(first + batch, orders + 1))
            o_rows, i_rows, e_rows = [], [], []
            for oid in ids:
                tenant = busy if rng.random() < busy_share else rng.randint(2, tenants)
                amount = rng.choice((20_00, 50_00, 100_00, 200_00, 500_00))
                at = t0 + step * oid
                o_rows.append(
                    {
                        "id": oid,
                        "out_trade_no": f"K1-{at:%Y%m%d}-{oid:010d}",
                        "idempotency_key": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                        "kiosk_id": "K1",
                        "card_uid": f"{0xA0000000 + tenant:08x}",
                        "tenant_id": tenant,
                        "state": OrderState.DONE,
                        "amount": amount,
                        "currency": CURRENCY,
                        "method": "simulator",
                        "paid_amount": amount,
                        "paid_at": at,
                        "reason": "",
                        "created_at": at,
                        "updated_at": at,
                    }
                )
                i_rows.append(
                    {
                        "order_id": oid,
                        "kind": ItemKind.CARD_CREDIT,
                        "amount": amount,
                        "description": "",
                    }
                )
                pay, deliver = (str(uuid.UUID(int=rng.getrandbits(128), version=4)) for _ in "ab")
                for txn, kind, src, dst in (
                    (pay, EntryKind.PAYMENT, clearing, undelivered[tenant]),
                    (deliver, EntryKind.DELIVERY, undelivered[tenant], on_card[tenant]),
                ):
                    for account, signed in ((src, -amount), (dst, amount)):
                        e_rows.append(
                            {
                                "txn": txn,
                                "account_id": account,
                                "amount": signed,
                                "kind": kind,
                                "order_id": oid,
                                "memo": "",
                                "created_at": at,
                            }
                        )
            with conn.begin():
                conn.execute(insert(order_table), o_rows)
                conn.execute(insert(item_table), i_rows)
                conn.execute(insert(entry_table), e_rows)
    if db.engine.dialect.name == "sqlite":
        raw = db.engine.raw_connection()  # outside a transaction: no BEGIN IMMEDIATE
        try:
            cursor = raw.cursor()
            cursor.execute("ANALYZE")
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            cursor.close()
        finally:
            raw.close()
    else:
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
    return BigDb(orders * 4, orders, time.perf_counter() - started, busy, typical)


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, float, Any]:
    seconds, value = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        value = fn()
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds), max(seconds), value


def last_transactions(db: Database, tenant: int, limit: int = 20) -> list[tuple[Any, ...]]:
    """The tenant's last ``limit`` ledger entries on its accounts, newest first."""
    with db.session() as s:
        accounts = select(Account.id).where(Account.tenant_id == tenant)
        return list(
            s.execute(
                select(
                    LedgerEntry.txn, LedgerEntry.kind, LedgerEntry.amount, LedgerEntry.created_at
                )
                .where(LedgerEntry.account_id.in_(accounts))
                .order_by(desc(LedgerEntry.id))
                .limit(limit)
            )
        )


def last_orders(db: Database, tenant: int, limit: int = 20) -> list[tuple[Any, ...]]:
    with db.session() as s:
        return list(
            s.execute(
                select(Order.out_trade_no, Order.state, Order.amount, Order.created_at)
                .where(Order.tenant_id == tenant)
                .order_by(desc(Order.created_at))
                .limit(limit)
            )
        )


def balance(db: Database, kind: AccountKind, tenant: int | None, name: str = "") -> int:
    with db.session() as s:
        ledger = Ledger(s)
        return ledger.balance(ledger.account(kind, CURRENCY, tenant, name))


def du(path: Path) -> int:
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))


def run_big(db_url: str, backend: str, args: argparse.Namespace, path: Path | None) -> list[str]:
    db = Database(db_url)
    db.migrate()
    big = fill(db, args.entries, args.tenants, args.busy_share)
    db.dispose()
    lines = [
        f"{backend}: {big.entries:,} ledger entries ({big.orders:,} orders, {args.tenants:,} "
        f"tenants) written in {big.fill_seconds:.1f} s"
    ]
    if path is not None:
        size = du(path)
        lines.append(
            f"  size on disk: {size / 2**20:.1f} MiB ({size / big.entries:.0f} bytes per entry, "
            "orders and indexes included)"
        )
    else:
        with Database(db_url).engine.connect() as conn:
            size = conn.exec_driver_sql("SELECT pg_database_size(current_database())").scalar()
        lines.append(f"  size on disk: {size / 2**20:.1f} MiB (pg_database_size)")

    opens = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        fresh = Database(db_url)
        with fresh.session() as s:
            s.scalar(select(func.count()).select_from(Site))
        opens.append(time.perf_counter() - start)
        fresh.dispose()
    lines.append(
        f"  open (Database() + first query): {statistics.median(opens) * 1000:.1f} ms median, "
        f"{max(opens) * 1000:.1f} ms max"
    )
    db = Database(db_url)
    with db.session() as s:
        counts = dict(
            s.execute(
                select(Account.tenant_id, func.count())
                .join(LedgerEntry, LedgerEntry.account_id == Account.id)
                .where(Account.tenant_id.in_((big.busy_tenant, big.typical_tenant)))
                .where(Account.kind == AccountKind.ON_CARD)
                .group_by(Account.tenant_id)
            ).all()
        )
        clearing_count = s.scalar(
            select(func.count())
            .select_from(LedgerEntry)
            .join(Account, Account.id == LedgerEntry.account_id)
            .where(Account.kind == AccountKind.CLEARING)
        )
    queries: list[tuple[str, Callable[[], Any]]] = [
        (
            f"balance, busy tenant's on-card account ({counts.get(big.busy_tenant, 0):,} entries)",
            lambda: balance(db, AccountKind.ON_CARD, big.busy_tenant),
        ),
        (
            f"balance, typical tenant's on-card account "
            f"({counts.get(big.typical_tenant, 0):,} entries)",
            lambda: balance(db, AccountKind.ON_CARD, big.typical_tenant),
        ),
        (
            f"balance, the provider's clearing account ({clearing_count:,} entries)",
            lambda: balance(db, AccountKind.CLEARING, None, "simulator"),
        ),
        (
            "last 20 ledger entries of the busy tenant",
            lambda: last_transactions(db, big.busy_tenant),
        ),
        ("last 20 orders of the busy tenant", lambda: last_orders(db, big.busy_tenant)),
        (
            "last 20 ledger entries of a typical tenant",
            lambda: last_transactions(db, big.typical_tenant),
        ),
    ]
    results = []
    for label, fn in queries:
        median, worst, value = timed(fn, args.repeat)
        if isinstance(value, list):
            assert len(value) == 20, (label, len(value))
        results.append((label, median, worst))
    lines.append("")
    if args.try_indexes:
        size_before = du(path) if path is not None else None
        add_candidate_indexes(db)
        lines.append(f"  with the candidate indexes ({', '.join(CANDIDATE_INDEXES)}):")
        if path is not None and size_before is not None:
            lines.append(f"  size on disk grows by {(du(path) - size_before) / 2**20:.1f} MiB")
        lines.append("")
        lines.append(f"| query ({backend}) | median ms | max ms | median ms, candidate indexes |")
        lines.append("|---|---:|---:|---:|")
        for (label, median, worst), (_, fn) in zip(results, queries, strict=True):
            after, _, _ = timed(fn, args.repeat)
            lines.append(
                f"| {label} | {median * 1000:.2f} | {worst * 1000:.2f} | {after * 1000:.2f} |"
            )
    else:
        lines.append(f"| query ({backend}) | median ms | max ms |")
        lines.append("|---|---:|---:|")
        for label, median, worst in results:
            lines.append(f"| {label} | {median * 1000:.2f} | {worst * 1000:.2f} |")
    db.dispose()
    return lines


#: indexes the schema does not have, tried by --try-indexes (not in the migrations)
CANDIDATE_INDEXES = {
    "ledger_entries (account_id, amount)": "CREATE INDEX bench_ix_le_account_amount "
    "ON ledger_entries (account_id, amount)",
    "ledger_entries (account_id, id)": "CREATE INDEX bench_ix_le_account_id "
    "ON ledger_entries (account_id, id)",
    "orders (tenant_id, created_at)": "CREATE INDEX bench_ix_orders_tenant_created "
    "ON orders (tenant_id, created_at)",
}


def add_candidate_indexes(db: Database) -> None:
    if db.engine.dialect.name != "sqlite":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            for sql in CANDIDATE_INDEXES.values():
                conn.exec_driver_sql(sql)
            conn.exec_driver_sql("VACUUM ANALYZE")
        return
    raw = db.engine.raw_connection()  # outside a transaction: no BEGIN IMMEDIATE
    try:
        cursor = raw.cursor()
        for sql in CANDIDATE_INDEXES.values():
            cursor.execute(sql)
        cursor.execute("ANALYZE")
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        cursor.close()
    finally:
        raw.close()


# -- running ---------------------------------------------------------------------------------------


@contextlib.contextmanager
def postgres(enabled: bool) -> Iterator[Any]:
    if not enabled:
        yield None
        return
    from kiosk.db.pgserver import PostgresServer, PostgresUnavailableError

    try:
        server = PostgresServer(durable=True).start()
    except PostgresUnavailableError as error:
        print(f"(PostgreSQL skipped: {error})")
        yield None
        return
    try:
        yield server
    finally:
        server.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.topup", description=__doc__)
    parser.add_argument("-n", type=int, default=200, help="top-ups per backend (200)")
    parser.add_argument("--entries", type=int, default=1_000_000, help="ledger entries (1e6)")
    parser.add_argument("--tenants", type=int, default=2_000)
    parser.add_argument("--busy-share", type=float, default=0.02, help="busy tenant's share")
    parser.add_argument("--repeat", type=int, default=20, help="runs of each query")
    parser.add_argument("--no-pg", action="store_true", help="SQLite only")
    parser.add_argument(
        "--pg-big", action="store_true", help="fill a PostgreSQL database with the entries too"
    )
    parser.add_argument(
        "--try-indexes",
        action="store_true",
        help="time the queries again with candidate indexes the schema does not have",
    )
    parser.add_argument(
        "--quick", action="store_true", help="for make bench: -n 100, SQLite only for the big db"
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.n = min(args.n, 100)
        args.pg_big = False
    with tempfile.TemporaryDirectory(prefix="bench-topup-") as tmp, postgres(not args.no_pg) as pg:
        print(f"### Top-ups end to end ({args.n} per backend, 1.00 each, 10 wallet cards)\n")
        print(
            "| database | top-ups | top-ups/s | ms per top-up, median / p95 | card ms | HTTP ms "
            "| db commit ms | db statements ms | Python ms |"
        )
        print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        runs = [("SQLite (WAL, synchronous=FULL)", f"sqlite:///{Path(tmp) / 'topup.db'}")]
        if pg is not None:
            runs.append(("PostgreSQL (fsync on)", pg.create_database("bench_topup")))
        done = []
        for backend, url in runs:
            done.append(run_topups(url, backend, args.n))
            print(done[-1].row(), flush=True)
        print(
            "\n(card, HTTP, db: mean ms per top-up spent there; db statements = cursor execute, "
            "which on SQLite steps to the first row only; Python = the rest: ORM, row fetching, "
            "state machine, MACs, JSON)\n"
        )
        for run in done:
            print(run.counts())
        print()
        print(f"### The kiosk's database after {args.entries:,} ledger entries\n")
        path = Path(tmp) / "big.db"
        for line in run_big(f"sqlite:///{path}", "SQLite", args, path):
            print(line, flush=True)
        if pg is not None and args.pg_big:
            print()
            for line in run_big(pg.create_database("bench_big"), "PostgreSQL", args, None):
                print(line, flush=True)
    print(f"\nmachine: {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
