"""Fixtures of the backend's own tests: the app in-process (FastAPI's TestClient over ASGI) on a
fresh database -- SQLite, and PostgreSQL on a throw-away server started by the tests
(kiosk/db/pgserver.py) -- an administrator, and enrolled kiosks that sign their requests.

The PostgreSQL cases are marked ``postgres``; they skip, saying why, only when PostgreSQL's
binaries are not installed (``make setup`` installs them, and CI has them).
"""

from __future__ import annotations

import itertools
import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from backend.app import create_app
from backend.db import Database
from backend.settings import Settings
from kiosk.db.pgserver import PostgresServer, PostgresUnavailableError, find_bindir
from kiosk.sync_protocol import signed_headers
from tests.backend.server import ADMIN_TOKEN, SECRET_KEY

SITE = 17
_numbers = itertools.count(1)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "postgres: runs on a throw-away PostgreSQL server (kiosk/db/pgserver.py)"
    )


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PostgresServer]:
    try:
        find_bindir()
    except PostgresUnavailableError as absent:
        pytest.skip(f"PostgreSQL is not installed: {absent}")
    try:
        server = PostgresServer().start()
    except PostgresUnavailableError as error:
        pytest.fail(str(error), pytrace=False)
    yield server
    server.stop()


@pytest.fixture(
    params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)],
)
def db_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    """A fresh, empty backend database: SQLite in tmp_path, or a new PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'backend.db'}"
        return
    pg: PostgresServer = request.getfixturevalue("pg_server")
    name = f"b{next(_numbers)}_{re.sub(r'[^a-z0-9_]', '_', request.node.name.lower())}"[:63]
    yield pg.create_database(name)
    pg.drop_database(name)


def settings_for(db_url: str, **changes: Any) -> Settings:
    return Settings(
        admin_token=ADMIN_TOKEN,
        secret_key=bytes.fromhex(SECRET_KEY),
        database_url=db_url,
        **changes,
    )


@pytest.fixture()
def backend_db(db_url: str) -> Iterator[Database]:
    db = Database(db_url)
    db.migrate()
    yield db
    db.dispose()


@pytest.fixture()
def client(db_url: str, backend_db: Database) -> Iterator[TestClient]:
    app = create_app(settings_for(db_url), db=backend_db)
    with TestClient(app) as test_client:
        yield test_client


@dataclass
class Admin:
    client: TestClient

    def __call__(self, method: str, path: str, body: Any = None) -> Response:
        return self.client.request(
            method,
            f"/api/v1/admin{path}",
            json=body,
            headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
        )

    def ok(self, method: str, path: str, body: Any = None) -> Any:
        response = self(method, path, body)
        assert response.status_code in (200, 201), response.text
        return response.json()


@pytest.fixture()
def admin(client: TestClient) -> Admin:
    admin = Admin(client)
    admin.ok("PUT", f"/sites/{SITE}", {"name": "Test Tower", "currency": 156})
    return admin


@dataclass
class SignedKiosk:
    """A kiosk talking to the in-process app with signed requests."""

    client: TestClient
    kiosk_id: str
    secret: str
    #: seconds added to the real clock when stamping (a kiosk with a wrong clock)
    skew: float = 0.0

    def headers(
        self, method: str, target: str, body: bytes, nonce: str | None = None
    ) -> dict[str, str]:
        stamp = int(time.time() + self.skew)
        headers = signed_headers(self.kiosk_id, self.secret, method, target, stamp, body, nonce)
        return {**headers, "Content-Type": "application/json"}

    def send(self, method: str, target: str, payload: Any = None) -> Response:
        body = b"" if payload is None else json.dumps(payload).encode()
        return self.client.request(
            method, target, content=body or None, headers=self.headers(method, target, body)
        )

    def push(self, *messages: dict[str, Any]) -> Response:
        return self.send("POST", "/api/v1/sync/push", {"messages": list(messages)})

    def pull(self, cursor: int = 0, limit: int = 500) -> Response:
        return self.send("GET", f"/api/v1/sync/pull?cursor={cursor}&limit={limit}")

    def state(self) -> Response:
        return self.send("GET", "/api/v1/sync/state")


def enrol(admin: Admin, kiosk_id: str = "K1", site_id: int = SITE) -> SignedKiosk:
    reply = admin.ok("POST", "/kiosks", {"kiosk_id": kiosk_id, "site_id": site_id, "name": "Lobby"})
    return SignedKiosk(admin.client, kiosk_id, reply["secret"])


@pytest.fixture()
def kiosk(admin: Admin) -> SignedKiosk:
    return enrol(admin)


# -- messages as a kiosk's outbox writes them ------------------------------------------------------

_AT = "2026-11-24T09:30:00+00:00"


def order_payload(local_id: int = 1, state: str = "done", amount: int = 50_00, tenant: int = 7):
    return {
        "id": local_id,
        "out_trade_no": f"K1-20261124-{local_id:010d}",
        "idempotency_key": f"order-{local_id}",
        "kiosk_id": "K1",
        "card_uid": "a1b2c3d4",
        "tenant_id": tenant,
        "state": state,
        "amount": amount,
        "currency": 156,
        "method": "simulator",
        "paid_amount": amount,
        "paid_at": _AT,
        "created_at": _AT,
        "updated_at": _AT,
        "items": [{"id": local_id, "order_id": local_id, "kind": "card_credit", "amount": amount}],
    }


def ledger_payload(local_id: int, amount: int, account_kind: str, tenant: int | None = 7):
    return {
        "id": local_id,
        "txn": f"txn-{(local_id + 1) // 2}",
        "account_id": local_id,
        "amount": amount,
        "kind": "payment",
        "order_id": 1,
        "memo": "",
        "created_at": _AT,
        "account": {"kind": account_kind, "tenant_id": tenant, "currency": 156, "name": ""},
    }


def meter_state_payload(local_id: int, credit: int, meter: int = 42):
    return {
        "id": local_id,
        "card_uid": "a1b2c3d4",
        "meter_id": meter,
        "meter_counter": local_id,
        "at": _AT,
        "reading": 1000 + local_id,
        "credit": credit,
        "loaded_seq": 1,
        "loaded_amount": None,
        "recorded_at": _AT,
    }


def message(seq: int, kind: str, payload: dict, kiosk_id: str = "K1", key: str | None = None):
    return {
        "kiosk_id": kiosk_id,
        "seq": seq,
        "idempotency_key": key or f"key-{kiosk_id}-{seq}",
        "kind": kind,
        "payload": payload,
    }
