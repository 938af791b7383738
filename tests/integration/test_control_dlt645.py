"""A DL/T 645-2007 meter in the kiosk's [control] section: the address alone names it (no register
profile), a bad address is refused with the line that is wrong, and the control loop built from
the configuration reads the meter through the DL/T 645 simulator over TCP like a Modbus one."""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path

import pytest

from kiosk import app
from kiosk import config as config_mod
from kiosk.cli import main
from meters.dlt645.frame import Address
from meters.dlt645.simulator import Dlt645Simulator, SimDltMeter

KEYS = '[site]\nid = 5\n[keys.1]\nsite = "' + "11" * 16 + '"\nmeter = "' + "22" * 16 + '"\n'
NAMEPLATE = "202611240001"
METER_NOW = dt.datetime(2026, 11, 25, 12, 0, 0)


def control(address: str) -> str:
    return f'[control]\n[[control.meters]]\nid = 2001\naddress = "{address}"\n'


def test_a_dlt645_meter_needs_no_profile_and_a_bad_address_says_why():
    good = config_mod.from_mapping(
        tomllib.loads(KEYS + control(f"dlt645:///dev/ttyUSB0/{NAMEPLATE}"))
    )
    (meter,) = good.control.meters
    assert meter.dlt645 and meter.profile == "dlt645"
    with pytest.raises(config_mod.ConfigError) as refused:
        config_mod.from_mapping(
            tomllib.loads(KEYS + control("dlt645+tcp://gateway/12")), "kiosk.toml"
        )
    assert "kiosk.toml: [[control.meters]] #1 address" in str(refused.value)
    assert "dlt645+tcp://host:port/<meter address>" in str(refused.value)


def test_the_control_loop_reads_a_dlt645_meter_from_the_configuration(tmp_path: Path):
    sim_meter = SimDltMeter(Address.parse(NAMEPLATE), load_w=1500.0, energy_wh=42_000.0)
    with Dlt645Simulator([sim_meter], meter_clock=lambda: METER_NOW) as sim:
        config = tmp_path / "kiosk.toml"
        config.write_text(KEYS + control(f"{sim.url}/{NAMEPLATE}"))
        assert main(["--config", str(config), "meter", "register", "--id", "2001",
                     "--tenant", "7", "--tariff", "ELEC", "--kind", "modbus",
                     "--address", "tcp://127.0.0.1:9/1", "--profile", "dds238"]) == 0  # fmt: skip
        kiosk = app.build(config_mod.load(config))
        loop = None
        try:
            loop = app.build_control_loop(kiosk)
            reading = loop.meters[2001].read()
            assert reading.energy_wh == 42_000  # what the meter's register says, in Wh
        finally:
            if loop is not None:
                for meter in loop.meters.values():
                    getattr(getattr(meter, "bus", None), "close", lambda: None)()
            kiosk.close()
