"""Where the header and the record slots live on each card type (docs/card-format.md §3).

Every location is an :class:`Area`: a run of the card's own storage units (MIFARE Classic blocks
of 16 bytes, Ultralight/NTAG pages of 4 bytes, SLE4442 bytes). One layout object per card family
(:data:`CLASSIC`, :data:`ULTRALIGHT`, :data:`SLE4442`) answers "which units hold this slot" in the
units its driver uses; no other module should hold a block, page or address number.

``kind`` and ``slot`` arguments are :class:`cardlib.purse.slots.RecordKind` / ``Slot`` or any enum
with the same values ("kiosk"/"meter", 0/1).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from cardlib.cards import classic
from cardlib.cardtype import CardType
from cardlib.purse.header import HEADER_SIZE as HEADER_SIZE
from cardlib.purse.records import KIOSK_RECORD_SIZE as KIOSK_RECORD_SIZE
from cardlib.purse.records import METER_RECORD_SIZE as METER_RECORD_SIZE
from cardlib.purse.slots import RecordKind, Slot

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

    @property
    def byte_offset(self) -> int:
        """Where the area starts in a dump of the card's memory."""
        return self.first * self.unit_size


@dataclass(frozen=True)
class PurseLayout:
    """The header, the two kiosk record slots (A, B) and the two meter record slots (A, B)."""

    header: Area
    kiosk_slots: tuple[Area, Area]
    meter_slots: tuple[Area, Area]

    def __post_init__(self) -> None:
        # the layout tables and the record formats are two statements of one spec
        if self.header.size != HEADER_SIZE or any(
            a.size != size
            for slots, size in (
                (self.kiosk_slots, KIOSK_RECORD_SIZE),
                (self.meter_slots, METER_RECORD_SIZE),
            )
            for a in slots
        ):
            raise AssertionError("layout areas do not match the record sizes")

    @property
    def areas(self) -> tuple[Area, ...]:
        return (self.header, *self.kiosk_slots, *self.meter_slots)

    def slot_area(self, kind: enum.Enum, slot: int) -> Area:
        record_kind, which = RecordKind(kind.value), Slot(slot)
        pair = self.kiosk_slots if record_kind is RecordKind.KIOSK else self.meter_slots
        return pair[which]

    def regions(self) -> dict[str, tuple[int, int]]:
        """(byte offset in a memory dump, size) of the header and each slot, by name."""
        named = {"header": self.header}
        for kind in RecordKind:
            for slot in Slot:
                named[f"{kind.value} {slot.name}"] = self.slot_area(kind, slot)
        return {name: (area.byte_offset, area.size) for name, area in named.items()}

    def write_units(self, kind: enum.Enum, slot: int) -> list[tuple[int, int]]:
        """(address, bytes) of each write command that writes one slot: a block or page each on
        contactless cards (the unit the card programs at once)."""
        area = self.slot_area(kind, slot)
        return [(unit, area.unit_size) for unit in area.units]


# -- MIFARE Classic 1K / 4K --------------------------------------------------------------------


# The geometry is the card's, not the purse's: one definition, in the driver.
classic_sector_of_block = classic.sector_of
classic_first_block = classic.first_block
classic_trailer_block = classic.trailer_block


@dataclass(frozen=True)
class ClassicLayout(PurseLayout):
    #: sector 1: header and kiosk slot A, readable with the public Key A
    header_sector: int
    #: written as zeros at personalisation, not used in format version 1
    reserved_blocks: tuple[int, ...]
    #: sectors in personalisation order: the header sector last, so a card torn during issue
    #: never carries a header without its first record
    personalise_order: tuple[int, ...]

    @property
    def sectors(self) -> tuple[int, ...]:
        return tuple(sorted(self.personalise_order))

    @property
    def record_sectors(self) -> tuple[int, ...]:
        """The sectors other than the header sector (opened with the card's Key B)."""
        return tuple(s for s in self.sectors if s != self.header_sector)

    @property
    def header_blocks(self) -> tuple[int, ...]:
        return tuple(self.header.units)

    @property
    def sector1_blocks(self) -> tuple[int, ...]:
        """The data blocks of the header sector (header and kiosk slot A)."""
        return self.data_blocks_in(self.header_sector)

    @property
    def record_blocks(self) -> frozenset[int]:
        return frozenset(b for area in self.areas[1:] for b in area.units)

    def blocks(self, kind: enum.Enum, slot: int) -> tuple[int, ...]:
        return tuple(self.slot_area(kind, slot).units)

    @staticmethod
    def sector_of(block: int) -> int:
        return classic_sector_of_block(block)

    @staticmethod
    def trailer_of(sector: int) -> int:
        return classic_trailer_block(sector)

    @staticmethod
    def data_blocks_in(sector: int) -> tuple[int, ...]:
        return tuple(range(classic_first_block(sector), classic_trailer_block(sector)))


