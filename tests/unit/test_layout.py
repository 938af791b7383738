"""Where the records live per card type (docs/card-format.md §3)."""

from __future__ import annotations

import enum

import pytest

from cardlib.cardtype import CardType
from cardlib.purse import layout as lay
from cardlib.purse.slots import RecordKind, Slot

K, M = RecordKind.KIOSK, RecordKind.METER


def test_classic_blocks() -> None:
    classic = lay.CLASSIC
    assert lay.layout_for(CardType.MIFARE_CLASSIC_1K) is classic
    assert lay.layout_for(CardType.MIFARE_CLASSIC_4K) is classic
    assert classic.header_blocks == (4, 5)
    assert (classic.blocks(K, Slot.A), classic.blocks(K, Slot.B)) == ((6,), (8,))
    assert (classic.blocks(M, Slot.A), classic.blocks(M, Slot.B)) == ((9, 10), (12, 13))
    assert classic.sector1_blocks == (4, 5, 6)
    assert classic.sectors == (1, 2, 3) and classic.record_sectors == (2, 3)
    assert classic.personalise_order[-1] == classic.header_sector == 1
    assert classic.record_blocks == {6, 8, 9, 10, 12, 13}
    assert classic.data_blocks_in(3) == (12, 13, 14) and classic.reserved_blocks == (14,)
    used = set(classic.record_blocks) | set(classic.header_blocks) | set(classic.reserved_blocks)
    assert {classic.sector_of(b) for b in used} == set(classic.sectors)
    assert not {classic.trailer_of(s) for s in classic.sectors} & used


@pytest.mark.parametrize(
    ("sector", "first", "trailer"),
    [(0, 0, 3), (15, 60, 63), (31, 124, 127), (32, 128, 143), (39, 240, 255)],
)
def test_classic_4k_geometry(sector: int, first: int, trailer: int) -> None:
    assert lay.classic_first_block(sector) == first
    assert lay.classic_trailer_block(sector) == trailer
    assert lay.classic_sector_of_block(first) == lay.classic_sector_of_block(trailer) == sector


def test_purse_access_bits_are_the_specs() -> None:
    from cardlib.cards.access_bits import PURSE_ACCESS

    assert bytes.fromhex("787788") == PURSE_ACCESS  # docs/card-format.md §3


def test_public_key_is_documented_and_not_nxp_mad() -> None:
    assert bytes.fromhex("50504B484452") == lay.PUBLIC_HEADER_KEY_A
    assert lay.PUBLIC_HEADER_KEY_A not in (bytes.fromhex("A0A1A2A3A4A5"), b"\xff" * 6)


def test_ultralight() -> None:
    ul = lay.ULTRALIGHT
    assert (ul.first_page, ul.header_page, ul.last_page) == (4, 4, 35)
    assert [ul.page(k, s) for k in RecordKind for s in Slot] == [12, 16, 20, 28]
    assert ul.min_user_bytes == 128 and lay.UL_AUTH0 == 4
    assert lay.write_units(CardType.MIFARE_ULTRALIGHT, K, Slot.B) == [(p, 4) for p in range(16, 20)]


def test_sle4442() -> None:
    sle = lay.SLE4442
    assert (sle.card_id_address, sle.card_id_size, sle.header_address) == (0x18, 8, 0x20)
    assert [sle.address(k, s) for k in RecordKind for s in Slot] == [0x40, 0x50, 0x60, 0x80]
    assert sle.end_address == 0xA0
    assert lay.write_units(CardType.SLE4442, M, Slot.A) == [(0x60, 32)]


def test_regions_are_dump_offsets() -> None:
    assert lay.purse_regions(CardType.MIFARE_CLASSIC_1K) == {
        "header": (64, 32),
        "kiosk A": (96, 16),
        "kiosk B": (128, 16),
        "meter A": (144, 32),
        "meter B": (192, 32),
    }
    assert lay.purse_regions(CardType.MIFARE_ULTRALIGHT)["meter B"] == (112, 32)
    assert lay.purse_regions(CardType.SLE4442)["kiosk B"] == (0x50, 16)


def test_other_enums_with_the_same_values_are_accepted() -> None:
    class Kind(enum.Enum):
        KIOSK = "kiosk"
        METER = "meter"

    class OtherSlot(enum.IntEnum):
        A = 0
        B = 1

    assert lay.CLASSIC.blocks(Kind.METER, OtherSlot.B) == (12, 13)
    assert lay.write_units(CardType.MIFARE_CLASSIC_4K, Kind.KIOSK, OtherSlot.A) == [(6, 16)]


@pytest.mark.parametrize("card_type", list(CardType))
def test_areas_are_disjoint(card_type: CardType) -> None:
    units = [u for a in lay.layout_for(card_type).areas for u in a.units]
    assert len(units) == len(set(units))
