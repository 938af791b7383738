"""The one exception hierarchy of cardlib.

Every error carries a machine-readable ``code`` (stable, for logs and the UI's message table) and a
sentence a person can act on. Lower layers' errors (pyscard, nfcpy, sockets) are turned into these
at the boundary where they occur, so callers only ever catch :class:`CardError`.
"""

from __future__ import annotations


class CardError(Exception):
    """Root of everything cardlib raises."""

    code = "card_error"
    default_message = "The card could not be used."

    def __init__(self, message: str | None = None, *, sw: int | None = None) -> None:
        self.message = message or self.default_message
        #: ISO 7816 status word of the response that caused this, when there was one.
        self.sw = sw
        super().__init__(self.message if sw is None else f"{self.message} (SW {sw:04X})")


# -- the reader and the link to the card ---------------------------------------------------------


class ReaderError(CardError):
    """The reader itself is missing, busy or failed."""

    code = "reader_error"
    default_message = "The card reader is not working. Please call staff."


class NoCardError(CardError):
    """No card is on the reader (it was never there, or it was taken away)."""

    code = "no_card"
    default_message = "No card on the reader. Please tap or insert your card."


class CardRemovedError(NoCardError):
    """The card went away in the middle of an operation."""

    code = "card_removed"
    default_message = "The card was taken away too early. Please put it back on the reader."


class TransmitError(CardError):
    """A command got a failure status word that no more specific class covers."""

    code = "transmit_failed"
    default_message = "The card did not accept a command."


class UnsupportedCommandError(TransmitError):
    """The reader or card does not support this command (e.g. SW 6A 81)."""

    code = "unsupported_command"
    default_message = "This reader or card does not support the operation."


# -- the card's own protection -------------------------------------------------------------------


class AuthenticationError(CardError):
    """A key, password or PSC was refused by the card."""

    code = "authentication_failed"
    default_message = "The card refused the key: it belongs to another site or was tampered with."


class CardLockedError(AuthenticationError):
    """The card has locked itself (SLE4442 error counter at zero)."""

    code = "card_locked"
    default_message = "This card is locked after too many wrong codes. Please call staff."


class AccessDeniedError(CardError):
    """The access conditions on the card forbid the operation with the key used."""

    code = "access_denied"
    default_message = "The card does not allow this operation."


# -- what is on the card -------------------------------------------------------------------------


class UnknownCardTypeError(CardError):
    code = "unknown_card_type"
    default_message = "This kind of card is not supported. Please use a card issued here."


class CardTooSmallError(CardError):
    code = "card_too_small"
    default_message = "This card has too little memory for a prepaid card."


class BlankCardError(CardError):
    """The card carries no purse: it was never personalised (or was wiped)."""

    code = "blank_card"
    default_message = "This card has not been issued yet. Please ask staff to issue it."


class FormatError(CardError):
    """The card carries data this version does not understand."""

    code = "bad_format"
    default_message = "The data on this card is not in a format this kiosk understands."


class ForeignCardError(CardError):
    """A valid card of another site (site id differs)."""

    code = "foreign_card"
    default_message = "This card belongs to another building."


class TamperedError(CardError):
    """A MAC did not verify: the data was changed outside a kiosk or meter."""

    code = "tampered"
    default_message = "The data on this card failed its security check. Please call staff."


class ReplayError(TamperedError):
    """The card's counter went back: an old copy of the card was restored onto it."""

    code = "replayed"
    default_message = "This card holds an old copy of its data. Please call staff."


class TornWriteError(CardError):
    """A write was interrupted and the card holds no valid record at all."""

    code = "torn_write"
    default_message = "The last write to this card did not finish. Please tap it again."


class InsufficientFundsError(CardError):
    code = "insufficient_funds"
    default_message = "Not enough credit on the card."


class ValueLimitError(CardError):
    code = "value_limit"
    default_message = "That amount does not fit on the card."


class WrongRoleError(CardError):
    code = "wrong_role"
    default_message = "This card cannot be used for that."
