"""EMVCo merchant-presented QR (EMV QRCPS-MPM v1.1): TLV, CRC, and a typed payload.

A payload is a string of data objects, each a 2-digit id, a 2-digit length and a value of that many
*characters* (not bytes), ending with the CRC object ``6304XXXX``. National schemes (PIX, PromptPay,
PayNow, QRIS, ...) are this format with their own merchant account template; see ``pix.py`` and
``promptpay.py``.

Rules applied both when building and when parsing (one validator, so whatever :func:`build` emits
:func:`parse` accepts and the other way round):

- ``00`` payload format indicator "01" comes first, ``63`` CRC comes last, no id appears twice.
- The CRC is CRC-16/CCITT-FALSE (ISO/IEC 13239: poly 0x1021, init 0xFFFF) over the UTF-8 bytes of
  everything up to and including "6304", written as 4 upper-case hex digits.
- Lengths and formats from the spec's tables: merchant name <= 25, city <= 15, amount <= 13,
  postal code <= 10, GUI <= 32, additional data fields <= 25, every value 1..99 characters.
- Values are printable ASCII ("ans"), except the alternate-language name and city in template 64,
  which the spec defines as any Unicode ("S").
- Amounts are integer minor units, written with the currency's exponent (``kiosk.money``): never a
  float.

Ids the kiosk has no use for (RFU 65-79, unreserved templates 80-99, scheme-specific sub-fields) are
kept verbatim, and the order of the data objects is remembered, so parsing a published payload and
building it again gives back the same string.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TypeVar

from kiosk.payments.emvco_tlv import (  # noqa: F401 - the framing, re-exported for callers
    CRC_CHARS,
    CRC_HEADER,
    CRC_INITIAL,
    ID_CHARS,
    LENGTH_CHARS,
    MAX_AMOUNT,
    MAX_VALUE_CHARS,
    TAG_CRC,
    TAG_TRANSACTION_AMOUNT,
    EmvcoCrcError,
    EmvcoError,
    _ordered,
    crc16,
    decode_tlv,
    encode_tlv,
    format_amount,
    parse_amount,
)

# --- Root data objects (EMV QRCPS-MPM v1.1, table 3.x "Data Objects under the Root") -------------
TAG_PAYLOAD_FORMAT_INDICATOR = "00"  # Payload Format Indicator, N 2, M, first
TAG_POINT_OF_INITIATION = "01"  # Point of Initiation Method, N 2, O
FIRST_PRIMITIVE_ACCOUNT = 2  # 02-25: Merchant Account Information reserved for card networks
LAST_PRIMITIVE_ACCOUNT = 25
FIRST_TEMPLATE_ACCOUNT = 26  # 26-51: Merchant Account Information templates (sub 00 = GUI)
LAST_TEMPLATE_ACCOUNT = 51
TAG_MERCHANT_CATEGORY_CODE = "52"  # Merchant Category Code (ISO 18245), N 4, M
TAG_TRANSACTION_CURRENCY = "53"  # Transaction Currency (ISO 4217 numeric), N 3, M
TAG_TIP_OR_CONVENIENCE = "55"  # Tip or Convenience Indicator, N 2, O
TAG_CONVENIENCE_FEE_FIXED = "56"  # Value of Convenience Fee Fixed, ans <= 13, C
TAG_CONVENIENCE_FEE_PERCENTAGE = "57"  # Value of Convenience Fee Percentage, ans <= 5, C
TAG_COUNTRY_CODE = "58"  # Country Code (ISO 3166-1 alpha 2), ans 2, M
TAG_MERCHANT_NAME = "59"  # Merchant Name, ans <= 25, M
TAG_MERCHANT_CITY = "60"  # Merchant City, ans <= 15, M
TAG_POSTAL_CODE = "61"  # Postal Code, ans <= 10, O
TAG_ADDITIONAL_DATA = "62"  # Additional Data Field Template, <= 99, O
TAG_LANGUAGE_TEMPLATE = "64"  # Merchant Information - Language Template, <= 99, O
FIRST_RFU = 65  # 65-79: RFU for EMVCo
FIRST_UNRESERVED = 80  # 80-99: Unreserved Templates (sub 00 = GUI)
LAST_UNRESERVED = 99

PAYLOAD_FORMAT_VERSION = "01"
CURRENCY_DIGITS = 3
MCC_DIGITS = 4

# --- Sub-objects ------
SUB_GUI = "00"  # Globally Unique Identifier of a merchant account / unreserved template, ans <= 32

# Additional Data Field Template (62)
ADD_BILL_NUMBER = "01"
ADD_MOBILE_NUMBER = "02"
ADD_STORE_LABEL = "03"
ADD_LOYALTY_NUMBER = "04"
ADD_REFERENCE_LABEL = "05"
ADD_CUSTOMER_LABEL = "06"
ADD_TERMINAL_LABEL = "07"
ADD_PURPOSE = "08"
ADD_CONSUMER_DATA_REQUEST = "09"  # letters A (address), M (mobile), E (email), <= 3

# Merchant Information - Language Template (64)
LANG_PREFERENCE = "00"  # ISO 639-1, ans 2, M
LANG_NAME = "01"  # Merchant Name - Alternate Language, S <= 25, M
LANG_CITY = "02"  # Merchant City - Alternate Language, S <= 15, O

MAX_GUI = 32
MAX_PERCENTAGE = 5
MAX_NAME = 25
MAX_CITY = 15
MAX_POSTAL_CODE = 10
MAX_ADDITIONAL_FIELD = 25
MAX_CONSUMER_DATA_REQUEST = 3
CONSUMER_DATA_LETTERS = frozenset("AME")

_NUMERIC = re.compile(r"[0-9]+")
_ANS = re.compile(r"[\x20-\x7e]*")  # "ans": printable ASCII
_COUNTRY = re.compile(r"[A-Z]{2}")
_LANGUAGE = re.compile(r"[a-zA-Z]{2}")
_PERCENTAGE = re.compile(r"[0-9]{1,2}(?:\.[0-9]{1,2})?")
_CRC_HEX = re.compile(r"[0-9A-F]{4}")


class PointOfInitiation(enum.Enum):
    STATIC = "11"  # the same code for many payments
    DYNAMIC = "12"  # a code for one payment


class TipIndicator(enum.Enum):
    PROMPT = "01"  # the payer's app asks for a tip
    FIXED_FEE = "02"  # a fixed convenience fee (56) is added
    PERCENTAGE_FEE = "03"  # a percentage convenience fee (57) is added


@dataclass(frozen=True)
class MerchantAccount:
    """Merchant Account Information: a primitive (02-25) or a template with a GUI (26-51)."""

    tag: str
    gui: str | None = None  # templates: sub 00 (an AID or a reverse domain name)
    fields: Mapping[str, str] = field(default_factory=dict)  # templates: sub 01-99, in order
    value: str | None = None  # primitives 02-25: the network's value as is


@dataclass(frozen=True)
class AdditionalData:
    """Additional Data Field Template (62); "***" in a field asks the payer's app for it."""

    bill_number: str | None = None
    mobile_number: str | None = None
    store_label: str | None = None
    loyalty_number: str | None = None
    reference_label: str | None = None
    customer_label: str | None = None
    terminal_label: str | None = None
    purpose: str | None = None
    consumer_data_request: str | None = None
    extra: Mapping[str, str] = field(default_factory=dict)  # 10-49 RFU, 50-99 scheme templates
    tag_order: tuple[str, ...] = field(default=(), compare=False, repr=False)


