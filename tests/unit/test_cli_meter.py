"""`prepay-kiosk meter new|insert|run|status`: a virtual card meter driven from the command line
with an emulated card the kiosk's own `card` commands issued and credited."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kiosk.cli import main


@pytest.fixture()
def site(tmp_path: Path) -> Path:
    config = tmp_path / "kiosk.toml"
    config.write_text(
        '[site]\nid = 5\ncurrency = 156\n\n[keys.1]\nsite = "'
        + "11" * 16
        + '"\nmeter = "'
        + "22" * 16
        + '"\n'
    )
    return config


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def meter_card(capsys, site: Path, tmp_path: Path, meter_id: int = 42) -> tuple[str, tuple]:
    card = tmp_path / f"card{meter_id}.json"
    assert run(capsys, "emulator", "new", "--kind", "ntag213", "--file", str(card))[0] == 0
    base = ("--config", str(site))
    reader = f"emulated:{card}"
    code, out, err = run(
        capsys, *base, "card", "personalise", "--reader", reader, "--role", "meter",
        "--serial", "2001", "--tenant", "8", "--meter", str(meter_id),
    )  # fmt: skip
    assert code == 0, err
    return reader, base


def test_new_insert_run_status(site: Path, tmp_path: Path, capsys) -> None:
    reader, base = meter_card(capsys, site, tmp_path)
    meter = str(tmp_path / "meter.json")
    code, out, err = run(
        capsys, *base, "meter", "new", "--id", "42", "--file", meter, "--load-w", "1000",
        "--price", "1.00", "--start", "2026-11-24T12:00:00+00:00",
    )  # fmt: skip
    assert code == 0, err
    assert json.loads(Path(meter).read_text())["site_id"] == 5
    code, out, _ = run(capsys, *base, "meter", "status", "--file", meter)
    assert code == 0 and "credit 0.00" in out and "relay OPEN" in out

    assert run(capsys, *base, "card", "credit", "--reader", reader, "--amount", "3.00")[0] == 0
    code, out, err = run(capsys, *base, "meter", "insert", "--file", meter, "--reader", reader)
    assert code == 0, err
    assert "Loaded purchase 1: +3.00" in out and "credit 3.00" in out and "relay closed" in out
    code, out, _ = run(capsys, *base, "meter", "insert", "--file", meter, "--reader", reader)
    assert code == 0 and "loaded before" in out and "credit 3.00" in out

    code, out, _ = run(capsys, *base, "meter", "run", "--file", meter, "--hours", "5")
    assert code == 0 and "relay opened" in out and "credit 0.00" in out
    assert "register 3000 Wh" in out

    # the card shows the meter's state to the kiosk
    run(capsys, *base, "meter", "insert", "--file", meter, "--reader", reader)
    code, out, _ = run(capsys, *base, "card", "read", "--reader", reader)
    assert code == 0


def test_a_card_of_another_meter_is_refused(site: Path, tmp_path: Path, capsys) -> None:
    reader, base = meter_card(capsys, site, tmp_path, meter_id=43)
    meter = str(tmp_path / "meter.json")
    assert run(capsys, *base, "meter", "new", "--id", "42", "--file", meter)[0] == 0
    run(capsys, *base, "card", "credit", "--reader", reader, "--amount", "3.00")
    code, out, _ = run(capsys, *base, "meter", "insert", "--file", meter, "--reader", reader)
    assert code == 2 and "another meter" in out and "State written to the card" in out
    _, out, _ = run(capsys, *base, "meter", "status", "--file", meter)
    assert "credit 0.00" in out


def test_errors_are_reported(site: Path, tmp_path: Path, capsys) -> None:
    base = ("--config", str(site))
    code, _, err = run(capsys, *base, "meter", "status", "--file", str(tmp_path / "none.json"))
    assert code == 2 and "meter new" in err
    code, _, err = run(
        capsys, *base, "meter", "new", "--id", "42", "--file", str(tmp_path / "m.json"),
        "--friendly", "22-07:00x",
    )  # fmt: skip
    assert code == 2 and "Friendly hours" in err
