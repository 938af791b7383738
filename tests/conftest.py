"""Test-wide settings: Qt draws offscreen (no display in CI), before any QApplication exists; and
every test that uses the one machine-wide PC/SC stack (pcscd + vpcd on fixed ports) is marked
``pcsc``, whether or not its module says so: ``make test`` runs those in a process of their own
and the rest on pytest-xdist workers (-m pcsc / -m "not pcsc")."""

import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

#: the fixture of the PC/SC stack (tests/integration/conftest.py): one pcscd and vpcd per machine
_PCSC_FIXTURE = "pcscd"


def pytest_itemcollected(item: pytest.Item) -> None:
    # marked as each test is collected, before -m selects: on two xdist workers each would hold
    # the vpcd lock for its whole session and the other's PC/SC tests would wait on it
    if _PCSC_FIXTURE in getattr(item, "fixturenames", ()):
        item.add_marker(pytest.mark.pcsc)
