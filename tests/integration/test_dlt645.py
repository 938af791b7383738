"""The DL/T 645 driver against the DL/T 645 simulator, end to end: over TCP (as through an RS-485
to Ethernet converter) and over a serial line (a socat pty pair at 2400 8E1, the standard's
framing): readings, the relay by remote control confirmed by read-back, and every refusal."""

from __future__ import annotations

import datetime as dt
import re
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from meters.base import RelayState
from meters.dlt645.commands import DltRefusal, Password
from meters.dlt645.driver import Dlt645Bus, Dlt645Buses
from meters.dlt645.frame import Address, DltError
from meters.dlt645.simulator import Dlt645Simulator, SimDltMeter, parse_addresses
from meters.errors import MeterError, MeterProtocolError, MeterUnreachableError, RelayError
from meters.serialline import SerialLine
from meters.simclock import SteppedClock
from tests.integration.test_modbus_rtu import socat_pty_pair

ADDRESSES = ["000000000161", "000012345678", "202611240001"]
MISSING = "000000000999"
BAUD, PARITY = 2400, "E"  # the standard's framing: 2400 bps, 8 data bits, even parity
METER_NOW = dt.datetime(2026, 11, 24, 12, 0, 0)  # the meters' clock (local time, no zone)


@dataclass
class Rig:
    sim: Dlt645Simulator
    bus: Dlt645Bus
    clock: SteppedClock
    prefix: str  # the address of a meter is prefix + its 12 digits


def _meters() -> list[SimDltMeter]:
    # distinct state per meter, so a reply from the wrong meter would show
    return [
        SimDltMeter(
            Address.parse(a),
            load_w=1000.0 + 250 * i,
            energy_wh=1_234_560.0 + 10_000 * i,
            voltage_dv=2290.0 + i,
        )
        for i, a in enumerate(ADDRESSES)
    ]


@pytest.fixture(params=["tcp", "serial"])
def rig(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Rig]:
    clock = SteppedClock()
    if request.param == "tcp":
        with (
            Dlt645Simulator(_meters(), clock=clock, meter_clock=lambda: METER_NOW) as sim,
            Dlt645Bus.tcp("127.0.0.1", sim.port, timeout=0.3, meter_clock=lambda: METER_NOW) as bus,
        ):
            yield Rig(sim, bus, clock, f"{sim.url}/")
        return
    with (
        socat_pty_pair(tmp_path) as (a, b),
        Dlt645Simulator(
            _meters(), line=SerialLine(a, BAUD, PARITY), clock=clock, meter_clock=lambda: METER_NOW
        ) as sim,
        Dlt645Bus.serial(
            SerialLine(b, BAUD, PARITY), timeout=0.3, meter_clock=lambda: METER_NOW
        ) as bus,
    ):
        yield Rig(sim, bus, clock, f"dlt645://{b}/")


