"""Live updates over real HTTP: the backend under uvicorn (``python -m backend serve``), a signed-in
browser's event stream (/dashboard/events), and a kiosk pushing signed messages. What a kiosk
pushes and what a manager edits arrive on the stream as they commit -- found by polling on
SQLite, by LISTEN/NOTIFY on PostgreSQL. The helpers here are used by test_two_workers.py too."""

from __future__ import annotations

import contextlib
import json
import queue
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from backend.db import Database
from backend.web import users
from backend.web.session import COOKIE
from kiosk.sync_protocol import PUSH_PATH, STATUS_PATH, signed_headers
from tests.backend.conftest import message
from tests.backend.server import BackendServer
from tests.backend.test_dashboard_auth import (
    EMAIL,
    PASSWORD,
    create_manager,
    use_cheap_hashes,
    visible_text,
)
from tests.backend.test_dashboard_pages import now, order

#: how long a test waits for an event before it fails: a bound against hanging, not a measurement
WAIT_S = 30.0
Event = tuple[str, dict[str, Any]]


class EventStream:
    """The dashboard's event stream as a browser holds it, read on a plain socket in a thread:
    events arrive on a queue, and :meth:`close` hangs up at once, so the server sees the browser
    leave (an HTTP library's blocking read cannot be interrupted from another thread)."""

    def __init__(self, base_url: str, session_cookie: str) -> None:
        where = urlsplit(base_url)
        self.sock = socket.create_connection((where.hostname, where.port), timeout=WAIT_S)
        self.sock.sendall(
            f"GET /dashboard/events HTTP/1.0\r\nHost: {where.netloc}\r\n"
            f"Accept: text/event-stream\r\nCookie: {COOKIE}={session_cookie}\r\n\r\n".encode()
        )
        self.status: int | None = None
        self.events: queue.Queue[Event | None] = queue.Queue()
        #: every event taken off the queue so far, in order
        self.seen: list[Event] = []
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        buffer, in_body = b"", False
        try:
            while chunk := self.sock.recv(65536):
                buffer += chunk
                if not in_body:
                    if b"\r\n\r\n" not in buffer:
                        continue
                    head, buffer = buffer.split(b"\r\n\r\n", 1)
                    self.status, in_body = int(head.split()[1]), True
                while b"\n\n" in buffer:
                    block, buffer = buffer.split(b"\n\n", 1)
                    lines = block.decode().split("\n")
                    name = next((x[7:] for x in lines if x.startswith("event: ")), None)
                    data = "".join(x[6:] for x in lines if x.startswith("data: "))
                    if name is not None:  # comments (keep-alive) and "retry:" carry none
                        self.events.put((name, json.loads(data or "{}")))
        except OSError:
            pass
        finally:
            self.events.put(None)

    def wait_for(self, wanted: Callable[[str, dict[str, Any]], bool], what: str) -> Event:
        """The first event ``wanted`` accepts (others are skipped)."""
        deadline = time.monotonic() + WAIT_S
        while True:
            try:
                item = self.events.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(
                    f"no {what} on the event stream within {WAIT_S:.0f} s"
                ) from None
            if item is None:
                raise AssertionError(f"the event stream ended (HTTP {self.status}) before {what}")
            self.seen.append(item)
            if wanted(*item):
                return item

    def ready(self) -> None:
        self.wait_for(lambda name, _data: name == "ready", "ready")

    def close(self) -> None:
        with contextlib.suppress(OSError):  # already gone
            self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()
        self._thread.join(10)


