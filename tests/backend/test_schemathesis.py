"""Schemathesis against the backend's own OpenAPI document (in-process, over ASGI): for every
operation, generated requests -- valid ones and ones that break the schema -- never get a 5xx.
The administrator's token is sent, and the kiosks' requests are signed properly (as the enrolled
kiosk K1) so that the generated bodies reach the routes instead of stopping at the signature check.
A bounded number of examples per operation keeps the whole run well under a minute."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core import NotSet

from backend.app import create_app
from backend.db import Database
from kiosk.db.pgserver import PostgresServer
from kiosk.sync_protocol import signed_headers
from tests.backend.conftest import Admin, settings_for
from tests.backend.server import ADMIN_TOKEN

EXAMPLES = 15


def _labels() -> list[str]:
    """Every operation of the document (no database is opened to read it)."""
    app = create_app(settings_for("sqlite:///never-opened.db"))
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    return [result.ok().label for result in schema.get_all_operations()]


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def api(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[FastAPI, str]]:
    """The app on a fresh database (SQLite, PostgreSQL) with a site, a tenant and the enrolled
    kiosk K1."""
    if request.param == "sqlite":
        db_url = f"sqlite:///{tmp_path_factory.mktemp('schemathesis') / 'backend.db'}"
    else:
        pg: PostgresServer = request.getfixturevalue("pg_server")
        db_url = pg.create_database("schemathesis")
    db = Database(db_url)
    db.migrate()
    app = create_app(settings_for(db_url), db=db)
    with TestClient(app) as client:
        admin = Admin(client)
        admin.ok("PUT", "/sites/17", {"name": "Test Tower", "currency": 156})
        admin.ok("PUT", "/tenants/7", {"site_id": 17, "name": "Unit 7"})
        secret = admin.ok("POST", "/kiosks", {"kiosk_id": "K1", "site_id": 17, "name": "L"})[
            "secret"
        ]
    yield app, secret
    db.dispose()
    if request.param != "sqlite":
        pg.drop_database("schemathesis")


def signed_call(app: FastAPI, secret: str, case: Any) -> Any:
    """Send ``case`` as kiosk K1 would: its messages claimed by K1, signed over the exact bytes."""
    body = case.body
    if isinstance(body, dict) and isinstance(body.get("messages"), list):
        for message in body["messages"]:
            if isinstance(message, dict):
                message["kiosk_id"] = "K1"
    if case.method.upper() == "GET" or isinstance(body, NotSet):
        raw = b""
    elif isinstance(body, bytes):  # a negative case: not JSON at all
        raw = body
    else:
        raw = json.dumps(body).encode()
    query = urlencode(case.query or {}, doseq=True)
    target = f"{case.formatted_path}?{query}" if query else case.formatted_path
    headers = signed_headers("K1", secret, case.method, target, int(time.time()), raw)
    with TestClient(app) as client:
        return client.request(
            case.method,
            target,
            content=raw or None,
            headers={**headers, "Content-Type": "application/json"},
        )


@pytest.mark.slow
@pytest.mark.parametrize("label", _labels())
def test_no_request_gets_a_server_error(api: tuple[FastAPI, str], label: str) -> None:
    app, secret = api
    operation = schemathesis.openapi.from_asgi("/openapi.json", app).find_operation_by_label(label)
    assert operation is not None
    cases = st.one_of(
        operation.as_strategy(GenerationMode.POSITIVE),
        operation.as_strategy(GenerationMode.NEGATIVE),
    )

    @given(case=cases)
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    def no_server_error(case: Any) -> None:
        if case.path.startswith("/api/v1/sync/"):
            case.validate_response(signed_call(app, secret, case), checks=[not_a_server_error])
        else:
            case.call_and_validate(
                headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}, checks=[not_a_server_error]
            )

    no_server_error()
