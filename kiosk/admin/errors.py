"""The one exception tree of admin mode: a sentence for the staff member and a stable ``code``.

The touchscreen shows ``sentence`` (a key of kiosk.admin.messages and its values, translated
there) and never has to catch anything but :class:`AdminError`: errors of the layers below (cards,
top-ups, payments, tariffs, meters, printers) are turned into these at the admin boundary, keeping
their own codes. ``message`` is the sentence in English, for logs and the command line.
"""

from __future__ import annotations

import datetime as dt

from kiosk.admin.messages import Sentence, say, word


class AdminError(Exception):
    """Root of everything kiosk.admin raises.

    kiosk.admin always gives a :class:`~kiosk.admin.messages.Sentence`; a plain string (the
    command line's own refusals, English only) has no ``sentence`` and is shown as it is."""

    code = "admin_error"

    def __init__(self, message: str | Sentence, *, code: str | None = None) -> None:
        self.sentence: Sentence | None = message if isinstance(message, Sentence) else None
        self.message = str(message)
        super().__init__(self.message)
        if code is not None:
            self.code = code


# -- signing in ---------------------------------------------------------------------------------


class LoginRefusedError(AdminError):
    """The card does not open admin mode (unknown, not a staff card, blocked, staff inactive), or
    the staff member has no PIN yet (code ``no_pin``)."""

    code = "login_refused"


class PinError(AdminError):
    """A wrong PIN; ``attempts_left`` before the staff member is locked out."""

    code = "wrong_pin"

    def __init__(self, attempts_left: int) -> None:
        key = "wrong_pin_one" if attempts_left == 1 else "wrong_pin"
        super().__init__(say(key, n=attempts_left))
        self.attempts_left = attempts_left


class LockedError(AdminError):
    """Too many wrong PINs in a row: no PIN is tried until ``until`` (UTC)."""

    code = "locked"

    def __init__(self, until: dt.datetime, local: str) -> None:
        super().__init__(say("locked", until=local))
        self.until = until


class WeakPinError(AdminError):
    """A new PIN that is not 4-8 digits, or too easy to guess."""

    code = "weak_pin"


class SessionExpiredError(AdminError):
    """The staff session ended (idle too long, logged out, or the staff member was deactivated)."""

    code = "session_expired"


class NotAllowedError(AdminError):
    """The staff member's role does not allow the action."""

    code = "not_allowed"

    def __init__(self, action: str, role: str) -> None:
        key = "not_allowed_operator" if role == "operator" else "not_allowed_manager"
        super().__init__(say(key, action=word("action", action)))
        self.action = action
        self.role = role


# -- what staff asked for -------------------------------------------------------------------------


class InvalidInputError(AdminError):
    """What was typed or chosen is not valid (an amount, a reason, a tariff, a serial number)."""

    code = "invalid_input"


class NotFoundError(AdminError):
    """No such order, card, staff member, tenant or meter."""

    code = "not_found"


class RefusedError(AdminError):
    """The action breaks a rule (a card already issued, a day already closed, …); ``code`` says
    which rule."""

    code = "refused"


# -- what the layers below said -------------------------------------------------------------------


class CardProblemError(AdminError):
    """The card on the reader could not be used; ``code`` is cardlib's (``no_card``,
    ``card_removed``, ``foreign_card``, ``tampered``, …)."""

    code = "card_error"


class ServiceError(AdminError):
    """A top-up, payment, printer or meter refused or failed; ``code`` is that layer's."""

    code = "service_error"
