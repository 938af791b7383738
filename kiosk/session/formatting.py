"""How the session writes numbers, times and cards for people: once, so every screen agrees."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cardlib.purse.header import Utility as CardUtility
from kiosk.money import exponent, format_amount
from kiosk.tariffs.model import Utility
from kiosk.tariffs.rounding import format_units

#: digits of the card serial shown: enough to tell one's own card, printed on it
SERIAL_VISIBLE_DIGITS = 4

__all__ = [
    "format_amount",
    "local_text",
    "mask_serial",
    "price_text",
    "site_zone",
    "units_text",
    "utility_of",
]


def mask_serial(serial: int) -> str:
    """``1001`` -> ``****1001``, ``123456`` -> ``****3456``: the end of the number on the card."""
    return "****" + str(serial)[-SERIAL_VISIBLE_DIGITS:]


def site_zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")  # a bad zone in the database must not stop the tenant's screen


def local_text(when: dt.datetime, zone: ZoneInfo) -> str:
    """``2026-11-24 14:05`` in the site's time zone."""
    return f"{when.astimezone(zone):%Y-%m-%d %H:%M}"


def utility_of(card_utility: CardUtility) -> Utility:
    """The tariff utility of a meter card's header utility (a water card counts litres)."""
    return Utility.WATER if card_utility is CardUtility.WATER else Utility.ELECTRICITY


def units_text(units: int, utility: Utility) -> str:
    """Wh or litres as people read them: ``109.3 kWh``, ``12.3 m³`` (floored, rounding rule 5)."""
    return f"{format_units(units)} {utility.display_unit}".strip()


def price_text(price: Decimal, currency: int, utility: Utility) -> str:
    """A tariff price (minor units per kWh / m³) as ``0.86 CNY/kWh``: at least the currency's
    decimals, and the tariff's extra places when it has them (``0.5283 CNY/kWh``)."""
    digits = exponent(currency)
    major = price.scaleb(-digits)
    shown = format(major.normalize(), "f")
    whole, _, frac = shown.partition(".")
    frac = frac.ljust(digits, "0")
    code = format_amount(0, currency).split(" ")[-1]
    number = f"{int(whole):,}" + (f".{frac}" if frac else "")
    return f"{number} {code}/{utility.display_unit}"
