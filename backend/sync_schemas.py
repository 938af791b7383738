"""The sync API's request and reply bodies (docs/sync-api.md), and the payload each kind of message
must carry. Payloads may carry more fields than listed (a newer kiosk): only these are checked and
projected; the whole payload is stored as received."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from backend.fields import (
    Count,
    Currency,
    IdempotencyKey,
    Int64,
    JsonObject,
    KioskId,
    LocalId,
    Moment,
    Seq,
    Str32,
    Str36,
    Str64,
    Str128,
    Str200,
    Str255,
    Text,
)
from kiosk.db.models.cards import CardRole, CardStatus, WriteStatus
from kiosk.db.models.ledger import AccountKind, EntryKind
from kiosk.sync_protocol import MAX_BATCH, MAX_PAGE, MessageKind
from kiosk.topup.states import OrderState

# -- push ------------------------------------------------------------------------------------------


class Message(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kiosk_id: KioskId
    seq: Seq
    idempotency_key: IdempotencyKey
    kind: MessageKind
    payload: JsonObject


class PushRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    messages: list[Message] = Field(min_length=1, max_length=MAX_BATCH)


class MessageResult(BaseModel):
    seq: int
    #: stored (and applied), duplicate (already held: counted once), held (stored beyond a gap)
    status: Literal["stored", "duplicate", "held"]


class PushReply(BaseModel):
    kiosk_id: str
    #: every message up to this seq is stored and applied: mark them sent
    acked_seq: int
    #: the highest seq stored, held ones included
    max_seq: int
    #: the seq the backend waits for when messages are held beyond a gap, else null
    missing_from: int | None
    results: list[MessageResult]


# -- state -----------------------------------------------------------------------------------------


class StateReply(BaseModel):
    kiosk_id: str
    site_id: int
    acked_seq: int
    max_seq: int
    #: seqs stored beyond a gap, waiting for the missing ones
    held: list[int]
    #: the change number of the newest reference data (a pull from it returns nothing new)
    reference_cursor: int
    server_time: int


# -- status ----------------------------------------------------------------------------------------


class StatusReport(BaseModel):
    """What a kiosk reports of itself after each sync run: what only it knows."""

    model_config = ConfigDict(extra="forbid")

    #: when the kiosk made the report, by its clock corrected with its offset
    at: Moment
    #: messages in its outbox the backend has not acknowledged yet
    backlog: Count
    #: when the oldest of them was written (null when none wait)
    oldest_unsent_at: Moment | None = None
    #: the highest seq it has numbered
    last_seq: Count
    #: seconds it adds to its own clock to agree with the backend's
    clock_offset_s: Int64
    #: the reference-data cursor it holds
    cursor: Count
    #: the last sync error it met; "" when its last run went through
    last_error: Str255 = ""
    #: its software's name and version
    software: Str64 = ""


class StatusReply(BaseModel):
    kiosk_id: str
    #: reports received from this kiosk so far
    reports: int
    #: every message up to this seq is stored and applied here
    acked_seq: int


# -- pull ------------------------------------------------------------------------------------------


class RefChange(BaseModel):
    #: tenant, staff, meter, card, tariff, holiday
    type: str
    #: the id (a card: its UID in hex)
    id: int | str
    rev: int
    #: a tombstone: the row was deleted on the backend
    deleted: bool
    data: dict[str, Any]


class PullReply(BaseModel):
    #: pass it back as ?cursor= next time; save it with the changes applied
    cursor: int
    #: more changes wait: pull again at once with the new cursor
    more: bool
    changes: list[RefChange]


PULL_LIMIT = Annotated[int, Field(ge=1, le=MAX_PAGE)]


# -- the payloads of each kind ---------------------------------------------------------------------


class _Payload(BaseModel):
    model_config = ConfigDict(extra="allow")

    #: the row's id on the kiosk (every payload but an order item has one)
    id: LocalId


class OrderItemPayload(BaseModel):
    model_config = ConfigDict(extra="allow")

    kind: Str32
    amount: Int64
    description: Str200 = ""


class OrderPayload(_Payload):
    out_trade_no: Str64
    card_uid: Str64
    tenant_id: Int64 | None = None
    state: OrderState
    amount: Int64
    currency: Currency
    method: Str32
    paid_amount: Int64 | None = None
    paid_at: Moment | None = None
    created_at: Moment
    updated_at: Moment
    items: list[OrderItemPayload] = []


class AccountPayload(BaseModel):
    model_config = ConfigDict(extra="allow")

    kind: AccountKind
    tenant_id: Int64 | None = None
    currency: Currency
    name: Str64 = ""


class LedgerEntryPayload(_Payload):
    txn: Str36
    amount: Int64
    kind: EntryKind
    order_id: Int64 | None = None
    memo: Str255 = ""
    created_at: Moment
    account: AccountPayload


class CardWritePayload(_Payload):
    order_id: Int64 | None = None
    uid: Str64
    amount: Int64
    new_counter: Count
    status: WriteStatus
    created_at: Moment
    settled_at: Moment | None = None


class AuditEntryPayload(_Payload):
    at: Moment
    actor: Str64
    action: Str64
    subject: Str128 = ""
    detail: JsonObject = {}


class MeterStatePayload(_Payload):
    card_uid: Str64
    meter_id: Count
    meter_counter: Count
    at: Moment
    reading: Count
    credit: Int64
    loaded_seq: Count
    recorded_at: Moment | None = None


class RelayCommandPayload(_Payload):
    meter_id: Count
    closed: bool
    reason: Str255
    at: Moment
    confirmed: bool = False
    error: Str255 = ""


class CardPayload(_Payload):
    """A card issued, blocked or replaced by staff at a kiosk (backend/card_reports.py). Lenient
    on purpose: a card the kiosk holds must always pass, or the kiosk's outbox would stall behind
    it; what the backend cannot take (a serial or id its columns do not hold, an unknown tenant)
    is sorted out when the report is applied, without refusing the push."""

    uid: Str64
    role: CardRole
    serial: Int64
    site_id: Int64
    tenant_id: Int64 | None = None
    staff_id: Int64 | None = None
    meter_id: Int64 | None = None
    status: CardStatus
    issued_at: Moment | None = None
    #: the new card of a replacement not finished yet: held blocked until the value is on it
    held_for_replacement: bool = False
    #: the card that replaced this one (status replaced)
    replaced_by: Str64 | None = None
    #: why staff blocked or replaced it, as they typed it
    reason: Str255 = ""


class TenantPayload(_Payload):
    """A tenant created (or changed) at a kiosk, e.g. with the first card issued for it
    (backend/reference_reports.py); ``id`` is the tenant id written on its cards. Lenient like
    :class:`CardPayload`: the name and unit are checked as the manager's would be when the report
    is applied, without refusing the push."""

    site_id: Int64
    name: Text = ""
    unit: Text = ""
    keep_power: bool = False


class MeterPayload(_Payload):
    """A meter registered (or changed) at a kiosk, e.g. with the card bound to it
    (backend/reference_reports.py); ``id`` is the meter id written on its cards. Lenient like
    :class:`CardPayload`. Its ``label`` is the kiosk's own (a networked meter's address there) and
    is not projected."""

    site_id: Int64
    tenant_id: Int64 | None = None
    kind: Text
    utility: Text
    tariff_code: Text = ""


PAYLOADS: dict[MessageKind, type[_Payload]] = {
    MessageKind.ORDER: OrderPayload,
    MessageKind.LEDGER_ENTRY: LedgerEntryPayload,
    MessageKind.CARD_WRITE: CardWritePayload,
    MessageKind.AUDIT_ENTRY: AuditEntryPayload,
    MessageKind.METER_STATE: MeterStatePayload,
    MessageKind.RELAY_COMMAND: RelayCommandPayload,
    MessageKind.CARD: CardPayload,
    MessageKind.TENANT: TenantPayload,
    MessageKind.METER: MeterPayload,
}
