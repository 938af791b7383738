"""Reference data the property manager edits and the kiosks pull: sites, tenants, staff, meters,
cards (their status is the blacklist), tariff versions and holidays; and the counter that numbers
every change for the pull cursor."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    Enum,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from backend.db.base import Base, Referenced, UTCDateTime, utcnow
from kiosk.db.models.cards import CardRole, CardStatus
from kiosk.db.models.reference import MeterKind


class Counter(Base):
    """Named counters; ``reference`` numbers the changes of reference data. Its row is locked by
    the UPDATE that takes a number until the change commits, so changes commit in number order
    and a pull never skips one that commits late."""

    __tablename__ = "counters"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)


class SiteRow(Base):
    __tablename__ = "sites"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    currency: Mapped[int] = mapped_column(Integer)  # ISO 4217 numeric
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class TenantRow(Referenced, Base):
    __tablename__ = "tenants"

    #: the tenant id written on the tenant's cards
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(50), default="")
    keep_power: Mapped[bool] = mapped_column(Boolean, default=False)


class StaffRow(Referenced, Base):
    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(32), default="operator")
    #: argon2id hash of the PIN, checked at the kiosk; never the PIN itself
    pin_hash: Mapped[str] = mapped_column(String(255), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class MeterRow(Referenced, Base):
    __tablename__ = "meters"

    #: the meter id written on meter cards
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    tenant_id: Mapped[int | None] = mapped_column(ForeignKey("tenants.id"), nullable=True)
    kind: Mapped[MeterKind] = mapped_column(Enum(MeterKind, native_enum=False, length=16))
    utility: Mapped[str] = mapped_column(String(16))
    tariff_code: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(100), default="")


class CardRow(Referenced, Base):
    """A card the site issued, by UID. Its status is the blacklist: a blacklisted card is refused
    at every kiosk once it has pulled the change."""

    __tablename__ = "cards"

    uid: Mapped[str] = mapped_column(String(64), primary_key=True)  # lowercase hex
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    role: Mapped[CardRole] = mapped_column(Enum(CardRole, native_enum=False, length=16))
    serial: Mapped[int] = mapped_column(Integer)  # printed on the card
    tenant_id: Mapped[int | None] = mapped_column(ForeignKey("tenants.id"), nullable=True)
    meter_id: Mapped[int | None] = mapped_column(ForeignKey("meters.id"), nullable=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    status: Mapped[CardStatus] = mapped_column(
        Enum(CardStatus, native_enum=False, length=16), default=CardStatus.ACTIVE
    )
    status_reason: Mapped[str] = mapped_column(String(255), default="")


class TariffRow(Referenced, Base):
    """One tariff version (kiosk.tariffs data). A new price is a new version; never edited."""

    __tablename__ = "tariffs"
    __table_args__ = (UniqueConstraint("site_id", "code", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    code: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    definition: Mapped[dict] = mapped_column(JSON)
    digest: Mapped[str] = mapped_column(String(64))
    valid_from: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class HolidayRow(Referenced, Base):
    """A public holiday of a site: no disconnection for lack of credit that day."""

    __tablename__ = "holidays"
    __table_args__ = (UniqueConstraint("site_id", "day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    day: Mapped[dt.date] = mapped_column(Date)
    name: Mapped[str] = mapped_column(String(100), default="")
