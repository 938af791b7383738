"""How the dashboard answers what it refuses: a page without a signed-in user goes to the sign-in
form (a live part or the event stream gets 401, and its page reloads into the form); a form
without its CSRF token gets a page that says what to do; a wrong address or a malformed request
below /dashboard gets an HTML page instead of the API's JSON error."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response

from backend.web import PREFIX
from backend.web.session import CsrfRefused, LoginRequired, NotVisible
from backend.web.templating import error_page

CSRF_MESSAGE = (
    "This form has expired or did not come from this dashboard, so nothing was changed. "
    "Go back, reload the page and try again."
)


def is_dashboard(request: Request) -> bool:
    path = request.url.path
    return path == PREFIX or path.startswith(PREFIX + "/")


def login_required(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, LoginRequired)
    if exc.redirect_to is None:
        return PlainTextResponse("sign in again", status_code=401)
    return RedirectResponse(exc.redirect_to, status_code=303)


def not_visible(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, NotVisible)
    if not exc.page:
        return PlainTextResponse("not found", status_code=404)
    return error_page(request, 404, exc.message, exc.user)


def csrf_refused(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, CsrfRefused)
    return error_page(request, 403, CSRF_MESSAGE)


def http_error(request: Request, status: int, detail: str) -> HTMLResponse:
    messages = {
        404: "There is no such page.",
        405: "This page cannot be used that way.",
    }
    return error_page(request, status, messages.get(status, detail))


def invalid_request(request: Request, problems: list[str]) -> HTMLResponse:
    return error_page(request, 422, "The request was not understood: " + "; ".join(problems) + ".")
