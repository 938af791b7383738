"""PcscReader through a real pcscd and vpcd: selection, round trips, traces, cards pulled away."""

from __future__ import annotations

import threading

import pytest

from cardlib.apdu import Trace
from cardlib.emulator.tear import TearPlan
from cardlib.emulator.vpcd import VpcdLink
from cardlib.errors import CardRemovedError, NoCardError, ReaderError
from cardlib.reader.pcsc import PcscReader, pcsc_readers
from tests.integration.pcsc_stack import UidCard, vpcd_reader_name

GET_UID = bytes.fromhex("FFCA000000")


def test_pcsc_readers_lists_both_virtual_slots(pcscd: object) -> None:
    names = pcsc_readers()
    assert "Virtual PCD 00 00" in names
    assert "Virtual PCD 00 01" in names


def test_reader_chosen_by_substring_or_index(pcscd: object) -> None:
    assert PcscReader("virtual pcd").name == vpcd_reader_name(0)
    assert PcscReader(pcsc_readers().index(vpcd_reader_name(1))).name == vpcd_reader_name(1)


def test_unknown_reader_is_refused_naming_the_readers_there(pcscd: object) -> None:
    with pytest.raises(ReaderError, match="Virtual PCD 00 00"):
        PcscReader("ACR122")
    with pytest.raises(ReaderError, match="no PC/SC reader number 99"):
        PcscReader(99)


def test_get_uid_round_trip_is_traced(vpcd_link: VpcdLink, pcsc_reader: PcscReader) -> None:
    card = UidCard(uid=bytes.fromhex("04112233445566"))
    vpcd_link.insert(card)
    trace = Trace()

    with pcsc_reader.connect_when_present(5.0, trace) as connection:
        response = connection.transmit(GET_UID)
        echo = connection.transmit(bytes.fromhex("FF00000002D442"))

    assert response.ok and response.data == card.uid
    assert echo.data == bytes.fromhex("D442")
    assert connection.atr == card.atr
    assert connection.commands == 2
    assert trace.entries == [
        (GET_UID, card.uid + b"\x90\x00"),
        (bytes.fromhex("FF00000002D442"), bytes.fromhex("D4429000")),
    ]
    assert card.seen == [GET_UID, bytes.fromhex("FF00000002D442")]


def test_status_words_come_back_unchanged(vpcd_link: VpcdLink, pcsc_reader: PcscReader) -> None:
    vpcd_link.insert(UidCard())
    with pcsc_reader.connect_when_present(5.0) as connection:
        response = connection.transmit(bytes.fromhex("00A4040000"))
    assert response.sw == 0x6E00 and response.data == b""


def test_connect_without_a_card_raises_no_card(
    pcsc_reader: PcscReader, vpcd_link: VpcdLink
) -> None:
    with pytest.raises(NoCardError) as caught:
        pcsc_reader.connect()
    assert not isinstance(caught.value, CardRemovedError)


def test_card_torn_mid_command_raises_card_removed(
    vpcd_link: VpcdLink, pcsc_reader: PcscReader
) -> None:
    card = UidCard()
    card.arm_tear(TearPlan(after_commands=2))
    vpcd_link.insert(card)

    with pcsc_reader.connect_when_present(5.0) as connection:
        connection.transmit(GET_UID)
        connection.transmit(GET_UID)
        with pytest.raises(CardRemovedError):
            connection.transmit(GET_UID)  # the card leaves instead of answering this one
        with pytest.raises(CardRemovedError):
            connection.transmit(GET_UID)

    assert vpcd_link.torn
    assert card.seen == [GET_UID, GET_UID]  # the third command was never executed
    assert not pcsc_reader.card_present()


def test_card_pulled_between_commands_raises_card_removed(
    vpcd_link: VpcdLink, pcsc_reader: PcscReader
) -> None:
    vpcd_link.insert(UidCard())
    with pcsc_reader.connect_when_present(5.0) as connection:
        connection.transmit(GET_UID)
        vpcd_link.remove()
        with pytest.raises(CardRemovedError):
            connection.transmit(GET_UID)


def test_transmit_after_disconnect_is_refused(vpcd_link: VpcdLink, pcsc_reader: PcscReader) -> None:
    vpcd_link.insert(UidCard())
    connection = pcsc_reader.connect_when_present(5.0)
    connection.disconnect()
    connection.disconnect()  # idempotent
    with pytest.raises(NoCardError, match="already closed"):
        connection.transmit(GET_UID)