@dataclass(frozen=True)
class MerchantLanguage:
    """Merchant Information - Language Template (64): name and city in a local script."""

    language: str
    name: str
    city: str | None = None
    extra: Mapping[str, str] = field(default_factory=dict)  # 03-99 RFU
    tag_order: tuple[str, ...] = field(default=(), compare=False, repr=False)


@dataclass(frozen=True)
class MerchantPresentedQR:
    """Everything a merchant-presented payload says. ``tag_order`` only shapes the string: two
    payloads with the same objects in another order are equal."""

    merchant_accounts: tuple[MerchantAccount, ...]
    currency: int  # ISO 4217 numeric
    country: str  # ISO 3166-1 alpha 2
    merchant_category_code: str | None = None
    merchant_name: str | None = None
    merchant_city: str | None = None
    point_of_initiation: PointOfInitiation | None = None
    amount: int | None = None  # minor units
    tip: TipIndicator | None = None
    convenience_fee_fixed: int | None = None  # minor units
    convenience_fee_percentage: str | None = None  # "00.01".."99.99" as written
    postal_code: str | None = None
    additional_data: AdditionalData | None = None
    language: MerchantLanguage | None = None
    extra: Mapping[str, str] = field(default_factory=dict)  # 65-79 RFU, 80-99 unreserved
    tag_order: tuple[str, ...] = field(default=(), compare=False, repr=False)

    def __post_init__(self) -> None:
        # Accounts are kept in id order so equality does not depend on the payload's order, which
        # tag_order carries.
        ordered = tuple(sorted(self.merchant_accounts, key=lambda account: account.tag))
        object.__setattr__(self, "merchant_accounts", ordered)

    def payload(self, *, require_merchant_details: bool = True) -> str:
        return build(self, require_merchant_details=require_merchant_details)


