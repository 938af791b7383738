"""The emulated SLE4442 behind an ACR38-style front."""

from __future__ import annotations

import pytest

from cardlib.apdu import Response
from cardlib.cardtype import CardType
from cardlib.emulator.sle4442 import EmulatedSle4442
from cardlib.emulator.tear import TearPlan
from cardlib.errors import CardRemovedError
from cardlib.reader.base import CardConnection
from cardlib.reader.emulated import EmulatedReader

RIGHT = "FFFFFF"
WRONG = "123456"


def send(conn: CardConnection, hexstr: str) -> Response:
    return conn.transmit(bytes.fromhex(hexstr.replace(" ", "")))


@pytest.fixture
def card() -> EmulatedSle4442:
    return EmulatedSle4442.blank()


@pytest.fixture
def reader(card: EmulatedSle4442) -> EmulatedReader:
    return EmulatedReader(card)


@pytest.fixture
def conn(reader: EmulatedReader) -> CardConnection:
    conn = reader.connect()
    assert send(conn, "FFA4000001 06").sw == 0x9000
    return conn


def test_select_card_type_comes_first(reader: EmulatedReader) -> None:
    conn = reader.connect()
    assert conn.card_type is CardType.SLE4442
    assert send(conn, "FFB0000004").sw == 0x6985
    assert send(conn, "FFA4000001 05").sw == 0x6A81
    assert send(conn, "FFA4000001 06").sw == 0x9000
    assert send(conn, "FFCA000000").sw == 0x6A81  # no UID on a contact memory card


def test_read_returns_data_and_protection_bits(conn: CardConnection) -> None:
    r = send(conn, "FFB0000008")
    assert r.data == bytes.fromhex("A2131091") + r.data[4:8] + bytes.fromhex("F0FFFFFF")
    assert send(conn, "FFB2000004").data == bytes.fromhex("F0FFFFFF")
    assert len(send(conn, "FFB0000000").data) == 256 + 4
    assert send(conn, "FFB000F020").sw == 0x6B00


def test_write_needs_psc(card: EmulatedSle4442, conn: CardConnection) -> None:
    assert send(conn, "FFD0004002 AABB").sw == 0x6982
    assert send(conn, f"FF20000003 {RIGHT}").sw == 0x9007
    assert send(conn, "FFD0004002 AABB").sw == 0x9000
    assert card.memory[0x40:0x42] == b"\xaa\xbb"


def test_psc_is_forgotten_at_power_off(reader: EmulatedReader, conn: CardConnection) -> None:
    send(conn, f"FF20000003 {RIGHT}")
    conn = reader.connect()
    send(conn, "FFA4000001 06")
    assert send(conn, "FFD0004001 01").sw == 0x6982


def test_three_wrong_pscs_lock_the_card_forever(
    card: EmulatedSle4442, conn: CardConnection
) -> None:
    assert send(conn, f"FF20000003 {WRONG}").sw == 0x9003
    assert send(conn, f"FF20000003 {WRONG}").sw == 0x9001
    assert send(conn, f"FF20000003 {WRONG}").sw == 0x9000  # 00: locked
    assert card.locked
    assert send(conn, f"FF20000003 {RIGHT}").sw == 0x9000
    assert send(conn, "FFB1000004").data == bytes(4)
    assert send(conn, "FFD0004001 01").sw == 0x6982
    assert send(conn, "FFD2000103 000000").sw == 0x6982


def test_right_psc_after_two_wrong_resets_the_counter(conn: CardConnection) -> None:
    send(conn, f"FF20000003 {WRONG}")
    send(conn, f"FF20000003 {WRONG}")
    assert send(conn, "FFB1000004").data[0] == 0x01
    assert send(conn, f"FF20000003 {RIGHT}").sw == 0x9007
    assert send(conn, "FFB1000004").data == bytes((0x07, 0, 0, 0))


def test_wrong_psc_revokes_a_verified_one(conn: CardConnection) -> None:
    send(conn, f"FF20000003 {RIGHT}")
    send(conn, f"FF20000003 {WRONG}")
    assert send(conn, "FFD0004001 01").sw == 0x6982


def test_change_code(reader: EmulatedReader, conn: CardConnection) -> None:
    assert send(conn, "FFD2000103 010203").sw == 0x6982
    send(conn, f"FF20000003 {RIGHT}")
    assert send(conn, "FFD2000103 010203").sw == 0x9000
    conn = reader.connect()
    send(conn, "FFA4000001 06")
    assert send(conn, f"FF20000003 {RIGHT}").sw == 0x9003
    assert send(conn, "FF20000003 010203").sw == 0x9007


def test_write_protection(card: EmulatedSle4442, conn: CardConnection) -> None:
    send(conn, f"FF20000003 {RIGHT}")
    assert send(conn, "FFD0001802 1122").sw == 0x9000
    assert send(conn, "FFD1001802 1199").sw == 0x9000  # 0x19 differs: stays writable
    assert card.is_protected(0x18) and not card.is_protected(0x19)
    assert send(conn, "FFB2000004").data == bytes.fromhex("F0FFFFFE")
    assert send(conn, "FFD0001801 33").sw == 0x6300
    assert send(conn, "FFD0001801 11").sw == 0x9000  # same content: nothing to refuse
    assert send(conn, "FFD0001901 33").sw == 0x9000
    assert send(conn, "FFD0000001 00").sw == 0x6300  # factory-protected ATR header
    assert send(conn, "FFD1002001 FF").sw == 0x6B00  # no protection bits past 0x1F


def test_tear_mid_write(
    card: EmulatedSle4442, reader: EmulatedReader, conn: CardConnection
) -> None:
    send(conn, f"FF20000003 {RIGHT}")
    card.arm_tear(TearPlan(during_write_to=0x40, bytes_written=3))
    with pytest.raises(CardRemovedError):
        send(conn, "FFD0004008 0102030405060708")
    assert card.memory[0x40:0x48] == bytes.fromhex("010203") + b"\xff" * 5
    assert not reader.card_present()
    reader.insert(card)
    conn = reader.connect()
    send(conn, "FFA4000001 06")
    assert send(conn, "FFD0004001 01").sw == 0x6982  # the PSC did not survive the tear
