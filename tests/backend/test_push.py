"""Pushing outbox messages (docs/sync-api.md "Push"): each stored once, applied in the kiosk's seq
order, gaps held until they fill, conflicts refused whole, malformed messages named -- what a
property manager sees in the orders and balances afterwards. On SQLite and PostgreSQL."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from backend.db import Database
from backend.db.models import SyncMessage
from tests.backend.conftest import (
    Admin,
    SignedKiosk,
    enrol,
    ledger_payload,
    message,
    meter_state_payload,
    order_payload,
)


def paid_order_batch() -> list[dict]:
    """A paid order and its payment: CLEARING -> UNDELIVERED of tenant 7, then delivered."""
    return [
        message(1, "order", order_payload(state="paid")),
        message(2, "ledger_entry", ledger_payload(1, -50_00, "clearing", tenant=None)),
        message(3, "ledger_entry", ledger_payload(2, 50_00, "undelivered")),
        message(4, "order", order_payload(state="done")),
    ]


def balances(admin: Admin, tenant: int = 7) -> dict[str, int]:
    admin.ok("PUT", f"/tenants/{tenant}", {"site_id": 17, "name": f"Unit {tenant}"})
    return {
        b["account_kind"]: b["balance"] for b in admin.ok("GET", f"/tenants/{tenant}")["balances"]
    }


def test_a_batch_is_stored_once_even_when_sent_twice(kiosk: SignedKiosk, admin: Admin):
    first = kiosk.push(*paid_order_batch())
    assert first.status_code == 200, first.text
    reply = first.json()
    assert reply["acked_seq"] == 4 and reply["missing_from"] is None
    assert [r["status"] for r in reply["results"]] == ["stored"] * 4

    again = kiosk.push(*paid_order_batch()).json()
    assert again["acked_seq"] == 4
    assert [r["status"] for r in again["results"]] == ["duplicate"] * 4

    orders = admin.ok("GET", "/orders")
    assert [(o["local_id"], o["state"], o["amount"]) for o in orders] == [(1, "done", 50_00)]
    assert balances(admin) == {"undelivered": 50_00}


def test_messages_beyond_a_gap_are_held_and_applied_in_order_when_it_fills(
    kiosk: SignedKiosk, admin: Admin
):
    batch = paid_order_batch()
    held = kiosk.push(batch[3]).json()  # "done" overtakes "paid"
    assert held["acked_seq"] == 0 and held["missing_from"] == 1
    assert held["results"] == [{"seq": 4, "status": "held"}]
    assert admin.ok("GET", "/orders") == []  # nothing is shown out of order
    assert kiosk.state().json()["held"] == [4]

    filled = kiosk.push(*batch[:3]).json()
    assert filled["acked_seq"] == 4 and filled["missing_from"] is None
    orders = admin.ok("GET", "/orders")
    assert [o["state"] for o in orders] == ["done"]  # seq 4 applied after 1: the newest wins
    assert kiosk.state().json()["held"] == []


def test_seq_3_before_2_is_counted_once_each(kiosk: SignedKiosk, admin: Admin):
    batch = paid_order_batch()
    kiosk.push(batch[0])
    assert kiosk.push(batch[2]).json()["acked_seq"] == 1
    assert kiosk.push(batch[1]).json()["acked_seq"] == 3
    assert kiosk.push(batch[2]).json()["results"] == [{"seq": 3, "status": "duplicate"}]
    assert balances(admin) == {"undelivered": 50_00}


def test_the_same_key_with_another_payload_refuses_the_whole_batch(
    kiosk: SignedKiosk, admin: Admin, backend_db: Database
):
    batch = paid_order_batch()
    kiosk.push(batch[0])
    forged = message(1, "order", order_payload(state="paid", amount=99_00))
    reply = kiosk.push(batch[1], forged)
    assert reply.status_code == 409
    error = reply.json()["error"]
    assert error["code"] == "idempotency_conflict" and error["seq"] == 1
    assert "key-K1-1" in error["message"] and "another payload" in error["message"]
    with backend_db.session() as s:  # seq 2 of the refused batch was not kept either
        assert s.scalar(select(func.count()).select_from(SyncMessage)) == 1
    assert [o["amount"] for o in admin.ok("GET", "/orders")] == [50_00]


def test_a_seq_taken_by_another_message_says_how_to_recover(kiosk: SignedKiosk):
    kiosk.push(message(1, "order", order_payload()))
    reply = kiosk.push(message(1, "order", order_payload(local_id=2), key="a-restored-kiosk"))
    assert reply.status_code == 409
    error = reply.json()["error"]
    assert error["code"] == "seq_taken" and "GET /api/v1/sync/state" in error["message"]


def test_a_key_used_again_for_another_seq_is_refused(kiosk: SignedKiosk):
    kiosk.push(message(1, "order", order_payload()))
    reply = kiosk.push(message(2, "order", order_payload(), key="key-K1-1"))
    assert reply.status_code == 409
    assert reply.json()["error"]["code"] == "idempotency_conflict"
    assert "already received as seq 1" in reply.json()["error"]["message"]


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (lambda p: p.pop("amount"), "amount"),
        (lambda p: p.update(state="teleported"), "state"),
        (lambda p: p.update(created_at="2026-11-24T09:30:00"), "created_at"),  # no UTC offset
        (lambda p: p.update(amount="fifty"), "amount"),
        (lambda p: p.update(out_trade_no="x" * 65), "out_trade_no"),
    ],
    ids=["missing", "unknown-state", "naive-time", "not-a-number", "too-long"],
)
def test_a_malformed_payload_is_refused_with_its_seq_and_field(kiosk: SignedKiosk, change, named):
    payload = order_payload()
    change(payload)
    reply = kiosk.push(message(1, "order", payload))
    assert reply.status_code == 422
    error = reply.json()["error"]
    assert error["code"] == "invalid_request" and error["seq"] == 1
    assert named in error["message"] and "seq 1 (order)" in error["message"]
    assert kiosk.state().json()["max_seq"] == 0


def test_a_malformed_request_body_is_a_422_naming_the_problem(kiosk: SignedKiosk):
    for body, named in (
        ({"messages": []}, "messages"),
        ({"messages": [{"seq": 1}]}, "kiosk_id"),
        ({"messages": [message(0, "order", order_payload())]}, "seq"),
        ({"messages": [message(1, "horoscope", order_payload())]}, "kind"),
        ({"messages": [message(1, "order", {"memo": "nul \x00 inside"})]}, "NUL"),
    ):
        reply = kiosk.send("POST", "/api/v1/sync/push", body)
        assert reply.status_code == 422, body
        assert named in reply.json()["error"]["message"], reply.text
    raw = b"{not json"
    headers = kiosk.headers("POST", "/api/v1/sync/push", raw)
    reply = kiosk.client.post("/api/v1/sync/push", content=raw, headers=headers)
    assert reply.status_code == 422 and reply.json()["error"]["code"] == "invalid_request"


def test_a_kiosk_cannot_push_another_kiosks_messages(admin: Admin, kiosk: SignedKiosk):
    enrol(admin, "K2")
    reply = kiosk.push(message(1, "order", order_payload(), kiosk_id="K2"))
    assert reply.status_code == 403
    assert reply.json()["error"]["code"] == "wrong_kiosk"


def test_two_kiosks_number_their_own_seqs(admin: Admin, kiosk: SignedKiosk):
    other = enrol(admin, "K2")
    assert kiosk.push(message(1, "order", order_payload())).json()["acked_seq"] == 1
    payload = order_payload()
    assert other.push(message(1, "order", payload, kiosk_id="K2")).json()["acked_seq"] == 1
    orders = admin.ok("GET", "/orders")
    assert sorted((o["kiosk_id"], o["local_id"]) for o in orders) == [("K1", 1), ("K2", 1)]


def test_state_tells_a_restored_kiosk_where_to_continue(kiosk: SignedKiosk):
    kiosk.push(*paid_order_batch()[:2])
    kiosk.push(message(4, "order", order_payload()))
    state = kiosk.state().json()
    assert (state["acked_seq"], state["max_seq"], state["held"]) == (2, 4, [4])
    assert state["site_id"] == 17


def test_low_and_emergency_credit_are_noticed_once_per_crossing(kiosk: SignedKiosk, admin: Admin):
    admin.ok("PUT", "/tenants/8", {"site_id": 17, "name": "Unit 8"})
    meter = {"site_id": 17, "tenant_id": 8, "kind": "card", "utility": "electricity"}
    admin.ok("PUT", "/meters/42", {**meter, "tariff_code": "ELEC"})
    credits = [50_00, 15_00, 10_00, -1_00, -2_00]
    for seq, credit in enumerate(credits, start=1):
        assert kiosk.push(message(seq, "meter_state", meter_state_payload(seq, credit))).is_success
    kiosk.push(message(2, "meter_state", meter_state_payload(2, 15_00)))  # a duplicate
    notices = admin.ok("GET", "/notices")
    assert [(n["kind"], n["tenant_id"]) for n in reversed(notices)] == [
        ("low_credit", 8),
        ("emergency_credit", 8),
    ]
    assert "15.00 CNY of credit left" in notices[-1]["message"]


def test_pushed_relay_commands_notice_disconnection_when_confirmed(kiosk: SignedKiosk, admin):
    relay = {"id": 1, "meter_id": 7, "closed": False, "reason": "credit exhausted",
             "at": "2026-11-24T09:30:00+00:00", "confirmed": False, "error": ""}  # fmt: skip
    kiosk.push(message(1, "relay_command", relay))
    assert admin.ok("GET", "/notices") == []  # sent, not yet confirmed by the meter
    kiosk.push(message(2, "relay_command", {**relay, "confirmed": True}))
    notices = admin.ok("GET", "/notices")
    assert [n["kind"] for n in notices] == ["disconnected"]
    assert "credit exhausted" in notices[0]["message"]


@pytest.mark.postgres
@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_postgresql_announces_each_applied_message_at_commit(kiosk: SignedKiosk, db_url: str):
    """events.publish: LISTEN prepay_changes hears each applied message, once, after commit --
    a batch's events in one notification (a JSON array)."""
    import psycopg

    conninfo = db_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(conninfo, autocommit=True) as listener:
        listener.execute("LISTEN prepay_changes")
        kiosk.push(*paid_order_batch())
        kiosk.push(*paid_order_batch())  # duplicates announce nothing
        notes = [json.loads(n.payload) for n in listener.notifies(timeout=2, stop_after=5)]
    assert len(notes) == 1, "one notification per pushed batch, none for the duplicate"
    heard = notes[0]
    assert [(e["kind"], e["seq"]) for e in heard] == [
        ("order", 1),
        ("ledger_entry", 2),
        ("ledger_entry", 3),
        ("order", 4),
    ]
    assert heard[0]["tenant_id"] == 7 and heard[0]["kiosk_id"] == "K1"
