"""Reading any card in full for diagnosis: what a tap would say, every record slot decoded, the
database's view of the card, and the raw memory (kiosk.admin.rawread).

Nothing here writes to the card or settles anything: a card read for diagnosis is left exactly as
it was (unlike a tap, which finishes journaled writes and delivers pending credit). The only
side effect is the one every successful read has: the host remembers the card's counters, so a
restored old copy cannot be spent later.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import select

from cardlib.errors import BlankCardError, CardError, FormatError, TamperedError
from cardlib.purse import header as header_codec
from cardlib.purse import records, slots
from cardlib.purse.header import Header, Role
from cardlib.purse.medium import RawPurse, medium_for
from cardlib.purse.records import KioskRecord, MeterRecord
from cardlib.reader.base import CardConnection
from cardlib.service import KIOSK_COUNTER, METER_COUNTER, CardService
from kiosk.admin.rawread import RawUnit, read_raw
from kiosk.db import Database
from kiosk.db.models import (
    Card,
    CardCounter,
    CardReplacement,
    CardWrite,
    Order,
    Staff,
    Tenant,
    WriteStatus,
)
from kiosk.money import format_amount
from kiosk.topup.states import OrderState

R = TypeVar("R", KioskRecord, MeterRecord)

#: paid orders of a card whose credit is not on it yet
UNDELIVERED = (OrderState.PAID, OrderState.WRITE_PENDING, OrderState.CREDIT_PENDING)


class SlotStatus(enum.StrEnum):
    EMPTY = "empty"  # never written (all 00 or FF)
    VALID = "valid"  # its MAC verifies
    BAD_MAC = "bad_mac"  # torn mid-write, forged, or copied from another card
    BAD_FORMAT = "bad_format"  # verifies, but holds values this kiosk does not understand
    NOT_READ = "not_read"  # the keys to read or check it are not here


@dataclass(frozen=True)
class SlotView:
    slot: str  # "A" or "B"
    status: SlotStatus
    #: the slot a reader takes (the newest valid one)
    current: bool
    record: KioskRecord | MeterRecord | None
    problem: str = ""


@dataclass(frozen=True)
class HeaderView:
    #: as parsed (None: blank or unreadable); trust it only when ``mac_ok``
    header: Header | None
    #: None when it could not be checked (blank card, key version unknown here)
    mac_ok: bool | None
    problem: str = ""


@dataclass(frozen=True)
class Counters:
    card_kiosk: int | None
    card_meter: int | None
    #: the highest counters this kiosk has seen for the card: lower on the card is a replay
    host_kiosk: int | None
    host_meter: int | None


@dataclass(frozen=True)
class PendingWrite:
    id: int
    order_id: int | None
    old_counter: int | None
    new_counter: int
    amount: int
    created_at: dt.datetime


@dataclass(frozen=True)
class PendingOrder:
    id: int
    reference: str
    state: OrderState
    amount: int


@dataclass(frozen=True)
class DbView:
    known: bool
    status: str | None = None
    role: str | None = None
    serial: int | None = None
    tenant_id: int | None = None
    tenant_name: str | None = None
    staff_id: int | None = None
    staff_name: str | None = None
    meter_id: int | None = None
    issued_at: dt.datetime | None = None
    pending_writes: tuple[PendingWrite, ...] = ()
    pending_orders: tuple[PendingOrder, ...] = ()
    #: "replaced by <uid>" / "replaces <uid>", when a replacement involves the card
    replacement: str = ""


@dataclass(frozen=True)
class CardReport:
    uid: str
    card_type: str
    #: whether a tap at this kiosk accepts the card, and cardlib's code and sentence if not
    tap_ok: bool
    tap_code: str
    tap_message: str
    header: HeaderView
    kiosk_slots: tuple[SlotView, ...]
    #: meter cards only (empty otherwise)
    meter_slots: tuple[SlotView, ...]
    counters: Counters
    db: DbView
    raw: tuple[RawUnit, ...]
    #: the site's currency, for amounts when the header cannot be read
    currency: int = 156

    @property
    def text(self) -> str:
        return render_report(self)


def inspect_card(
    connection: CardConnection, cards: CardService, db: Database, currency: int
) -> CardReport:
    """Read the card on ``connection`` in every way there is (see the module docstring)."""
    medium = medium_for(connection)
    uid = medium.uid
    header_raw, _slot_a = medium.read_public()
    peeked: Header | None = None
    problem = ""
    try:
        peeked = header_codec.peek(header_raw)
    except BlankCardError:
        problem = "no header: the card is blank or its issue did not finish"
    except FormatError as exc:
        problem = exc.message
    keys = None
    key_version = peeked.key_version if peeked is not None else cards.key_version
    try:
        keys = cards.keys.card_keys(key_version, uid, cards.site_id)
    except FormatError as exc:
        problem = problem or exc.message
    raw: RawPurse | None = None
    if keys is not None:
        try:
            raw = medium.read_all(keys, meter=True)
        except CardError as exc:
            problem = problem or f"the records could not be read: {exc.message}"
    header_view = _header_view(peeked, raw, uid, keys.mac_key if keys else None, problem)
    if peeked is not None and peeked.site_id != cards.site_id:
        header_view = HeaderView(
            peeked, header_view.mac_ok, f"a card of site {peeked.site_id}, not this one's"
        )
    kiosk_slots: tuple[SlotView, ...] = ()
    meter_slots: tuple[SlotView, ...] = ()
    if raw is not None and keys is not None:
        kiosk_slots = _slots(
            raw.kiosk, lambda b: records.decode_kiosk(b, raw.uid, raw.header, keys.mac_key)
        )
        if peeked is not None and peeked.role is Role.METER:
            meter_key = cards.keys.meter_key(key_version, peeked.meter_id, cards.site_id)
            meter_slots = _slots(
                raw.meter, lambda b: records.decode_meter(b, raw.uid, raw.header, meter_key)
            )
    try:
        cards.open(connection)
        tap = (True, "ok", "A tap at this kiosk reads this card.")
    except CardError as exc:
        tap = (False, exc.code, exc.message)
    uid_hex = uid.hex()
    return CardReport(
        uid=uid_hex,
        card_type=connection.card_type.label,
        tap_ok=tap[0],
        tap_code=tap[1],
        tap_message=tap[2],
        header=header_view,
        kiosk_slots=kiosk_slots,
        meter_slots=meter_slots,
        counters=_counters(db, uid_hex, kiosk_slots, meter_slots),
        db=_db_view(db, uid_hex),
        raw=tuple(read_raw(connection, keys)),
        currency=currency,
    )


def _header_view(
    peeked: Header | None, raw: RawPurse | None, uid: bytes, mac_key: bytes | None, problem: str
) -> HeaderView:
    if peeked is None or raw is None or mac_key is None:
        return HeaderView(peeked, None, problem)
    try:
        return HeaderView(header_codec.decode(raw.header, uid, mac_key), True, problem)
    except TamperedError as exc:
        return HeaderView(peeked, False, exc.message)
    except CardError as exc:
        return HeaderView(peeked, None, exc.message)


def _slots(raw: tuple[bytes, bytes], decode: Callable[[bytes], R]) -> tuple[SlotView, ...]:
    views: list[tuple[str, SlotStatus, R | None, str]] = []
    for slot, data in zip(slots.Slot, raw, strict=True):
        if slots.is_empty(data):
            views.append((slot.name, SlotStatus.EMPTY, None, ""))
            continue
        try:
            views.append((slot.name, SlotStatus.VALID, decode(data), ""))
        except TamperedError as exc:
            views.append((slot.name, SlotStatus.BAD_MAC, None, exc.message))
        except (FormatError, ValueError) as exc:
            views.append((slot.name, SlotStatus.BAD_FORMAT, None, str(exc)))
    try:
        picked = slots.pick(raw, decode)
        current = picked.slot.name if picked is not None else None
    except CardError:
        current = None  # neither slot valid, or two different records under one counter
    return tuple(
        SlotView(name, status, name == current, record, problem)
        for name, status, record, problem in views
    )


def _current(views: tuple[SlotView, ...]) -> KioskRecord | MeterRecord | None:
    return next((v.record for v in views if v.current), None)


def _counters(
    db: Database, uid: str, kiosk: tuple[SlotView, ...], meter: tuple[SlotView, ...]
) -> Counters:
    with db.session() as s:
        host: dict[str, int] = {
            kind: counter
            for kind, counter in s.execute(
                select(CardCounter.kind, CardCounter.counter).where(CardCounter.uid == uid)
            )
        }
    k, m = _current(kiosk), _current(meter)
    return Counters(
        card_kiosk=k.counter if k is not None else None,
        card_meter=m.counter if m is not None else None,
        host_kiosk=host.get(KIOSK_COUNTER),
        host_meter=host.get(METER_COUNTER),
    )


def _db_view(db: Database, uid: str) -> DbView:
    with db.session() as s:
        writes = tuple(
            PendingWrite(w.id, w.order_id, w.old_counter, w.new_counter, w.amount, w.created_at)
            for w in s.scalars(
                select(CardWrite)
                .where(CardWrite.uid == uid, CardWrite.status == WriteStatus.PENDING)
                .order_by(CardWrite.id)
            )
        )
        orders = tuple(
            PendingOrder(o.id, o.out_trade_no, o.state, o.amount)
            for o in s.scalars(
                select(Order)
                .where(Order.card_uid == uid, Order.state.in_(UNDELIVERED))
                .order_by(Order.id)
            )
        )
        replacement = ""
        for r in s.scalars(
            select(CardReplacement).where(
                (CardReplacement.old_uid == uid) | (CardReplacement.new_uid == uid)
            )
        ):
            if r.old_uid == uid:
                replacement = f"replaced by {r.new_uid or '(a card not finished yet)'}"
            else:
                replacement = f"replaces {r.old_uid} ({r.status.value})"
        card = s.scalar(select(Card).where(Card.uid == uid))
        if card is None:
            return DbView(False, pending_writes=writes, pending_orders=orders)
        tenant = s.get(Tenant, card.tenant_id) if card.tenant_id is not None else None
        staff = s.get(Staff, card.staff_id) if card.staff_id is not None else None
        return DbView(
            known=True,
            status=card.status.value,
            role=card.role.value,
            serial=card.serial,
            tenant_id=card.tenant_id,
            tenant_name=tenant.name if tenant else None,
            staff_id=card.staff_id,
            staff_name=staff.name if staff else None,
            meter_id=card.meter_id,
            issued_at=card.issued_at,
            pending_writes=writes,
            pending_orders=orders,
            replacement=replacement,
        )


# -- as text ---------------------------------------------------------------------------------------


def render_report(report: CardReport) -> str:
    """The report as a technician reads it, on screen or on paper: a dump, in English whatever
    language the screen shows, like the printed reports (kiosk.admin.messages)."""
    h = report.header
    cur = h.header.currency if h.header is not None and h.mac_ok else report.currency

    def money(v: int) -> str:
        return format_amount(v, cur)

    lines = [
        f"Card      {report.card_type}, UID {report.uid.upper()}",
        f"Tap       {'OK' if report.tap_ok else 'REFUSED'}: {report.tap_message}"
        + ("" if report.tap_ok else f" [{report.tap_code}]"),
    ]
    if h.header is None:
        lines.append(f"Header    none ({h.problem})")
    else:
        x = h.header
        mac = {True: "MAC ok", False: "MAC BAD", None: "MAC not checked"}[h.mac_ok]
        lines.append(
            f"Header    {x.role.name.lower()} card, site {x.site_id}, serial {x.card_serial}, "
            f"{'staff' if x.role is Role.STAFF else 'tenant'} {x.tenant_id}, key version "
            f"{x.key_version}, issued {x.issue_date.isoformat()}; {mac}"
            + (f" ({h.problem})" if h.problem else "")
        )
        if x.role is Role.METER:
            lines.append(f"Meter     {x.meter_id} ({x.utility.name.lower()})")
    for name, views in (("Kiosk", report.kiosk_slots), ("Meter", report.meter_slots)):
        for v in views:
            mark = "*" if v.current else " "
            lines.append(
                f"{name} {v.slot}{mark}  {v.status.value}  {_record_text(v.record, money)}"
            )
    c = report.counters
    lines.append(
        f"Counters  card kiosk {c.card_kiosk}, meter {c.card_meter}; "
        f"host kiosk {c.host_kiosk}, meter {c.host_meter}"
    )
    d = report.db
    if not d.known:
        lines.append("Database  not known here")
    else:
        who = (
            f"staff {d.staff_id} {d.staff_name or ''}".strip()
            if d.staff_id is not None
            else f"tenant {d.tenant_id} {d.tenant_name or ''}".strip()
        )
        lines.append(f"Database  {d.role} card {d.serial}, {d.status}, {who}")
    if d.replacement:
        lines.append(f"          {d.replacement}")
    for w in d.pending_writes:
        lines.append(
            f"Journal   write {w.id} (order {w.order_id}) counter {w.old_counter}->"
            f"{w.new_counter}, {money(w.amount)}: outcome not known yet"
        )
    for o in d.pending_orders:
        lines.append(f"Owed      {o.reference} {money(o.amount)} ({o.state.value})")
    lines.append("Raw memory (keys hidden):")
    for u in report.raw:
        data = u.data if u.data is not None else "(not readable)"
        lines.append(f"  {u.label:<40} {data}" + (f"  {u.note}" if u.note else ""))
    return "\n".join(lines) + "\n"


def _record_text(record: KioskRecord | MeterRecord | None, money: Callable[[int], str]) -> str:
    if isinstance(record, KioskRecord):
        return (
            f"counter {record.counter}, value {money(record.value)}, purchase {record.purchase_seq}"
        )
    if isinstance(record, MeterRecord):
        return (
            f"counter {record.counter}, reading {record.reading}, credit {money(record.credit)}, "
            f"loaded purchase {record.last_loaded_seq}, flags {int(record.flags):#04x}, "
            f"refusal {record.refusal.name.lower()}, at {record.time.isoformat()}"
        )
    return ""
