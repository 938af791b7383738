"""MIFARE Classic value block codec.

A value block holds a signed 32-bit value three times (plain, inverted, plain; least significant
byte first) and a one-byte address four times (plain, inverted, plain, inverted)
[libfreefare mifare_classic_init_value]. The redundancy is what lets the card refuse increment,
decrement and restore on a block that is not a well-formed value block, and what lets a reader tell
a torn value block from a good one.
"""

from __future__ import annotations

from cardlib.errors import FormatError

VALUE_MIN = -(2**31)
VALUE_MAX = 2**31 - 1


def encode(value: int, addr: int) -> bytes:
    """The 16 bytes of a value block holding ``value`` with address byte ``addr``."""
    if not VALUE_MIN <= value <= VALUE_MAX:
        raise ValueError(f"value {value} does not fit in a signed 32-bit value block")
    if not 0 <= addr <= 0xFF:
        raise ValueError(f"address byte {addr} out of range")
    plain = value.to_bytes(4, "little", signed=True)
    inverted = bytes(b ^ 0xFF for b in plain)
    return plain + inverted + plain + bytes((addr, addr ^ 0xFF, addr, addr ^ 0xFF))


def decode(block: bytes) -> tuple[int, int]:
    """``(value, addr)`` of a value block, or :class:`FormatError` if any copy disagrees."""
    if len(block) != 16:
        raise FormatError(f"a value block is 16 bytes, got {len(block)}")
    plain, inverted, again = block[0:4], block[4:8], block[8:12]
    if plain != again or any(p ^ i != 0xFF for p, i in zip(plain, inverted, strict=True)):
        raise FormatError(f"not a value block: {bytes(block).hex(' ').upper()}")
    addr = block[12]
    if block[14] != addr or block[13] != addr ^ 0xFF or block[15] != addr ^ 0xFF:
        raise FormatError(f"value block address bytes broken: {bytes(block).hex(' ').upper()}")
    return int.from_bytes(plain, "little", signed=True), addr


def is_value_block(block: bytes) -> bool:
    try:
        decode(block)
    except FormatError:
        return False
    return True
