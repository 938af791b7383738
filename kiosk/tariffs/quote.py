"""The purchase preview: what an amount buys ("100.00 CNY buys 116.3 kWh"), and what units cost.

The order of deductions from an amount paid is fixed: first the per-top-up fees, then debt
recovery (a share of the amount paid, capped by the tariff and by the debt), and the rest is net
credit, converted to units at the rate in force: the current time-of-use period at ``at``, or the
monthly blocks from ``used_this_month`` on. Rounding follows :mod:`kiosk.tariffs.rounding`: units
floored, the inverse quote rounded up, so ``fee + debt_recovered + net_credit == amount_paid``
always, and the inverse quote always buys at least the units asked for.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from kiosk.money import format_amount
from kiosk.tariffs.model import (
    FlatRate,
    Tariff,
    TariffError,
    TieredRate,
    TimeOfUse,
    Utility,
)
from kiosk.tariffs.rounding import (
    apportion,
    exact_cost,
    format_units,
    minor_up,
    share_of,
    units_for,
)


class QuoteError(TariffError):
    """A quote was asked with values that cannot be quoted (an amount below the fee, …)."""

    code = "bad_quote"


@dataclass(frozen=True)
class QuoteLine:
    """One part of the units bought: a block of a tiered rate, a time-of-use period, a flat rate."""

    label: str
    units: int  # Wh / L
    price: Decimal  # minor units per kWh / m³
    amount: int  # minor units of the net credit spent on this line; the lines add up to it


@dataclass(frozen=True)
class Quote:
    tariff_code: str
    tariff_version: int
    utility: Utility
    currency: int
    amount_paid: int  # minor units
    fee: int
    debt_recovered: int
    net_credit: int  # amount_paid - fee - debt_recovered
    units: int  # Wh or L bought by net_credit, floored; 0 for a service tariff
    lines: tuple[QuoteLine, ...] = ()
    #: the tariff's content digest, recorded on the order beside code and version
    tariff_digest: str = ""

    @property
    def tariff_ref(self) -> str:
        return f"{self.tariff_code} v{self.tariff_version}"

    @property
    def text(self) -> str:
        """What the tenant reads before paying: ``100.00 CNY buys 116.3 kWh``."""
        paid = format_amount(self.amount_paid, self.currency)
        if self.utility is Utility.SERVICE:
            return f"{paid} adds {format_amount(self.net_credit, self.currency)} of credit"
        return f"{paid} buys {format_units(self.units)} {self.utility.display_unit}"


def quote(
    tariff: Tariff,
    amount_paid: int,
    *,
    at: dt.datetime,
    used_this_month: int = 0,
    debt: int = 0,
) -> Quote:
    """What ``amount_paid`` minor units buy now under ``tariff``.

    ``at`` (aware) picks the time-of-use period; ``used_this_month`` (Wh / L already counted
    against this month's blocks) places a tiered purchase; ``debt`` (minor units the tenant owes)
    bounds debt recovery.
    """
    _check_request(tariff, amount_paid, "amount_paid", at, used_this_month, debt)
    fee = tariff.topup_fee
    if amount_paid <= fee:
        raise QuoteError(
            "amount_paid",
            f"must be more than the service fee of {format_amount(fee, tariff.currency)}",
        )
    recovered = _debt_recovered(tariff, amount_paid, debt)
    net = amount_paid - fee - recovered
    units, parts = _buy(tariff, Fraction(net), at, used_this_month)
    amounts = apportion(net, [p.exact for p in parts]) if net and parts else [0] * len(parts)
    lines = tuple(
        QuoteLine(p.label, p.units, p.price, amount)
        for p, amount in zip(parts, amounts, strict=True)
    )
    return Quote(
        tariff_code=tariff.code,
        tariff_version=tariff.version,
        utility=tariff.utility,
        currency=tariff.currency,
        amount_paid=amount_paid,
        fee=fee,
        debt_recovered=recovered,
        net_credit=net,
        units=units,
        lines=lines,
        tariff_digest=tariff.digest(),
    )


def quote_for_units(
    tariff: Tariff,
    units_wanted: int,
    *,
    at: dt.datetime,
    used_this_month: int = 0,
    debt: int = 0,
) -> Quote:
    """The smallest top-up that buys at least ``units_wanted`` Wh / L (for a service tariff:
    minor units of credit), fees and debt recovery included; its :attr:`Quote.amount_paid` is
    what to ask for. The net credit needed is rounded up to a minor unit (rounding rule 2)."""
    _check_request(tariff, units_wanted, "units_wanted", at, used_this_month, debt)
    if tariff.utility is Utility.SERVICE:
        needed = units_wanted
    else:
        needed = minor_up(_cost_of_units(tariff, units_wanted, at, used_this_month))
    fee = tariff.topup_fee
    # net(A) = A - fee - recovered(A) never falls as A grows (recovered(A) grows by at most one
    # minor unit per minor unit of A, since a share is at most 100 %), so the smallest A with
    # net(A) >= needed lies between fee + needed (nothing recovered) and that plus the most that
    # can be recovered: find it by bisection.
    low = fee + max(needed, 1)
    high = low + _debt_recovered(tariff, 10**30, debt)
    while low < high:
        middle = (low + high) // 2
        if middle - fee - _debt_recovered(tariff, middle, debt) >= needed:
            high = middle
        else:
            low = middle + 1
    return quote(tariff, low, at=at, used_this_month=used_this_month, debt=debt)


@dataclass(frozen=True)
class _Part:
    label: str
    units: int
    price: Decimal
    exact: Fraction  # exact money spent on it


def _buy(tariff: Tariff, money: Fraction, at: dt.datetime, used: int) -> tuple[int, list[_Part]]:
    """Units bought with exact ``money``, and the parts; the parts' money adds up to ``money``
    (the last part also holds the fraction of a Wh's price that buys no whole Wh)."""
    rate = tariff.rate
    if rate is None:  # a service wallet: money is the credit
        return 0, []
    if isinstance(rate, TieredRate):
        parts = []
        position = used
        for i, block in enumerate(rate.blocks):
            if block.up_to is not None and position >= block.up_to:
                continue
            label = block_label(rate, i, tariff.utility)
            if block.up_to is not None:
                room = block.up_to - position
                full_cost = exact_cost(room, block.price)
                if money >= full_cost:
                    parts.append(_Part(label, room, block.price, full_cost))
                    money -= full_cost
                    position += room
                    if money == 0:
                        break
                    continue
            parts.append(_Part(label, units_for(money, block.price), block.price, money))
            break
        return sum(p.units for p in parts), parts
    label, price = _single_price(tariff, at)
    units = units_for(money, price)
    return units, [_Part(label, units, price, money)]


def _cost_of_units(tariff: Tariff, units: int, at: dt.datetime, used: int) -> Fraction:
    """Exact money for ``units`` more Wh / L, bought at ``at`` after ``used`` this month."""
    rate = tariff.rate
    if isinstance(rate, TieredRate):
        total = Fraction(0)
        position, left = used, units
        for block in rate.blocks:
            if block.up_to is not None and position >= block.up_to:
                continue
            take = left if block.up_to is None else min(left, block.up_to - position)
            total += exact_cost(take, block.price)
            position, left = position + take, left - take
            if left == 0:
                break
        return total
    _, price = _single_price(tariff, at)
    return exact_cost(units, price)


def _single_price(tariff: Tariff, at: dt.datetime) -> tuple[str, Decimal]:
    rate = tariff.rate
    if isinstance(rate, FlatRate):
        return "flat rate", rate.price
    if isinstance(rate, TimeOfUse):
        return rate.price_at(at.astimezone(tariff.zone))
    raise TypeError(f"no single price for {rate!r}")  # pragma: no cover


def block_label(rate: TieredRate, index: int, utility: Utility) -> str:
    """``block 1 (0-200 kWh)``, ``block 3 (over 400 kWh)``: what a receipt line says."""
    start = _thousands(rate.block_starts()[index])
    end = rate.blocks[index].up_to
    unit = utility.display_unit
    if end is None:
        return f"block {index + 1} (over {start} {unit})"
    return f"block {index + 1} ({start}-{_thousands(end)} {unit})"


def _thousands(units: int) -> str:
    # a threshold is shown exactly (150.5 kWh), unlike a quantity bought, which is floored
    return format(Decimal(units).scaleb(-3).normalize(), "f")


def _debt_recovered(tariff: Tariff, amount_paid: int, debt: int) -> int:
    rule = tariff.debt_recovery
    if rule is None or debt <= 0:
        return 0
    share = share_of(amount_paid, rule.share_bp)
    cap = share if rule.cap_per_topup is None else rule.cap_per_topup
    return max(0, min(debt, share, cap, amount_paid - tariff.topup_fee))


def _check_request(
    tariff: Tariff, amount: int, name: str, at: dt.datetime, used: int, debt: int
) -> None:
    for field, value in ((name, amount), ("used_this_month", used), ("debt", debt)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise QuoteError(field, f"must be a whole number, not negative, got {value!r}")
    if amount == 0:
        raise QuoteError(name, "must be more than zero")
    if at.tzinfo is None or at.utcoffset() is None:
        raise QuoteError("at", "must be an aware datetime (UTC), got a naive one")
