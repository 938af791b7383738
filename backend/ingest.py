"""Storing what a kiosk pushed: each message once, applied in the kiosk's seq order.

Deduplication (DESIGN.md §5 invariant 5): a message is identified by (kiosk id, seq) and by
(kiosk id, idempotency key). The same message again -- same seq, key, kind and payload -- is a
``duplicate`` and changes nothing. A seq already stored with another key, or a key already stored
with another seq or payload, refuses the whole batch with 409 (``seq_taken`` or
``idempotency_conflict``): one of the two copies is wrong, and a person must look.

Gaps: a message beyond a gap in the kiosk's seq (seq 3 before 2) is stored and **held**: it is
applied, in order, once the missing ones have arrived. ``acked_seq`` -- the highest seq up to which
everything is stored and applied -- is what the kiosk may mark sent; the kiosk sends in seq order,
so held messages only appear when a retry overtakes an earlier request.

A batch is one transaction, under a lock on the kiosk's row: two workers receiving the same
kiosk's batches at once apply them one after the other, and a batch is stored entirely or not at
all. Every applied message is projected into its table (orders, ledger entries…) and passes
:func:`backend.events.publish`; notices it raises are recorded in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend import events, notify
from backend.db.base import utcnow
from backend.db.models import (
    AuditRecord,
    CardWriteRecord,
    KioskRow,
    LedgerRecord,
    MeterStateRecord,
    OrderRecord,
    RelayRecord,
    SyncMessage,
)
from backend.errors import (
    IdempotencyConflictError,
    InvalidRequestError,
    NotFoundError,
    SeqTakenError,
    WrongKioskError,
)
from backend.sync_schemas import (
    PAYLOADS,
    AuditEntryPayload,
    CardWritePayload,
    LedgerEntryPayload,
    Message,
    MessageResult,
    MeterStatePayload,
    OrderPayload,
    PushReply,
    RelayCommandPayload,
)
from kiosk.faults import crash_point
from kiosk.sync_protocol import MessageKind


@dataclass
class PushOutcome:
    reply: PushReply
    #: notices recorded by this push, to deliver once it has committed
    notice_ids: list[int] = field(default_factory=list)


def payload_hash(kind: MessageKind, payload: dict[str, Any]) -> str:
    canonical = json.dumps(
        {"kind": kind.value, "payload": payload},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def push(
    session: Session, kiosk_id: str, messages: Sequence[Message], low_credit: int
) -> PushOutcome:
    """Store and apply one batch from ``kiosk_id`` (see the module docstring)."""
    kiosk = session.scalar(select(KioskRow).where(KioskRow.id == kiosk_id).with_for_update())
    if kiosk is None:
        raise NotFoundError(f"kiosk {kiosk_id} is not enrolled")
    now = utcnow()
    statuses: dict[int, Literal["stored", "duplicate", "held"]] = {}
    for message in messages:
        if message.kiosk_id != kiosk_id:
            raise WrongKioskError(
                f"message seq {message.seq} names kiosk {message.kiosk_id}, but the request is "
                f"signed by kiosk {kiosk_id}: a kiosk pushes only its own messages"
            )
        digest = payload_hash(message.kind, message.payload)
        if _known(session, kiosk_id, message, digest):
            statuses.setdefault(message.seq, "duplicate")
            continue
        _check_payload(message)
        session.add(
            SyncMessage(
                kiosk_id=kiosk_id,
                seq=message.seq,
                idempotency_key=message.idempotency_key,
                kind=message.kind.value,
                payload=message.payload,
                payload_hash=digest,
                received_at=now,
            )
        )
        session.flush()
        statuses[message.seq] = "held"
        kiosk.max_seq = max(kiosk.max_seq, message.seq)

    notice_ids: list[int] = []
    for stored in _ready(session, kiosk):
        notice_ids += _apply(session, stored, low_credit)
        stored.applied_at = now
        kiosk.acked_seq = stored.seq
        if statuses.get(stored.seq) == "held":
            statuses[stored.seq] = "stored"
    session.flush()
    crash_point("backend_push_applied")  # the kill tests stop the server here, before commit
    return PushOutcome(
        PushReply(
            kiosk_id=kiosk_id,
            acked_seq=kiosk.acked_seq,
            max_seq=kiosk.max_seq,
            missing_from=kiosk.acked_seq + 1 if kiosk.max_seq > kiosk.acked_seq else None,
            results=[MessageResult(seq=seq, status=s) for seq, s in statuses.items()],
        ),
        notice_ids,
    )


def _known(session: Session, kiosk_id: str, message: Message, digest: str) -> bool:
    """Whether this very message is stored already; a 409 if its seq or key is taken otherwise."""
    by_seq = session.scalar(
        select(SyncMessage).where(SyncMessage.kiosk_id == kiosk_id, SyncMessage.seq == message.seq)
    )
    if by_seq is not None:
        if by_seq.idempotency_key == message.idempotency_key and by_seq.payload_hash == digest:
            return True
        if by_seq.idempotency_key == message.idempotency_key:
            raise IdempotencyConflictError(
                f"idempotency key {message.idempotency_key} (seq {message.seq}) was already "
                "received with another payload: the same key must always carry the same message",
                seq=message.seq,
            )
        raise SeqTakenError(
            f"seq {message.seq} of kiosk {kiosk_id} is already stored with another message "
            f"(idempotency key {by_seq.idempotency_key}). A kiosk restored from a backup must "
            f"continue after its last seq: GET /api/v1/sync/state",
            seq=message.seq,
        )
    by_key = session.scalar(
        select(SyncMessage).where(
            SyncMessage.kiosk_id == kiosk_id,
            SyncMessage.idempotency_key == message.idempotency_key,
        )
    )
    if by_key is not None:
        raise IdempotencyConflictError(
            f"idempotency key {message.idempotency_key} was already received as seq {by_key.seq}"
            f"{'' if by_key.payload_hash == digest else ' with another payload'}; it cannot be "
            f"used again for seq {message.seq}",
            seq=message.seq,
        )
    return False


def _check_payload(message: Message) -> None:
    try:
        PAYLOADS[message.kind].model_validate(message.payload)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in error['loc']) or 'payload'}: {error['msg']}"
            for error in exc.errors()[:5]
        )
        raise InvalidRequestError(
            f"message seq {message.seq} ({message.kind.value}): the payload is not a "
            f"{message.kind.value} this backend can store: {problems}",
            seq=message.seq,
        ) from None


def _ready(session: Session, kiosk: KioskRow) -> list[SyncMessage]:
    """The stored, unapplied messages that follow acked_seq without a gap, in order."""
    waiting = session.scalars(
        select(SyncMessage)
        .where(
            SyncMessage.kiosk_id == kiosk.id,
            SyncMessage.applied_at.is_(None),
            SyncMessage.seq > kiosk.acked_seq,
        )
        .order_by(SyncMessage.seq)
    ).all()
    ready: list[SyncMessage] = []
    expected = kiosk.acked_seq + 1
    for message in waiting:
        if message.seq != expected:
            break
        ready.append(message)
        expected += 1
    return ready


def held(session: Session, kiosk_id: str) -> list[int]:
    return list(
        session.scalars(
            select(SyncMessage.seq)
            .where(SyncMessage.kiosk_id == kiosk_id, SyncMessage.applied_at.is_(None))
            .order_by(SyncMessage.seq)
        )
    )


# -- projection ------------------------------------------------------------------------------------


def _apply(session: Session, message: SyncMessage, low_credit: int) -> list[int]:
    """Project one message into its table; the ids of the notices it raised."""
    kind = MessageKind(message.kind)
    payload = PAYLOADS[kind].model_validate(message.payload)
    tenant_id: int | None = None
    notices: list[int] = []
    if isinstance(payload, OrderPayload):
        tenant_id = payload.tenant_id
        _upsert(
            session,
            OrderRecord,
            message,
            payload.id,
            payload.created_at,
            out_trade_no=payload.out_trade_no,
            card_uid=payload.card_uid,
            tenant_id=payload.tenant_id,
            state=payload.state.value,
            amount=payload.amount,
            currency=payload.currency,
            method=payload.method,
            paid_amount=payload.paid_amount,
            paid_at=payload.paid_at,
            created_at=payload.created_at,
            updated_at=payload.updated_at,
            snapshot=message.payload,
        )
    elif isinstance(payload, LedgerEntryPayload):
        tenant_id = payload.account.tenant_id
        _upsert(
            session,
            LedgerRecord,
            message,
            payload.id,
            payload.created_at,
            txn=payload.txn,
            account_kind=payload.account.kind.value,
            account_name=payload.account.name,
            tenant_id=payload.account.tenant_id,
            currency=payload.account.currency,
            amount=payload.amount,
            kind=payload.kind.value,
            order_local_id=payload.order_id,
            memo=payload.memo,
            created_at=payload.created_at,
        )
    elif isinstance(payload, CardWritePayload):
        _upsert(
            session,
            CardWriteRecord,
            message,
            payload.id,
            payload.created_at,
            order_local_id=payload.order_id,
            uid=payload.uid,
            amount=payload.amount,
            status=payload.status.value,
            new_counter=payload.new_counter,
            created_at=payload.created_at,
            settled_at=payload.settled_at,
            snapshot=message.payload,
        )
    elif isinstance(payload, AuditEntryPayload):
        _upsert(
            session,
            AuditRecord,
            message,
            payload.id,
            payload.at,
            at=payload.at,
            actor=payload.actor,
            action=payload.action,
            subject=payload.subject,
            detail=payload.detail,
        )
    elif isinstance(payload, MeterStatePayload):
        previous = session.scalar(
            select(MeterStateRecord)
            .where(MeterStateRecord.meter_id == payload.meter_id)
            .order_by(MeterStateRecord.at.desc(), MeterStateRecord.id.desc())
            .limit(1)
        )
        row = _upsert(
            session,
            MeterStateRecord,
            message,
            payload.id,
            payload.recorded_at or payload.at,
            card_uid=payload.card_uid,
            meter_id=payload.meter_id,
            meter_counter=payload.meter_counter,
            at=payload.at,
            reading=payload.reading,
            credit=payload.credit,
            loaded_seq=payload.loaded_seq,
        )
        notices = notify.after_meter_state(session, row, previous, low_credit)
    elif isinstance(payload, RelayCommandPayload):
        before = session.scalar(
            select(RelayRecord.confirmed).where(
                RelayRecord.kiosk_id == message.kiosk_id,
                RelayRecord.local_id == payload.id,
                RelayRecord.born_at == payload.at,
            )
        )
        relay = _upsert(
            session,
            RelayRecord,
            message,
            payload.id,
            payload.at,
            meter_id=payload.meter_id,
            closed=payload.closed,
            reason=payload.reason,
            at=payload.at,
            confirmed=payload.confirmed,
            error=payload.error,
        )
        notices = notify.after_relay_command(session, relay, was_confirmed=bool(before))
    events.publish(
        session,
        [
            events.Event(
                "kiosk",
                kind.value,
                str(payload.id),
                kiosk_id=message.kiosk_id,
                seq=message.seq,
                tenant_id=tenant_id,
            )
        ],
    )
    return notices


def _upsert(
    session: Session,
    model: Any,
    message: SyncMessage,
    local_id: int,
    born_at: dt.datetime,
    **values: Any,
) -> Any:
    """Insert or update the projected row of (kiosk, local id, born at): messages are applied in
    seq order, so the one applied last is the kiosk's newest snapshot."""
    row = session.scalar(
        select(model).where(
            model.kiosk_id == message.kiosk_id,
            model.local_id == local_id,
            model.born_at == born_at,
        )
    )
    if row is None:
        row = model(kiosk_id=message.kiosk_id, local_id=local_id, born_at=born_at)
        session.add(row)
    for name, value in values.items():
        setattr(row, name, value)
    row.seq = message.seq
    session.flush()
    return row
