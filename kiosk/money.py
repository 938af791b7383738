"""Money at the edges: parsing what a person types and showing minor units, never with floats."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

#: ISO 4217 numeric code -> (alphabetic code, minor unit digits)
CURRENCIES: dict[int, tuple[str, int]] = {
    156: ("CNY", 2),
    344: ("HKD", 2),
    356: ("INR", 2),
    392: ("JPY", 0),
    702: ("SGD", 2),
    764: ("THB", 2),
    826: ("GBP", 2),
    840: ("USD", 2),
    978: ("EUR", 2),
    986: ("BRL", 2),
}


class AmountError(ValueError):
    """What a person typed is not an amount of this currency; the message says why."""


def exponent(currency: int) -> int:
    try:
        return CURRENCIES[currency][1]
    except KeyError:
        raise AmountError(f"Currency {currency} is not configured on this kiosk.") from None


def parse_amount(text: str, currency: int) -> int:
    """'50', '50.5', '50.00' -> minor units. More decimals than the currency has is an error, not
    a rounding: a person who typed 10.005 meant something we must not guess."""
    digits = exponent(currency)
    cleaned = text.strip().replace(",", "")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise AmountError(f"'{text}' is not an amount.") from None
    if not value.is_finite():
        raise AmountError(f"'{text}' is not an amount.")
    minor = value.scaleb(digits)
    if minor != minor.to_integral_value():
        raise AmountError(f"'{text}' has more than {digits} decimal places.")
    if minor <= 0:
        raise AmountError("The amount must be more than zero.")
    return int(minor)


def format_amount(minor: int, currency: int) -> str:
    code, digits = CURRENCIES.get(currency, (str(currency), 2))
    sign = "-" if minor < 0 else ""
    whole, frac = divmod(abs(minor), 10**digits)
    body = f"{whole:,}" + (f".{frac:0{digits}d}" if digits else "")
    return f"{sign}{body} {code}"
