"""Every sentence admin mode says to staff, by stable key: the English text the UI translates.

kiosk.admin never hands the touchscreen a ready-made sentence. Errors (:class:`~kiosk.admin.errors.
AdminError`), hardware-check rows, the sync status, the cash top-up's outcome, what a replacement
carries and a tariff in words are :class:`Sentence` s: a key of :data:`MESSAGES` and the values
of its ``{placeholders}``. A value is a display-ready string (a formatted amount, a date, a UID)
or itself a Sentence (a role, a card status, what was under way), translated in its turn.
``Sentence.text`` is the English rendering, for logs, the audit log, the command line and the
tests; ui.admin.text translates the template by key (ui.admin.message_catalog marks every one for
Qt Linguist) and formats the same values.

Sentences of the layers below that admin mode cannot know in advance -- a printer's own words, a
payment provider's or a meter's error, the field a tariff check names -- travel as a ``detail``
value inside an admin sentence: the frame is translated, the detail is shown as that layer said
it. cardlib's errors are not: each of its codes has its own sentence here (:data:`CARD_ERRORS`).

Printed and recorded texts -- the X and Z reports, receipts, the card dump of kiosk.admin.inspect
-- are not sentences for the screen: they stay as printed, in English.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

#: key -> English template
MESSAGES: dict[str, str] = {
    # -- signing in and PINs -----------------------------------------------------------------------
    "pin_format": "A PIN is 4 to 8 digits (0-9), nothing else.",
    "pin_repeated": "A PIN of one digit repeated (such as 0000) is too easy to guess.",
    "pin_consecutive": "A PIN of consecutive digits (such as 1234) is too easy to guess.",
    "pin_pair": "A PIN of one pair repeated (such as 1212) is too easy to guess.",
    "pin_keypad_pattern": "This PIN is a pattern on the keypad: too easy to guess.",
    "wrong_pin_one": "Wrong PIN. {n} attempt left before admin mode locks.",
    "wrong_pin": "Wrong PIN. {n} attempts left before admin mode locks.",
    "locked": "Too many wrong PINs: admin mode is locked for this card until {until}.",
    "login_not_staff_card": "This is not a staff card: it does not open admin mode.",
    "login_unknown_card": "This card is not known here: it does not open admin mode.",
    "login_card_blocked": "This staff card has been blocked: ask a manager for a new one.",
    "login_staff_inactive": "This staff member is no longer active here.",
    "login_card_mismatch": "This staff card does not match its record: ask a manager.",
    "login_no_pin": "{name} has no PIN yet: set one with `prepay-kiosk staff pin --id {staff_id}`.",
    "signed_out": "You are signed out: tap your staff card and enter your PIN.",
    "signed_out_idle": "Signed out after {minutes} minutes without use: tap your staff card again.",
    "account_inactive": "Your staff card or account is no longer active.",
    "not_allowed_operator": "An operator cannot {action}: ask a manager.",
    "not_allowed_manager": "A manager cannot {action}: ask a manager.",
    # -- staff members -----------------------------------------------------------------------------
    "no_staff_member": "There is no staff member {staff_id}.",
    "staff_inactive": "{name} is no longer active here.",
    "staff_has_card": (
        "{name} already has an active staff card (serial {serial}): block it first if it is lost."
    ),
    "staff_name_length": "A staff member needs a name (1-{max} characters).",
    "staff_id_range": "A staff id is a whole number from 1.",
    "staff_id_taken": "Staff id {staff_id} is already {name}.",
    "site_not_set_up": "Site {site} is not set up in this database.",
    "unknown_role": "Unknown role {role}: choose one of {roles}.",
    # -- issuing and blocking cards ----------------------------------------------------------------
    "serial_range": "A card serial is a number from 1 to {max}.",
    "serial_taken": (
        "Serial {serial} is already card {uid} ({status}): check the number printed on the card."
    ),
    "tenant_card_role": "A tenant's card is a meter card or a wallet card.",
    "tenant_id_range": "A tenant id is a number from 1 to {max}.",
    "meter_card_needs_meter": "A meter card needs the meter it is bound to.",
    "meter_id_range": "A meter id is a number from 1 to {max}.",
    "meter_not_registered": (
        "Meter {meter} is not registered: give its tariff to register it with the card."
    ),
    "meter_bad_utility": "A meter measures electricity or water, not {utility}.",
    "meter_networked": "Meter {meter} is a networked meter: it takes no card.",
    "meter_other_tenant": "Meter {meter} belongs to tenant {owner}, not {tenant}.",
    "meter_has_card": (
        "Meter {meter} already has an active card (serial {serial}): replace that card instead "
        "of issuing a second one."
    ),
    "meter_utility_no_card": "Meter {meter} measures {utility}: no card for it.",
    "block_needs_reason": "Blocking a card needs a reason.",
    "no_card_here": "There is no card {uid} here.",
    "card_already_status": "Card {uid} is already {status}.",
    "already_issued_here": (
        "This card is already issued here ({role} card, serial {serial}, {status}): it cannot be "
        "issued again."
    ),
    "already_issued_staff": (
        "This card is already issued ({role} card, serial {serial}, staff {holder}): to replace a "
        "lost card use Replace."
    ),
    "already_issued_tenant": (
        "This card is already issued ({role} card, serial {serial}, tenant {holder}): to replace "
        "a lost card use Replace."
    ),
    "find_cards_criteria": "Look a card up by tenant, serial number, UID or staff member.",
    # -- replacing a lost card ---------------------------------------------------------------------
    "replace_needs_reason": "A card replacement needs a reason (lost, stolen, broken).",
    "staff_card_no_value": (
        "A staff card carries no value: block it and issue the staff member a new one."
    ),
    "already_replaced": "Card {uid} was already replaced by {new_uid}.",
    "not_replaceable": "Card {uid} is {status}: it cannot be replaced.",
    "value_uncertain": "{warning} Confirm to carry the last known value anyway.",
    "same_card": "This is the card being replaced: put the NEW card on the reader.",
    "replacement_card_known": (
        "This card is already issued here ({role} card, serial {serial}): use a blank card for "
        "the replacement."
    ),
    "replacement_card_issued": "This card is already issued: use a blank card for the replacement.",
    "new_serial_taken": (
        "Serial {serial} is already card {uid}: check the number printed on the new card."
    ),
    "not_the_new_card": "This is not the new card: put it back on the reader.",
    "new_card_used": "The new card was written since it was issued: use another blank card.",
    "new_card_mismatch": (
        "The new card holds something other than the replacement wrote: use another blank card."
    ),
    "basis_replacement_begun": "as decided when this replacement began",
    "basis_last_write": "the last write this kiosk made to it (counter {counter})",
    "basis_as_issued": "as issued: this kiosk has not written to it since",
    "basis_in_doubt": (
        "a write whose outcome was never learned (counter {counter}), taken as made: its top-up "
        "is delivered on the new card"
    ),
    "warn_unsettled": (
        "{n} earlier write(s) to this card were never settled (orders {orders}): they are not "
        "carried; settle them with the tenant."
    ),
    "warn_written_after": (
        "The card was written after the last write recorded here (its counter reached {host}, "
        "the last known record is {counter}): by a service terminal or another kiosk. Its value "
        "since is not known here."
    ),
    # -- money -------------------------------------------------------------------------------------
    "cash_amount_zero": "Enter the cash amount taken (more than zero).",
    "cash_on_card": "The cash is on the card.",
    "cash_not_delivered": (
        "The card was taken away before the credit was written: the cash is recorded and the "
        "credit goes onto the card at its next tap."
    ),
    "amount_not_number": "'{text}' is not an amount.",
    "amount_too_many_decimals": "'{text}' has more than {digits} decimal places.",
    "amount_not_positive": "The amount must be more than zero.",
    "limit_too_small": "The smallest top-up is {min}.",
    "limit_too_big": "The largest top-up is {max}.",
    "limit_daily": "This card can be topped up by {limit} a day; {left} is left for today.",
    "no_order": "There is no order {order}.",
    "order_no_receipt": "Order {order} has no receipt: only finished top-ups have one.",
    "orders_limit": "Show between 1 and {max} orders, not {n}.",
    "refund_needs_reason": "A refund needs a reason.",
    "refund_not_refundable": (
        "Only paid top-ups not yet on a card can be refunded (this one is {state})."
    ),
    "refund_write_in_doubt": "The card may already hold this credit: tap the card first.",
    "replacement_in_progress": (
        "This top-up is being moved onto a replacement card: finish the replacement first."
    ),
    # -- tariffs -----------------------------------------------------------------------------------
    "no_tariff": "There is no tariff {code}.",
    "no_tariff_version": "Tariff {code} has no version {version}.",
    "tariff_not_json": "Tariff: this is not JSON (line {line}, column {column}: {problem}).",
    "tariff_field": "Tariff: {field}: {problem}",
    "tariff_problem": "Tariff: {problem}",
    "tariff_needs_zone": "The date a tariff is valid from needs a time zone.",
    "tariff_version_old": (
        "{ref} is older than the newest version, v{newest}: publish a new price as v{next}."
    ),
    "tariff_title": "{ref}: {name}",
    "tariff_basics": "{utility}, {currency}, time zone {timezone}",
    "tariff_flat": "Flat rate: {price}",
    "tariff_block": "From {start} to {end} {unit} a month: {price}",
    "tariff_block_above": "From {start} and above a month: {price}",
    "tariff_period": "{name} {start}-{end}: {price}",
    "tariff_other_times": "{name} (other times): {price}",
    "tariff_fee_topup": "{label}: {amount} per top-up",
    "tariff_fee_month": "{label}: {amount} per month",
    "tariff_debt": "Debt recovery: {share} % of each top-up",
    "tariff_debt_cap": "Debt recovery: {share} % of each top-up, at most {cap}",
    # -- reports -----------------------------------------------------------------------------------
    "clock_behind": (
        "The kiosk's clock ({now}) is before the end of Z {z} ({end}): set the clock right, then "
        "take the Z report."
    ),
    "z_taken_meanwhile": (
        "Z {z} was taken meanwhile ({when}): take the Z report again for the time since."
    ),
    "z_taken_same_time": (
        "Another Z report was taken at the same time: take the Z report again for the time since."
    ),
    "no_z_report": "There is no Z report {z} on this kiosk.",
    # -- the audit log -----------------------------------------------------------------------------
    "audit_limit": "Show between 1 and {max} audit entries, not {n}.",
    "audit_time_zone": "The '{name}' time needs a time zone.",
    # -- the hardware check ------------------------------------------------------------------------
    "part_reader": "reader",
    "part_printer": "printer",
    "part_payments": "payments ({provider})",
    "part_meters": "networked meters",
    "part_meter": "meter {meter}",
    "part_database": "database",
    "part_sync": "sync",
    "hw_no_reader": "No card reader is connected: cards cannot be read or written.",
    "hw_reader_problem": "{reader}: {problem}",
    "hw_reader_card": "{reader} answers; a card is on it.",
    "hw_reader_no_card": "{reader} answers; no card on it.",
    "hw_no_printer": "No receipt printer is set up: receipts are shown on screen.",
    "hw_printer_state": "{state}",
    "hw_printer_problem": "{problem}",
    "hw_provider_ok": "{provider} answers.",
    "hw_provider_refused": "{provider} answers (it refused the test query: {detail}).",
    "hw_provider_unreachable": "{provider} cannot be reached: {detail}",
    "hw_no_meters": "No networked meters are set up on this kiosk.",
    "hw_meters_not_set_up": "The meters could not be set up: {detail}",
    "hw_no_meters_registered": "No networked meters are registered.",
    "hw_meter_ok": "{address} answers: {energy} Wh, relay {relay}.",
    "hw_meter_silent": "{address} does not answer: {detail}",
    "hw_db_ok": "Writable; {size} MB.",
    "hw_db_unwritable": "The database cannot be written: {error}.",
    "hw_db_size_unknown": "Written to, but its size cannot be read: {error}.",
    # -- sync --------------------------------------------------------------------------------------
    "sync_nothing_waits": "nothing waits",
    "sync_one_waits": "{n} message waits, the oldest from {when}",
    "sync_many_wait": "{n} messages wait, the oldest from {when}",
    "sync_not_configured": "No sync backend is configured yet: {waiting}.",
    "sync_backend": "Backend {url}: {waiting}; {sent}; {pulled}.",
    "sync_backend_error": "Backend {url}: {waiting}; {sent}; {pulled}; last error: {error}.",
    "sync_last_sent": "last sent {when}",
    "sync_nothing_sent": "nothing sent yet",
    "sync_last_pulled": "blocked cards and tariffs as of {when}",
    "sync_nothing_pulled": "no blocked cards or tariffs received yet",
    # -- the card on the reader (cardlib's codes, see CARD_ERRORS) ---------------------------------
    "no_reader": "No card reader is connected.",
    "card_error": "The card could not be used.",
    "card_reader_error": "The card reader is not working: check its cable, or call a technician.",
    "card_no_card": "No card on the reader: put the card on it and try again.",
    "card_removed": "The card was taken away too early: put it back on the reader and try again.",
    "card_transmit_failed": (
        "The card did not answer a command: hold it still on the reader and try again."
    ),
    "card_unsupported_command": "This reader or card cannot do that.",
    "card_authentication_failed": (
        "The card refused this site's key: it belongs to another site or was tampered with."
    ),
    "card_locked": "This card is locked after too many wrong codes.",
    "card_access_denied": "The card does not allow this operation.",
    "card_unknown_type": "This kind of card is not supported here.",
    "card_too_small": "This card has too little memory for a prepaid card.",
    "card_blank": "This card has not been issued yet.",
    "card_issue_not_finished": "Issuing this card did not finish: issue it again to finish it.",
    "card_bad_format": "The data on this card is not in a format this kiosk understands.",
    "card_foreign": "This card belongs to another building.",
    "card_tampered": "The data on this card failed its security check.",
    "card_replayed": "This card holds an old copy of its data.",
    "card_plan_mismatch": "The card holds something other than what was planned for it.",
    "card_torn_write": "The last write to this card did not finish: tap it again to finish it.",
    "card_insufficient_funds": "Not enough credit on the card.",
    "card_value_limit": "That amount does not fit on the card.",
    "card_wrong_role": "This card cannot be used for that.",
    "card_already_issued": "This card is already issued.",
    "removed_while_issuing": (
        "The card was taken away while it was being issued. Put it back and try again: it resumes."
    ),
    "removed_while_issuing_new": (
        "The card was taken away while the new card was being issued. Put it back and try again: "
        "it resumes."
    ),
    "removed_while_writing_new": (
        "The card was taken away while the new card was being written. Put it back and try "
        "again: it resumes."
    ),
    "removed_while_writing_value": (
        "The card was taken away while the value was being written to the new card. Put it back "
        "and try again: it resumes."
    ),
    "removed_while_crediting": (
        "The card was taken away while the credit was being written. Put it back and try again: "
        "it resumes."
    ),
    # -- what the layers below said ----------------------------------------------------------------
    "card_blacklisted": "This card has been blocked: it cannot be topped up.",
    "card_away": "The card was taken away before the credit was written.",
    "topup_refused": "The top-up cannot go on: {detail}",
    "payment_unavailable": "The payment provider cannot be reached: {detail}",
    "payment_refused": "The payment provider refused: {detail}",
    "payment_failed": "The payment provider reported a problem: {detail}",
    "receipt_failed": "The receipt could not be made: {detail}",
    "bad_amount": "The amount is not valid: {detail}",
    "service_failed": "A part of the kiosk failed: {detail}",
    # -- two sentences as one ----------------------------------------------------------------------
    "two_sentences": "{first} {second}",
    # -- words inside sentences --------------------------------------------------------------------
    "role_meter": "meter",
    "role_wallet": "wallet",
    "role_staff": "staff",
    "status_active": "active",
    "status_blacklisted": "blacklisted",
    "status_replaced": "replaced",
    "state_card_read": "card read",
    "state_amount_chosen": "amount chosen",
    "state_order_created": "order created",
    "state_paid": "paid",
    "state_write_pending": "write pending",
    "state_written": "written",
    "state_done": "done",
    "state_cancelled": "cancelled",
    "state_expired": "expired",
    "state_credit_pending": "credit pending",
    "state_refund_pending": "refund pending",
    "state_refunded": "refunded",
    "utility_electricity": "electricity",
    "utility_water": "water",
    "utility_service": "service",
    "relay_closed": "closed",
    "relay_open": "open",
    "relay_none": "none",
    "word_none": "none",
    "method_cash": "cash",
    "method_staff": "staff credit",
    # the actions of kiosk.admin.roles.Action, as "An operator cannot {action}" names them
    "action_cash_topup": "cash topup",
    "action_reprint": "reprint",
    "action_read_card": "read card",
    "action_hardware_check": "hardware check",
    "action_sync_status": "sync status",
    "action_view_audit": "view audit",
    "action_view_orders": "view orders",
    "action_change_own_pin": "change own pin",
    "action_issue_card": "issue card",
    "action_issue_staff_card": "issue staff card",
    "action_block_card": "block card",
    "action_replace_card": "replace card",
    "action_refund": "refund",
    "action_view_tariffs": "view tariffs",
    "action_publish_tariff": "publish tariff",
    "action_x_report": "x report",
    "action_day_end": "day end",
    "action_set_pin": "set pin",
}


@dataclass(frozen=True)
class Sentence:
    """A sentence for staff: the key of its template and the values of its placeholders."""

    key: str
    args: Mapping[str, str | Sentence] = field(default_factory=dict, hash=False)

    @property
    def template(self) -> str:
        return MESSAGES[self.key]

    @property
    def text(self) -> str:
        """In English, as logs, the audit log and the command line show it."""
        values = {
            name: value.text if isinstance(value, Sentence) else value
            for name, value in self.args.items()
        }
        return self.template.format(**values)

    def __str__(self) -> str:
        return self.text


def say(key: str, **args: object) -> Sentence:
    """The sentence ``key`` with ``args`` (Sentences kept, anything else made a string)."""
    if key not in MESSAGES:
        raise KeyError(f"no admin sentence {key!r}")
    return Sentence(
        key, {name: v if isinstance(v, Sentence) else str(v) for name, v in args.items()}
    )


def word(family: str, value: str) -> Sentence:
    """A word of a family (``role``, ``status``, ``state``, ``utility``, ``relay``, ``action``)
    by its stored value (KeyError for a value the family does not have)."""
    return say(f"{family}_{value}")


def both(first: Sentence, second: Sentence | None) -> Sentence:
    """Two sentences shown as one (``second`` None: just the first)."""
    return first if second is None else say("two_sentences", first=first, second=second)


#: cardlib error code -> sentence key; anything else is "card_error"
CARD_ERRORS: dict[str, str] = {
    "reader_error": "card_reader_error",
    "no_card": "card_no_card",
    "card_removed": "card_removed",
    "transmit_failed": "card_transmit_failed",
    "unsupported_command": "card_unsupported_command",
    "native_refused": "card_unsupported_command",
    "authentication_failed": "card_authentication_failed",
    "card_locked": "card_locked",
    "access_denied": "card_access_denied",
    "unknown_card_type": "card_unknown_type",
    "card_too_small": "card_too_small",
    "blank_card": "card_blank",
    "issue_not_finished": "card_issue_not_finished",
    "bad_format": "card_bad_format",
    "foreign_card": "card_foreign",
    "tampered": "card_tampered",
    "replayed": "card_replayed",
    "plan_mismatch": "card_plan_mismatch",
    "torn_write": "card_torn_write",
    "insufficient_funds": "card_insufficient_funds",
    "value_limit": "card_value_limit",
    "wrong_role": "card_wrong_role",
    "already_issued": "card_already_issued",
}

#: what was under way when a card was pulled away (kiosk.admin.issuing.card_problem's ``doing``)
REMOVED_WHILE: dict[str, str] = {
    "it was being issued": "removed_while_issuing",
    "the new card was being issued": "removed_while_issuing_new",
    "the new card was being written": "removed_while_writing_new",
    "the value was being written to the new card": "removed_while_writing_value",
    "the credit was being written": "removed_while_crediting",
}


def card_sentence(code: str, doing: str = "") -> Sentence:
    """What staff read when a card could not be used (cardlib's ``code``); a card pulled away
    while ``doing`` something (a phrase of :data:`REMOVED_WHILE`) says how to finish."""
    if code == "card_removed" and doing in REMOVED_WHILE:
        return say(REMOVED_WHILE[doing])
    return say(CARD_ERRORS.get(code, "card_error"))
