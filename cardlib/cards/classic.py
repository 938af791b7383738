"""MIFARE Classic 1K/4K through a PC/SC part 3 reader: keys, authentication, blocks, value blocks.

The driver remembers which sector it is authenticated to and which keys sit in the reader's key
slots, so a caller walking a card's sectors pays one LOAD KEY per key and one authentication per
sector touched -- the number of commands is what makes a tap fast on a real reader.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from cardlib.apdu import check
from cardlib.cards import pcsc3
from cardlib.cardtype import CardType
from cardlib.errors import AccessDeniedError, AuthenticationError, FormatError, TransmitError
from cardlib.reader.base import CardConnection

BLOCK_SIZE = 16
KEY_SIZE = 6
SMALL_SECTOR_BLOCKS = 4  # sectors 0-31
LARGE_SECTOR_BLOCKS = 16  # 4K sectors 32-39
SMALL_SECTORS = 32
SECTORS = {CardType.MIFARE_CLASSIC_1K: 16, CardType.MIFARE_CLASSIC_4K: 40}


class KeyType(enum.IntEnum):
    A = pcsc3.KEY_TYPE_A
    B = pcsc3.KEY_TYPE_B


class KeySlot(enum.IntEnum):
    """Volatile key slots of an ACR122U-style reader."""

    FIRST = 0x00
    SECOND = 0x01


def first_block(sector: int) -> int:
    if sector < SMALL_SECTORS:
        return sector * SMALL_SECTOR_BLOCKS
    return SMALL_SECTORS * SMALL_SECTOR_BLOCKS + (sector - SMALL_SECTORS) * LARGE_SECTOR_BLOCKS


def blocks_in(sector: int) -> int:
    return SMALL_SECTOR_BLOCKS if sector < SMALL_SECTORS else LARGE_SECTOR_BLOCKS


def trailer_block(sector: int) -> int:
    return first_block(sector) + blocks_in(sector) - 1


def sector_of(block: int) -> int:
    small_end = SMALL_SECTORS * SMALL_SECTOR_BLOCKS
    if block < small_end:
        return block // SMALL_SECTOR_BLOCKS
    return SMALL_SECTORS + (block - small_end) // LARGE_SECTOR_BLOCKS


@dataclass(frozen=True)
class Trailer:
    key_a: bytes
    access: bytes  # access bytes 6-8
    general_purpose: int
    key_b: bytes

    def to_bytes(self) -> bytes:
        if len(self.key_a) != KEY_SIZE or len(self.key_b) != KEY_SIZE or len(self.access) != 3:
            raise ValueError("trailer: keys are 6 bytes and access bits 3 bytes")
        return self.key_a + self.access + bytes((self.general_purpose,)) + self.key_b


class MifareClassic:
    """A MIFARE Classic card on a PC/SC part 3 reader."""

    def __init__(self, connection: CardConnection) -> None:
        self.connection = connection
        self.card_type = connection.card_type
        if self.card_type not in SECTORS:
            raise FormatError(f"{self.card_type.label} is not a MIFARE Classic card.")
        self.sectors = SECTORS[self.card_type]
        self._loaded: dict[KeySlot, bytes] = {}
        self._session: tuple[int, KeyType, bytes] | None = None  # sector, key type, key

    def get_uid(self) -> bytes:
        return check(self.connection.transmit(pcsc3.get_uid()), what="reading the card's UID").data

    def load_key(self, key: bytes, slot: KeySlot = KeySlot.FIRST) -> None:
        if self._loaded.get(slot) == key:
            return
        check(self.connection.transmit(pcsc3.load_key(slot, key)), TransmitError, "loading a key")
        self._loaded[slot] = bytes(key)

    def authenticate(self, sector: int, key: bytes, key_type: KeyType) -> None:
        """Authenticate to ``sector``, unless this connection already is with the same key."""
        if self._session == (sector, key_type, key):
            return
        slot = KeySlot.FIRST if key_type is KeyType.A else KeySlot.SECOND
        self.load_key(key, slot)
        self._session = None
        response = self.connection.transmit(
            pcsc3.general_authenticate(first_block(sector), key_type, slot)
        )
        check(response, AuthenticationError, f"sector {sector} refused Key {key_type.name}")
        self._session = (sector, key_type, bytes(key))

    def read_block(self, block: int) -> bytes:
        response = check(
            self.connection.transmit(pcsc3.read_binary(block, BLOCK_SIZE)),
            AccessDeniedError,
            f"reading block {block}",
        )
        if len(response.data) != BLOCK_SIZE:
            raise TransmitError(f"Reading block {block} returned {len(response.data)} bytes.")
        return response.data

    def write_block(self, block: int, data: bytes) -> None:
        if len(data) != BLOCK_SIZE:
            raise ValueError("a MIFARE Classic block is 16 bytes")
        check(
            self.connection.transmit(pcsc3.update_binary(block, data)),
            AccessDeniedError,
            f"writing block {block}",
        )

    def write_trailer(self, sector: int, trailer: Trailer) -> None:
        self.write_block(trailer_block(sector), trailer.to_bytes())
        # New keys take effect at the next authentication; the session's key is stale.
        self._session = None

    # -- value blocks ------------------------------------------------------------------------

    def store_value(self, block: int, value: int) -> None:
        self._value_op(block, pcsc3.VALUE_OP_STORE, value, "formatting value block")

    def increment(self, block: int, amount: int) -> None:
        self._value_op(block, pcsc3.VALUE_OP_INCREMENT, amount, "incrementing value block")

    def decrement(self, block: int, amount: int) -> None:
        self._value_op(block, pcsc3.VALUE_OP_DECREMENT, amount, "decrementing value block")

    def read_value(self, block: int) -> int:
        response = check(
            self.connection.transmit(pcsc3.read_value(block)),
            FormatError,
            f"block {block} is not a valid value block",
        )
        return int.from_bytes(response.data[:4], "big", signed=True)

    def restore(self, source: int, target: int) -> None:
        """Copy value block ``source`` to ``target`` in the same sector (restore + transfer)."""
        if sector_of(source) != sector_of(target):
            raise ValueError("restore/transfer works within one sector")
        check(
            self.connection.transmit(pcsc3.restore_value(source, target)),
            AccessDeniedError,
            f"copying value block {source} to {target}",
        )

    def _value_op(self, block: int, op: int, value: int, what: str) -> None:
        check(
            self.connection.transmit(pcsc3.value_operation(block, op, value)),
            AccessDeniedError,
            f"{what} {block}",
        )
