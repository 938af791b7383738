"""The kiosks' routes (docs/sync-api.md): push a batch of outbox messages, pull reference data
changed since a cursor, and ask what the backend holds of this kiosk. Every request is signed;
:class:`backend.signing.SignedRequestsMiddleware` has verified it before a route runs."""

from __future__ import annotations

import time
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Depends, Header, Query, Request

from backend import ingest, kiosk_status, notify, reference
from backend.context import Backend, backend
from backend.db.models import KioskRow
from backend.errors import NotFoundError, UnsignedError
from backend.signing import SCOPE_KEY, SignedKiosk
from backend.sync_schemas import (
    PullReply,
    PushReply,
    PushRequest,
    RefChange,
    StateReply,
    StatusReply,
    StatusReport,
)
from kiosk.faults import crash_point
from kiosk.sync_protocol import (
    HEADER_KIOSK,
    HEADER_NONCE,
    HEADER_SIGNATURE,
    HEADER_TIMESTAMP,
    MAX_PAGE,
)

ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "unsigned, unknown kiosk, bad signature, or stale timestamp"},
    409: {"description": "a replayed request, or a seq / idempotency key already used otherwise"},
    422: {"description": "a malformed request or message"},
}

router = APIRouter(prefix="/api/v1/sync", tags=["sync"], responses=ERRORS)


def signed(
    request: Request,
    kiosk_id: Annotated[str, Header(alias=HEADER_KIOSK, description="the kiosk's id")],
    timestamp: Annotated[
        str, Header(alias=HEADER_TIMESTAMP, description="whole seconds since 1970 UTC")
    ],
    nonce: Annotated[str, Header(alias=HEADER_NONCE, description="16-64 of A-Z a-z 0-9 _ -")],
    signature: Annotated[
        str, Header(alias=HEADER_SIGNATURE, description="hex HMAC-SHA256, docs/sync-api.md")
    ],
) -> SignedKiosk:
    """The verified kiosk (the headers are declared here for the OpenAPI document)."""
    kiosk = request.scope.get(SCOPE_KEY)
    if not isinstance(kiosk, SignedKiosk):
        raise UnsignedError("this route takes signed requests only")
    return kiosk


Signed = Annotated[SignedKiosk, Depends(signed)]
Ctx = Annotated[Backend, Depends(backend)]


@router.post("/push", response_model=PushReply, summary="store a batch of outbox messages")
def push(body: PushRequest, kiosk: Signed, ctx: Ctx, background: BackgroundTasks) -> PushReply:
    """Each message is stored once; a message beyond a gap in seq is held until the gap fills.
    ``acked_seq`` in the reply is what the kiosk may mark sent."""
    with ctx.db.session() as s:
        outcome = ingest.push(s, kiosk.kiosk_id, body.messages, ctx.settings.low_credit)
    crash_point("backend_push_committed")  # the kill tests stop the server here, after commit
    if outcome.notice_ids:
        background.add_task(notify.deliver, ctx.db, ctx.notifier, outcome.notice_ids)
    return outcome.reply


@router.get("/pull", response_model=PullReply, summary="reference data changed since a cursor")
def pull(
    kiosk: Signed,
    ctx: Ctx,
    cursor: Annotated[int, Query(ge=0, le=2**62, description="from the last reply; 0 first")] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 500,
) -> PullReply:
    """Tenants, staff, meters, cards (their status is the blacklist), tariffs and holidays of the
    kiosk's site changed after ``cursor``, oldest first, tombstones included."""
    with ctx.db.session() as s:
        changes, new_cursor, more = reference.changes_since(s, kiosk.site_id, cursor, limit)
    return PullReply(
        cursor=new_cursor,
        more=more,
        changes=[
            RefChange(type=c.type.value, id=c.id, rev=c.rev, deleted=c.deleted, data=c.data)
            for c in changes
        ],
    )


@router.get("/state", response_model=StateReply, summary="what the backend holds of this kiosk")
def state(kiosk: Signed, ctx: Ctx) -> StateReply:
    """For a kiosk restored from a backup: continue its seq after ``max_seq``."""
    with ctx.db.session() as s:
        row = s.get(KioskRow, kiosk.kiosk_id)
        if row is None:
            raise NotFoundError(f"kiosk {kiosk.kiosk_id} is not enrolled")
        return StateReply(
            kiosk_id=row.id,
            site_id=row.site_id,
            acked_seq=row.acked_seq,
            max_seq=row.max_seq,
            held=ingest.held(s, row.id),
            reference_cursor=reference.current_rev(s),
            server_time=int(time.time()),
        )


@router.post("/status", response_model=StatusReply, summary="the kiosk's report of itself")
def status(body: StatusReport, kiosk: Signed, ctx: Ctx) -> StatusReply:
    """After each sync run: the kiosk's own backlog, clock offset and last error, shown on the
    dashboard's kiosk health. Changes nothing else."""
    with ctx.db.session() as s:
        return kiosk_status.record(s, kiosk.kiosk_id, body)
