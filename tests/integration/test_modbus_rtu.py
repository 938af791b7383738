"""Modbus RTU on a serial line: the simulator serves one end of a pty pair made by socat (a virtual
RS-485 cable), the real driver (ModbusBus/ModbusMeter over pymodbus's serial client) and mbpoll
talk to the other end at 9600 8N1. One line carries meters of two models, as on site."""

from __future__ import annotations

import contextlib
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from meters.base import RelayState
from meters.errors import MeterError, MeterUnreachableError
from meters.modbus.driver import ModbusBus, ModbusBuses, ModbusExceptionResponse
from meters.modbus.profile import load_profile
from meters.modbus.simulator import MeterSimulator, SimMeter, SteppedClock
from meters.serialline import SerialLine

SOCAT = shutil.which("socat")
MBPOLL = shutil.which("mbpoll")
#: device id -> profile: two models on one line
METERS = {1: "sdm120", 2: "dds238", 3: "dds238"}
MISSING_ID = 9


@contextlib.contextmanager
def socat_pty_pair(directory: Path) -> Iterator[tuple[str, str]]:
    """Two linked pseudo-terminals, ``directory/ttyA`` and ``directory/ttyB``: bytes written to
    one are read from the other, like the two ends of a null-modem cable. socat is killed on
    exit."""
    if SOCAT is None:
        pytest.fail("socat is not installed (Debian package socat; make setup installs it)")
    a, b = directory / "ttyA", directory / "ttyB"
    proc = subprocess.Popen(
        [SOCAT, "-d", "-d", f"pty,raw,echo=0,link={a}", f"pty,raw,echo=0,link={b}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 10
        while not (a.exists() and b.exists()):
            if proc.poll() is not None:
                pytest.fail(f"socat exited before making the ptys: {proc.stderr.read()}")  # type: ignore[union-attr]
            if time.monotonic() > deadline:
                pytest.fail("socat did not make the ptys within 10 s")
            time.sleep(0.01)
        yield str(a), str(b)
    finally:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture
def clock() -> SteppedClock:
    return SteppedClock()


@pytest.fixture
def line(tmp_path: Path, clock: SteppedClock) -> Iterator[tuple[MeterSimulator, SerialLine]]:
    """The simulator on ttyA at 9600 8N1; the line a master opens: ttyB, same settings."""
    with socat_pty_pair(tmp_path) as (a, b):
        meters = [
            SimMeter(
                dev,
                load_profile(name),
                load_w=1000.0 + 250 * dev,
                energy_wh=1_234_560.0 + 10_000 * dev,
                voltage_dv=2290.0 + dev,
            )
            for dev, name in METERS.items()
        ]
        with MeterSimulator(meters, line=SerialLine(a, 9600, "N", 1), clock=clock) as sim:
            yield sim, SerialLine(b, 9600, "N", 1)


def _bus(line: SerialLine) -> ModbusBus:
    return ModbusBus.serial(line, timeout=0.3, retries=0)


def test_readings_over_rtu_match_the_simulated_meters(
    line: tuple[MeterSimulator, SerialLine],
) -> None:
    sim, master = line
    with _bus(master) as bus:
        for dev, name in METERS.items():
            r = bus.meter(dev, name).read()
            s = sim.snapshot(dev)
            assert r.meter == f"rtu://{master.port}/{dev}"
            assert (r.energy_wh, r.power_w, r.voltage_dv) == (
                round(s["energy"]),
                round(s["power"]),
                round(s["voltage"]),
            )
            assert r.relay is (RelayState.CLOSED if name == "dds238" else RelayState.NONE)


def test_the_dds238_relay_switches_over_rtu_and_reads_back(
    line: tuple[MeterSimulator, SerialLine], clock: SteppedClock
) -> None:
    sim, master = line
    with _bus(master) as bus:
        meter = bus.meter(3, "dds238")
        start = meter.read().energy_wh
        assert meter.set_relay(False) is RelayState.OPEN
        assert sim.snapshot(3)["relay_closed"] is False
        clock.advance(3600)
        r = meter.read()
        assert (r.energy_wh, r.power_w, r.relay) == (start, 0, RelayState.OPEN)
        assert bus.meter(2, "dds238").read().relay is RelayState.CLOSED  # its neighbour
        assert meter.set_relay(True) is RelayState.CLOSED
        clock.advance(3600)
        r = meter.read()
        assert (r.energy_wh - start, r.power_w, r.relay) == (1750, 1750, RelayState.CLOSED)


@pytest.mark.timeout(30)  # a hang fails the test instead of the suite
def test_a_device_id_nobody_has_times_out_with_a_clear_message(
    line: tuple[MeterSimulator, SerialLine],
) -> None:
    _sim, master = line
    with _bus(master) as bus:
        with pytest.raises(MeterUnreachableError) as err:
            bus.meter(MISSING_ID, "dds238").read()
        message = err.value.message
        assert message.startswith(f"rtu://{master.port}/{MISSING_ID} energy: no response")
        assert "device id" in message and "9600 8N1" in message
        # the line is still usable: the next meter answers
        assert bus.meter(2, "dds238").read().relay is RelayState.CLOSED


def test_a_device_exception_over_rtu_is_a_protocol_error(
    line: tuple[MeterSimulator, SerialLine], tmp_path: Path
) -> None:
    sim, master = line
    fc06 = tmp_path / "dds238_fc06.toml"
    fc06.write_text(
        load_profile("dds238")
        .path.read_text()
        .replace('write = "write_registers"', 'write = "write_register"')
    )
    with _bus(master) as bus:
        with pytest.raises(ModbusExceptionResponse) as err:
            bus.meter(2, load_profile(fc06)).set_relay(False)
        assert (err.value.function_code, err.value.exception_code) == (6, 0x01)
        assert "illegal function" in err.value.message
        assert sim.snapshot(2)["relay_closed"] is True
        with pytest.raises(ModbusExceptionResponse, match="illegal data address"):
            bus.meter(1, "dds238").read()  # an SDM120 has no DDS238 registers


def test_meters_by_address_share_one_bus_per_serial_port(
    line: tuple[MeterSimulator, SerialLine],
) -> None:
    sim, master = line
    buses = ModbusBuses(timeout=0.3, retries=0)
    try:
        a = buses.meter(f"rtu://{master.port}/1?baud=9600&parity=N&stopbits=1", "sdm120")
        b = buses.meter(f"rtu://{master.port}/2", "dds238")  # 9600 8N1 is the default
        assert a.read().energy_wh == round(sim.snapshot(1)["energy"])
        assert b.read().energy_wh == round(sim.snapshot(2)["energy"])
        assert len(buses.buses) == 1 and a.bus is b.bus
        with pytest.raises(MeterError, match=r"already used at 9600 8N1.*not 2400 8E1"):
            buses.meter(f"rtu://{master.port}/3?baud=2400&parity=E", "dds238")
    finally:
        buses.close()


@pytest.mark.parametrize(
    ("address", "needle"),
    [
        ("rtu:///dev/ttyUSB0/17?parity=X", "parity must be N, E or O"),
        ("rtu:///dev/ttyUSB0/17?baud=9601", "baud rate must be one of"),
        ("rtu:///dev/ttyUSB0/17?baud=fast", "baud must be a number"),
        ("rtu:///dev/ttyUSB0/17?stopbits=3", "stop bits must be 1 or 2"),
        ("rtu:///dev/ttyUSB0/17?speed=9600", "unknown serial setting 'speed'"),
        ("rtu:///dev/ttyUSB0/0", "broadcast address"),
        ("rtu://dev/ttyUSB0/17", "three slashes"),
        ("rtu:///dev/ttyUSB0/x", "not a Modbus meter address"),
        ("tcp://10.0.0.5:502/17?baud=9600", "for rtu:// only"),
    ],
)
def test_a_bad_rtu_address_says_what_is_wrong(address: str, needle: str) -> None:
    with pytest.raises(MeterError, match=re.escape(needle)):
        ModbusBuses().meter(address, "sdm120")  # checks only: nothing is opened


def test_a_serial_port_that_does_not_exist(tmp_path: Path) -> None:
    port = str(tmp_path / "ttyUSB9")
    with (
        _bus(SerialLine(port)) as bus,
        pytest.raises(MeterUnreachableError, match=f"cannot connect to rtu://{port}"),
    ):
        bus.meter(1, "sdm120").read()
    sim = MeterSimulator.of("sdm120", [1], line=SerialLine(port))
    with pytest.raises(RuntimeError, match=f"cannot listen on serial port {port}"):
        sim.start()


# -- an independent master: mbpoll (Debian package mbpoll) on the same line --------------------


def _mbpoll(port: str, dev: int, args: str, *values: str) -> subprocess.CompletedProcess[str]:
    if MBPOLL is None:
        pytest.fail("mbpoll is not installed (Debian package mbpoll; make setup installs it)")
    # -m rtu -b 9600 -P none: RTU at 9600 8N1; -0: PDU addresses; -1: once; -o 1: 1 s timeout
    cmd = [MBPOLL, *f"-m rtu -b 9600 -P none -a {dev} -0 -1 -o 1 {args}".split(), port, *values]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=20)


def _mbpoll_value(port: str, dev: int, address: int, kind: str) -> float:
    out = _mbpoll(port, dev, f"-r {address} -c 1 -t {kind} -B")
    m = re.search(rf"^\[{address}\]:\s+(-?[\d.e+-]+)\s*$", out.stdout, re.M)
    assert out.returncode == 0 and m, f"{out.args}\n{out.stdout}\n{out.stderr}"
    return float(m.group(1))


def test_mbpoll_reads_over_rtu_what_the_driver_reads(
    line: tuple[MeterSimulator, SerialLine],
) -> None:
    kinds = {
        ("input", "float32"): "3:float",
        ("holding", "uint32"): "4:int",
        ("holding", "uint16"): "4",
        ("holding", "int16"): "4",
    }
    _sim, master = line
    readings = {}
    with _bus(master) as bus:  # closed again before mbpoll opens the same port
        for dev, name in METERS.items():
            readings[dev] = bus.meter(dev, name).read()
    for dev, name in METERS.items():
        prof = load_profile(name)
        r = readings[dev]
        got = {"energy": r.energy_wh, "power": r.power_w, "voltage": r.voltage_dv}
        for reg in prof.registers:
            raw = _mbpoll_value(master.port, dev, reg.address, kinds[reg.table, reg.datatype])
            assert raw * reg.scale == pytest.approx(got[reg.name], rel=1e-5, abs=0.5), reg
        if prof.relay is not None:
            assert _mbpoll_value(master.port, dev, prof.relay.address, "4") == prof.relay.closed


def test_mbpoll_over_rtu_gets_the_same_refusal_and_silence(
    line: tuple[MeterSimulator, SerialLine],
) -> None:
    sim, master = line
    refused = _mbpoll(master.port, 2, "-r 26 -t 4", "0")  # FC06 on the DDS238 relay
    assert refused.returncode != 0 and "Illegal function" in refused.stderr, refused
    assert sim.snapshot(2)["relay_closed"] is True
    silent = _mbpoll(master.port, MISSING_ID, "-r 26 -t 4")
    assert silent.returncode != 0 and "timed out" in silent.stderr, silent
