"""Every sentence the tenant session says, by stable key: the English source text the UI translates.

One table, so the translators (and the UI's Qt Linguist file) see every sentence in one place, and a
test can check each key formats. A template's ``{placeholders}`` are filled with display-ready
strings (formatted amounts, dates, masked card numbers).

Errors of the layers below (cardlib's codes) are mapped to keys here, once: the session never shows
a lower layer's English message as its own.
"""

from __future__ import annotations

from cardlib.errors import CardError
from kiosk.session.views import Message, Tone

INFO, WARN, ERR = Tone.INFO, Tone.WARNING, Tone.ERROR

#: key -> (English template, tone)
MESSAGES: dict[str, tuple[str, Tone]] = {
    # -- the card on the reader --------------------------------------------------------------------
    "card_blacklisted": (
        "This card has been blocked (reported lost or replaced). Please call staff.",
        ERR,
    ),
    "card_not_issued": ("This card has not been issued yet. Please ask staff to issue it.", WARN),
    "card_issue_unfinished": (
        "Issuing this card did not finish. Please ask staff to issue it again.",
        WARN,
    ),
    "card_other_site": ("This card belongs to another building and cannot be used here.", WARN),
    "card_tampered": ("This card failed its security check. Please call staff.", ERR),
    "card_old_copy": ("This card holds an old copy of its data. Please call staff.", ERR),
    "card_torn": ("The last write to this card did not finish. Please tap it again.", WARN),
    "card_moved": (
        "The card moved away while it was being read. Please put it back and hold it still.",
        WARN,
    ),
    "card_unsupported": (
        "This card cannot be used at this kiosk. Please use a card issued here, or call staff.",
        WARN,
    ),
    "card_locked": ("This card is locked. Please call staff.", ERR),
    "card_unreadable": ("This card could not be read. Please try again, or call staff.", WARN),
    "reader_error": ("The card reader is not working. Please call staff.", ERR),
    "card_left_during_credit": (
        "The card moved away while credit owed to it was being written. Please put it back on "
        "the reader; nothing is lost.",
        WARN,
    ),
    # -- the account screen ------------------------------------------------------------------------
    "credit_delivered": ("{amount} paid earlier has been put on your card.", INFO),
    "purchase_not_loaded": ("Insert your card into the meter to load {amount}.", INFO),
    "write_in_doubt": (
        "An earlier top-up of this card needs checking by staff. Please call staff; nothing is "
        "lost.",
        WARN,
    ),
    "meter_state_unreadable": (
        "The meter's last report on this card could not be read. Insert the card into the meter "
        "again.",
        WARN,
    ),
    "topup_cancelled": ("The top-up was cancelled. Nothing was charged.", INFO),
    "meter_refused_other_meter": (
        "The meter refused this card: it belongs to another meter. Please call staff.",
        ERR,
    ),
    "meter_refused_old_purchase": (
        "The meter refused the purchase on this card: it is older than the last one the meter "
        "loaded. Please call staff.",
        ERR,
    ),
    "meter_refused_bad_data": (
        "The meter refused this card: its data failed the meter's security check. Please call "
        "staff.",
        ERR,
    ),
    "meter_refused_gap": (
        "The meter refused the purchase on this card: an earlier purchase was never loaded. "
        "Please call staff.",
        ERR,
    ),
    "tx_done": ("Done", INFO),
    "tx_credit_pending": ("Waiting for your next tap", WARN),
    "tx_refunded": ("Refunded", INFO),
    "forecast_not_enough_data": (
        "Not enough meter readings yet to say how long your credit lasts.",
        INFO,
    ),
    "forecast_no_use": ("Your meter has recorded no use lately.", INFO),
    "forecast_days": (
        "At about {daily} a day, your credit lasts about {days} more days (until {date}).",
        INFO,
    ),
    "forecast_less_than_a_day": (
        "At about {daily} a day, your credit runs out within a day. Please top up soon.",
        WARN,
    ),
    "forecast_run_out": (
        "At about {daily} a day, your credit has probably run out. Please top up soon.",
        WARN,
    ),
    # -- choosing an amount ------------------------------------------------------------------------
    "limits": ("Top up from {min} to {max}.", INFO),
    "limits_today": ("Top up from {min} to {max} (what is left of today's limit).", INFO),
    "entry_invalid": ("Type the amount with digits and at most one decimal point.", WARN),
    "entry_too_many_decimals": (
        "Amounts in {currency} have at most {digits} decimal places.",
        WARN,
    ),
    "entry_no_decimals": ("Amounts in {currency} have no decimal places.", WARN),
    "entry_too_long": ("That number is too long.", WARN),
    "amount_zero": ("Enter an amount more than zero.", WARN),
    "limit_too_small": ("The smallest top-up is {min}.", WARN),
    "limit_too_big": ("The largest top-up is {max}.", WARN),
    "limit_daily": ("This card can be topped up by {limit} a day; {left} is left for today.", WARN),
    "amount_below_fee": ("The amount must be more than the service fee of {fee}.", WARN),
    "amount_not_on_card": (
        "This card cannot hold that much. Please choose a smaller amount.",
        WARN,
    ),
    "amount_refused": ("This amount cannot be bought. Please choose another one.", WARN),
    "preview_units": ("{amount} buys {units}.", INFO),
    "preview_credit": ("{credit} goes onto your card.", INFO),
    # -- paying ------------------------------------------------------------------------------------
    "pay_scan": (
        "Scan the code with your phone to pay {amount}. Keep your card on the reader.",
        INFO,
    ),
    "pay_card_away": (
        "Scan the code with your phone to pay {amount}, then put your card back on the reader.",
        INFO,
    ),
    "wrong_card_paying": ("This is not the card being topped up. Put back card {card}.", WARN),
    "payment_unavailable": (
        "Payment is not available right now. Nothing was charged. Please try again later.",
        ERR,
    ),
    "payment_expired": (
        "No payment arrived; nothing was charged. If you did pay, the credit will be put on your "
        "card at your next tap.",
        INFO,
    ),
    "payment_unconfirmed": (
        "The payment could not be confirmed. If you paid, the credit will be put on your card at "
        "your next tap; otherwise nothing was charged.",
        WARN,
    ),
    # -- writing to the card -----------------------------------------------------------------------
    "writing": ("Writing {amount} to your card. Keep the card on the reader.", INFO),
    "card_put_back": ("Put card {card} back on the reader to receive {amount}.", WARN),
    "wrong_card": ("This is not the card being topped up; put back card {card}.", WARN),
    "credit_kept": (
        "Your card did not come back. The {amount} you paid is kept and will be written to your "
        "card at your next tap.",
        INFO,
    ),
    "write_failed": (
        "Your payment of {amount} is kept, but it could not be written to this card. Please call "
        "staff.",
        ERR,
    ),
    "kiosk_error": (
        "Something went wrong at this kiosk. Nothing is lost: if you paid, the credit will be put "
        "on your card at your next tap. Please call staff.",
        ERR,
    ),
    # -- done --------------------------------------------------------------------------------------
    "done": ("Done. {amount} has been put on your card.", INFO),
    "done_wallet": ("Done. {amount} has been added; your card now holds {balance}.", INFO),
    "done_meter": ("Done. Insert your card into the meter to load {to_load}.", INFO),
    "receipt_not_printed": ("The receipt could not be printed; scan the QR code to keep it.", WARN),
    "receipt_not_printed_number": (
        "The receipt could not be printed; your receipt number is {receipt_no}.",
        WARN,
    ),
    "receipt_scan": ("Scan the QR code to keep your receipt.", INFO),
    "receipt_number": ("Your receipt number is {receipt_no}.", INFO),
}

