"""The emulated Ultralight / NTAG family: native frames and the ACS front over them."""

from __future__ import annotations

import pytest

from cardlib.apdu import Response
from cardlib.cardtype import CardType
from cardlib.emulator.tear import TearPlan
from cardlib.emulator.ultralight import ACK, VARIANTS, EmulatedUltralight
from cardlib.errors import CardRemovedError
from cardlib.reader.base import CardConnection
from cardlib.reader.emulated import EmulatedReader

UID = bytes.fromhex("04A1B2C3D4E5F6")
PWD = bytes.fromhex("12345678")
PACK = bytes.fromhex("ABCD")
NTAG213_CFG0 = 0x29


def send(conn: CardConnection, hexstr: str) -> Response:
    return conn.transmit(bytes.fromhex(hexstr.replace(" ", "")))


def direct(conn: CardConnection, frame: bytes) -> Response:
    body = bytes.fromhex("D442") + frame
    return conn.transmit(bytes.fromhex("FF000000") + bytes((len(body),)) + body)


def write_page(conn: CardConnection, page: int, data: bytes) -> int:
    return send(conn, f"FFD600{page:02X}04{data.hex()}").sw


def connect(tag: EmulatedUltralight) -> CardConnection:
    return EmulatedReader(tag).connect()


def protect(tag: EmulatedUltralight, auth0: int = 4, access: int = 0x00) -> None:
    """Set password, PACK, ACCESS and AUTH0 as an issuing kiosk would (AUTH0 last)."""
    conn = connect(tag)
    cfg0 = tag.variant.cfg0
    assert cfg0 is not None
    assert write_page(conn, cfg0 + 2, PWD) == 0x9000
    assert write_page(conn, cfg0 + 3, PACK + bytes(2)) == 0x9000
    assert write_page(conn, cfg0 + 1, bytes((access, 0, 0, 0))) == 0x9000
    assert write_page(conn, cfg0, tag.page(cfg0)[:3] + bytes((auth0,))) == 0x9000


@pytest.mark.parametrize(
    ("variant", "pages", "cfg0"),
    [
        ("MF0ICU1", 16, None),
        ("MF0UL11", 20, 0x10),
        ("MF0UL21", 41, 0x25),
        ("NTAG213", 45, 0x29),
        ("NTAG215", 135, 0x83),
        ("NTAG216", 231, 0xE3),
    ],
)
def test_geometry(variant: str, pages: int, cfg0: int | None) -> None:
    tag = EmulatedUltralight.blank(UID, variant)
    assert tag.variant.pages == pages and tag.variant.cfg0 == cfg0
    assert len(tag.dump()) == pages * 4
    last = tag.exchange(bytes((0x30, pages - 1)))[:4]
    assert last == (tag.page(pages - 1) if cfg0 is None else bytes(4))  # PACK reads as zeros
    assert tag.exchange(bytes((0x30, pages))) == b"\x00"  # NAK: no such page


def test_plain_ultralight_has_16_pages_and_wraps() -> None:
    tag = EmulatedUltralight.blank(UID, "MF0ICU1")
    conn = connect(tag)
    assert conn.card_type is CardType.MIFARE_ULTRALIGHT
    r = send(conn, "FFB0000E10")
    assert r.data == tag.page(14) + tag.page(15) + tag.page(0) + tag.page(1)
    assert send(conn, "FFB0001010").sw == 0x6B00
    assert direct(conn, b"\x60").data == bytes.fromhex("D54301")  # no GET_VERSION: silence


def test_uid_and_get_version() -> None:
    tag = EmulatedUltralight.blank(UID, "NTAG215")
    conn = connect(tag)
    assert send(conn, "FFCA000000").data == UID
    assert tag.page(0) == UID[:3] + bytes((0x88 ^ 0x04 ^ 0xA1 ^ 0xB2,))
    r = direct(conn, b"\x60")
    assert (r.data, r.sw) == (bytes.fromhex("D54300 0004040201001103"), 0x9000)
    assert VARIANTS["MF0UL21"].version == bytes.fromhex("0004030101000E03")


def test_pages_0_1_read_only_page_2_and_3_or_semantics() -> None:
    tag = EmulatedUltralight.blank(UID, "NTAG213")
    conn = connect(tag)
    assert write_page(conn, 0, bytes(4)) == 0x6300
    assert write_page(conn, 1, bytes(4)) == 0x6300
    assert write_page(conn, 3, bytes.fromhex("00000001")) == 0x9000
    assert tag.page(3) == bytes.fromhex("E1101201")  # OTP bits only go to 1
    assert write_page(conn, 2, bytes.fromhex("FFFF1000")) == 0x9000  # L4: page 4 locked
    assert tag.page(2)[:2] == bytes((UID[3] ^ UID[4] ^ UID[5] ^ UID[6], 0x48))  # BCC1 untouched
    assert tag.page(2)[2:] == bytes.fromhex("1000")
    assert write_page(conn, 4, b"abcd") == 0x6300
    assert write_page(conn, 5, b"abcd") == 0x9000


