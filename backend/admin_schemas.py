"""The administrator's request and reply bodies: enrolment and reference data. Unknown fields are
refused (a typo is a 422 that names it, never a silent default)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from backend.fields import (
    Currency,
    Id,
    JsonObject,
    KioskId,
    Name,
    Str50,
    Str64,
    Str100,
    Str255,
)
from kiosk.db.models.cards import CardRole, CardStatus
from kiosk.db.models.reference import MeterKind

TariffCode = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.-]{1,32}$")]
StaffRole = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z_]{0,31}$")]
Pin = Annotated[str, StringConstraints(pattern=r"^[0-9]{4,12}$")]
Serial = Annotated[int, Field(ge=0, le=2**31 - 1)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


# -- kiosks ----------------------------------------------------------------------------------------


class EnrolIn(_In):
    kiosk_id: KioskId
    site_id: Id
    name: Name


class KioskReportOut(BaseModel):
    """What the kiosk last reported of itself after a sync run (POST /sync/status)."""

    received_at: dt.datetime
    reported_at: dt.datetime
    #: messages waiting in the kiosk's outbox, and when the oldest was written
    backlog: int
    oldest_unsent_at: dt.datetime | None
    last_seq: int
    clock_offset_s: int
    cursor: int
    last_error: str
    software: str
    reports: int


class KioskOut(BaseModel):
    kiosk_id: str
    site_id: int
    name: str
    secret_version: int
    enrolled_at: dt.datetime
    rotated_at: dt.datetime | None
    last_seen_at: dt.datetime | None
    acked_seq: int
    max_seq: int
    #: the kiosk's newest status report; null before its first
    report: KioskReportOut | None = None


class EnrolledOut(KioskOut):
    #: the kiosk's HMAC secret: shown this once, put it in the kiosk's PREPAY_SYNC_SECRET
    secret: str


# -- reference data --------------------------------------------------------------------------------


class SiteIn(_In):
    name: Name
    timezone: Str64 = "UTC"
    currency: Currency


class SiteOut(BaseModel):
    id: int
    name: str
    timezone: str
    currency: int


class TenantIn(_In):
    site_id: Id
    name: Name
    unit: Str50 = ""
    #: never disconnected for lack of credit (a clinic, a server room)
    keep_power: bool = False


class TenantOut(BaseModel):
    id: int
    site_id: int
    name: str
    unit: str
    keep_power: bool
    rev: int
    deleted: bool


class StaffIn(_In):
    site_id: Id
    name: Name
    role: StaffRole = "operator"
    #: a new PIN (4-12 digits), stored as an argon2id hash; omitted: the PIN is kept
    pin: Pin | None = None
    active: bool = True


class StaffOut(BaseModel):
    id: int
    site_id: int
    name: str
    role: str
    has_pin: bool
    active: bool
    rev: int
    deleted: bool


class MeterIn(_In):
    site_id: Id
    tenant_id: Id | None = None
    kind: MeterKind
    utility: Literal["electricity", "water"]
    tariff_code: TariffCode
    label: Str100 = ""


class MeterOut(BaseModel):
    id: int
    site_id: int
    tenant_id: int | None
    kind: MeterKind
    utility: str
    tariff_code: str
    label: str
    rev: int
    deleted: bool


class CardIn(_In):
    site_id: Id
    role: CardRole
    serial: Serial
    tenant_id: Id | None = None
    meter_id: Id | None = None
    staff_id: Id | None = None


class CardOut(BaseModel):
    uid: str
    site_id: int
    role: CardRole
    serial: int
    tenant_id: int | None
    meter_id: int | None
    staff_id: int | None
    status: CardStatus
    status_reason: str
    rev: int
    deleted: bool


class BlacklistIn(_In):
    #: why (lost, stolen, replaced): shown to staff
    reason: Annotated[Str255, StringConstraints(strip_whitespace=True, min_length=1)]


class TariffIn(_In):
    site_id: Id
    #: the tariff as kiosk.tariffs reads it (docs/examples/tariff-elec-std.json)
    definition: JsonObject
    #: when it starts to apply; default: now
    valid_from: AwareDatetime | None = None


class TariffOut(BaseModel):
    id: int
    site_id: int
    code: str
    version: int
    digest: str
    valid_from: dt.datetime
    definition: dict
    rev: int


class HolidayIn(_In):
    name: Str100 = ""


class HolidayOut(BaseModel):
    id: int
    site_id: int
    day: dt.date
    name: str
    rev: int
    deleted: bool


# -- what the kiosks sent --------------------------------------------------------------------------


class BalanceOut(BaseModel):
    account_kind: str
    currency: int
    #: minor units; for a tenant's accounts, what the ledger entries of every kiosk sum to
    balance: int


class TenantDetailOut(TenantOut):
    balances: list[BalanceOut]


class OrderOut(BaseModel):
    kiosk_id: str
    local_id: int
    out_trade_no: str
    card_uid: str
    tenant_id: int | None
    state: str
    amount: int
    currency: int
    method: str
    paid_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime


class AuditOut(BaseModel):
    kiosk_id: str
    local_id: int
    at: dt.datetime
    actor: str
    action: str
    subject: str
    detail: dict


class NoticeOut(BaseModel):
    id: int
    at: dt.datetime
    kind: str
    tenant_id: int | None
    meter: str
    message: str
    delivered: bool
    error: str


class Deleted(BaseModel):
    deleted: bool = True
    rev: int
