"""Where the purse's records live on each card type, and the card commands that reach them.

A :class:`Medium` hides MIFARE sectors, Ultralight pages and SLE4442 addresses behind records: the
header, and the two slots of the kiosk record and of the meter record. It does no cryptography and
makes no decisions: the card service above decides what to write and checks what it reads.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass

from cardlib.cardtype import CardType
from cardlib.crypto.keys import CardKeys
from cardlib.purse.slots import RecordKind, Slot
from cardlib.reader.base import CardConnection


@dataclass(frozen=True)
class RawPurse:
    """Everything the purse keeps on a card, as raw bytes (nothing verified yet)."""

    uid: bytes
    header: bytes
    kiosk: tuple[bytes, bytes]
    meter: tuple[bytes, bytes]


class Medium(abc.ABC):
    """The purse's records on one card, over a live connection."""

    card_type: CardType

    def __init__(self, connection: CardConnection) -> None:
        self.connection = connection
        self._uid: bytes | None = None

    @property
    def uid(self) -> bytes:
        if self._uid is None:
            self._uid = self._read_uid()
        return self._uid

    @abc.abstractmethod
    def _read_uid(self) -> bytes: ...

    @abc.abstractmethod
    def read_public(self) -> tuple[bytes, bytes]:
        """The header and kiosk slot A, readable without the card's keys.

        The header says which site and key version the card has; slot A is where issuing writes
        its last record, so together they tell a blank card, an issue that did not finish, and a
        damaged header apart before any key is derived.
        """

    def read_header(self) -> bytes:
        return self.read_public()[0]

    @abc.abstractmethod
    def read_all(self, keys: CardKeys, meter: bool = True) -> RawPurse:
        """Header and both slots of the kiosk record -- and of the meter record when ``meter`` --
        in as few commands as the card allows (slots not read come back empty)."""

    @abc.abstractmethod
    def write_record(self, keys: CardKeys, kind: RecordKind, slot: Slot, data: bytes) -> bytes:
        """Write one slot and read it back; return what the card now holds there."""

    @abc.abstractmethod
    def personalise(self, keys: CardKeys, header: bytes, first_record: bytes) -> None:
        """Turn a blank card (or one whose issuing was interrupted) into an issued one.

        Resumable: every step first looks at what is already done. The header is written with its
        magic last and the first kiosk record after it, so a card torn anywhere before that last
        write reads as "issuing not finished".
        """

    def disconnect(self) -> None:
        self.connection.disconnect()


def medium_for(connection: CardConnection) -> Medium:
    """The medium for the card on ``connection``, chosen from the card type in its ATR."""
    from cardlib.purse.classic_medium import ClassicMedium
    from cardlib.purse.sle4442_medium import Sle4442Medium
    from cardlib.purse.ultralight_medium import UltralightMedium

    card_type = connection.card_type
    if card_type in (CardType.MIFARE_CLASSIC_1K, CardType.MIFARE_CLASSIC_4K):
        return ClassicMedium(connection)
    if card_type is CardType.MIFARE_ULTRALIGHT:
        return UltralightMedium(connection)
    return Sle4442Medium(connection)
