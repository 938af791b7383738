"""The card drivers against the emulated cards: what each command does to a card, through the
same pseudo-APDUs a real ACS reader takes."""

from __future__ import annotations

import pytest

from cardlib.cards import access_bits
from cardlib.cards.classic import KeyType, MifareClassic, Trailer
from cardlib.cards.sle4442 import Sle4442
from cardlib.cards.ultralight import Ultralight
from cardlib.emulator.classic import EmulatedClassic
from cardlib.emulator.sle4442 import EmulatedSle4442
from cardlib.emulator.ultralight import EmulatedUltralight
from cardlib.errors import (
    AccessDeniedError,
    AuthenticationError,
    CardLockedError,
    FormatError,
)
from cardlib.reader.emulated import EmulatedReader

KEY_A = bytes.fromhex("A0A1A2A3A4A5")
KEY_B = bytes.fromhex("B0B1B2B3B4B5")
# data blocks 0 and 1: value blocks (read A|B, decrement/transfer/restore A|B, increment B only);
# block 2: read A|B, write B; trailer: keys writable with B
VALUE_SECTOR_ACCESS = access_bits.encode((0b110, 0b110, 0b100, 0b011))


def classic() -> tuple[MifareClassic, EmulatedClassic]:
    card = EmulatedClassic.blank(uid=bytes.fromhex("01020304"))
    return MifareClassic(EmulatedReader(card).connect()), card


def value_sector(driver: MifareClassic) -> None:
    driver.authenticate(1, access_bits.TRANSPORT_KEY, KeyType.A)
    driver.store_value(4, 1000)
    driver.store_value(5, 0)
    driver.write_trailer(1, Trailer(KEY_A, VALUE_SECTOR_ACCESS, 0x69, KEY_B))


def test_value_block_increment_decrement_and_backup_restore():
    driver, _card = classic()
    value_sector(driver)
    driver.authenticate(1, KEY_B, KeyType.B)
    driver.increment(4, 250)
    driver.decrement(4, 50)
    assert driver.read_value(4) == 1200
    driver.restore(4, 5)  # backup copy, the anti-tear pattern of research §6.3
    driver.decrement(4, 1200)
    assert (driver.read_value(4), driver.read_value(5)) == (0, 1200)


def test_increment_with_key_a_is_refused_where_access_bits_say_key_b_only():
    driver, _card = classic()
    value_sector(driver)
    driver.authenticate(1, KEY_A, KeyType.A)
    driver.decrement(4, 1)  # allowed with A
    with pytest.raises(AccessDeniedError):
        driver.increment(4, 1)
    assert driver.read_value(4) == 999


def test_value_operation_on_a_data_block_is_refused_as_not_a_value_block():
    driver, _card = classic()
    driver.authenticate(2, access_bits.TRANSPORT_KEY, KeyType.A)
    driver.write_block(8, bytes(range(16)))
    with pytest.raises(FormatError):
        driver.read_value(8)


def test_a_wrong_key_is_refused():
    driver, _card = classic()
    with pytest.raises(AuthenticationError):
        driver.authenticate(1, KEY_A, KeyType.A)


def test_one_authentication_per_sector_and_one_load_per_key():
    driver, _card = classic()
    conn = driver.connection
    for block in (4, 5, 6):
        driver.authenticate(1, access_bits.TRANSPORT_KEY, KeyType.A)
        driver.read_block(block)
    assert conn.commands == 1 + 1 + 3  # LOAD KEY, AUTHENTICATE, 3 × READ BINARY


def test_4k_large_sectors_have_sixteen_blocks():
    card = EmulatedClassic.blank(uid=bytes.fromhex("0A0B0C0D"), size="4k")
    driver = MifareClassic(EmulatedReader(card).connect())
    driver.authenticate(39, access_bits.TRANSPORT_KEY, KeyType.A)
    driver.write_block(0xFE, b"\x42" * 16)  # last data block of the 4K
    assert driver.read_block(0xFE) == b"\x42" * 16


@pytest.mark.parametrize(
    ("variant", "name", "user_bytes"),
    [
        ("NTAG213", "NTAG213", 144),
        ("NTAG215", "NTAG215", 504),
        ("NTAG216", "NTAG216", 888),
        ("MF0UL21", "MIFARE Ultralight EV1 (MF0UL21)", 128),
        ("MF0UL11", "MIFARE Ultralight EV1 (MF0UL11)", 48),
        ("MF0ICU1", "MIFARE Ultralight (MF0ICU1)", 48),
    ],
)
def test_ultralight_model_from_get_version(variant, name, user_bytes):
    card = EmulatedUltralight.blank(uid=bytes.fromhex("04010203040506"), variant=variant)
    model = Ultralight(EmulatedReader(card).connect()).model()
    assert (model.name, model.user_bytes) == (name, user_bytes)


def test_ntag_password_protects_writes_and_a_wrong_password_is_refused():
    card = EmulatedUltralight.blank(uid=bytes.fromhex("04010203040506"), variant="NTAG213")
    reader = EmulatedReader(card)
    tag = Ultralight(reader.connect())
    tag.protect(b"\x11\x22\x33\x44", b"\x55\x66", auth0=4)
    tag = Ultralight(reader.connect())  # a new tap: not authenticated
    with pytest.raises(AccessDeniedError):
        tag.write_page(4, b"abcd")
    with pytest.raises(AuthenticationError):
        tag.pwd_auth(b"\x00\x00\x00\x00")
    tag = Ultralight(reader.connect())
    assert tag.pwd_auth(b"\x11\x22\x33\x44") == b"\x55\x66"
    tag.write_page(4, b"abcd")
    assert tag.read_pages(4)[:4] == b"abcd"


def test_sle4442_three_wrong_codes_lock_it_for_good():
    card = EmulatedSle4442.blank()
    reader = EmulatedReader(card)
    sle = Sle4442(reader.connect())
    for left in (2, 1):
        with pytest.raises(AuthenticationError) as info:
            sle.present_psc(b"\x01\x02\x03")
        assert f"{left} tr" in info.value.message
    with pytest.raises(CardLockedError):
        sle.present_psc(b"\x01\x02\x03")
    sle = Sle4442(reader.connect())
    with pytest.raises(CardLockedError):
        sle.present_psc(b"\xff\xff\xff")  # the right code no longer helps
    with pytest.raises(AccessDeniedError):
        sle.write(0x40, b"x")


def test_sle4442_right_code_after_two_wrong_restores_all_tries():
    sle = Sle4442(EmulatedReader(EmulatedSle4442.blank()).connect())
    for _ in range(2):
        with pytest.raises(AuthenticationError):
            sle.present_psc(b"\x01\x02\x03")
    sle.present_psc(b"\xff\xff\xff")
    assert sle.error_counter() == 0x07
    sle.write(0x40, b"hello")
    assert sle.read(0x40, 5) == b"hello"


def test_sle4442_protected_bytes_stay_as_they_are():
    sle = Sle4442(EmulatedReader(EmulatedSle4442.blank()).connect())
    sle.present_psc(b"\xff\xff\xff")
    sle.write(0x18, b"ID-12345")
    sle.protect(0x18, b"ID-12345")
    assert sle.protection_bits() >> 0x18 & 0xFF == 0xFF
    with pytest.raises(AccessDeniedError):
        sle.write(0x18, b"FORGED!!")
    assert sle.read(0x18, 8) == b"ID-12345"
