"""Who is signed in, and the forms' CSRF tokens, both kept in the signed session cookie (Starlette's
SessionMiddleware, installed by :func:`backend.app.create_app`; the cookie is signed, not
encrypted: it holds a user id, a password fingerprint and tokens, nothing secret from its owner).

Every POST form carries the session's CSRF token in a hidden field; a POST without the right one is
refused (:class:`CsrfRefused`). The cookie is also SameSite=Lax, so another site cannot even send
it along with a cross-site POST: the token is the second lock, not the only one.

The user of every page and part is also checked against what the address names: a building
(``{site_id}``) or a tenant (``{tenant_id}``) the user may not see is answered exactly as one
that does not exist (:class:`NotVisible`, 404), so a building's manager cannot even learn which
other buildings there are. Lists (the buildings, the kiosks, the export) show only what the user
may see.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Form, Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.context import Backend, backend
from backend.db.models import SiteRow, TenantRow
from backend.web import PREFIX, users
from backend.web.users import User

COOKIE = "prepay_dashboard"
#: a session lasts a working day; then the user signs in again
MAX_AGE_S = 12 * 3600

_USER, _FINGERPRINT, _CSRF, _FLASH = "uid", "fp", "csrf", "flash"


class LoginRequired(Exception):
    """No signed-in user: a page redirects to the sign-in form, a live part answers 401."""

    def __init__(self, redirect_to: str | None) -> None:
        super().__init__("sign-in required")
        #: the sign-in form with ?next=..., or None for parts and the event stream
        self.redirect_to = redirect_to


class NotVisible(Exception):
    """The address names a building or tenant this user may not see: answered as "no such"."""

    def __init__(self, message: str, user: User, page: bool) -> None:
        super().__init__(message)
        self.message, self.user, self.page = message, user, page


class CsrfRefused(Exception):
    """A POST without this session's CSRF token: forged, or a form older than the session."""


def csrf_token(request: Request) -> str:
    """This session's CSRF token, created on first use."""
    token = request.session.get(_CSRF)
    if not isinstance(token, str) or not token:
        token = secrets.token_urlsafe(32)
        request.session[_CSRF] = token
    return token


def require_csrf(request: Request, csrf_token: Annotated[str, Form()] = "") -> None:
    """The dependency every POST form route has: the token sent must be the session's."""
    expected = request.session.get(_CSRF)
    if not isinstance(expected, str) or not expected or not csrf_token:
        raise CsrfRefused()
    if not hmac.compare_digest(expected.encode(), csrf_token.encode()):
        raise CsrfRefused()


def sign_in(request: Request, user: User) -> None:
    """A fresh session for ``user``: nothing from before the sign-in survives (a new CSRF token
    too), so a session planted on the browser beforehand is worth nothing."""
    request.session.clear()
    request.session[_USER] = user.id
    request.session[_FINGERPRINT] = user.fingerprint
    request.session[_CSRF] = secrets.token_urlsafe(32)


def sign_out(request: Request) -> None:
    request.session.clear()


def flash(request: Request, message: str) -> None:
    """A sentence shown once, on the next page (after a POST's redirect)."""
    request.session[_FLASH] = message


def take_flash(request: Request) -> str | None:
    message = request.session.pop(_FLASH, None)
    return message if isinstance(message, str) else None


def _user(request: Request, ctx: Backend, page: bool) -> User | None:
    user_id, fingerprint = request.session.get(_USER), request.session.get(_FINGERPRINT)
    if not isinstance(user_id, int) or not isinstance(fingerprint, str):
        return None
    with ctx.db.session() as s:
        user = users.signed_in(s, user_id, fingerprint)
        if user is not None and page:
            # the buildings of the page's navigation, read here -- before the route opens its
            # own session -- so that rendering never opens a second one inside it (on SQLite,
            # two transactions of one thread would wait on each other's write lock)
            sites = s.scalars(select(SiteRow).order_by(SiteRow.id))
            request.state.nav_sites = user.visible(sites)
        hidden = _hidden(request, s, user) if user is not None else None
    if user is None:
        request.session.clear()  # switched off, or the password changed: this session is over
    elif hidden is not None:  # raised once the session is over: the navigation stays loaded
        raise NotVisible(hidden, user, page)
    return user


def _hidden(request: Request, s: Session, user: User) -> str | None:
    """What to answer when the address names a building or tenant ``user`` may not see."""
    if user.sites is None:
        return None
    site, tenant = _number(request, "site_id"), _number(request, "tenant_id")
    if site is not None and not user.may_see(site):
        return f"There is no building {site}."
    if tenant is not None:
        row = s.get(TenantRow, tenant)
        if row is None or not user.may_see(row.site_id):
            return f"There is no tenant {tenant}."
    return None


def _number(request: Request, name: str) -> int | None:
    """A whole-number path parameter; None when absent or not a number (FastAPI refuses it)."""
    text = str(request.path_params.get(name, ""))
    return int(text) if text.isdigit() and len(text) < 12 else None


def page_user(request: Request, ctx: Annotated[Backend, Depends(backend)]) -> User:
    """The signed-in user of a page; otherwise a redirect to the sign-in form and back."""
    user = _user(request, ctx, page=True)
    if user is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise LoginRequired(f"{PREFIX}/login?next={quote(target, safe='')}")
    return user


def part_user(request: Request, ctx: Annotated[Backend, Depends(backend)]) -> User:
    """The signed-in user of a live part or the event stream (fetched by the page's script,
    which reloads the page -- and so meets the sign-in form -- when it gets a 401)."""
    user = _user(request, ctx, page=False)
    if user is None:
        raise LoginRequired(None)
    return user


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a dashboard path only, never another site."""
    if (
        target
        and target.startswith(PREFIX)
        and not target.startswith("//")
        and "\\" not in target
        and all(ord(c) > 31 for c in target)
    ):
        return target
    return PREFIX


PageUser = Annotated[User, Depends(page_user)]
PartUser = Annotated[User, Depends(part_user)]
Csrf = Depends(require_csrf)
