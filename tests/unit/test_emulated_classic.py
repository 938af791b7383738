"""The emulated MIFARE Classic through the emulated reader, as the card drivers see it."""

from __future__ import annotations

import pytest

from cardlib.apdu import Response
from cardlib.cards import access_bits, value_block
from cardlib.cardtype import CardType
from cardlib.emulator.classic import EmulatedClassic
from cardlib.emulator.tear import TearPlan
from cardlib.errors import CardRemovedError, NoCardError
from cardlib.reader.base import CardConnection
from cardlib.reader.emulated import EmulatedReader

UID = bytes.fromhex("A1B2C3D4")
FF = access_bits.TRANSPORT_KEY
KA = bytes.fromhex("A0A1A2A3A4A5")
KB = bytes.fromhex("B0B1B2B3B4B5")
A, B = 0x60, 0x61


def send(conn: CardConnection, hexstr: str) -> Response:
    return conn.transmit(bytes.fromhex(hexstr.replace(" ", "")))


def auth(conn: CardConnection, block: int, key: bytes, key_type: int = A) -> int:
    assert send(conn, f"FF820000 06 {key.hex()}").sw == 0x9000
    return send(conn, f"FF860000 05 0100{block:02X}{key_type:02X}00").sw


def read(conn: CardConnection, block: int) -> Response:
    return send(conn, f"FFB000{block:02X}10")


def write(conn: CardConnection, block: int, data: bytes) -> int:
    return send(conn, f"FFD600{block:02X}10{data.hex()}").sw


def value_op(conn: CardConnection, block: int, op: int, value: int) -> int:
    operand = value.to_bytes(4, "big", signed=True).hex()
    return send(conn, f"FFD700{block:02X}05{op:02X}{operand}").sw


@pytest.fixture
def card() -> EmulatedClassic:
    return EmulatedClassic.blank(UID)


@pytest.fixture
def reader(card: EmulatedClassic) -> EmulatedReader:
    return EmulatedReader(card)


@pytest.fixture
def conn(reader: EmulatedReader) -> CardConnection:
    return reader.connect()


def make_purse_sector(conn: CardConnection, sector: int, conditions: tuple[int, ...]) -> None:
    trailer = sector * 4 + 3
    assert auth(conn, trailer, FF) == 0x9000
    data = access_bits.trailer(KA, access_bits.encode(conditions), KB)
    assert write(conn, trailer, data) == 0x9000


def test_uid_atr_and_block0(card: EmulatedClassic, conn: CardConnection) -> None:
    assert conn.card_type is CardType.MIFARE_CLASSIC_1K
    r = send(conn, "FFCA000000")
    assert (r.data, r.sw) == (UID, 0x9000)
    assert card.block(0)[:5] == UID + bytes((0xA1 ^ 0xB2 ^ 0xC3 ^ 0xD4,))
    assert auth(conn, 0, FF) == 0x9000
    assert read(conn, 0).data == card.block(0)


def test_4k_geometry(reader: EmulatedReader) -> None:
    card = EmulatedClassic.blank(UID, "4k")
    reader.insert(card)
    conn = reader.connect()
    assert conn.card_type is CardType.MIFARE_CLASSIC_4K
    assert card.sectors == 40 and card.trailer_block(32) == 0x8F and card.trailer_block(39) == 0xFF
    assert auth(conn, 0x85, FF) == 0x9000
    assert read(conn, 0x8F).data[6:10] == access_bits.TRANSPORT_ACCESS
    assert read(conn, 0x90).sw == 0x6982  # sector 33 is not the one authenticated


def test_wrong_key_refused_and_drops_authentication(conn: CardConnection) -> None:
    assert auth(conn, 4, FF) == 0x9000
    assert read(conn, 4).sw == 0x9000
    assert auth(conn, 4, KA) == 0x6300
    assert read(conn, 4).sw == 0x6982  # the card halted: no sector is open any more
    assert send(conn, "FF860000050100046001").sw == 0x6300  # empty key slot


