"""Several stateless workers share one PostgreSQL, and every dashboard hears every change whichever
worker took it: two separate backend processes (uvicorn, two ports, one database), a manager's
event stream open on worker A, a kiosk's signed push -- and a card blocked on the dashboard --
sent to worker B; both arrive on A's stream, carried by PostgreSQL's LISTEN/NOTIFY."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator

import pytest

from backend.web.session import COOKIE
from kiosk.db.pgserver import PostgresServer
from tests.backend.conftest import message
from tests.backend.server import BackendServer
from tests.backend.test_dashboard_auth import use_cheap_hashes
from tests.backend.test_dashboard_live import EventStream, browser, is_change, prepare, push
from tests.backend.test_dashboard_pages import now, order

pytestmark = [pytest.mark.slow, pytest.mark.postgres]


@pytest.fixture(autouse=True)
def cheap_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_hashes(monkeypatch)


@pytest.fixture()
def workers(pg_server: PostgresServer) -> Iterator[tuple[BackendServer, BackendServer, str]]:
    url = pg_server.create_database("two_workers")
    try:
        with BackendServer(url) as a, BackendServer(url) as b:
            assert a.port != b.port
            yield a, b, url
    finally:
        pg_server.drop_database("two_workers")


def test_a_change_taken_by_worker_b_reaches_the_dashboard_on_worker_a(
    workers: tuple[BackendServer, BackendServer, str],
):
    a, b, url = workers
    secret = prepare(a, url)
    with contextlib.closing(browser(a.url)) as on_a, contextlib.closing(browser(b.url)) as on_b:
        stream = EventStream(a.url, on_a.cookies[COOKIE])
        try:
            stream.ready()
            reply = push(b.url, secret, message(1, "order", order(1, 25_00, 7, now())),
                         message(2, "order", order(2, 5_00, 7, now())))  # fmt: skip
            assert reply["acked_seq"] == 2  # worker B stored them
            _, first = stream.wait_for(is_change(kind="order", seq=1), "order seq 1")
            _, second = stream.wait_for(is_change(kind="order", seq=2), "order seq 2")
            assert (first["kiosk_id"], first["tenant_id"], second["subject"]) == ("K1", 7, "2")

            page = on_b.get("/dashboard/sites/17/cards")
            token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
            on_b.post("/dashboard/sites/17/cards/a1b2c3d4/blacklist",
                      data={"reason": "stolen", "csrf_token": token})  # fmt: skip
            _, blocked = stream.wait_for(is_change(kind="card"), "the card blocked on worker B")
            assert (blocked["source"], blocked["subject"]) == ("reference", "a1b2c3d4")
        finally:
            stream.close()
