"""The Modbus driver against pymodbus's real server (meters.modbus.simulator), and mbpoll (an
independent Modbus master from Debian) against the same simulator."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from meters.base import RelayState
from meters.errors import (
    MeterError,
    MeterProtocolError,
    MeterUnreachableError,
    ProfileError,
    RelayError,
)
from meters.modbus.driver import ModbusBus, ModbusBuses, ModbusExceptionResponse
from meters.modbus.profile import available_profiles, load_profile
from meters.modbus.simulator import MeterSimulator, SteppedClock

PROFILES = ["sdm120", "sdm630", "dds238"]
IDS = [1, 7, 247]


@pytest.fixture
def clock() -> SteppedClock:
    return SteppedClock()


def _sim(profile: str, clock: SteppedClock) -> MeterSimulator:
    sim = MeterSimulator.of(profile, IDS, clock=clock)
    # distinct state per meter, so a reading from the wrong device id would show
    for i, dev in enumerate(IDS):
        sim.set(
            dev, load_w=1000.0 + 250 * i, energy_wh=1_234_560.0 + 10_000 * i, voltage_dv=2290.0 + i
        )
    return sim


@pytest.fixture(params=PROFILES)
def sim(request: pytest.FixtureRequest, clock: SteppedClock) -> Iterator[MeterSimulator]:
    with _sim(request.param, clock) as s:
        yield s


@pytest.fixture
def dds238(clock: SteppedClock) -> Iterator[MeterSimulator]:
    with _sim("dds238", clock) as s:
        yield s


def _bus(sim: MeterSimulator) -> ModbusBus:
    return ModbusBus.tcp("127.0.0.1", sim.port, timeout=0.5, retries=0)


def _profile_name(sim: MeterSimulator) -> str:
    return next(iter(sim.meters.values())).profile.name


def test_shipped_profiles_load() -> None:
    assert set(PROFILES) <= set(available_profiles())
    assert load_profile("dds238").relay is not None
    assert load_profile("sdm120").relay is None


def test_readings_match_the_simulated_meters(sim: MeterSimulator) -> None:
    name = _profile_name(sim)
    with _bus(sim) as bus:
        for dev in IDS:
            r = bus.meter(dev, name).read()
            s = sim.snapshot(dev)
            assert r.meter == f"tcp://127.0.0.1:{sim.port}/{dev}"
            assert r.energy_wh == round(s["energy"])
            assert r.power_w == round(s["power"])
            assert r.voltage_dv == round(s["voltage"])
            assert r.relay is (RelayState.CLOSED if name == "dds238" else RelayState.NONE)
            assert r.at.tzinfo is not None


def test_energy_grows_under_load(sim: MeterSimulator, clock: SteppedClock) -> None:
    with _bus(sim) as bus:
        meter = bus.meter(7, _profile_name(sim))
        before = meter.read().energy_wh
        clock.advance(3600)  # 1250 W for an hour (DDS238 counts in 10 Wh steps)
        assert meter.read().energy_wh - before == 1250
        sim.set(7, load_w=0.0)
        clock.advance(3600)
        assert meter.read().energy_wh - before == 1250


def test_open_relay_cuts_the_load_and_closing_restores_it(
    dds238: MeterSimulator, clock: SteppedClock
) -> None:
    with _bus(dds238) as bus:
        meter = bus.meter(7, "dds238")
        start = meter.read().energy_wh
        assert meter.set_relay(False) is RelayState.OPEN
        assert dds238.snapshot(7)["relay_closed"] is False
        clock.advance(7200)
        r = meter.read()
        assert (r.energy_wh, r.power_w, r.relay) == (start, 0, RelayState.OPEN)
        # the other meters on the line are untouched
        assert bus.meter(1, "dds238").read().relay is RelayState.CLOSED
        assert meter.set_relay(True) is RelayState.CLOSED
        clock.advance(3600)
        r = meter.read()
        assert (r.energy_wh - start, r.power_w, r.relay) == (1250, 1250, RelayState.CLOSED)


def test_relay_that_does_not_follow_is_a_relay_error(dds238: MeterSimulator) -> None:
    dds238.set(1, stuck_relay=True)
    with _bus(dds238) as bus, pytest.raises(RelayError, match="commanded open, reads back closed"):
        bus.meter(1, "dds238").set_relay(False)
    assert dds238.snapshot(1)["relay_closed"] is True


def test_dds238_refuses_the_relay_by_fc06(dds238: MeterSimulator, tmp_path: Path) -> None:
    text = load_profile("dds238").path.read_text()
    path = tmp_path / "dds238_fc06.toml"
    path.write_text(text.replace('write = "write_registers"', 'write = "write_register"'))
    with _bus(dds238) as bus, pytest.raises(ModbusExceptionResponse) as err:
        bus.meter(1, load_profile(path)).set_relay(False)
    assert (err.value.function_code, err.value.exception_code) == (6, 0x01)
    assert "illegal function" in err.value.message
    assert dds238.snapshot(1)["relay_closed"] is True


def test_meter_without_relay_refuses_to_switch(clock: SteppedClock) -> None:
    with (
        _sim("sdm120", clock) as sim,
        _bus(sim) as bus,
        pytest.raises(MeterError, match="has no relay"),
    ):
        bus.meter(1, "sdm120").set_relay(False)


def test_unknown_device_id_is_unreachable(sim: MeterSimulator) -> None:
    with _bus(sim) as bus, pytest.raises(MeterUnreachableError) as err:
        bus.meter(8, _profile_name(sim)).read()
    assert f"127.0.0.1:{sim.port}/8" in err.value.message
    assert "0x0B" in err.value.message


def test_stopped_server_is_unreachable_and_recovers(clock: SteppedClock) -> None:
    sim = _sim("sdm120", clock).start()
    port = sim.port
    bus = _bus(sim)
    meter = bus.meter(1, "sdm120")
    try:
        meter.read()
        sim.stop()
        for _ in range(2):  # the lost connection, then a refused reconnect
            with pytest.raises(MeterUnreachableError, match=f"127.0.0.1:{port}"):
                meter.read()
        sim = _sim("sdm120", clock)
        sim.port = port
        sim.start()
        assert meter.read().energy_wh == 1_234_560
    finally:
        bus.close()
        sim.stop()


def test_exception_response_is_a_protocol_error(dds238: MeterSimulator, tmp_path: Path) -> None:
    path = tmp_path / "wrong.toml"
    path.write_text(
        '[meter]\nmodel = "wrong map"\n'
        '[registers.energy]\ntable = "holding"\naddress = 0x0100\ndatatype = "uint32"\nscale = 10\n'
    )
    with _bus(dds238) as bus, pytest.raises(MeterProtocolError) as err:
        bus.meter(1, load_profile(path)).read()
    assert isinstance(err.value, ModbusExceptionResponse)
    assert err.value.exception_code == 0x02
    assert "illegal data address" in err.value.message


def test_many_meters_share_one_connection_per_gateway(clock: SteppedClock) -> None:
    with (
        MeterSimulator.of("sdm120", range(1, 41), clock=clock) as a,
        MeterSimulator.of("dds238", range(1, 41), clock=clock) as b,
    ):
        for dev in range(1, 41):
            a.set(dev, energy_wh=1000.0 * dev)
            b.set(dev, energy_wh=2000.0 * dev)
        buses = ModbusBuses(timeout=0.5, retries=0)
        try:
            meters = [buses.meter(f"{a.url}/{d}", "sdm120") for d in range(1, 41)]
            meters += [buses.meter(f"{b.url}/{d}", "dds238") for d in range(1, 41)]
            energies = [m.read().energy_wh for m in meters]
            assert energies == [1000 * d for d in range(1, 41)] + [2000 * d for d in range(1, 41)]
            assert len(buses.buses) == 2
        finally:
            buses.close()


@pytest.mark.parametrize(
    ("field", "text", "needle"),
    [
        ("registers.energy.datatype", 'datatype = "float32"', 'datatype = "float"'),
        (
            "registers.power.table",
            'table = "input"\naddress = 0x000C',
            'table = "coils"\naddress = 0x000C',
        ),
        ("registers.voltage.scale", "scale = 10.0 ", "scale = -1 "),
    ],
)
def test_bad_profile_names_file_and_field(
    tmp_path: Path, field: str, text: str, needle: str
) -> None:
    src = load_profile("sdm120").path.read_text()
    assert text in src
    path = tmp_path / "broken.toml"
    path.write_text(src.replace(text, needle, 1))
    with pytest.raises(ProfileError, match=re.escape(f"{path}: {field}:")):
        load_profile(path)


# -- an independent client: mbpoll (Debian package mbpoll) --------------------------------------

MBPOLL = shutil.which("mbpoll")


def _mbpoll(port: int, dev: int, address: int, kind: str) -> float:
    if MBPOLL is None:
        pytest.fail("mbpoll is not installed (Debian package mbpoll; make setup installs it)")
    # -0: PDU (0-based) addresses; -B: big-endian word order; -1: poll once; -o: timeout, s
    cmd = [MBPOLL, *f"-m tcp -a {dev} -0 -r {address} -c 1 -t {kind} -B -1 -o 2".split()]
    cmd += ["-p", str(port), "127.0.0.1"]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=20)
    m = re.search(rf"^\[{address}\]:\s+(-?[\d.e+-]+)\s*$", out.stdout, re.M)
    assert out.returncode == 0 and m, f"{' '.join(cmd)}\n{out.stdout}\n{out.stderr}"
    return float(m.group(1))


@pytest.mark.parametrize("profile", PROFILES)
def test_mbpoll_reads_what_the_driver_reads(profile: str, clock: SteppedClock) -> None:
    kinds = {
        ("input", "float32"): "3:float",
        ("holding", "uint32"): "4:int",
        ("holding", "uint16"): "4",
        ("holding", "int16"): "4",
    }
    prof = load_profile(profile)
    with _sim(profile, clock) as sim, _bus(sim) as bus:
        clock.advance(60)
        for dev in (1, 247):
            r = bus.meter(dev, profile).read()
            got = {"energy": r.energy_wh, "power": r.power_w, "voltage": r.voltage_dv}
            for reg in prof.registers:
                raw = _mbpoll(sim.port, dev, reg.address, kinds[reg.table, reg.datatype])
                # mbpoll prints floats to 6 significant digits
                assert raw * reg.scale == pytest.approx(got[reg.name], rel=1e-5, abs=0.5), reg
            if prof.relay:
                raw = _mbpoll(sim.port, dev, prof.relay.address, "4")
                assert raw == prof.relay.closed and r.relay is RelayState.CLOSED


def test_mbpoll_relay_write_by_fc06_is_refused_like_the_real_dds238(dds238: MeterSimulator) -> None:
    if MBPOLL is None:
        pytest.fail("mbpoll is not installed (Debian package mbpoll; make setup installs it)")
    args = f"-m tcp -a 7 -0 -r 26 -t 4 -1 -o 2 -p {dds238.port} 127.0.0.1 0"
    cmd = [MBPOLL, *args.split()]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=20)
    assert out.returncode != 0 and "Illegal function" in out.stderr, out
    assert dds238.snapshot(7)["relay_closed"] is True
