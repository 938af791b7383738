"""Time of use: prices by local time of day and weekday.

A week is 10 080 minutes; each period claims its minutes, so overlaps are found when a tariff is
built (with the weekday and time where two periods meet), and the price at any wall-clock time is
one look-up. Times are whole minutes of the tariff's local time: the caller converts an instant
to the tariff's zone before asking.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property

from kiosk.tariffs.checks import TariffError, check_price

MINUTES_PER_DAY = 24 * 60
MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # index = datetime.weekday()
ALL_WEEKDAYS = frozenset(range(7))


@dataclass(frozen=True)
class TouPeriod:
    """A named price for part of the day on some weekdays, local time.

    The period runs from ``start`` up to (not including) ``end``; when ``end`` is not after
    ``start`` it runs on past midnight (22:00-06:00; 00:00-00:00 is the whole day). ``weekdays``
    are those on which the period *starts* (0 = Monday): Friday's 22:00-06:00 covers Saturday
    00:00-06:00 too.
    """

    name: str
    start: dt.time
    end: dt.time
    price: Decimal
    weekdays: frozenset[int] = ALL_WEEKDAYS

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise TariffError("name", "must not be empty")
        for label, value in (("start", self.start), ("end", self.end)):
            if value.second or value.microsecond or value.tzinfo is not None:
                raise TariffError(label, f"must be a whole minute of local time, got {value}")
        if not self.weekdays or not self.weekdays <= ALL_WEEKDAYS:
            raise TariffError("weekdays", f"must be some of 0..6 (Monday = 0), got {self.weekdays}")
        check_price(self.price)

    def week_minutes(self) -> list[int]:
        """Every minute of the week (0 = Monday 00:00) this period covers."""
        start = self.start.hour * 60 + self.start.minute
        end = self.end.hour * 60 + self.end.minute
        length = end - start if end > start else end - start + MINUTES_PER_DAY
        return [
            (day * MINUTES_PER_DAY + start + m) % MINUTES_PER_WEEK
            for day in sorted(self.weekdays)
            for m in range(length)
        ]


@dataclass(frozen=True)
class TimeOfUse:
    """Prices by local time of day and weekday; ``other_price`` outside every period."""

    periods: tuple[TouPeriod, ...]
    other_price: Decimal
    other_name: str = "standard"

    def __post_init__(self) -> None:
        check_price(self.other_price, "other_price")
        if not self.periods:
            raise TariffError("periods", "needs at least one period (else use a flat rate)")
        _ = self.week_map  # overlaps are found here, at construction

    @cached_property
    def week_map(self) -> tuple[int, ...]:
        """For each minute of the week, the index of its period, or -1 for ``other_price``."""
        owner = [-1] * MINUTES_PER_WEEK
        for i, period in enumerate(self.periods):
            for minute in period.week_minutes():
                if owner[minute] != -1:
                    other = self.periods[owner[minute]].name
                    day, rest = divmod(minute, MINUTES_PER_DAY)
                    raise TariffError(
                        f"periods[{i}]",
                        f"'{period.name}' overlaps '{other}' on {WEEKDAYS[day]} at "
                        f"{rest // 60:02d}:{rest % 60:02d}",
                    )
                owner[minute] = i
        return tuple(owner)

    def price_at(self, local: dt.datetime) -> tuple[str, Decimal]:
        """The (period name, price) in force at a local wall-clock time."""
        index = self.week_map[week_minute(local)]
        if index < 0:
            return self.other_name, self.other_price
        period = self.periods[index]
        return period.name, period.price

    def minutes_to_change(self, local: dt.datetime) -> int:
        """Whole minutes from the start of ``local``'s minute to the next change of price period
        (at most one week when the map never changes)."""
        start = week_minute(local)
        current = self.week_map[start]
        for step in range(1, MINUTES_PER_WEEK + 1):
            if self.week_map[(start + step) % MINUTES_PER_WEEK] != current:
                return step
        return MINUTES_PER_WEEK


def week_minute(local: dt.datetime) -> int:
    """Minutes since Monday 00:00 of a local wall-clock time."""
    return local.weekday() * MINUTES_PER_DAY + local.hour * 60 + local.minute
