"""The rounding rules of every tariff calculation, stated once and used everywhere.

Units: money is an integer number of minor units; energy an integer number of Wh; water an integer
number of litres (DESIGN.md §3). A price is in *minor units per 1000 base units* -- per kWh or per
m³, the way a tariff sheet says it -- with at most :data:`PRICE_PLACES` decimal places (a real sheet
says 0.5283 CNY/kWh, which is 52.83 fen/kWh). All intermediate values are exact
:class:`fractions.Fraction` (a price ``Decimal`` converts to one exactly); nothing is a float, and
rounding happens only here, once per figure, at the end of a calculation.

The rules, and why:

1. **Units bought with money are floored** to a whole Wh / litre (:func:`units_for`). The kiosk
   never promises what was not paid for; the tenant loses less than one Wh's worth (well under a
   minor unit at any real price).
2. **Money asked for units wanted is rounded up** to a whole minor unit (:func:`minor_up`). The
   tenant who asks for 100 kWh always gets at least 100 kWh; by rule 1 the extra part of a minor
   unit can never buy more than one further Wh.
3. **Money charged for consumption is rounded half up** to the minor unit (:func:`minor_half_up`),
   the ordinary commercial rule a tenant can check with a calculator. To keep the error from
   growing with the number of charges, a caller that charges often rounds the *cumulative* exact
   cost and charges the difference (:func:`charge_increment`): the total charged is then never
   more than half a minor unit away from the exact cost.
4. **Shares (debt recovery) are floored** (:func:`share_of`): a share of a top-up is taken only as
   whole minor units actually covered by the share; the rest of the debt stays, so flooring moves
   no money, it only defers it.
5. **Quantities shown to people are floored** to the places shown (:func:`format_units`):
   "116.3 kWh" for 116 349 Wh. Rounding the display up would show more than was bought.
6. **A whole split into parts uses the largest remainder** (:func:`apportion`): the per-block
   amounts of a quote add up to its net credit, and Wh spread over time periods add up to the
   reading, to the last unit -- nothing is created or lost by splitting.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction

#: a price has at most this many decimal places of a minor unit per 1000 base units
PRICE_PLACES = 4
#: prices are per this many base units: per kWh (1000 Wh) and per m³ (1000 L)
UNITS_PER_PRICE = 1000
#: basis points in a whole (100 % = 10 000 bp)
BASIS_POINTS = 10_000
#: decimal places shown for kWh / m³ to people ("116.3 kWh")
DISPLAY_PLACES = 1


def exact_cost(units: int, price: Decimal) -> Fraction:
    """Exact cost in minor units of ``units`` Wh/L at ``price`` minor units per 1000 Wh/L."""
    return Fraction(units) * Fraction(price) / UNITS_PER_PRICE


def units_for(money: Fraction | int, price: Decimal) -> int:
    """Rule 1: the whole Wh/L that ``money`` (minor units, exact) buys at ``price``; floored."""
    if price <= 0:
        raise ValueError("a price must be more than zero")
    return _floor(Fraction(money) * UNITS_PER_PRICE / Fraction(price))


def minor_up(exact: Fraction) -> int:
    """Rule 2: money to ask for, rounded up to a whole minor unit."""
    return -_floor(-exact)


def minor_half_up(exact: Fraction) -> int:
    """Rule 3: money charged for consumption, rounded half up (half away from zero) to a minor
    unit. Negative values (a correction) round symmetrically: a charge and its reversal cancel."""
    sign = -1 if exact < 0 else 1
    return sign * _floor(abs(exact) + Fraction(1, 2))


def charge_increment(cumulative_exact: Fraction, already_charged: int) -> int:
    """Rule 3 for a running charge: what to charge now so that everything charged so far is the
    cumulative exact cost rounded half up -- rounding errors never add up over many readings."""
    return minor_half_up(cumulative_exact) - already_charged


def share_of(amount: int, basis_points: int) -> int:
    """Rule 4: ``basis_points`` of ``amount`` minor units, floored."""
    return amount * basis_points // BASIS_POINTS


def format_units(units: int, places: int = DISPLAY_PLACES) -> str:
    """Rule 5: base units (Wh, L) shown as thousands (kWh, m³) floored to ``places`` decimals."""
    step = UNITS_PER_PRICE // 10**places
    shown = units // step if units >= 0 else -((-units) // step)
    sign = "-" if shown < 0 else ""
    whole, frac = divmod(abs(shown), 10**places)
    return f"{sign}{whole:,}" + (f".{frac:0{places}d}" if places else "")


def apportion(total: int, weights: Sequence[Fraction | int]) -> list[int]:
    """Rule 6: split ``total`` in proportion to ``weights`` (not negative, not all zero) into
    integers that add up to ``total``: floor each share, then give the units left over to the
    largest remainders (the earliest first on a tie, so the split is deterministic)."""
    whole = sum((Fraction(w) for w in weights), Fraction(0))
    if whole <= 0 or any(w < 0 for w in weights):
        raise ValueError("weights must be non-negative and not all zero")
    shares = [Fraction(total) * Fraction(w) / whole for w in weights]
    parts = [_floor(s) for s in shares]
    left = total - sum(parts)
    by_remainder = sorted(range(len(shares)), key=lambda i: (-(shares[i] - parts[i]), i))
    for i in by_remainder[:left]:
        parts[i] += 1
    return parts


def _floor(value: Fraction) -> int:
    # Fraction's floor division is exact integer arithmetic (never through float)
    return value.numerator // value.denominator
