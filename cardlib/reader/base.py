"""The reader interface every transport implements, and the one chokepoint of all card I/O.

Every reader speaks PC/SC part 3 pseudo-APDUs (class FF: GET UID, LOAD KEY, GENERAL AUTHENTICATE,
READ/UPDATE BINARY, value operations, direct transmit) to its card, as ACS readers do. A reader
whose hardware speaks something else (nfcpy's PN53x, the in-process emulator) translates, so the
card drivers above are written once.
"""

from __future__ import annotations

import abc
import time
from typing import Self

from cardlib.apdu import Response, Trace
from cardlib.cardtype import CardType, card_type_from_atr
from cardlib.errors import NoCardError


class CardConnection(abc.ABC):
    """A live connection to the card currently on a reader."""

    def __init__(self, atr: bytes, trace: Trace | None = None) -> None:
        self.atr = bytes(atr)
        self.trace = trace
        #: number of commands sent on this connection (what the benchmarks count)
        self.commands = 0

    @property
    def card_type(self) -> CardType:
        return card_type_from_atr(self.atr)

    def transmit(self, apdu: bytes) -> Response:
        """Send one command APDU and return its response.

        Link failures come back as :class:`~cardlib.errors.CardRemovedError` or
        :class:`~cardlib.errors.ReaderError`; status words are left to the caller (see
        :func:`cardlib.apdu.check`), who knows what a failure of that command means.
        """
        raw = self._transmit(bytes(apdu))
        self.commands += 1
        if self.trace is not None:
            self.trace.record(bytes(apdu), raw)
        return Response.parse(raw)

    @abc.abstractmethod
    def _transmit(self, apdu: bytes) -> bytes:
        """Send the APDU over the transport; return the raw response (data + SW1 SW2)."""

    @abc.abstractmethod
    def disconnect(self) -> None:
        """Release the card (idempotent)."""

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.disconnect()


class Reader(abc.ABC):
    """A card reader: tells whether a card is there and connects to it."""

    #: a human name: "ACS ACR122U PICC Interface 00 00", "Virtual PCD 00 00", "emulated"
    name: str = "reader"

    @abc.abstractmethod
    def card_present(self) -> bool:
        """Whether a card is on the reader now."""

    @abc.abstractmethod
    def connect(self, trace: Trace | None = None) -> CardConnection:
        """Connect to the card on the reader, or raise :class:`NoCardError`."""

    def wait_for_card(self, timeout: float, poll: float = 0.05) -> bool:
        """Block until a card is present or ``timeout`` seconds pass; return whether one is."""
        return self._wait(True, timeout, poll)

    def wait_for_removal(self, timeout: float, poll: float = 0.05) -> bool:
        """Block until the card is gone or ``timeout`` seconds pass; return whether it is gone."""
        return self._wait(False, timeout, poll)

    def _wait(self, present: bool, timeout: float, poll: float) -> bool:
        deadline = time.monotonic() + timeout
        while True:
            if self.card_present() == present:
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(poll)

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release the reader."""

    def connect_when_present(self, timeout: float, trace: Trace | None = None) -> CardConnection:
        if not self.wait_for_card(timeout):
            raise NoCardError()
        return self.connect(trace)
