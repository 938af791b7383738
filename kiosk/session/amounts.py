"""Choosing an amount: presets, the keypad, the limits, and the preview of what an amount buys.

The keypad sends its text as typed; :func:`parse_entry` accepts digits with at most one decimal
separator ("." or ",") and no more decimals than the currency has, and refuses anything else with a
sentence instead of guessing (10.005 is not 10.00). The limits are the top-up service's
(:class:`kiosk.topup.limits.Limits`: smallest, largest, per card per day), checked here first so
the tenant reads which one and by how much -- the service checks them again when the order is made.
The preview is the service's own quote (fee, debt recovered, kWh or litres) for meter cards, and
plain credit for wallets.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from kiosk import tariff_store
from kiosk.db.models import ItemKind, Meter
from kiosk.money import exponent, format_amount
from kiosk.session.formatting import units_text
from kiosk.session.messages import say
from kiosk.session.views import AmountChoice, Message, Preview
from kiosk.tariffs import Tariff, Utility
from kiosk.tariffs.quote import Quote
from kiosk.topup.model import Item, Tap, TopUpError
from kiosk.topup.service import TopUpService

#: at most this many digits in all: a card holds a value up to 2^31-1 minor units (10 digits), and
#: no top-up comes near it
MAX_DIGITS = 9
_ENTRY = re.compile(r"(?P<whole>[0-9]*)(?:[.,](?P<frac>[0-9]*))?")


class AmountRefused(Exception):
    """An entry or an amount the tenant cannot use; ``message`` says why."""

    def __init__(self, message: Message) -> None:
        super().__init__(message.text)
        self.message = message


def currency_code(currency: int) -> str:
    return format_amount(0, currency).split(" ")[-1]


def parse_entry(text: str, currency: int) -> int | None:
    """Keypad text -> minor units; None while nothing but a separator is typed. Raises
    :class:`AmountRefused` for anything that is not an amount of ``currency``."""
    digits = exponent(currency)
    match = _ENTRY.fullmatch(text)
    if match is None:
        raise AmountRefused(say("entry_invalid"))
    whole, frac = match["whole"], match["frac"]
    if frac is not None and digits == 0:
        raise AmountRefused(say("entry_no_decimals", currency=currency_code(currency)))
    frac = frac or ""
    if len(frac) > digits:
        raise AmountRefused(
            say("entry_too_many_decimals", currency=currency_code(currency), digits=digits)
        )
    if len(whole.lstrip("0")) + digits > MAX_DIGITS:
        raise AmountRefused(say("entry_too_long"))
    if not whole and not frac:
        return None
    return int(whole or "0") * 10**digits + int(frac.ljust(digits, "0") or "0")


@dataclass(frozen=True)
class Allowance:
    """What this card may be topped up by now: the service's limits less today's top-ups."""

    min_amount: int
    max_amount: int
    per_day: int
    left_today: int
    currency: int

    @property
    def largest(self) -> int:
        return min(self.max_amount, self.left_today)

    @property
    def message(self) -> Message:
        fmt = self._fmt
        if self.left_today < self.max_amount:
            return say("limits_today", min=fmt(self.min_amount), max=fmt(self.largest))
        return say("limits", min=fmt(self.min_amount), max=fmt(self.max_amount))

    def refusal(self, amount: int) -> Message | None:
        """Why ``amount`` is outside the limits, or None."""
        fmt = self._fmt
        if amount <= 0:
            return say("amount_zero")
        if amount < self.min_amount:
            return say("limit_too_small", min=fmt(self.min_amount))
        if amount > self.max_amount:
            return say("limit_too_big", max=fmt(self.max_amount))
        if amount > self.left_today:
            return say("limit_daily", limit=fmt(self.per_day), left=fmt(self.left_today))
        return None

    def _fmt(self, minor: int) -> str:
        return format_amount(minor, self.currency)


def allowance(topup: TopUpService, tap: Tap) -> Allowance:
    limits = topup.limits
    # the service's own count of today's top-ups, so the two checks can never disagree
    spent = topup.spent_today(tap.uid)
    return Allowance(
        min_amount=limits.min_amount,
        max_amount=limits.max_amount,
        per_day=limits.max_per_day,
        left_today=max(0, limits.max_per_day - spent),
        currency=tap.purse.state.header.currency,
    )


def meter_tariff(session: Session, meter_id: int, at: dt.datetime) -> Tariff | None:
    """The tariff in force for a card meter, when the kiosk knows the meter and its tariff."""
    meter = session.get(Meter, meter_id)
    if meter is None:
        return None
    return tariff_store.in_force(session, meter.tariff_code, at)


@dataclass(frozen=True)
class Priced:
    """An amount ready to be ordered: what it buys, and the order items."""

    preview: Preview
    items: list[Item]
    quote: Quote | None


def price(topup: TopUpService, tap: Tap, amount: int, allowed: Allowance) -> Priced:
    """The preview and order items for ``amount`` on the tapped card, or :class:`AmountRefused`."""
    refused = allowed.refusal(amount)
    if refused is not None:
        raise AmountRefused(refused)
    currency = allowed.currency
    try:
        items, quote = topup.items_for(tap, amount)
    except TopUpError:
        # an amount the tariff cannot sell: it does not even cover the service fee
        raise AmountRefused(_below_fee(topup, tap, currency)) from None
    return Priced(_preview(amount, items, quote, currency), items, quote)


def _below_fee(topup: TopUpService, tap: Tap, currency: int) -> Message:
    with topup.db.session() as s:
        tariff = meter_tariff(s, tap.purse.state.header.meter_id, topup.clock())
    if tariff is None or not tariff.topup_fee:
        return say("amount_refused")
    return say("amount_below_fee", fee=format_amount(tariff.topup_fee, currency))


def _preview(amount: int, items: Sequence[Item], quote: Quote | None, currency: int) -> Preview:
    def fmt(minor: int) -> str:
        return format_amount(minor, currency)

    credit = sum(i.amount for i in items if i.kind is ItemKind.CARD_CREDIT)
    fee = quote.fee if quote else 0
    debt = quote.debt_recovered if quote else 0
    units = units_str = None
    if quote is not None and quote.utility is not Utility.SERVICE:
        units, units_str = quote.units, units_text(quote.units, quote.utility)
        message = say("preview_units", amount=fmt(amount), units=units_str)
    else:
        message = say("preview_credit", credit=fmt(credit))
    return Preview(
        amount=amount,
        amount_text=fmt(amount),
        credit=credit,
        credit_text=fmt(credit),
        fee=fee,
        fee_text=fmt(fee),
        debt_recovered=debt,
        debt_text=fmt(debt),
        units=units,
        units_text=units_str,
        tariff_ref=quote.tariff_ref if quote else None,
        message=message,
    )


def choices(
    topup: TopUpService, tap: Tap, presets: Sequence[int], allowed: Allowance
) -> tuple[AmountChoice, ...]:
    """The preset buttons, each enabled only when it could be bought now."""
    out = []
    for amount in presets:
        try:
            price(topup, tap, amount, allowed)
            enabled = True
        except AmountRefused:
            enabled = False
        out.append(AmountChoice(amount, format_amount(amount, allowed.currency), enabled))
    return tuple(out)
