"""ISO 7816-4 command/response APDUs, status words, and the trace every command goes through."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

log = logging.getLogger("cardlib.trace")

if TYPE_CHECKING:
    from cardlib.errors import CardError

SW_OK = 0x9000  # ISO 7816-4: normal processing
SW_FAILURE = 0x6300  # ACS: "the operation failed"
SW_WRONG_LENGTH = 0x6700
SW_SECURITY_NOT_SATISFIED = 0x6982  # ISO 7816-4: security status not satisfied
SW_AUTH_BLOCKED = 0x6983  # ISO 7816-4: authentication method blocked
SW_CONDITIONS_NOT_SATISFIED = 0x6985
SW_COMMAND_NOT_ALLOWED = (
    0x6986  # ISO 7816-4: command not allowed (no current EF / not authenticated)
)
SW_WRONG_DATA = 0x6A80
SW_FUNC_NOT_SUPPORTED = 0x6A81  # ACS: function not supported
SW_WRONG_P1P2 = 0x6B00
SW_INS_NOT_SUPPORTED = 0x6D00
SW_CLA_NOT_SUPPORTED = 0x6E00


@dataclass(frozen=True)
class Response:
    """A response APDU split into data and status word."""

    data: bytes
    sw: int

    @classmethod
    def parse(cls, raw: bytes) -> Response:
        if len(raw) < 2:
            raise ValueError(f"response too short: {raw.hex()}")
        return cls(bytes(raw[:-2]), (raw[-2] << 8) | raw[-1])

    @property
    def ok(self) -> bool:
        return self.sw == SW_OK

    @property
    def sw1(self) -> int:
        return self.sw >> 8

    @property
    def sw2(self) -> int:
        return self.sw & 0xFF

    def to_bytes(self) -> bytes:
        return self.data + self.sw.to_bytes(2, "big")


def command(
    cla: int, ins: int, p1: int, p2: int, data: bytes = b"", le: int | None = None
) -> bytes:
    """Build a short APDU (case 1-4)."""
    apdu = bytes((cla, ins, p1, p2))
    if data:
        if len(data) > 255:
            raise ValueError("short APDU data is at most 255 bytes")
        apdu += bytes((len(data),)) + data
    if le is not None:
        apdu += bytes((le & 0xFF,))
    return apdu


@dataclass
class Trace:
    """Records (and optionally prints) every command and response, for a technician in the field."""

    echo: Callable[[str], None] | None = None
    entries: list[tuple[bytes, bytes]] = field(default_factory=list)
    keep: bool = True

    def record(self, apdu: bytes, response: bytes) -> None:
        if self.keep:
            self.entries.append((apdu, response))
        line = f"> {_hex(redact(apdu))}\n< {_hex(response)}"
        log.debug(line)
        if self.echo is not None:
            self.echo(line)

    @property
    def count(self) -> int:
        return len(self.entries)

    def clear(self) -> None:
        self.entries.clear()


# Commands whose data is a secret (a key, a PSC, a password): the trace shows their header only, so
# a trace handed to a technician or pasted into a ticket never carries key material.
_SECRET_HEADERS = (
    bytes((0xFF, 0x82)),  # ACS LOAD KEY
    bytes((0xFF, 0x20)),  # ACS SLE4442 PRESENT_CODE
    bytes((0xFF, 0xD2)),  # ACS SLE4442 CHANGE_CODE
)
_PWD_AUTH_DIRECT = bytes((0xFF, 0x00, 0x00, 0x00))  # direct transmit carrying NTAG PWD_AUTH (1B)


def redact(apdu: bytes) -> bytes:
    """The APDU with any key, PSC or password bytes replaced by 0x2A ('*')."""
    if apdu[:2] in _SECRET_HEADERS and len(apdu) > 5:
        return apdu[:5] + b"*" * (len(apdu) - 5)
    if apdu[:4] == _PWD_AUTH_DIRECT and len(apdu) > 7 and 0x1B in apdu[5:8]:
        cut = apdu.index(0x1B, 5) + 1
        return apdu[:cut] + b"*" * (len(apdu) - cut)
    return apdu


def _hex(data: bytes) -> str:
    return data.hex(" ").upper()


def check(response: Response, failure: type[CardError] | None = None, what: str = "") -> Response:
    """Turn a failure status word into a cardlib exception; return the response when it is 90 00.

    ``failure`` is the class to raise for a plain failure (63 00, 69 8x), chosen by the caller who
    knows what the command was (a refused AUTHENTICATE is an AuthenticationError, a refused UPDATE
    BINARY an AccessDeniedError). Anything but 90 00 is a failure: the raw status word is kept
    on the exception for the log.
    """
    from cardlib import errors  # local: errors imports nothing from here, this keeps it that way

    if response.ok:
        return response
    sw = response.sw
    suffix = f": {what}" if what else ""
    if sw in (SW_FUNC_NOT_SUPPORTED, SW_INS_NOT_SUPPORTED, SW_CLA_NOT_SUPPORTED):
        raise errors.UnsupportedCommandError(
            f"This reader or card does not support the operation{suffix}.", sw=sw
        )
    cls = failure or errors.TransmitError
    raise cls(f"{cls.default_message.rstrip('.')}{suffix}." if suffix else None, sw=sw)
