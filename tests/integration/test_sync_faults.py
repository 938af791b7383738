"""Sync when things go wrong, against the real backend (``python -m backend serve``, uvicorn,
127.0.0.1): the backend away for a while, the backend killed (SIGKILL) in the middle of a push,
batches delivered twice and out of order, forged, replayed and stale requests, a kiosk whose clock
is ten minutes fast, a kiosk restored from a backup. Each ends with what the property manager would
check: every top-up there once, the balances exact, nothing held, nothing left unsent."""

from __future__ import annotations

import random
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from kiosk.db.models import SyncState
from kiosk.payments.simulator.client import SimulatorProvider
from kiosk.payments.simulator.server import PaymentSimulator
from kiosk.sync import Syncer, SyncReport, SyncWorker, full_jitter
from kiosk.sync_client import SyncClient
from kiosk.sync_protocol import PUSH_PATH, STATE_PATH, signed_headers
from tests import cards
from tests.backend.kiosk_side import SyncingKiosk, make_syncing_kiosk, reopen
from tests.backend.server import BackendServer

SIMULATOR_SECRET = "sync-faults-simulator"


@dataclass
class Rig:
    server: BackendServer
    kiosk: SyncingKiosk
    secret: str
    tmp_path: Path
    provider: SimulatorProvider

    def held_by_backend(self) -> dict:
        """The backend's view of K1: acked and highest seq, held seqs (GET /sync/state)."""
        return self.kiosk.client.state()

    def assert_in_step(self, topups: dict[int, int]) -> None:
        """Every top-up once on the backend, its money exact, every message acknowledged."""
        orders = self.server.admin("GET", "/orders?kiosk_id=K1&limit=1000")
        assert sorted((o["local_id"], o["state"], o["amount"]) for o in orders) == sorted(
            (order_id, "done", amount) for order_id, amount in topups.items()
        )
        self.server.admin("PUT", "/tenants/7", {"site_id": cards.SITE_ID, "name": "Unit 7"})
        detail = self.server.admin("GET", "/tenants/7")
        on_card = {b["account_kind"]: b["balance"] for b in detail["balances"]}["on_card"]
        assert on_card == sum(topups.values())
        state = self.held_by_backend()
        last = self.kiosk.outbox()[-1].seq
        assert (state["acked_seq"], state["max_seq"], state["held"]) == (last, last, [])
        assert self.kiosk.unsent() == []


@pytest.fixture()
def simulator() -> Iterator[PaymentSimulator]:
    with PaymentSimulator(SIMULATOR_SECRET) as sim:
        yield sim


@pytest.fixture()
def rig(tmp_path, simulator) -> Iterator[Rig]:
    """Kiosk K1 enrolled at a backend that is *stopped* when the test begins."""
    server = BackendServer(f"sqlite:///{tmp_path / 'backend.db'}")
    secret = server.enrol_offline("K1", cards.SITE_ID)
    provider = SimulatorProvider(simulator.url, SIMULATOR_SECRET)
    kiosk = make_syncing_kiosk(tmp_path / "kiosk", provider, server.url, secret)
    yield Rig(server, kiosk, secret, tmp_path, provider)
    kiosk.close()
    server.stop()


def test_offline_for_a_while_then_everything_arrives_in_order(rig: Rig):
    topups = {rig.kiosk.cash_topup(amount): amount for amount in (10_00, 20_00, 30_00)}
    report = rig.kiosk.syncer.run_once()
    assert report.error is not None and report.error.code == "unreachable"
    assert "not reached" in report.error.message
    waiting = rig.kiosk.unsent()
    assert waiting == list(range(1, len(waiting) + 1))  # nothing lost, nothing marked sent
    assert rig.kiosk.syncer.status()["last_error"].startswith("backend http://127.0.0.1")

    rig.server.start()
    rig.kiosk.syncer.batch = 7  # several batches, oldest first
    report = rig.kiosk.syncer.run_once()
    assert report.ok, report.summary()
    assert report.pushed == len(waiting) and report.backlog == 0
    rig.assert_in_step(topups)


