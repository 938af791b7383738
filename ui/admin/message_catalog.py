"""Every sentence of admin mode marked for Qt Linguist: generated, never edited by hand.

``pyside6-lupdate`` reads source code, not data, so the templates of
:data:`kiosk.admin.messages.MESSAGES` are written out below as ``QT_TRANSLATE_NOOP`` calls in
the context ``admin_messages`` (the one :func:`ui.admin.text.staff_text` translates in). After a
change to MESSAGES, regenerate the block, then the .ts (``python -m ui.i18n_update``)::

    python -m ui.admin.message_catalog --write     # rewrite the block below
    python -m ui.admin.message_catalog --check     # exit 1 when it is out of date

A test fails while the block and MESSAGES disagree, so the translators can never miss a sentence.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from PySide6.QtCore import QT_TRANSLATE_NOOP

BEGIN = "# -- generated from kiosk.admin.messages.MESSAGES: do not edit below --"
END = "# -- end of generated block --"
PATH = Path(__file__)


def _literal(text: str) -> str:
    """A double-quoted Python literal lupdate reads back as ``text``."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def generated_block() -> str:
    """The block as MESSAGES says it should be, markers included."""
    from kiosk.admin.messages import MESSAGES

    lines = [
        BEGIN,
        "# one whole literal per line, however long, as lupdate reads it",
        "# ruff: noqa: E501",
        "# fmt: off",
        "CATALOG: dict[str, object] = {",
    ]
    for key, template in MESSAGES.items():
        lines.append(f'    "{key}": QT_TRANSLATE_NOOP("admin_messages", {_literal(template)}),')
    lines += ["}", "# fmt: on", END]
    return "\n".join(lines)


def current_block(source: str) -> str:
    # the markers as whole lines: the constants above spell them too, inside quotes
    start = source.index("\n" + BEGIN + "\n") + 1
    end = source.index("\n" + END + "\n", start) + 1 + len(END)
    return source[start:end]


def write(path: Path = PATH) -> bool:
    """Rewrite the generated block in ``path``; True when it changed."""
    source = path.read_text(encoding="utf-8")
    fresh = source.replace(current_block(source), generated_block())
    if fresh == source:
        return False
    path.write_text(fresh, encoding="utf-8")
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Admin mode's sentences for Qt Linguist.")
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--write", action="store_true", help="regenerate the block")
    group.add_argument("--check", action="store_true", help="exit 1 when it is out of date")
    args = parser.parse_args(argv)
    if args.write:
        print(f"{PATH}: {'regenerated' if write() else 'already up to date'}")
        return 0
    stale = current_block(PATH.read_text(encoding="utf-8")) != generated_block()
    print(f"{PATH}: {'out of date: run --write' if stale else 'up to date'}")
    return int(stale)


