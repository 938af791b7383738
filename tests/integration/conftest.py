"""Fixtures for the real PC/SC stack: pcscd + vsmartcard vpcd + emulated cards over its socket."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from cardlib.emulator.vpcd import VpcdLink
from cardlib.reader.pcsc import PcscReader
from tests.integration.pcsc_stack import (
    VPCD_PORT,
    Hand,
    Pcscd,
    PcscStackError,
    exclusive_vpcd,
    start_pcscd,
    vpcd_reader_name,
)


@pytest.fixture(scope="session")
def pcscd() -> Iterator[Pcscd]:
    """pcscd with the Virtual PCD reader: the running one, or one started for this session. The
    session holds the machine-wide vpcd lock, so concurrent test runs take turns."""
    with exclusive_vpcd():
        try:
            daemon = start_pcscd()
        except PcscStackError as error:
            pytest.fail(str(error), pytrace=False)
        yield daemon
        daemon.stop()


@pytest.fixture
def pcsc_reader(pcscd: Pcscd) -> Iterator[PcscReader]:
    """The Virtual PCD slot 0 ("Virtual PCD 00 00") as a PcscReader."""
    reader = PcscReader(vpcd_reader_name(0))
    yield reader
    reader.close()


@pytest.fixture
def vpcd_link(pcscd: Pcscd) -> Iterator[VpcdLink]:
    """A VpcdLink on slot 0 (port 35963); its card is removed after the test, and the test after
    it starts only once pcscd has seen the slot empty."""
    link = VpcdLink(port=VPCD_PORT)
    yield link
    link.close()
    reader = PcscReader(vpcd_reader_name(0))
    try:
        assert reader.wait_for_removal(5.0), "pcscd still shows a card after the link closed"
    finally:
        reader.close()


@pytest.fixture
def hand(vpcd_link: VpcdLink, pcsc_reader: PcscReader) -> Hand:
    """Taps emulated cards on the Virtual PCD slot 0 (the card is removed after the test)."""
    return Hand(vpcd_link, pcsc_reader)


@pytest.fixture
def spare_hand(pcscd: Pcscd) -> Iterator[Hand]:
    """A second Hand, on Virtual PCD slot 1 (port 35964): a second reader for running independent
    card jobs in parallel with ``hand``. Its card is removed after the test, as ``vpcd_link``'s."""
    link = VpcdLink(port=VPCD_PORT + 1)
    reader = PcscReader(vpcd_reader_name(1))
    yield Hand(link, reader)
    link.close()
    try:
        assert reader.wait_for_removal(5.0), "pcscd still shows a card after the link closed"
    finally:
        reader.close()
