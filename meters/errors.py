"""The one exception hierarchy of meters/: what a technician needs to act on."""

from __future__ import annotations


class MeterError(Exception):
    """Root of everything meters/ raises."""

    code = "meter_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class MeterUnreachableError(MeterError):
    """No answer: cable, address, power. Retried with backoff and reported, never skipped."""

    code = "meter_unreachable"


class MeterProtocolError(MeterError):
    """The meter answered with an exception response or something that cannot be decoded."""

    code = "meter_protocol"


class RelayError(MeterError):
    """A relay command was not confirmed by reading the relay back."""

    code = "relay_unconfirmed"


class ProfileError(MeterError):
    """A register profile (data file) is malformed; the message names the file and field."""

    code = "bad_profile"


class PurchaseRefusedError(MeterError):
    """A card meter refused the card's purchase (another meter's, replayed, tampered, gap)."""

    code = "purchase_refused"
