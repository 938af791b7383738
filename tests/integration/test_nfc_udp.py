"""NfcReader through nfcpy's real udp driver, talking to an emulated NTAG behind T2TResponder.

Everything between the card driver (cardlib.cards.ultralight) and the tag model runs for real:
pseudo-APDU translation, nfcpy's ContactlessFrontend, its ISO 14443-A sensing and Type 2 tag
activation (which identifies the NTAG by GET_VERSION), datagrams on a loopback UDP socket.
"""

from __future__ import annotations

from collections.abc import Iterator

import nfc.tag.tt2_nxp
import pytest

from cardlib.apdu import Trace
from cardlib.cards.ultralight import Ultralight
from cardlib.cardtype import CARD_NAME_ULTRALIGHT, CardType, storage_card_atr
from cardlib.emulator.t2t_udp import T2TResponder
from cardlib.emulator.tear import TearPlan
from cardlib.emulator.ultralight import EmulatedUltralight
from cardlib.errors import AccessDeniedError, AuthenticationError, CardRemovedError, NoCardError
from cardlib.reader.nfc import NfcReader

UID = bytes.fromhex("04112233445566")
GET_UID = bytes.fromhex("FFCA000000")


@pytest.fixture
def tag() -> EmulatedUltralight:
    return EmulatedUltralight.blank(uid=UID, variant="NTAG215")


@pytest.fixture
def responder(tag: EmulatedUltralight) -> Iterator[T2TResponder]:
    with T2TResponder(tag) as responder:
        yield responder


@pytest.fixture
def reader(responder: T2TResponder) -> Iterator[NfcReader]:
    reader = NfcReader(responder.path)
    yield reader
    reader.close()


def test_nfcpy_activates_the_tag_as_an_ntag215(reader: NfcReader) -> None:
    connection = reader.connect()
    with connection:
        assert isinstance(connection.tag, nfc.tag.tt2_nxp.NTAG215)
        assert connection.tag.identifier == UID
        assert connection.atr == storage_card_atr(CARD_NAME_ULTRALIGHT)
        assert connection.card_type is CardType.MIFARE_ULTRALIGHT


def test_get_uid_and_pages_through_pseudo_apdus(reader: NfcReader, tag: EmulatedUltralight) -> None:
    trace = Trace()
    with reader.connect(trace) as connection:
        assert connection.transmit(GET_UID).to_bytes() == UID + b"\x90\x00"
        page0 = connection.transmit(bytes.fromhex("FFB0000010"))
        assert page0.ok and page0.data == tag.dump()[0:16]
        assert connection.transmit(bytes.fromhex("FFB0000004")).data == tag.dump()[0:4]
        assert connection.transmit(bytes.fromhex("FFD6000804CAFEBABE")).ok
        assert tag.page(8) == bytes.fromhex("CAFEBABE")
        assert connection.transmit(bytes.fromhex("FFB0000810")).data[:4] == bytes.fromhex(
            "CAFEBABE"
        )
        assert connection.transmit(bytes.fromhex("FF84000000")).sw == 0x6A81  # not for Type 2
    assert trace.count == 6


def test_card_driver_reads_writes_and_identifies_over_nfcpy(
    reader: NfcReader, tag: EmulatedUltralight
) -> None:
    with reader.connect() as connection:
        card = Ultralight(connection)
        assert card.get_uid() == UID
        assert card.model().name == "NTAG215"  # GET_VERSION through direct transmit
        card.write(4, bytes(range(32)))
        assert card.read(4, 32) == bytes(range(32))
    assert tag.dump()[16:48] == bytes(range(32))


def test_password_protection_over_nfcpy(reader: NfcReader, tag: EmulatedUltralight) -> None:
    pwd, pack = bytes.fromhex("11223344"), bytes.fromhex("A55A")
    with reader.connect() as connection:
        Ultralight(connection).protect(pwd, pack, auth0=16)
    with reader.connect() as connection:
        card = Ultralight(connection)
        with pytest.raises(AccessDeniedError):
            card.write_page(20, b"nope")  # NAK: the tag goes mute, the reader re-selects it
        with pytest.raises(AuthenticationError):
            card.pwd_auth(bytes(4))
        assert card.pwd_auth(pwd) == pack
        card.write_page(20, b"open")
    assert tag.page(20) == b"open"


def test_wrong_page_fails_and_the_tag_still_answers(
    reader: NfcReader, tag: EmulatedUltralight
) -> None:
    with reader.connect() as connection:
        assert connection.transmit(bytes.fromhex("FFB000F010")).sw == 0x6300  # NAK: no page F0
        assert connection.transmit(bytes.fromhex("FFD6000004CAFEBABE")).sw == 0x6300  # page 0
        assert connection.transmit(GET_UID).ok
        assert connection.transmit(bytes.fromhex("FFB0000010")).data == tag.dump()[0:16]


def test_card_present_follows_the_tag(reader: NfcReader, responder: T2TResponder) -> None:
    assert reader.card_present()
    assert reader.present_atr() == storage_card_atr(CARD_NAME_ULTRALIGHT)
    responder.remove()
    assert not reader.card_present()
    with pytest.raises(NoCardError):
        reader.connect()
    responder.insert()
    assert reader.card_present()


def test_tag_removed_between_commands_raises_card_removed(
    reader: NfcReader, responder: T2TResponder
) -> None:
    with reader.connect() as connection:
        responder.remove_after(2)
        connection.transmit(bytes.fromhex("FFB0000410"))
        connection.transmit(bytes.fromhex("FFB0000810"))
        with pytest.raises(CardRemovedError):
            connection.transmit(bytes.fromhex("FFB0000C10"))
        with pytest.raises(CardRemovedError):
            connection.transmit(GET_UID)
        assert not reader.card_present()
    responder.insert()
    with reader.connect() as connection:
        assert connection.transmit(GET_UID).ok


def test_tag_torn_mid_write_raises_card_removed_and_keeps_the_old_page(
    reader: NfcReader, responder: T2TResponder, tag: EmulatedUltralight
) -> None:
    tag.set_page(6, bytes.fromhex("01020304"))
    tag.arm_tear(TearPlan(during_write_to=6, bytes_written=0))
    with reader.connect() as connection, pytest.raises(CardRemovedError):
        connection.transmit(bytes.fromhex("FFD6000604AABBCCDD"))
    assert not responder.in_field
    assert tag.page(6) == bytes.fromhex("01020304")

    responder.insert()  # puts the torn tag back
    with reader.connect() as connection:
        assert connection.transmit(bytes.fromhex("FFB0000604")).data == bytes.fromhex("01020304")


def test_monitor_style_presence_check_keeps_authentication(
    reader: NfcReader, tag: EmulatedUltralight
) -> None:
    pwd = bytes.fromhex("11223344")
    with reader.connect() as connection:
        Ultralight(connection).protect(pwd, bytes.fromhex("A55A"), auth0=16)
    with reader.connect() as connection:
        card = Ultralight(connection)
        card.pwd_auth(pwd)
        assert reader.card_present()  # a READ of page 0, not a fresh anti-collision
        card.write_page(20, b"auth")  # still authenticated
    assert tag.page(20) == b"auth"
