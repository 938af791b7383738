"""`make demo` until the touchscreen exists: the card walk-through on emulated cards, printed step
by step. It makes throw-away keys (never use them for real cards), issues a wallet, a meter and a
staff card, tops them up, pulls a card away in the middle of a write and finishes the job on the
next tap, and shows that a restored old copy of a card is refused."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from cardlib.apdu import Trace
from cardlib.crypto.keys import generate_demo_keys
from cardlib.emulator import store
from cardlib.emulator.base import EmulatedCard
from cardlib.emulator.tear import TearPlan
from cardlib.errors import CardError, CardRemovedError
from cardlib.purse.header import Role, Utility
from cardlib.reader.emulated import EmulatedReader
from cardlib.service import CardService, Issue
from kiosk import config as config_mod
from kiosk.card_counters import DbCounterStore
from kiosk.cli_describe import describe
from kiosk.db import Database
from kiosk.money import format_amount
from meters.cardmeter.store import new_state
from meters.cardmeter.virtual import VirtualCardMeter

SITE_ID = 1
CURRENCY = 156


def run(out: str) -> int:
    folder = Path(out)
    (folder / "cards").mkdir(parents=True, exist_ok=True)
    cfg_path = _write_config(folder)
    cfg = config_mod.load(cfg_path)
    db = Database(cfg.db_url)
    db.migrate()
    service = CardService(cfg.keys, cfg.site_id, DbCounterStore(db), cfg.current_key_version)
    step = _Stepper()

    step("Throw-away demo keys and a kiosk.toml", f"written to {cfg_path}")
    cards = {
        "wallet": ("classic1k", Issue(Role.WALLET, 1001, 7, currency=CURRENCY)),
        "meter": ("ntag215", Issue(Role.METER, 2001, 8, 42, Utility.ELECTRICITY, CURRENCY)),
        "staff": ("sle4442", Issue(Role.STAFF, 9001, 3, currency=CURRENCY)),
    }
    readers: dict[str, EmulatedReader] = {}
    held: dict[str, EmulatedCard] = {}  # the cards themselves: a reader lets go of a pulled card
    for name, (kind, issue) in cards.items():
        card = held[name] = store.new_card(kind)
        reader = EmulatedReader(card)
        readers[name] = reader
        with reader.connect() as conn:
            state = service.personalise(conn, issue)
        step(f"Issue a {name} card ({kind})", f"{conn.commands} commands\n{describe(state)}")

    wallet = readers["wallet"]
    with wallet.connect(Trace(keep=True)) as conn:
        purse = service.open(conn)
        read_cmds = conn.commands
        result = purse.credit(50_00)
    step(
        "Tenant taps the wallet card and tops up 50.00",
        f"read and verify: {read_cmds} commands; credit: {result.commands} commands\n"
        + describe(purse.state),
    )

    with wallet.connect() as conn:
        purse = service.open(conn)
        plan = purse.plan_debit(12_50)
        held["wallet"].arm_tear(TearPlan(after_commands=1))
        try:
            purse.apply(plan)
            torn = "the write finished before the card left"
        except CardRemovedError as exc:
            torn = exc.message
    step("A 12.50 coffee: the card is pulled away in the middle of the write", torn)

    wallet.insert(held["wallet"])
    with wallet.connect() as conn:
        purse = service.open(conn)
        before = format_amount(purse.state.kiosk.value, CURRENCY)
        result = purse.finish(plan)
    step(
        "The card comes back: the journaled write is finished, once",
        f"card held {before}; {'written now' if result.written else 'already done'}\n"
        + describe(purse.state),
    )

    meter = readers["meter"]
    with meter.connect() as conn:
        purse = service.open(conn)
        purse.credit(100_00)
        purse.credit(20_00)
    step(
        "Meter card: 100.00 bought, then 20.00 more before the meter saw it (merged)",
        describe(purse.state),
    )
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    card_meter = VirtualCardMeter(
        new_state(42, cfg.site_id, now, load_w=2_000, price_per_kwh=86), cfg.keys
    )
    with meter.connect() as conn:
        loaded = card_meter.insert(conn)
    card_meter.advance(dt.timedelta(hours=3))
    with meter.connect() as conn:
        card_meter.insert(conn)  # the card carries the meter's state back to the kiosk
    with meter.connect() as conn:
        state = service.read(conn)
    step(
        "The tenant inserts the card into the virtual meter: it loads the purchase, runs 3 hours "
        "at 2 kW (6 kWh at 0.86), and writes its state back",
        f"{loaded.message}\n" + describe(state),
    )

    copy = held["wallet"].dump()
    with wallet.connect() as conn:
        service.open(conn).debit(10_00)
    held["wallet"].restore(copy)
    wallet.insert(held["wallet"])
    try:
        with wallet.connect() as conn:
            service.read(conn)
        outcome = "accepted (this must not happen)"
    except CardError as exc:
        outcome = f"refused: {exc.message}"
    step("Someone restores an old copy of the wallet card onto it", outcome)

    for name, card in held.items():
        store.save(card, folder / "cards" / f"{name}.json")
    step(
        "Cards saved",
        f"try: prepay-kiosk --config {cfg_path} card read --reader emulated:"
        f"{folder / 'cards' / 'meter.json'}",
    )
    print("The touchscreen kiosk arrives with issue 5; this walk-through covers the card layer.")
    return 0


def ensure_demo_setup(folder: Path) -> Path:
    """The demo's kiosk.toml (throw-away keys) and an issued wallet card for `prepay-kiosk topup`,
    made once and reused: running the command again tops up the same card."""
    config_path = folder / "kiosk.toml"
    if not config_path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        _write_config(folder)
    card_path = folder / "cards" / "topup.json"
    if not card_path.exists():
        card_path.parent.mkdir(parents=True, exist_ok=True)
        cfg = config_mod.load(config_path)
        db = Database(cfg.db_url)
        db.migrate()
        service = CardService(cfg.keys, cfg.site_id, DbCounterStore(db), cfg.current_key_version)
        card = store.new_card("classic1k")
        with EmulatedReader(card).connect() as conn:
            service.personalise(conn, Issue(Role.WALLET, 1002, 7, currency=CURRENCY))
        store.save(card, card_path)
        db.dispose()
    return config_path


def _write_config(folder: Path) -> Path:
    keys = generate_demo_keys(1)
    path = folder / "kiosk.toml"
    path.write_text(
        "# Throw-away keys made by `prepay-kiosk demo`. Never issue real cards with them.\n"
        f"[site]\nid = {SITE_ID}\ncurrency = {CURRENCY}\nkey_version = 1\n\n"
        f'[keys.1]\nsite = "{keys.site_master.hex()}"\nmeter = "{keys.meter_master.hex()}"\n'
    )
    path.chmod(0o600)
    return path


class _Stepper:
    def __init__(self) -> None:
        self.n = 0

    def __call__(self, title: str, body: str) -> None:
        self.n += 1
        print(f"\n[{self.n}] {title}")
        for line in body.splitlines():
            print(f"    {line}")
