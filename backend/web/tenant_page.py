"""One tenant (/dashboard/tenants/{id}): balances, each meter's consumption between its readings as
an inline SVG bar chart (with the readings as a table too), the tenant's top-ups and account
entries. The balances, charts and transactions are live parts, fetched again on a change."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend import queries
from backend.context import Backend, backend
from backend.db.models import LedgerRecord, MeterStateRecord, SiteRow, TenantRow
from backend.web import PREFIX, figures, readings
from backend.web.chart import Bar, bar_chart
from backend.web.session import PageUser, PartUser
from backend.web.templating import error_page, local, render, render_part

router = APIRouter(prefix=f"{PREFIX}/tenants", include_in_schema=False)
Ctx = Annotated[Backend, Depends(backend)]
TenantId = Annotated[int, Path(ge=1, le=2**31 - 1)]
#: readings per chart: 30 bars of consumption between them
READINGS = 31
PARTS = {
    "balances": "parts/tenant_balances.html",
    "consumption": "parts/tenant_consumption.html",
    "transactions": "parts/tenant_transactions.html",
}


@dataclass(frozen=True)
class MeterChart:
    meter: figures.MeterLine
    chart: Markup | None
    states: list[MeterStateRecord]


@router.get("/{tenant_id}")
def tenant(request: Request, tenant_id: TenantId, user: PageUser, ctx: Ctx) -> HTMLResponse:
    with ctx.db.session() as s:
        context = _context(s, tenant_id, ctx.settings.low_credit, None)
    if context is None:
        return error_page(request, 404, f"There is no tenant {tenant_id}.", user)
    return render(request, "tenant.html", {"user": user, **context})


@router.get("/{tenant_id}/parts/{part}")
def part(request: Request, tenant_id: TenantId, part: str, _user: PartUser, ctx: Ctx) -> Response:
    if part not in PARTS:
        return Response(status_code=404)
    with ctx.db.session() as s:
        context = _context(s, tenant_id, ctx.settings.low_credit, part)
    if context is None:
        return Response(status_code=404)
    return render_part(request, PARTS[part], context)


def _context(
    s: Session, tenant_id: int, low_credit: int, part: str | None
) -> dict[str, Any] | None:
    row = s.get(TenantRow, tenant_id)
    site = s.get(SiteRow, row.site_id) if row is not None else None
    if row is None or site is None:
        return None
    lines = figures.tenant_lines(s, site, low_credit, [tenant_id])
    line = lines[0] if lines else figures.TenantLine(row.id, row.name, row.unit)
    context: dict[str, Any] = {
        "site": site,
        "tenant": row,
        "t": line,
        "tz": site.timezone,
        "cur": site.currency,
        "low_credit": low_credit,
    }
    if part in (None, "consumption"):
        context["charts"] = [_chart(s, meter, site) for meter in line.meters]
    if part in (None, "transactions"):
        context["orders"] = queries.orders(s, tenant_id=tenant_id, limit=100)
        context["entries"] = s.scalars(
            select(LedgerRecord)
            .where(LedgerRecord.tenant_id == tenant_id)
            .order_by(LedgerRecord.created_at.desc(), LedgerRecord.id.desc())
            .limit(50)
        ).all()
    return context


def _chart(s: Session, meter: figures.MeterLine, site: SiteRow) -> MeterChart:
    states = readings.history(s, meter.id, READINGS)
    spans = readings.intervals(states)
    if not spans:
        return MeterChart(meter, None, states)

    def energy(value: int) -> str:
        return readings.format_energy(value, meter.utility)

    bars = [
        Bar(
            label=local(span.end, site.timezone, "%d %b"),
            value=span.used,
            title=(
                f"{energy(span.used)} from {local(span.start, site.timezone)} "
                f"to {local(span.end, site.timezone)}"
            ),
        )
        for span in spans
    ]
    caption = f"Meter {meter.id}: {meter.utility} used between readings"
    return MeterChart(meter, bar_chart(bars, caption, energy), states)