def browser(server_url: str, email: str = EMAIL) -> httpx.Client:
    """A signed-in manager's HTTP client (cookies kept)."""
    client = httpx.Client(base_url=server_url, timeout=WAIT_S)
    form = client.get("/dashboard/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
    reply = client.post(
        "/dashboard/login", data={"email": email, "password": PASSWORD, "csrf_token": token}
    )
    assert reply.status_code == 303, reply.text
    return client


def push(
    server_url: str, secret: str, *messages: dict[str, Any], kiosk_id: str = "K1"
) -> dict[str, Any]:
    """A signed push as kiosk K1 (or ``kiosk_id``) sends it."""
    return _signed_post(server_url, secret, kiosk_id, PUSH_PATH, {"messages": list(messages)})


def status(server_url: str, secret: str, backlog: int) -> dict[str, Any]:
    """Kiosk K1's report of itself."""
    report = {"at": now().isoformat(), "backlog": backlog, "last_seq": 1, "clock_offset_s": 0,
              "cursor": 0, "oldest_unsent_at": now().isoformat() if backlog else None}  # fmt: skip
    return _signed_post(server_url, secret, "K1", STATUS_PATH, report)


def _signed_post(
    server_url: str, secret: str, kiosk_id: str, path: str, payload: dict[str, Any]
) -> dict[str, Any]:
    body = json.dumps(payload).encode()
    headers = signed_headers(kiosk_id, secret, "POST", path, int(time.time()), body)
    reply = httpx.post(
        f"{server_url}{path}",
        content=body,
        headers={**headers, "Content-Type": "application/json"},
        timeout=WAIT_S,
    )
    assert reply.status_code == 200, reply.text
    return reply.json()


def prepare(server: BackendServer, db_url: str) -> str:
    """Kiosk K1 enrolled at site 17 with tenant 7 and a card, a manager account; K1's secret."""
    secret = server.enrol("K1", 17)
    server.admin("PUT", "/tenants/7", {"site_id": 17, "name": "Lotus Café"})
    server.admin("PUT", "/cards/a1b2c3d4", {"site_id": 17, "role": "wallet", "serial": 1001,
                                            "tenant_id": 7})  # fmt: skip
    db = Database(db_url)
    try:
        create_manager(db)
    finally:
        db.dispose()
    return secret


def is_change(**fields: Any) -> Callable[[str, dict[str, Any]], bool]:
    return lambda name, data: name == "change" and all(data.get(k) == v for k, v in fields.items())


@pytest.fixture(autouse=True)
def cheap_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_hashes(monkeypatch)


@pytest.fixture()
def server(db_url: str) -> Iterator[BackendServer]:
    with BackendServer(db_url) as running:
        yield running


def test_a_push_and_a_block_arrive_on_the_event_stream_as_they_commit(
    server: BackendServer, db_url: str
):
    secret = prepare(server, db_url)
    with contextlib.closing(browser(server.url)) as client:
        stream = EventStream(server.url, client.cookies[COOKIE])
        try:
            stream.ready()
            push(server.url, secret, message(1, "order", order(1, 25_00, 7, now())))
            _, event = stream.wait_for(is_change(kind="order"), "the pushed order")
            assert event == {"source": "kiosk", "kind": "order", "subject": "1",
                             "kiosk_id": "K1", "seq": 1, "tenant_id": 7}  # fmt: skip
            # what the page then fetches shows it
            part = visible_text(client.get("/dashboard/sites/17/parts/topups").text)
            assert "1 top-up, 25.00 CNY" in part

            page = client.get("/dashboard/sites/17/cards")
            token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
            client.post("/dashboard/sites/17/cards/a1b2c3d4/blacklist",
                        data={"reason": "stolen", "csrf_token": token})  # fmt: skip
            _, event = stream.wait_for(is_change(kind="card"), "the blocked card")
            assert (event["source"], event["subject"], event["tenant_id"]) == (
                "reference",
                "a1b2c3d4",
                7,
            )
            # the kiosk's report of itself: kiosk health listens for it
            status(server.url, secret, backlog=3)
            _, event = stream.wait_for(is_change(kind="kiosk_status"), "the kiosk's report")
            assert (event["source"], event["kiosk_id"]) == ("health", "K1")
        finally:
            stream.close()


def test_a_buildings_manager_hears_only_that_buildings_changes(
    server: BackendServer, db_url: str
):
    secret = prepare(server, db_url)
    server.admin("PUT", "/sites/18", {"name": "Harbour Point", "currency": 156})
    server.admin("PUT", "/tenants/801", {"site_id": 18, "name": "Secret Holdings"})
    other_secret = server.enrol("K18", 18)
    db = Database(db_url)
    try:
        with db.session() as s:
            users.add_user(s, "harbour@example.com", "Hal", PASSWORD, sites=[18])
    finally:
        db.dispose()
    with contextlib.closing(browser(server.url, "harbour@example.com")) as client:
        stream = EventStream(server.url, client.cookies[COOKIE])
        try:
            stream.ready()
            push(server.url, secret, message(1, "order", order(1, 25_00, 7, now())))  # site 17
            status(server.url, secret, backlog=1)
            theirs = message(1, "order", order(1, 40_00, 801, now()), kiosk_id="K18")
            push(server.url, other_secret, theirs, kiosk_id="K18")
            stream.wait_for(is_change(kind="order", kiosk_id="K18"), "the own building's order")
            # changes arrive in commit order: building 17's, before, were not passed on
            assert [data.get("kiosk_id") for name, data in stream.seen if name == "change"] == [
                "K18"
            ]
        finally:
            stream.close()


@pytest.mark.postgres
@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_a_worker_that_lost_its_listen_connection_hears_changes_again(
    server: BackendServer, db_url: str
):
    """A failed-over database, a cut network: the worker connects again, tells its pages to fetch
    everything (what changed meanwhile was not heard), and the next change arrives as usual."""
    import psycopg

    from backend.web.pg_listener import conninfo

    secret = prepare(server, db_url)
    with contextlib.closing(browser(server.url)) as client:
        stream = EventStream(server.url, client.cookies[COOKIE])
        try:
            stream.ready()
            with psycopg.connect(conninfo(db_url), autocommit=True) as admin:
                cut = admin.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND query ILIKE 'LISTEN%' "
                    "AND pid <> pg_backend_pid()"
                ).fetchall()
            assert cut == [(True,)]  # the worker's one listening connection
            stream.wait_for(lambda name, _data: name == "resync", "a resync after reconnecting")
            push(server.url, secret, message(1, "order", order(1, 25_00, 7, now())))
            stream.wait_for(is_change(kind="order", seq=1), "the order pushed after the cut")
        finally:
            stream.close()
