"""The purchase preview: what an amount buys, what units cost, and that no minor unit is lost."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.tariffs import (
    Block,
    DebtRecovery,
    FeeBasis,
    FlatRate,
    QuoteError,
    ServiceFee,
    Tariff,
    TieredRate,
    TimeOfUse,
    TouPeriod,
    Utility,
    quote,
    quote_for_units,
)
from kiosk.tariffs.model import Rate

SHANGHAI = "Asia/Shanghai"
# Wednesday 2025-03-05 12:00 in Shanghai (UTC+8)
WEDNESDAY_NOON = dt.datetime(2025, 3, 5, 4, 0, tzinfo=dt.UTC)
WEEKDAYS = frozenset(range(5))


def local(*args: int) -> dt.datetime:
    """A Shanghai wall-clock time as an aware UTC instant."""
    from zoneinfo import ZoneInfo

    return dt.datetime(*args, tzinfo=ZoneInfo(SHANGHAI)).astimezone(dt.UTC)


def tariff(
    rate: Rate | None,
    *,
    fees: Sequence[ServiceFee] = (),
    debt: DebtRecovery | None = None,
    utility: Utility = Utility.ELECTRICITY,
) -> Tariff:
    return Tariff("T", 1, "test", utility, 156, SHANGHAI, rate, tuple(fees), debt)


FLAT = tariff(FlatRate(Decimal("86")))
TIERS = TieredRate(
    (
        Block(200_000, Decimal("48.83")),
        Block(400_000, Decimal("53.83")),
        Block(None, Decimal("78.83")),
    )
)
TOU = TimeOfUse(
    (
        TouPeriod("peak", dt.time(8), dt.time(22), Decimal("120"), WEEKDAYS),
        TouPeriod("valley", dt.time(22), dt.time(8), Decimal("40")),
    ),
    other_price=Decimal("80"),
    other_name="weekend",
)


def test_flat_rate_100_buys_floored_kwh_and_says_so() -> None:
    q = quote(FLAT, 10_000, at=WEDNESDAY_NOON)
    # 100.00 CNY at 0.86 CNY/kWh = 116.279… kWh; whole Wh floored, display floored to 0.1 kWh
    assert q.units == 116_279
    assert q.text == "100.00 CNY buys 116.2 kWh"
    assert (q.fee, q.debt_recovered, q.net_credit) == (0, 0, 10_000)
    assert [(line.label, line.units, line.amount) for line in q.lines] == [
        ("flat rate", 116_279, 10_000)
    ]
    assert (q.tariff_code, q.tariff_version) == ("T", 1)


def test_water_is_shown_in_cubic_metres() -> None:
    water = tariff(FlatRate(Decimal("415")), utility=Utility.WATER)  # 4.15 CNY/m³
    assert quote(water, 10_000, at=WEDNESDAY_NOON).text == "100.00 CNY buys 24.0 m³"


def test_tiered_purchase_across_a_block_boundary() -> None:
    t = tariff(TIERS)
    # 150 kWh used this month: 50 kWh left in block 1 (24.415 CNY), the rest in block 2
    q = quote(t, 10_000, at=WEDNESDAY_NOON, used_this_month=150_000)
    block2_money = Fraction(10_000) - Fraction(50_000) * Fraction("48.83") / 1000
    block2_units = int(block2_money * 1000 / Fraction("53.83"))
    assert [(line.label, line.units) for line in q.lines] == [
        ("block 1 (0-200 kWh)", 50_000),
        ("block 2 (200-400 kWh)", block2_units),
    ]
    assert q.units == 50_000 + block2_units
    assert sum(line.amount for line in q.lines) == q.net_credit == 10_000
    # the same money bought entirely within block 1 buys more
    assert quote(t, 10_000, at=WEDNESDAY_NOON).units > q.units


def test_tiered_purchase_past_the_last_threshold_is_all_top_block() -> None:
    q = quote(tariff(TIERS), 7_883, at=WEDNESDAY_NOON, used_this_month=500_000)
    assert [(line.label, line.units) for line in q.lines] == [("block 3 (over 400 kWh)", 100_000)]


def test_time_of_use_at_a_period_edge() -> None:
    t = tariff(TOU)
    just_before = local(2025, 3, 5, 7, 59, 59)  # Wednesday, still the night's valley period
    at_edge = local(2025, 3, 5, 8, 0)
    assert quote(t, 12_000, at=just_before).lines[0].label == "valley"
    assert quote(t, 12_000, at=just_before).units == 300_000
    assert quote(t, 12_000, at=at_edge).lines[0].label == "peak"
    assert quote(t, 12_000, at=at_edge).units == 100_000
    assert quote(t, 12_000, at=local(2025, 3, 5, 21, 59)).lines[0].label == "peak"
    assert quote(t, 12_000, at=local(2025, 3, 5, 22, 0)).lines[0].label == "valley"


def test_time_of_use_across_midnight_and_at_the_weekend() -> None:
    t = tariff(TOU)
    # the valley period starting Friday 22:00 runs on past midnight into Saturday
    assert quote(t, 12_000, at=local(2025, 3, 8, 3, 0)).lines[0].label == "valley"
    assert quote(t, 12_000, at=local(2025, 3, 7, 23, 59)).lines[0].label == "valley"
    # Saturday daytime is in no period: the other price
    weekend = quote(t, 12_000, at=local(2025, 3, 8, 12, 0))
    assert (weekend.lines[0].label, weekend.units) == ("weekend", 150_000)
    # the instant is read in the tariff's zone, not UTC: 23:30 UTC Tuesday is 07:30 Wednesday
    assert quote(t, 12_000, at=dt.datetime(2025, 3, 4, 23, 30, tzinfo=dt.UTC)).lines[0].label == (
        "valley"
    )


def test_service_fee_comes_off_first() -> None:
    t = tariff(
        FlatRate(Decimal("100")), fees=[ServiceFee(200), ServiceFee(999, FeeBasis.PER_MONTH)]
    )
    q = quote(t, 10_000, at=WEDNESDAY_NOON)
    assert (q.fee, q.net_credit, q.units) == (200, 9_800, 98_000)  # the monthly fee is not taken
    with pytest.raises(QuoteError, match="amount_paid: must be more than the service fee of 2.00"):
        quote(t, 200, at=WEDNESDAY_NOON)


def test_debt_recovery_is_a_capped_share() -> None:
    t = tariff(FlatRate(Decimal("100")), fees=[ServiceFee(100)], debt=DebtRecovery(2_500, 1_000))
    small = quote(t, 2_000, at=WEDNESDAY_NOON, debt=50_000)
    assert small.debt_recovered == 500  # 25 % of 20.00
    big = quote(t, 10_000, at=WEDNESDAY_NOON, debt=50_000)
    assert big.debt_recovered == 1_000  # 25 % would be 25.00: capped at 10.00
    assert (big.fee, big.net_credit) == (100, 8_900)
    almost_paid = quote(t, 10_000, at=WEDNESDAY_NOON, debt=300)
    assert almost_paid.debt_recovered == 300  # never more than is owed
    assert quote(t, 10_000, at=WEDNESDAY_NOON).debt_recovered == 0  # no debt, nothing taken


def test_full_share_debt_recovery_can_take_all_but_the_fee() -> None:
    t = tariff(FlatRate(Decimal("100")), fees=[ServiceFee(100)], debt=DebtRecovery(10_000))
    q = quote(t, 5_000, at=WEDNESDAY_NOON, debt=1_000_000)
    assert (q.fee, q.debt_recovered, q.net_credit, q.units) == (100, 4_900, 0, 0)


def test_service_wallet_adds_money_not_units() -> None:
    wallet = tariff(None, fees=[ServiceFee(50)], utility=Utility.SERVICE)
    q = quote(wallet, 2_000, at=WEDNESDAY_NOON)
    assert (q.units, q.net_credit, q.lines) == (0, 1_950, ())
    assert q.text == "20.00 CNY adds 19.50 CNY of credit"
    assert quote_for_units(wallet, 1_950, at=WEDNESDAY_NOON).amount_paid == 2_000


def test_inverse_quote_rounds_up_and_gives_at_least_the_units() -> None:
    # 100 kWh at 0.8333 CNY/kWh = 83.33 CNY exactly; 1 kWh = 0.8333: rounds up to 0.84
    t = tariff(FlatRate(Decimal("83.33")))
    assert quote_for_units(t, 100_000, at=WEDNESDAY_NOON).amount_paid == 8_333
    one = quote_for_units(t, 1_000, at=WEDNESDAY_NOON)
    assert one.amount_paid == 84 and one.units >= 1_000
    assert quote(t, 83, at=WEDNESDAY_NOON).units < 1_000  # one minor unit less is not enough


def test_inverse_quote_includes_fee_and_debt_and_the_time_of_use_period() -> None:
    t = tariff(TOU, fees=[ServiceFee(200)], debt=DebtRecovery(2_000, 3_000))
    night = local(2025, 3, 5, 23, 0)
    q = quote_for_units(t, 100_000, at=night, debt=100_000)  # 100 kWh at 0.40 = 40.00
    assert q.units >= 100_000 and q.net_credit >= 4_000
    assert q.amount_paid == q.fee + q.debt_recovered + q.net_credit
    assert quote(t, q.amount_paid - 1, at=night, debt=100_000).units < 100_000


def test_bad_requests_name_the_parameter() -> None:
    with pytest.raises(QuoteError, match="amount_paid: must be a whole number"):
        quote(FLAT, -5, at=WEDNESDAY_NOON)
    with pytest.raises(QuoteError, match="at: must be an aware datetime"):
        quote(FLAT, 100, at=dt.datetime(2025, 3, 5, 12))
    with pytest.raises(QuoteError, match="units_wanted: must be more than zero"):
        quote_for_units(FLAT, 0, at=WEDNESDAY_NOON)
    with pytest.raises(QuoteError, match="debt"):
        quote(FLAT, 100, at=WEDNESDAY_NOON, debt=-1)


# --- properties -----------------------------------------------------------------------------


def reference_cost(t: Tariff, units: int, used: int, at: dt.datetime) -> Fraction:
    """Exact price of ``units`` Wh bought after ``used`` Wh, computed block by block, Wh by kWh,
    independently of the code under test."""
    rate = t.rate
    if isinstance(rate, TieredRate):
        total, lower = Fraction(0), 0
        for block in rate.blocks:
            upper = block.up_to if block.up_to is not None else used + units
            overlap = max(0, min(upper, used + units) - max(lower, used))
            total += Fraction(overlap) * Fraction(block.price) / 1000
            lower = upper
        return total
    if isinstance(rate, TimeOfUse):
        return Fraction(units) * Fraction(rate.price_at(at.astimezone(t.zone))[1]) / 1000
    assert isinstance(rate, FlatRate)
    return Fraction(units) * Fraction(rate.price) / 1000


prices = st.decimals(min_value=Decimal("0.0001"), max_value=Decimal("9999"), places=4)
rates = st.one_of(
    prices.map(FlatRate),
    st.just(TIERS),
    st.just(TOU),
    st.builds(
        lambda a, b, c, d: TieredRate((Block(a, c), Block(a + b, d), Block(None, c))),
        st.integers(1, 10**6),
        st.integers(1, 10**6),
        prices,
        prices,
    ),
)
tariffs = st.builds(
    lambda rate, fee, debt: tariff(rate, fees=fee, debt=debt),
    rates,
    st.lists(st.integers(1, 500).map(ServiceFee), max_size=2),
    st.none() | st.builds(DebtRecovery, st.integers(1, 10_000), st.none() | st.integers(1, 10**5)),
)
instants = st.datetimes(
    min_value=dt.datetime(2020, 1, 1), max_value=dt.datetime(2030, 1, 1), timezones=st.just(dt.UTC)
)


@given(tariffs, st.integers(1, 10**8), st.integers(0, 10**7), st.integers(0, 10**7), instants)
def test_money_adds_up_and_units_are_exactly_what_net_buys(
    t: Tariff, extra: int, used: int, debt: int, at: dt.datetime
) -> None:
    amount = t.topup_fee + extra
    q = quote(t, amount, at=at, used_this_month=used, debt=debt)
    assert q.fee + q.debt_recovered + q.net_credit == q.amount_paid == amount
    assert q.net_credit >= 0 and 0 <= q.debt_recovered <= debt
    # never more than the net credit buys, and not a whole Wh less (floored, not truncated early)
    assert reference_cost(t, q.units, used, at) <= q.net_credit
    assert reference_cost(t, q.units + 1, used, at) > q.net_credit
    assert sum(line.units for line in q.lines) == q.units
    assert sum(line.amount for line in q.lines) == q.net_credit
    assert all(line.amount >= 0 for line in q.lines)


@given(tariffs, st.integers(1, 10**7), st.integers(0, 10**7), st.integers(0, 10**6), instants)
def test_inverse_quote_is_the_smallest_amount_giving_the_units(
    t: Tariff, wanted: int, used: int, debt: int, at: dt.datetime
) -> None:
    q = quote_for_units(t, wanted, at=at, used_this_month=used, debt=debt)
    assert q.units >= wanted
    if q.amount_paid - 1 > t.topup_fee:
        less = quote(t, q.amount_paid - 1, at=at, used_this_month=used, debt=debt)
        assert less.units < wanted
