"""The FastAPI application: ``create_app(settings)`` builds it, with the kiosks' signed sync routes,
the administrator's routes, one error format, and the OpenAPI document at /openapi.json; and the
property managers' dashboard below /dashboard (backend/web: HTML pages, not in the document).

Every API error is answered as ``{"error": {"code": ..., "message": ..., ...}}`` with the status of
its :class:`backend.errors.BackendError` (validation errors: 422 ``invalid_request``); below
/dashboard, errors are pages. The app keeps nothing in memory that another worker would need:
nonces, cursors and seqs live in the database, the dashboard's sessions in signed cookies, and
each worker hears every change from the database itself (backend/web/hub.py).
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from backend import admin_api, sync_api, web
from backend.context import Backend
from backend.db import Database, is_busy
from backend.errors import BUSY_MESSAGE, BackendError, DatabaseBusyError
from backend.secretbox import SecretBox
from backend.settings import Settings
from backend.signing import RequestVerifier, SignedRequestsMiddleware
from backend.web import errors as web_errors
from backend.web import session as web_session
from backend.web.hub import ChangeHub, ChangeSource

log = logging.getLogger(__name__)

VERSION = "1.0.0"


def create_app(
    settings: Settings,
    db: Database | None = None,
    migrate: bool = False,
    clock: Callable[[], float] = time.time,
) -> FastAPI:
    """The application over ``settings`` (a ``db`` may be passed to share an engine in tests);
    ``migrate`` brings the database to the newest schema first; ``clock`` is what signed requests'
    timestamps are checked against."""
    db = db or Database(settings.database_url)
    if migrate:
        db.migrate()
    box = SecretBox(settings.secret_key)
    changes = ChangeHub(_change_source(db))

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        await changes.stop()

    app = FastAPI(
        title="Prepay Kiosk management platform",
        version=VERSION,
        description=(
            "The sync API the kiosks push their transactions to and pull reference data from "
            "(signed requests, docs/sync-api.md), and the administrator's API."
        ),
        openapi_url="/openapi.json",
        lifespan=lifespan,
    )
    app.state.backend = Backend(settings, db, box, settings.notifier())
    app.state.changes = changes
    app.include_router(sync_api.router)
    app.include_router(admin_api.router)
    for router in web.routers():
        app.include_router(router)
    app.mount(f"{web.PREFIX}/static", StaticFiles(directory=web.STATIC), name="dashboard-static")
    app.add_middleware(SignedRequestsMiddleware, verifier=RequestVerifier(db, box, clock=clock))
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.session_key,
        session_cookie=web_session.COOKIE,
        max_age=web_session.MAX_AGE_S,
        path=web.PREFIX,  # the API's requests never carry the dashboard's cookie
        same_site="lax",
        https_only=settings.secure_cookies,
    )
    app.add_exception_handler(web_session.LoginRequired, web_errors.login_required)
    app.add_exception_handler(web_session.CsrfRefused, web_errors.csrf_refused)
    app.add_exception_handler(web_session.NotVisible, web_errors.not_visible)

    @app.get("/health", tags=["health"], summary="the server answers and its database too")
    def health() -> dict[str, str]:
        from sqlalchemy import text

        with db.session() as s:
            s.execute(text("SELECT 1"))
        return {"status": "ok"}

    @app.exception_handler(BackendError)
    def backend_error(_request: Request, error: BackendError) -> JSONResponse:
        if error.status >= 500:
            log.error("%s: %s", error.code, error.message)
        return JSONResponse(error.body(), status_code=error.status)

    @app.exception_handler(OperationalError)
    def database_error(request: Request, error: OperationalError) -> Response:
        if not is_busy(error):
            raise error
        busy = DatabaseBusyError(BUSY_MESSAGE)
        log.warning("%s %s: %s", request.method, request.url.path, busy.message)
        return JSONResponse(busy.body(), status_code=busy.status, headers={"Retry-After": "1"})

    @app.exception_handler(RequestValidationError)
    def invalid(request: Request, error: RequestValidationError) -> Response:
        problems = [
            f"{'.'.join(str(p) for p in e.get('loc', ())) or 'request'}: {e.get('msg', 'invalid')}"
            for e in error.errors()[:10]
        ]
        if web_errors.is_dashboard(request):
            return web_errors.invalid_request(request, problems)
        body = {"error": {"code": "invalid_request", "message": "; ".join(problems)}}
        return JSONResponse(body, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    def http_error(request: Request, error: StarletteHTTPException) -> Response:
        if web_errors.is_dashboard(request) and error.status_code in (404, 405):
            return web_errors.http_error(request, error.status_code, str(error.detail))
        code = {404: "not_found", 405: "method_not_allowed"}.get(error.status_code, "http_error")
        body = {"error": {"code": code, "message": str(error.detail)}}
        return JSONResponse(body, status_code=error.status_code, headers=error.headers)

    return app


def _change_source(db: Database) -> Callable[[], ChangeSource]:
    """How this worker hears the changes other workers commit: LISTEN on PostgreSQL, polling on
    SQLite (backend/web/hub.py)."""
    if db.dialect == "postgresql":
        from backend.web.pg_listener import PostgresListener

        return lambda: PostgresListener(db.url)
    from backend.web.sqlite_poller import SqlitePoller

    return lambda: SqlitePoller(db.url)


def app_from_env() -> FastAPI:
    """The factory uvicorn's workers call (``python -m backend serve``): settings from the
    environment, the database already migrated by the parent process."""
    return create_app(Settings.from_env())