_ADDITIONAL_FIELDS: dict[str, str] = {
    ADD_BILL_NUMBER: "bill_number",
    ADD_MOBILE_NUMBER: "mobile_number",
    ADD_STORE_LABEL: "store_label",
    ADD_LOYALTY_NUMBER: "loyalty_number",
    ADD_REFERENCE_LABEL: "reference_label",
    ADD_CUSTOMER_LABEL: "customer_label",
    ADD_TERMINAL_LABEL: "terminal_label",
    ADD_PURPOSE: "purpose",
    ADD_CONSUMER_DATA_REQUEST: "consumer_data_request",
}


# --- Validation ------
def _check_text(
    value: str | None, tag: str, label: str, *, max_len: int, ascii_only: bool = True
) -> None:
    if value is None:
        return
    if not 1 <= len(value) <= max_len:
        raise EmvcoError(f"{label} must be 1 to {max_len} characters, not {len(value)}.", tag=tag)
    if ascii_only and not _ANS.fullmatch(value):
        raise EmvcoError(f"{label} must be printable ASCII: {value!r}.", tag=tag)
    if not ascii_only and not value.isprintable():
        raise EmvcoError(f"{label} has control characters: {value!r}.", tag=tag)


def _check_account(account: MerchantAccount) -> None:
    tag = account.tag
    number = int(tag) if len(tag) == ID_CHARS and tag.isdigit() else -1
    label = f"Merchant account {tag}"
    if FIRST_PRIMITIVE_ACCOUNT <= number <= LAST_PRIMITIVE_ACCOUNT:
        if account.value is None or account.gui is not None or account.fields:
            raise EmvcoError(f"{label} (a card network's id) takes a plain value only.", tag=tag)
        _check_text(account.value, tag, label, max_len=MAX_VALUE_CHARS)
    elif FIRST_TEMPLATE_ACCOUNT <= number <= LAST_TEMPLATE_ACCOUNT:
        if account.value is not None:
            raise EmvcoError(f"{label} is a template: give a GUI and fields.", tag=tag)
        if account.gui is None:
            raise EmvcoError(f"{label} has no globally unique identifier (sub 00).", tag=tag)
        _check_text(account.gui, tag, f"{label} GUI", max_len=MAX_GUI)
        for sub, value in account.fields.items():
            if sub == SUB_GUI or not (len(sub) == ID_CHARS and sub.isdigit()):
                raise EmvcoError(f"{label} has a bad sub-field id '{sub}'.", tag=tag)
            _check_text(value, tag, f"{label} field {sub}", max_len=MAX_VALUE_CHARS)
    else:
        raise EmvcoError(f"Id '{tag}' is not a merchant account id (02-51).", tag=tag)


