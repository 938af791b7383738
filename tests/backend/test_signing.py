"""Signed requests (docs/sync-api.md "Signing"): the worked example, and every refusal -- unsigned,
unknown kiosk, wrong secret, altered body, stale timestamp (with the server's time), replayed
nonce (also to a second worker sharing the database), rotated secret, malformed headers."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select

from backend.app import create_app
from backend.db import Database
from backend.db.models import KioskRow
from backend.secretbox import SecretBox
from kiosk.sync_protocol import body_hash, canonical, sign, signed_headers
from tests.backend.conftest import (
    Admin,
    SignedKiosk,
    enrol,
    message,
    order_payload,
    settings_for,
)
from tests.backend.server import SECRET_KEY

DOC = Path(__file__).resolve().parents[2] / "docs" / "sync-api.md"


def worked_example() -> dict[str, str]:
    text = DOC.read_text()
    block = text.split("### Worked example", 1)[1].split("```text", 1)[1].split("```", 1)[0]
    return dict(
        (key.strip(), value.strip())
        for key, value in (line.split(":", 1) for line in block.strip().splitlines())
    )


def test_the_worked_example_in_the_docs_signs_as_documented():
    ex = worked_example()
    assert body_hash(b"") == ex["body hash"]
    signature = sign(
        ex["secret"], ex["method"], ex["target"], int(ex["timestamp"]), ex["nonce"], b""
    )
    assert signature == ex["signature"]
    shown = DOC.read_text().split("The signed text is therefore", 1)[1].split("```")[1].strip()
    assert canonical(ex["method"], ex["target"], int(ex["timestamp"]), ex["nonce"], b"") == shown


def test_the_backend_accepts_the_worked_example_signature(
    admin: Admin, backend_db: Database, db_url: str
):
    """The documented secret and signature, at the documented time, are accepted by the backend."""
    ex = worked_example()
    kiosk = enrol(admin)
    with backend_db.session() as s:  # give K1 the documented secret
        row = s.get(KioskRow, "K1")
        assert row is not None
        box = SecretBox(bytes.fromhex(SECRET_KEY))
        row.sealed_secret = box.seal("K1", row.secret_version, ex["secret"])
    documented_time = int(ex["timestamp"]) + 30
    app = create_app(settings_for(db_url), db=backend_db, clock=lambda: documented_time)
    with TestClient(app) as client:
        reply = client.get(
            ex["target"],
            headers={
                "X-Kiosk-Id": kiosk.kiosk_id,
                "X-Timestamp": ex["timestamp"],
                "X-Nonce": ex["nonce"],
                "X-Signature": ex["signature"],
            },
        )
    assert reply.status_code == 200, reply.text
    assert reply.json()["more"] is False


def test_an_unsigned_request_is_refused_before_its_body_is_read(client: TestClient, kiosk):
    reply = client.post("/api/v1/sync/push", content=b"{not json")
    assert reply.status_code == 401
    error = reply.json()["error"]
    assert error["code"] == "unsigned"
    assert "X-Kiosk-Id" in error["message"] and "X-Signature" in error["message"]


def test_a_request_signed_with_the_wrong_secret_is_refused(kiosk: SignedKiosk):
    kiosk.secret = "not-the-secret-the-backend-gave"
    reply = kiosk.state()
    assert reply.status_code == 401
    assert reply.json()["error"]["code"] == "bad_signature"


def test_a_body_altered_after_signing_is_refused_and_not_stored(kiosk: SignedKiosk, admin: Admin):
    body = json.dumps({"messages": [message(1, "order", order_payload(amount=10_00))]}).encode()
    headers = kiosk.headers("POST", "/api/v1/sync/push", body)
    forged = body.replace(b"1000", b"9000")
    reply = kiosk.client.post("/api/v1/sync/push", content=forged, headers=headers)
    assert reply.status_code == 401
    assert reply.json()["error"]["code"] == "bad_signature"
    assert admin.ok("GET", "/orders") == []


def test_an_unknown_kiosk_is_told_to_enrol(client: TestClient, admin: Admin):
    stranger = SignedKiosk(client, "K404", "whatever-secret")
    reply = stranger.state()
    assert reply.status_code == 401
    error = reply.json()["error"]
    assert error["code"] == "unknown_kiosk" and "POST /api/v1/admin/kiosks" in error["message"]


def test_a_stale_timestamp_is_refused_with_the_server_time(kiosk: SignedKiosk):
    kiosk.skew = 10 * 60  # the kiosk's clock is ten minutes fast
    reply = kiosk.state()
    assert reply.status_code == 401
    error = reply.json()["error"]
    assert error["code"] == "stale_timestamp"
    assert abs(error["server_time"] - time.time()) < 5
    kiosk.skew = 0
    assert kiosk.state().status_code == 200


def test_a_replayed_request_is_refused_and_counted_once(kiosk: SignedKiosk, admin: Admin):
    body = json.dumps({"messages": [message(1, "order", order_payload())]}).encode()
    headers = kiosk.headers("POST", "/api/v1/sync/push", body)
    first = kiosk.client.post("/api/v1/sync/push", content=body, headers=headers)
    assert first.status_code == 200
    again = kiosk.client.post("/api/v1/sync/push", content=body, headers=headers)
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "replayed_request"
    assert len(admin.ok("GET", "/orders")) == 1


def test_a_nonce_seen_by_one_worker_is_refused_by_another(
    kiosk: SignedKiosk, backend_db: Database, db_url: str
):
    """Two workers share only the database: the nonce is remembered there."""
    target = "/api/v1/sync/state"
    headers = kiosk.headers("GET", target, b"")
    assert kiosk.client.get(target, headers=headers).status_code == 200
    other_worker = create_app(settings_for(db_url), db=Database(db_url))
    with TestClient(other_worker) as second:
        reply = second.get(target, headers=headers)
    assert reply.status_code == 409
    assert reply.json()["error"]["code"] == "replayed_request"


def test_a_rotated_secret_replaces_the_old_one_at_once(kiosk: SignedKiosk, admin: Admin):
    rotated = admin.ok(
        "POST", "/kiosks?rotate=true", {"kiosk_id": "K1", "site_id": 17, "name": "L"}
    )
    assert rotated["secret_version"] == 2
    assert kiosk.state().json()["error"]["code"] == "bad_signature"
    kiosk.secret = rotated["secret"]
    assert kiosk.state().status_code == 200


def test_malformed_signature_headers_are_named(kiosk: SignedKiosk):
    headers = signed_headers("K1", kiosk.secret, "GET", "/api/v1/sync/state", int(time.time()), b"")
    for name, bad, expected in (
        ("X-Nonce", "short", "X-Nonce"),
        ("X-Timestamp", "yesterday", "X-Timestamp"),
        ("X-Signature", "ZZ", "X-Signature"),
        ("X-Kiosk-Id", "K 1", "X-Kiosk-Id"),
    ):
        reply = kiosk.client.get("/api/v1/sync/state", headers={**headers, name: bad})
        assert reply.status_code == 401, name
        assert expected in reply.json()["error"]["message"]


def test_kiosk_secrets_are_not_stored_in_the_clear(admin: Admin, backend_db: Database):
    secret = admin.ok("POST", "/kiosks", {"kiosk_id": "K7", "site_id": 17, "name": "Gate"})[
        "secret"
    ]
    with backend_db.session() as s:
        sealed = s.scalar(select(KioskRow.sealed_secret).where(KioskRow.id == "K7"))
    assert sealed and secret not in sealed
    assert not re.search(re.escape(secret[:12]), sealed)
