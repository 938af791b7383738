"""Thai PromptPay QR (Thai QR Payment standard) on top of :mod:`kiosk.payments.emvco`.

Two merchant account templates:

- 29, AID A000000677010111, credit transfer to an "AnyID" proxy: 01 mobile number written
  "0066" + 9 digits (13 characters), 02 national id or tax id (13 digits), 03 e-wallet id (15
  digits).
- 30, AID A000000677010112, bill payment: 01 biller id (tax id + suffix), 02 reference 1, 03
  reference 2. The references come back to the merchant with the payment, which is what lets a
  kiosk match a payment to its order.

Currency 764 (THB), country TH. Person-to-person codes from Thai bank apps leave out the MCC,
merchant name and city that EMVCo calls mandatory, so those are optional here. The objects are
written in the order those apps (and the widely used dtinth/promptpay-qr) use: 00 01 29|30 58 53 54.
An amount makes the code dynamic (01 = 12), as the bank apps do. Field reports say some bank apps
ignore the amount or refuse amounts under 1 THB; the kiosk should not rely on either.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from kiosk.payments import emvco

TAG_CREDIT_TRANSFER = "29"  # Merchant Account Information: PromptPay AnyID credit transfer
TAG_BILL_PAYMENT = "30"  # Merchant Account Information: PromptPay bill payment
AID_CREDIT_TRANSFER = "A000000677010111"
AID_BILL_PAYMENT = "A000000677010112"

BILL_BILLER_ID = "01"
BILL_REFERENCE_1 = "02"
BILL_REFERENCE_2 = "03"

THB = 764  # ISO 4217 numeric
COUNTRY_TH = "TH"

MOBILE_PREFIX = "0066"  # country code 66 left-padded with zeros to the 13-character field
MOBILE_FIELD_CHARS = 13
NATIONAL_ID_DIGITS = 13
EWALLET_DIGITS = 15
LOCAL_MOBILE_DIGITS = 10  # 0XXXXXXXXX
INTL_MOBILE_DIGITS = 11  # 66XXXXXXXXX
MAX_REFERENCE = 20  # Thai QR bill payment references: up to 20 alphanumeric characters
MAX_BILLER_ID = 15  # 13-digit tax id + 2-digit suffix

#: the order Thai bank apps write the root objects in (any order is valid EMVCo)
TAG_ORDER = (
    emvco.TAG_PAYLOAD_FORMAT_INDICATOR,
    emvco.TAG_POINT_OF_INITIATION,
    TAG_CREDIT_TRANSFER,
    TAG_BILL_PAYMENT,
    emvco.TAG_MERCHANT_CATEGORY_CODE,
    emvco.TAG_COUNTRY_CODE,
    emvco.TAG_TRANSACTION_CURRENCY,
    emvco.TAG_TRANSACTION_AMOUNT,
    emvco.TAG_MERCHANT_NAME,
    emvco.TAG_MERCHANT_CITY,
)

_REFERENCE = re.compile(r"[A-Z0-9]+")


class ProxyType(enum.Enum):
    MOBILE = "01"
    NATIONAL_ID = "02"  # national id or tax id
    EWALLET = "03"


_PROXY_SHAPES = {
    ProxyType.MOBILE: re.compile(
        MOBILE_PREFIX + f"[0-9]{{{MOBILE_FIELD_CHARS - len(MOBILE_PREFIX)}}}"
    ),
    ProxyType.NATIONAL_ID: re.compile(f"[0-9]{{{NATIONAL_ID_DIGITS}}}"),
    ProxyType.EWALLET: re.compile(f"[0-9]{{{EWALLET_DIGITS}}}"),
}


@dataclass(frozen=True)
class PromptPayTransfer:
    """A credit transfer to a PromptPay proxy (tag 29)."""

    proxy_type: ProxyType
    proxy: str  # as written in the code: "0066812345678", 13-digit id, 15-digit e-wallet id
    amount: int | None = None  # satang


@dataclass(frozen=True)
class PromptPayBill:
    """A bill payment (tag 30): the references identify the kiosk order."""

    biller_id: str
    reference_1: str
    reference_2: str | None = None
    amount: int | None = None  # satang
    merchant_name: str | None = None
    merchant_city: str | None = None


def proxy_for(target: str) -> tuple[ProxyType, str]:
    """A phone number, national/tax id or e-wallet id as people type them ("081-234-5678",
    "+66 81 234 5678", "1-1111-11111-11-1") -> the proxy type and the value the code carries."""
    digits = re.sub(r"[^0-9]", "", target)
    if len(digits) == EWALLET_DIGITS:
        return ProxyType.EWALLET, digits
    if len(digits) == NATIONAL_ID_DIGITS:
        return ProxyType.NATIONAL_ID, digits
    if len(digits) == LOCAL_MOBILE_DIGITS and digits.startswith("0"):
        return ProxyType.MOBILE, MOBILE_PREFIX + digits[1:]
    if len(digits) == INTL_MOBILE_DIGITS and digits.startswith("66"):
        return ProxyType.MOBILE, digits.rjust(MOBILE_FIELD_CHARS, "0")
    raise emvco.EmvcoError(
        f"'{target}' is not a Thai mobile number, a 13-digit national/tax id or a 15-digit "
        "e-wallet id.",
        tag=TAG_CREDIT_TRANSFER,
    )


def transfer_payload(target: str, amount: int | None = None) -> str:
    """The payload for a transfer to ``target`` (see :func:`proxy_for`), ``amount`` in satang."""
    proxy_type, proxy = proxy_for(target)
    account = emvco.MerchantAccount(
        tag=TAG_CREDIT_TRANSFER, gui=AID_CREDIT_TRANSFER, fields={proxy_type.value: proxy}
    )
    return _build(account, amount)


def bill_payload(bill: PromptPayBill) -> str:
    """The payload for a bill payment; ``reference_1`` should be the kiosk's order number."""
    for label, value, limit in (
        ("Biller id", bill.biller_id, MAX_BILLER_ID),
        ("Reference 1", bill.reference_1, MAX_REFERENCE),
        ("Reference 2", bill.reference_2, MAX_REFERENCE),
    ):
        if value is not None and not (len(value) <= limit and _REFERENCE.fullmatch(value)):
            raise emvco.EmvcoError(
                f"{label} '{value}' must be 1 to {limit} upper-case letters or digits.",
                tag=TAG_BILL_PAYMENT,
            )
    fields = {BILL_BILLER_ID: bill.biller_id, BILL_REFERENCE_1: bill.reference_1}
    if bill.reference_2 is not None:
        fields[BILL_REFERENCE_2] = bill.reference_2
    account = emvco.MerchantAccount(tag=TAG_BILL_PAYMENT, gui=AID_BILL_PAYMENT, fields=fields)
    return _build(account, bill.amount, bill.merchant_name, bill.merchant_city)


