"""Every sentence of the tenant session marked for Qt Linguist: generated, never edited by hand.

``pyside6-lupdate`` reads source code, not data, so the templates of
:data:`kiosk.session.messages.MESSAGES` are written out below as ``QT_TRANSLATE_NOOP`` calls in
the context ``messages`` (the one :func:`ui.tenant.text.message_text` translates in). After a
change to MESSAGES, regenerate the block::

    python -m ui.tenant.message_catalog --write     # rewrite the block below
    python -m ui.tenant.message_catalog --check     # exit 1 when it is out of date

A test fails while the block and MESSAGES disagree, so the translators can never miss a sentence.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QT_TRANSLATE_NOOP

from ui.catalog_block import GeneratedCatalog

PATH = Path(__file__)


def _templates() -> dict[str, str]:
    from kiosk.session.messages import MESSAGES

    return {key: template for key, (template, _tone) in MESSAGES.items()}


GENERATED = GeneratedCatalog(PATH, "kiosk.session.messages.MESSAGES", "messages", _templates)
generated_block = GENERATED.generated_block
current_block = GENERATED.current_block


def main(argv: list[str] | None = None) -> int:
    return GENERATED.main("The session's sentences for Qt Linguist.", argv)


# -- generated from kiosk.session.messages.MESSAGES: do not edit below --
# one whole literal per line, however long, as lupdate reads it
# ruff: noqa: E501
# fmt: off
CATALOG: dict[str, object] = {
    "card_blacklisted": QT_TRANSLATE_NOOP("messages", "This card has been blocked (reported lost or replaced). Please call staff."),
    "card_not_issued": QT_TRANSLATE_NOOP("messages", "This card has not been issued yet. Please ask staff to issue it."),
    "card_issue_unfinished": QT_TRANSLATE_NOOP("messages", "Issuing this card did not finish. Please ask staff to issue it again."),
    "card_other_site": QT_TRANSLATE_NOOP("messages", "This card belongs to another building and cannot be used here."),
    "card_tampered": QT_TRANSLATE_NOOP("messages", "This card failed its security check. Please call staff."),
    "card_old_copy": QT_TRANSLATE_NOOP("messages", "This card holds an old copy of its data. Please call staff."),
    "card_torn": QT_TRANSLATE_NOOP("messages", "The last write to this card did not finish. Please tap it again."),
    "card_moved": QT_TRANSLATE_NOOP("messages", "The card moved away while it was being read. Please put it back and hold it still."),
    "card_unsupported": QT_TRANSLATE_NOOP("messages", "This card cannot be used at this kiosk. Please use a card issued here, or call staff."),
    "card_locked": QT_TRANSLATE_NOOP("messages", "This card is locked. Please call staff."),
    "card_unreadable": QT_TRANSLATE_NOOP("messages", "This card could not be read. Please try again, or call staff."),
    "reader_error": QT_TRANSLATE_NOOP("messages", "The card reader is not working. Please call staff."),
    "card_left_during_credit": QT_TRANSLATE_NOOP("messages", "The card moved away while credit owed to it was being written. Please put it back on the reader; nothing is lost."),
    "credit_delivered": QT_TRANSLATE_NOOP("messages", "{amount} paid earlier has been put on your card."),
    "purchase_not_loaded": QT_TRANSLATE_NOOP("messages", "Insert your card into the meter to load {amount}."),
    "write_in_doubt": QT_TRANSLATE_NOOP("messages", "An earlier top-up of this card needs checking by staff. Please call staff; nothing is lost."),
    "meter_state_unreadable": QT_TRANSLATE_NOOP("messages", "The meter's last report on this card could not be read. Insert the card into the meter again."),
    "topup_cancelled": QT_TRANSLATE_NOOP("messages", "The top-up was cancelled. Nothing was charged."),
    "meter_refused_other_meter": QT_TRANSLATE_NOOP("messages", "The meter refused this card: it belongs to another meter. Please call staff."),
    "meter_refused_old_purchase": QT_TRANSLATE_NOOP("messages", "The meter refused the purchase on this card: it is older than the last one the meter loaded. Please call staff."),
    "meter_refused_bad_data": QT_TRANSLATE_NOOP("messages", "The meter refused this card: its data failed the meter's security check. Please call staff."),
    "meter_refused_gap": QT_TRANSLATE_NOOP("messages", "The meter refused the purchase on this card: an earlier purchase was never loaded. Please call staff."),
    "tx_done": QT_TRANSLATE_NOOP("messages", "Done"),
    "tx_credit_pending": QT_TRANSLATE_NOOP("messages", "Waiting for your next tap"),
    "tx_refunded": QT_TRANSLATE_NOOP("messages", "Refunded"),
    "forecast_not_enough_data": QT_TRANSLATE_NOOP("messages", "Not enough meter readings yet to say how long your credit lasts."),
    "forecast_no_use": QT_TRANSLATE_NOOP("messages", "Your meter has recorded no use lately."),
    "forecast_days": QT_TRANSLATE_NOOP("messages", "At about {daily} a day, your credit lasts about {days} more days (until {date})."),
    "forecast_less_than_a_day": QT_TRANSLATE_NOOP("messages", "At about {daily} a day, your credit runs out within a day. Please top up soon."),
    "forecast_run_out": QT_TRANSLATE_NOOP("messages", "At about {daily} a day, your credit has probably run out. Please top up soon."),
    "limits": QT_TRANSLATE_NOOP("messages", "Top up from {min} to {max}."),
    "limits_today": QT_TRANSLATE_NOOP("messages", "Top up from {min} to {max} (what is left of today's limit)."),
    "entry_invalid": QT_TRANSLATE_NOOP("messages", "Type the amount with digits and at most one decimal point."),
    "entry_too_many_decimals": QT_TRANSLATE_NOOP("messages", "Amounts in {currency} have at most {digits} decimal places."),
    "entry_no_decimals": QT_TRANSLATE_NOOP("messages", "Amounts in {currency} have no decimal places."),
    "entry_too_long": QT_TRANSLATE_NOOP("messages", "That number is too long."),
    "amount_zero": QT_TRANSLATE_NOOP("messages", "Enter an amount more than zero."),
    "limit_too_small": QT_TRANSLATE_NOOP("messages", "The smallest top-up is {min}."),
    "limit_too_big": QT_TRANSLATE_NOOP("messages", "The largest top-up is {max}."),
    "limit_daily": QT_TRANSLATE_NOOP("messages", "This card can be topped up by {limit} a day; {left} is left for today."),
    "amount_below_fee": QT_TRANSLATE_NOOP("messages", "The amount must be more than the service fee of {fee}."),
    "amount_not_on_card": QT_TRANSLATE_NOOP("messages", "This card cannot hold that much. Please choose a smaller amount."),
    "amount_refused": QT_TRANSLATE_NOOP("messages", "This amount cannot be bought. Please choose another one."),
    "preview_units": QT_TRANSLATE_NOOP("messages", "{amount} buys {units}."),
    "preview_credit": QT_TRANSLATE_NOOP("messages", "{credit} goes onto your card."),
    "pay_scan": QT_TRANSLATE_NOOP("messages", "Scan the code with your phone to pay {amount}. Keep your card on the reader."),
    "pay_card_away": QT_TRANSLATE_NOOP("messages", "Scan the code with your phone to pay {amount}, then put your card back on the reader."),
    "wrong_card_paying": QT_TRANSLATE_NOOP("messages", "This is not the card being topped up. Put back card {card}."),
    "payment_unavailable": QT_TRANSLATE_NOOP("messages", "Payment is not available right now. Nothing was charged. Please try again later."),
    "payment_expired": QT_TRANSLATE_NOOP("messages", "No payment arrived; nothing was charged. If you did pay, the credit will be put on your card at your next tap."),
    "payment_unconfirmed": QT_TRANSLATE_NOOP("messages", "The payment could not be confirmed. If you paid, the credit will be put on your card at your next tap; otherwise nothing was charged."),
    "writing": QT_TRANSLATE_NOOP("messages", "Writing {amount} to your card. Keep the card on the reader."),
    "card_put_back": QT_TRANSLATE_NOOP("messages", "Put card {card} back on the reader to receive {amount}."),
    "wrong_card": QT_TRANSLATE_NOOP("messages", "This is not the card being topped up; put back card {card}."),
    "credit_kept": QT_TRANSLATE_NOOP("messages", "Your card did not come back. The {amount} you paid is kept and will be written to your card at your next tap."),
    "write_failed": QT_TRANSLATE_NOOP("messages", "Your payment of {amount} is kept, but it could not be written to this card. Please call staff."),
    "kiosk_error": QT_TRANSLATE_NOOP("messages", "Something went wrong at this kiosk. Nothing is lost: if you paid, the credit will be put on your card at your next tap. Please call staff."),
    "done": QT_TRANSLATE_NOOP("messages", "Done. {amount} has been put on your card."),
    "done_wallet": QT_TRANSLATE_NOOP("messages", "Done. {amount} has been added; your card now holds {balance}."),
    "done_meter": QT_TRANSLATE_NOOP("messages", "Done. Insert your card into the meter to load {to_load}."),
    "receipt_not_printed": QT_TRANSLATE_NOOP("messages", "The receipt could not be printed; scan the QR code to keep it."),
    "receipt_not_printed_number": QT_TRANSLATE_NOOP("messages", "The receipt could not be printed; your receipt number is {receipt_no}."),
    "receipt_scan": QT_TRANSLATE_NOOP("messages", "Scan the QR code to keep your receipt."),
    "receipt_number": QT_TRANSLATE_NOOP("messages", "Your receipt number is {receipt_no}."),
}
# fmt: on
# -- end of generated block --

if __name__ == "__main__":
    sys.exit(main())