def _check_additional(data: AdditionalData) -> None:
    if not _additional_value(data):
        raise EmvcoError("Additional data (62) is empty: leave it out.", tag=TAG_ADDITIONAL_DATA)
    for sub, name in _ADDITIONAL_FIELDS.items():
        is_request = sub == ADD_CONSUMER_DATA_REQUEST
        limit = MAX_CONSUMER_DATA_REQUEST if is_request else MAX_ADDITIONAL_FIELD
        label = f"Additional data {sub}"
        _check_text(getattr(data, name), TAG_ADDITIONAL_DATA, label, max_len=limit)
    request = data.consumer_data_request
    if request is not None and (
        not set(request) <= CONSUMER_DATA_LETTERS or len(set(request)) != len(request)
    ):
        raise EmvcoError(
            f"Consumer data request '{request}' must be distinct letters from A, M, E.",
            tag=TAG_ADDITIONAL_DATA,
        )
    for sub, value in data.extra.items():
        if sub in _ADDITIONAL_FIELDS or sub == SUB_GUI or not (len(sub) == 2 and sub.isdigit()):
            raise EmvcoError(
                f"Additional data has a bad extra id '{sub}'.", tag=TAG_ADDITIONAL_DATA
            )
        _check_text(value, TAG_ADDITIONAL_DATA, f"Additional data {sub}", max_len=MAX_VALUE_CHARS)


def _check_language(lang: MerchantLanguage) -> None:
    tag = TAG_LANGUAGE_TEMPLATE
    if not _LANGUAGE.fullmatch(lang.language):
        raise EmvcoError(f"Language '{lang.language}' is not a 2-letter ISO 639 code.", tag=tag)
    _check_text(lang.name, tag, "Alternate-language name", max_len=MAX_NAME, ascii_only=False)
    _check_text(lang.city, tag, "Alternate-language city", max_len=MAX_CITY, ascii_only=False)
    for sub, value in lang.extra.items():
        if sub in (LANG_PREFERENCE, LANG_NAME, LANG_CITY) or not (len(sub) == 2 and sub.isdigit()):
            raise EmvcoError(f"Language template has a bad extra id '{sub}'.", tag=tag)
        _check_text(value, tag, f"Language template field {sub}", max_len=MAX_VALUE_CHARS)


