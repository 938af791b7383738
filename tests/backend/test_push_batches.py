"""A pushed batch is worked on as a whole (backend.ingest): several snapshots of one row in a
batch, a message twice in one batch, thresholds crossed twice within one batch, held messages
applied together with new ones -- the same outcome as one message at a time. And on SQLite: many
requests of one worker taking turns, a database locked by another process. On SQLite and
PostgreSQL where it applies."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests
from sqlalchemy import event, func, select

from backend.db import Database
from backend.db.models import OrderRecord, SyncMessage
from kiosk.sync_protocol import PUSH_PATH, signed_headers
from tests.backend.conftest import (
    Admin,
    SignedKiosk,
    ledger_payload,
    message,
    meter_state_payload,
    order_payload,
)
from tests.backend.server import ADMIN_TOKEN, ROOT, BackendServer


def count(db: Database, model: type) -> int:
    with db.session() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_six_snapshots_of_one_order_in_a_batch_leave_the_last(
    kiosk: SignedKiosk, admin: Admin, backend_db: Database
):
    states = ["amount_chosen", "order_created", "paid", "write_pending", "written", "done"]
    batch = [message(n, "order", order_payload(state=s)) for n, s in enumerate(states, start=1)]
    reply = kiosk.push(*batch).json()
    assert reply["acked_seq"] == 6
    orders = admin.ok("GET", "/orders")
    assert [(o["local_id"], o["state"]) for o in orders] == [(1, "done")]
    assert count(backend_db, OrderRecord) == 1 and count(backend_db, SyncMessage) == 6


def test_a_later_batch_updates_the_row_an_earlier_batch_made(kiosk: SignedKiosk, admin: Admin):
    kiosk.push(message(1, "order", order_payload(state="paid")))
    kiosk.push(message(2, "ledger_entry", ledger_payload(1, 50_00, "undelivered")),
               message(3, "order", order_payload(state="done")))  # fmt: skip
    assert [o["state"] for o in admin.ok("GET", "/orders")] == ["done"]


def test_a_message_twice_in_one_batch_counts_once(kiosk: SignedKiosk, admin: Admin):
    entry = message(1, "ledger_entry", ledger_payload(1, 50_00, "undelivered"))
    reply = kiosk.push(entry, entry)
    assert reply.status_code == 200, reply.text
    assert [r["status"] for r in reply.json()["results"]] == ["stored"]
    admin.ok("PUT", "/tenants/7", {"site_id": 17, "name": "Unit 7"})
    balances = {b["account_kind"]: b["balance"] for b in admin.ok("GET", "/tenants/7")["balances"]}
    assert balances == {"undelivered": 50_00}


def test_one_seq_with_two_messages_in_one_batch_refuses_it_whole(
    kiosk: SignedKiosk, backend_db: Database
):
    first = message(1, "order", order_payload(state="paid"), key="key-a")
    other = message(1, "order", order_payload(state="done"), key="key-b")
    reply = kiosk.push(first, other)
    assert reply.status_code == 409
    assert reply.json()["error"]["code"] == "seq_taken"
    assert count(backend_db, SyncMessage) == 0  # nothing of the batch was kept


def test_thresholds_crossed_twice_within_one_batch_notice_each(kiosk: SignedKiosk, admin: Admin):
    admin.ok("PUT", "/tenants/8", {"site_id": 17, "name": "Unit 8"})
    meter = {"site_id": 17, "tenant_id": 8, "kind": "card", "utility": "electricity"}
    admin.ok("PUT", "/meters/42", {**meter, "tariff_code": "ELEC"})
    credits = [50_00, 15_00, 10_00, -1_00]
    batch = [
        message(seq, "meter_state", meter_state_payload(seq, credit))
        for seq, credit in enumerate(credits, start=1)
    ]
    assert kiosk.push(*batch).is_success
    notices = admin.ok("GET", "/notices")
    assert [n["kind"] for n in reversed(notices)] == ["low_credit", "emergency_credit"]
    assert "-1.00 CNY" in notices[0]["message"]


def test_held_messages_are_applied_with_the_batch_that_fills_the_gap(
    kiosk: SignedKiosk, admin: Admin
):
    late = [
        message(3, "ledger_entry", ledger_payload(2, 50_00, "undelivered")),
        message(4, "order", order_payload(state="done")),
    ]
    assert kiosk.push(*late).json()["missing_from"] == 1
    reply = kiosk.push(
        message(1, "order", order_payload(state="paid")),
        message(2, "ledger_entry", ledger_payload(1, -50_00, "clearing", tenant=None)),
    ).json()
    assert reply["acked_seq"] == 4 and reply["missing_from"] is None
    assert [o["state"] for o in admin.ok("GET", "/orders")] == ["done"]


# -- SQLite under load ----------------------------------------------------------------------------


def _enrol(url: str, kiosk_id: str) -> str:
    headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    requests.put(f"{url}/api/v1/admin/sites/17", json={"name": "T", "currency": 156},
                 headers=headers, timeout=10).raise_for_status()  # fmt: skip
    reply = requests.post(f"{url}/api/v1/admin/kiosks", headers=headers, timeout=10,
                          json={"kiosk_id": kiosk_id, "site_id": 17, "name": kiosk_id})  # fmt: skip
    reply.raise_for_status()
    return str(reply.json()["secret"])


def _push(url: str, kiosk_id: str, secret: str, seq: int) -> requests.Response:
    payload = {**order_payload(seq), "kiosk_id": kiosk_id}
    body = json.dumps({"messages": [message(seq, "order", payload, kiosk_id=kiosk_id)]}).encode()
    headers = signed_headers(kiosk_id, secret, "POST", PUSH_PATH, int(time.time()), body)
    return requests.post(f"{url}{PUSH_PATH}", data=body, timeout=60,
                         headers={**headers, "Content-Type": "application/json"})  # fmt: skip


def test_on_sqlite_transactions_take_turns_instead_of_failing_on_the_lock(tmp_path: Path):
    """Left to SQLite's busy timeout, request threads polling for the write lock starve: under
    load bench/sync_ingest.py saw "database is locked" 500s. The backend's Database hands the
    database to one transaction after the other instead. Here the busy timeout is cut to 0.2 s and
    one transaction holds the database for 1 s: the other waits its turn and succeeds."""
    db = Database(f"sqlite:///{tmp_path / 'b.db'}")
    db.migrate()
    db.engine.dispose()
    event.listen(db.engine, "connect", lambda conn, _: conn.execute("PRAGMA busy_timeout=200"))
    holding = threading.Event()

    def long_writer() -> None:
        with db.session() as s:
            s.add(SyncMessage(kiosk_id="K1", seq=1, idempotency_key="a", kind="order",
                              payload={}, payload_hash="h"))  # fmt: skip
            s.flush()
            holding.set()
            time.sleep(1.0)

    with ThreadPoolExecutor(1) as pool:
        first = pool.submit(long_writer)
        assert holding.wait(10)
        with db.session() as s:
            s.add(SyncMessage(kiosk_id="K1", seq=2, idempotency_key="b", kind="order",
                              payload={}, payload_hash="h"))  # fmt: skip
        first.result()
    assert count(db, SyncMessage) == 2
    db.dispose()


def test_a_database_locked_by_another_process_is_a_503_to_retry_and_loses_nothing(
    tmp_path: Path,
):
    path = tmp_path / "b.db"
    with BackendServer(f"sqlite:///{path}") as server:
        secret = _enrol(server.url, "K01")
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")  # e.g. `python -m backend user add` mid-transaction
        try:
            busy = _push(server.url, "K01", secret, 1)
        finally:
            other.execute("ROLLBACK")
            other.close()
        assert busy.status_code == 503
        assert busy.headers["Retry-After"] == "1"
        assert busy.json()["error"]["code"] == "database_busy"
        assert "try again" in busy.json()["error"]["message"]
        again = _push(server.url, "K01", secret, 1)
        assert again.status_code == 200 and again.json()["acked_seq"] == 1


def test_serve_refuses_several_workers_on_sqlite(tmp_path: Path):
    result = subprocess.run(
        [sys.executable, "-m", "backend", "serve", "--workers", "2",
         "--db", f"sqlite:///{tmp_path / 'b.db'}"],
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT),
             "PREPAY_BACKEND_ADMIN_TOKEN": ADMIN_TOKEN, "PREPAY_BACKEND_SECRET_KEY": "5e" * 32},
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 2
    assert "--workers 2 needs PostgreSQL" in result.stderr
    assert not (tmp_path / "b.db").exists()
