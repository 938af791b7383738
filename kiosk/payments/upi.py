"""India's UPI payment link (NPCI "UPI Linking Specifications"): a URI, not EMVCo TLV.

``upi://pay?pa=<VPA>&pn=<payee name>&mc=<MCC>&tid=<PSP txn id>&tr=<reference>&tn=<note>&am=<amount>
&cu=INR&url=<link>``. ``pa`` and ``pn`` are mandatory; ``tr`` is mandatory for merchant (dynamic)
codes and is what the kiosk reconciles on; without ``am`` the payer types the amount.

Values are percent-encoded (RFC 3986) with spaces as ``%20``, never ``+``: apps differ on ``+``, so
the builder writes a literal plus as ``%2B``; the parser reads ``+`` as a space, which is what the
form-encoding most generators use means. The amount is built from integer paise, always with two
decimals. Parameters this module does not model (``mam``, ``mode``, ``orgid``, ``sign``, ...) are
kept as they are.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import quote, unquote_plus

from kiosk.money import exponent
from kiosk.payments.provider import PaymentError

SCHEME_PREFIX = "upi://pay?"
INR = "INR"  # UPI moves rupees only
INR_NUMERIC = 356  # ISO 4217
INR_MINOR_DIGITS = exponent(INR_NUMERIC)  # 1 rupee = 100 paise
MCC_DIGITS = 4

PARAM_PAYEE_ADDRESS = "pa"
PARAM_PAYEE_NAME = "pn"
PARAM_MERCHANT_CODE = "mc"
PARAM_TRANSACTION_ID = "tid"
PARAM_REFERENCE = "tr"
PARAM_NOTE = "tn"
PARAM_AMOUNT = "am"
PARAM_CURRENCY = "cu"
PARAM_URL = "url"
#: the parameters UpiPayment has fields for, in the order the NPCI examples write them
_MODELLED = (
    PARAM_PAYEE_ADDRESS,
    PARAM_PAYEE_NAME,
    PARAM_MERCHANT_CODE,
    PARAM_TRANSACTION_ID,
    PARAM_REFERENCE,
    PARAM_NOTE,
    PARAM_AMOUNT,
    PARAM_CURRENCY,
    PARAM_URL,
)

#: a VPA is "<user>@<PSP handle>": user of letters, digits, '.', '-', '_'; handle of letters,
#: digits and '.' starting with a letter (okhdfcbank, ybl, npci, <IFSC>.ifsc.npci)
_VPA = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,254}@[A-Za-z][A-Za-z0-9.]{0,63}")
_AMOUNT = re.compile(r"([0-9]+)(?:\.([0-9]{1,2}))?")
_SAFE = "@-._~"  # left unencoded: '@' is how every published example writes the VPA


class UpiError(PaymentError):
    """A UPI link, or the fields to build one, breaks the NPCI linking rules."""

    code = "upi_invalid"


@dataclass(frozen=True)
class UpiPayment:
    payee_address: str  # pa: the VPA
    payee_name: str  # pn
    amount: int | None = None  # am, in paise; None lets the payer enter it
    reference: str | None = None  # tr: the kiosk's order reference
    note: str | None = None  # tn
    merchant_code: str | None = None  # mc: ISO 18245 MCC
    transaction_id: str | None = None  # tid: a PSP-generated id
    url: str | None = None
    extra: Mapping[str, str] = field(default_factory=dict)


def validate_vpa(vpa: str) -> str:
    """Return ``vpa`` if it looks like ``user@handle``, else raise :class:`UpiError`."""
    if not _VPA.fullmatch(vpa):
        raise UpiError(f"'{vpa}' is not a UPI address (name@bank).")
    return vpa


def format_amount(paise: int) -> str:
    if isinstance(paise, bool) or not isinstance(paise, int) or paise <= 0:
        raise UpiError(f"Amount {paise!r} must be a positive integer number of paise.")
    rupees, rest = divmod(paise, 10**INR_MINOR_DIGITS)
    return f"{rupees}.{rest:0{INR_MINOR_DIGITS}d}"


def parse_amount(text: str) -> int:
    """ "10", "10.5", "10.50" -> paise; three decimals are an error, not a rounding."""
    match = _AMOUNT.fullmatch(text)
    if not match:
        raise UpiError(f"Amount '{text}' is not rupees with up to two decimals.")
    paise = int(match.group(1)) * 10**INR_MINOR_DIGITS + int(
        (match.group(2) or "").ljust(INR_MINOR_DIGITS, "0")
    )
    if paise <= 0:
        raise UpiError("The amount must be more than zero.")
    return paise


def _validate(payment: UpiPayment) -> None:
    validate_vpa(payment.payee_address)
    if not payment.payee_name.strip():
        raise UpiError("A UPI link needs the payee's name (pn).")
    mcc = payment.merchant_code
    if mcc is not None and not (len(mcc) == MCC_DIGITS and mcc.isdigit() and mcc.isascii()):
        raise UpiError(f"Merchant code '{mcc}' is not 4 digits.")
    if payment.amount is not None:
        format_amount(payment.amount)
    for name, value in (
        (PARAM_REFERENCE, payment.reference),
        (PARAM_NOTE, payment.note),
        (PARAM_TRANSACTION_ID, payment.transaction_id),
        (PARAM_URL, payment.url),
    ):
        if value is not None and not value:
            raise UpiError(f"Parameter {name} is empty; leave it out instead.")
    clash = set(payment.extra) & set(_MODELLED)
    if clash:
        raise UpiError(f"Extra parameters {sorted(clash)} are modelled fields.")


def build_uri(payment: UpiPayment) -> str:
    """The ``upi://pay?...`` link, parameters in the order of the NPCI examples."""
    _validate(payment)
    params: list[tuple[str, str | None]] = [
        (PARAM_PAYEE_ADDRESS, payment.payee_address),
        (PARAM_PAYEE_NAME, payment.payee_name),
        (PARAM_MERCHANT_CODE, payment.merchant_code),
        (PARAM_TRANSACTION_ID, payment.transaction_id),
        (PARAM_REFERENCE, payment.reference),
        (PARAM_NOTE, payment.note),
        (PARAM_AMOUNT, None if payment.amount is None else format_amount(payment.amount)),
        (PARAM_CURRENCY, INR),
        (PARAM_URL, payment.url),
        *payment.extra.items(),
    ]
    return SCHEME_PREFIX + "&".join(
        f"{quote(name, safe=_SAFE)}={quote(value, safe=_SAFE)}"
        for name, value in params
        if value is not None
    )