def _validate(qr: MerchantPresentedQR, require_merchant_details: bool) -> None:
    if not qr.merchant_accounts:
        raise EmvcoError("A payload needs at least one merchant account (02-51).")
    tags = [account.tag for account in qr.merchant_accounts]
    if len(set(tags)) != len(tags):
        raise EmvcoError(f"A merchant account id appears twice: {tags}.")
    for account in qr.merchant_accounts:
        _check_account(account)
    if require_merchant_details:
        for tag, value in (
            (TAG_MERCHANT_CATEGORY_CODE, qr.merchant_category_code),
            (TAG_MERCHANT_NAME, qr.merchant_name),
            (TAG_MERCHANT_CITY, qr.merchant_city),
        ):
            if value is None:
                raise EmvcoError(f"Mandatory data object {tag} is missing.", tag=tag)
    mcc = qr.merchant_category_code
    if mcc is not None and not (len(mcc) == MCC_DIGITS and _NUMERIC.fullmatch(mcc)):
        raise EmvcoError(
            f"Merchant category code '{mcc}' is not 4 digits.", tag=TAG_MERCHANT_CATEGORY_CODE
        )
    if not 0 <= qr.currency < 10**CURRENCY_DIGITS:
        raise EmvcoError(
            f"Currency {qr.currency} is not an ISO 4217 numeric code.", tag=TAG_TRANSACTION_CURRENCY
        )
    if not _COUNTRY.fullmatch(qr.country):
        raise EmvcoError(
            f"Country '{qr.country}' is not two upper-case letters.", tag=TAG_COUNTRY_CODE
        )
    _check_text(qr.merchant_name, TAG_MERCHANT_NAME, "Merchant name", max_len=MAX_NAME)
    _check_text(qr.merchant_city, TAG_MERCHANT_CITY, "Merchant city", max_len=MAX_CITY)
    _check_text(qr.postal_code, TAG_POSTAL_CODE, "Postal code", max_len=MAX_POSTAL_CODE)
    if qr.amount is not None:
        format_amount(qr.amount, qr.currency)
    fee_fixed = qr.convenience_fee_fixed is not None
    fee_percent = qr.convenience_fee_percentage is not None
    if fee_fixed != (qr.tip is TipIndicator.FIXED_FEE):
        raise EmvcoError(
            "A fixed convenience fee (56) goes with tip indicator 02, and only then.",
            tag=TAG_CONVENIENCE_FEE_FIXED,
        )
    if fee_percent != (qr.tip is TipIndicator.PERCENTAGE_FEE):
        raise EmvcoError(
            "A percentage fee (57) goes with tip indicator 03, and only then.",
            tag=TAG_CONVENIENCE_FEE_PERCENTAGE,
        )
    if qr.convenience_fee_fixed is not None:
        format_amount(qr.convenience_fee_fixed, qr.currency, tag=TAG_CONVENIENCE_FEE_FIXED)
    percent = qr.convenience_fee_percentage
    if percent is not None and (
        len(percent) > MAX_PERCENTAGE
        or not _PERCENTAGE.fullmatch(percent)
        or not any(c in "123456789" for c in percent)
    ):
        raise EmvcoError(
            f"Convenience fee percentage '{percent}' is not 00.01 to 99.99.",
            tag=TAG_CONVENIENCE_FEE_PERCENTAGE,
        )
    if qr.additional_data is not None:
        _check_additional(qr.additional_data)
    if qr.language is not None:
        _check_language(qr.language)
    for tag, value in qr.extra.items():
        if not (
            len(tag) == ID_CHARS and tag.isdigit() and FIRST_RFU <= int(tag) <= LAST_UNRESERVED
        ):
            raise EmvcoError(f"Id '{tag}' is not an RFU or unreserved id (65-99).", tag=tag)
        _check_text(value, tag, f"Data object {tag}", max_len=MAX_VALUE_CHARS)


# --- Build ------
def _account_value(account: MerchantAccount) -> str:
    if account.value is not None:
        return account.value
    assert account.gui is not None  # _validate checked it
    return encode_tlv(SUB_GUI, account.gui) + "".join(
        encode_tlv(sub, value) for sub, value in account.fields.items()
    )


def _additional_value(data: AdditionalData) -> str:
    objects = {sub: getattr(data, name) for sub, name in _ADDITIONAL_FIELDS.items()}
    objects = {sub: value for sub, value in objects.items() if value is not None}
    objects.update(data.extra)
    return _ordered(objects, data.tag_order)


def _language_value(lang: MerchantLanguage) -> str:
    objects = {LANG_PREFERENCE: lang.language, LANG_NAME: lang.name}
    if lang.city is not None:
        objects[LANG_CITY] = lang.city
    objects.update(lang.extra)
    return _ordered(objects, lang.tag_order)


def build(qr: MerchantPresentedQR, *, require_merchant_details: bool = True) -> str:
    """The payload string for ``qr``, CRC included. ``require_merchant_details=False`` lets MCC,
    name and city be absent, as Thai PromptPay person-to-person codes have them."""
    _validate(qr, require_merchant_details)
    objects: dict[str, str] = {}
    if qr.point_of_initiation is not None:
        objects[TAG_POINT_OF_INITIATION] = qr.point_of_initiation.value
    for account in qr.merchant_accounts:
        objects[account.tag] = _account_value(account)
    optional = {
        TAG_MERCHANT_CATEGORY_CODE: qr.merchant_category_code,
        TAG_TRANSACTION_CURRENCY: f"{qr.currency:03d}",
        TAG_TRANSACTION_AMOUNT: None
        if qr.amount is None
        else format_amount(qr.amount, qr.currency),
        TAG_TIP_OR_CONVENIENCE: None if qr.tip is None else qr.tip.value,
        TAG_CONVENIENCE_FEE_FIXED: None
        if qr.convenience_fee_fixed is None
        else format_amount(qr.convenience_fee_fixed, qr.currency, tag=TAG_CONVENIENCE_FEE_FIXED),
        TAG_CONVENIENCE_FEE_PERCENTAGE: qr.convenience_fee_percentage,
        TAG_COUNTRY_CODE: qr.country,
        TAG_MERCHANT_NAME: qr.merchant_name,
        TAG_MERCHANT_CITY: qr.merchant_city,
        TAG_POSTAL_CODE: qr.postal_code,
        TAG_ADDITIONAL_DATA: None
        if qr.additional_data is None
        else _additional_value(qr.additional_data),
        TAG_LANGUAGE_TEMPLATE: None if qr.language is None else _language_value(qr.language),
    }
    objects.update({tag: value for tag, value in optional.items() if value is not None})
    objects.update(qr.extra)
    body = encode_tlv(TAG_PAYLOAD_FORMAT_INDICATOR, PAYLOAD_FORMAT_VERSION) + _ordered(
        objects, qr.tag_order
    )
    body += CRC_HEADER
    return body + crc16(body)


