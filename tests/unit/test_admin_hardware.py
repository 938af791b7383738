"""The hardware and sync check: each part asked for real (reader, printer, payment simulator,
Modbus meters on a real Modbus server, database), a dead part said plainly, a part not set up
said as not set up."""

from __future__ import annotations

import datetime as dt
import socket
from collections.abc import Iterator

import pytest
from escpos.printer import File, Network

from kiosk.admin import CardProblemError
from kiosk.admin.hardware import CheckStatus, HardwareCheck
from kiosk.db.models import OutboxMessage
from kiosk.payments.simulator.client import SimulatorProvider
from kiosk.receipts.escpos import ReceiptPrinterError
from kiosk.receipts.printer import EscposPrinter
from meters.modbus.driver import ModbusBuses
from meters.modbus.simulator import MeterSimulator
from tests import cards
from tests.unit.test_admin_env import MANAGER, OPERATOR, PINS, SECRET, admin_rig


def free_port() -> int:
    """A port nothing listens on (the probe socket is closed again)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def by_component(checks: list[HardwareCheck]) -> dict[str, HardwareCheck]:
    return {c.component: c for c in checks}


@pytest.fixture()
def modbus() -> Iterator[MeterSimulator]:
    with MeterSimulator.of("sdm120", [1], energy_wh=12_345.0) as sim:
        yield sim


def test_every_part_is_checked_and_what_is_not_set_up_is_said(tmp_path):
    with admin_rig(tmp_path) as rig:
        with rig.db.session() as s:
            for seq in (1, 2, 3):
                s.add(
                    OutboxMessage(
                        kiosk_id="K1", seq=seq, idempotency_key=f"k{seq}", kind="order", payload={}
                    )
                )
        session = rig.login(OPERATOR)
        checks = rig.admin.hardware_check(session)
        assert [c.component for c in checks] == [
            "reader",
            "printer",
            "payments (simulator)",
            "networked meters",
            "database",
            "sync",
        ]
        found = by_component(checks)
        assert found["reader"].ok and "a card is on it" in found["reader"].detail
        assert found["printer"].status is CheckStatus.NOT_CONFIGURED and not found["printer"].ok
        assert found["payments (simulator)"].ok
        assert found["networked meters"].status is CheckStatus.NOT_CONFIGURED
        assert found["database"].ok and found["database"].detail.startswith("Writable;")
        sync = found["sync"]
        assert sync.status is CheckStatus.NOT_CONFIGURED
        assert "No sync backend is configured yet: 3 messages wait" in sync.detail
        status = rig.admin.sync_status(session)
        assert (status.configured, status.unsent) == (False, 3)
        assert rig.audit("hardware_check")[-1].actor == "staff:2"


def test_a_reader_unplugged_is_a_problem(tmp_path):
    with admin_rig(tmp_path) as rig:
        session = rig.login(OPERATOR)
        rig.admin.reader = None  # the cable came out
        reader = by_component(rig.admin.hardware_check(session))["reader"]
        assert (reader.ok, reader.status) == (False, CheckStatus.PROBLEM)
        assert reader.detail == "No card reader is connected: cards cannot be read or written."
        with pytest.raises(CardProblemError, match="No card reader is connected"):
            rig.admin.read_card(session)


def test_without_a_reader_nobody_can_sign_in(tmp_path):
    with admin_rig(tmp_path, reader_present=False) as rig:
        with pytest.raises(CardProblemError, match="No card reader") as caught:
            rig.admin.login(PINS[MANAGER])
        assert caught.value.code == "reader_error"


def test_the_reader_says_when_no_card_is_on_it(tmp_path):
    with admin_rig(tmp_path) as rig:
        session = rig.login(OPERATOR)
        rig.reader.remove()
        reader = by_component(rig.admin.hardware_check(session))["reader"]
        assert reader.ok and reader.detail == "emulated answers; no card on it."


def test_a_printer_that_answers_and_one_that_does_not(tmp_path):
    with admin_rig(tmp_path) as rig:
        session = rig.login(OPERATOR)
        device = File(str(tmp_path / "lp0"))
        rig.admin.printer = EscposPrinter(lambda: device, "printer on lp0")
        printer = by_component(rig.admin.hardware_check(session))["printer"]
        assert printer.ok and "cannot report paper" in printer.detail
        device.close()
        rig.admin.printer = EscposPrinter(
            lambda: Network("127.0.0.1", free_port(), timeout=1), "TM-T20"
        )
        printer = by_component(rig.admin.hardware_check(session))["printer"]
        assert not printer.ok and printer.detail.startswith("TM-T20 does not answer")


def test_a_printer_that_failed_is_made_afresh_for_the_next_print(tmp_path):
    paper = tmp_path / "off" / "lp0"  # no such directory yet: the printer is "switched off"
    printer = EscposPrinter(lambda: File(str(paper)), "printer on lp0")
    with pytest.raises(ReceiptPrinterError, match="printer on lp0 stopped while printing"):
        printer.print_lines(["X report"])
    paper.parent.mkdir()  # switched on: the same adapter prints without being made again
    printer.print_lines(["X report"])
    printer.close()
    assert b"X report" in paper.read_bytes()


def test_a_payment_provider_out_of_reach_is_a_problem(tmp_path):
    with admin_rig(tmp_path) as rig:
        session = rig.login(OPERATOR)
        rig.topup.provider = SimulatorProvider(f"http://127.0.0.1:{free_port()}", SECRET)
        payments = by_component(rig.admin.hardware_check(session))["payments (simulator)"]
        assert not payments.ok and "cannot be reached" in payments.detail


def test_each_networked_meter_is_asked(tmp_path, modbus):
    buses = ModbusBuses(timeout=0.5, retries=0)
    try:
        with admin_rig(tmp_path) as rig:
            rig.admin.meters = {
                7: buses.meter(f"tcp://127.0.0.1:{modbus.port}/1", "sdm120"),
                8: buses.meter(f"tcp://127.0.0.1:{free_port()}/1", "sdm120"),
            }
            found = by_component(rig.admin.hardware_check(rig.login(OPERATOR)))
            assert found["meter 7"].ok and "12345 Wh" in found["meter 7"].detail
            assert not found["meter 8"].ok and "does not answer" in found["meter 8"].detail

            def broken() -> dict:
                raise ValueError("profile sdm999 not found")

            rig.admin.meters = broken
            meters = by_component(rig.admin.hardware_check(rig.login(OPERATOR)))
            assert "sdm999" in meters["networked meters"].detail
    finally:
        buses.close()


def test_a_card_on_the_reader_is_not_touched_by_the_check(tmp_path):
    with admin_rig(tmp_path) as rig:
        session = rig.login(OPERATOR)
        card = cards.classic_1k()
        rig.put(card)
        before = card.dump()
        rig.admin.hardware_check(session)
        assert card.dump() == before


def test_with_a_backend_configured_the_sync_check_tells_its_state(tmp_path):
    import dataclasses

    from kiosk.config import SyncConfig
    from kiosk.db.models import SyncState

    with admin_rig(tmp_path) as rig:
        session = rig.login(OPERATOR)
        config = rig.admin.kiosk.config
        rig.admin.kiosk.config = dataclasses.replace(
            config, sync=SyncConfig(url="http://127.0.0.1:9/", secret="s" * 32)
        )
        # never synced: which cards are blocked is not known here yet
        sync = by_component(rig.admin.hardware_check(session))["sync"]
        assert sync.status is CheckStatus.PROBLEM
        assert sync.detail.startswith("Backend http://127.0.0.1:9/: nothing waits")
        assert "nothing sent yet; no blocked cards or tariffs received yet." in sync.detail
        now = dt.datetime.now(dt.UTC)
        with rig.admin.db.session() as s:
            s.add(SyncState(kiosk_id="K1", last_error="", last_pull_at=now - dt.timedelta(hours=1)))
        sync = by_component(rig.admin.hardware_check(session))["sync"]
        assert sync.status is CheckStatus.OK
        assert "blocked cards and tariffs as of " in sync.detail
        with rig.admin.db.session() as s:  # a day and more without a pull
            s.get(SyncState, "K1").last_pull_at = now - dt.timedelta(hours=25)
        assert by_component(rig.admin.hardware_check(session))["sync"].status is (
            CheckStatus.PROBLEM
        )
        with rig.admin.db.session() as s:
            state = s.get(SyncState, "K1")
            state.last_pull_at, state.last_error = now, "connection refused"
        sync = by_component(rig.admin.hardware_check(session))["sync"]
        assert sync.status is CheckStatus.PROBLEM
        assert "last error: connection refused" in sync.detail
        assert rig.admin.sync_status(session).configured
