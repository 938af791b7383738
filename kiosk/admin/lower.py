"""The errors of the layers below admin mode -- cards, top-ups, limits, payments, receipts,
tariffs, amounts -- as admin mode says them: an :class:`~kiosk.admin.errors.AdminError` with a
sentence of kiosk.admin.messages, the lower layer's code kept.

cardlib's codes each have a sentence of their own; the others' messages are sentences admin mode
cannot know in advance, so they travel as the ``detail`` of a sentence that frames them. Where
admin mode can tell the problem before the layer below does (the top-up limits), it checks first
and says it in its own words.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal, InvalidOperation

from cardlib.errors import CardError
from kiosk.admin import tariffs
from kiosk.admin.errors import AdminError, InvalidInputError, ServiceError
from kiosk.admin.issuing import card_problem
from kiosk.admin.messages import Sentence, say
from kiosk.money import CURRENCIES, AmountError, exponent, format_amount, parse_amount
from kiosk.payments.provider import PaymentError
from kiosk.receipts.model import ReceiptError
from kiosk.tariffs import TariffError
from kiosk.topup.limits import LimitError, Limits
from kiosk.topup.model import TopUpError

LOWER_ERRORS = (
    CardError,
    TopUpError,
    LimitError,
    PaymentError,
    ReceiptError,
    TariffError,
    AmountError,
)


#: a lower layer's error code -> the sentence that frames its message (``{detail}``) or replaces it
SERVICE_ERRORS: dict[str, str] = {
    "blacklisted": "card_blacklisted",
    "card_away": "card_away",
    "limit": "topup_refused",
    "provider_unavailable": "payment_unavailable",
    "provider_refused": "payment_refused",
    "bad_notification": "payment_failed",
    "payment_error": "payment_failed",
    "receipt_error": "receipt_failed",
}


def translate(exc: Exception, doing: str = "") -> AdminError:
    """A lower layer's error as admin mode says it, its code kept (``doing``: what was under way
    when a card was pulled away, for the sentence)."""
    if isinstance(exc, AdminError):
        return exc
    if isinstance(exc, CardError):
        return card_problem(exc, doing)
    if isinstance(exc, TopUpError | LimitError | PaymentError | ReceiptError):
        key = SERVICE_ERRORS.get(exc.code, "topup_refused")
        return ServiceError(say(key, detail=exc.message), code=exc.code)
    if isinstance(exc, TariffError):
        return InvalidInputError(tariffs.tariff_sentence(exc), code="bad_tariff")
    if isinstance(exc, AmountError):
        return InvalidInputError(say("bad_amount", detail=exc), code="bad_amount")
    return ServiceError(say("service_failed", detail=exc))


def check_limits(limits: Limits, amount: int, spent_today: int, currency: int) -> None:
    """The top-up limits, checked here to say which one in admin mode's words (the top-up service
    checks them again: its LimitError stays the last word)."""

    def fmt(v: int) -> str:
        return format_amount(v, currency)

    if amount < limits.min_amount:
        raise ServiceError(say("limit_too_small", min=fmt(limits.min_amount)), code="limit")
    if amount > limits.max_amount:
        raise ServiceError(say("limit_too_big", max=fmt(limits.max_amount)), code="limit")
    if spent_today + amount > limits.max_per_day:
        left = fmt(max(0, limits.max_per_day - spent_today))
        raise ServiceError(
            say("limit_daily", limit=fmt(limits.max_per_day), left=left), code="limit"
        )


@contextmanager
def admin_errors(doing: str = "") -> Iterator[None]:
    try:
        yield
    except LOWER_ERRORS as exc:
        raise translate(exc, doing) from exc


def parse_cash(text: str, currency: int) -> int:
    """An amount staff typed ('25', '25.5') in minor units, by kiosk.money's parser; what is wrong
    with it said in admin mode's words (InvalidInputError, code ``bad_amount``)."""
    try:
        return parse_amount(text, currency)
    except AmountError as exc:
        raise InvalidInputError(_amount_sentence(text, currency, exc), code="bad_amount") from None


def _amount_sentence(text: str, currency: int, exc: AmountError) -> Sentence:
    """Which of kiosk.money.parse_amount's refusals ``exc`` is (the same checks, in its order)."""
    try:
        value = Decimal(text.strip().replace(",", ""))
    except InvalidOperation:
        return say("amount_not_number", text=text)
    if not value.is_finite():
        return say("amount_not_number", text=text)
    if currency not in CURRENCIES:
        return say("bad_amount", detail=exc)
    digits = exponent(currency)
    minor = value.scaleb(digits)
    if minor != minor.to_integral_value():
        return say("amount_too_many_decimals", text=text, digits=digits)
    if minor <= 0:
        return say("amount_not_positive")
    return say("bad_amount", detail=exc)
