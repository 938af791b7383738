"""Notices on low balance and disconnection, through meters.notify's interface (a signed webhook
here, a real HTTP server on 127.0.0.1): a card meter whose credit crosses the low-credit threshold
(once, not at every low reading), one that goes into emergency credit, and a networked meter's
relay opened and closed again as a kiosk reports it -- each delivered, and listed on the
building's overview, which also says when one could not be delivered. On SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from backend.app import create_app
from backend.db import Database
from kiosk.db.pgserver import free_port
from tests.backend.conftest import Admin, enrol, message, settings_for
from tests.backend.test_dashboard_auth import signed_in, use_cheap_hashes, visible_text
from tests.backend.test_dashboard_pages import building, now, push, reading, section
from tests.backend.test_notify import HOOK_SECRET, Receiver


@pytest.fixture(autouse=True)
def cheap_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_hashes(monkeypatch)


@pytest.fixture()
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture()
def hooked(db_url: str, backend_db: Database, receiver: Receiver) -> Iterator[TestClient]:
    """The backend with the notification webhook set, and a signed-in manager."""
    settings = settings_for(db_url, webhook_url=receiver.url, webhook_secret=HOOK_SECRET)
    with TestClient(create_app(settings, db=backend_db)) as client:
        building(Admin(client))
        yield signed_in(client, backend_db)


def relay(local_id: int, meter: int, closed: bool, reason: str, confirmed: bool) -> dict:
    at = (now() - dt.timedelta(minutes=10 - local_id)).isoformat()
    return {"id": local_id, "meter_id": meter, "closed": closed, "reason": reason, "at": at,
            "confirmed": confirmed, "error": ""}  # fmt: skip


def test_a_card_meter_falling_below_the_threshold_is_noticed_once(
    hooked: TestClient, receiver: Receiver
):
    kiosk = enrol(Admin(hooked))
    t = now()
    push(
        kiosk,
        message(1, "meter_state", reading(1, 42, 1_000, 80_00, t - dt.timedelta(days=3))),
        message(2, "meter_state", reading(2, 42, 6_000, 12_00, t - dt.timedelta(days=1))),
        message(3, "meter_state", reading(3, 42, 7_000, 9_50, t)),  # still low: no new notice
    )
    ((notice, signed),) = receiver.received
    assert signed and notice["kind"] == "low_credit" and notice["tenant_id"] == 8
    assert notice["message"] == "Meter 42 has 12.00 CNY of credit left: please top up."
    assert notice["detail"]["credit"] == 12_00 and notice["meter"] == "card meter 42"

    notices = section(hooked.get("/dashboard/sites/17").text, "notices")
    assert notices.count("Meter 42 has") == 1 and "12.00 CNY of credit left" in notices
    assert "not delivered" not in notices


def test_emergency_credit_is_noticed(hooked: TestClient, receiver: Receiver):
    kiosk = enrol(Admin(hooked))
    push(kiosk, message(1, "meter_state", reading(1, 42, 1_000, -3_20, now())))
    ((notice, _),) = receiver.received
    assert notice["kind"] == "emergency_credit"
    assert notice["message"] == (
        "Meter 42 is running on emergency credit (-3.20 CNY): top up now or the supply will be cut."
    )


def test_a_relay_opened_and_closed_again_is_noticed_as_disconnection_and_reconnection(
    hooked: TestClient, receiver: Receiver
):
    admin = Admin(hooked)
    admin.ok("PUT", "/meters/43", {"site_id": 17, "tenant_id": 8, "kind": "modbus",
                                   "utility": "electricity", "tariff_code": "ELEC"})  # fmt: skip
    kiosk = enrol(admin)
    push(kiosk, message(1, "relay_command", relay(1, 43, False, "credit exhausted", False)))
    assert receiver.received == []  # sent, not yet confirmed by the meter: nothing happened yet
    push(kiosk, message(2, "relay_command", relay(1, 43, False, "credit exhausted", True)))
    push(kiosk, message(3, "relay_command", relay(2, 43, True, "topped up", True)))

    kinds = [(n["kind"], n["tenant_id"], n["message"]) for n, signed in receiver.received if signed]
    assert kinds == [
        ("disconnected", 8, "Meter 43 was disconnected: credit exhausted."),
        ("reconnected", 8, "Meter 43 was reconnected: topped up."),
    ]
    notices = visible_text(hooked.get("/dashboard/sites/17/parts/notices").text)
    assert notices.index("reconnected: topped up") < notices.index("disconnected: credit exhausted")


def test_a_notice_that_could_not_be_delivered_says_so_on_the_dashboard(
    db_url: str, backend_db: Database
):
    nowhere = f"http://127.0.0.1:{free_port()}/hook"
    settings = settings_for(db_url, webhook_url=nowhere, webhook_secret=HOOK_SECRET)
    with TestClient(create_app(settings, db=backend_db)) as client:
        building(Admin(client))
        manager = signed_in(client, backend_db)
        push(enrol(Admin(client)), message(1, "meter_state", reading(1, 42, 1_000, 5_00, now())))
        notices = section(manager.get("/dashboard/sites/17").text, "notices")
    assert "Meter 42 has 5.00 CNY of credit left: please top up. not delivered" in notices