# -- generated from kiosk.admin.messages.MESSAGES: do not edit below --
# one whole literal per line, however long, as lupdate reads it
# ruff: noqa: E501
# fmt: off
CATALOG: dict[str, object] = {
    "pin_format": QT_TRANSLATE_NOOP("admin_messages", "A PIN is 4 to 8 digits (0-9), nothing else."),
    "pin_repeated": QT_TRANSLATE_NOOP("admin_messages", "A PIN of one digit repeated (such as 0000) is too easy to guess."),
    "pin_consecutive": QT_TRANSLATE_NOOP("admin_messages", "A PIN of consecutive digits (such as 1234) is too easy to guess."),
    "pin_pair": QT_TRANSLATE_NOOP("admin_messages", "A PIN of one pair repeated (such as 1212) is too easy to guess."),
    "pin_keypad_pattern": QT_TRANSLATE_NOOP("admin_messages", "This PIN is a pattern on the keypad: too easy to guess."),
    "wrong_pin_one": QT_TRANSLATE_NOOP("admin_messages", "Wrong PIN. {n} attempt left before admin mode locks."),
    "wrong_pin": QT_TRANSLATE_NOOP("admin_messages", "Wrong PIN. {n} attempts left before admin mode locks."),
    "locked": QT_TRANSLATE_NOOP("admin_messages", "Too many wrong PINs: admin mode is locked for this card until {until}."),
    "login_not_staff_card": QT_TRANSLATE_NOOP("admin_messages", "This is not a staff card: it does not open admin mode."),
    "login_unknown_card": QT_TRANSLATE_NOOP("admin_messages", "This card is not known here: it does not open admin mode."),
    "login_card_blocked": QT_TRANSLATE_NOOP("admin_messages", "This staff card has been blocked: ask a manager for a new one."),
    "login_staff_inactive": QT_TRANSLATE_NOOP("admin_messages", "This staff member is no longer active here."),
    "login_card_mismatch": QT_TRANSLATE_NOOP("admin_messages", "This staff card does not match its record: ask a manager."),
    "login_no_pin": QT_TRANSLATE_NOOP("admin_messages", "{name} has no PIN yet: set one with `prepay-kiosk staff pin --id {staff_id}`."),
    "signed_out": QT_TRANSLATE_NOOP("admin_messages", "You are signed out: tap your staff card and enter your PIN."),
    "signed_out_idle": QT_TRANSLATE_NOOP("admin_messages", "Signed out after {minutes} minutes without use: tap your staff card again."),
    "account_inactive": QT_TRANSLATE_NOOP("admin_messages", "Your staff card or account is no longer active."),
    "not_allowed_operator": QT_TRANSLATE_NOOP("admin_messages", "An operator cannot {action}: ask a manager."),
    "not_allowed_manager": QT_TRANSLATE_NOOP("admin_messages", "A manager cannot {action}: ask a manager."),
    "no_staff_member": QT_TRANSLATE_NOOP("admin_messages", "There is no staff member {staff_id}."),
    "staff_inactive": QT_TRANSLATE_NOOP("admin_messages", "{name} is no longer active here."),
    "staff_has_card": QT_TRANSLATE_NOOP("admin_messages", "{name} already has an active staff card (serial {serial}): block it first if it is lost."),
    "staff_name_length": QT_TRANSLATE_NOOP("admin_messages", "A staff member needs a name (1-{max} characters)."),
    "staff_id_range": QT_TRANSLATE_NOOP("admin_messages", "A staff id is a whole number from 1."),
    "staff_id_taken": QT_TRANSLATE_NOOP("admin_messages", "Staff id {staff_id} is already {name}."),
    "site_not_set_up": QT_TRANSLATE_NOOP("admin_messages", "Site {site} is not set up in this database."),
    "unknown_role": QT_TRANSLATE_NOOP("admin_messages", "Unknown role {role}: choose one of {roles}."),
    "serial_range": QT_TRANSLATE_NOOP("admin_messages", "A card serial is a number from 1 to {max}."),
    "serial_taken": QT_TRANSLATE_NOOP("admin_messages", "Serial {serial} is already card {uid} ({status}): check the number printed on the card."),
    "tenant_card_role": QT_TRANSLATE_NOOP("admin_messages", "A tenant's card is a meter card or a wallet card."),
    "tenant_id_range": QT_TRANSLATE_NOOP("admin_messages", "A tenant id is a number from 1 to {max}."),
    "meter_card_needs_meter": QT_TRANSLATE_NOOP("admin_messages", "A meter card needs the meter it is bound to."),
    "meter_id_range": QT_TRANSLATE_NOOP("admin_messages", "A meter id is a number from 1 to {max}."),
    "meter_not_registered": QT_TRANSLATE_NOOP("admin_messages", "Meter {meter} is not registered: give its tariff to register it with the card."),
    "meter_bad_utility": QT_TRANSLATE_NOOP("admin_messages", "A meter measures electricity or water, not {utility}."),
    "meter_networked": QT_TRANSLATE_NOOP("admin_messages", "Meter {meter} is a networked meter: it takes no card."),
    "meter_other_tenant": QT_TRANSLATE_NOOP("admin_messages", "Meter {meter} belongs to tenant {owner}, not {tenant}."),
    "meter_has_card": QT_TRANSLATE_NOOP("admin_messages", "Meter {meter} already has an active card (serial {serial}): replace that card instead of issuing a second one."),
    "meter_utility_no_card": QT_TRANSLATE_NOOP("admin_messages", "Meter {meter} measures {utility}: no card for it."),
    "block_needs_reason": QT_TRANSLATE_NOOP("admin_messages", "Blocking a card needs a reason."),
    "no_card_here": QT_TRANSLATE_NOOP("admin_messages", "There is no card {uid} here."),
    "card_already_status": QT_TRANSLATE_NOOP("admin_messages", "Card {uid} is already {status}."),
    "already_issued_here": QT_TRANSLATE_NOOP("admin_messages", "This card is already issued here ({role} card, serial {serial}, {status}): it cannot be issued again."),
    "already_issued_staff": QT_TRANSLATE_NOOP("admin_messages", "This card is already issued ({role} card, serial {serial}, staff {holder}): to replace a lost card use Replace."),
    "already_issued_tenant": QT_TRANSLATE_NOOP("admin_messages", "This card is already issued ({role} card, serial {serial}, tenant {holder}): to replace a lost card use Replace."),
    "find_cards_criteria": QT_TRANSLATE_NOOP("admin_messages", "Look a card up by tenant, serial number, UID or staff member."),
    "replace_needs_reason": QT_TRANSLATE_NOOP("admin_messages", "A card replacement needs a reason (lost, stolen, broken)."),
    "staff_card_no_value": QT_TRANSLATE_NOOP("admin_messages", "A staff card carries no value: block it and issue the staff member a new one."),
    "already_replaced": QT_TRANSLATE_NOOP("admin_messages", "Card {uid} was already replaced by {new_uid}."),
    "not_replaceable": QT_TRANSLATE_NOOP("admin_messages", "Card {uid} is {status}: it cannot be replaced."),
    "value_uncertain": QT_TRANSLATE_NOOP("admin_messages", "{warning} Confirm to carry the last known value anyway."),
    "same_card": QT_TRANSLATE_NOOP("admin_messages", "This is the card being replaced: put the NEW card on the reader."),
    "replacement_card_known": QT_TRANSLATE_NOOP("admin_messages", "This card is already issued here ({role} card, serial {serial}): use a blank card for the replacement."),
    "replacement_card_issued": QT_TRANSLATE_NOOP("admin_messages", "This card is already issued: use a blank card for the replacement."),
    "new_serial_taken": QT_TRANSLATE_NOOP("admin_messages", "Serial {serial} is already card {uid}: check the number printed on the new card."),
    "not_the_new_card": QT_TRANSLATE_NOOP("admin_messages", "This is not the new card: put it back on the reader."),
    "new_card_used": QT_TRANSLATE_NOOP("admin_messages", "The new card was written since it was issued: use another blank card."),
    "new_card_mismatch": QT_TRANSLATE_NOOP("admin_messages", "The new card holds something other than the replacement wrote: use another blank card."),
    "basis_replacement_begun": QT_TRANSLATE_NOOP("admin_messages", "as decided when this replacement began"),
    "basis_last_write": QT_TRANSLATE_NOOP("admin_messages", "the last write this kiosk made to it (counter {counter})"),
    "basis_as_issued": QT_TRANSLATE_NOOP("admin_messages", "as issued: this kiosk has not written to it since"),
    "basis_in_doubt": QT_TRANSLATE_NOOP("admin_messages", "a write whose outcome was never learned (counter {counter}), taken as made: its top-up is delivered on the new card"),
    "warn_unsettled": QT_TRANSLATE_NOOP("admin_messages", "{n} earlier write(s) to this card were never settled (orders {orders}): they are not carried; settle them with the tenant."),
    "warn_written_after": QT_TRANSLATE_NOOP("admin_messages", "The card was written after the last write recorded here (its counter reached {host}, the last known record is {counter}): by a service terminal or another kiosk. Its value since is not known here."),
    "cash_amount_zero": QT_TRANSLATE_NOOP("admin_messages", "Enter the cash amount taken (more than zero)."),
    "cash_on_card": QT_TRANSLATE_NOOP("admin_messages", "The cash is on the card."),
    "cash_not_delivered": QT_TRANSLATE_NOOP("admin_messages", "The card was taken away before the credit was written: the cash is recorded and the credit goes onto the card at its next tap."),
    "amount_not_number": QT_TRANSLATE_NOOP("admin_messages", "'{text}' is not an amount."),
    "amount_too_many_decimals": QT_TRANSLATE_NOOP("admin_messages", "'{text}' has more than {digits} decimal places."),
    "amount_not_positive": QT_TRANSLATE_NOOP("admin_messages", "The amount must be more than zero."),
    "limit_too_small": QT_TRANSLATE_NOOP("admin_messages", "The smallest top-up is {min}."),
    "limit_too_big": QT_TRANSLATE_NOOP("admin_messages", "The largest top-up is {max}."),
    "limit_daily": QT_TRANSLATE_NOOP("admin_messages", "This card can be topped up by {limit} a day; {left} is left for today."),
    "no_order": QT_TRANSLATE_NOOP("admin_messages", "There is no order {order}."),
    "order_no_receipt": QT_TRANSLATE_NOOP("admin_messages", "Order {order} has no receipt: only finished top-ups have one."),
    "orders_limit": QT_TRANSLATE_NOOP("admin_messages", "Show between 1 and {max} orders, not {n}."),
    "refund_needs_reason": QT_TRANSLATE_NOOP("admin_messages", "A refund needs a reason."),
    "refund_not_refundable": QT_TRANSLATE_NOOP("admin_messages", "Only paid top-ups not yet on a card can be refunded (this one is {state})."),
    "refund_write_in_doubt": QT_TRANSLATE_NOOP("admin_messages", "The card may already hold this credit: tap the card first."),
    "replacement_in_progress": QT_TRANSLATE_NOOP("admin_messages", "This top-up is being moved onto a replacement card: finish the replacement first."),
    "no_tariff": QT_TRANSLATE_NOOP("admin_messages", "There is no tariff {code}."),
    "no_tariff_version": QT_TRANSLATE_NOOP("admin_messages", "Tariff {code} has no version {version}."),
    "tariff_not_json": QT_TRANSLATE_NOOP("admin_messages", "Tariff: this is not JSON (line {line}, column {column}: {problem})."),
    "tariff_field": QT_TRANSLATE_NOOP("admin_messages", "Tariff: {field}: {problem}"),
    "tariff_problem": QT_TRANSLATE_NOOP("admin_messages", "Tariff: {problem}"),
    "tariff_needs_zone": QT_TRANSLATE_NOOP("admin_messages", "The date a tariff is valid from needs a time zone."),
    "tariff_version_old": QT_TRANSLATE_NOOP("admin_messages", "{ref} is older than the newest version, v{newest}: publish a new price as v{next}."),
    "tariff_title": QT_TRANSLATE_NOOP("admin_messages", "{ref}: {name}"),
    "tariff_basics": QT_TRANSLATE_NOOP("admin_messages", "{utility}, {currency}, time zone {timezone}"),
    "tariff_flat": QT_TRANSLATE_NOOP("admin_messages", "Flat rate: {price}"),
    "tariff_block": QT_TRANSLATE_NOOP("admin_messages", "From {start} to {end} {unit} a month: {price}"),
    "tariff_block_above": QT_TRANSLATE_NOOP("admin_messages", "From {start} and above a month: {price}"),
    "tariff_period": QT_TRANSLATE_NOOP("admin_messages", "{name} {start}-{end}: {price}"),
    "tariff_other_times": QT_TRANSLATE_NOOP("admin_messages", "{name} (other times): {price}"),
    "tariff_fee_topup": QT_TRANSLATE_NOOP("admin_messages", "{label}: {amount} per top-up"),
    "tariff_fee_month": QT_TRANSLATE_NOOP("admin_messages", "{label}: {amount} per month"),
    "tariff_debt": QT_TRANSLATE_NOOP("admin_messages", "Debt recovery: {share} % of each top-up"),
    "tariff_debt_cap": QT_TRANSLATE_NOOP("admin_messages", "Debt recovery: {share} % of each top-up, at most {cap}"),
    "clock_behind": QT_TRANSLATE_NOOP("admin_messages", "The kiosk's clock ({now}) is before the end of Z {z} ({end}): set the clock right, then take the Z report."),
    "z_taken_meanwhile": QT_TRANSLATE_NOOP("admin_messages", "Z {z} was taken meanwhile ({when}): take the Z report again for the time since."),
    "z_taken_same_time": QT_TRANSLATE_NOOP("admin_messages", "Another Z report was taken at the same time: take the Z report again for the time since."),
    "no_z_report": QT_TRANSLATE_NOOP("admin_messages", "There is no Z report {z} on this kiosk."),
    "audit_limit": QT_TRANSLATE_NOOP("admin_messages", "Show between 1 and {max} audit entries, not {n}."),
    "audit_time_zone": QT_TRANSLATE_NOOP("admin_messages", "The '{name}' time needs a time zone."),
    "part_reader": QT_TRANSLATE_NOOP("admin_messages", "reader"),
    "part_printer": QT_TRANSLATE_NOOP("admin_messages", "printer"),
    "part_payments": QT_TRANSLATE_NOOP("admin_messages", "payments ({provider})"),
    "part_meters": QT_TRANSLATE_NOOP("admin_messages", "networked meters"),
    "part_meter": QT_TRANSLATE_NOOP("admin_messages", "meter {meter}"),
    "part_database": QT_TRANSLATE_NOOP("admin_messages", "database"),
    "part_sync": QT_TRANSLATE_NOOP("admin_messages", "sync"),
    "hw_no_reader": QT_TRANSLATE_NOOP("admin_messages", "No card reader is connected: cards cannot be read or written."),
    "hw_reader_problem": QT_TRANSLATE_NOOP("admin_messages", "{reader}: {problem}"),
    "hw_reader_card": QT_TRANSLATE_NOOP("admin_messages", "{reader} answers; a card is on it."),
    "hw_reader_no_card": QT_TRANSLATE_NOOP("admin_messages", "{reader} answers; no card on it."),
    "hw_no_printer": QT_TRANSLATE_NOOP("admin_messages", "No receipt printer is set up: receipts are shown on screen."),
    "hw_printer_state": QT_TRANSLATE_NOOP("admin_messages", "{state}"),
    "hw_printer_problem": QT_TRANSLATE_NOOP("admin_messages", "{problem}"),
    "hw_provider_ok": QT_TRANSLATE_NOOP("admin_messages", "{provider} answers."),
    "hw_provider_refused": QT_TRANSLATE_NOOP("admin_messages", "{provider} answers (it refused the test query: {detail})."),
    "hw_provider_unreachable": QT_TRANSLATE_NOOP("admin_messages", "{provider} cannot be reached: {detail}"),
    "hw_no_meters": QT_TRANSLATE_NOOP("admin_messages", "No networked meters are set up on this kiosk."),
    "hw_meters_not_set_up": QT_TRANSLATE_NOOP("admin_messages", "The meters could not be set up: {detail}"),
    "hw_no_meters_registered": QT_TRANSLATE_NOOP("admin_messages", "No networked meters are registered."),
    "hw_meter_ok": QT_TRANSLATE_NOOP("admin_messages", "{address} answers: {energy} Wh, relay {relay}."),
    "hw_meter_silent": QT_TRANSLATE_NOOP("admin_messages", "{address} does not answer: {detail}"),
    "hw_db_ok": QT_TRANSLATE_NOOP("admin_messages", "Writable; {size} MB."),
    "hw_db_unwritable": QT_TRANSLATE_NOOP("admin_messages", "The database cannot be written: {error}."),
    "hw_db_size_unknown": QT_TRANSLATE_NOOP("admin_messages", "Written to, but its size cannot be read: {error}."),
    "sync_nothing_waits": QT_TRANSLATE_NOOP("admin_messages", "nothing waits"),
    "sync_one_waits": QT_TRANSLATE_NOOP("admin_messages", "{n} message waits, the oldest from {when}"),
    "sync_many_wait": QT_TRANSLATE_NOOP("admin_messages", "{n} messages wait, the oldest from {when}"),
    "sync_not_configured": QT_TRANSLATE_NOOP("admin_messages", "No sync backend is configured yet: {waiting}."),
    "sync_backend": QT_TRANSLATE_NOOP("admin_messages", "Backend {url}: {waiting}; {sent}."),
    "sync_backend_error": QT_TRANSLATE_NOOP("admin_messages", "Backend {url}: {waiting}; {sent}; last error: {error}."),
    "sync_last_sent": QT_TRANSLATE_NOOP("admin_messages", "last sent {when}"),
    "sync_nothing_sent": QT_TRANSLATE_NOOP("admin_messages", "nothing sent yet"),
    "no_reader": QT_TRANSLATE_NOOP("admin_messages", "No card reader is connected."),
    "card_error": QT_TRANSLATE_NOOP("admin_messages", "The card could not be used."),
    "card_reader_error": QT_TRANSLATE_NOOP("admin_messages", "The card reader is not working: check its cable, or call a technician."),
    "card_no_card": QT_TRANSLATE_NOOP("admin_messages", "No card on the reader: put the card on it and try again."),
    "card_removed": QT_TRANSLATE_NOOP("admin_messages", "The card was taken away too early: put it back on the reader and try again."),
    "card_transmit_failed": QT_TRANSLATE_NOOP("admin_messages", "The card did not answer a command: hold it still on the reader and try again."),
    "card_unsupported_command": QT_TRANSLATE_NOOP("admin_messages", "This reader or card cannot do that."),
    "card_authentication_failed": QT_TRANSLATE_NOOP("admin_messages", "The card refused this site's key: it belongs to another site or was tampered with."),
    "card_locked": QT_TRANSLATE_NOOP("admin_messages", "This card is locked after too many wrong codes."),
    "card_access_denied": QT_TRANSLATE_NOOP("admin_messages", "The card does not allow this operation."),
    "card_unknown_type": QT_TRANSLATE_NOOP("admin_messages", "This kind of card is not supported here."),
    "card_too_small": QT_TRANSLATE_NOOP("admin_messages", "This card has too little memory for a prepaid card."),
    "card_blank": QT_TRANSLATE_NOOP("admin_messages", "This card has not been issued yet."),
    "card_issue_not_finished": QT_TRANSLATE_NOOP("admin_messages", "Issuing this card did not finish: issue it again to finish it."),
    "card_bad_format": QT_TRANSLATE_NOOP("admin_messages", "The data on this card is not in a format this kiosk understands."),
    "card_foreign": QT_TRANSLATE_NOOP("admin_messages", "This card belongs to another building."),
    "card_tampered": QT_TRANSLATE_NOOP("admin_messages", "The data on this card failed its security check."),
    "card_replayed": QT_TRANSLATE_NOOP("admin_messages", "This card holds an old copy of its data."),
    "card_plan_mismatch": QT_TRANSLATE_NOOP("admin_messages", "The card holds something other than what was planned for it."),
    "card_torn_write": QT_TRANSLATE_NOOP("admin_messages", "The last write to this card did not finish: tap it again to finish it."),
    "card_insufficient_funds": QT_TRANSLATE_NOOP("admin_messages", "Not enough credit on the card."),
    "card_value_limit": QT_TRANSLATE_NOOP("admin_messages", "That amount does not fit on the card."),
    "card_wrong_role": QT_TRANSLATE_NOOP("admin_messages", "This card cannot be used for that."),
    "card_already_issued": QT_TRANSLATE_NOOP("admin_messages", "This card is already issued."),
    "removed_while_issuing": QT_TRANSLATE_NOOP("admin_messages", "The card was taken away while it was being issued. Put it back and try again: it resumes."),
    "removed_while_issuing_new": QT_TRANSLATE_NOOP("admin_messages", "The card was taken away while the new card was being issued. Put it back and try again: it resumes."),
    "removed_while_writing_new": QT_TRANSLATE_NOOP("admin_messages", "The card was taken away while the new card was being written. Put it back and try again: it resumes."),
    "removed_while_writing_value": QT_TRANSLATE_NOOP("admin_messages", "The card was taken away while the value was being written to the new card. Put it back and try again: it resumes."),
    "removed_while_crediting": QT_TRANSLATE_NOOP("admin_messages", "The card was taken away while the credit was being written. Put it back and try again: it resumes."),
    "card_blacklisted": QT_TRANSLATE_NOOP("admin_messages", "This card has been blocked: it cannot be topped up."),
    "card_away": QT_TRANSLATE_NOOP("admin_messages", "The card was taken away before the credit was written."),
    "topup_refused": QT_TRANSLATE_NOOP("admin_messages", "The top-up cannot go on: {detail}"),
    "payment_unavailable": QT_TRANSLATE_NOOP("admin_messages", "The payment provider cannot be reached: {detail}"),
    "payment_refused": QT_TRANSLATE_NOOP("admin_messages", "The payment provider refused: {detail}"),
    "payment_failed": QT_TRANSLATE_NOOP("admin_messages", "The payment provider reported a problem: {detail}"),
    "receipt_failed": QT_TRANSLATE_NOOP("admin_messages", "The receipt could not be made: {detail}"),
    "bad_amount": QT_TRANSLATE_NOOP("admin_messages", "The amount is not valid: {detail}"),
    "service_failed": QT_TRANSLATE_NOOP("admin_messages", "A part of the kiosk failed: {detail}"),
    "two_sentences": QT_TRANSLATE_NOOP("admin_messages", "{first} {second}"),
    "role_meter": QT_TRANSLATE_NOOP("admin_messages", "meter"),
    "role_wallet": QT_TRANSLATE_NOOP("admin_messages", "wallet"),
    "role_staff": QT_TRANSLATE_NOOP("admin_messages", "staff"),
    "status_active": QT_TRANSLATE_NOOP("admin_messages", "active"),
    "status_blacklisted": QT_TRANSLATE_NOOP("admin_messages", "blacklisted"),
    "status_replaced": QT_TRANSLATE_NOOP("admin_messages", "replaced"),
    "state_card_read": QT_TRANSLATE_NOOP("admin_messages", "card read"),
    "state_amount_chosen": QT_TRANSLATE_NOOP("admin_messages", "amount chosen"),
    "state_order_created": QT_TRANSLATE_NOOP("admin_messages", "order created"),
    "state_paid": QT_TRANSLATE_NOOP("admin_messages", "paid"),
    "state_write_pending": QT_TRANSLATE_NOOP("admin_messages", "write pending"),
    "state_written": QT_TRANSLATE_NOOP("admin_messages", "written"),
    "state_done": QT_TRANSLATE_NOOP("admin_messages", "done"),
    "state_cancelled": QT_TRANSLATE_NOOP("admin_messages", "cancelled"),
    "state_expired": QT_TRANSLATE_NOOP("admin_messages", "expired"),
    "state_credit_pending": QT_TRANSLATE_NOOP("admin_messages", "credit pending"),
    "state_refund_pending": QT_TRANSLATE_NOOP("admin_messages", "refund pending"),
    "state_refunded": QT_TRANSLATE_NOOP("admin_messages", "refunded"),
    "utility_electricity": QT_TRANSLATE_NOOP("admin_messages", "electricity"),
    "utility_water": QT_TRANSLATE_NOOP("admin_messages", "water"),
    "utility_service": QT_TRANSLATE_NOOP("admin_messages", "service"),
    "relay_closed": QT_TRANSLATE_NOOP("admin_messages", "closed"),
    "relay_open": QT_TRANSLATE_NOOP("admin_messages", "open"),
    "relay_none": QT_TRANSLATE_NOOP("admin_messages", "none"),
    "word_none": QT_TRANSLATE_NOOP("admin_messages", "none"),
    "method_cash": QT_TRANSLATE_NOOP("admin_messages", "cash"),
    "method_staff": QT_TRANSLATE_NOOP("admin_messages", "staff credit"),
    "action_cash_topup": QT_TRANSLATE_NOOP("admin_messages", "cash topup"),
    "action_reprint": QT_TRANSLATE_NOOP("admin_messages", "reprint"),
    "action_read_card": QT_TRANSLATE_NOOP("admin_messages", "read card"),
    "action_hardware_check": QT_TRANSLATE_NOOP("admin_messages", "hardware check"),
    "action_sync_status": QT_TRANSLATE_NOOP("admin_messages", "sync status"),
    "action_view_audit": QT_TRANSLATE_NOOP("admin_messages", "view audit"),
    "action_view_orders": QT_TRANSLATE_NOOP("admin_messages", "view orders"),
    "action_change_own_pin": QT_TRANSLATE_NOOP("admin_messages", "change own pin"),
    "action_issue_card": QT_TRANSLATE_NOOP("admin_messages", "issue card"),
    "action_issue_staff_card": QT_TRANSLATE_NOOP("admin_messages", "issue staff card"),
    "action_block_card": QT_TRANSLATE_NOOP("admin_messages", "block card"),
    "action_replace_card": QT_TRANSLATE_NOOP("admin_messages", "replace card"),
    "action_refund": QT_TRANSLATE_NOOP("admin_messages", "refund"),
    "action_view_tariffs": QT_TRANSLATE_NOOP("admin_messages", "view tariffs"),
    "action_publish_tariff": QT_TRANSLATE_NOOP("admin_messages", "publish tariff"),
    "action_x_report": QT_TRANSLATE_NOOP("admin_messages", "x report"),
    "action_day_end": QT_TRANSLATE_NOOP("admin_messages", "day end"),
    "action_set_pin": QT_TRANSLATE_NOOP("admin_messages", "set pin"),
}
# fmt: on
# -- end of generated block --

if __name__ == "__main__":
    sys.exit(main())
