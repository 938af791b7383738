"""The [control] configuration (errors name the field), the control loop's composition, and the
card meter charging by the kiosk's tariff. `control run` itself runs against the Modbus simulator
in tests/integration/test_control_modbus.py."""

from __future__ import annotations

import argparse
import datetime as dt
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest

from kiosk import app, cli_meter
from kiosk import config as config_mod
from kiosk.cli import main
from kiosk.db.models import Meter
from kiosk.tariff_store import publish
from kiosk.tariffs import FlatRate, Tariff, Utility
from meters.cardmeter import new_state
from meters.notify import FanOut, LogNotifier, WebhookNotifier

KEYS = '[site]\nid = 5\n[keys.1]\nsite = "' + "11" * 16 + '"\nmeter = "' + "22" * 16 + '"\n'
CONTROL = """
[control]
poll_interval_s = 15
report_after = 4
[[control.meters]]
id = 1001
address = "tcp://10.0.0.5:502/17"
profile = "dds238"
[control.policy]
low = "20.00"
very_low = 5
emergency = "3.50"
reconnect = "1.00"
friendly = ["18:00-08:00"]
timezone = "Asia/Shanghai"
holidays = [2026-10-01, "2026-10-02"]
[control.notify]
log = true
webhook = { url = "https://ops.example/hook" }
"""


def load(text: str) -> config_mod.Config:
    import tomllib

    return config_mod.from_mapping(tomllib.loads(KEYS + text), source="kiosk.toml")


def test_the_control_section(monkeypatch):
    monkeypatch.setenv("PREPAY_NOTIFY_WEBHOOK_SECRET", "s3cret")
    c = load(CONTROL).control
    assert c.poll_interval_s == 15 and c.report_after == 4
    assert [(m.id, m.address, m.profile) for m in c.meters] == [
        (1001, "tcp://10.0.0.5:502/17", "dds238")
    ]
    p = c.policy
    assert (p.low, p.very_low, p.emergency, p.reconnect) == (20_00, 5_00, 3_50, 1_00)
    assert p.friendly == [(dt.time(18), dt.time(8))]
    assert p.holidays == [dt.date(2026, 10, 1), dt.date(2026, 10, 2)]
    assert c.notify.webhook_secret == "s3cret"
    policy = app.control_policy(load(CONTROL))
    assert policy.emergency_credit == 3_50 and policy.timezone == "Asia/Shanghai"
    notifier = app.control_notifier(load(CONTROL))
    assert isinstance(notifier, FanOut)
    assert [type(n) for n in notifier.notifiers] == [LogNotifier, WebhookNotifier]


def test_no_control_section_means_defaults():
    c = load("").control
    assert c.meters == [] and c.notify.log and c.policy.low == 20_00


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[control]\npoll_interval_s = 0\n", "[control] poll_interval_s"),
        ("[control]\npol_interval_s = 5\n", "unknown setting [control] 'pol_interval_s'"),
        ('[[control.meters]]\nid = 1\naddress = "10.0.0.5:502"\nprofile = "dds238"\n', "address"),
        ('[[control.meters]]\nid = 1\naddress = "tcp://h:502/1"\nprofile = "xx9"\n', "profile"),
        ('[[control.meters]]\naddress = "tcp://h:502/1"\nprofile = "dds238"\n', "id is missing"),
        ('[control.policy]\nlow = "2.001"\n', "[control.policy] low"),
        ('[control.policy]\nemergency = "-1"\n', "[control.policy] emergency"),
        ('[control.policy]\nfriendly = ["18-08"]\n', "[control.policy] friendly"),
        ('[control.policy]\ntimezone = "Mars/Base"\n', "[control.policy] timezone"),
        ('[control.policy]\nholidays = ["1 Oct"]\n', "[control.policy] holidays"),
        ('[control.policy]\nlow = "1.00"\nvery_low = "2.00"\n', "very_low"),
        ('[control.notify.smtp]\nhost = "mail"\nfrom = "k@x"\n', "[control.notify.smtp] to"),
        ('[control.notify.webhook]\nurl = "https://x/hook"\n', "PREPAY_NOTIFY_WEBHOOK_SECRET"),
    ],
)
def test_mistakes_name_the_field(text, message, monkeypatch):
    monkeypatch.delenv("PREPAY_NOTIFY_WEBHOOK_SECRET", raising=False)
    with pytest.raises(config_mod.ConfigError) as err:
        load(text)
    assert message in str(err.value)


def test_build_control_loop_takes_config_and_registered_meters(tmp_path: Path, capsys):
    config = tmp_path / "kiosk.toml"
    config.write_text(KEYS + CONTROL.replace('webhook = { url = "https://ops.example/hook" }', ""))
    base = ["--config", str(config), "meter", "register", "--tenant", "7", "--tariff", "ELEC"]
    assert main([*base, "--id", "1001", "--kind", "modbus",
                 "--address", "tcp://10.0.0.5:502/17", "--profile", "dds238"]) == 0  # fmt: skip
    assert main([*base, "--id", "1002", "--kind", "modbus",
                 "--address", "tcp://10.0.0.6:502/3", "--profile", "sdm120"]) == 0  # fmt: skip
    assert main([*base, "--id", "1003", "--address", "tcp://h:502/1"]) == 2  # not --kind modbus
    assert main([*base, "--id", "1004", "--kind", "modbus", "--profile", "dds238"]) == 2
    err = capsys.readouterr().err
    assert "--address and --profile are for --kind modbus" in err and "needs --address" in err
    kiosk = app.build(config_mod.load(config))
    try:
        loop = app.build_control_loop(kiosk)
        assert sorted(loop.meters) == [1001, 1002]
        assert loop.meters[1002].address == "tcp://10.0.0.6:502/3"  # from the database
        assert loop.meters[1002].profile.name == "sdm120"
        assert loop.report_after == 4
        with kiosk.db.session() as s:
            assert s.get(Meter, 1001).label == "modbus dds238 tcp://10.0.0.5:502/17"
    finally:
        kiosk.close()


def test_a_card_meter_charges_by_the_kiosk_tariff(tmp_path: Path, capsys):
    config = tmp_path / "kiosk.toml"
    config.write_text(KEYS)
    assert main(["--config", str(config), "meter", "register", "--id", "42", "--tenant", "8",
                 "--tariff", "ELEC"]) == 0  # fmt: skip
    start = dt.datetime(2026, 11, 25, 9, tzinfo=dt.UTC)
    state = new_state(42, 5, start, price_per_kwh=86)
    args = argparse.Namespace(config=str(config))
    assert cli_meter._tariff_cost(args, state) is None  # no tariff in force: the meter's price
    kiosk = app.build(config_mod.load(config))
    try:
        with kiosk.db.session() as s:
            tariff = Tariff(
                "ELEC", 1, "Electricity", Utility.ELECTRICITY, 156, "UTC", FlatRate(Decimal("100"))
            )
            publish(s, tariff, "test", valid_from=start - dt.timedelta(days=1))
    finally:
        kiosk.close()
    cost = cli_meter._tariff_cost(args, state)
    assert cost is not None
    end = start + dt.timedelta(minutes=1)
    assert cost(1000, start, end) == 100  # 1 kWh at 1.00 (not the meter's 0.86)
    assert cost(15, start, end) == 1 and state.cost_carry == Fraction(1, 2)
    assert cost(5, start, end) == 1 and state.cost_carry == 0  # fractions carried, not lost
    other = new_state(43, 5, start)  # not registered in the kiosk database
    assert cli_meter._tariff_cost(args, other) is None
