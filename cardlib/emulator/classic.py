"""An emulated MIFARE Classic 1K / 4K card with the real card's rules, behind an ACS reader front.

What it enforces, after NXP MF1S50/MF1S70: authentication per sector with the exact Key A or Key B
of the sector trailer (a failure leaves no sector authenticated, as the real card halts); the
access conditions of the trailer for read, write, increment, decrement, restore and transfer; Key B
unusable for data when the trailer makes it readable; the value block format for value operations;
Key A (and an unreadable Key B) read back as zeros; block 0 read-only; a trailer written with
inconsistent access bits blocks its sector for good. Crypto1 itself is not modelled: the reader
front hands the key over, which is all a PC/SC reader lets the host see.

4K layout: sectors 0-31 of 4 blocks, sectors 32-39 of 16 blocks (blocks 0x80-0xFF, trailers 0x8F,
0x9F ... 0xFF); in a 16-block sector the data conditions cover blocks 0-4, 5-9 and 10-14.
"""

from __future__ import annotations

from functools import reduce

from cardlib.apdu import SW_FAILURE, SW_SECURITY_NOT_SATISFIED, SW_WRONG_P1P2
from cardlib.cards import access_bits, value_block
from cardlib.cards import classic as geometry
from cardlib.cards.access_bits import KeyType
from cardlib.cardtype import CARD_NAME_CLASSIC_1K, CARD_NAME_CLASSIC_4K, storage_card_atr
from cardlib.emulator.acs import (
    VALUE_OP_DECREMENT,
    VALUE_OP_INCREMENT,
    VALUE_OP_STORE,
    ContactlessFront,
    Refused,
)
from cardlib.errors import FormatError

BLOCK_SIZE = 16
_SIZES = {"1k": 1024, "4k": 4096}
_SAK_ATQA = {"1k": bytes((0x08, 0x04, 0x00)), "4k": bytes((0x18, 0x02, 0x00))}
_MANUFACTURER_DATA = bytes.fromhex("6263646566676869")  # what NXP cards commonly carry


