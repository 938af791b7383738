"""The changes committed to a SQLite database, found by polling: SQLite has no NOTIFY.

Three numbers grow with every change and are cheap to read: each kiosk's ``acked_seq`` (everything
up to it is applied, :mod:`backend.ingest`), each kiosk's count of status reports
(:mod:`backend.kiosk_status`) and the ``reference`` counter (every edit of reference data takes
the next number, :mod:`backend.reference`). About once a second the poller reads them; when one
grew, it reads what lies between the old and the new number -- the applied messages, the changed
reference rows -- and publishes the same events :func:`backend.events.publish` sends on
PostgreSQL. Every worker polls the same file, so each hears every change whichever worker took it.

The poller reads through an engine of its own without the backend's BEGIN IMMEDIATE: a read in WAL
mode takes no lock, so polling never holds up a kiosk's push.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import Engine, create_engine, event, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from backend import kiosk_status, reference
from backend.db.models import KioskReportRow, KioskRow, SyncMessage
from backend.events import Event
from backend.reference import MODELS, RefType
from backend.web.hub import ChangeHub

log = logging.getLogger(__name__)

INTERVAL_S = 1.0
#: changes read per poll at most; a bigger burst becomes a resync (the pages fetch everything)
MAX_EVENTS = 2000


@dataclass
class Position:
    """How far the poller has seen: each kiosk's acked seq and status reports, and the reference
    counter."""

    acked: dict[str, int] = field(default_factory=dict)
    rev: int = 0
    reports: dict[str, int] = field(default_factory=dict)


def _busy_timeout(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


class SqlitePoller:
    def __init__(self, database_url: str, interval: float = INTERVAL_S) -> None:
        self.interval = interval
        self.engine: Engine = create_engine(database_url, connect_args={"check_same_thread": False})
        event.listen(self.engine, "connect", _busy_timeout)

    async def run(self, hub: ChangeHub) -> None:
        try:
            position = await self._start()
            hub.set_ready(True)
            while True:
                await asyncio.sleep(self.interval)
                try:
                    events, position = await run_in_threadpool(self.changes, position)
                except SQLAlchemyError as exc:
                    log.warning("polling for changes failed (%s); trying again", exc)
                    continue
                if events is None:
                    hub.resync()
                    continue
                for change in events:
                    hub.publish(change)
        finally:
            self.engine.dispose()

    async def _start(self) -> Position:
        while True:
            try:
                return await run_in_threadpool(self.position)
            except SQLAlchemyError as exc:
                log.warning("the change poller cannot read the database (%s)", exc)
                await asyncio.sleep(self.interval)

    def position(self) -> Position:
        with Session(self.engine) as s:
            acked = s.execute(select(KioskRow.id, KioskRow.acked_seq)).all()
            reports = s.execute(select(KioskReportRow.kiosk_id, KioskReportRow.reports)).all()
            return Position(
                {kiosk: seq for kiosk, seq in acked},
                reference.current_rev(s),
                {kiosk: count for kiosk, count in reports},
            )

    def changes(self, before: Position) -> tuple[list[dict[str, Any]] | None, Position]:
        """The events committed since ``before`` (None: too many, resync) and the new position."""
        now = self.position()
        found: list[dict[str, Any]] = []
        with Session(self.engine) as s:
            for kiosk_id, acked in now.acked.items():
                seen = before.acked.get(kiosk_id, 0)
                if acked > seen:
                    found += _kiosk_events(s, kiosk_id, seen, acked)
            if now.rev > before.rev:
                found += _reference_events(s, before.rev, now.rev)
        for kiosk_id, reports in now.reports.items():
            if reports > before.reports.get(kiosk_id, 0):
                found.append(
                    asdict(
                        Event(kiosk_status.SOURCE, kiosk_status.KIND, kiosk_id, kiosk_id=kiosk_id)
                    )
                )
        if len(found) > MAX_EVENTS:
            return None, now
        return found, now


def _kiosk_events(s: Session, kiosk_id: str, after: int, upto: int) -> list[dict[str, Any]]:
    messages = s.scalars(
        select(SyncMessage)
        .where(SyncMessage.kiosk_id == kiosk_id, SyncMessage.seq > after, SyncMessage.seq <= upto)
        .order_by(SyncMessage.seq)
        .limit(MAX_EVENTS + 1)
    )
    return [asdict(message_event(m)) for m in messages]


def message_event(message: SyncMessage) -> Event:
    """The event :mod:`backend.ingest` publishes when it applies ``message`` (its tenant from the
    payload of orders and ledger entries, as ingest takes it)."""
    payload = message.payload
    tenant: Any = None
    if message.kind == "order":
        tenant = payload.get("tenant_id")
    elif message.kind == "ledger_entry":
        account = payload.get("account")
        tenant = account.get("tenant_id") if isinstance(account, dict) else None
    return Event(
        "kiosk",
        message.kind,
        str(payload.get("id")),
        kiosk_id=message.kiosk_id,
        seq=message.seq,
        tenant_id=tenant if isinstance(tenant, int) else None,
    )


def _reference_events(s: Session, after: int, upto: int) -> list[dict[str, Any]]:
    events: list[tuple[int, Event]] = []
    for kind, model in MODELS.items():
        rows = s.scalars(
            select(model).where(model.rev > after, model.rev <= upto).limit(MAX_EVENTS + 1)
        )
        for row in rows:
            key = row.uid if kind is RefType.CARD else row.id
            tenant = row.id if kind is RefType.TENANT else getattr(row, "tenant_id", None)
            events.append((row.rev, Event("reference", kind.value, str(key), tenant_id=tenant)))
    return [asdict(e) for _rev, e in sorted(events, key=lambda pair: pair[0])]
