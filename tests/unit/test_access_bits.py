"""Access bits codec and permission tables (NXP MF1S50 §8.7)."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cardlib.cards import access_bits
from cardlib.cards.access_bits import KeyType, Who
from cardlib.errors import FormatError

conditions = st.tuples(*[st.integers(0, 7)] * 4)


def test_transport_bytes_decode_to_data_000_trailer_001() -> None:
    assert access_bits.decode(access_bits.TRANSPORT_ACCESS_BITS) == (0, 0, 0, 0b001)
    assert access_bits.encode((0, 0, 0, 0b001)) == bytes.fromhex("FF0780")
    assert access_bits.TRANSPORT_KEY == b"\xff" * 6


def test_purse_access_is_data_100_trailer_011() -> None:
    assert access_bits.PURSE_ACCESS.hex() == "787788"
    assert access_bits.decode(access_bits.PURSE_ACCESS) == (0b100, 0b100, 0b100, 0b011)


def test_research_notes_example_value_sector() -> None:
    assert access_bits.encode((0b110, 0b110, 0b100, 0b011)) == bytes.fromhex("48778B")


def test_round_trip_every_combination() -> None:
    for combo in itertools.product(range(8), repeat=4):
        assert access_bits.decode(access_bits.encode(combo)) == combo


@given(conditions, st.integers(0, 23))
def test_any_single_flipped_bit_is_inconsistent(combo: tuple[int, ...], bit: int) -> None:
    encoded = bytearray(access_bits.encode(combo))
    encoded[bit // 8] ^= 1 << (bit % 8)
    with pytest.raises(FormatError):
        access_bits.decode(bytes(encoded))


def test_encode_rejects_bad_conditions() -> None:
    with pytest.raises(ValueError):
        access_bits.encode((0, 0, 8, 0))
    with pytest.raises(ValueError):
        access_bits.encode((0, 0, 0))


def test_key_b_readable_only_where_the_datasheet_greys_it() -> None:
    readable = {c for c in range(8) if access_bits.key_b_readable(c)}
    assert readable == {0b000, 0b010, 0b001}


def test_data_100_reads_with_either_key_writes_with_b_only() -> None:
    rights = access_bits.data_rights(0b100)
    assert rights.read.allows(KeyType.A) and rights.read.allows(KeyType.B)
    assert rights.write is Who.B
    assert rights.increment is Who.NEVER and rights.decrement is Who.NEVER


def test_trailer_011_key_b_controls_everything() -> None:
    rights = access_bits.trailer_rights(0b011)
    assert rights.key_a_write is Who.B and rights.access_write is Who.B
    assert rights.key_b_write is Who.B and rights.key_b_read is Who.NEVER
    assert rights.access_read is Who.AB


def test_trailer_helper_builds_16_bytes() -> None:
    t = access_bits.trailer(bytes(6), access_bits.PURSE_ACCESS, b"\x01" * 6)
    assert t == bytes(6) + bytes.fromhex("78778869") + b"\x01" * 6
