"""The kiosk process killed (SIGKILL, a real subprocess) at each step of a top-up, then started
again: money is conserved and the card holds exactly what was paid (DESIGN.md §5 invariant 3).

The kiosk runs `prepay-kiosk topup` against the payment simulator (in this test process, so it
survives the kill) and an emulated card kept in a file that is written after every command, as a
real card keeps what reached its EEPROM.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from sqlalchemy import select

from cardlib.emulator import store
from cardlib.reader.emulated import EmulatedReader
from cardlib.service import CardService
from kiosk.db import Database
from kiosk.db.models import Order
from kiosk.faults import ENV as CRASH_ENV
from kiosk.ledger import Ledger
from kiosk.payments.simulator.server import PaymentSimulator
from kiosk.topup.states import OrderState
from tests import cards

ROOT = Path(__file__).resolve().parents[2]
SECRET = "kill-test-secret"
AMOUNT = 30_00

#: where the process dies, and whether the phone had paid by then
CRASH_POINTS = {
    "amount_chosen": False,
    "order_created": False,  # committed, the provider not yet asked
    "paid": True,
    "write_pending": True,  # journaled, the card not yet written
    "card_written": True,  # written, not yet settled in the database
    "written": True,  # settled, no receipt yet
}


def kiosk(config: Path, *argv: str, crash: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop(CRASH_ENV, None)
    if crash:
        env[CRASH_ENV] = crash
    return subprocess.run(
        [sys.executable, "-m", "kiosk.cli", "--config", str(config), *argv],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


@pytest.fixture(scope="module")
def simulator():
    with PaymentSimulator(SECRET) as sim:
        yield sim


def setup_kiosk(tmp_path: Path, simulator: PaymentSimulator) -> tuple[Path, Path]:
    keys = cards.KEYS.get(1)
    config = tmp_path / "kiosk.toml"
    card_file = tmp_path / "card.json"
    config.write_text(
        f"[site]\nid = {cards.SITE_ID}\ncurrency = 156\n\n"
        f'[keys.1]\nsite = "{keys.site_master.hex()}"\nmeter = "{keys.meter_master.hex()}"\n\n'
        f'[reader]\nspec = "emulated:{card_file}"\n\n'
        f'[payments]\nprovider = "simulator"\nurl = "{simulator.url}"\nsecret = "{SECRET}"\n'
    )
    card = cards.classic_1k()
    with EmulatedReader(card).connect() as conn:
        CardService(cards.KEYS, cards.SITE_ID).personalise(conn, cards.WALLET)
    store.save(card, card_file)
    return config, card_file


def card_value(card_file: Path) -> int:
    with EmulatedReader(store.load(card_file)).connect() as conn:
        return CardService(cards.KEYS, cards.SITE_ID).read(conn).kiosk.value


def paid_at_simulator(simulator: PaymentSimulator, refs: list[str]) -> int:
    total = 0
    for ref in refs:
        r = requests.get(f"{simulator.url}/v1/orders/{ref}", timeout=5)
        if r.status_code == 200 and r.json()["status"] in ("paid", "refunded"):
            total += r.json()["amount"] - r.json().get("refunded", 0)
    return total


@pytest.mark.slow
@pytest.mark.parametrize("crash", list(CRASH_POINTS))
def test_killed_at_each_step_then_restarted(tmp_path: Path, simulator, crash: str):
    config, card_file = setup_kiosk(tmp_path, simulator)
    died = kiosk(config, "topup", "--amount", "30.00", crash=crash)
    assert died.returncode == -signal.SIGKILL, died.stdout + died.stderr

    restarted = kiosk(config, "recover")
    assert restarted.returncode == 0, restarted.stderr
    tapped = kiosk(config, "tap")  # the tenant taps the card again
    assert tapped.returncode == 0, tapped.stderr

    db = Database(f"sqlite:///{tmp_path / 'kiosk.db'}")
    with db.session() as s:
        orders = list(s.scalars(select(Order)))
        money = {o.out_trade_no: Ledger(s).order_money(o.id) for o in orders}
    paid = paid_at_simulator(simulator, list(money))
    assert all(m.conserved for m in money.values())
    assert sum(m.paid for m in money.values()) == paid  # credited exactly what the phone paid
    assert sum(m.pending for m in money.values()) == 0  # and none of it is left waiting
    assert card_value(card_file) == paid == (AMOUNT if CRASH_POINTS[crash] else 0)
    assert {o.state for o in orders} <= {OrderState.DONE, OrderState.CANCELLED}

    again = kiosk(config, "tap")  # a further tap delivers nothing twice
    assert again.returncode == 0 and "Delivered" not in again.stdout
    assert card_value(card_file) == paid
    db.dispose()


def test_a_clean_run_prints_every_step(tmp_path: Path, simulator):
    config, card_file = setup_kiosk(tmp_path, simulator)
    done = kiosk(config, "topup", "--amount", "30.00", "--trace")
    assert done.returncode == 0, done.stderr
    for text in (
        "Card read",
        "Amount chosen: 30.00 CNY",
        "scan to pay",
        "Paid (simulator",
        "Done. Receipt",
        "Balance    30.00 CNY",
        "> FF D6",
    ):
        assert text in done.stdout
    assert card_value(card_file) == AMOUNT
