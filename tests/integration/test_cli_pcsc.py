"""The command line against the real PC/SC stack: an emulated card served to pcscd by
`prepay-kiosk emulator serve` in its own process, and `prepay-kiosk card …` talking to it through
pyscard, exactly as a technician would with a virtual reader."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from cardlib.reader.pcsc import PcscReader
from tests.integration.pcsc_stack import VPCD_READER

CLI = [sys.executable, "-m", "kiosk.cli"]


@pytest.fixture()
def config(tmp_path: Path) -> Path:
    path = tmp_path / "kiosk.toml"
    path.write_text(
        '[site]\nid = 5\ncurrency = 978\n\n[keys.1]\nsite = "'
        + "33" * 16
        + '"\nmeter = "'
        + "44" * 16
        + f'"\n\n[reader]\nspec = "pcsc:{VPCD_READER}"\n'
    )
    return path


def cli(config: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, "--config", str(config), *argv],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
    )


@pytest.mark.parametrize("kind", ["classic1k", "ntag213", "sle4442"])
def test_issue_credit_and_read_through_pcscd(pcscd, config: Path, tmp_path: Path, kind: str):
    card = tmp_path / "card.json"
    assert cli(config, "emulator", "new", "--kind", kind, "--file", str(card)).returncode == 0
    server = subprocess.Popen(
        [*CLI, "emulator", "serve", "--file", str(card)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
    )
    try:
        issued = cli(
            config,
            "card",
            "personalise",
            "--role",
            "wallet",
            "--serial",
            "77",
            "--tenant",
            "12",
            "--trace",
        )
        assert issued.returncode == 0, issued.stderr
        assert "Issued." in issued.stdout and "> FF" in issued.stdout  # traced through pcscd
        credited = cli(config, "card", "credit", "--amount", "20.00")
        assert credited.returncode == 0, credited.stderr
        assert "Credited 20.00 EUR" in credited.stdout
        read = cli(config, "card", "read")
        assert read.returncode == 0, read.stderr
        assert "Balance    20.00 EUR" in read.stdout
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=10)
        PcscReader(VPCD_READER).wait_for_removal(10)
    # the served card was saved on the way out: the balance is on it
    from cardlib.emulator import store
    from cardlib.reader.emulated import EmulatedReader
    from cardlib.service import CardService
    from kiosk import config as config_mod

    cfg = config_mod.load(config)
    with EmulatedReader(store.load(card)).connect() as conn:
        assert CardService(cfg.keys, cfg.site_id).read(conn).kiosk.value == 2000


def test_no_card_on_the_reader_is_said_plainly(pcscd, config: Path):
    result = cli(config, "card", "read", "--wait", "0.5")
    assert result.returncode == 2
    assert "No card on the reader" in result.stderr
