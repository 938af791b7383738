"""What admin mode records beyond the audit log: closed periods (Z reports) and card
replacements (the old card, the new one, and the value carried across)."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Enum,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from kiosk.db.base import Base, UTCDateTime, utcnow
from kiosk.db.models.cards import CardRole


class DayClose(Base):
    """One Z report of one kiosk: the period it closed, its Z number and the report as printed.

    A Z closes [period_start, period_end): from the end of the kiosk's previous Z (the first Z:
    from the start of the kiosk's first business day) to the moment it was taken, so the periods
    of a kiosk follow each other without gap or overlap and each sale is in exactly one Z. Z
    numbers run up without gaps per kiosk (unique per kiosk); a day may have several Zs."""

    __tablename__ = "day_closes"
    __table_args__ = (UniqueConstraint("kiosk_id", "z_number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kiosk_id: Mapped[str] = mapped_column(String(64))
    #: the site's local date of period_end, for display (not unique: several Zs a day are fine)
    business_day: Mapped[dt.date] = mapped_column(Date)
    #: UTC, inclusive: the previous Z's period_end
    period_start: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    #: UTC, exclusive: when the Z was taken
    period_end: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    timezone: Mapped[str] = mapped_column(String(64))
    z_number: Mapped[int] = mapped_column(Integer)
    closed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_by: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    #: the figures of the report (per method, reconciliation), as data
    totals: Mapped[dict] = mapped_column(JSON)
    #: the report as printed, so a reprint of a Z is the same paper
    text: Mapped[str] = mapped_column(Text)


class ReplacementStatus(enum.Enum):
    STARTED = "started"  # the old card is blocked; the new card is not finished yet
    FINISHED = "finished"  # the new card holds the carried value and is active


class CardReplacement(Base):
    """A lost tenant card replaced by a new one. Written before either card is touched, so a
    replacement cut short (card pulled, power cut) is finished by the next try."""

    __tablename__ = "card_replacements"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    old_uid: Mapped[str] = mapped_column(String(64), unique=True)
    #: known once the new card is personalised
    new_uid: Mapped[str | None] = mapped_column(String(64), nullable=True)
    new_serial: Mapped[int] = mapped_column(Integer)
    role: Mapped[CardRole] = mapped_column(Enum(CardRole, native_enum=False, length=16))
    tenant_id: Mapped[int | None] = mapped_column(ForeignKey("tenants.id"), nullable=True)
    meter_id: Mapped[int | None] = mapped_column(ForeignKey("meters.id"), nullable=True)
    #: what the new card's kiosk record carries: stored value (wallet) or the purchase (meter)
    value: Mapped[int] = mapped_column(Integer)
    purchase_seq: Mapped[int] = mapped_column(Integer, default=0)
    #: the old card's kiosk counter the value was known at
    basis_counter: Mapped[int] = mapped_column(Integer, default=0)
    #: False when the old card was written after that (the value may be out of date)
    certain: Mapped[bool] = mapped_column(Boolean, default=True)
    #: paid orders of the old card delivered onto the new one
    orders: Mapped[list] = mapped_column(JSON, default=list)
    card_write_id: Mapped[int | None] = mapped_column(ForeignKey("card_writes.id"), nullable=True)
    reason: Mapped[str] = mapped_column(String(255))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    status: Mapped[ReplacementStatus] = mapped_column(
        Enum(ReplacementStatus, native_enum=False, length=16), default=ReplacementStatus.STARTED
    )
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