class EmulatedClassic(ContactlessFront):
    """A MIFARE Classic card; its APDU interface is the ACS front's, its rules the card's own."""

    has_sector_keys = True

    def __init__(self, uid: bytes, memory: bytes, size: str = "1k") -> None:
        super().__init__()
        if size not in _SIZES or len(memory) != _SIZES[size]:
            raise ValueError(f"a {size} card needs {_SIZES.get(size)} bytes of memory")
        if len(uid) not in (4, 7):
            raise ValueError("a MIFARE Classic UID is 4 or 7 bytes")
        self.size = size
        self._uid = bytes(uid)
        self.memory = bytearray(memory)
        self._session: tuple[int, KeyType] | None = None
        self._register: tuple[int, int] | None = None  # (value, address byte) for transfer

    @classmethod
    def blank(cls, uid: bytes, size: str = "1k") -> EmulatedClassic:
        """A card as it leaves the factory: transport keys and access bits everywhere."""
        if size not in _SIZES:
            raise ValueError(f"size must be one of {sorted(_SIZES)}")
        memory = bytearray(_SIZES[size])
        if len(uid) == 4:
            bcc = reduce(lambda a, b: a ^ b, uid, 0)
            block0 = bytes(uid) + bytes((bcc,)) + _SAK_ATQA[size] + _MANUFACTURER_DATA
        else:
            block0 = bytes(uid) + _SAK_ATQA[size] + _MANUFACTURER_DATA[:6]
        memory[0:BLOCK_SIZE] = block0
        card = cls(uid, bytes(memory), size)
        default = access_bits.trailer(
            access_bits.TRANSPORT_KEY, access_bits.TRANSPORT_ACCESS, access_bits.TRANSPORT_KEY
        )
        for sector in range(card.sectors):
            card.set_block(card.trailer_block(sector), default)
        return card

    # -- geometry ------------------------------------------------------------------------------

    @property
    def blocks(self) -> int:
        return len(self.memory) // BLOCK_SIZE

    @property
    def sectors(self) -> int:
        return 16 if self.size == "1k" else 40

    # the card's geometry, from the one definition in the driver
    sector_of = staticmethod(geometry.sector_of)
    first_block = staticmethod(geometry.first_block)
    trailer_block = staticmethod(geometry.trailer_block)

    def _group(self, block: int) -> int:
        """Which access condition (0-2 data, 3 trailer) governs ``block``."""
        offset = block - self.first_block(self.sector_of(block))
        return offset if self.sector_of(block) < geometry.SMALL_SECTORS else min(offset // 5, 3)

    # -- raw memory, for tests and attack scenarios --------------------------------------------

    def block(self, block: int) -> bytes:
        return bytes(self.memory[block * BLOCK_SIZE : (block + 1) * BLOCK_SIZE])

    def set_block(self, block: int, data: bytes) -> None:
        """Write a block bypassing every rule (what a card programmer or a magic card allows)."""
        if len(data) != BLOCK_SIZE:
            raise ValueError("a block is 16 bytes")
        self.memory[block * BLOCK_SIZE : (block + 1) * BLOCK_SIZE] = data

    def flip_bit(self, offset: int, bit: int) -> None:
        """Invert one bit of raw memory (byte ``offset`` of :meth:`dump`), as a tamperer would."""
        self.memory[offset] ^= 1 << bit

    def dump(self) -> bytes:
        """The whole memory, keys included, as a cloning tool would save it."""
        return bytes(self.memory)

    def restore(self, dump: bytes) -> None:
        """Put an old dump back on the card (a replay attack)."""
        if len(dump) != len(self.memory):
            raise ValueError(f"dump is {len(dump)} bytes, card memory {len(self.memory)}")
        self.memory[:] = dump

    # -- EmulatedCard ---------------------------------------------------------------------------

    @property
    def atr(self) -> bytes:
        return storage_card_atr(CARD_NAME_CLASSIC_1K if self.size == "1k" else CARD_NAME_CLASSIC_4K)

    @property
    def uid(self) -> bytes:
        return self._uid

    def _reset_volatile(self) -> None:
        self._session = None
        self._register = None

    # -- card operations ------------------------------------------------------------------------

    def _conditions(self, sector: int) -> tuple[int, int, int, int] | None:
        """The sector's access conditions, or None when its access bits are inconsistent."""
        trailer = self.block(self.trailer_block(sector))
        try:
            return access_bits.decode(trailer[6:9])
        except FormatError:
            return None

    def authenticate(self, block: int, key_type: KeyType, key: bytes) -> None:
        self._check_range(block)
        self._session = None
        self._register = None
        sector = self.sector_of(block)
        trailer = self.block(self.trailer_block(sector))
        stored = trailer[0:6] if key_type is KeyType.A else trailer[10:16]
        if self._conditions(sector) is None:
            raise Refused(SW_FAILURE, f"sector {sector} is blocked by bad access bits")
        if bytes(key) != stored:
            raise Refused(SW_FAILURE, f"wrong key {key_type.name} for sector {sector}")
        self._session = (sector, key_type)

    def _check_range(self, block: int) -> None:
        if not 0 <= block < self.blocks:
            raise Refused(SW_WRONG_P1P2, f"no block {block}")

    def _access(self, block: int) -> tuple[KeyType, tuple[int, int, int, int]]:
        """The key the block's sector was opened with and its conditions, or refuse."""
        self._check_range(block)
        sector = self.sector_of(block)
        if self._session is None or self._session[0] != sector:
            raise Refused(SW_SECURITY_NOT_SATISFIED, f"sector {sector} not authenticated")
        key = self._session[1]
        conditions = self._conditions(sector)
        if conditions is None:
            raise Refused(SW_FAILURE, f"sector {sector} is blocked")
        if key is KeyType.B and access_bits.key_b_readable(conditions[3]):
            raise Refused(SW_SECURITY_NOT_SATISFIED, "Key B is readable here, so not a key")
        return key, conditions

    def _data_rights(self, block: int) -> tuple[KeyType, access_bits.DataRights]:
        key, conditions = self._access(block)
        group = self._group(block)
        if group == 3:
            raise Refused(SW_FAILURE, "a sector trailer is not a data block")
        return key, access_bits.data_rights(conditions[group])

    def read_block(self, block: int) -> bytes:
        key, conditions = self._access(block)
        data = self.block(block)
        if self._group(block) != 3:
            if not access_bits.data_rights(conditions[self._group(block)]).read.allows(key):
                raise Refused(SW_SECURITY_NOT_SATISFIED, f"read of block {block}")
            return data
        rights = access_bits.trailer_rights(conditions[3])
        access = data[6:10] if rights.access_read.allows(key) else bytes(4)
        key_b = data[10:16] if rights.key_b_read.allows(key) else bytes(6)
        return bytes(6) + access + key_b

    def write_block(self, block: int, data: bytes) -> None:
        key, conditions = self._access(block)
        if block == 0:
            raise Refused(SW_FAILURE, "the manufacturer block is read-only")
        if self._group(block) == 3:
            self._write_trailer(block, key, conditions[3], data)
            return
        if not access_bits.data_rights(conditions[self._group(block)]).write.allows(key):
            raise Refused(SW_SECURITY_NOT_SATISFIED, f"write of block {block}")
        self._store(self.memory, block * BLOCK_SIZE, bytes(data), block)

    def _write_trailer(self, block: int, key: KeyType, condition: int, data: bytes) -> None:
        # The card writes the parts the key may change and keeps the rest: a Key B holder under
        # C=100 can change keys but not the access bits.
        rights = access_bits.trailer_rights(condition)
        old = self.block(block)
        parts = (
            (slice(0, 6), rights.key_a_write),
            (slice(6, 10), rights.access_write),
            (slice(10, 16), rights.key_b_write),
        )
        if not any(who.allows(key) for _, who in parts):
            raise Refused(SW_SECURITY_NOT_SATISFIED, "trailer not writable with this key")
        new = bytearray(old)
        for part, who in parts:
            if who.allows(key):
                new[part] = data[part]
        self._store(self.memory, block * BLOCK_SIZE, bytes(new), block)

    def _load_value(self, block: int) -> tuple[int, int]:
        try:
            return value_block.decode(self.block(block))
        except FormatError as exc:
            raise Refused(SW_FAILURE, f"block {block} is not a value block") from exc

    def increment(self, block: int, delta: int) -> None:
        """Native INCREMENT: the block's value plus ``delta`` into the transfer register."""
        key, rights = self._data_rights(block)
        if not rights.increment.allows(key):
            raise Refused(SW_SECURITY_NOT_SATISFIED, f"increment of block {block}")
        value, addr = self._load_value(block)
        self._set_register(value + delta, addr)

    def decrement(self, block: int, delta: int) -> None:
        """Native DECREMENT: the block's value minus ``delta`` into the transfer register."""
        key, rights = self._data_rights(block)
        if not rights.decrement.allows(key):
            raise Refused(SW_SECURITY_NOT_SATISFIED, f"decrement of block {block}")
        value, addr = self._load_value(block)
        self._set_register(value - delta, addr)

    def restore_value(self, block: int) -> None:
        """Native RESTORE: the block's value, unchanged, into the transfer register."""
        key, rights = self._data_rights(block)
        if not rights.decrement.allows(key):
            raise Refused(SW_SECURITY_NOT_SATISFIED, f"restore of block {block}")
        self._set_register(*self._load_value(block))

    def _set_register(self, value: int, addr: int) -> None:
        if not value_block.VALUE_MIN <= value <= value_block.VALUE_MAX:
            raise Refused(SW_FAILURE, "value out of the signed 32-bit range")
        self._register = (value, addr)

    def transfer(self, block: int) -> None:
        """Native TRANSFER: write the register to ``block`` as a value block."""
        key, rights = self._data_rights(block)
        if not rights.decrement.allows(key):
            raise Refused(SW_SECURITY_NOT_SATISFIED, f"transfer to block {block}")
        if block == 0:
            raise Refused(SW_FAILURE, "the manufacturer block is read-only")
        if self._register is None:
            raise Refused(SW_FAILURE, "nothing to transfer")
        encoded = value_block.encode(*self._register)
        self._store(self.memory, block * BLOCK_SIZE, encoded, block)

    # -- the ACS value commands -----------------------------------------------------------------

    def value_operation(self, block: int, op: int, operand: int) -> None:
        if op == VALUE_OP_STORE:
            if not value_block.VALUE_MIN <= operand <= value_block.VALUE_MAX:
                raise Refused(SW_FAILURE, "value out of range")
            self.write_block(block, value_block.encode(operand, block))
            return
        if op == VALUE_OP_INCREMENT:
            self.increment(block, operand)
        elif op == VALUE_OP_DECREMENT:
            self.decrement(block, operand)
        self.transfer(block)

    def read_value(self, block: int) -> int:
        data = self.read_block(block)
        try:
            return value_block.decode(data)[0]
        except FormatError as exc:
            raise Refused(SW_FAILURE, f"block {block} is not a value block") from exc

    def restore_to(self, source: int, target: int) -> None:
        self.restore_value(source)
        self.transfer(target)
