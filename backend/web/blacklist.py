"""Blocking and reinstating cards (/dashboard/sites/{id}/cards): the site's cards with their
status, a search, and per card a form to block it with a reason (lost, stolen…) or reinstate it.
Both go through :func:`backend.reference.set_card_status`, so they take a change number and reach
every kiosk of the site at its next pull, exactly like the admin API's blacklist. A blocked card
says which kiosks already refuse it: those whose reported reference cursor has passed the block
(backend.kiosk_status)."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from backend import kiosk_status, queries, reference
from backend.context import Backend, backend
from backend.db.models import CardRow, SiteRow
from backend.errors import BackendError, NotFoundError
from backend.fields import CARD_UID_PATTERN
from backend.reference import RefType
from backend.web import PREFIX, figures
from backend.web.session import Csrf, PageUser, flash
from backend.web.templating import error_page, render
from backend.web.users import User
from kiosk.db.models.cards import CardStatus

log = logging.getLogger(__name__)
router = APIRouter(prefix=f"{PREFIX}/sites/{{site_id}}/cards", include_in_schema=False)
Ctx = Annotated[Backend, Depends(backend)]
SiteId = Annotated[int, Path(ge=1, le=2**31 - 1)]
Uid = Annotated[str, Path(pattern=CARD_UID_PATTERN)]
MAX_REASON = 255


@router.get("")
def cards(
    request: Request,
    site_id: SiteId,
    user: PageUser,
    ctx: Ctx,
    q: Annotated[str, Query(max_length=100)] = "",
) -> HTMLResponse:
    return _page(request, ctx, site_id, user, q)


@router.post("/{uid}/blacklist", dependencies=[Csrf])
def blacklist(
    request: Request,
    site_id: SiteId,
    uid: Uid,
    user: PageUser,
    ctx: Ctx,
    reason: Annotated[str, Form()] = "",
) -> Response:
    reason = " ".join(reason.split())
    if not reason:
        return _refused(
            request,
            ctx,
            site_id,
            user,
            "Say why the card is blocked (lost, stolen, "
            "replaced…): the reason is shown to staff at the kiosk.",
        )
    if len(reason) > MAX_REASON:
        return _refused(request, ctx, site_id, user,
                        f"The reason is too long: at most {MAX_REASON} characters.")  # fmt: skip
    return _set(request, ctx, site_id, uid, user, CardStatus.BLACKLISTED, reason)


@router.post("/{uid}/reinstate", dependencies=[Csrf])
def reinstate(
    request: Request,
    site_id: SiteId,
    uid: Uid,
    user: PageUser,
    ctx: Ctx,
    reason: Annotated[str, Form()] = "",
) -> Response:
    reason = " ".join(reason.split())
    if len(reason) > MAX_REASON:
        return _refused(request, ctx, site_id, user,
                        f"The reason is too long: at most {MAX_REASON} characters.")  # fmt: skip
    return _set(request, ctx, site_id, uid, user, CardStatus.ACTIVE, reason)


def _set(
    request: Request,
    ctx: Backend,
    site_id: int,
    uid: str,
    user: User,
    status: CardStatus,
    reason: str,
) -> Response:
    uid = uid.lower()
    try:
        with ctx.db.session() as s:
            card = s.get(CardRow, uid)
            if card is None or card.deleted or card.site_id != site_id:
                raise NotFoundError(f"There is no card {uid} in building {site_id}.")
            reference.set_card_status(s, uid, status, reason)
    except BackendError as exc:  # the page is drawn after the transaction has ended
        return _refused(request, ctx, site_id, user, exc.message, status=exc.status)
    # who did it, for the log staff read (the reference row keeps only the status and reason)
    log.info("card %s %s by %s: %s", uid, status.value.lower(), user.email, reason or "-")
    if status is CardStatus.BLACKLISTED:
        flash(request, f"Card {uid} is blocked ({reason}). Every kiosk of the building refuses "
                       "it once it has pulled the change (at its next sync).")  # fmt: skip
    else:
        flash(request, f"Card {uid} is reinstated. Kiosks accept it again after their next sync.")
    return RedirectResponse(f"{PREFIX}/sites/{site_id}/cards?q={uid}", status_code=303)


def _refused(
    request: Request, ctx: Backend, site_id: int, user: User, message: str, status: int = 422
) -> HTMLResponse:
    return _page(request, ctx, site_id, user, "", error=message, status=status)


def _page(
    request: Request,
    ctx: Backend,
    site_id: int,
    user: User,
    q: str,
    error: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    with ctx.db.session() as s:
        site = s.get(SiteRow, site_id)
        if site is None:
            return error_page(request, 404, f"There is no building {site_id}.", user)
        rows, names = _cards(s, site)
        reports = kiosk_status.reports(s)
        kiosks = [k for k in queries.kiosks(s) if k.site_id == site_id]
        # per blocked card: the kiosks here that refuse it, and those not known to yet
        reach: dict[str, tuple[list[str], list[str]]] = {}
        for card in rows:
            if card.status is CardStatus.BLACKLISTED and kiosks:
                pulled = {k.id: kiosk_status.pulled(card.rev, reports.get(k.id)) for k in kiosks}
                reach[card.uid] = (
                    [kiosk for kiosk, done in pulled.items() if done],
                    [kiosk for kiosk, done in pulled.items() if not done],
                )
    needle = q.strip().lower()
    if needle:
        rows = [
            c
            for c in rows
            if needle in c.uid
            or needle == str(c.serial)
            or needle in names.get(c.tenant_id or 0, "").lower()
        ]
    # blocked cards first: they are what a manager comes here to check
    rows = sorted(rows, key=lambda c: (c.status is not CardStatus.BLACKLISTED, c.uid))
    context = {
        "user": user,
        "site": site,
        "cards": rows,
        "names": names,
        "reach": reach,
        "q": q,
        "error": error,
    }
    return render(request, "cards.html", context, status=status)


def _cards(s: Session, site: SiteRow) -> tuple[list[CardRow], dict[int, str]]:
    rows = list(reference.listing(s, RefType.CARD, site.id, include_deleted=False))
    return rows, figures.tenant_names(s, sorted({c.tenant_id for c in rows if c.tenant_id}))
