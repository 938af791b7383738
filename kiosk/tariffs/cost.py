"""The consumption side: what N Wh (or litres) used between two readings cost under a tariff.

The meter control loop calls this for each reading interval. Consumption between two readings is
taken as even over the interval: it is split over the time-of-use periods and calendar months the
interval crosses in proportion to time (largest remainder, so no Wh is lost), each part priced at
its period's price or along the month's blocks, which start again at 0 on the 1st (local time).

The result is exact (:attr:`Cost.exact`); :attr:`Cost.minor` rounds it half up (rounding rule 3).
A loop that charges every few minutes should keep the month's exact total and charge
:func:`kiosk.tariffs.rounding.charge_increment` of it, so rounding never adds up. Per-month
service fees are a separate standing charge (:func:`standing_charge`), not part of a reading.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

from kiosk.tariffs.model import FlatRate, Tariff, TariffError, TieredRate, TimeOfUse
from kiosk.tariffs.quote import block_label
from kiosk.tariffs.rounding import apportion, exact_cost, minor_half_up

UTC = dt.UTC
ONE_MINUTE = dt.timedelta(minutes=1)


@dataclass(frozen=True)
class CostLine:
    label: str  # "flat rate", a time-of-use period, a block
    start: dt.datetime  # UTC; the part of the interval these units were used in
    end: dt.datetime
    units: int  # Wh / L
    price: Decimal  # minor units per kWh / m³
    exact: Fraction  # minor units, exact


@dataclass(frozen=True)
class Cost:
    units: int
    exact: Fraction  # minor units, exact: keep it to charge cumulatively
    lines: tuple[CostLine, ...]
    used_this_month_after: int  # the month's block position at ``end`` (0 again after the 1st)

    @property
    def minor(self) -> int:
        """The cost rounded half up to a minor unit."""
        return minor_half_up(self.exact)


def consumption_cost(
    tariff: Tariff,
    units: int,
    start: dt.datetime,
    end: dt.datetime,
    *,
    used_this_month: int = 0,
) -> Cost:
    """Cost of ``units`` Wh / L used from ``start`` to ``end`` (aware datetimes), with
    ``used_this_month`` Wh / L already used this month before ``start`` (for the blocks)."""
    if tariff.rate is None:
        raise TariffError("rate", f"{tariff.ref} is a service tariff: it prices no consumption")
    for name, count in (("units", units), ("used_this_month", used_this_month)):
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise TariffError(name, f"must be a whole number, not negative, got {count!r}")
    for name, value in (("start", start), ("end", end)):
        if value.tzinfo is None or value.utcoffset() is None:
            raise TariffError(name, "must be an aware datetime (UTC), got a naive one")
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    if end < start:
        raise TariffError("end", f"is before start ({end.isoformat()} < {start.isoformat()})")

    rate, zone = tariff.rate, tariff.zone
    cuts: set[dt.datetime] = set()
    month_starts = set(_month_starts(start, end, zone))
    if isinstance(rate, TieredRate):
        cuts |= month_starts
    if isinstance(rate, TimeOfUse):
        cuts |= set(_period_changes(rate, start, end, zone))
    edges = [start, *sorted(c for c in cuts if start < c < end), end]
    spans = list(zip(edges, edges[1:], strict=False)) or [(start, end)]
    weights = [_micros(b - a) for a, b in spans]
    if units and any(weights):
        shares = apportion(units, weights)
    else:  # no consumption, or an instant: nothing to spread
        shares = [units] + [0] * (len(spans) - 1)

    lines: list[CostLine] = []
    position = used_this_month
    for (a, b), used in zip(spans, shares, strict=True):
        if a in month_starts:
            position = 0
        if isinstance(rate, TieredRate):
            lines.extend(_tiered_lines(tariff, rate, a, b, used, position))
        elif isinstance(rate, TimeOfUse):
            label, price = rate.price_at(a.astimezone(zone))
            lines.append(CostLine(label, a, b, used, price, exact_cost(used, price)))
        elif isinstance(rate, FlatRate):
            lines.append(
                CostLine("flat rate", a, b, used, rate.price, exact_cost(used, rate.price))
            )
        position += used
    if end in month_starts:  # a month begins exactly at end: its blocks start empty
        position = 0
    return Cost(
        units=units,
        exact=sum((line.exact for line in lines), Fraction(0)),
        lines=tuple(line for line in lines if line.units),
        used_this_month_after=position,
    )


def standing_charge(tariff: Tariff, start: dt.datetime, end: dt.datetime) -> int:
    """Per-month fees falling due in [start, end): one for each local 1st-of-month 00:00 in it.
    Consecutive intervals of the control loop thus charge each month exactly once."""
    if not tariff.monthly_fee:
        return 0
    due = [m for m in _month_starts(start, end, tariff.zone, include_start=True) if m < end]
    return len(due) * tariff.monthly_fee


def month_start(at: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    """The UTC instant the local calendar month containing ``at`` began."""
    local = at.astimezone(zone)
    return dt.datetime(local.year, local.month, 1, tzinfo=zone).astimezone(UTC)


def _month_starts(
    start: dt.datetime, end: dt.datetime, zone: ZoneInfo, *, include_start: bool = False
) -> list[dt.datetime]:
    """Month starts m with start < m <= end (or start <= m, with include_start), in UTC."""
    found = []
    first = month_start(start, zone)
    if include_start and first == start.astimezone(UTC):
        found.append(first)
    local = first.astimezone(zone)
    year, month = local.year, local.month
    while True:
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        moment = dt.datetime(year, month, 1, tzinfo=zone).astimezone(UTC)
        if moment > end:
            return found
        found.append(moment)


def _period_changes(
    rate: TimeOfUse, start: dt.datetime, end: dt.datetime, zone: ZoneInfo
) -> list[dt.datetime]:
    """UTC instants in (start, end) where the time-of-use period changes."""
    changes = []
    current = start
    while current < end:
        local = current.astimezone(zone)
        wall = local.replace(tzinfo=None, second=0, microsecond=0)
        wall += dt.timedelta(minutes=rate.minutes_to_change(local))
        # back to an instant through the zone, so a period edge stays at its wall-clock time
        # across a daylight-saving change
        following = wall.replace(tzinfo=zone).astimezone(UTC)
        if following <= current:  # a wall time skipped by a DST change: step on
            following = current + ONE_MINUTE
        if following < end:
            changes.append(following)
        current = following
    return changes


def _tiered_lines(
    tariff: Tariff,
    rate: TieredRate,
    a: dt.datetime,
    b: dt.datetime,
    units: int,
    position: int,
) -> list[CostLine]:
    lines = []
    for i, block in enumerate(rate.blocks):
        if units == 0:
            break
        if block.up_to is not None and position >= block.up_to:
            continue
        take = units if block.up_to is None else min(units, block.up_to - position)
        label = block_label(rate, i, tariff.utility)
        lines.append(CostLine(label, a, b, take, block.price, exact_cost(take, block.price)))
        position += take
        units -= take
    return lines


def _micros(delta: dt.timedelta) -> int:
    return delta // dt.timedelta(microseconds=1)
