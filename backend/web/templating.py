"""The dashboard's Jinja2 environment (autoescaping every template) and its filters: money through
:func:`kiosk.money.format_amount`, energy and water in their display units, times in the site's time
zone. :func:`render` adds what every page shows (the user, the buildings, the CSRF token, a flash
message); :func:`render_part` renders one live part alone, for the page's script to swap in."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse
from starlette.templating import Jinja2Templates

from backend.web import PREFIX, TEMPLATES
from backend.web.readings import format_energy
from backend.web.session import csrf_token, take_flash
from kiosk.money import format_amount


def money(minor: int | None, currency: int) -> str:
    return "—" if minor is None else format_amount(int(minor), currency)


def local(at: dt.datetime | None, tz: ZoneInfo | str, fmt: str = "%d %b %Y %H:%M") -> str:
    """``at`` in the site's time zone (``tz``)."""
    if at is None:
        return "—"
    return at.astimezone(ZoneInfo(tz) if isinstance(tz, str) else tz).strftime(fmt)


def ago(at: dt.datetime | None, now: dt.datetime | None = None) -> str:
    """How long ago, as a person says it: "just now", "4 min ago", "3 h ago", "2 days ago"."""
    if at is None:
        return "never"
    seconds = int(((now or dt.datetime.now(dt.UTC)) - at).total_seconds())
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{seconds // 60} min ago"
    if seconds < 2 * 86400:
        return f"{seconds // 3600} h ago"
    return f"{seconds // 86400} days ago"


#: what the pages may load and who may frame them: only this server, and nobody (the block and
#: publish forms must not be clickable through someone else's page)
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",  # balances are never served from a cache
}

ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES),
    autoescape=jinja2.select_autoescape(["html", "svg"]),
    undefined=jinja2.StrictUndefined,  # a name missing from a page's context is a bug, not ""
    trim_blocks=True,
    lstrip_blocks=True,
)
ENV.filters.update(money=money, local=local, ago=ago, energy=format_energy)
ENV.globals.update(prefix=PREFIX)
templates = Jinja2Templates(env=ENV)


def render(request: Request, name: str, context: dict[str, Any], status: int = 200) -> HTMLResponse:
    """A whole page. ``context`` has ``user`` on pages behind the sign-in; the buildings of the
    navigation were read with the user (:func:`backend.web.session.page_user`): rendering reads
    nothing from the database."""
    page: dict[str, Any] = {
        "csrf": csrf_token(request),
        "flash": take_flash(request),
        "user": None,
        "site": None,
        "nav_sites": getattr(request.state, "nav_sites", []),
        "error": None,
        **context,
    }
    response: HTMLResponse = templates.TemplateResponse(request, name, page, status_code=status)
    response.headers.update(SECURITY_HEADERS)
    return response


def render_part(request: Request, name: str, context: dict[str, Any]) -> HTMLResponse:
    """One live part of a page (its template starts with the element the script replaces)."""
    response: HTMLResponse = templates.TemplateResponse(request, name, context)
    response.headers.update(SECURITY_HEADERS)
    return response


def error_page(request: Request, status: int, message: str, user: Any = None) -> HTMLResponse:
    return render(request, "error.html", {"message": message, "user": user}, status=status)
