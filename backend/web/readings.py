"""Meter readings as the card meters wrote them back on their cards (``meter_states``): the latest
one of each meter, the consumption between two readings, and how energy and water are shown.

A card meter is read only when its card is tapped at a kiosk, so readings are days apart:
consumption is always "between two readings", never a guess at a day's share. The same state
record read at two kiosks arrives twice; it is one reading (same meter record counter). A reading
lower than the one before (a meter replaced) counts as no consumption, not a negative one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.db.models import MeterStateRecord

#: Wh shown as kWh to this many places, rounded half up (the one rounding of energy on display)
KWH_PLACES = Decimal("0.01")


def format_energy(value: int | None, utility: str) -> str:
    """Wh as kWh for electricity, litres for water."""
    if value is None:
        return "—"
    if utility == "water":
        return f"{value:,} L"
    kwh = (Decimal(value) / 1000).quantize(KWH_PLACES, rounding=ROUND_HALF_UP)
    return f"{kwh:,} kWh"


@dataclass(frozen=True)
class Interval:
    """Consumption between two readings of one meter."""

    start: dt.datetime
    end: dt.datetime
    used: int  # Wh or litres


def _ranked(
    session: Session, meter_ids: Collection[int], newest: bool, *conditions: object
) -> dict[int, MeterStateRecord]:
    """The newest (or oldest) state of each meter among those matching ``conditions``."""
    if not meter_ids:
        return {}
    order = (
        (MeterStateRecord.at.desc(), MeterStateRecord.id.desc())
        if newest
        else (MeterStateRecord.at.asc(), MeterStateRecord.id.asc())
    )
    rank = func.row_number().over(partition_by=MeterStateRecord.meter_id, order_by=order)
    inner = (
        select(MeterStateRecord.id, rank.label("n"))
        .where(MeterStateRecord.meter_id.in_(meter_ids), *conditions)  # type: ignore[arg-type]
        .subquery()
    )
    rows = session.scalars(
        select(MeterStateRecord)
        .join(inner, inner.c.id == MeterStateRecord.id)
        .where(inner.c.n == 1)
    )
    return {row.meter_id: row for row in rows}


def latest(session: Session, meter_ids: Collection[int]) -> dict[int, MeterStateRecord]:
    """The newest reading of each meter (by the meter's own time)."""
    return _ranked(session, meter_ids, True)


def consumption_since(
    session: Session, meter_ids: Collection[int], since: dt.datetime
) -> dict[int, int]:
    """What each meter used from ``since`` to its newest reading: from the last reading at or
    before ``since`` (or, for a meter first read later, its first reading)."""
    newest = latest(session, meter_ids)
    before = _ranked(session, meter_ids, True, MeterStateRecord.at <= since)
    missing = [m for m in newest if m not in before]
    first = _ranked(session, missing, False, MeterStateRecord.at > since)
    used: dict[int, int] = {}
    for meter_id, last in newest.items():
        base = before.get(meter_id) or first.get(meter_id)
        used[meter_id] = max(0, last.reading - base.reading) if base is not None else 0
    return used


def history(session: Session, meter_id: int, limit: int = 31) -> list[MeterStateRecord]:
    """The newest ``limit`` distinct readings of a meter, oldest first."""
    rows = session.scalars(
        select(MeterStateRecord)
        .where(MeterStateRecord.meter_id == meter_id)
        .order_by(MeterStateRecord.at.desc(), MeterStateRecord.id.desc())
        .limit(limit * 2)  # room for the same record read at two kiosks
    ).all()
    seen: set[int] = set()
    distinct: list[MeterStateRecord] = []
    for row in rows:
        if row.meter_counter not in seen:
            seen.add(row.meter_counter)
            distinct.append(row)
    return list(reversed(distinct[:limit]))


def intervals(states: Sequence[MeterStateRecord]) -> list[Interval]:
    """Consumption between each reading and the one before (``states`` oldest first)."""
    return [
        Interval(before.at, after.at, max(0, after.reading - before.reading))
        for before, after in zip(states, states[1:], strict=False)
    ]
