"""MIFARE value block codec."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cardlib.cards import value_block
from cardlib.errors import FormatError

values = st.integers(value_block.VALUE_MIN, value_block.VALUE_MAX)
addrs = st.integers(0, 255)


def test_libfreefare_vector() -> None:
    expected = bytes.fromhex("640000009BFFFFFF6400000005FA05FA")
    assert value_block.encode(100, 5) == expected
    assert value_block.decode(expected) == (100, 5)


def test_negative_value() -> None:
    assert value_block.encode(-1, 0)[:4] == b"\xff\xff\xff\xff"
    assert value_block.decode(value_block.encode(-1, 0)) == (-1, 0)


@given(values, addrs)
def test_round_trip(value: int, addr: int) -> None:
    assert value_block.decode(value_block.encode(value, addr)) == (value, addr)


@given(values, addrs, st.integers(0, 127))
def test_any_single_flipped_bit_is_detected(value: int, addr: int, bit: int) -> None:
    block = bytearray(value_block.encode(value, addr))
    block[bit // 8] ^= 1 << (bit % 8)
    with pytest.raises(FormatError):
        value_block.decode(bytes(block))
    assert not value_block.is_value_block(bytes(block))


def test_out_of_range() -> None:
    with pytest.raises(ValueError):
        value_block.encode(2**31, 0)
    with pytest.raises(ValueError):
        value_block.encode(0, 256)
    with pytest.raises(FormatError):
        value_block.decode(bytes(15))
