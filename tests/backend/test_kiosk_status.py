"""A kiosk's report of itself (POST /api/v1/sync/status): the messages still queued in its outbox,
its clock offset and its last sync error reach the property manager's kiosk health page and the
administrator's kiosk list; a malformed or unsigned report is refused, says why, and changes
nothing. On SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient

from backend.db import Database
from backend.web.sqlite_poller import SqlitePoller
from tests.backend.conftest import Admin, SignedKiosk, enrol, message
from tests.backend.test_dashboard_auth import signed_in, use_cheap_hashes
from tests.backend.test_dashboard_pages import building, now, order, push, row_of

STATUS = "/api/v1/sync/status"


@pytest.fixture(autouse=True)
def cheap_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_hashes(monkeypatch)


@pytest.fixture()
def manager(client: TestClient, backend_db: Database, admin: Admin) -> TestClient:
    return signed_in(client, backend_db)


def report(**changes: object) -> dict:
    """A healthy kiosk's report: nothing queued, clock right, no error."""
    body: dict = {
        "at": now().isoformat(),
        "backlog": 0,
        "oldest_unsent_at": None,
        "last_seq": 1,
        "clock_offset_s": 0,
        "cursor": 5,
        "last_error": "",
        "software": "prepay-kiosk 0.1.0",
    }
    body.update(changes)
    return body


def send(kiosk: SignedKiosk, body: dict) -> dict:
    reply = kiosk.send("POST", STATUS, body)
    assert reply.status_code == 200, reply.text
    return reply.json()


def kiosk_row(manager: TestClient, kiosk_id: str = "K1") -> str:
    return row_of(manager.get("/dashboard/kiosks").text, f"kiosk-{kiosk_id}")


def test_a_healthy_report_shows_an_empty_queue_and_the_clock_offset(
    manager: TestClient, admin: Admin, kiosk: SignedKiosk
):
    building(admin)
    push(kiosk, message(1, "order", order(1, 10_00, 7, now())))
    assert kiosk_row(manager).endswith("not reported yet")
    reply = send(kiosk, report(clock_offset_s=-3))
    assert reply == {"kiosk_id": "K1", "reports": 1, "acked_seq": 1}
    row = kiosk_row(manager)
    assert row.startswith("K1 Lobby Test Tower in touch")
    assert row.endswith("1 1 none none up to date -3 s none reported just now")


def test_a_kiosk_with_messages_waiting_too_long_is_behind(
    manager: TestClient, admin: Admin, kiosk: SignedKiosk
):
    building(admin)
    push(kiosk, message(1, "order", order(1, 10_00, 7, now())))
    waiting_since = now() - dt.timedelta(hours=3)
    send(kiosk, report(backlog=240, oldest_unsent_at=waiting_since.isoformat(), last_seq=241))
    row = kiosk_row(manager)
    assert " behind " in row
    assert "240 waiting, oldest 3 h ago" in row


def test_a_kiosk_whose_push_is_refused_shows_as_failing_with_the_error_and_its_queue(
    manager: TestClient, admin: Admin, kiosk: SignedKiosk
):
    building(admin)
    push(kiosk, message(1, "order", order(1, 10_00, 7, now())))
    error = "backend refused POST /api/v1/sync/push: seq 2 is stored with another key"
    send(kiosk, report(backlog=4, oldest_unsent_at=now().isoformat(), last_error=error))
    row = kiosk_row(manager)
    assert " failing " in row
    assert "4 waiting, oldest just now" in row
    assert error in row
    # the next report, after the technician fixed it, replaces it
    assert send(kiosk, report())["reports"] == 2
    assert " in touch " in kiosk_row(manager)


def test_a_clock_far_off_is_flagged(manager: TestClient, admin: Admin, kiosk: SignedKiosk):
    building(admin)
    push(kiosk, message(1, "order", order(1, 10_00, 7, now())))
    send(kiosk, report(clock_offset_s=600))
    page = manager.get("/dashboard/kiosks").text
    assert '<td class="clock warn">+600 s</td>' in page
    send(kiosk, report(clock_offset_s=2))
    assert '<td class="clock">+2 s</td>' in manager.get("/dashboard/kiosks").text


def test_the_admin_api_lists_each_kiosks_newest_report(admin: Admin, kiosk: SignedKiosk):
    enrol(admin, "K2")
    send(kiosk, report(backlog=7, last_seq=9, cursor=11, software="prepay-kiosk 9.9"))
    kiosks = {k["kiosk_id"]: k for k in admin.ok("GET", "/kiosks")}
    assert kiosks["K2"]["report"] is None
    got = kiosks["K1"]["report"]
    assert (got["backlog"], got["last_seq"], got["cursor"], got["software"]) == (
        7,
        9,
        11,
        "prepay-kiosk 9.9",
    )
    assert got["reports"] == 1


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"backlog": -1}, "backlog"),
        ({"backlog": "many"}, "backlog"),
        ({"at": "2026-12-08T10:00:00"}, "at"),  # no UTC offset: whose clock?
        ({"at": "0001-01-01T00:00:00+01:00"}, "at"),  # before the year 1 in UTC
        ({"oldest_unsent_at": "yesterday"}, "oldest_unsent_at"),
        ({"last_error": "bad\x00byte"}, "last_error"),
        ({"last_error": "x" * 256}, "last_error"),
        ({"clock_offset_s": 2**63}, "clock_offset_s"),
        ({"uptime": 5}, "uptime"),  # unknown fields are refused: a typo is named
    ],
)
def test_a_malformed_report_is_refused_naming_the_field_and_changes_nothing(
    admin: Admin, kiosk: SignedKiosk, changes: dict, field: str
):
    reply = kiosk.send("POST", STATUS, report(**changes))
    assert reply.status_code == 422, reply.text
    assert field in reply.text
    assert admin.ok("GET", "/kiosks")[0]["report"] is None


