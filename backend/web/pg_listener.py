"""The changes committed to a PostgreSQL database, heard with ``LISTEN prepay_changes``.

:func:`backend.events.publish` sends every applied kiosk message and every reference edit with
``NOTIFY`` inside its transaction, so PostgreSQL delivers it when, and only when, it commits -- to
every listening connection, whichever worker or server made the change. One connection per
worker process listens (psycopg, asynchronously, in the worker's event loop) and hands each
notification to the :class:`~backend.web.hub.ChangeHub`.

When the connection is lost, the listener says so (the pages show "reconnecting"), connects again
with a growing pause (1 s up to 30 s), and then asks every page to fetch its parts again: changes
made while nobody listened are not replayed by PostgreSQL.
"""

from __future__ import annotations

import asyncio
import json
import logging

import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url

from backend.events import CHANNEL
from backend.web.hub import ChangeHub

log = logging.getLogger(__name__)

MAX_PAUSE_S = 30.0
#: TCP keepalives find a connection that died silently (a failed-over database, a cut network)
KEEPALIVE = {
    "keepalives": "1",
    "keepalives_idle": "30",
    "keepalives_interval": "10",
    "keepalives_count": "3",
}


def conninfo(database_url: str) -> str:
    """The libpq connection string of a SQLAlchemy ``postgresql+psycopg://`` URL, with TCP
    keepalives unless the URL sets its own."""
    url = make_url(database_url).set(drivername="postgresql")
    url = url.update_query_dict({k: v for k, v in KEEPALIVE.items() if k not in url.query})
    return url.render_as_string(hide_password=False)


class PostgresListener:
    def __init__(self, database_url: str) -> None:
        self.conninfo = conninfo(database_url)

    async def run(self, hub: ChangeHub) -> None:
        pause, heard_before = 1.0, False
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(
                    self.conninfo, autocommit=True
                ) as connection:
                    await connection.execute(sql.SQL("LISTEN {}").format(sql.Identifier(CHANNEL)))
                    hub.set_ready(True)
                    if heard_before:
                        log.info("listening for changes again")
                        hub.resync()
                    heard_before, pause = True, 1.0
                    async for notification in connection.notifies():
                        for event in _decode(notification.payload):
                            hub.publish(event)
            except psycopg.Error as exc:
                log.warning("the change listener lost the database (%s); retrying in %.0f s",
                            exc, pause)  # fmt: skip
            hub.set_ready(False)
            await asyncio.sleep(pause)
            pause = min(pause * 2, MAX_PAUSE_S)


def _decode(payload: str) -> list[dict[str, object]]:
    """The events of a notification: a JSON array of them (backend.events.publish), or one."""
    try:
        decoded = json.loads(payload)
    except ValueError:
        log.warning("ignored a notification that is not JSON: %.100r", payload)
        return []
    items = decoded if isinstance(decoded, list) else [decoded]
    return [item for item in items if isinstance(item, dict)]
