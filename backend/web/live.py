"""/dashboard/events: the live pages' Server-Sent Events stream.

The stream first waits until this worker's change source listens, then says ``event: ready``
(the page then fetches its live parts once, for whatever changed while it was loading), and then
sends every change as ``event: change`` with the event's JSON (source, kind, subject, kiosk_id,
seq, tenant_id: :class:`backend.events.Event`), or ``event: resync`` when the page must fetch all
its parts again. A comment line every :data:`HEARTBEAT_S` keeps proxies from closing a quiet
stream and finds browsers that left. The page's script (static/dashboard.js) decides which parts
a change concerns. A user who sees only some buildings hears only their changes
(:mod:`backend.web.scope`).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from backend.context import Backend, backend
from backend.web import PREFIX
from backend.web.hub import ChangeHub, Subscription
from backend.web.scope import SiteScope
from backend.web.session import PartUser

router = APIRouter(prefix=PREFIX, include_in_schema=False)
HEARTBEAT_S = 15.0
#: the browser waits this long before connecting again after the stream broke (milliseconds)
RETRY_MS = 2000


def hub(request: Request) -> ChangeHub:
    """This worker's hub (built by create_app)."""
    changes: ChangeHub = request.app.state.changes
    return changes


@router.get("/events")
async def events(
    user: PartUser,
    changes: Annotated[ChangeHub, Depends(hub)],
    ctx: Annotated[Backend, Depends(backend)],
) -> StreamingResponse:
    subscription = changes.subscribe()  # before the reply starts: nothing after "ready" is missed
    scope = None if user.sites is None else SiteScope(ctx.db, user.sites)
    return StreamingResponse(
        _stream(changes, subscription, scope),
        media_type="text/event-stream",
        headers={
            "Cache-Control": "no-store",
            "X-Accel-Buffering": "no",  # nginx: pass each event on at once
        },
    )


async def _stream(
    changes: ChangeHub, subscription: Subscription, scope: SiteScope | None
) -> AsyncIterator[str]:
    try:
        if scope is not None:
            await run_in_threadpool(scope.load)
        yield f"retry: {RETRY_MS}\n\n"
        while not await changes.wait_ready(HEARTBEAT_S):
            yield ": waiting for the database\n\n"
        yield "event: ready\ndata: {}\n\n"
        while True:
            item = await subscription.get(HEARTBEAT_S)
            if item is None:
                yield ": keep-alive\n\n"
                continue
            name, data = item
            if scope is not None and name == "change":
                if scope.wants_reload(data):
                    await run_in_threadpool(scope.load)
                allowed = scope.allow(data)
                if allowed is None:
                    continue
                data = allowed
            yield f"event: {name}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n"
    finally:
        changes.unsubscribe(subscription)
