"""The kiosks' health (/dashboard/kiosks): when each last reached the backend, the last message it
sent, how far its messages are stored and applied (acked seq) and the highest seq received, the
messages held beyond a gap, and what the kiosk last reported of itself (backend.kiosk_status): the
messages still queued in its outbox and since when, its clock offset, its last sync error, and from
the reference-data cursor it holds, how many of its building's changes (a blocked card, a new
tariff) it has still to pull.

A kiosk is "in touch" when it reached the backend lately and reports nothing wrong; "quiet" when it
has not for a while; "failing" when its last run met an error (a refused push, say); "behind" when
its oldest queued message has waited too long -- each a reason for a technician to look."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend import ingest, kiosk_status, queries, reference
from backend.context import Backend, backend
from backend.db.models import KioskReportRow, KioskRow, SiteRow, SyncMessage
from backend.web import PREFIX, clock
from backend.web.session import PageUser, PartUser
from backend.web.templating import render, render_part
from backend.web.users import User

router = APIRouter(prefix=f"{PREFIX}/kiosks", include_in_schema=False)
Ctx = Annotated[Backend, Depends(backend)]
#: a kiosk syncs every minute or so when it has work; one silent this long needs a look
QUIET_AFTER = dt.timedelta(minutes=15)
#: a message queued at a kiosk this long has missed many runs: the kiosk is behind
BEHIND_AFTER = dt.timedelta(minutes=15)
#: a clock further off than this is worth a technician's look (signatures allow 5 minutes, the
#: kiosk corrects for it, but receipts and the kiosk's own screens use its clock)
CLOCK_OFF_AFTER_S = 60


@dataclass(frozen=True)
class KioskHealth:
    kiosk: KioskRow
    site_name: str
    timezone: str
    last_message_at: dt.datetime | None
    held: list[int]
    status: str  # "ok", "quiet", "never", "failing", "behind"
    #: what the kiosk last reported of itself, None before its first report
    report: KioskReportRow | None
    #: its building's reference changes after the cursor it reported (None: no report yet)
    unpulled: int | None

    @property
    def clock_off(self) -> bool:
        return self.report is not None and abs(self.report.clock_offset_s) > CLOCK_OFF_AFTER_S

    @property
    def missing_from(self) -> int | None:
        return self.kiosk.acked_seq + 1 if self.held else None


@router.get("")
def kiosks(request: Request, user: PageUser, ctx: Ctx) -> HTMLResponse:
    with ctx.db.session() as s:
        context = _context(s, user)
    return render(request, "kiosks.html", {"user": user, **context})


@router.get("/parts/table")
def table(request: Request, user: PartUser, ctx: Ctx) -> HTMLResponse:
    with ctx.db.session() as s:
        context = _context(s, user)
    return render_part(request, "parts/kiosks.html", context)


def _context(s: Session, user: User) -> dict[str, Any]:
    """The kiosks of the buildings ``user`` may see."""
    now = clock.now()
    sites = {site.id: site for site in s.scalars(select(SiteRow))}
    last_messages = dict(
        s.execute(
            select(SyncMessage.kiosk_id, func.max(SyncMessage.received_at)).group_by(
                SyncMessage.kiosk_id
            )
        ).all()
    )
    reports = kiosk_status.reports(s)
    unpulled: dict[tuple[int, int], int] = {}  # kiosks of a building mostly share a cursor
    rows = []
    for kiosk in queries.kiosks(s):
        if not user.may_see(kiosk.site_id):
            continue
        site = sites.get(kiosk.site_id)
        report = reports.get(kiosk.id)
        if report is not None and (kiosk.site_id, report.cursor) not in unpulled:
            unpulled[kiosk.site_id, report.cursor] = reference.count_since(
                s, kiosk.site_id, report.cursor
            )
        rows.append(
            KioskHealth(
                kiosk,
                site.name if site else f"site {kiosk.site_id}",
                site.timezone if site else "UTC",
                last_messages.get(kiosk.id),
                ingest.held(s, kiosk.id),
                _status(kiosk, report, now),
                report,
                None if report is None else unpulled[kiosk.site_id, report.cursor],
            )
        )
    return {
        "kiosks": rows,
        "now": now,
        "quiet_minutes": int(QUIET_AFTER.total_seconds() // 60),
        "behind_minutes": int(BEHIND_AFTER.total_seconds() // 60),
    }


def _status(kiosk: KioskRow, report: KioskReportRow | None, now: dt.datetime) -> str:
    if kiosk.last_seen_at is None:
        return "never"
    if now - kiosk.last_seen_at > QUIET_AFTER:
        return "quiet"
    if report is None:
        return "ok"
    if report.last_error:
        return "failing"
    oldest = report.oldest_unsent_at
    if report.backlog and oldest is not None and now - oldest > BEHIND_AFTER:
        return "behind"
    return "ok"
