"""What a valid tariff value is, and the one error a bad one raises (naming its field)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from kiosk.tariffs.rounding import PRICE_PLACES


class TariffError(ValueError):
    """A tariff (or a request against one) is not valid; ``field`` names the part at fault."""

    code = "bad_tariff"

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}" if field else problem)
        self.field = field
        self.problem = problem

    def within(self, prefix: str) -> TariffError:
        """The same error with ``prefix`` put before the field path (``rate`` + ``price``)."""
        if not self.field:
            return TariffError(prefix, self.problem)
        separator = "" if self.field.startswith("[") else "."
        return TariffError(f"{prefix}{separator}{self.field}", self.problem)


def check_price(value: Decimal, where: str = "price") -> Decimal:
    """A price must be a positive Decimal with at most PRICE_PLACES places."""
    if not isinstance(value, Decimal) or not value.is_finite():
        raise TariffError(where, f"must be a decimal number, got {value!r}")
    if value <= 0:
        raise TariffError(where, f"must be more than zero, got {value}")
    try:
        exact = value == value.quantize(Decimal(1).scaleb(-PRICE_PLACES))
    except InvalidOperation:  # more digits than a Decimal context holds: no real price
        raise TariffError(where, f"is too large ({value})") from None
    if not exact:
        raise TariffError(where, f"has more than {PRICE_PLACES} decimal places ({value})")
    return value


def check_amount(value: int, where: str) -> None:
    """A whole, positive number of minor units (or of Wh / L, or of basis points)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TariffError(where, f"must be a whole number, got {value!r}")
    if value <= 0:
        raise TariffError(where, f"must be more than zero, got {value}")