def test_obsolete_authenticate_form(conn: CardConnection) -> None:
    send(conn, f"FF82000006{FF.hex()}")
    assert send(conn, "FF8800086000").sw == 0x9000
    assert read(conn, 9).sw == 0x9000


def test_reads_need_the_blocks_own_sector(conn: CardConnection) -> None:
    assert read(conn, 4).sw == 0x6982
    auth(conn, 4, FF)
    assert read(conn, 8).sw == 0x6982
    assert read(conn, 64).sw == 0x6B00


def test_transport_key_b_is_readable_hence_not_a_key(conn: CardConnection) -> None:
    assert auth(conn, 4, FF, B) == 0x9000
    assert read(conn, 4).sw == 0x6982
    assert auth(conn, 4, FF, A) == 0x9000
    assert read(conn, 7).data == bytes(6) + access_bits.TRANSPORT_ACCESS + FF


def test_access_bits_enforced(card: EmulatedClassic, conn: CardConnection) -> None:
    make_purse_sector(conn, 1, access_bits.PURSE_CONDITIONS)
    assert card.block(7) == KA + access_bits.PURSE_ACCESS + b"\x69" + KB
    assert auth(conn, 4, FF) == 0x6300
    assert auth(conn, 4, KA) == 0x9000
    assert read(conn, 4).sw == 0x9000
    assert write(conn, 4, b"\x11" * 16) == 0x6982  # C=100: write needs Key B
    trailer = read(conn, 7)
    assert trailer.data == bytes(6) + bytes.fromhex("78778869") + bytes(6)  # keys never shown
    assert write(conn, 7, access_bits.trailer(FF, access_bits.TRANSPORT_ACCESS, FF)) == 0x6982
    assert auth(conn, 4, KB, B) == 0x9000
    assert write(conn, 4, b"\x11" * 16) == 0x9000
    assert card.block(4) == b"\x11" * 16
    assert value_op(conn, 5, 0x00, 1) == 0x9000  # store is a write
    assert value_op(conn, 5, 0x01, 1) == 0x6982  # increment is never allowed under C=100


def test_block0_is_read_only(card: EmulatedClassic, conn: CardConnection) -> None:
    before = card.block(0)
    auth(conn, 0, FF)
    assert write(conn, 0, bytes(16)) == 0x6300
    assert card.block(0) == before


def test_inconsistent_access_bits_brick_the_sector(
    card: EmulatedClassic, conn: CardConnection
) -> None:
    auth(conn, 8, FF)
    assert write(conn, 9, b"\x42" * 16) == 0x9000
    assert write(conn, 11, FF + bytes.fromhex("FF078169") + FF) == 0x9000  # one bit off
    assert read(conn, 9).sw == 0x6300
    assert auth(conn, 8, FF) == 0x6300
    assert auth(conn, 8, FF, B) == 0x6300
    assert card.block(9) == b"\x42" * 16  # the data is there, just out of reach for good
    assert auth(conn, 12, FF) == 0x9000  # other sectors are unaffected


def test_value_operations(card: EmulatedClassic, conn: CardConnection) -> None:
    make_purse_sector(conn, 1, (0b110, 0b110, 0b100, 0b011))
    assert auth(conn, 4, KB, B) == 0x9000
    assert value_op(conn, 5, 0x00, 100) == 0x9000
    assert card.block(5) == bytes.fromhex("640000009BFFFFFF6400000005FA05FA")
    assert value_op(conn, 5, 0x01, 0x01020304) == 0x9000
    r = send(conn, "FFB1000504")
    assert (r.data, r.sw) == ((100 + 0x01020304).to_bytes(4, "big"), 0x9000)  # MSB first
    assert value_op(conn, 5, 0x02, 0x01020304 + 130) == 0x9000
    assert send(conn, "FFB1000504").data == (-30).to_bytes(4, "big", signed=True)
    # backup copy, then restore from it
    assert send(conn, "FFD7000502 0304").sw == 0x9000
    assert value_block.decode(card.block(4)) == (-30, 5)  # the source's address byte travels
    assert send(conn, "FFD7000502 0306").sw == 0x6982  # block 6 is C=100: no transfer into it
    assert send(conn, "FFD7000502 0307").sw == 0x6300  # the trailer is no value block
    # Key A may decrement under C=110 but not increment
    assert auth(conn, 4, KA) == 0x9000
    assert value_op(conn, 5, 0x02, 1) == 0x9000
    assert value_op(conn, 5, 0x01, 1) == 0x6982
    assert value_op(conn, 4, 0x00, 1) == 0x6982  # store needs write rights: Key B


