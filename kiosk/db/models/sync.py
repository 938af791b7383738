"""What sync keeps on the kiosk: the outbox's sequence counter, the pull cursor with the clock
offset learnt from the backend, and the one kind of reference data only sync brings (holidays).

The outbox rows themselves are :class:`kiosk.db.models.audit.OutboxMessage`; they are written by
:mod:`kiosk.outbox` in the transaction of the change they report.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kiosk.db.base import Base, UTCDateTime, utcnow


class OutboxCounter(Base):
    """The last outbox sequence number given out, per kiosk id.

    A row (not ``max(seq)``) so that two transactions on PostgreSQL cannot take the same number:
    the UPDATE locks the row until commit, so numbers are also committed in order."""

    __tablename__ = "outbox_counters"

    kiosk_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    last_seq: Mapped[int] = mapped_column(Integer, default=0)


class SyncState(Base):
    """One row per kiosk id: the reference-data cursor (saved in the transaction that applied the
    changes up to it), the clock offset learnt from the backend, and what the last run did."""

    __tablename__ = "sync_state"

    kiosk_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    #: the backend's change number of the newest reference change applied here
    cursor: Mapped[int] = mapped_column(Integer, default=0)
    #: whole seconds to add to the kiosk's clock to get the backend's (from its Date header);
    #: whole, as request timestamps are
    clock_offset: Mapped[int] = mapped_column(Integer, default=0)
    last_push_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_pull_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    #: the last failure, for the technician's status screen; empty after a good run
    last_error: Mapped[str] = mapped_column(String(255), default="")


class Holiday(Base):
    """A public holiday of the site (no disconnection for lack of credit), pulled from the
    backend; the backend's id keeps updates and deletions exact."""

    __tablename__ = "holidays"
    __table_args__ = (UniqueConstraint("site_id", "day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    day: Mapped[dt.date] = mapped_column(Date)
    name: Mapped[str] = mapped_column(String(100), default="")
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
