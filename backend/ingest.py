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
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from backend import card_reports, events, notify, reference_reports
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
    CardPayload,
    CardWritePayload,
    LedgerEntryPayload,
    Message,
    MessageResult,
    MeterPayload,
    MeterStatePayload,
    OrderPayload,
    PushReply,
    RelayCommandPayload,
    TenantPayload,
    _Payload,  # the base of every kind's payload
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
    """Store and apply one batch from ``kiosk_id`` (see the module docstring).

    The batch is worked on as a whole -- one lookup of the seqs and keys it names, one insert of
    its new messages, one lookup per projected table, one flush -- because a kiosk pushes a top-up
    as a dozen snapshots of a few rows, and a statement per message made the backend's CPU, not
    the database, the limit on how many kiosks one server takes (bench/sync_ingest.py)."""
    kiosk = session.scalar(select(KioskRow).where(KioskRow.id == kiosk_id).with_for_update())
    if kiosk is None:
        raise NotFoundError(f"kiosk {kiosk_id} is not enrolled")
    for message in messages:
        if message.kiosk_id != kiosk_id:
            raise WrongKioskError(
                f"message seq {message.seq} names kiosk {message.kiosk_id}, but the request is "
                f"signed by kiosk {kiosk_id}: a kiosk pushes only its own messages"
            )
    now = utcnow()
    # messages held beyond a gap by earlier pushes (rare: a retry overtook a request)
    held_before = kiosk.max_seq > kiosk.acked_seq
    stored = _Stored.lookup(session, kiosk_id, messages)
    statuses: dict[int, Literal["stored", "duplicate", "held"]] = {}
    new: list[_Incoming] = []
    for message in messages:
        digest = payload_hash(message.kind, message.payload)
        if stored.known(kiosk_id, message, digest):
            statuses.setdefault(message.seq, "duplicate")
            continue
        row = SyncMessage(
            kiosk_id=kiosk_id,
            seq=message.seq,
            idempotency_key=message.idempotency_key,
            kind=message.kind.value,
            payload=message.payload,
            payload_hash=digest,
            received_at=now,
        )
        new.append(_Incoming(row, _check_payload(message)))
        stored.remember(row)
        statuses[message.seq] = "held"
        kiosk.max_seq = max(kiosk.max_seq, message.seq)

    ready = _ready(session, kiosk, new, held_before)
    for incoming in ready:
        incoming.row.applied_at = now
    session.add_all(incoming.row for incoming in new)
    projector = _Projector(session, kiosk_id, low_credit)
    projector.prefetch(ready)
    for incoming in ready:
        projector.apply(incoming)
        kiosk.acked_seq = incoming.row.seq
        if statuses.get(incoming.row.seq) == "held":
            statuses[incoming.row.seq] = "stored"
    session.flush()
    events.publish(session, projector.events)
    crash_point("backend_push_applied")  # the kill tests stop the server here, before commit
    return PushOutcome(
        PushReply(
            kiosk_id=kiosk_id,
            acked_seq=kiosk.acked_seq,
            max_seq=kiosk.max_seq,
            missing_from=kiosk.acked_seq + 1 if kiosk.max_seq > kiosk.acked_seq else None,
            results=[MessageResult(seq=seq, status=s) for seq, s in statuses.items()],
        ),
        projector.notice_ids,
    )


@dataclass
class _Incoming:
    """A message to apply: its row (new, or held from an earlier push) and its payload, checked."""

    row: SyncMessage
    payload: _Payload