def _blocks(first: int, count: int) -> Area:
    return Area(first, count, CLASSIC_BLOCK_SIZE)


#: The same blocks on 1K and 4K: a 4K's sectors 0-31 have 4 blocks like a 1K's.
CLASSIC = ClassicLayout(
    header=_blocks(4, 2),
    kiosk_slots=(_blocks(6, 1), _blocks(8, 1)),
    meter_slots=(_blocks(9, 2), _blocks(12, 2)),
    header_sector=1,
    reserved_blocks=(14,),
    personalise_order=(2, 3, 1),
)

#: Key A of sector 1. NOT a secret, on purpose: every kiosk, of any site and key version, must read
#: the header to learn the site id and key version before it can derive the card's keys, and to
#: tell a card of another site from a forged one. Writing still needs the card's diversified Key B,
#: and the header and records are MACed, so this key protects nothing that needs protecting.
#: ASCII "PPKHDR"; deliberately not NXP's MAD key A0..A5 nor the transport key FF..FF.
PUBLIC_HEADER_KEY_A = b"PPKHDR"

# Access conditions of the purse sectors are encoded in cardlib.cards.access_bits (PURSE_ACCESS).


# -- MIFARE Ultralight EV1 / NTAG21x -----------------------------------------------------------


@dataclass(frozen=True)
class PageLayout(PurseLayout):
    @property
    def first_page(self) -> int:
        return self.header.first

    @property
    def last_page(self) -> int:
        """The last page the purse uses: the card's user memory must reach it."""
        return max(area.last for area in self.areas)

    @property
    def header_page(self) -> int:
        return self.header.first

    @property
    def min_user_bytes(self) -> int:
        return (self.last_page - self.first_page + 1) * UL_PAGE_SIZE

    def page(self, kind: enum.Enum, slot: int) -> int:
        """The first page of a slot (records are written from there, page by page)."""
        return self.slot_area(kind, slot).first


def _pages(first: int, count: int) -> Area:
    return Area(first, count, UL_PAGE_SIZE)


ULTRALIGHT = PageLayout(
    header=_pages(4, 8),
    kiosk_slots=(_pages(12, 4), _pages(16, 4)),
    meter_slots=(_pages(20, 8), _pages(28, 8)),
)
#: AUTH0: the password protects writes from the first purse page on (ACCESS.PROT = 0: reads free)
UL_AUTH0 = ULTRALIGHT.first_page

# -- SLE4442 ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ByteLayout(PurseLayout):
    #: 8 random bytes written at personalisation and then write-protected: the card's UID
    card_id: Area

    @property
    def card_id_address(self) -> int:
        return self.card_id.first

    @property
    def card_id_size(self) -> int:
        return self.card_id.size

    @property
    def header_address(self) -> int:
        return self.header.first

    @property
    def end_address(self) -> int:
        """One past the last byte the purse uses."""
        return max(area.last for area in self.areas) + 1

    def address(self, kind: enum.Enum, slot: int) -> int:
        return self.slot_area(kind, slot).first

    def write_units(self, kind: enum.Enum, slot: int) -> list[tuple[int, int]]:
        """One write command covers the whole slot (UPDATE MAIN MEMORY takes a run of bytes)."""
        area = self.slot_area(kind, slot)
        return [(area.first, area.size)]


def _bytes(first: int, count: int) -> Area:
    return Area(first, count, SLE_UNIT_SIZE)


SLE4442 = ByteLayout(
    header=_bytes(0x20, HEADER_SIZE),
    kiosk_slots=(_bytes(0x40, KIOSK_RECORD_SIZE), _bytes(0x50, KIOSK_RECORD_SIZE)),
    meter_slots=(_bytes(0x60, METER_RECORD_SIZE), _bytes(0x80, METER_RECORD_SIZE)),
    card_id=_bytes(0x18, 8),
)
SLE_MANUFACTURER_AREA = _bytes(0x00, 0x18)
SLE_PROTECTABLE_AREA = _bytes(0x00, 0x20)  # protection memory covers bytes 0x00-0x1F

_LAYOUTS: dict[CardType, PurseLayout] = {
    CardType.MIFARE_CLASSIC_1K: CLASSIC,
    CardType.MIFARE_CLASSIC_4K: CLASSIC,
    CardType.MIFARE_ULTRALIGHT: ULTRALIGHT,
    CardType.SLE4442: SLE4442,
}


def layout_for(card_type: CardType) -> PurseLayout:
    return _LAYOUTS[card_type]


def purse_regions(card_type: CardType) -> dict[str, tuple[int, int]]:
    """(byte offset in a memory dump, size) of the header and each slot on ``card_type``."""
    return layout_for(card_type).regions()


def write_units(card_type: CardType, kind: enum.Enum, slot: int) -> list[tuple[int, int]]:
    """(block / page / address, bytes) of each write command writing one slot on ``card_type``."""
    return layout_for(card_type).write_units(kind, slot)