def test_wait_for_card_blocks_until_a_card_arrives(
    vpcd_link: VpcdLink, pcsc_reader: PcscReader
) -> None:
    assert not pcsc_reader.wait_for_card(0.3)  # nothing there: times out

    timer = threading.Timer(0.2, vpcd_link.insert, args=(UidCard(),))
    timer.start()
    try:
        assert pcsc_reader.wait_for_card(10.0)
    finally:
        timer.join()
    assert pcsc_reader.card_present()

    timer = threading.Timer(0.2, vpcd_link.remove)
    timer.start()
    try:
        assert pcsc_reader.wait_for_removal(10.0)
    finally:
        timer.join()
    assert not pcsc_reader.card_present()


def test_two_slots_are_two_readers(pcscd: object) -> None:
    first, second = UidCard(uid=bytes(range(7))), UidCard(uid=bytes(range(1, 8)))
    with VpcdLink(port=0x8C7B) as link0, VpcdLink(port=0x8C7C) as link1:
        link0.insert(first)
        link1.insert(second)
        for slot, card in ((0, first), (1, second)):
            reader = PcscReader(vpcd_reader_name(slot))
            with reader.connect_when_present(5.0) as connection:
                assert connection.transmit(GET_UID).data == card.uid
            reader.close()
    for slot in (0, 1):
        assert PcscReader(vpcd_reader_name(slot)).wait_for_removal(5.0)


# -- the real card models behind pcscd, driven by the real card drivers ------------------------

FACTORY_KEY = b"\xff" * 6


def test_classic_1k_through_pcscd(vpcd_link: VpcdLink, pcsc_reader: PcscReader) -> None:
    from cardlib.cards.classic import KeyType, MifareClassic
    from cardlib.emulator.classic import EmulatedClassic

    card = EmulatedClassic.blank(uid=bytes.fromhex("A1B2C3D4"), size="1k")
    vpcd_link.insert(card)
    with pcsc_reader.connect_when_present(5.0) as connection:
        classic = MifareClassic(connection)
        assert classic.get_uid() == bytes.fromhex("A1B2C3D4")
        classic.authenticate(1, FACTORY_KEY, KeyType.A)
        classic.write_block(4, bytes(range(16)))
        assert classic.read_block(4) == bytes(range(16))
    assert card.block(4) == bytes(range(16))


def test_classic_torn_mid_write_through_pcscd(vpcd_link: VpcdLink, pcsc_reader: PcscReader) -> None:
    from cardlib.cards.classic import KeyType, MifareClassic
    from cardlib.emulator.classic import EmulatedClassic

    card = EmulatedClassic.blank(uid=bytes.fromhex("A1B2C3D4"), size="1k")
    vpcd_link.insert(card)
    with pcsc_reader.connect_when_present(5.0) as connection:
        classic = MifareClassic(connection)
        classic.authenticate(1, FACTORY_KEY, KeyType.A)
        card.arm_tear(TearPlan(during_write_to=5, bytes_written=7))
        with pytest.raises(CardRemovedError):
            classic.write_block(5, b"\xee" * 16)
    assert card.block(5) == b"\xee" * 7 + bytes(9)  # half-written, as a real pulled card
    assert pcsc_reader.wait_for_removal(5.0)


def test_ntag_through_pcscd(vpcd_link: VpcdLink, pcsc_reader: PcscReader) -> None:
    from cardlib.cards.ultralight import Ultralight
    from cardlib.emulator.ultralight import EmulatedUltralight

    tag = EmulatedUltralight.blank(uid=bytes.fromhex("04112233445566"), variant="NTAG213")
    vpcd_link.insert(tag)
    with pcsc_reader.connect_when_present(5.0) as connection:
        card = Ultralight(connection)
        assert card.model().name == "NTAG213"
        card.write(4, b"kiosk!!!")
        assert card.read(4, 8) == b"kiosk!!!"


def test_sle4442_through_pcscd(vpcd_link: VpcdLink, pcsc_reader: PcscReader) -> None:
    from cardlib.cards.sle4442 import Sle4442
    from cardlib.emulator.sle4442 import DEFAULT_PSC, EmulatedSle4442

    card = EmulatedSle4442.blank()
    vpcd_link.insert(card)
    with pcsc_reader.connect_when_present(5.0) as connection:
        assert connection.atr == card.atr
        sle = Sle4442(connection)
        sle.select()
        sle.present_psc(DEFAULT_PSC)
        sle.write(64, b"prepaid")
        assert sle.read(64, 7) == b"prepaid"
