"""The kiosk reports itself after each sync run (POST /api/v1/sync/status), against the real
backend (``python -m backend serve``, uvicorn, 127.0.0.1): what a property manager's kiosk health
shows -- the messages queued at the kiosk and since when, its clock offset, its last error -- is
what the kiosk really holds, when its push goes through, when the backend refuses it, and when it
comes back after being offline."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import select, update

from kiosk.db.models import OutboxMessage
from kiosk.payments.simulator.client import SimulatorProvider
from kiosk.payments.simulator.server import PaymentSimulator
from kiosk.sync import Syncer
from kiosk.sync_client import SyncClient
from tests import cards
from tests.backend.kiosk_side import SyncingKiosk, make_syncing_kiosk
from tests.backend.server import BackendServer

SIMULATOR_SECRET = "sync-status-simulator"


@dataclass
class Rig:
    server: BackendServer
    kiosk: SyncingKiosk
    secret: str

    def reported(self) -> dict | None:
        """K1's newest report as the administrator's kiosk list shows it."""
        kiosks = {k["kiosk_id"]: k for k in self.server.admin("GET", "/kiosks")}
        return kiosks["K1"]["report"]


@pytest.fixture()
def rig(tmp_path) -> Iterator[Rig]:
    """Kiosk K1 enrolled at a backend that is *stopped* when the test begins."""
    with PaymentSimulator(SIMULATOR_SECRET) as simulator:
        server = BackendServer(f"sqlite:///{tmp_path / 'backend.db'}")
        secret = server.enrol_offline("K1", cards.SITE_ID)
        provider = SimulatorProvider(simulator.url, SIMULATOR_SECRET)
        kiosk = make_syncing_kiosk(tmp_path / "kiosk", provider, server.url, secret)
        yield Rig(server, kiosk, secret)
        kiosk.close()
        server.stop()


def test_offline_nothing_is_reported_and_the_first_run_back_reports_an_empty_queue(rig: Rig):
    rig.kiosk.cash_topup(15_00)
    offline = rig.kiosk.syncer.run_once()
    assert not offline.ok and offline.backlog > 0
    rig.server.start()
    assert rig.reported() is None  # an unreachable backend heard nothing
    report = rig.kiosk.syncer.run_once()
    assert report.ok, report.summary()
    got = rig.reported()
    assert got is not None
    assert got["backlog"] == 0 and got["oldest_unsent_at"] is None
    assert got["last_seq"] == rig.kiosk.outbox()[-1].seq
    assert got["last_error"] == ""
    assert got["software"].startswith("prepay-kiosk")
    assert got["reports"] == 1


def test_a_refused_push_is_reported_with_the_queue_and_the_error_until_it_is_mended(rig: Rig):
    rig.kiosk.cash_topup(15_00)
    rig.server.start()
    assert rig.kiosk.syncer.run_once().ok
    rig.kiosk.cash_topup(25_00)  # a second top-up: more messages, one of them spoilt below
    unsent = [m for m in rig.kiosk.outbox() if m.sent_at is None]
    order = next(m for m in unsent if m.kind == "order")
    good = dict(order.payload)
    with rig.kiosk.db.session() as s:
        s.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == order.id)
            .values(payload={**good, "amount": "twenty-five"})
        )

    refused = rig.kiosk.syncer.run_once()
    assert not refused.ok
    got = rig.reported()
    assert got is not None
    assert got["backlog"] == len(unsent) == refused.backlog
    assert "refused" in got["last_error"] and "amount" in got["last_error"]
    oldest = dt.datetime.fromisoformat(got["oldest_unsent_at"])
    assert abs((oldest - min(m.created_at for m in unsent)).total_seconds()) < 5

    with rig.kiosk.db.session() as s:  # a technician mends the message
        s.execute(update(OutboxMessage).where(OutboxMessage.id == order.id).values(payload=good))
    assert rig.kiosk.syncer.run_once().ok
    got = rig.reported()
    assert got is not None
    assert (got["backlog"], got["last_error"], got["reports"]) == (0, "", 3)


def test_a_kiosk_ten_minutes_fast_reports_its_offset_and_times_on_the_backends_clock(rig: Rig):
    rig.server.start()
    fast = SyncClient(rig.server.url, "K1", rig.secret, timeout=5, clock=lambda: time.time() + 600)
    syncer = Syncer(rig.kiosk.db, fast, "K1", cards.SITE_ID)
    try:
        assert syncer.run_once().ok
        got = rig.reported()
        assert got is not None
        assert abs(got["clock_offset_s"] + 600) < 5
        reported_at = dt.datetime.fromisoformat(got["reported_at"])
        # the kiosk's own clock says ten minutes later; the report is stamped on the backend's
        assert abs((reported_at - dt.datetime.now(dt.UTC)).total_seconds()) < 60
    finally:
        fast.close()


def test_a_backend_without_the_status_route_does_not_fail_the_run(rig: Rig, monkeypatch):
    """An older backend answers 404: the run is what its push and pull made it."""
    rig.kiosk.cash_topup(5_00)
    rig.server.start()
    monkeypatch.setattr("kiosk.sync_client.STATUS_PATH", "/api/v1/sync/no-such-route")
    report = rig.kiosk.syncer.run_once()
    assert report.ok, report.summary()
    assert report.backlog == 0
    assert rig.reported() is None
    with rig.kiosk.db.session() as s:
        assert s.scalar(select(OutboxMessage).where(OutboxMessage.sent_at.is_(None))) is None


def test_a_kiosk_in_good_health_reports_on_change_or_every_quarter_hour(rig: Rig):
    """A report that says what the last said is not sent again at once: every run reporting
    doubled the backend's requests (docs/benchmarks.md)."""
    rig.server.start()
    seconds = [1000.0]
    syncer = Syncer(rig.kiosk.db, rig.kiosk.client, "K1", cards.SITE_ID,
                    monotonic=lambda: seconds[0])  # fmt: skip
    assert syncer.run_once().ok
    assert syncer.run_once().ok  # nothing new to say
    got = rig.reported()
    assert got is not None and got["reports"] == 1

    rig.kiosk.cash_topup(5_00)  # pushed in the next run: last_seq moves, the rest is as it was
    seconds[0] += 60
    assert syncer.run_once().ok
    assert rig.reported()["reports"] == 1  # type: ignore[index]

    rig.server.admin("PUT", "/tenants/7", {"site_id": cards.SITE_ID, "name": "Unit 7"})
    assert syncer.run_once().ok  # pulled a change: the cursor moved, which health shows
    got = rig.reported()
    assert got is not None and got["reports"] == 2

    seconds[0] += 900  # a quarter of an hour: reported again though nothing changed
    assert syncer.run_once().ok
    got = rig.reported()
    assert got is not None and got["reports"] == 3
    assert got["last_seq"] == rig.kiosk.outbox()[-1].seq
