"""AN10922 diversification and CMAC against published vectors."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cardlib.crypto.an10922 import cmac, diversify_aes128

RFC4493_KEY = bytes.fromhex("2b7e151628aed2a6abf7158809cf4f3c")


def test_libfreefare_vector() -> None:
    # libfreefare test/test_mifare_key_deriver_an10922.c: UID ‖ AID ‖ system id "NXP Abu"
    master = bytes.fromhex("00112233445566778899AABBCCDDEEFF")
    data = bytes.fromhex("04782E21801D803042F54E585020416275")
    assert diversify_aes128(master, data) == bytes.fromhex("A8DD63A3B89D54B37CA802473FDA9175")


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("", "bb1d6929e95937287fa37d129b756746"),
        ("6bc1bee22e409f96e93d7e117393172a", "070a16b46b4d4144f79bdd9dd04a287c"),
    ],
)
def test_cmac_rfc4493(message: str, expected: str) -> None:
    assert cmac(RFC4493_KEY, bytes.fromhex(message)) == bytes.fromhex(expected)


@given(st.binary(min_size=31, max_size=31))
def test_full_two_blocks_is_plain_cmac(data: bytes) -> None:
    # |01 ‖ data| = 32: no padding, last block XOR K1, which is exactly what CMAC does
    assert diversify_aes128(RFC4493_KEY, data) == cmac(RFC4493_KEY, b"\x01" + data)


@given(st.binary(min_size=1, max_size=15))
def test_short_input_differs_from_plain_cmac(data: bytes) -> None:
    # AN10922 pads to two blocks; a stock CMAC of a short message pads to one
    assert diversify_aes128(RFC4493_KEY, data) != cmac(RFC4493_KEY, b"\x01" + data)


@pytest.mark.parametrize("length", [0, 32])
def test_input_length_limits(length: int) -> None:
    with pytest.raises(ValueError):
        diversify_aes128(RFC4493_KEY, bytes(length))


def test_key_must_be_16_bytes() -> None:
    with pytest.raises(ValueError):
        diversify_aes128(bytes(15), b"x")
    with pytest.raises(ValueError):
        cmac(bytes(24), b"x")
