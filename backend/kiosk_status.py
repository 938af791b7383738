"""A kiosk's report of itself (``POST /api/v1/sync/status``, docs/sync-api.md): what only the kiosk
knows -- the messages still waiting in its outbox and since when, its clock offset, the last sync
error it met, its software -- kept as one row per kiosk for kiosk health.

The kiosk reports after a sync run that reached the backend, whether or not its push went
through, when what it would say changed (and every 15 minutes anyway, kiosk/sync.py): a kiosk
whose push is refused (a conflict a person must look at) reports its growing backlog, which is
exactly what the property manager must see. A report changes no money
and no reference data; a stale or odd one is stored as said, since it is only shown."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend import events
from backend.db.base import utcnow
from backend.db.models import KioskReportRow, KioskRow
from backend.errors import NotFoundError
from backend.sync_schemas import StatusReply, StatusReport

#: the event a report publishes: the kiosk health page listens to it (source "health")
SOURCE = "health"
KIND = "kiosk_status"


def record(session: Session, kiosk_id: str, report: StatusReport) -> StatusReply:
    """Keep ``report`` as the kiosk's newest, and announce it to live pages."""
    kiosk = session.get(KioskRow, kiosk_id)
    if kiosk is None:
        raise NotFoundError(f"kiosk {kiosk_id} is not enrolled")
    row = session.scalar(
        select(KioskReportRow).where(KioskReportRow.kiosk_id == kiosk_id).with_for_update()
    )
    if row is None:
        row = KioskReportRow(kiosk_id=kiosk_id, reports=0)
        session.add(row)
    row.received_at = utcnow()
    row.reported_at = report.at
    row.backlog = report.backlog
    row.oldest_unsent_at = report.oldest_unsent_at if report.backlog else None
    row.last_seq = report.last_seq
    row.clock_offset_s = report.clock_offset_s
    row.cursor = report.cursor
    row.last_error = report.last_error
    row.software = report.software
    row.reports = (row.reports or 0) + 1
    session.flush()
    events.publish(session, [events.Event(SOURCE, KIND, kiosk_id, kiosk_id=kiosk_id)])
    return StatusReply(kiosk_id=kiosk_id, reports=row.reports, acked_seq=kiosk.acked_seq)


def reports(session: Session) -> dict[str, KioskReportRow]:
    """Every kiosk's newest report, by kiosk id."""
    return {row.kiosk_id: row for row in session.scalars(select(KioskReportRow))}


def pulled(card_rev: int, report: KioskReportRow | None) -> bool | None:
    """Whether a kiosk holding ``report``'s cursor has pulled a change numbered ``card_rev`` (a
    card's block, say); None when the kiosk has not reported yet."""
    return None if report is None else report.cursor >= card_rev