def test_block_locking_bits_freeze_lock_bits() -> None:
    tag = EmulatedUltralight.blank(UID, "MF0ICU1")
    conn = connect(tag)
    assert write_page(conn, 2, bytes.fromhex("00000200")) == 0x9000  # BL 9-4
    assert write_page(conn, 2, bytes.fromhex("0000F000")) == 0x9000
    assert tag.page(2)[2] == 0x02  # L4-L7 could not be set any more
    assert write_page(conn, 4, b"abcd") == 0x9000


def test_write_above_auth0_needs_pwd_auth() -> None:
    tag = EmulatedUltralight.blank(UID, "NTAG213")
    protect(tag)
    conn = connect(tag)
    assert write_page(conn, 4, b"abcd") == 0x6300
    assert send(conn, "FFB0000410").sw == 0x9000  # PROT=0: reads stay free
    assert direct(conn, b"\x1b" + b"\x00" * 4).data == bytes.fromhex("D54301")
    r = direct(conn, b"\x1b" + PWD)
    assert (r.data, r.sw) == (bytes.fromhex("D54300") + PACK, 0x9000)
    assert write_page(conn, 4, b"abcd") == 0x9000
    assert tag.page(4) == b"abcd"
    conn = connect(tag)  # a new power-up forgets the password
    assert write_page(conn, 5, b"abcd") == 0x6300


def test_pwd_and_pack_read_as_zeros() -> None:
    tag = EmulatedUltralight.blank(UID, "NTAG213")
    protect(tag)
    assert tag.exchange(bytes((0x30, NTAG213_CFG0))) == tag.page(0x29) + tag.page(0x2A) + bytes(8)
    assert tag.page(0x2B) == PWD


def test_prot_protects_reads_and_rolls_over_at_auth0() -> None:
    tag = EmulatedUltralight.blank(UID, "NTAG213")
    protect(tag, auth0=0x10, access=0x80)
    assert tag.exchange(b"\x30\x10") == b"\x00"
    assert tag.exchange(b"\x30\x0e") == tag.page(14) + tag.page(15) + tag.page(0) + tag.page(1)
    assert tag.exchange(b"\x1b" + PWD) == PACK
    assert tag.exchange(b"\x30\x10") == tag.page(16) + tag.page(17) + tag.page(18) + tag.page(19)


def test_a_nak_drops_authentication() -> None:
    tag = EmulatedUltralight.blank(UID, "MF0UL21")
    protect(tag)
    assert tag.exchange(b"\x1b" + PWD) == PACK
    assert tag.exchange(b"\x30\xff") == b"\x00"
    assert tag.exchange(b"\xa2\x04abcd") == b"\x00"


def test_authlim_locks_password_out() -> None:
    tag = EmulatedUltralight.blank(UID, "NTAG213")
    protect(tag, access=0x01)  # AUTHLIM 1: two wrong tries
    assert tag.exchange(b"\x1b" + bytes(4)) == b"\x00"
    assert tag.exchange(b"\x1b" + bytes(4)) == b"\x00"
    assert tag.exchange(b"\x1b" + PWD) == b"\x04"


def test_cfglck_freezes_configuration() -> None:
    tag = EmulatedUltralight.blank(UID, "NTAG213")
    assert tag.exchange(b"\xa2\x2a\x40\x00\x00\x00") == bytes((ACK,))
    assert tag.exchange(b"\xa2\x29\x04\x00\x00\x04") == b"\x00"
    assert tag.exchange(b"\xa2\x2b" + bytes(4)) == bytes((ACK,))  # PWD stays writable


def test_dynamic_lock_bits() -> None:
    tag = EmulatedUltralight.blank(UID, "NTAG213")
    assert tag.exchange(b"\xa2\x28\x01\x00\x00\x00") == bytes((ACK,))  # pages 16-17
    assert tag.exchange(b"\xa2\x11abcd") == b"\x00"
    assert tag.exchange(b"\xa2\x12abcd") == bytes((ACK,))


def test_compatibility_write_keeps_first_four_bytes() -> None:
    tag = EmulatedUltralight.blank(UID, "NTAG213")
    assert tag.exchange(b"\xa0\x05") == bytes((ACK,))
    assert tag.exchange(bytes(range(16))) == bytes((ACK,))
    assert tag.page(5) == bytes(range(4))


def test_tear_mid_page_write() -> None:
    tag = EmulatedUltralight.blank(UID, "NTAG216")
    reader = EmulatedReader(tag)
    conn = reader.connect()
    write_page(conn, 8, b"\x11" * 4)
    tag.arm_tear(TearPlan(during_write_to=8, bytes_written=2))
    with pytest.raises(CardRemovedError):
        write_page(conn, 8, b"\x22" * 4)
    assert tag.page(8) == b"\x22\x22\x11\x11"
    assert not reader.card_present()


def test_value_and_auth_commands_are_not_supported() -> None:
    conn = connect(EmulatedUltralight.blank(UID, "NTAG213"))
    assert send(conn, "FFD7000405 0000000001").sw == 0x6A81
    assert send(conn, "FF860000050100046000").sw == 0x6A81
    assert send(conn, "FFD600041000000000000000000000000000000000").sw == 0x6700
