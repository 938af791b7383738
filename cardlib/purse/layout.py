"""Where the header and the record slots live on each card type (docs/card-format.md §3).

Every location is an :class:`Area`: a run of the card's own storage units (MIFARE Classic blocks
of 16 bytes, Ultralight/NTAG pages of 4 bytes, SLE4442 bytes). Card drivers read and write areas;
no other module should hold a block, page or address number.
"""

from __future__ import annotations

from dataclasses import dataclass

from cardlib.cardtype import CardType
from cardlib.purse.header import HEADER_SIZE
from cardlib.purse.records import KIOSK_RECORD_SIZE, METER_RECORD_SIZE

CLASSIC_BLOCK_SIZE = 16
UL_PAGE_SIZE = 4
SLE_UNIT_SIZE = 1


@dataclass(frozen=True)
class Area:
    """``count`` consecutive units of ``unit_size`` bytes starting at unit ``first``."""

    first: int
    count: int
    unit_size: int

    @property
    def units(self) -> range:
        return range(self.first, self.first + self.count)

    @property
    def last(self) -> int:
        return self.first + self.count - 1

    @property
    def size(self) -> int:
        return self.count * self.unit_size


@dataclass(frozen=True)
class PurseLayout:
    """The header, the two kiosk record slots (A, B) and the two meter record slots (A, B)."""

    header: Area
    kiosk_slots: tuple[Area, Area]
    meter_slots: tuple[Area, Area]

    def __post_init__(self) -> None:
        assert self.header.size == HEADER_SIZE
        assert all(a.size == KIOSK_RECORD_SIZE for a in self.kiosk_slots)
        assert all(a.size == METER_RECORD_SIZE for a in self.meter_slots)

    @property
    def areas(self) -> tuple[Area, ...]:
        return (self.header, *self.kiosk_slots, *self.meter_slots)


# -- MIFARE Classic 1K / 4K --------------------------------------------------------------------

CLASSIC_BLOCKS_PER_SMALL_SECTOR = 4
CLASSIC_BLOCKS_PER_LARGE_SECTOR = 16  # 4K sectors 32-39
CLASSIC_SMALL_SECTORS = 32  # sectors 0-31 of a 4K (all 16 of a 1K) have 4 blocks
CLASSIC_FIRST_LARGE_BLOCK = CLASSIC_SMALL_SECTORS * CLASSIC_BLOCKS_PER_SMALL_SECTOR  # 128
CLASSIC_SECTOR_COUNT = {CardType.MIFARE_CLASSIC_1K: 16, CardType.MIFARE_CLASSIC_4K: 40}


def _blocks(first: int, count: int) -> Area:
    return Area(first, count, CLASSIC_BLOCK_SIZE)


CLASSIC_LAYOUT = PurseLayout(
    header=_blocks(4, 2),
    kiosk_slots=(_blocks(6, 1), _blocks(8, 1)),
    meter_slots=(_blocks(9, 2), _blocks(12, 2)),
)
CLASSIC_RESERVED_BLOCK = 14  # written as zeros
#: The sectors the purse uses; their trailers carry the card's diversified keys.
CLASSIC_SECTORS = (1, 2, 3)
#: Sector 1 (header and kiosk slot A) has the public Key A so any kiosk can read the header.
CLASSIC_PUBLIC_SECTOR = 1

#: Key A of sector 1. NOT a secret, on purpose: every kiosk, of any site and key version, must read
#: the header to learn the site id and key version before it can derive the card's keys, and to
#: tell a card of another site from a forged one. Writing still needs the card's diversified Key B,
#: and every record is MACed, so knowing this key lets one read only what it protects from nobody.
#: ASCII "PPKHDR"; deliberately not NXP's MAD key A0..A5 or the transport key FF..FF.
PUBLIC_HEADER_KEY_A = b"PPKHDR"
CLASSIC_TRANSPORT_KEY = b"\xff" * 6

# Access conditions (C1 C2 C3) per block of a purse sector: data blocks 100 (read A|B, write B),
# trailer 011 (Key A, access bits and Key B writable with Key B only; Key B never readable).
CLASSIC_DATA_ACCESS = 0b100
CLASSIC_TRAILER_ACCESS = 0b011
CLASSIC_TRAILER_KEY_A = slice(0, 6)
CLASSIC_TRAILER_ACCESS_BITS = slice(6, 9)
CLASSIC_TRAILER_GPB = 9
CLASSIC_TRAILER_KEY_B = slice(10, 16)