# --- Parse ------
def check_crc(payload: str) -> None:
    """Raise unless ``payload`` ends with "6304" and the right upper-case CRC."""
    if len(payload) < len(CRC_HEADER) + CRC_CHARS or payload[-8:-4] != CRC_HEADER:
        raise EmvcoError("The payload does not end with a CRC object (6304XXXX).", tag=TAG_CRC)
    written = payload[-CRC_CHARS:]
    if not _CRC_HEX.fullmatch(written):
        raise EmvcoCrcError(f"CRC '{written}' is not 4 upper-case hex digits.", tag=TAG_CRC)
    expected = crc16(payload[:-CRC_CHARS])
    if written != expected:
        raise EmvcoCrcError(f"CRC {written} does not match the data ({expected}).", tag=TAG_CRC)


def _parse_account(tag: str, value: str) -> MerchantAccount:
    number = int(tag)
    if number <= LAST_PRIMITIVE_ACCOUNT:
        return MerchantAccount(tag=tag, value=value)
    subs = decode_tlv(value, where=f"merchant account {tag}")
    if not subs or subs[0][0] != SUB_GUI:
        raise EmvcoError(f"Merchant account {tag} does not start with its GUI (sub 00).", tag=tag)
    return MerchantAccount(tag=tag, gui=subs[0][1], fields=dict(subs[1:]))


def _parse_additional(value: str) -> AdditionalData:
    subs = decode_tlv(value, where="additional data (62)")
    named = {_ADDITIONAL_FIELDS[sub]: v for sub, v in subs if sub in _ADDITIONAL_FIELDS}
    extra = {sub: v for sub, v in subs if sub not in _ADDITIONAL_FIELDS}
    return AdditionalData(**named, extra=extra, tag_order=tuple(sub for sub, _ in subs))


def _parse_language(value: str) -> MerchantLanguage:
    subs = dict(decode_tlv(value, where="language template (64)"))
    if LANG_PREFERENCE not in subs or LANG_NAME not in subs:
        raise EmvcoError(
            "The language template needs a language (00) and a name (01).",
            tag=TAG_LANGUAGE_TEMPLATE,
        )
    known = (LANG_PREFERENCE, LANG_NAME, LANG_CITY)
    return MerchantLanguage(
        language=subs[LANG_PREFERENCE],
        name=subs[LANG_NAME],
        city=subs.get(LANG_CITY),
        extra={sub: v for sub, v in subs.items() if sub not in known},
        tag_order=tuple(subs),
    )


_E = TypeVar("_E", PointOfInitiation, TipIndicator)


def _enum(kind: type[_E], value: str, tag: str, label: str) -> _E:
    try:
        return kind(value)
    except ValueError:
        allowed = ", ".join(member.value for member in kind)
        raise EmvcoError(f"{label} '{value}' is not one of {allowed}.", tag=tag) from None