def parse_uri(uri: str) -> UpiPayment:
    """Read a ``upi://pay`` link. Parameter names are case-insensitive (some apps write "PA");
    a repeated parameter, a missing ``pa``/``pn`` or a currency other than INR is an error."""
    if uri[: len(SCHEME_PREFIX)].lower() != SCHEME_PREFIX:
        raise UpiError("A UPI payment link starts with 'upi://pay?'.")
    params: dict[str, str] = {}
    for part in uri[len(SCHEME_PREFIX) :].split("&"):
        if not part:
            continue
        name, sep, value = part.partition("=")  # values like url=https://x/?a=b keep their '='
        name = unquote_plus(name).lower()
        if not sep or not name:
            raise UpiError(f"'{part}' is not a name=value parameter.")
        if name in params:
            raise UpiError(f"Parameter '{name}' appears twice.")
        params[name] = unquote_plus(value)
    for required in (PARAM_PAYEE_ADDRESS, PARAM_PAYEE_NAME):
        if not params.get(required):
            raise UpiError(f"The link has no '{required}' parameter.")
    currency = params.get(PARAM_CURRENCY, INR)
    if currency.upper() != INR:
        raise UpiError(f"UPI pays in INR, not '{currency}'.")
    amount = params.get(PARAM_AMOUNT)
    payment = UpiPayment(
        payee_address=params[PARAM_PAYEE_ADDRESS],
        payee_name=params[PARAM_PAYEE_NAME],
        amount=None if amount is None else parse_amount(amount),
        reference=params.get(PARAM_REFERENCE),
        note=params.get(PARAM_NOTE),
        merchant_code=params.get(PARAM_MERCHANT_CODE),
        transaction_id=params.get(PARAM_TRANSACTION_ID),
        url=params.get(PARAM_URL),
        extra={name: value for name, value in params.items() if name not in _MODELLED},
    )
    _validate(payment)
    return payment
