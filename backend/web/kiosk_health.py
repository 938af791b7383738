"""The kiosks' health (/dashboard/kiosks): when each last reached the backend, the last message it
sent, how far its messages are stored and applied (acked seq) and the highest seq received, and
the messages held beyond a gap -- the queue as far as the backend can see it. A kiosk's own
backlog and clock offset stay on the kiosk: sync protocol v1 does not report them, and the page
says so instead of guessing."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend import ingest, queries
from backend.context import Backend, backend
from backend.db.models import KioskRow, SiteRow, SyncMessage
from backend.web import PREFIX, clock
from backend.web.session import PageUser, PartUser
from backend.web.templating import render, render_part

router = APIRouter(prefix=f"{PREFIX}/kiosks", include_in_schema=False)
Ctx = Annotated[Backend, Depends(backend)]
#: a kiosk syncs every minute or so when it has work; one silent this long needs a look
QUIET_AFTER = dt.timedelta(minutes=15)


@dataclass(frozen=True)
class KioskHealth:
    kiosk: KioskRow
    site_name: str
    timezone: str
    last_message_at: dt.datetime | None
    held: list[int]
    status: str  # "ok", "quiet", "never"

    @property
    def missing_from(self) -> int | None:
        return self.kiosk.acked_seq + 1 if self.held else None


@router.get("")
def kiosks(request: Request, user: PageUser, ctx: Ctx) -> HTMLResponse:
    with ctx.db.session() as s:
        context = _context(s)
    return render(request, "kiosks.html", {"user": user, **context})


@router.get("/parts/table")
def table(request: Request, _user: PartUser, ctx: Ctx) -> HTMLResponse:
    with ctx.db.session() as s:
        context = _context(s)
    return render_part(request, "parts/kiosks.html", context)


def _context(s: Session) -> dict[str, Any]:
    now = clock.now()
    sites = {site.id: site for site in s.scalars(select(SiteRow))}
    last_messages = dict(
        s.execute(
            select(SyncMessage.kiosk_id, func.max(SyncMessage.received_at)).group_by(
                SyncMessage.kiosk_id
            )
        ).all()
    )
    rows = []
    for kiosk in queries.kiosks(s):
        site = sites.get(kiosk.site_id)
        if kiosk.last_seen_at is None:
            status = "never"
        elif now - kiosk.last_seen_at > QUIET_AFTER:
            status = "quiet"
        else:
            status = "ok"
        rows.append(
            KioskHealth(
                kiosk,
                site.name if site else f"site {kiosk.site_id}",
                site.timezone if site else "UTC",
                last_messages.get(kiosk.id),
                ingest.held(s, kiosk.id),
                status,
            )
        )
    return {"kiosks": rows, "now": now, "quiet_minutes": int(QUIET_AFTER.total_seconds() // 60)}
