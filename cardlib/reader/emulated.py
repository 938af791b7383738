"""An in-process reader slot holding an emulated card: the whole card stack runs without hardware.

The card answers the same pseudo-APDUs a real ACS reader takes, so drivers above cannot tell the
difference. A torn card (see :mod:`cardlib.emulator.tear`) leaves the slot: the command in flight
fails with :class:`~cardlib.errors.CardRemovedError` and the slot stays empty until the test puts
the card back with :meth:`EmulatedReader.insert`.
"""

from __future__ import annotations

from cardlib.apdu import Trace
from cardlib.emulator.base import EmulatedCard
from cardlib.emulator.tear import Torn
from cardlib.errors import CardRemovedError, NoCardError, ReaderError
from cardlib.reader.base import CardConnection, Reader


class EmulatedReader(Reader):
    """One slot; :meth:`insert` and :meth:`remove` play the hand that taps the card."""

    def __init__(self, card: EmulatedCard | None = None, name: str = "emulated") -> None:
        self.name = name
        self._card: EmulatedCard | None = None
        if card is not None:
            self.insert(card)

    @property
    def card(self) -> EmulatedCard | None:
        return self._card

    def insert(self, card: EmulatedCard) -> None:
        """Put ``card`` on the reader: a fresh tap, so any tear plan is cleared (arm it after)."""
        card.reinsert()
        self._card = card

    def remove(self) -> None:
        if self._card is not None:
            self._card.power_off()
        self._card = None

    def card_present(self) -> bool:
        return self._card is not None and self._card.in_field

    def connect(self, trace: Trace | None = None) -> CardConnection:
        card = self._card
        if card is None or not card.in_field:
            raise NoCardError()
        card.power_on()
        return EmulatedConnection(self, card, trace)

    def _torn(self, card: EmulatedCard) -> None:
        if self._card is card:
            self._card = None


class EmulatedConnection(CardConnection):
    def __init__(self, reader: EmulatedReader, card: EmulatedCard, trace: Trace | None) -> None:
        super().__init__(card.atr, trace)
        self._reader = reader
        self._card: EmulatedCard | None = card

    def _transmit(self, apdu: bytes) -> bytes:
        card = self._card
        if card is None:
            raise ReaderError("The connection to the card was closed.")
        if self._reader.card is not card:
            raise CardRemovedError()
        try:
            return card.process(apdu)
        except Torn as exc:
            self._reader._torn(card)
            raise CardRemovedError() from exc

    def disconnect(self) -> None:
        self._card = None
