"""What the control loop keeps per networked meter: its last reading with the running charge, and
the log of every relay command it sent (with its reason and whether the meter confirmed it)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from kiosk.db.base import Base, UTCDateTime, utcnow


class MeterReadingRow(Base):
    """One row per networked meter: the reading consumption was last charged up to.

    The charge is kept exact and cumulative (``cost_exact``, a fraction of a minor unit, and
    ``charged``, the whole minor units posted), so that many small readings never round to zero
    (rounding rule 3, :func:`kiosk.tariffs.rounding.charge_increment`)."""

    __tablename__ = "meter_readings"

    meter_id: Mapped[int] = mapped_column(
        ForeignKey("meters.id"), primary_key=True, autoincrement=False
    )
    energy_wh: Mapped[int] = mapped_column(BigInteger)  # the meter's total register (Wh / L)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    #: everything this meter's consumption cost since the first reading, exact ("num/den")
    cost_exact: Mapped[str] = mapped_column(String(64), default="0")
    #: minor units posted to the ledger for it; |cost_exact - charged| <= 1/2
    charged: Mapped[int] = mapped_column(BigInteger, default=0)
    #: Wh / L used this month before ``at`` (tiered rates' block position)
    month_used: Mapped[int] = mapped_column(BigInteger, default=0)
    #: the last alarm level notified (meters.policy.Alarm), so each change is notified once
    alarm: Mapped[int] = mapped_column(Integer, default=0)
    #: disconnected for lack of credit: reconnected only at the policy's reconnect threshold
    cut: Mapped[bool] = mapped_column(Boolean, default=False)


class RelayCommand(Base):
    """Every relay command, written before it is sent and updated with the meter's answer."""

    __tablename__ = "relay_commands"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meter_id: Mapped[int] = mapped_column(ForeignKey("meters.id"), index=True)
    closed: Mapped[bool] = mapped_column(Boolean)  # True: supply on
    reason: Mapped[str] = mapped_column(String(255))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    confirmed: Mapped[bool] = mapped_column(Boolean, default=False)
    error: Mapped[str] = mapped_column(String(255), default="")