@dataclass
class _Stored:
    """What the database (and this batch so far) holds under the seqs and keys a batch names."""

    by_seq: dict[int, tuple[str, str]]  # seq -> (idempotency key, payload hash)
    by_key: dict[str, tuple[int, str]]  # idempotency key -> (seq, payload hash)

    @classmethod
    def lookup(cls, session: Session, kiosk_id: str, messages: Sequence[Message]) -> _Stored:
        seqs = sorted({m.seq for m in messages})
        keys = sorted({m.idempotency_key for m in messages})
        rows = session.execute(
            select(SyncMessage.seq, SyncMessage.idempotency_key, SyncMessage.payload_hash).where(
                SyncMessage.kiosk_id == kiosk_id,
                or_(SyncMessage.seq.in_(seqs), SyncMessage.idempotency_key.in_(keys)),
            )
        ).all()
        return cls(
            {seq: (key, digest) for seq, key, digest in rows},
            {key: (seq, digest) for seq, key, digest in rows},
        )

    def remember(self, row: SyncMessage) -> None:
        self.by_seq[row.seq] = (row.idempotency_key, row.payload_hash)
        self.by_key[row.idempotency_key] = (row.seq, row.payload_hash)

    def known(self, kiosk_id: str, message: Message, digest: str) -> bool:
        """Whether this very message is stored already; a 409 if its seq or key is taken
        otherwise."""
        by_seq = self.by_seq.get(message.seq)
        if by_seq is not None:
            key, stored_digest = by_seq
            if key == message.idempotency_key and stored_digest == digest:
                return True
            if key == message.idempotency_key:
                raise IdempotencyConflictError(
                    f"idempotency key {message.idempotency_key} (seq {message.seq}) was already "
                    "received with another payload: the same key must always carry the same "
                    "message",
                    seq=message.seq,
                )
            raise SeqTakenError(
                f"seq {message.seq} of kiosk {kiosk_id} is already stored with another message "
                f"(idempotency key {key}). A kiosk restored from a backup must continue after its "
                f"last seq: GET /api/v1/sync/state",
                seq=message.seq,
            )
        by_key = self.by_key.get(message.idempotency_key)
        if by_key is not None:
            seq, stored_digest = by_key
            raise IdempotencyConflictError(
                f"idempotency key {message.idempotency_key} was already received as seq {seq}"
                f"{'' if stored_digest == digest else ' with another payload'}; it cannot be "
                f"used again for seq {message.seq}",
                seq=message.seq,
            )
        return False


def _check_payload(message: Message) -> _Payload:
    try:
        return PAYLOADS[message.kind].model_validate(message.payload)
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


def _ready(
    session: Session, kiosk: KioskRow, new: list[_Incoming], held_before: bool
) -> list[_Incoming]:
    """The unapplied messages -- this batch's and those held from earlier pushes -- that follow
    acked_seq without a gap, in order."""
    waiting = {incoming.row.seq: incoming for incoming in new}
    if held_before:
        for row in session.scalars(
            select(SyncMessage).where(
                SyncMessage.kiosk_id == kiosk.id,
                SyncMessage.applied_at.is_(None),
                SyncMessage.seq > kiosk.acked_seq,
            )
        ):
            # stored once, so checked once: a held message was valid when it came
            payload = PAYLOADS[MessageKind(row.kind)].model_validate(row.payload)
            waiting.setdefault(row.seq, _Incoming(row, payload))
    ready: list[_Incoming] = []
    expected = kiosk.acked_seq + 1
    while expected in waiting:
        ready.append(waiting[expected])
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


#: the tables whose rows a message only overwrites: several snapshots of one row in a batch
#: come down to one INSERT or UPDATE of the last
_PLAIN: dict[type[_Payload], type[Any]] = {
    OrderPayload: OrderRecord,
    LedgerEntryPayload: LedgerRecord,
    CardWritePayload: CardWriteRecord,
    AuditEntryPayload: AuditRecord,
}

_RowKey = tuple[int, dt.datetime]  # (local id, born at)


