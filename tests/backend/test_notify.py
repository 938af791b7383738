"""Notices raised by what kiosks push reach people through meters.notify (a signed webhook here,
a real HTTP server on 127.0.0.1); a receiver that is down never refuses the kiosk's push, and the
notice says it was not delivered."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from fastapi.testclient import TestClient

from backend.app import create_app
from backend.db import Database
from kiosk.db.pgserver import free_port
from meters.notify import SIGNATURE_HEADER, verify_signature
from tests.backend.conftest import Admin, enrol, message, meter_state_payload, settings_for

HOOK_SECRET = "webhook-test-secret"


class Receiver(ThreadingHTTPServer):
    def __init__(self) -> None:
        self.received: list[tuple[dict, bool]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                signed = verify_signature(
                    HOOK_SECRET.encode(), body, self.headers.get(SIGNATURE_HEADER)
                )
                outer.received.append((json.loads(body), signed))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        super().__init__(("127.0.0.1", 0), Handler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/hook"


@pytest.fixture()
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def app_with_webhook(db_url: str, db: Database, url: str) -> TestClient:
    settings = settings_for(db_url, webhook_url=url, webhook_secret=HOOK_SECRET)
    return TestClient(create_app(settings, db=db))


def seed(admin: Admin) -> None:
    admin.ok("PUT", "/sites/17", {"name": "Test Tower", "currency": 156})
    admin.ok("PUT", "/tenants/8", {"site_id": 17, "name": "Unit 8"})
    admin.ok("PUT", "/meters/42", {"site_id": 17, "tenant_id": 8, "kind": "card",
                                   "utility": "electricity", "tariff_code": "ELEC"})  # fmt: skip


def test_a_low_credit_notice_is_posted_signed_to_the_webhook(
    db_url: str, backend_db: Database, receiver: Receiver
):
    with app_with_webhook(db_url, backend_db, receiver.url) as client:
        admin = Admin(client)
        seed(admin)
        kiosk = enrol(admin)
        assert kiosk.push(message(1, "meter_state", meter_state_payload(1, 12_00))).is_success
        (notice,) = admin.ok("GET", "/notices")
    assert notice["kind"] == "low_credit" and notice["delivered"] is True
    ((posted, signed),) = receiver.received
    assert signed
    assert posted["kind"] == "low_credit" and posted["tenant_id"] == 8
    assert posted["meter"] == "card meter 42" and posted["detail"]["credit"] == 12_00


def test_a_webhook_that_is_down_does_not_refuse_the_push(db_url: str, backend_db: Database):
    nowhere = f"http://127.0.0.1:{free_port()}/hook"
    with app_with_webhook(db_url, backend_db, nowhere) as client:
        admin = Admin(client)
        seed(admin)
        kiosk = enrol(admin)
        reply = kiosk.push(message(1, "meter_state", meter_state_payload(1, -50)))
        assert reply.status_code == 200 and reply.json()["acked_seq"] == 1
        (notice,) = admin.ok("GET", "/notices")
    assert notice["kind"] == "emergency_credit" and notice["delivered"] is False
    assert "not reached" in notice["error"]
