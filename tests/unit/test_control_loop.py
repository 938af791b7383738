"""The control loop over simulated time: charging, warnings, disconnect, friendly hours,
reconnection after a top-up, emergency credit, keep-power, a meter that does not answer."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from kiosk.db import Database
from kiosk.db.models import (
    AccountKind,
    AuditEntry,
    EntryKind,
    LedgerEntry,
    Meter,
    MeterKind,
    RelayCommand,
    Site,
    Tenant,
)
from kiosk.ledger import Ledger
from kiosk.metering import Backoff, ControlLoop, Outcome
from kiosk.tariff_store import publish
from kiosk.tariffs import FlatRate, Tariff, Utility
from meters.base import NetworkedMeter, Reading, RelayState
from meters.errors import MeterUnreachableError
from meters.notify import Notice, NoticeKind, Notifier
from meters.policy import FriendlyWindow, Policy

CNY = 156
METER, TENANT, SITE = 1001, 7, 1
START = dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC)  # a Wednesday
PRICE = Decimal("100")  # 1.00 CNY per kWh: 1 fen per 10 Wh


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **kw: float) -> None:
        self.now += dt.timedelta(**kw)


class FakeMeter(NetworkedMeter):
    """A meter drawing ``load_w`` while its relay is closed, on the test's clock."""

    def __init__(self, clock: Clock, load_w: int = 1000) -> None:
        self.address = "fake://1"
        self.clock, self.load_w = clock, load_w
        self.energy_mwh = 0  # milli-Wh, so seconds of load add up exactly
        self.relay = RelayState.CLOSED
        self.since = clock()
        self.answering = True
        self.relay_calls: list[bool] = []

    def _accrue(self) -> None:
        now = self.clock()
        if self.relay is RelayState.CLOSED:
            seconds = int((now - self.since).total_seconds())
            self.energy_mwh += self.load_w * seconds * 1000 // 3600
        self.since = now

    def read(self) -> Reading:
        if not self.answering:
            raise MeterUnreachableError("no answer from fake://1 (timeout)")
        self._accrue()
        power = self.load_w if self.relay is RelayState.CLOSED else 0
        return Reading(self.address, self.energy_mwh // 1000, power, 2300, self.relay, self.clock())

    def set_relay(self, closed: bool) -> RelayState:
        self._accrue()
        self.relay_calls.append(closed)
        self.relay = RelayState.CLOSED if closed else RelayState.OPEN
        return self.relay


class Recorder(Notifier):
    def __init__(self) -> None:
        self.notices: list[Notice] = []

    def notify(self, notice: Notice) -> None:
        self.notices.append(notice)

    def kinds(self) -> list[NoticeKind]:
        return [n.kind for n in self.notices]


class Rig:
    def __init__(self, tmp_path: Path, policy: Policy, *, keep_power: bool = False) -> None:
        self.db = Database(f"sqlite:///{tmp_path / 'kiosk.db'}")
        self.db.migrate()
        self.clock = Clock()
        self.meter = FakeMeter(self.clock)
        self.notifier = Recorder()
        with self.db.session() as s:
            s.add(Site(id=SITE, name="Tower", timezone="UTC", currency=CNY))
            s.flush()
            s.add(Tenant(id=TENANT, site_id=SITE, name="Shop 7", keep_power=keep_power))
            s.flush()
            s.add(
                Meter(
                    id=METER,
                    site_id=SITE,
                    tenant_id=TENANT,
                    kind=MeterKind.MODBUS,
                    utility="electricity",
                    tariff_code="ELEC",
                )
            )
            tariff = Tariff(
                "ELEC", 1, "Electricity", Utility.ELECTRICITY, CNY, "UTC", FlatRate(PRICE)
            )
            publish(s, tariff, "test", valid_from=START - dt.timedelta(days=1))
        self.loop = ControlLoop(
            self.db,
            {METER: self.meter},
            lambda meter, tenant: policy,
            self.notifier,
            self.clock,
            backoff=Backoff(rng=random.Random(1)),
        )

    def load_wallet(self, amount: int) -> None:
        with self.db.session() as s:
            ledger = Ledger(s)
            ledger.transfer(
                EntryKind.WALLET_LOAD,
                ledger.account(AccountKind.UNDELIVERED, CNY, TENANT),
                ledger.account(AccountKind.WALLET, CNY, TENANT),
                amount,
            )

    def wallet(self) -> int:
        with self.db.session() as s:
            ledger = Ledger(s)
            return ledger.balance(ledger.account(AccountKind.WALLET, CNY, TENANT))

    def run(self, hours: float, step_minutes: int = 15) -> None:
        for _ in range(int(hours * 60 / step_minutes)):
            self.clock.advance(minutes=step_minutes)
            self.loop.poll_once()

    def commands(self) -> list[RelayCommand]:
        with self.db.session() as s:
            return list(s.scalars(select(RelayCommand).order_by(RelayCommand.id)))


POLICY = Policy(low_credit=10_00, very_low_credit=5_00, reconnect_threshold=1_00)


def test_consumption_is_charged_to_the_wallet_exactly(tmp_path: Path) -> None:
    rig = Rig(tmp_path, POLICY)
    rig.load_wallet(100_00)
    first = rig.loop.poll_once()
    assert first[0].outcome is Outcome.BASELINE
    # 1 kW in one-minute polls: 16.67 Wh, 1.667 fen per poll -- rounded per poll it would drift
    rig.run(hours=3, step_minutes=1)
    assert rig.wallet() == 100_00 - 3_00  # 3 kWh at 1.00
    with rig.db.session() as s:
        kinds = set(s.scalars(select(LedgerEntry.kind)))
        revenue = Ledger(s).balance(Ledger(s).account(AccountKind.REVENUE, CNY))
    assert EntryKind.CONSUMPTION in kinds
    assert revenue == 3_00


def test_two_warning_levels_each_notified_once(tmp_path: Path) -> None:
    rig = Rig(tmp_path, POLICY)
    rig.load_wallet(12_00)
    rig.loop.poll_once()
    rig.run(hours=3)  # 12.00 -> 9.00: LOW
    assert rig.notifier.kinds() == [NoticeKind.LOW_CREDIT]
    rig.run(hours=4.5)  # -> 4.50: VERY_LOW
    assert rig.notifier.kinds() == [NoticeKind.LOW_CREDIT, NoticeKind.VERY_LOW_CREDIT]
    assert rig.notifier.notices[1].tenant_id == TENANT
    # the first poll below 5.00 warns (7 h 15 min: 4.75), later polls do not again
    assert "4.75 CNY" in rig.notifier.notices[1].message
    assert rig.meter.relay_calls == []  # warnings never switch


def test_disconnect_at_zero_then_reconnect_after_top_up(tmp_path: Path) -> None:
    rig = Rig(tmp_path, POLICY)
    rig.load_wallet(2_00)
    rig.loop.poll_once()
    rig.run(hours=3)
    assert rig.meter.relay is RelayState.OPEN
    assert rig.notifier.kinds()[-1] is NoticeKind.DISCONNECTED
    [cut] = rig.commands()
    assert (cut.closed, cut.confirmed) == (False, True)
    assert "credit exhausted" in cut.reason
    assert cut.at == START + dt.timedelta(hours=2)  # 2.00 used at 1 kW: the 2 h poll cut it
    debt = rig.wallet()
    assert debt == 0
    rig.run(hours=5)  # cut: nothing more is used or charged, no more commands
    assert rig.wallet() == debt
    assert len(rig.commands()) == 1

    rig.load_wallet(50)  # below the reconnect threshold (1.00): stays cut
    rig.run(hours=1)
    assert rig.meter.relay is RelayState.OPEN
    rig.load_wallet(20_00)
    rig.run(hours=0.25)
    assert rig.meter.relay is RelayState.CLOSED
    assert rig.notifier.kinds()[-1] is NoticeKind.RECONNECTED
    assert [c.closed for c in rig.commands()] == [False, True]
    with rig.db.session() as s:
        actions = list(s.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
    assert actions == ["relay_open", "relay_close"]


def test_friendly_hours_keep_the_supply_and_debt_accrues(tmp_path: Path) -> None:
    evening = FriendlyWindow(dt.time(10, 0), dt.time(14, 0))  # local (UTC) 10:00-14:00
    rig = Rig(tmp_path, replace_policy(friendly=(evening,)))
    rig.load_wallet(2_00)
    rig.loop.poll_once()
    rig.run(hours=4)  # credit runs out at 11:00, inside the window
    assert rig.meter.relay_calls == []
    assert rig.wallet() == -2_00  # debt accrued on the wallet
    assert NoticeKind.CREDIT_EXHAUSTED in rig.notifier.kinds()
    rig.run(hours=1)  # the window ends at 14:00: cut then
    assert rig.meter.relay is RelayState.OPEN
    [cut] = rig.commands()
    assert cut.at == START + dt.timedelta(hours=5)
    assert rig.notifier.kinds().count(NoticeKind.CREDIT_EXHAUSTED) == 1
    # reconnection needs the debt repaid and the threshold reached
    rig.load_wallet(3_50)
    rig.run(hours=0.25)
    assert rig.meter.relay is RelayState.OPEN
    rig.load_wallet(1_00)
    rig.run(hours=0.25)
    assert rig.meter.relay is RelayState.CLOSED


def test_emergency_credit_then_cut(tmp_path: Path) -> None:
    rig = Rig(tmp_path, replace_policy(emergency_credit=3_00))
    rig.load_wallet(1_00)
    rig.loop.poll_once()
    rig.run(hours=2)
    assert rig.meter.relay is RelayState.CLOSED  # -1.00: on emergency credit
    assert NoticeKind.EMERGENCY_CREDIT in rig.notifier.kinds()
    rig.run(hours=2)
    assert rig.meter.relay is RelayState.OPEN  # -3.00: emergency used up
    assert rig.wallet() == -3_00
    rig.load_wallet(3_50)  # repays the emergency credit but not the threshold
    rig.run(hours=0.25)
    assert rig.meter.relay is RelayState.OPEN
    rig.load_wallet(50)
    rig.run(hours=0.25)
    assert rig.meter.relay is RelayState.CLOSED


def test_keep_power_tenant_is_never_cut_but_warned(tmp_path: Path) -> None:
    rig = Rig(tmp_path, POLICY, keep_power=True)
    rig.load_wallet(1_00)
    rig.loop.poll_once()
    rig.run(hours=5)
    assert rig.meter.relay_calls == []
    assert rig.wallet() == -4_00
    assert rig.notifier.kinds()[-1] is NoticeKind.CREDIT_EXHAUSTED
    assert "keep-power" in rig.notifier.notices[-1].message


def test_unreachable_meter_backs_off_is_reported_and_charged_when_back(tmp_path: Path) -> None:
    rig = Rig(tmp_path, POLICY)
    rig.load_wallet(100_00)
    rig.loop.poll_once()
    rig.meter.answering = False
    outcomes = []
    for _ in range(60):  # an hour of one-minute polls
        rig.clock.advance(minutes=1)
        outcomes.append(rig.loop.poll_once()[0])
    failed = [o for o in outcomes if o.outcome is Outcome.FAILED]
    waiting = [o for o in outcomes if o.outcome is Outcome.WAITING]
    assert len(failed) + len(waiting) == 60  # reported on every poll, never left out
    # 30 s, 1 min, 2, 4, 8, 16 min (+ up to 20 % jitter): about six tries in the hour
    assert 5 <= len(failed) <= 7
    gaps = [b.next_attempt - a.next_attempt for a, b in zip(failed, failed[1:], strict=False)]  # type: ignore[operator]
    assert all(later > earlier for earlier, later in zip(gaps, gaps[1:], strict=False))
    assert rig.notifier.kinds() == [NoticeKind.METER_UNREACHABLE]  # once, after 3 failures
    assert "3 times" in rig.notifier.notices[0].message
    assert "timeout" in failed[-1].message

    rig.meter.answering = True
    rig.clock.now = failed[-1].next_attempt  # type: ignore[assignment]
    back = rig.loop.poll_once()[0]
    assert back.outcome is Outcome.CHARGED
    assert rig.notifier.kinds()[-1] is NoticeKind.METER_BACK
    assert rig.loop.health(METER) == (0, None)
    # what was used while it was silent is charged now, nothing lost
    used_hours = (rig.clock.now - START).total_seconds() / 3600
    assert rig.wallet() == 100_00 - round(used_hours * 100)


def test_meter_without_driver_is_reported(tmp_path: Path) -> None:
    rig = Rig(tmp_path, POLICY)
    rig.loop.meters = {}
    [outcome] = rig.loop.poll_once()
    assert outcome.outcome is Outcome.NO_DRIVER
    assert "no driver" in outcome.message


def replace_policy(**changes: object) -> Policy:
    from dataclasses import replace

    return replace(POLICY, **changes)  # type: ignore[arg-type]


@pytest.fixture(autouse=True)
def _quiet_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("INFO", logger="kiosk.metering")
