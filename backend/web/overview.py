"""A building at a glance (/dashboard/sites/{id}): today's top-ups (count, sum, the list), every
tenant's balances, meter credit and consumption, the low-balance list, recent notices. Each of
these is also served alone as a *part* (…/parts/…), which the page's script fetches again when a
change concerning it arrives on the event stream."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.context import Backend, backend
from backend.db.models import SiteRow
from backend.web import PREFIX, figures
from backend.web.session import PageUser, PartUser
from backend.web.templating import error_page, render, render_part
from backend.web.users import User

router = APIRouter(prefix=PREFIX, include_in_schema=False)
Ctx = Annotated[Backend, Depends(backend)]
SiteId = Annotated[int, Path(ge=1, le=2**31 - 1)]
TenantId = Annotated[int, Path(ge=1, le=2**31 - 1)]

#: part name -> its template
PARTS = {
    "topups": "parts/topups.html",
    "tenants": "parts/tenants.html",
    "low": "parts/low.html",
    "notices": "parts/notices.html",
    "owed": "parts/owed.html",
}


@router.get("")
def home(request: Request, user: PageUser, ctx: Ctx) -> Response:
    """The only building, or a list to choose from."""
    with ctx.db.session() as s:
        sites = user.visible(s.scalars(select(SiteRow).order_by(SiteRow.id)))
    if len(sites) == 1:
        return RedirectResponse(f"{PREFIX}/sites/{sites[0].id}", status_code=303)
    return render(request, "sites.html", {"user": user, "sites": sites})


@router.get("/sites/{site_id}")
def site_page(request: Request, site_id: SiteId, user: PageUser, ctx: Ctx) -> HTMLResponse:
    with ctx.db.session() as s:
        site = s.get(SiteRow, site_id)
        if site is None:
            return _no_site(request, site_id, user)
        context = _context(s, site, ctx.settings.low_credit)
    return render(request, "overview.html", {"user": user, **context})


@router.get("/sites/{site_id}/parts/tenant/{tenant_id}")
def tenant_row(
    request: Request, site_id: SiteId, tenant_id: TenantId, _user: PartUser, ctx: Ctx
) -> Response:
    with ctx.db.session() as s:
        site = s.get(SiteRow, site_id)
        lines = figures.tenant_lines(s, site, ctx.settings.low_credit, [tenant_id]) if site else []
    if site is None or not lines:
        return Response(status_code=404)
    return render_part(
        request, "parts/tenant_row.html", {"site": site, "t": lines[0], "cur": site.currency}
    )


@router.get("/sites/{site_id}/parts/{part}")
def part(request: Request, site_id: SiteId, part: str, _user: PartUser, ctx: Ctx) -> Response:
    if part not in PARTS:
        return Response(status_code=404)
    with ctx.db.session() as s:
        site = s.get(SiteRow, site_id)
        if site is None:
            return Response(status_code=404)
        context = _context(s, site, ctx.settings.low_credit, part)
    return render_part(request, PARTS[part], context)


def _context(s: Session, site: SiteRow, low_credit: int, part: str | None = None) -> dict[str, Any]:
    """What the page (``part`` None) or one of its parts shows: only what that part needs."""
    context: dict[str, Any] = {
        "site": site,
        "tz": site.timezone,
        "cur": site.currency,
        "low_credit": low_credit,
    }
    if part in (None, "tenants", "low"):
        tenants = figures.tenant_lines(s, site, low_credit)
        context.update(
            tenants=tenants, low=[t for t in tenants if t.low], usage=figures.by_utility(tenants)
        )
    if part in (None, "topups"):
        context["topups"] = figures.topups_today(s, site)
    if part in (None, "notices"):
        context["notices"] = figures.notices(s, site)
    if part in (None, "owed"):
        context["owed"] = figures.owed(s, site)
    return context


def _no_site(request: Request, site_id: int, user: User) -> HTMLResponse:
    return error_page(request, 404, f"There is no building {site_id}.", user)
