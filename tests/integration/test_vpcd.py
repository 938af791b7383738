"""VpcdLink against a real pcscd: what pcscd and pyscard see as an emulated card comes and goes."""

from __future__ import annotations

import socket

import pytest
from smartcard.System import readers

from cardlib.emulator.tear import TearPlan
from cardlib.emulator.vpcd import VpcdLink
from cardlib.errors import CardRemovedError, ReaderError
from cardlib.reader.pcsc import PcscReader
from tests.integration.pcsc_stack import UidCard, vpcd_reader_name


def test_inserted_card_shows_in_pyscard_with_its_atr(
    vpcd_link: VpcdLink, pcsc_reader: PcscReader
) -> None:
    card = UidCard()
    assert not pcsc_reader.card_present()

    vpcd_link.insert(card)

    assert pcsc_reader.wait_for_card(5.0)
    assert pcsc_reader.present_atr() == card.atr
    # pyscard's own high-level API sees the same card
    (reader,) = [r for r in readers() if str(r) == vpcd_reader_name(0)]
    connection = reader.createConnection()
    connection.connect()
    try:
        assert bytes(connection.getATR()) == card.atr
        data, sw1, sw2 = connection.transmit([0xFF, 0xCA, 0x00, 0x00, 0x00])
        assert (bytes(data), sw1, sw2) == (card.uid, 0x90, 0x00)
    finally:
        connection.disconnect()
    assert card.power_ups >= 1  # pcscd powered the card up before talking to it


def test_removed_card_disappears_from_pcscd(vpcd_link: VpcdLink, pcsc_reader: PcscReader) -> None:
    vpcd_link.insert(UidCard())
    assert pcsc_reader.wait_for_card(5.0)

    vpcd_link.remove()

    assert not vpcd_link.inserted
    assert pcsc_reader.wait_for_removal(5.0)
    assert pcsc_reader.present_atr() is None


def test_a_torn_card_can_be_put_back(vpcd_link: VpcdLink, pcsc_reader: PcscReader) -> None:
    card = UidCard()
    card.arm_tear(TearPlan(after_commands=0))
    vpcd_link.insert(card)
    assert pcsc_reader.wait_for_card(5.0)
    with pcsc_reader.connect() as connection, pytest.raises(CardRemovedError):
        connection.transmit(bytes.fromhex("FFCA000000"))
    assert vpcd_link.wait_removed(5.0) and vpcd_link.torn
    assert pcsc_reader.wait_for_removal(5.0)

    vpcd_link.insert(card)  # reinserts: the tear plan is gone

    assert pcsc_reader.wait_for_card(5.0)
    with pcsc_reader.connect() as connection:
        assert connection.transmit(bytes.fromhex("FFCA000000")).data == card.uid
    assert card.tear is None


def test_link_says_what_to_do_when_vpcd_is_not_listening() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    link = VpcdLink(port=port, connect_timeout=0.3)

    with pytest.raises(ReaderError, match="is pcscd running") as caught:
        link.insert(UidCard())

    assert "make setup" in str(caught.value)
    assert not link.inserted
