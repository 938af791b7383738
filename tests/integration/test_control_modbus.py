"""The control loop over the real Modbus stack: pymodbus's server (meters.modbus.simulator) and the
real ModbusMeter driver, a migrated SQLite database, a WALLET balance and a tariff in force.

One DDS238 (it has a relay) and one SDM120 (no relay) behind one simulated gateway. The
simulator's SteppedClock is the loop's clock too (START + simulated seconds), so the two move
together and every energy is exact: consumption charged exactly by the tariff, the relay really
opening when credit runs out (energy stops growing), a top-up reconnecting, friendly hours keeping
the supply on, and the simulator stopped -> unreachable, reported after N failures, then back.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from kiosk.db import Database
from kiosk.db.models import (
    AccountKind,
    EntryKind,
    Meter,
    MeterKind,
    RelayCommand,
    Site,
    Tenant,
)
from kiosk.ledger import Ledger
from kiosk.metering import Backoff, ControlLoop, Outcome
from kiosk.metering.loop import MeterOutcome
from kiosk.tariff_store import publish
from kiosk.tariffs import FlatRate, Tariff, Utility
from meters.modbus.driver import ModbusBuses
from meters.modbus.profile import load_profile
from meters.modbus.simulator import MeterSimulator, SimMeter, SteppedClock
from meters.notify import Notice, NoticeKind, Notifier
from meters.policy import FriendlyWindow, Policy

CNY, SITE = 156, 1
START = dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC)  # a Wednesday
PRICE = Decimal("100")  # 1.00 CNY per kWh: 1 fen per 10 Wh (the DDS238's resolution)
DDS, SDM = 1001, 1002  # meter ids; device ids 1 and 2 on the simulator
TENANT_DDS, TENANT_SDM = 7, 8
POLICY = Policy(
    low_credit=2_50,
    very_low_credit=1_50,
    reconnect_threshold=1_00,
    friendly=(FriendlyWindow(dt.time(18, 0), dt.time(23, 0)),),
)


class Recorder(Notifier):
    def __init__(self) -> None:
        self.notices: list[Notice] = []

    def notify(self, notice: Notice) -> None:
        self.notices.append(notice)

    def kinds(self, meter_id: int) -> list[NoticeKind]:
        return [n.kind for n in self.notices if n.meter.startswith(f"{meter_id} ")]


@dataclass
class Rig:
    db: Database
    sim: MeterSimulator
    clock: SteppedClock
    loop: ControlLoop
    notifier: Recorder
    buses: ModbusBuses

    def now(self) -> dt.datetime:
        return START + dt.timedelta(seconds=self.clock.now())

    def poll(self, **advance: float) -> dict[int, MeterOutcome]:
        """Advance both clocks (they are one) and poll once."""
        self.clock.advance(dt.timedelta(**advance).total_seconds())
        return {o.meter_id: o for o in self.loop.poll_once()}

    def load_wallet(self, tenant: int, amount: int) -> None:
        with self.db.session() as s:
            ledger = Ledger(s)
            ledger.transfer(
                EntryKind.WALLET_LOAD,
                ledger.account(AccountKind.UNDELIVERED, CNY, tenant),
                ledger.account(AccountKind.WALLET, CNY, tenant),
                amount,
            )

    def wallet(self, tenant: int) -> int:
        with self.db.session() as s:
            ledger = Ledger(s)
            return ledger.balance(ledger.account(AccountKind.WALLET, CNY, tenant))

    def energy(self, device: int) -> float:
        return float(self.sim.snapshot(device)["energy"])

    def relay_closed(self, device: int) -> bool:
        return bool(self.sim.snapshot(device)["relay_closed"])


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[Rig]:
    db = Database(f"sqlite:///{tmp_path / 'kiosk.db'}")
    db.migrate()
    with db.session() as s:
        s.add(Site(id=SITE, name="Tower", timezone="UTC", currency=CNY))
        s.flush()
        s.add_all(
            [
                Tenant(id=TENANT_DDS, site_id=SITE, name="Shop 7"),
                Tenant(id=TENANT_SDM, site_id=SITE, name="Shop 8"),
            ]
        )
        s.flush()
        for meter_id, tenant in ((DDS, TENANT_DDS), (SDM, TENANT_SDM)):
            s.add(
                Meter(
                    id=meter_id,
                    site_id=SITE,
                    tenant_id=tenant,
                    kind=MeterKind.MODBUS,
                    utility="electricity",
                    tariff_code="ELEC",
                )
            )
        tariff = Tariff("ELEC", 1, "Electricity", Utility.ELECTRICITY, CNY, "UTC", FlatRate(PRICE))
        publish(s, tariff, "test", valid_from=START - dt.timedelta(days=1))
    clock = SteppedClock()
    sim = MeterSimulator(
        [
            SimMeter(1, load_profile("dds238"), load_w=2000.0, energy_wh=12_340.0),
            SimMeter(2, load_profile("sdm120"), load_w=1000.0, energy_wh=500.0),
        ],
        clock=clock,
    ).start()
    buses = ModbusBuses(timeout=0.5, retries=0)
    drivers = {
        DDS: buses.meter(f"{sim.url}/1", "dds238"),
        SDM: buses.meter(f"{sim.url}/2", "sdm120"),
    }
    notifier = Recorder()
    rig = Rig(db, sim, clock, None, notifier, buses)  # type: ignore[arg-type]
    rig.loop = ControlLoop(
        db,
        drivers,
        lambda meter, tenant: POLICY,
        notifier,
        rig.now,
        backoff=Backoff(rng=random.Random(1)),
        report_after=3,
    )
    try:
        yield rig
    finally:
        buses.close()
        sim.stop()
        db.dispose()


def test_control_loop_over_the_modbus_simulator(rig: Rig) -> None:
    rig.load_wallet(TENANT_DDS, 3_00)
    rig.load_wallet(TENANT_SDM, 1000_00)
    charged = {DDS: 0, SDM: 0}

    def poll(**advance: float) -> dict[int, MeterOutcome]:
        out = rig.poll(**advance)
        for meter_id, o in out.items():
            charged[meter_id] += o.charged
        return out

    # 09:00 first reading: a baseline, nothing charged
    out = poll()
    assert {o.outcome for o in out.values()} == {Outcome.BASELINE}
    dds_start, sdm_start = rig.energy(1), rig.energy(2)
    assert (dds_start, sdm_start) == (12_340.0, 500.0)

    # 09:30: 2 kW x 30 min = 1000 Wh = 1.00 exactly; 10:00 another
    out = poll(minutes=30)
    assert out[DDS].outcome is Outcome.CHARGED and out[DDS].charged == 1_00
    assert out[DDS].credit == 2_00 and out[DDS].relay_command is None
    assert out[SDM].charged == 50  # 1 kW x 30 min = 500 Wh
    out = poll(minutes=30)
    assert out[DDS].credit == 1_00
    assert rig.relay_closed(1)

    # 10:30: credit runs out -> the simulator's relay really opens
    out = poll(minutes=30)
    assert out[DDS].credit == 0
    assert out[DDS].relay_command is False and out[DDS].relay_confirmed is True
    assert "disconnect" in out[DDS].decision.reason  # type: ignore[union-attr]
    assert rig.sim.snapshot(1)["relay_closed"] is False
    assert rig.sim.snapshot(1)["power"] == 0
    cut_at = rig.energy(1)
    # the SDM120 has no relay: it is read and charged, never switched
    assert out[SDM].relay_command is None

    # 11:00: nothing drawn while open, nothing charged, it stays cut
    out = poll(minutes=30)
    assert rig.energy(1) == cut_at
    assert out[DDS].charged == 0 and out[DDS].relay_command is None
    assert "stays cut" in out[DDS].decision.reason  # type: ignore[union-attr]

    # a wallet top-up -> reconnected on the next poll
    rig.load_wallet(TENANT_DDS, 5_00)
    out = poll()
    assert out[DDS].relay_command is True and out[DDS].relay_confirmed is True
    assert rig.relay_closed(1)
    assert NoticeKind.RECONNECTED in rig.notifier.kinds(DDS)

    # 18:00: 7 h x 2 kW = 14.00 -> credit -9.00, but friendly hours: debt accrues, not cut
    out = poll(hours=7)
    assert out[DDS].charged == 14_00 and out[DDS].credit == -9_00
    assert out[DDS].relay_command is None
    assert out[DDS].decision.in_friendly_window  # type: ignore[union-attr]
    assert "friendly" in out[DDS].decision.reason  # type: ignore[union-attr]
    assert rig.relay_closed(1)
    out = poll(hours=2)  # 20:00: still friendly
    assert out[DDS].credit == -13_00 and rig.relay_closed(1)

    # 23:00: the window is over -> disconnected
    out = poll(hours=3)
    assert out[DDS].credit == -19_00
    assert out[DDS].relay_command is False and not rig.relay_closed(1)

    # every relay command is in the log with its reason, confirmed by the meter
    with rig.db.session() as s:
        commands = list(
            s.scalars(select(RelayCommand).where(RelayCommand.meter_id == DDS).order_by("id"))
        )
    assert [c.closed for c in commands] == [False, True, False]
    assert all(c.confirmed and c.reason for c in commands)

    # the simulator stops: unreachable, backoff, reported after 3 failures, never skipped
    rig.sim.stop()
    for failure in (1, 2, 3):
        out = poll(hours=1)
        assert out[DDS].outcome is Outcome.FAILED and out[SDM].outcome is Outcome.FAILED
        assert rig.loop.health(DDS)[0] == failure
        reported = NoticeKind.METER_UNREACHABLE in rig.notifier.kinds(DDS)
        assert reported is (failure >= 3)
    assert rig.notifier.kinds(SDM).count(NoticeKind.METER_UNREACHABLE) == 1

    # ... and back: what was used meanwhile is charged (the SDM120 kept drawing; the DDS238 is open)
    rig.sim.start()
    out = poll(hours=1)
    assert out[DDS].outcome is Outcome.CHARGED and out[SDM].outcome is Outcome.CHARGED
    assert out[DDS].charged == 0 and out[SDM].charged == 4 * 1_00
    assert NoticeKind.METER_BACK in rig.notifier.kinds(DDS)
    assert rig.loop.health(DDS) == (0, None)

    # charged exactly by the tariff: 1 fen per 10 Wh, in the ledger and in the outcomes
    dds_used, sdm_used = rig.energy(1) - dds_start, rig.energy(2) - sdm_start
    assert charged[DDS] == dds_used / 10 == 3_00 + 5_00 + 19_00
    assert charged[SDM] == sdm_used / 10 == 18 * 1_00  # 09:00 to 03:00
    assert rig.wallet(TENANT_DDS) == 3_00 + 5_00 - charged[DDS]
    assert rig.wallet(TENANT_SDM) == 1000_00 - charged[SDM]
    assert rig.notifier.kinds(DDS)[:3] == [
        NoticeKind.LOW_CREDIT,
        NoticeKind.VERY_LOW_CREDIT,
        NoticeKind.DISCONNECTED,
    ]


# -- the command line: `meter register --kind modbus`, `control run --once`, `control status` ----


def test_control_run_once_against_the_simulator(tmp_path: Path, capsys, monkeypatch) -> None:
    from kiosk.cli import main
    from kiosk.tariff_store import publish as publish_tariff

    monkeypatch.delenv("PREPAY_WEBHOOK_SECRET", raising=False)
    clock = SteppedClock()
    with MeterSimulator.of("dds238", [1, 2], load_w=2000.0, clock=clock) as sim:
        config = tmp_path / "kiosk.toml"
        config.write_text(
            '[site]\nid = 5\n[keys.1]\nsite = "' + "11" * 16 + '"\nmeter = "' + "22" * 16 + '"\n'
            "[control]\npoll_interval_s = 5\n"
            f'[[control.meters]]\nid = 1002\naddress = "{sim.url}/2"\nprofile = "dds238"\n'
            '[control.policy]\nlow = "2.50"\nvery_low = "1.50"\nreconnect = "1.00"\n'
            'friendly = ["18:00-23:00"]\ntimezone = "Asia/Shanghai"\nholidays = [2026-10-01]\n'
            "[control.notify]\nlog = true\n"
        )
        base = ("--config", str(config))

        def run(*argv: str) -> str:
            code = main([*base, *argv])
            out, err = capsys.readouterr()
            assert code == 0, err
            return out

        # meter 1001 by its address in the database, meter 1002 by [[control.meters]]
        out = run(
            "meter", "register", "--id", "1001", "--tenant", "7", "--tariff", "ELEC",
            "--kind", "modbus", "--address", f"{sim.url}/1", "--profile", "dds238",
        )  # fmt: skip
        assert "dds238 at tcp://127.0.0.1" in out
        run("meter", "register", "--id", "1002", "--tenant", "8", "--tariff", "ELEC",
            "--kind", "modbus", "--address", f"{sim.url}/2", "--profile", "dds238")  # fmt: skip
        db = Database(f"sqlite:///{tmp_path / 'kiosk.db'}")
        with db.session() as s:
            tariff = Tariff(
                "ELEC", 1, "Electricity", Utility.ELECTRICITY, CNY, "UTC", FlatRate(PRICE)
            )
            publish_tariff(s, tariff, "test", valid_from=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
            for tenant in (7, 8):
                ledger = Ledger(s)
                ledger.transfer(
                    EntryKind.WALLET_LOAD,
                    ledger.account(AccountKind.UNDELIVERED, CNY, tenant),
                    ledger.account(AccountKind.WALLET, CNY, tenant),
                    50_00 if tenant == 7 else 1_00,
                )
        db.dispose()

        out = run("control", "run", "--once")
        assert "meter 1001: baseline" in out and "meter 1002: baseline" in out
        clock.advance(30 * 60)  # 2 kW x 30 min = 1000 Wh = 1.00 CNY each
        out = run("control", "run", "--once")
        line1001 = next(line for line in out.splitlines() if "meter 1001:" in line)
        assert "meter 1001: charged" in line1001
        assert "energy 1000 Wh" in line1001 and "charged 1.00 CNY" in line1001
        assert "credit 49.00 CNY" in line1001 and "alarm NONE" in line1001
        line1002 = next(line for line in out.splitlines() if "meter 1002:" in line)
        # 1.00 - 1.00 = 0: exhausted, outside friendly hours -> the relay opens
        assert "credit 0.00 CNY" in line1002 and "relay: open (confirmed)" in line1002
        assert sim.snapshot(2)["relay_closed"] is False

        out = run("control", "status")
        assert "Meter 1001 (tenant 7, tariff ELEC): 1000 Wh" in out
        assert "credit 49.00 CNY" in out and "CUT" in out
        assert "meter 1002: open, confirmed -- credit exhausted" in out
