"""The tariffs of a building (/dashboard/sites/{id}/tariffs): every published version, and a form
to publish a new one from its JSON (docs/examples/tariff-elec-std.json), checked by kiosk.tariffs
through :func:`backend.reference.publish_tariff` -- the kiosks pull it at their next sync. A version
is never edited: "copy as a new version" fills the form with a version's JSON, numbered next.

Whatever is wrong -- not JSON, not an object, a field kiosk.tariffs refuses, a version already
published with other prices, a start time that is not one -- is said in a sentence above the
form, which keeps what was typed."""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend import reference
from backend.admin_schemas import TariffIn
from backend.context import Backend, backend
from backend.db.models import SiteRow, TariffRow
from backend.errors import BackendError
from backend.reference import RefType
from backend.web import PREFIX, clock
from backend.web.session import Csrf, PageUser, flash
from backend.web.templating import error_page, local, render
from backend.web.users import User
from kiosk.tariffs import Tariff, TariffError

log = logging.getLogger(__name__)
router = APIRouter(prefix=f"{PREFIX}/sites/{{site_id}}/tariffs", include_in_schema=False)
Ctx = Annotated[Backend, Depends(backend)]
SiteId = Annotated[int, Path(ge=1, le=2**31 - 1)]
#: a tariff is a few hundred bytes; anything near this is a paste gone wrong
MAX_JSON = 64 * 1024


_JSON_KINDS = {list: "a list", str: "a string", int: "a number", float: "a number",
               bool: "true or false", type(None): "null"}  # fmt: skip


class TariffFormError(ValueError):
    """What is wrong with the submitted form, as a sentence."""


@router.get("")
def tariffs(
    request: Request,
    site_id: SiteId,
    user: PageUser,
    ctx: Ctx,
    copy: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
) -> HTMLResponse:
    with ctx.db.session() as s:
        text = _copy(s, site_id, copy) if copy is not None else ""
    return _page(request, ctx, site_id, user, text, "")


@router.post("", dependencies=[Csrf])
def publish(
    request: Request,
    site_id: SiteId,
    user: PageUser,
    ctx: Ctx,
    definition: Annotated[str, Form()] = "",
    valid_from: Annotated[str, Form()] = "",
) -> Response:
    try:
        with ctx.db.session() as s:
            site = s.get(SiteRow, site_id)
            if site is None:
                return error_page(request, 404, f"There is no building {site_id}.", user)
            row, created = reference.publish_tariff(s, _parse(site, definition, valid_from))
    except TariffFormError as exc:
        error = str(exc)
    except BackendError as exc:  # a version already published with other prices, …
        error = f"The tariff was not published: {exc.message.removeprefix('tariff definition: ')}"
    else:
        ref = f"{row.code} v{row.version}"
        if created:
            log.info("tariff %s published at site %s by %s", ref, site_id, user.email)
            flash(request, f"{ref} is published. It applies from "
                           f"{local(row.valid_from, site.timezone)} at every kiosk of the "
                           "building once it has pulled it (at its next sync).")  # fmt: skip
        else:
            flash(request, f"{ref} was already published with exactly these prices: "
                           "nothing changed.")  # fmt: skip
        return RedirectResponse(f"{PREFIX}/sites/{site_id}/tariffs", status_code=303)
    return _page(request, ctx, site_id, user, definition, valid_from, error=error, status=422)


def _parse(site: SiteRow, text: str, valid_from: str) -> TariffIn:
    """The admin API's body for the form, or a TariffFormError saying what is wrong."""
    if not text.strip():
        raise TariffFormError("Paste the tariff's JSON into the box to publish it.")
    if len(text) > MAX_JSON:
        raise TariffFormError(f"The tariff is too long: at most {MAX_JSON // 1024} KB of JSON.")
    try:
        definition = json.loads(text)
    except json.JSONDecodeError as exc:
        raise TariffFormError(
            f"The tariff is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})."
        ) from None
    if not isinstance(definition, dict):
        kind = _JSON_KINDS.get(type(definition), "value")
        raise TariffFormError(f"The tariff must be a JSON object ({{ … }}), not {kind}.")
    try:
        Tariff.from_dict(definition)  # for the field path of what is wrong
    except TariffError as exc:
        raise TariffFormError(_sentence(exc)) from None
    except (TypeError, ValueError, ArithmeticError) as exc:  # kiosk.tariffs' own blind spots
        raise TariffFormError(f"The tariff was not published: {exc}.") from None
    try:
        return TariffIn(site_id=site.id, definition=definition, valid_from=_start(site, valid_from))
    except ValidationError as exc:
        problems = "; ".join(str(e["msg"]) for e in exc.errors()[:3])
        raise TariffFormError(f"The tariff was not published: {problems}.") from None


def _sentence(error: TariffError) -> str:
    problem = error.problem.rstrip(".")
    if not error.field:
        return f"The tariff was not published: it {problem}."
    joint = ": " if problem[:1].isupper() else " "
    return f"The tariff was not published: {error.field}{joint}{problem}."


def _start(site: SiteRow, text: str) -> dt.datetime | None:
    """The form's local start time (YYYY-MM-DDTHH:MM, the site's time zone); empty: now."""
    if not text.strip():
        return None
    try:
        naive = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise TariffFormError(
            f"The start time {text!r} is not a date and time (YYYY-MM-DD HH:MM)."
        ) from None
    if naive.tzinfo is not None:
        return naive
    return naive.replace(tzinfo=clock.zone(site))


def _copy(s: Session, site_id: int, tariff_id: int) -> str:
    """The JSON of a published version, numbered as the next version of its code."""
    row = s.get(TariffRow, tariff_id)
    if row is None or row.site_id != site_id:
        return ""
    highest = s.scalar(
        select(func.max(TariffRow.version)).where(
            TariffRow.site_id == site_id, TariffRow.code == row.code
        )
    )
    definition: dict[str, Any] = {**row.definition, "version": int(highest or 0) + 1}
    return json.dumps(definition, indent=2, ensure_ascii=False)


def _page(
    request: Request,
    ctx: Backend,
    site_id: int,
    user: User,
    text: str,
    valid_from: str,
    error: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    with ctx.db.session() as s:
        site = s.get(SiteRow, site_id)
        if site is None:
            return error_page(request, 404, f"There is no building {site_id}.", user)
        rows = sorted(
            reference.listing(s, RefType.TARIFF, site.id, include_deleted=False),
            key=lambda t: (t.code, -t.version),
        )
    context = {
        "user": user,
        "site": site,
        "tariffs": rows,
        "text": text,
        "valid_from": valid_from,
        "error": error,
        "tz": site.timezone,
    }
    return render(request, "tariffs.html", context, status=status)
