"""Fixtures for the real PC/SC stack: pcscd + vsmartcard vpcd + emulated cards over its socket."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from cardlib.emulator.vpcd import VpcdLink
from cardlib.reader.pcsc import PcscReader
from tests.integration.pcsc_stack import (
    VPCD_PORT,
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