def parse(payload: str, *, require_merchant_details: bool = True) -> MerchantPresentedQR:
    """Check and read a payload. Raises :class:`EmvcoCrcError` for a wrong checksum and
    :class:`EmvcoError` for anything else against the spec."""
    if not isinstance(payload, str) or not payload:
        raise EmvcoError("The payload is empty.")
    check_crc(payload)
    objects = decode_tlv(payload)
    tags = [tag for tag, _ in objects]
    if tags[0] != TAG_PAYLOAD_FORMAT_INDICATOR:
        raise EmvcoError(
            "The payload does not start with the format indicator (00).",
            tag=TAG_PAYLOAD_FORMAT_INDICATOR,
        )
    if objects[0][1] != PAYLOAD_FORMAT_VERSION:
        raise EmvcoError(
            f"Payload format '{objects[0][1]}' is not {PAYLOAD_FORMAT_VERSION}.",
            tag=TAG_PAYLOAD_FORMAT_INDICATOR,
        )
    if tags[-1] != TAG_CRC:  # check_crc found "6304" at the end; it must also be an object there
        raise EmvcoError("The CRC (63) is not the last data object.", tag=TAG_CRC)
    values = dict(objects)
    language_text = values.get(TAG_LANGUAGE_TEMPLATE)
    for tag, value in objects:
        if tag != TAG_LANGUAGE_TEMPLATE and not value.isascii():
            raise EmvcoError(f"Data object {tag} has non-ASCII characters.", tag=tag)
    for tag in (TAG_TRANSACTION_CURRENCY, TAG_COUNTRY_CODE):
        if tag not in values:
            raise EmvcoError(f"Mandatory data object {tag} is missing.", tag=tag)
    currency_text = values[TAG_TRANSACTION_CURRENCY]
    if not (len(currency_text) == CURRENCY_DIGITS and _NUMERIC.fullmatch(currency_text)):
        raise EmvcoError(
            f"Currency '{currency_text}' is not 3 digits.", tag=TAG_TRANSACTION_CURRENCY
        )
    currency = int(currency_text)

    def amount_of(tag: str) -> int | None:
        return None if tag not in values else parse_amount(values[tag], currency, tag=tag)

    accounts = tuple(
        _parse_account(tag, value)
        for tag, value in objects
        if FIRST_PRIMITIVE_ACCOUNT <= int(tag) <= LAST_TEMPLATE_ACCOUNT
    )
    poi = values.get(TAG_POINT_OF_INITIATION)
    tip = values.get(TAG_TIP_OR_CONVENIENCE)
    extra = {tag: value for tag, value in objects if FIRST_RFU <= int(tag) <= LAST_UNRESERVED}
    qr = MerchantPresentedQR(
        merchant_accounts=accounts,
        currency=currency,
        country=values[TAG_COUNTRY_CODE],
        merchant_category_code=values.get(TAG_MERCHANT_CATEGORY_CODE),
        merchant_name=values.get(TAG_MERCHANT_NAME),
        merchant_city=values.get(TAG_MERCHANT_CITY),
        point_of_initiation=None
        if poi is None
        else _enum(PointOfInitiation, poi, TAG_POINT_OF_INITIATION, "Point of initiation"),
        amount=amount_of(TAG_TRANSACTION_AMOUNT),
        tip=None if tip is None else _enum(TipIndicator, tip, TAG_TIP_OR_CONVENIENCE, "Tip"),
        convenience_fee_fixed=amount_of(TAG_CONVENIENCE_FEE_FIXED),
        convenience_fee_percentage=values.get(TAG_CONVENIENCE_FEE_PERCENTAGE),
        postal_code=values.get(TAG_POSTAL_CODE),
        additional_data=None
        if TAG_ADDITIONAL_DATA not in values
        else _parse_additional(values[TAG_ADDITIONAL_DATA]),
        language=None if language_text is None else _parse_language(language_text),
        extra=extra,
        tag_order=tuple(tags),
    )
    _validate(qr, require_merchant_details)
    for tag in extra:  # unreserved templates (80-99) are templates led by a GUI
        if int(tag) < FIRST_UNRESERVED:
            continue
        if decode_tlv(extra[tag], where=f"template {tag}")[0][0] != SUB_GUI:
            raise EmvcoError(f"Unreserved template {tag} does not start with a GUI.", tag=tag)
    return qr