def test_value_ops_refuse_bad_format(card: EmulatedClassic, conn: CardConnection) -> None:
    auth(conn, 4, FF)
    assert write(conn, 4, bytes(16)) == 0x9000
    assert value_op(conn, 4, 0x01, 1) == 0x6300
    assert value_op(conn, 4, 0x02, 1) == 0x6300
    assert send(conn, "FFB1000404").sw == 0x6300
    assert send(conn, "FFD7000402 0305").sw == 0x6300
    assert card.block(4) == bytes(16)
    torn = bytearray(value_block.encode(50, 4))
    torn[8] ^= 1
    card.set_block(4, bytes(torn))
    assert value_op(conn, 4, 0x02, 1) == 0x6300


def test_value_overflow_refused(conn: CardConnection) -> None:
    auth(conn, 4, FF)
    assert value_op(conn, 4, 0x00, 2**31 - 1) == 0x9000
    assert value_op(conn, 4, 0x01, 1) == 0x6300


def test_tear_mid_write_leaves_a_partial_block(
    card: EmulatedClassic, reader: EmulatedReader
) -> None:
    conn = reader.connect()
    auth(conn, 4, FF)
    write(conn, 4, b"\xaa" * 16)
    card.arm_tear(TearPlan(during_write_to=4, bytes_written=5))
    with pytest.raises(CardRemovedError):
        write(conn, 4, b"\x55" * 16)
    assert not reader.card_present()
    assert card.block(4) == b"\x55" * 5 + b"\xaa" * 11
    with pytest.raises(CardRemovedError):
        read(conn, 4)
    with pytest.raises(NoCardError):
        reader.connect()
    reader.insert(card)
    conn = reader.connect()
    assert read(conn, 4).sw == 0x6982  # power-up forgot the authentication
    auth(conn, 4, FF)
    assert read(conn, 4).data == b"\x55" * 5 + b"\xaa" * 11


def test_tear_mid_value_transfer(card: EmulatedClassic, conn: CardConnection) -> None:
    auth(conn, 4, FF)
    value_op(conn, 5, 0x00, 100)
    card.arm_tear(TearPlan(during_write_to=5, bytes_written=4))
    with pytest.raises(CardRemovedError):
        value_op(conn, 5, 0x02, 1)
    assert not value_block.is_value_block(card.block(5))


def test_tear_between_commands(card: EmulatedClassic, reader: EmulatedReader) -> None:
    conn = reader.connect()
    card.arm_tear(TearPlan(after_commands=2))
    send(conn, f"FF82000006{FF.hex()}")
    send(conn, "FF860000050100046000")
    with pytest.raises(CardRemovedError):
        write(conn, 4, b"\x01" * 16)
    assert card.block(4) == bytes(16)


def test_restore_an_old_dump(card: EmulatedClassic, conn: CardConnection) -> None:
    auth(conn, 4, FF)
    write(conn, 4, b"\x01" * 16)
    old = card.dump()
    write(conn, 4, b"\x02" * 16)
    card.restore(old)
    assert read(conn, 4).data == b"\x01" * 16


def test_key_slot_and_length_errors(conn: CardConnection) -> None:
    assert send(conn, "FF82000205FFFFFFFFFF").sw == 0x6B00
    assert send(conn, "FF82000005FFFFFFFFFF").sw == 0x6700
    assert send(conn, "FFB0000408").sw == 0x6700
    assert send(conn, "FF00000003D44260").sw == 0x6A81
    assert send(conn, "00B0000010").sw == 0x6E00