def test_a_report_missing_a_field_is_refused(admin: Admin, kiosk: SignedKiosk):
    body = report()
    del body["backlog"]
    reply = kiosk.send("POST", STATUS, body)
    assert reply.status_code == 422
    assert "backlog" in reply.text
    assert admin.ok("GET", "/kiosks")[0]["report"] is None


def test_an_unsigned_or_wrongly_signed_report_is_refused(
    client: TestClient, admin: Admin, kiosk: SignedKiosk
):
    unsigned = client.post(STATUS, json=report())
    assert unsigned.status_code == 401
    assert unsigned.json()["error"]["code"] == "unsigned"
    forged = SignedKiosk(client, "K1", "not-the-secret").send("POST", STATUS, report())
    assert forged.status_code == 401
    assert forged.json()["error"]["code"] == "bad_signature"
    assert admin.ok("GET", "/kiosks")[0]["report"] is None


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # PostgreSQL NOTIFYs instead
def test_on_sqlite_the_change_poller_hears_a_report(db_url: str, admin: Admin, kiosk: SignedKiosk):
    """Pages on SQLite learn of changes by polling: a report must be heard, or kiosk health
    would only update on the next pushed message."""
    poller = SqlitePoller(db_url)
    try:
        before = poller.position()
        send(kiosk, report(backlog=2, oldest_unsent_at=now().isoformat()))
        events, after = poller.changes(before)
        assert events == [
            {
                "source": "health",
                "kind": "kiosk_status",
                "subject": "K1",
                "kiosk_id": "K1",
                "seq": None,
                "tenant_id": None,
            }
        ]
        assert poller.changes(after)[0] == []  # heard once
    finally:
        poller.engine.dispose()


# -- what a kiosk has pulled -----------------------------------------------------------------------

UID = "a1b2c3d4"


def pulled_up_to_now(kiosk: SignedKiosk) -> int:
    """The kiosk pulls everything, as its sync run does; the cursor it then holds."""
    reply = kiosk.pull()
    assert reply.status_code == 200, reply.text
    assert reply.json()["more"] is False
    return int(reply.json()["cursor"])


def test_kiosk_health_counts_the_building_changes_a_kiosk_has_not_pulled(
    manager: TestClient, admin: Admin, kiosk: SignedKiosk
):
    building(admin)
    push(kiosk, message(1, "order", order(1, 10_00, 7, now())))
    send(kiosk, report(cursor=pulled_up_to_now(kiosk)))
    assert " up to date " in kiosk_row(manager)

    admin.ok("PUT", f"/cards/{UID}", {"site_id": 17, "role": "wallet", "serial": 1001,
                                      "tenant_id": 7})  # fmt: skip
    admin.ok("POST", f"/cards/{UID}/blacklist", {"reason": "stolen"})
    admin.ok("PUT", "/sites/99", {"name": "Elsewhere", "currency": 156})
    admin.ok("PUT", "/tenants/990", {"site_id": 99, "name": "Not this building"})
    assert " 1 change not pulled " in kiosk_row(manager)  # the card, once; not the other site

    send(kiosk, report(cursor=pulled_up_to_now(kiosk)))
    assert " up to date " in kiosk_row(manager)


def test_a_blocked_card_says_which_kiosks_refuse_it_already(
    manager: TestClient, admin: Admin, kiosk: SignedKiosk
):
    building(admin)
    k2 = enrol(admin, "K2")
    enrol(admin, "K3")  # never reports
    admin.ok("PUT", f"/cards/{UID}", {"site_id": 17, "role": "wallet", "serial": 1001,
                                      "tenant_id": 7})  # fmt: skip
    for k in (kiosk, k2):
        send(k, report(cursor=pulled_up_to_now(k)))
    active = row_of(manager.get("/dashboard/sites/17/cards").text, f"card-{UID}")
    assert "refused at" not in active and "not yet at" not in active  # nothing to say

    admin.ok("POST", f"/cards/{UID}/blacklist", {"reason": "stolen"})
    assert row_of(manager.get("/dashboard/sites/17/cards").text, f"card-{UID}").endswith(
        "blocked: stolen not yet at K1, K2, K3 Reinstate"
    )
    send(kiosk, report(cursor=pulled_up_to_now(kiosk)))  # K1 pulls and reports
    shown = row_of(manager.get("/dashboard/sites/17/cards").text, f"card-{UID}")
    assert "blocked: stolen refused at K1; not yet at K2, K3" in shown
