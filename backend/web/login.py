"""Signing in and out of the dashboard.

A failed sign-in says one thing whatever failed ("Wrong e-mail address or password."), so the form
does not tell which addresses have an account (see :mod:`backend.web.users`). Repeated failures
for one address or from one client are throttled (:mod:`backend.web.throttle`): 429 with
Retry-After, and the password is not even checked. Signing out is a POST with the CSRF token: a
link or an image on another page cannot sign anyone out.
"""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from backend.context import Backend, backend
from backend.web import PREFIX, clock, throttle, users
from backend.web.session import Csrf, safe_next, sign_in, sign_out
from backend.web.templating import render

log = logging.getLogger(__name__)
router = APIRouter(prefix=PREFIX, include_in_schema=False)
Ctx = Annotated[Backend, Depends(backend)]
WRONG = "Wrong e-mail address or password."


@router.get("/login")
def login_form(
    request: Request, next_: Annotated[str, Query(alias="next", max_length=2000)] = ""
) -> HTMLResponse:
    return render(request, "login.html", {"next": safe_next(next_), "email": ""})


@router.post("/login", dependencies=[Csrf])
def login(
    request: Request,
    ctx: Ctx,
    email: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next_: Annotated[str, Form(alias="next")] = "",
) -> Response:
    target = safe_next(next_)
    if not email.strip() or not password:
        return render(
            request,
            "login.html",
            {"next": target, "email": email, "error": "Enter your e-mail address and password."},
            status=422,
        )
    address = users.normalise_email(email)[: users.MAX_EMAIL]
    client = request.client.host if request.client is not None else "unknown"
    now = clock.now()
    with ctx.db.session() as s:
        refusal = throttle.check(s, address, client, now)
        if refusal is None:
            user = users.authenticate(s, address, password[:1000])
            if user is None:
                throttle.record_failure(s, address, client, now)
            else:
                throttle.forget(s, address)
    if refusal is not None:
        log.warning("dashboard sign-in throttled for %r from %s (%s)", address[:100], client,
                    refusal.by)  # fmt: skip
        context = {"next": target, "email": email, "error": refusal.message(now)}
        response = render(request, "login.html", context, status=429)
        response.headers["Retry-After"] = str(refusal.retry_after_s(now))
        return response
    if user is None:
        log.info("dashboard sign-in refused for %r from %s", address[:100], client)
        context = {"next": target, "email": email, "error": WRONG}
        return render(request, "login.html", context, status=401)
    sign_in(request, user)
    log.info("dashboard sign-in: %s", user.email)
    return RedirectResponse(target, status_code=303)


@router.post("/logout", dependencies=[Csrf])
def logout(request: Request) -> Response:
    sign_out(request)
    response = RedirectResponse(f"{PREFIX}/login", status_code=303)
    return response