#: messages whose problem the tenant cannot solve alone
CALL_STAFF = frozenset(
    {
        "card_blacklisted",
        "card_not_issued",
        "card_issue_unfinished",
        "card_tampered",
        "card_old_copy",
        "card_unsupported",
        "card_locked",
        "reader_error",
        "write_in_doubt",
        "write_failed",
        "kiosk_error",
    }
)

#: cardlib error code -> message key; anything else is "card_unreadable"
CARD_ERRORS: dict[str, str] = {
    "blank_card": "card_not_issued",
    "issue_not_finished": "card_issue_unfinished",
    "foreign_card": "card_other_site",
    "tampered": "card_tampered",
    "plan_mismatch": "card_tampered",
    "replayed": "card_old_copy",
    "torn_write": "card_torn",
    "no_card": "card_moved",
    "card_removed": "card_moved",
    "transmit_failed": "card_moved",
    "unknown_card_type": "card_unsupported",
    "card_too_small": "card_unsupported",
    "bad_format": "card_unsupported",
    "authentication_failed": "card_unsupported",
    "access_denied": "card_unsupported",
    "unsupported_command": "card_unsupported",
    "wrong_role": "card_unsupported",
    "card_locked": "card_locked",
    "reader_error": "reader_error",
}


def say(key: str, **args: object) -> Message:
    """The message ``key`` with its template formatted by ``args`` (made display strings)."""
    template, tone = MESSAGES[key]
    shown = {name: str(value) for name, value in args.items()}
    return Message(key=key, text=template.format(**shown), args=shown, tone=tone)


def for_card_error(exc: CardError) -> Message:
    """What the tenant reads when the card on the reader cannot be used (its code, not its text)."""
    return say(CARD_ERRORS.get(exc.code, "card_unreadable"))
