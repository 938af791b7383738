"""The backend's declarative base: its own metadata (the kiosk's tables are the kiosk's), with the
kiosk's constraint naming and UTC timestamp type so both read alike on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Boolean, MetaData
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from kiosk.db.base import NAMING, UTCDateTime, utcnow

__all__ = ["Base", "Referenced", "UTCDateTime", "utcnow"]


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Referenced:
    """The columns every kind of reference data carries for the kiosks' pull: the change number of
    its last change (from the one ``reference`` counter) and a tombstone flag. A deleted row is
    kept, marked, so a kiosk that was offline still hears of the deletion."""

    rev: Mapped[int] = mapped_column(BigInteger, index=True)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
