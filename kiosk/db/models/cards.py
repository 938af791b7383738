"""Cards, the host's memory of each card's counters, and the card-write journal."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import JSON, Enum, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kiosk.db.base import Base, UTCDateTime, utcnow


class CardRole(enum.Enum):
    METER = "meter"
    WALLET = "wallet"
    STAFF = "staff"


class CardStatus(enum.Enum):
    ACTIVE = "active"
    BLACKLISTED = "blacklisted"  # lost, stolen, or replaced: refused at every tap
    REPLACED = "replaced"


class Card(Base):
    __tablename__ = "cards"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uid: Mapped[str] = mapped_column(String(64), unique=True)  # hex
    role: Mapped[CardRole] = mapped_column(Enum(CardRole, native_enum=False, length=16))
    serial: Mapped[int] = mapped_column(Integer)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    tenant_id: Mapped[int | None] = mapped_column(ForeignKey("tenants.id"), nullable=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    meter_id: Mapped[int | None] = mapped_column(ForeignKey("meters.id"), nullable=True)
    status: Mapped[CardStatus] = mapped_column(
        Enum(CardStatus, native_enum=False, length=16), default=CardStatus.ACTIVE
    )
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class CardCounter(Base):
    """The highest counter seen on each card, per record kind: a lower one is a restored copy."""

    __tablename__ = "card_counters"
    __table_args__ = (UniqueConstraint("uid", "kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uid: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    counter: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class WriteStatus(enum.Enum):
    PENDING = "pending"  # journaled; the card write may or may not have happened
    COMMITTED = "committed"  # the card holds the new record
    VOID = "void"  # the card still held the old record: the write never happened


class CardWrite(Base):
    """The card-write journal: one row per planned write, committed before the card is touched."""

    __tablename__ = "card_writes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"), nullable=True)
    uid: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # kiosk | meter
    slot: Mapped[int] = mapped_column(Integer)
    old_counter: Mapped[int | None] = mapped_column(Integer, nullable=True)
    new_counter: Mapped[int] = mapped_column(Integer)
    amount: Mapped[int] = mapped_column(Integer)  # minor units this write adds (negative: debit)
    #: the plan as data (old and new record, slot, bytes) so any kiosk can finish or judge it
    plan: Mapped[dict] = mapped_column(JSON)
    status: Mapped[WriteStatus] = mapped_column(
        Enum(WriteStatus, native_enum=False, length=16), default=WriteStatus.PENDING
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    settled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