def classic_access_bytes(block0: int, block1: int, block2: int, trailer: int) -> bytes:
    """Trailer bytes 6-8 for the given C1C2C3 conditions (each 0b000..0b111), per MF1S50 §8.7.

    byte 6 = ~C2 << 4 | ~C1, byte 7 = C1 << 4 | ~C3, byte 8 = C3 << 4 | C2, with Cn the nibble of
    bit n-1 of each block's condition (bit i = block i, bit 3 = trailer).
    """
    conditions = (block0, block1, block2, trailer)

    def nibble(bit: int) -> int:
        return sum(((c >> bit) & 1) << i for i, c in enumerate(conditions))

    c1, c2, c3 = nibble(2), nibble(1), nibble(0)
    return bytes(
        (((~c2 & 0xF) << 4) | (~c1 & 0xF), (c1 << 4) | (~c3 & 0xF), (c3 << 4) | c2)
    )


CLASSIC_PURSE_ACCESS_BYTES = classic_access_bytes(
    CLASSIC_DATA_ACCESS, CLASSIC_DATA_ACCESS, CLASSIC_DATA_ACCESS, CLASSIC_TRAILER_ACCESS
)  # 78 77 88
CLASSIC_GPB = 0x69  # general purpose byte, as in the transport configuration


def classic_sector_of_block(block: int) -> int:
    if block < 0:
        raise ValueError(f"no block {block}")
    if block < CLASSIC_FIRST_LARGE_BLOCK:
        return block // CLASSIC_BLOCKS_PER_SMALL_SECTOR
    return CLASSIC_SMALL_SECTORS + (block - CLASSIC_FIRST_LARGE_BLOCK) // (
        CLASSIC_BLOCKS_PER_LARGE_SECTOR
    )


def classic_first_block(sector: int) -> int:
    if sector < 0:
        raise ValueError(f"no sector {sector}")
    if sector < CLASSIC_SMALL_SECTORS:
        return sector * CLASSIC_BLOCKS_PER_SMALL_SECTOR
    return CLASSIC_FIRST_LARGE_BLOCK + (sector - CLASSIC_SMALL_SECTORS) * (
        CLASSIC_BLOCKS_PER_LARGE_SECTOR
    )


def classic_trailer_block(sector: int) -> int:
    per_sector = (
        CLASSIC_BLOCKS_PER_SMALL_SECTOR
        if sector < CLASSIC_SMALL_SECTORS
        else CLASSIC_BLOCKS_PER_LARGE_SECTOR
    )
    return classic_first_block(sector) + per_sector - 1


# -- MIFARE Ultralight EV1 / NTAG21x -----------------------------------------------------------


def _pages(first: int, count: int) -> Area:
    return Area(first, count, UL_PAGE_SIZE)


ULTRALIGHT_LAYOUT = PurseLayout(
    header=_pages(4, 8),
    kiosk_slots=(_pages(12, 4), _pages(16, 4)),
    meter_slots=(_pages(20, 8), _pages(28, 8)),
)
UL_FIRST_USER_PAGE = 4
UL_MIN_LAST_USER_PAGE = 35  # user memory must reach here: 128 bytes (MF0UL21, NTAG213 and up)
UL_MIN_USER_BYTES = (UL_MIN_LAST_USER_PAGE - UL_FIRST_USER_PAGE + 1) * UL_PAGE_SIZE
UL_AUTH0 = UL_FIRST_USER_PAGE  # password needed from page 4 ...
UL_PROT_WRITE_ONLY = 0  # ... for writes only (ACCESS.PROT = 0): reads stay free

# -- SLE4442 ------------------------------------------------------------------------------------


def _bytes(first: int, count: int) -> Area:
    return Area(first, count, SLE_UNIT_SIZE)


SLE_LAYOUT = PurseLayout(
    header=_bytes(0x20, HEADER_SIZE),
    kiosk_slots=(_bytes(0x40, KIOSK_RECORD_SIZE), _bytes(0x50, KIOSK_RECORD_SIZE)),
    meter_slots=(_bytes(0x60, METER_RECORD_SIZE), _bytes(0x80, METER_RECORD_SIZE)),
)
SLE_MANUFACTURER_AREA = _bytes(0x00, 0x18)
#: 8 random bytes written at personalisation and then write-protected: the card's UID.
SLE_CARD_ID = _bytes(0x18, 8)
SLE_PROTECTED_AREA = _bytes(0x00, 0x20)  # protection memory covers bytes 0x00-0x1F
SLE_MEMORY_SIZE = 256

_LAYOUTS = {
    CardType.MIFARE_CLASSIC_1K: CLASSIC_LAYOUT,
    CardType.MIFARE_CLASSIC_4K: CLASSIC_LAYOUT,  # same blocks: 4K sectors 0-31 match the 1K
    CardType.MIFARE_ULTRALIGHT: ULTRALIGHT_LAYOUT,
    CardType.SLE4442: SLE_LAYOUT,
}


def layout_for(card_type: CardType) -> PurseLayout:
    return _LAYOUTS[card_type]