@pytest.mark.slow
@pytest.mark.parametrize(
    "crash_at",
    ["backend_push_applied", "backend_push_committed"],
    ids=["before-commit", "after-commit-before-reply"],
)
def test_the_backend_killed_in_the_middle_of_a_push_loses_nothing_and_doubles_nothing(
    rig: Rig, crash_at: str
):
    """The server SIGKILLs itself at the crash point while the kiosk's push is in flight: before
    the batch is committed (it is lost with the server) or after (the reply is lost). Either way
    the kiosk sends again and the backend holds each message once."""
    topups = {rig.kiosk.cash_topup(amount): amount for amount in (15_00, 25_00)}
    rig.server.start(crash_at=crash_at)
    report = rig.kiosk.syncer.run_once()
    assert report.error is not None and report.error.code == "unreachable"
    assert rig.server.wait_dead() == -9  # SIGKILL, mid-request
    assert rig.kiosk.unsent()[0] == 1  # the kiosk heard nothing, so it keeps everything

    rig.server.start()
    report = rig.kiosk.syncer.run_once()
    assert report.ok, report.summary()
    rig.assert_in_step(topups)


@pytest.mark.slow
def test_a_backend_killed_by_the_operator_during_pushes_loses_nothing(rig: Rig):
    """SIGKILL from outside at an arbitrary moment of a stream of pushes; restart; catch up."""
    topups = {rig.kiosk.cash_topup(amount): amount for amount in (5_00, 6_00, 7_00, 8_00)}
    rig.kiosk.syncer.batch = 2
    rig.server.start()
    pushing = threading.Thread(target=rig.kiosk.syncer.run_once)
    pushing.start()
    deadline = time.monotonic() + 20
    while pushing.is_alive() and len(rig.kiosk.unsent()) > 30 and time.monotonic() < deadline:
        time.sleep(0.005)  # kill once part of the outbox is through
    rig.server.kill()
    pushing.join(30)
    assert rig.kiosk.unsent(), "the kill came after the last push: nothing was interrupted"
    rig.server.start()
    assert rig.kiosk.syncer.run_once().ok
    rig.assert_in_step(topups)


def test_batches_delivered_twice_and_out_of_order_are_counted_once(rig: Rig):
    topups = {rig.kiosk.cash_topup(12_00): 12_00}
    rig.server.start()
    wire = [
        {"kiosk_id": m.kiosk_id, "seq": m.seq, "idempotency_key": m.idempotency_key,
         "kind": m.kind, "payload": m.payload}
        for m in rig.kiosk.outbox()
    ]  # fmt: skip
    client = rig.kiosk.client
    late = client.push(wire[2:])  # seq 3… overtakes seq 1 and 2
    assert late["acked_seq"] == 0 and late["missing_from"] == 1
    assert {r["status"] for r in late["results"]} == {"held"}
    assert rig.server.admin("GET", "/orders") == []  # nothing shown before what precedes it
    assert client.push(wire[:2])["acked_seq"] == len(wire)
    twice = client.push(wire)
    assert {r["status"] for r in twice["results"]} == {"duplicate"}
    assert rig.kiosk.syncer.run_once().ok  # marks them sent: the backend already holds them
    rig.assert_in_step(topups)


def test_forged_replayed_and_stale_requests_are_refused_over_http(rig: Rig):
    rig.server.start()
    url = rig.server.url

    def signed(secret: str, stamp: int, body: bytes = b"") -> dict[str, str]:
        return signed_headers("K1", secret, "GET", STATE_PATH, stamp, body)

    forged = requests.get(url + STATE_PATH, headers=signed("guessed", int(time.time())), timeout=5)
    assert forged.status_code == 401 and forged.json()["error"]["code"] == "bad_signature"

    headers = signed(rig.secret, int(time.time()))
    assert requests.get(url + STATE_PATH, headers=headers, timeout=5).status_code == 200
    replayed = requests.get(url + STATE_PATH, headers=headers, timeout=5)
    assert replayed.status_code == 409 and replayed.json()["error"]["code"] == "replayed_request"

    stale = requests.get(
        url + STATE_PATH, headers=signed(rig.secret, int(time.time()) - 900), timeout=5
    )
    assert stale.status_code == 401
    assert abs(stale.json()["error"]["server_time"] - time.time()) < 5

    unsigned = requests.post(url + PUSH_PATH, json={"messages": []}, timeout=5)
    assert unsigned.status_code == 401 and unsigned.json()["error"]["code"] == "unsigned"


def test_a_kiosk_ten_minutes_fast_learns_the_offset_and_goes_through(rig: Rig):
    topups = {rig.kiosk.cash_topup(9_00): 9_00}
    rig.server.start()
    fast = SyncClient(rig.server.url, "K1", rig.secret, timeout=5, clock=lambda: time.time() + 600)
    assert fast.now() - time.time() > 590  # it would sign ten minutes in the future
    syncer = Syncer(rig.kiosk.db, fast, "K1", cards.SITE_ID)
    report = syncer.run_once()
    assert report.ok, report.summary()
    assert abs(fast.offset + 600) < 5  # learnt from the refusal and the Date header
    rig.assert_in_step(topups)
    with rig.kiosk.db.session() as s:  # kept for the next start
        assert abs(s.get(SyncState, "K1").clock_offset + 600) < 5
    restarted = SyncClient(rig.server.url, "K1", rig.secret, clock=lambda: time.time() + 600)
    Syncer(rig.kiosk.db, restarted, "K1", cards.SITE_ID)
    assert abs(restarted.now() - time.time()) < 5
    fast.close()
    restarted.close()


