"""The receipt record of a finished order: everything printed or shown, fixed at the time of sale.

A receipt is built once, when its order is DONE (or CREDIT_PENDING / REFUNDED), and never changed;
a reprint renders the same record. Its items add up to its total, to the minor unit, so a receipt
never shows money that went nowhere. The card UID is stored masked: a receipt left on the kiosk
must not give away what identifies the card.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kiosk.tariffs.model import Utility
from kiosk.tariffs.quote import Quote

#: hex digits of the card UID left visible on a receipt
UID_VISIBLE_DIGITS = 4


class ReceiptError(Exception):
    """Root of kiosk.receipts errors; ``code`` is stable, the message says what is wrong."""

    code = "receipt_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class ReceiptItem:
    description: str  # any language; printed as is
    amount: int  # minor units; negative for a refund or correction
    units: int | None = None  # Wh / L this item bought, if any
    utility: Utility | None = None  # what ``units`` are of

    def __post_init__(self) -> None:
        if (self.units is None) != (self.utility is None or self.utility is Utility.SERVICE):
            raise ReceiptError(f"Item '{self.description}': units need an energy/water utility.")


@dataclass(frozen=True)
class Receipt:
    receipt_no: str
    kiosk_id: str
    site_name: str
    issued_at: dt.datetime  # aware, UTC
    display_tz: str  # IANA zone the receipt shows its time in (the kiosk's)
    tenant: str  # tenant name or unit, as staff entered it
    card_serial: str
    card_uid_masked: str  # see mask_uid()
    items: tuple[ReceiptItem, ...]
    total: int  # minor units; the items add up to it
    currency: int  # ISO 4217 numeric
    payment_method: str  # provider name ("simulator", "alipay", "cash")
    provider_ref: str | None = None  # the provider's payment id
    tariff_code: str | None = None
    tariff_version: int | None = None
    balance_after: int | None = None  # minor units on the card / account after the order
    pending_after: int | None = None  # minor units paid but not yet on the card (CREDIT_PENDING)
    verify_url: str | None = None  # signed link (kiosk.receipts.qr.attach_link)

    def __post_init__(self) -> None:
        if not self.receipt_no.strip():
            raise ReceiptError("A receipt needs a receipt number.")
        if self.issued_at.tzinfo is None or self.issued_at.utcoffset() is None:
            raise ReceiptError("A receipt's time must be an aware datetime (UTC).")
        try:
            ZoneInfo(self.display_tz)
        except (ZoneInfoNotFoundError, ValueError):
            raise ReceiptError(f"Unknown display time zone {self.display_tz!r}.") from None
        if not self.items:
            raise ReceiptError(f"Receipt {self.receipt_no} has no items.")
        added = sum(item.amount for item in self.items)
        if added != self.total:
            raise ReceiptError(
                f"Receipt {self.receipt_no}: items add up to {added}, not the total {self.total}."
            )

    @property
    def local_time(self) -> dt.datetime:
        return self.issued_at.astimezone(ZoneInfo(self.display_tz))

    @property
    def tariff_ref(self) -> str | None:
        if self.tariff_code is None:
            return None
        return f"{self.tariff_code} v{self.tariff_version}"


def mask_uid(uid: bytes | str) -> str:
    """``04A1B2C3D4E5F6`` -> ``**********E5F6``: enough to tell cards apart, not to clone one."""
    text = uid.hex().upper() if isinstance(uid, bytes) else uid.replace(":", "").upper()
    visible = text[-UID_VISIBLE_DIGITS:]
    return "*" * (len(text) - len(visible)) + visible


def items_from_quote(quote: Quote, credit_label: str) -> tuple[ReceiptItem, ...]:
    """The lines of a top-up receipt from the quote it was sold at: the credit (with its units),
    then the fee and the debt recovered when there are any. They add up to the amount paid."""
    utility = None if quote.utility is Utility.SERVICE else quote.utility
    items = [
        ReceiptItem(
            credit_label,
            quote.net_credit,
            None if utility is None else quote.units,
            utility,
        )
    ]
    if quote.fee:
        items.append(ReceiptItem("Service fee", quote.fee))
    if quote.debt_recovered:
        items.append(ReceiptItem("Debt recovery", quote.debt_recovered))
    return tuple(items)
