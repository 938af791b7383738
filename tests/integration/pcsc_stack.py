"""Test helpers on top of the real PC/SC stack (cardlib.emulator.pcscd): a hand that puts cards on
the Virtual PCD reader and takes them off, and a minimal card that only knows its UID."""

from __future__ import annotations

from cardlib.cardtype import CARD_NAME_ULTRALIGHT, storage_card_atr
from cardlib.emulator.base import EmulatedCard
from cardlib.emulator.pcscd import (  # noqa: F401 - re-exported for the tests
    LOCK_PATH,
    SETUP_HINT,
    VPCD_PORT,
    VPCD_READER,
    Pcscd,
    PcscStackError,
    exclusive_vpcd,
    start_pcscd,
    vpcd_reader_name,
    vpcd_reader_names,
)
from cardlib.emulator.vpcd import VpcdLink
from cardlib.reader.pcsc import PcscConnection, PcscReader


class Hand:
    """Puts emulated cards on the Virtual PCD slot and takes them off, as a person at the kiosk
    does, each time waiting (with a deadline) until pcscd has seen the change."""

    def __init__(self, link: VpcdLink, reader: PcscReader, timeout: float = 5.0) -> None:
        self.link = link
        self.reader = reader
        self.timeout = timeout

    def put(self, card: EmulatedCard) -> None:
        """Put ``card`` on the reader; a card that was torn away comes back powered afresh."""
        if not card.in_field or card.tear is not None:
            card.reinsert()  # a fresh tap: the card is back and no tear plan is left armed
        self.link.insert(card)
        assert self.reader.wait_for_card(self.timeout), "pcscd did not see the card arrive"

    def take(self) -> None:
        """Take the card off (or, after a tear, wait until pcscd has seen it gone)."""
        self.link.remove()
        assert self.reader.wait_for_removal(self.timeout), "pcscd still shows a card"

    def connect(self) -> PcscConnection:
        """A new connection to the card on the reader (as the kiosk's next job opens one)."""
        return self.reader.connect()

    def tap(self, card: EmulatedCard) -> PcscConnection:
        """Put ``card`` on an empty reader and connect to it."""
        self.put(card)
        return self.connect()

    def retap(self, card: EmulatedCard) -> PcscConnection:
        """Take ``card`` off (if it is still there), put it back and connect: a new tap, a
        re-powered card (its authentication and PSC state are lost, as on a real reader)."""
        self.take()
        return self.tap(card)


class UidCard(EmulatedCard):
    """The smallest card an ACS reader could front: answers GET UID (FF CA 00 00 00), echoes any
    other FF-class command's data back with 90 00 (so a test can tell one command from another),
    and says 6E 00 to any other class. Counts power-ups."""

    ATR = storage_card_atr(CARD_NAME_ULTRALIGHT)

    def __init__(self, uid: bytes = bytes.fromhex("04A1B2C3D4E5F6")) -> None:
        super().__init__()
        self.uid = uid
        self.power_ups = 0
        self.seen: list[bytes] = []

    @property
    def atr(self) -> bytes:
        return self.ATR

    def power_on(self) -> None:
        self.power_ups += 1
        super().power_on()

    def _reset_volatile(self) -> None:
        pass

    def _process(self, apdu: bytes) -> bytes:
        self.seen.append(apdu)
        if apdu[:1] != b"\xff":
            return bytes.fromhex("6E00")
        if apdu[:4] == bytes.fromhex("FFCA0000"):
            return self.uid + b"\x90\x00"
        return apdu[5:] + b"\x90\x00"