def _backup(db_file: Path, to: Path) -> None:
    """A consistent copy of a live SQLite (WAL) database, as a nightly backup takes it."""
    source, target = sqlite3.connect(db_file), sqlite3.connect(to)
    with target:
        source.backup(target)
    source.close()
    target.close()


@pytest.mark.slow
def test_a_kiosk_restored_from_a_backup_continues_after_the_backends_seqs(rig: Rig):
    rig.server.start()
    first = rig.kiosk.cash_topup(11_00)
    assert rig.kiosk.syncer.run_once().ok
    second = rig.kiosk.cash_topup(22_00)
    db_file = rig.tmp_path / "kiosk" / "kiosk.db"
    _backup(db_file, rig.tmp_path / "backup.db")  # the nightly backup: `second` not yet sent
    assert rig.kiosk.syncer.run_once().ok
    third = rig.kiosk.cash_topup(33_00)
    assert rig.kiosk.syncer.run_once().ok
    held = rig.held_by_backend()["max_seq"]
    rig.kiosk.close()

    # the kiosk's disk dies; the backup goes back in; a tenant tops up before the first sync
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db_file}{suffix}").unlink(missing_ok=True)
    _backup(rig.tmp_path / "backup.db", db_file)
    restored = rig.kiosk = reopen(rig.kiosk, db_file)
    fourth = restored.cash_topup(44_00)
    assert fourth == third  # the order id the lost disk had used is used again
    assert restored.unsent()[0] < held  # `second` again, and `fourth` under `third`'s seqs

    report = restored.syncer.run_once()
    assert report.ok, report.summary()
    renumbered = [m.payload["id"] for m in restored.outbox() if m.kind == "order" and m.seq > held]
    assert renumbered and set(renumbered) == {fourth}  # moved after what the backend holds
    orders = rig.server.admin("GET", "/orders?kiosk_id=K1")
    assert sorted((o["local_id"], o["amount"]) for o in orders) == [
        (first, 11_00),
        (second, 22_00),  # sent twice (before and after the restore): counted once
        (third, 33_00),  # what the lost disk had sent stays on the backend
        (fourth, 44_00),  # the same local id as `third`, another order: both kept
    ]
    rig.server.admin("PUT", "/tenants/7", {"site_id": cards.SITE_ID, "name": "Unit 7"})
    balances = rig.server.admin("GET", "/tenants/7")["balances"]
    assert {b["account_kind"]: b["balance"] for b in balances}["on_card"] == 110_00
    state = rig.held_by_backend()
    assert state["held"] == [] and state["acked_seq"] == restored.outbox()[-1].seq
    assert restored.unsent() == []


def test_the_background_worker_backs_off_while_offline_and_catches_up(rig: Rig):
    topups = {rig.kiosk.cash_topup(4_00): 4_00}
    reports: list[SyncReport] = []
    worker = SyncWorker(
        rig.kiosk.syncer, interval=0.1, on_report=reports.append, backoff_base=0.02,
        backoff_cap=0.2, rng=random.Random(7),
    )  # fmt: skip
    worker.start()
    try:
        assert wait_until(lambda: worker.failures >= 3)  # the backend is away
        assert all(r.error is not None and r.error.code == "unreachable" for r in reports)
        rig.server.start()
        worker.wake()
        assert wait_until(lambda: bool(reports) and reports[-1].ok)
        assert worker.failures == 0
    finally:
        worker.stop()
    assert not worker.running
    rig.assert_in_step(topups)


def test_full_jitter_stays_between_zero_and_the_capped_exponential():
    rng = random.Random(1)
    for failures in range(1, 40):
        ceiling = min(300.0, 2.0 * 2**failures)
        delays = [full_jitter(failures, 2.0, 300.0, rng) for _ in range(50)]
        assert all(0.0 <= d <= ceiling for d in delays)
    assert max(full_jitter(30, 2.0, 300.0, rng) for _ in range(200)) > 150  # spread, not fixed


def wait_until(condition: Callable[[], bool], timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()
