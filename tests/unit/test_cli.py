"""The prepay-kiosk command line, as a technician uses it, on emulated cards kept in files."""

from __future__ import annotations

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


def test_issue_credit_read_a_wallet_card(site: Path, tmp_path: Path, capsys) -> None:
    card = tmp_path / "wallet.json"
    assert run(capsys, "emulator", "new", "--kind", "classic1k", "--file", str(card))[0] == 0
    reader = f"emulated:{card}"
    base = ("--config", str(site))
    code, out, _ = run(
        capsys,
        *base,
        "card",
        "personalise",
        "--reader",
        reader,
        "--role",
        "wallet",
        "--serial",
        "1001",
        "--tenant",
        "7",
    )
    assert code == 0 and "Issued." in out
    code, out, _ = run(capsys, *base, "card", "credit", "--reader", reader, "--amount", "50.00")
    assert code == 0 and "Credited 50.00 CNY" in out
    code, out, _ = run(capsys, *base, "card", "debit", "--reader", reader, "--amount", "12.5")
    assert code == 0
    code, out, _ = run(capsys, *base, "card", "read", "--reader", reader)
    assert code == 0 and "Balance    37.50 CNY" in out


def test_trace_prints_every_command_with_keys_hidden(site: Path, tmp_path: Path, capsys) -> None:
    card = tmp_path / "c.json"
    run(capsys, "emulator", "new", "--kind", "classic1k", "--file", str(card))
    code, out, _ = run(
        capsys,
        "--config",
        str(site),
        "card",
        "personalise",
        "--trace",
        "--reader",
        f"emulated:{card}",
        "--role",
        "wallet",
        "--serial",
        "1",
        "--tenant",
        "1",
    )
    assert code == 0
    load_keys = [line for line in out.splitlines() if line.startswith("> FF 82")]
    assert load_keys, "LOAD KEY commands are traced"
    assert all(line.endswith("2A 2A 2A 2A 2A 2A") for line in load_keys), "key bytes are hidden"
    assert "> FF D6" in out and "< 90 00" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("card", "credit", "--amount", "10.005"), "more than 2 decimal places"),
        (("card", "credit", "--amount", "-3"), "more than zero"),
        (("card", "credit", "--amount", "ten"), "is not an amount"),
        (("card", "debit", "--amount", "1000"), "Not enough credit"),
    ],
)
def test_bad_amounts_are_refused_and_the_card_is_unchanged(site, tmp_path, capsys, argv, message):
    card = tmp_path / "w.json"
    run(capsys, "emulator", "new", "--kind", "ntag213", "--file", str(card))
    base = ("--config", str(site))
    reader = ("--reader", f"emulated:{card}")
    run(
        capsys,
        *base,
        "card",
        "personalise",
        *reader,
        "--role",
        "wallet",
        "--serial",
        "1",
        "--tenant",
        "1",
    )
    run(capsys, *base, "card", "credit", *reader, "--amount", "5")
    code, _, err = run(capsys, *base, *argv[:2], *reader, *argv[2:])
    assert code == 2 and message in err
    _, out, _ = run(capsys, *base, "card", "read", *reader)
    assert "Balance    5.00 CNY" in out


def test_missing_keys_stop_with_a_sentence_naming_the_setting(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("PREPAY_SITE_KEY", raising=False)
    monkeypatch.delenv("PREPAY_METER_KEY", raising=False)
    config = tmp_path / "kiosk.toml"
    config.write_text("[site]\nid = 5\n")
    code, _, err = run(capsys, "--config", str(config), "card", "read", "--reader", "emulated:x")
    assert code == 2 and "no master keys" in err and "[keys.1]" in err


def test_a_short_key_is_refused(tmp_path, capsys):
    config = tmp_path / "kiosk.toml"
    config.write_text('[site]\nid = 5\n[keys.1]\nsite = "1234"\nmeter = "' + "22" * 16 + '"\n')
    code, _, err = run(capsys, "--config", str(config), "card", "read", "--reader", "emulated:x")
    assert code == 2 and "Configuration error" in err


def test_no_configuration_file_says_where_it_looked(tmp_path, capsys):
    code, _, err = run(capsys, "--config", str(tmp_path / "nope.toml"), "card", "read")
    assert code == 2 and "No configuration file" in err


def test_a_missing_card_file_is_a_clear_error(site, tmp_path, capsys):
    code, _, err = run(
        capsys,
        "--config",
        str(site),
        "card",
        "read",
        "--reader",
        f"emulated:{tmp_path / 'none.json'}",
    )
    assert code == 2 and "No emulated card" in err


def test_an_unknown_reader_is_named(site, capsys):
    code, _, err = run(capsys, "--config", str(site), "card", "read", "--reader", "bluetooth")
    assert code == 2 and "Unknown reader 'bluetooth'" in err


def test_demo_runs_the_walk_through(tmp_path, capsys):
    code, out, _ = run(capsys, "demo", "--out", str(tmp_path / "demo"))
    assert code == 0
    assert "Balance    37.50 CNY" in out  # 50.00 topped up, a 12.50 write torn and finished once
    assert "NOT YET LOADED" in out and "refused: This card holds an old copy" in out
    assert (tmp_path / "demo" / "cards" / "meter.json").exists()
