"""The FastAPI application: ``create_app(settings)`` builds it, with the kiosks' signed sync routes,
the administrator's routes, one error format, and the OpenAPI document at /openapi.json.

Every error is answered as ``{"error": {"code": ..., "message": ..., ...}}`` with the status of its
:class:`backend.errors.BackendError` (validation errors: 422 ``invalid_request``). The app keeps
nothing in memory that another worker would need: nonces, cursors and seqs live in the database.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from backend import admin_api, sync_api
from backend.context import Backend
from backend.db import Database
from backend.errors import BackendError
from backend.secretbox import SecretBox
from backend.settings import Settings
from backend.signing import RequestVerifier, SignedRequestsMiddleware

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
    app = FastAPI(
        title="Prepay Kiosk management platform",
        version=VERSION,
        description=(
            "The sync API the kiosks push their transactions to and pull reference data from "
            "(signed requests, docs/sync-api.md), and the administrator's API."
        ),
        openapi_url="/openapi.json",
    )
    app.state.backend = Backend(settings, db, box, settings.notifier())
    app.include_router(sync_api.router)
    app.include_router(admin_api.router)
    app.add_middleware(SignedRequestsMiddleware, verifier=RequestVerifier(db, box, clock=clock))

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

    @app.exception_handler(RequestValidationError)
    def invalid(_request: Request, error: RequestValidationError) -> JSONResponse:
        problems = [
            f"{'.'.join(str(p) for p in e.get('loc', ())) or 'request'}: {e.get('msg', 'invalid')}"
            for e in error.errors()[:10]
        ]
        body = {"error": {"code": "invalid_request", "message": "; ".join(problems)}}
        return JSONResponse(body, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    def http_error(_request: Request, error: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(error.status_code, "http_error")
        body = {"error": {"code": code, "message": str(error.detail)}}
        return JSONResponse(body, status_code=error.status_code, headers=error.headers)

    return app


def app_from_env() -> FastAPI:
    """The factory uvicorn's workers call (``python -m backend serve``): settings from the
    environment, the database already migrated by the parent process."""
    return create_app(Settings.from_env())
