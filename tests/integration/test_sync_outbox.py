"""The kiosk's transactional outbox (kiosk/outbox.py): every change the backend must hear about is
an outbox row committed with the change -- never one without the other -- numbered 1, 2, 3… per
kiosk in commit order; nothing is written for a kiosk database opened without a kiosk id."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from kiosk.db import Database
from kiosk.db.models import AuditEntry, OutboxMessage, Site
from kiosk.payments.simulator.client import SimulatorProvider
from kiosk.payments.simulator.server import PaymentSimulator
from kiosk.topup.states import OrderState
from tests.backend.kiosk_side import SyncingKiosk, make_syncing_kiosk

SECRET = "outbox-test-secret"


@pytest.fixture()
def kiosk(tmp_path) -> Iterator[SyncingKiosk]:
    with PaymentSimulator(SECRET) as simulator:
        # the backend is never called here: the outbox is written offline
        k = make_syncing_kiosk(
            tmp_path, SimulatorProvider(simulator.url, SECRET), "http://127.0.0.1:9", "unused"
        )
        yield k
        k.close()


def test_a_paid_topup_writes_its_order_money_and_card_write_to_the_outbox(kiosk: SyncingKiosk):
    order_id = kiosk.cash_topup(30_00)
    messages = kiosk.outbox()
    assert [m.seq for m in messages] == list(range(1, len(messages) + 1))
    kinds = {m.kind for m in messages}
    assert {"order", "ledger_entry", "card_write", "audit_entry"} <= kinds
    orders = [m.payload for m in messages if m.kind == "order"]
    assert all(o["id"] == order_id for o in orders)
    assert orders[-1]["state"] == OrderState.DONE.value
    assert orders[-1]["items"][0]["amount"] == 30_00
    entries = [m.payload for m in messages if m.kind == "ledger_entry"]
    assert sum(e["amount"] for e in entries) == 0  # balanced, like the kiosk's ledger
    on_card = [e for e in entries if e["account"]["kind"] == "on_card"]
    assert [(e["amount"], e["account"]["tenant_id"]) for e in on_card] == [(30_00, 7)]
    writes = [m.payload["status"] for m in messages if m.kind == "card_write"]
    assert writes == ["pending", "committed"]  # journaled, then settled
    assert len({m.idempotency_key for m in messages}) == len(messages)
    assert all(m.sent_at is None for m in messages)


def test_a_rolled_back_change_leaves_no_message(kiosk: SyncingKiosk):
    before = len(kiosk.outbox())
    with pytest.raises(RuntimeError), kiosk.db.session() as s:
        s.add(AuditEntry(actor="staff:1", action="test", subject="x"))
        s.flush()
        raise RuntimeError("the transaction fails after the change was flushed")
    assert len(kiosk.outbox()) == before
    with kiosk.db.session() as s:
        s.add(AuditEntry(actor="staff:1", action="test", subject="kept"))
    (last,) = kiosk.outbox()[before:]
    assert (last.seq, last.kind, last.payload["subject"]) == (before + 1, "audit_entry", "kept")


def test_writers_racing_get_distinct_gapless_seqs(kiosk: SyncingKiosk):
    start = threading.Barrier(8)

    def audit(n: int) -> None:
        start.wait()
        for i in range(5):
            with kiosk.db.session() as s:
                s.add(AuditEntry(actor=f"thread:{n}", action="race", subject=str(i)))

    threads = [threading.Thread(target=audit, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seqs = [m.seq for m in kiosk.outbox()]
    assert seqs == list(range(1, 41))
    ids = [m.payload["id"] for m in kiosk.outbox()]
    assert ids == sorted(ids)  # numbered in commit order


def test_a_database_opened_without_a_kiosk_id_writes_no_outbox(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'plain.db'}")
    db.migrate()
    with db.session() as s:
        s.add(Site(id=1, name="Tower", currency=156))
        s.flush()
        s.add(AuditEntry(actor="tool", action="test"))
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(OutboxMessage)) == 0
    db.dispose()


def test_writers_racing_on_postgresql_get_distinct_gapless_seqs(tmp_path):
    """On PostgreSQL (READ COMMITTED, no global write lock) the counter row's lock does it."""
    from kiosk.db.pgserver import PostgresServer, PostgresUnavailableError, find_bindir

    try:
        find_bindir()
    except PostgresUnavailableError as absent:
        pytest.skip(f"PostgreSQL is not installed: {absent}")
    with PostgresServer() as pg:
        db = Database(pg.create_database("outbox"), kiosk_id="K1")
        db.migrate()
        with db.session() as s:
            s.add(Site(id=1, name="Tower", currency=156))
        start = threading.Barrier(8)

        def audit(n: int) -> None:
            start.wait()
            for i in range(5):
                with db.session() as s:
                    s.add(AuditEntry(actor=f"thread:{n}", action="race", subject=str(i)))

        threads = [threading.Thread(target=audit, args=(n,)) for n in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        with db.session() as s:
            messages = list(s.scalars(select(OutboxMessage).order_by(OutboxMessage.seq)))
        db.dispose()
    assert [m.seq for m in messages] == list(range(1, 41))
    assert len({m.payload["id"] for m in messages}) == 40