def test_readings_match_the_simulated_meters(rig: Rig) -> None:
    for address in ADDRESSES:
        r = rig.bus.meter(address).read()
        s = rig.sim.snapshot(address)
        assert r.meter == rig.prefix + address
        assert r.energy_wh == 10 * (round(s["energy"]) // 10)  # the meter counts 0.01 kWh
        assert (r.power_w, r.voltage_dv, r.relay) == (
            round(s["power"]),
            round(s["voltage"]),
            RelayState.CLOSED,
        )


def test_the_relay_trips_and_closes_by_remote_control_confirmed_by_read_back(rig: Rig) -> None:
    meter = rig.bus.meter("12345678")  # leading zeros may be left out
    start = meter.read().energy_wh
    assert meter.set_relay(False) is RelayState.OPEN
    assert rig.sim.snapshot("000012345678")["relay_closed"] is False
    rig.clock.advance(3600)
    r = meter.read()
    assert (r.energy_wh, r.power_w, r.relay) == (start, 0, RelayState.OPEN)
    assert rig.bus.meter("161").read().relay is RelayState.CLOSED  # its neighbour
    assert meter.set_relay(True) is RelayState.CLOSED
    rig.clock.advance(3600)
    r = meter.read()
    assert (r.energy_wh - start, r.power_w, r.relay) == (1250, 1250, RelayState.CLOSED)


@pytest.mark.timeout(30)  # a hang fails the test instead of the suite
def test_a_meter_nobody_has_is_unreachable_with_a_clear_message(rig: Rig) -> None:
    with pytest.raises(MeterUnreachableError) as err:
        rig.bus.meter(MISSING).read()
    message = err.value.message
    assert message.startswith(f"{rig.prefix}{MISSING} DI 00 00 00 00")
    assert f"no answer from meter {MISSING}" in message and "check the meter address" in message
    if "dlt645://" in rig.prefix:
        assert "set to 2400 8E1" in message
    assert rig.bus.meter("161").read().relay is RelayState.CLOSED  # the line still works


def test_a_wrong_password_is_refused_and_the_relay_stays(rig: Rig) -> None:
    rig.bus.password = Password(0x03, "999999")
    with pytest.raises(DltRefusal) as err:
        rig.bus.meter("161").set_relay(False)
    assert err.value.error_byte == 0x04
    assert err.value.message.endswith(
        "remote control trip: the meter refused: wrong password or not authorised (密码错/未授权)"
    )
    assert rig.sim.snapshot("161")["relay_closed"] is True


def test_an_expired_command_is_refused(rig: Rig) -> None:
    rig.bus.meter_clock = lambda: METER_NOW - dt.timedelta(hours=1)  # a clock an hour behind
    with pytest.raises(DltRefusal, match=re.escape("the meter refused: other error (其他错误)")):
        rig.bus.meter("161").set_relay(False)
    assert rig.sim.snapshot("161")["relay_closed"] is True


def test_a_relay_that_does_not_follow_is_a_relay_error(rig: Rig) -> None:
    rig.sim.set("161", stuck_relay=True)
    with pytest.raises(RelayError, match="commanded open, reads back closed"):
        rig.bus.meter("161").set_relay(False)


def test_a_damaged_reply_is_a_protocol_error(rig: Rig) -> None:
    rig.sim.set("161", bad_checksum=True)
    with pytest.raises(DltError, match="was damaged: checksum"):
        rig.bus.meter("161").read()
    rig.sim.set("161", bad_checksum=False)
    assert rig.bus.meter("161").read().relay is RelayState.CLOSED


def test_a_negative_total_is_refused(rig: Rig) -> None:
    rig.sim.set("161", energy_wh=-500.0, load_w=0.0)
    with pytest.raises(MeterProtocolError, match="reads -0.5 kWh; a supply meter's total"):
        rig.bus.meter("161").read()


# -- meters by address -------------------------------------------------------------------------


def test_meters_by_address_share_one_bus_per_port(tmp_path: Path) -> None:
    with (
        socat_pty_pair(tmp_path) as (a, b),
        Dlt645Simulator(_meters(), line=SerialLine(a, 2400, "E"), meter_clock=lambda: METER_NOW),
        Dlt645Simulator(_meters(), meter_clock=lambda: METER_NOW) as tcp,
    ):
        buses = Dlt645Buses(timeout=0.3, meter_clock=lambda: METER_NOW)
        try:
            on_line = [buses.meter(f"dlt645://{b}/{x}?baud=2400&parity=E") for x in ADDRESSES]
            on_line.append(buses.meter(f"dlt645://{b}/161"))  # 2400 8E1 is the default
            on_tcp = [buses.meter(f"{tcp.url}/{x}") for x in ADDRESSES]
            assert [m.read().voltage_dv for m in on_line + on_tcp] == [2290, 2291, 2292, 2290] + [
                2290,
                2291,
                2292,
            ]
            assert len(buses.buses) == 2
            with pytest.raises(MeterError, match=r"already used at 2400 8E1.*not 9600 8N1"):
                buses.meter(f"dlt645://{b}/161?baud=9600&parity=N")
        finally:
            buses.close()


@pytest.mark.parametrize(
    ("address", "needle"),
    [
        ("dlt645:///dev/ttyUSB0/1234567890123", "12 digits (the number on the meter's nameplate)"),
        ("dlt645:///dev/ttyUSB0/12AB", "12 digits"),
        ("dlt645:///dev/ttyUSB0/", "not a DL/T 645 meter address"),
        ("dlt645://dev/ttyUSB0/161", "three slashes"),
        ("dlt645:///dev/ttyUSB0/161?parity=Q", "parity must be N, E or O"),
        ("dlt645:///dev/ttyUSB0/161?baud=300", "baud rate must be one of"),
        ("dlt645+tcp://10.0.0.7/161", "dlt645+tcp://host:port/<meter address>"),
        ("dlt645+tcp://10.0.0.7:8899/161?baud=2400", "dlt645+tcp://host:port/<meter address>"),
        ("modbus://10.0.0.7:502/161", "not a DL/T 645 meter address"),
    ],
)
def test_a_bad_address_says_what_is_wrong(address: str, needle: str) -> None:
    with pytest.raises(MeterError, match=re.escape(needle)):
        Dlt645Buses().meter(address)  # checks only: nothing is opened


def test_a_serial_port_that_does_not_exist(tmp_path: Path) -> None:
    port = str(tmp_path / "ttyUSB9")
    with (
        Dlt645Bus.serial(SerialLine(port, 2400, "E")) as bus,
        pytest.raises(MeterUnreachableError) as err,
    ):
        bus.meter("161").read()
    assert err.value.message.startswith(f"dlt645://{port}/000000000161 DI 00 00 00 00")
    assert f"cannot open {port} at 2400 8E1" in err.value.message
    with pytest.raises(RuntimeError, match=f"cannot open serial port {port}"):
        Dlt645Simulator(_meters(), line=SerialLine(port)).start()


def test_a_converter_that_does_not_answer_the_connection() -> None:
    with socket.socket() as s:  # a port nobody listens on once this socket is closed
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with (
        Dlt645Bus.tcp("127.0.0.1", port) as bus,
        pytest.raises(MeterUnreachableError, match=f"cannot connect to 127.0.0.1:{port}"),
    ):
        bus.meter("161").read()


def test_simulator_address_ranges() -> None:
    assert parse_addresses("1-3,12345678") == [
        "000000000001",
        "000000000002",
        "000000000003",
        "000012345678",
    ]
    with pytest.raises(ValueError, match="a range runs upwards"):
        parse_addresses("5-3")
