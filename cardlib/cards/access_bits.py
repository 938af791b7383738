"""MIFARE Classic sector trailer access bits: the 3-byte codec and what each condition permits.

A sector trailer is Key A (bytes 0-5), access bits (6-8), a general purpose byte (9) and Key B
(10-15). Each of the four block groups of a sector (blocks 0, 1, 2 and the trailer; on a 4K card's
16-block sectors, blocks 0-4, 5-9, 10-14 and the trailer) has an access condition C1 C2 C3. Here a
condition is the int ``0bC1C2C3``: "C=100" is ``0b100``.

Byte layout [libfreefare mifare_classic.c; NXP MF1S50 datasheet §8.7]:
byte6 = ~C2 << 4 | ~C1, byte7 = C1 << 4 | ~C3, byte8 = C3 << 4 | C2, where Cn is the nibble whose
bit i is block group i. A bit that disagrees with its complement blocks the sector for good.

The permission tables are the datasheet's (MF1S50 tables 7 and 8).
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass

from cardlib.errors import FormatError


class KeyType(enum.IntEnum):
    """Which sector key authenticates; the values are the native AUTH command codes."""

    A = 0x60
    B = 0x61


class Who(enum.Flag):
    """Which keys may do something."""

    NEVER = 0
    A = 1
    B = 2
    AB = A | B

    def allows(self, key: KeyType) -> bool:
        return bool(self & (Who.A if key is KeyType.A else Who.B))


@dataclass(frozen=True)
class DataRights:
    read: Who
    write: Who
    increment: Who
    #: decrement, transfer and restore share one column in the datasheet
    decrement: Who


@dataclass(frozen=True)
class TrailerRights:
    key_a_write: Who  # Key A itself is never readable
    access_read: Who
    access_write: Who
    key_b_read: Who
    key_b_write: Who


N, A, B, AB = Who.NEVER, Who.A, Who.B, Who.AB

#: MF1S50 table 8: access conditions for data blocks
DATA_RIGHTS: dict[int, DataRights] = {
    0b000: DataRights(AB, AB, AB, AB),  # transport configuration
    0b010: DataRights(AB, N, N, N),  # read/write block
    0b100: DataRights(AB, B, N, N),
    0b110: DataRights(AB, B, B, AB),  # value block, recharge with B only
    0b001: DataRights(AB, N, N, AB),  # value block, non-rechargeable
    0b011: DataRights(B, B, N, N),
    0b101: DataRights(B, N, N, N),
    0b111: DataRights(N, N, N, N),
}

#: MF1S50 table 7: access conditions for the sector trailer
TRAILER_RIGHTS: dict[int, TrailerRights] = {
    0b000: TrailerRights(A, A, N, A, A),
    0b010: TrailerRights(N, A, N, A, N),
    0b100: TrailerRights(B, AB, N, N, B),
    0b110: TrailerRights(N, AB, N, N, N),
    0b001: TrailerRights(A, A, A, A, A),  # transport configuration
    0b011: TrailerRights(B, AB, B, N, B),
    0b101: TrailerRights(N, AB, B, N, N),
    0b111: TrailerRights(N, AB, N, N, N),
}

del N, A, B, AB

#: default Key A and Key B of a new card
TRANSPORT_KEY = bytes.fromhex("FFFFFFFFFFFF")
#: trailer bytes 6-9 of a new card (access bits data 000, trailer 001, then the GPB 69)
TRANSPORT_ACCESS = bytes.fromhex("FF078069")
#: trailer bytes 6-8 of a new card: the access bits alone
TRANSPORT_ACCESS_BITS = TRANSPORT_ACCESS[:3]
#: the general purpose byte (byte 9); it carries no meaning for the card
DEFAULT_GPB = 0x69


def encode(conditions: Sequence[int]) -> bytes:
    """The three access bytes for conditions of block groups 0, 1, 2 and the trailer."""
    if len(conditions) != 4 or any(not 0 <= c <= 7 for c in conditions):
        raise ValueError(f"need four conditions 0..7, got {list(conditions)}")
    c1 = c2 = c3 = 0
    for group, cond in enumerate(conditions):
        c1 |= (cond >> 2 & 1) << group
        c2 |= (cond >> 1 & 1) << group
        c3 |= (cond & 1) << group
    return bytes(((~c2 & 0xF) << 4 | (~c1 & 0xF), c1 << 4 | (~c3 & 0xF), c3 << 4 | c2))


def decode(access: bytes) -> tuple[int, int, int, int]:
    """Conditions of block groups 0-2 and the trailer, from trailer bytes 6-8.

    Raises :class:`FormatError` when a bit disagrees with its complement: a card holding such bits
    has blocked the sector for good.
    """
    if len(access) < 3:
        raise FormatError(f"access bits need 3 bytes, got {bytes(access).hex()}")
    b6, b7, b8 = access[0], access[1], access[2]
    c1, c2, c3 = b7 >> 4, b8 & 0xF, b8 >> 4
    if (~b6 & 0xF) != c1 or (~b6 >> 4 & 0xF) != c2 or (~b7 & 0xF) != c3:
        raise FormatError(f"inconsistent access bits {bytes(access[:3]).hex(' ').upper()}")
    return tuple(  # type: ignore[return-value]
        (c1 >> g & 1) << 2 | (c2 >> g & 1) << 1 | (c3 >> g & 1) for g in range(4)
    )


def key_b_readable(trailer_condition: int) -> bool:
    """Whether Key B can be read under this trailer condition.

    MF1S50 §8.7.3: such a Key B is user data, not a key -- a reader that authenticates with it is
    refused every memory access afterwards.
    """
    return TRAILER_RIGHTS[trailer_condition].key_b_read is not Who.NEVER


def data_rights(condition: int) -> DataRights:
    return DATA_RIGHTS[condition]


def trailer_rights(condition: int) -> TrailerRights:
    return TRAILER_RIGHTS[condition]


#: the project's sectors (docs/card-format.md §3): data blocks C=100 (read A|B, write B), trailer
#: C=011 (keys and access bits writable with Key B only, Key B never readable)
PURSE_CONDITIONS = (0b100, 0b100, 0b100, 0b011)
#: trailer bytes 6-8 only (78 77 88): the driver's Trailer carries the general purpose byte apart
PURSE_ACCESS = encode(PURSE_CONDITIONS)


def trailer(key_a: bytes, access: bytes, key_b: bytes) -> bytes:
    """A 16-byte sector trailer; ``access`` is 4 bytes (bits + GPB) or 3 (GPB defaulted)."""
    if len(access) == 3:
        access = access + bytes((DEFAULT_GPB,))
    if len(key_a) != 6 or len(key_b) != 6 or len(access) != 4:
        raise ValueError("a trailer is a 6-byte key, 4 access bytes and a 6-byte key")
    return bytes(key_a) + bytes(access) + bytes(key_b)
