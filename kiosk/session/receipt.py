"""The DONE screen: the finished order's receipt, its signed link, and printing it.

Printing comes after the top-up is finished and can never undo it: a printer that fails, or none
at all, only changes what the screen says ("scan the QR code" when there is a link to scan, the
receipt number otherwise). The receipt shown is the one printed, line for line.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from cardlib.purse.header import Role
from cardlib.service import CardState
from kiosk.config import ReceiptsConfig
from kiosk.money import format_amount
from kiosk.receipts.model import Receipt, ReceiptError
from kiosk.receipts.printer import ReceiptPrinter
from kiosk.receipts.qr import attach_link
from kiosk.receipts.text import render_lines
from kiosk.session.messages import say
from kiosk.session.views import Message, ReceiptView

log = logging.getLogger("kiosk.session")


def with_link(receipt: Receipt, config: ReceiptsConfig) -> Receipt:
    """The receipt with its signed verification link, when the kiosk is configured for one."""
    if not config.verify_url:
        return receipt
    try:
        return attach_link(receipt, config.verify_url, config.key)
    except ReceiptError as exc:  # configuration is checked at start-up; this is a bug, not a stop
        log.error("receipt %s: no verification link: %s", receipt.receipt_no, exc.message)
        return receipt


def print_it(receipt: Receipt, printer: ReceiptPrinter | None) -> tuple[bool, Message | None]:
    """Print, never raising: (printed, what to tell the tenant when it was not)."""
    if printer is not None:
        try:
            printer.print_receipt(receipt)
            return True, None
        except Exception as exc:  # any printer failure: the top-up is done all the same
            log.warning("receipt %s not printed: %s", receipt.receipt_no, exc)
            if receipt.verify_url:
                return False, say("receipt_not_printed")
            return False, say("receipt_not_printed_number", receipt_no=receipt.receipt_no)
    if receipt.verify_url:
        return False, say("receipt_scan")
    return False, say("receipt_number", receipt_no=receipt.receipt_no)


def done_view(
    receipt: Receipt,
    reference: str,
    card: CardState | None,
    config: ReceiptsConfig,
    printer: ReceiptPrinter | None,
    width: int,
) -> ReceiptView:
    """The DONE screen for ``receipt``, with ``card`` as it is after the write (None: the card was
    not read after it, so nothing is said of what it holds)."""
    currency = receipt.currency
    wallet = card is not None and card.header.role is Role.WALLET
    balance = card.kiosk.value if card is not None and wallet else None
    to_load = card.pending_purchase if card is not None and not wallet else None
    receipt = with_link(replace(receipt, balance_after=balance), config)
    printed, print_message = print_it(receipt, printer)

    def fmt(minor: int | None) -> str | None:
        return None if minor is None else format_amount(minor, currency)

    amount = fmt(receipt.total)
    if card is None:
        message = say("done", amount=amount)
    elif wallet:
        message = say("done_wallet", amount=amount, balance=fmt(balance))
    else:
        message = say("done_meter", to_load=fmt(to_load))
    return ReceiptView(
        reference=reference,
        receipt_no=receipt.receipt_no,
        amount=receipt.total,
        amount_text=format_amount(receipt.total, currency),
        lines=tuple(render_lines(receipt, width)),
        verify_url=receipt.verify_url,
        printed=printed,
        print_message=print_message,
        balance_after=balance,
        balance_after_text=fmt(balance),
        to_load=to_load,
        to_load_text=fmt(to_load),
        message=message,
    )