class _Projector:
    """Projects a batch's messages, in seq order, into their tables; collects the events to
    publish and the notices raised."""

    def __init__(self, session: Session, kiosk_id: str, low_credit: int) -> None:
        self.session, self.kiosk_id, self.low_credit = session, kiosk_id, low_credit
        self.rows: dict[type[Any], dict[_RowKey, Any]] = {}
        self.events: list[events.Event] = []
        self.notice_ids: list[int] = []

    def prefetch(self, ready: Sequence[_Incoming]) -> None:
        """Load, one statement per table, the rows the batch's plain messages project into."""
        wanted: dict[type[Any], set[_RowKey]] = {}
        for incoming in ready:
            model = _PLAIN.get(type(incoming.payload))
            if model is not None:
                wanted.setdefault(model, set()).add(_born(incoming.payload))
        for model, keys in wanted.items():
            found = self.rows.setdefault(model, {})
            local_ids = sorted({local_id for local_id, _ in keys})
            for row in self.session.scalars(
                select(model).where(model.kiosk_id == self.kiosk_id, model.local_id.in_(local_ids))
            ):
                found[(row.local_id, row.born_at)] = row
            for key in keys:
                found.setdefault(key, None)

    def apply(self, incoming: _Incoming) -> None:
        message, payload = incoming.row, incoming.payload
        tenant_id: int | None = None
        if isinstance(payload, OrderPayload):
            tenant_id = payload.tenant_id
            self._upsert(
                OrderRecord,
                message,
                payload,
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
            self._upsert(
                LedgerRecord,
                message,
                payload,
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
            self._upsert(
                CardWriteRecord,
                message,
                payload,
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
            self._upsert(
                AuditRecord,
                message,
                payload,
                at=payload.at,
                actor=payload.actor,
                action=payload.action,
                subject=payload.subject,
                detail=payload.detail,
            )
        elif isinstance(payload, MeterStatePayload):
            self._meter_state(message, payload)
        elif isinstance(payload, RelayCommandPayload):
            self._relay_command(message, payload)
        elif isinstance(payload, TenantPayload):
            # a tenant created at the kiosk (with a card) joins the site's tenants, before the
            # card's own report; like a card's, it never raises for the report's data
            tenant_id = payload.id
            reference_reports.apply_tenant_report(self.session, self.kiosk_id, payload)
        elif isinstance(payload, MeterPayload):
            tenant_id = payload.tenant_id
            reference_reports.apply_meter_report(self.session, self.kiosk_id, payload)
        elif isinstance(payload, CardPayload):
            # a card issued, blocked or replaced at the kiosk joins the site's card list; it
            # never raises for the report's data (a refused push would stall the kiosk's outbox)
            tenant_id = payload.tenant_id
            card_reports.apply_card_report(self.session, self.kiosk_id, payload)
        self.events.append(
            events.Event(
                "kiosk",
                message.kind,
                str(payload.id),
                kiosk_id=message.kiosk_id,
                seq=message.seq,
                tenant_id=tenant_id,
            )
        )

    def _upsert(
        self, model: type[Any], message: SyncMessage, payload: _Payload, **values: Any
    ) -> None:
        """Insert or update the projected row of (kiosk, local id, born at): messages are applied
        in seq order, so the one applied last is the kiosk's newest snapshot. Written at the
        batch's flush."""
        key = _born(payload)
        rows = self.rows.setdefault(model, {})
        row = rows.get(key)
        if row is None:
            row = model(kiosk_id=self.kiosk_id, local_id=key[0], born_at=key[1])
            self.session.add(row)
            rows[key] = row
        for name, value in values.items():
            setattr(row, name, value)
        row.seq = message.seq

    def _meter_state(self, message: SyncMessage, payload: MeterStatePayload) -> None:
        # a notice is raised on crossing a threshold: it needs the meter's state before this one,
        # which may be an earlier message of this very batch (autoflush writes it first)
        previous = self.session.scalar(
            select(MeterStateRecord)
            .where(MeterStateRecord.meter_id == payload.meter_id)
            .order_by(MeterStateRecord.at.desc(), MeterStateRecord.id.desc())
            .limit(1)
        )
        row = _upsert_now(
            self.session,
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
        self.notice_ids += notify.after_meter_state(self.session, row, previous, self.low_credit)

    def _relay_command(self, message: SyncMessage, payload: RelayCommandPayload) -> None:
        before = self.session.scalar(
            select(RelayRecord.confirmed).where(
                RelayRecord.kiosk_id == message.kiosk_id,
                RelayRecord.local_id == payload.id,
                RelayRecord.born_at == payload.at,
            )
        )
        relay = _upsert_now(
            self.session,
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
        self.notice_ids += notify.after_relay_command(
            self.session, relay, was_confirmed=bool(before)
        )


def _born(payload: _Payload) -> _RowKey:
    """What identifies a plain message's projected row on its kiosk (see backend.db.models)."""
    if isinstance(payload, AuditEntryPayload):
        return payload.id, payload.at
    assert isinstance(payload, OrderPayload | LedgerEntryPayload | CardWritePayload)
    return payload.id, payload.created_at


def _upsert_now(
    session: Session,
    model: Any,
    message: SyncMessage,
    local_id: int,
    born_at: dt.datetime,
    **values: Any,
) -> Any:
    """Insert or update a projected row at once (meter states and relay commands: the notices
    compare each with the one before)."""
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
