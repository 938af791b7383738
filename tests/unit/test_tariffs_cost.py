"""The consumption side: what metered use between two readings costs, and the rounding rules."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.tariffs import (
    Block,
    FeeBasis,
    FlatRate,
    ServiceFee,
    Tariff,
    TariffError,
    TieredRate,
    TimeOfUse,
    TouPeriod,
    Utility,
    consumption_cost,
    standing_charge,
)
from kiosk.tariffs.model import Rate
from kiosk.tariffs.rounding import (
    apportion,
    charge_increment,
    format_units,
    minor_half_up,
    minor_up,
    units_for,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(*args: int, zone: ZoneInfo = SHANGHAI) -> dt.datetime:
    return dt.datetime(*args, tzinfo=zone).astimezone(dt.UTC)


def tariff(rate: Rate, zone: str = "Asia/Shanghai", fees: Sequence[ServiceFee] = ()) -> Tariff:
    return Tariff("T", 1, "test", Utility.ELECTRICITY, 156, zone, rate, tuple(fees))


TOU = TimeOfUse(
    (
        TouPeriod("peak", dt.time(8), dt.time(22), Decimal("120")),
        TouPeriod("valley", dt.time(22), dt.time(8), Decimal("40")),
    ),
    other_price=Decimal("80"),
)


def test_flat_consumption_rounds_half_up() -> None:
    t = tariff(FlatRate(Decimal("86")))
    cost = consumption_cost(t, 1_500, at(2025, 3, 5, 10), at(2025, 3, 5, 11))
    assert cost.exact == Fraction(129, 1)  # 1.5 kWh x 86 fen
    half = consumption_cost(t, 5_750, at(2025, 3, 5, 10), at(2025, 3, 5, 11))  # 494.5 fen
    assert (half.exact, half.minor) == (Fraction(989, 2), 495)
    assert half.used_this_month_after == 5_750  # the month's count goes on under any rate


def test_time_of_use_consumption_across_midnight_is_split_by_time() -> None:
    t = tariff(TOU)
    # 21:00-23:00: one hour of peak, one of valley; 2 kWh used evenly
    cost = consumption_cost(t, 2_000, at(2025, 3, 5, 21), at(2025, 3, 5, 23))
    assert [(line.label, line.units) for line in cost.lines] == [("peak", 1_000), ("valley", 1_000)]
    assert cost.minor == 120 + 40
    # 20:00 to 10:00 next day crosses midnight: 2 h peak, 10 h valley (22-08), 2 h peak
    night = consumption_cost(t, 14_000, at(2025, 3, 5, 20), at(2025, 3, 6, 10))
    assert [(line.label, line.units) for line in night.lines] == [
        ("peak", 2_000),
        ("valley", 10_000),
        ("peak", 2_000),
    ]
    assert night.lines[1].start == at(2025, 3, 5, 22) and night.lines[1].end == at(2025, 3, 6, 8)


def test_period_edges_stay_at_wall_clock_time_across_daylight_saving() -> None:
    london = ZoneInfo("Europe/London")
    t = tariff(
        TimeOfUse((TouPeriod("night", dt.time(0), dt.time(7), Decimal("10")),), Decimal("30")),
        zone="Europe/London",
    )
    # 2025-03-30: clocks go from 01:00 GMT to 02:00 BST. Night ends at 07:00 BST = 06:00 UTC.
    cost = consumption_cost(
        t, 8_000, at(2025, 3, 29, 23, zone=london), at(2025, 3, 30, 8, zone=london)
    )
    assert [line.label for line in cost.lines] == ["standard", "night", "standard"]
    assert cost.lines[1].start == dt.datetime(2025, 3, 30, 0, tzinfo=dt.UTC)
    assert cost.lines[1].end == dt.datetime(2025, 3, 30, 6, tzinfo=dt.UTC)
    assert [line.units for line in cost.lines] == [1_000, 6_000, 1_000]  # 8 real hours, evenly


def test_tiered_consumption_crosses_a_block_and_restarts_at_the_month() -> None:
    t = tariff(TieredRate((Block(200_000, Decimal("50")), Block(None, Decimal("80")))))
    within = consumption_cost(t, 10_000, at(2025, 3, 10), at(2025, 3, 11), used_this_month=195_000)
    assert [(line.units, line.price) for line in within.lines] == [
        (5_000, Decimal("50")),
        (5_000, Decimal("80")),
    ]
    assert within.minor == 250 + 400
    assert within.used_this_month_after == 205_000
    # 30 Apr 12:00 to 1 May 12:00 local: half the use in April (top block), half in May (block 1)
    month_end = consumption_cost(
        t, 10_000, at(2025, 4, 30, 12), at(2025, 5, 1, 12), used_this_month=300_000
    )
    assert [(line.units, line.price) for line in month_end.lines] == [
        (5_000, Decimal("80")),
        (5_000, Decimal("50")),
    ]
    assert month_end.used_this_month_after == 5_000
    up_to_midnight = consumption_cost(t, 1_000, at(2025, 4, 30, 12), at(2025, 5, 1))
    assert up_to_midnight.used_this_month_after == 0  # May begins exactly at the end


def test_standing_charge_once_per_month_over_consecutive_intervals() -> None:
    t = tariff(FlatRate(Decimal("86")), fees=[ServiceFee(1_000, FeeBasis.PER_MONTH, "Meter rent")])
    hours = [at(2025, 1, 31, 22) + dt.timedelta(hours=h) for h in range(0, 24 * 50, 7)]  # to 22 Mar
    total = sum(standing_charge(t, a, b) for a, b in zip(hours, hours[1:], strict=False))
    assert total == 2 * 1_000  # Feb 1st and Mar 1st local midnight fall inside
    assert standing_charge(t, at(2025, 2, 1), at(2025, 2, 2)) == 1_000  # due at the very start
    assert standing_charge(t, at(2025, 1, 2), at(2025, 2, 1)) == 0  # ... not at the very end


def test_bad_consumption_requests() -> None:
    t = tariff(FlatRate(Decimal("86")))
    with pytest.raises(TariffError, match="end: is before start"):
        consumption_cost(t, 1, at(2025, 3, 5, 11), at(2025, 3, 5, 10))
    with pytest.raises(TariffError, match="start: must be an aware datetime"):
        consumption_cost(t, 1, dt.datetime(2025, 3, 5), at(2025, 3, 5, 10))
    with pytest.raises(TariffError, match="units"):
        consumption_cost(t, -1, at(2025, 3, 5, 10), at(2025, 3, 5, 11))


@given(
    st.integers(0, 10**7),
    st.integers(0, 10**6),
    st.integers(0, 60 * 24 * 40),
    st.datetimes(
        min_value=dt.datetime(2024, 1, 1),
        max_value=dt.datetime(2026, 1, 1),
        timezones=st.just(dt.UTC),
    ),
)
def test_every_wh_is_priced_once(units: int, used: int, minutes: int, start: dt.datetime) -> None:
    for rate in (TOU, TieredRate((Block(100_000, Decimal("50")), Block(None, Decimal("80"))))):
        cost = consumption_cost(
            tariff(rate), units, start, start + dt.timedelta(minutes=minutes), used_this_month=used
        )
        assert sum(line.units for line in cost.lines) == units
        assert cost.exact == sum((line.exact for line in cost.lines), Fraction(0))


# --- the rounding rules ---------------------------------------------------------------------


def test_rounding_rules() -> None:
    assert units_for(100, Decimal("86")) == 1_162  # 1.1627… kWh floored to Wh
    assert minor_up(Fraction(1, 10**7)) == 1 and minor_up(Fraction(5)) == 5
    assert [minor_half_up(Fraction(n, 2)) for n in (1, 3, -1, -3)] == [1, 2, -1, -2]
    assert format_units(116_279) == "116.2" and format_units(999) == "0.9"
    assert format_units(1_234_567_890) == "1,234,567.8"
    assert apportion(10, [1, 1, 1]) == [4, 3, 3]
    assert apportion(0, [5, 0]) == [0, 0]


def test_charging_the_cumulative_cost_never_drifts() -> None:
    # 300 readings of 0.4 fen each: rounding each alone would charge 0; cumulatively 120 fen
    charged, exact = 0, Fraction(0)
    for _ in range(300):
        exact += Fraction(2, 5)
        charged += charge_increment(exact, charged)
    assert charged == 120
