"""What the kiosk keeps about meters: per networked meter, the control loop's last reading with the
running charge and the log of every relay command it sent (with its reason and whether the meter
confirmed it); per meter card, the states its card meter wrote back, for the credit forecast."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, String, UniqueConstraint
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


class MeterSample(Base):
    """One state record a card meter wrote back onto a meter card, as the kiosk read it at a tap.

    The meter writes its state (reading, remaining credit, last purchase loaded, its time) each
    time the card is inserted; the kiosk keeps each one once (by the card's meter-record counter,
    which only goes up), so the days of credit left can be forecast from the card's history
    (:mod:`kiosk.session.forecast`). No foreign keys: the meter or the tenant may not be synced to
    this kiosk yet, and a sample is worth keeping all the same."""

    __tablename__ = "meter_samples"
    __table_args__ = (UniqueConstraint("card_uid", "meter_counter"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    card_uid: Mapped[str] = mapped_column(String(64))  # hex; first column of the unique index
    meter_id: Mapped[int] = mapped_column(Integer)
    #: the meter record's counter: the same record read at two taps is one sample
    meter_counter: Mapped[int] = mapped_column(Integer)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)  # the meter's clock when it wrote
    reading: Mapped[int] = mapped_column(BigInteger)  # the meter's register, Wh or L
    credit: Mapped[int] = mapped_column(BigInteger)  # minor units; negative in emergency credit
    #: the last purchase the meter had loaded, and its amount when the card still showed it
    loaded_seq: Mapped[int] = mapped_column(Integer)
    loaded_amount: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