def _build(
    account: emvco.MerchantAccount,
    amount: int | None,
    name: str | None = None,
    city: str | None = None,
) -> str:
    qr = emvco.MerchantPresentedQR(
        merchant_accounts=(account,),
        currency=THB,
        country=COUNTRY_TH,
        point_of_initiation=emvco.PointOfInitiation.STATIC
        if amount is None
        else emvco.PointOfInitiation.DYNAMIC,
        amount=amount,
        merchant_name=name,
        merchant_city=city,
        tag_order=TAG_ORDER,
    )
    return emvco.build(qr, require_merchant_details=False)


def parse_promptpay(payload: str) -> PromptPayTransfer | PromptPayBill:
    """Read a PromptPay payload; raises :class:`emvco.EmvcoError` if it is not one."""
    qr = emvco.parse(payload, require_merchant_details=False)
    if qr.currency != THB or qr.country != COUNTRY_TH:
        raise emvco.EmvcoError(
            f"A PromptPay code is in THB (764) for TH, not {qr.currency} for {qr.country}."
        )
    accounts = {account.tag: account for account in qr.merchant_accounts}
    transfer = accounts.get(TAG_CREDIT_TRANSFER)
    if transfer is not None and transfer.gui == AID_CREDIT_TRANSFER:
        present = [t for t in ProxyType if t.value in transfer.fields]
        if len(present) != 1:
            raise emvco.EmvcoError(
                "A PromptPay transfer needs exactly one proxy (01 mobile, 02 id, 03 e-wallet).",
                tag=TAG_CREDIT_TRANSFER,
            )
        proxy_type = present[0]
        proxy = transfer.fields[proxy_type.value]
        if _PROXY_SHAPES[proxy_type].fullmatch(proxy) is None:
            raise emvco.EmvcoError(
                f"PromptPay {proxy_type.name.lower()} proxy '{proxy}' has the wrong shape.",
                tag=TAG_CREDIT_TRANSFER,
            )
        return PromptPayTransfer(proxy_type, proxy, qr.amount)
    bill = accounts.get(TAG_BILL_PAYMENT)
    if bill is not None and bill.gui == AID_BILL_PAYMENT:
        if BILL_BILLER_ID not in bill.fields or BILL_REFERENCE_1 not in bill.fields:
            raise emvco.EmvcoError(
                "A PromptPay bill payment needs a biller id (01) and reference 1 (02).",
                tag=TAG_BILL_PAYMENT,
            )
        return PromptPayBill(
            biller_id=bill.fields[BILL_BILLER_ID],
            reference_1=bill.fields[BILL_REFERENCE_1],
            reference_2=bill.fields.get(BILL_REFERENCE_2),
            amount=qr.amount,
            merchant_name=qr.merchant_name,
            merchant_city=qr.merchant_city,
        )
    raise emvco.EmvcoError("The code has no PromptPay merchant account (29 or 30).")
