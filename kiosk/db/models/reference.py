"""Reference data: meters and tariff versions (created in admin, later pulled from the backend)."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import JSON, Enum, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kiosk.db.base import Base, UTCDateTime, utcnow


class MeterKind(enum.Enum):
    CARD = "card"  # a card-based prepaid meter: credit travels on the tenant's card
    MODBUS = "modbus"  # a networked meter read and switched by the control loop


class Meter(Base):
    __tablename__ = "meters"

    #: the meter id written on meter cards (uint32)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    tenant_id: Mapped[int | None] = mapped_column(ForeignKey("tenants.id"), nullable=True)
    kind: Mapped[MeterKind] = mapped_column(Enum(MeterKind, native_enum=False, length=16))
    utility: Mapped[str] = mapped_column(String(16))  # electricity | water
    tariff_code: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(100), default="")


class TariffVersion(Base):
    """One version of a tariff, as data. A new price is a new version; old orders keep theirs."""

    __tablename__ = "tariff_versions"
    __table_args__ = (UniqueConstraint("code", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    definition: Mapped[dict] = mapped_column(JSON)
    digest: Mapped[str] = mapped_column(String(64), default="")
    valid_from: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(100), default="")
