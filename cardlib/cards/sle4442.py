"""SLE4442 / SLE5542 contact memory cards through an ACR38/ACR39-style reader.

256 bytes of EEPROM, readable by anyone; writes need the 3-byte PSC presented since power-on. Three
wrong PSCs in a row lock the card for good, so :meth:`Sle4442.present_psc` reports the tries left
and callers must never guess.
"""

from __future__ import annotations

from cardlib.apdu import check, command
from cardlib.cards.pcsc3 import CLA_PSEUDO
from cardlib.cardtype import CardType
from cardlib.errors import (
    AccessDeniedError,
    AuthenticationError,
    CardLockedError,
    FormatError,
    TransmitError,
)
from cardlib.reader.base import CardConnection

MEMORY_SIZE = 256
PROTECTED_AREA = 32  # bytes 0x00-0x1F have write-once protection bits
PSC_SIZE = 3
MAX_CHUNK = 0xF0  # keep Le below 256 (00 would mean 256 and some readers differ on it)

# ACS ACR38x reference v6.02 pp. 32-35 / ACR39x v1.03 p. 30
INS_SELECT_CARD_TYPE = 0xA4
CARD_TYPE_SLE4432_4442 = 0x06
INS_READ = 0xB0
INS_READ_ERROR_COUNTER = 0xB1
INS_READ_PROTECTION = 0xB2
INS_WRITE = 0xD0
INS_WRITE_PROTECTION = 0xD1
INS_PRESENT_CODE = 0x20
INS_CHANGE_CODE = 0xD2

SW1_PRESENT_CODE = 0x90  # PRESENT_CODE answers 90 <ErrorCnt>, not 90 00
ERROR_COUNTER_FULL = 0x07
ERROR_COUNTER_MASK = 0x07


def tries_left(error_counter: int) -> int:
    return bin(error_counter & ERROR_COUNTER_MASK).count("1")


class Sle4442:
    """An SLE4442 card on an ACS contact reader."""

    def __init__(self, connection: CardConnection) -> None:
        if connection.card_type is not CardType.SLE4442:
            raise FormatError(f"{connection.card_type.label} is not an SLE4442 card.")
        self.connection = connection
        self._selected = False

    def select(self) -> None:
        """Tell the reader which memory card protocol to speak (must come first)."""
        if self._selected:
            return
        apdu = command(
            CLA_PSEUDO, INS_SELECT_CARD_TYPE, 0x00, 0x00, bytes((CARD_TYPE_SLE4432_4442,))
        )
        check(self.connection.transmit(apdu), TransmitError, "selecting the SLE4442 protocol")
        self._selected = True

    def read(self, address: int, length: int) -> bytes:
        self.select()
        if address < 0 or address + length > MEMORY_SIZE:
            raise ValueError("SLE4442 addresses run from 0x00 to 0xFF")
        out = b""
        while len(out) < length:
            chunk = min(MAX_CHUNK, length - len(out))
            at = address + len(out)
            response = check(
                self.connection.transmit(command(CLA_PSEUDO, INS_READ, 0x00, at, le=chunk)),
                TransmitError,
                f"reading address {at:#04x}",
            )
            out += response.data[:chunk]
        return out

    def write(self, address: int, data: bytes) -> None:
        self.select()
        if address < 0 or address + len(data) > MEMORY_SIZE:
            raise ValueError("SLE4442 addresses run from 0x00 to 0xFF")
        check(
            self.connection.transmit(command(CLA_PSEUDO, INS_WRITE, 0x00, address, bytes(data))),
            AccessDeniedError,
            f"writing address {address:#04x}",
        )

    def error_counter(self) -> int:
        self.select()
        apdu = command(CLA_PSEUDO, INS_READ_ERROR_COUNTER, 0x00, 0x00, le=0x04)
        response = check(self.connection.transmit(apdu), TransmitError, "reading the error counter")
        return response.data[0]

    def protection_bits(self) -> int:
        """Bit n set: byte n of 0x00-0x1F is write-protected (PROT1 = bytes 0-7, bit 0 first)."""
        self.select()
        apdu = command(CLA_PSEUDO, INS_READ_PROTECTION, 0x00, 0x00, le=0x04)
        response = check(self.connection.transmit(apdu), TransmitError, "reading protection bits")
        bits = int.from_bytes(response.data[:4], "little")
        # ACS reports 1 for a byte that is still writable ("protection bit not set"); invert so the
        # caller sees protected = 1, as the method promises.
        return ~bits & 0xFFFFFFFF

    def protect(self, address: int, data: bytes) -> None:
        """Write-protect bytes of 0x00-0x1F for ever (only where ``data`` equals their content)."""
        self.select()
        if address + len(data) > PROTECTED_AREA:
            raise ValueError("only bytes 0x00-0x1F can be write-protected")
        apdu = command(CLA_PSEUDO, INS_WRITE_PROTECTION, 0x00, address, bytes(data))
        check(self.connection.transmit(apdu), AccessDeniedError, "write-protecting bytes")

    def present_psc(self, psc: bytes) -> None:
        """Present the PSC; return on success, else raise with the tries left on the exception."""
        self.select()
        if len(psc) != PSC_SIZE:
            raise ValueError("the SLE4442 PSC is 3 bytes")
        response = self.connection.transmit(command(CLA_PSEUDO, INS_PRESENT_CODE, 0x00, 0x00, psc))
        if response.sw1 != SW1_PRESENT_CODE:
            check(response, AuthenticationError, "presenting the PSC")
        counter = response.sw2
        if counter & ERROR_COUNTER_MASK == ERROR_COUNTER_FULL:
            return
        left = tries_left(counter)
        if left == 0:
            raise CardLockedError()
        error = AuthenticationError(
            f"The card refused the code: {left} {'try' if left == 1 else 'tries'} left "
            "before it locks."
        )
        error.tries_left = left  # type: ignore[attr-defined]
        raise error

    def change_psc(self, new_psc: bytes) -> None:
        self.select()
        if len(new_psc) != PSC_SIZE:
            raise ValueError("the SLE4442 PSC is 3 bytes")
        apdu = command(CLA_PSEUDO, INS_CHANGE_CODE, 0x00, 0x01, new_psc)
        check(self.connection.transmit(apdu), AccessDeniedError, "changing the PSC")
