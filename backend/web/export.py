"""Transactions as CSV (/dashboard/export.csv?site=&from=&to=): every top-up order the kiosks of a
building (or of all buildings) created between two local dates, inclusive, with its state.

Money is written twice: as integer minor units (for sums in a spreadsheet, never a rounding) and
formatted with its currency (kiosk.money.format_amount). Times are the site's local time, its zone
in a column of its own. The csv module quotes what needs quoting (commas, quotes, line breaks in a
tenant's name); text a spreadsheet would run as a formula (=, +, -, @ at the start) is prefixed with
an apostrophe. UTF-8 with a byte-order mark, so that spreadsheet programs read Chinese names right.

Rows are read in pages of :data:`PAGE`, each in a short transaction of its own: a long export never
holds the database (on SQLite, a transaction holds the write lock the kiosks' pushes need).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator, Sequence
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, StreamingResponse
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from backend.context import Backend, backend
from backend.db import Database
from backend.db.models import KioskRow, OrderRecord, SiteRow, TenantRow
from backend.web import PREFIX, clock
from backend.web.session import PageUser
from backend.web.templating import render
from backend.web.users import User
from kiosk.money import format_amount

router = APIRouter(prefix=PREFIX, include_in_schema=False)
Ctx = Annotated[Backend, Depends(backend)]
PAGE = 1000
COLUMNS = (
    "created_at", "paid_at", "time_zone", "site_id", "kiosk_id", "order_no", "tenant_id",
    "tenant", "unit", "card_uid", "method", "state", "amount_minor", "paid_minor", "currency",
    "amount", "paid",
)  # fmt: skip
#: what makes a spreadsheet treat a cell as a formula (OWASP "CSV injection")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class ExportFormError(ValueError):
    """A filter that cannot be used, as a sentence."""


@router.get("/export")
def export_form(request: Request, user: PageUser, ctx: Ctx) -> HTMLResponse:
    today = clock.now().date()
    with ctx.db.session() as s:
        sites = user.visible(_sites(s))
    return _form(request, user, sites, "", today.replace(day=1).isoformat(), today.isoformat())


@router.get("/export.csv", response_model=None)
def export_csv(
    request: Request,
    user: PageUser,
    ctx: Ctx,
    site: Annotated[str, Query()] = "",
    first: Annotated[str, Query(alias="from")] = "",
    last: Annotated[str, Query(alias="to")] = "",
) -> StreamingResponse | HTMLResponse:
    with ctx.db.session() as s:
        sites = user.visible(_sites(s))
    try:
        chosen = _chosen(sites, site)
        start, end = _date(first, "first"), _date(last, "last")
        if start > end:
            raise ExportFormError(
                f"The first day ({start.isoformat()}) is after the last day ({end.isoformat()})."
            )
    except ExportFormError as exc:
        return _form(request, user, sites, site, first, last, error=str(exc), status=422)
    scope = f"site-{chosen[0].id}" if site else "all-sites"
    filename = f"transactions-{scope}-{start.isoformat()}-to-{end.isoformat()}.csv"
    return StreamingResponse(
        _csv(ctx.db, chosen, start, end),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


def _sites(s: Session) -> list[SiteRow]:
    return list(s.scalars(select(SiteRow).order_by(SiteRow.id)))


def _chosen(sites: Sequence[SiteRow], site: str) -> list[SiteRow]:
    if not site:
        return list(sites)
    if not site.isdigit():
        raise ExportFormError(f"{site[:40]!r} is not a building number.")
    found = [s for s in sites if s.id == int(site)]
    if not found:
        raise ExportFormError(f"There is no building {int(site)}.")
    return found


def _date(text: str, which: str) -> dt.date:
    if not text.strip():
        raise ExportFormError(f"Choose the {which} day to export.")
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise ExportFormError(
            f"The {which} day {text[:40]!r} is not a date (YYYY-MM-DD)."
        ) from None


def _csv(db: Database, sites: Sequence[SiteRow], first: dt.date, last: dt.date) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")  # RFC 4180 line ends
    writer.writerow(COLUMNS)
    yield ("\ufeff" + buffer.getvalue()).encode()
    for site in sites:
        start, end = clock.day_bounds(site, first, last)
        tz = clock.zone(site)
        after: tuple[dt.datetime, int] | None = None
        while True:
            with db.session() as s:
                page = _page(s, site, start, end, after)
            for order, name, unit in page:
                buffer.seek(0)
                buffer.truncate()
                writer.writerow(
                    (
                        order.created_at.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S"),
                        order.paid_at.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S")
                        if order.paid_at
                        else "",
                        site.timezone,
                        site.id,
                        _text(order.kiosk_id),
                        _text(order.out_trade_no),
                        order.tenant_id if order.tenant_id is not None else "",
                        _text(name or ""),
                        _text(unit or ""),
                        _text(order.card_uid),
                        _text(order.method),
                        order.state,
                        order.amount,
                        order.paid_amount if order.paid_amount is not None else "",
                        order.currency,
                        format_amount(order.amount, order.currency),
                        format_amount(order.paid_amount, order.currency)
                        if order.paid_amount is not None
                        else "",
                    )
                )
                yield buffer.getvalue().encode()
            if len(page) < PAGE:
                break
            after = (page[-1][0].created_at, page[-1][0].id)


def _page(
    s: Session,
    site: SiteRow,
    start: dt.datetime,
    end: dt.datetime,
    after: tuple[dt.datetime, int] | None,
) -> list[tuple[OrderRecord, str | None, str | None]]:
    """The next PAGE orders of ``site`` created in [start, end), after ``after`` (keyset)."""
    query = (
        select(OrderRecord, TenantRow.name, TenantRow.unit)
        .join(KioskRow, KioskRow.id == OrderRecord.kiosk_id)
        .outerjoin(TenantRow, TenantRow.id == OrderRecord.tenant_id)
        .where(
            KioskRow.site_id == site.id,
            OrderRecord.created_at >= start,
            OrderRecord.created_at < end,
        )
    )
    if after is not None:
        at, last_id = after
        query = query.where(
            or_(
                OrderRecord.created_at > at,
                and_(OrderRecord.created_at == at, OrderRecord.id > last_id),
            )
        )
    rows = s.execute(query.order_by(OrderRecord.created_at, OrderRecord.id).limit(PAGE)).all()
    return [(order, name, unit) for order, name, unit in rows]


def _text(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_START) else value


def _form(
    request: Request,
    user: User,
    sites: Sequence[SiteRow],
    site: str,
    first: str,
    last: str,
    error: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    context = {"user": user, "sites": sites, "chosen": site, "first": first, "last": last,
               "error": error}  # fmt: skip
    return render(request, "export.html", context, status=status)
