"""Reference data on the command line: tariffs published as data, versioned, quoted; meters."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kiosk.cli import main

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "tariff-elec-std.json"


@pytest.fixture()
def config(tmp_path: Path) -> Path:
    path = tmp_path / "kiosk.toml"
    path.write_text(
        '[site]\nid = 5\n[keys.1]\nsite = "' + "11" * 16 + '"\nmeter = "' + "22" * 16 + '"\n'
    )
    return path


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_publish_list_and_quote_the_example_tariff(config, capsys):
    base = ("--config", str(config))
    code, out, _ = run(capsys, *base, "tariff", "publish", str(EXAMPLE))
    assert code == 0 and "Published ELEC-STD v1" in out
    code, out, _ = run(capsys, *base, "tariff", "list")
    assert "ELEC-STD v1  Standard electricity" in out
    code, out, _ = run(capsys, *base, "tariff", "quote", "ELEC-STD", "--amount", "100")
    # 0.50 fee, then 99.50 at 0.5283/kWh in the first block: 188,340 Wh, shown floored
    assert code == 0 and "100.00 CNY buys 188.3 kWh" in out and "fee 0.50 CNY" in out


def test_the_same_version_with_other_prices_is_refused(config, capsys, tmp_path):
    base = ("--config", str(config))
    run(capsys, *base, "tariff", "publish", str(EXAMPLE))
    changed = json.loads(EXAMPLE.read_text())
    changed["rate"]["blocks"][0]["price"] = "60.00"
    other = tmp_path / "changed.json"
    other.write_text(json.dumps(changed))
    code, _, err = run(capsys, *base, "tariff", "publish", str(other))
    assert code == 2 and "publish it as a new version" in err
    changed["version"] = 2
    other.write_text(json.dumps(changed))
    assert run(capsys, *base, "tariff", "publish", str(other))[0] == 0
    _, out, _ = run(capsys, *base, "tariff", "quote", "ELEC-STD", "--amount", "100")
    assert "ELEC-STD v2" in out  # the newest version in force


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"schema": 1}', "is missing"),
        ("not json", "cannot read"),
        (
            '{"schema": 1, "code": "X", "version": 1, "name": "x", "utility": "electricity", '
            '"currency": 156, "timezone": "UTC", "rate": {"kind": "flat", "price": 0.5}}',
            "price",
        ),
    ],
)
def test_bad_tariff_files_are_refused_with_the_field_named(
    config, capsys, tmp_path, content, message
):
    bad = tmp_path / "bad.json"
    bad.write_text(content)
    code, _, err = run(capsys, "--config", str(config), "tariff", "publish", str(bad))
    assert code == 2 and message in err
    _, out, _ = run(capsys, "--config", str(config), "tariff", "list")
    assert out == ""


def test_register_a_meter_for_a_tenant(config, capsys):
    code, out, _ = run(
        capsys,
        "--config",
        str(config),
        "meter",
        "register",
        "--id",
        "42",
        "--tenant",
        "8",
        "--tariff",
        "ELEC-STD",
    )
    assert code == 0 and "Meter 42 (electricity) of tenant 8 on tariff ELEC-STD" in out
