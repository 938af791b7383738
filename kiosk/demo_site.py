"""The demo building: everything `make demo` runs on, made fresh in a folder, with no hardware.

Throw-away keys and a kiosk.toml; a SQLite database with a site, tenants, card meters on a
published tariff and a staff member with a PIN; emulated cards already personalised (two tenant
meter cards, a coworking wallet card, a staff card, a blank card for staff to issue) that a person
"taps" by putting them on the one emulated reader; a virtual card meter behind each meter card; the
payment simulator in process, which a phone "pays" through its control URL.

Qt-free on purpose: the demo control window (ui/demo) and the scripted walk-through both drive
this object, and so can a test.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import requests
from sqlalchemy import select

from cardlib.crypto.keys import generate_demo_keys
from cardlib.emulator import store
from cardlib.emulator.base import EmulatedCard
from cardlib.purse.header import Role, Utility
from cardlib.reader.emulated import EmulatedReader
from cardlib.service import Issue
from kiosk import config as config_mod
from kiosk.app import Kiosk, build
from kiosk.db.models import Card, CardRole, Meter, MeterKind, Order, Site, Staff, Tenant
from kiosk.tariff_store import publish
from kiosk.tariffs import FlatRate, ServiceFee, Tariff
from kiosk.tariffs import Utility as TariffUtility
from kiosk.topup.states import OrderState
from meters.cardmeter.store import new_state
from meters.cardmeter.virtual import InsertResult, VirtualCardMeter

SITE_ID = 1
CURRENCY = 156  # CNY
TIMEZONE = "Asia/Shanghai"
STAFF_ID = 9001
#: the demo staff PIN, printed by the demo; never a real one
STAFF_PIN = "246810"
PRICE_FEN_PER_KWH = 86


@dataclass
class DemoCard:
    name: str
    label: str  # what the demo window's button says
    card: EmulatedCard
    role: Role
    meter: VirtualCardMeter | None = None


@dataclass
class DemoSite:
    folder: Path
    config_path: Path
    kiosk: Kiosk
    reader: EmulatedReader
    cards: dict[str, DemoCard] = field(default_factory=dict)
    clock_offset: dt.timedelta = dt.timedelta(0)

    # -- what a person does at the demo control window -------------------------------------------

    def tap(self, name: str) -> None:
        """Put card ``name`` on the kiosk's reader (taking off whatever was there)."""
        self.reader.remove()
        self.reader.insert(self.cards[name].card)

    def remove(self) -> None:
        self.reader.remove()

    @property
    def on_reader(self) -> str | None:
        card = self.reader.card
        return next((n for n, c in self.cards.items() if c.card is card), None)

    def pending_payment(self) -> Order | None:
        """The order waiting for a phone to pay, if any."""
        with self.kiosk.db.session() as s:
            return s.scalar(
                select(Order)
                .where(Order.state == OrderState.ORDER_CREATED)
                .order_by(Order.id.desc())
                .limit(1)
            )

    def pay_pending(self) -> str | None:
        """Pay the waiting order as the tenant's phone would (the simulator's control URL); returns
        its reference, or None when nothing waits."""
        order = self.pending_payment()
        if order is None:
            return None
        base = getattr(self.kiosk.provider, "base_url", None)
        if not base:
            raise RuntimeError("The demo pays through the payment simulator only.")
        requests.post(
            f"{base}/control/{order.out_trade_no}/pay", json={}, timeout=5
        ).raise_for_status()
        return order.out_trade_no

    def insert_into_meter(self, name: str) -> InsertResult:
        """Take card ``name`` off the kiosk and insert it into its card meter."""
        demo = self.cards[name]
        if demo.meter is None:
            raise ValueError(f"The {demo.label} card has no meter.")
        if self.reader.card is demo.card:
            self.reader.remove()
        with EmulatedReader(demo.card).connect() as conn:
            return demo.meter.insert(conn)

    def let_time_pass(self, hours: float) -> None:
        """Every card meter runs ``hours`` at its load (credit runs down, alarms, relay)."""
        step = dt.timedelta(hours=hours)
        self.clock_offset += step
        for demo in self.cards.values():
            if demo.meter is not None:
                demo.meter.advance(step)

    def close(self) -> None:
        for name, demo in self.cards.items():
            store.save(demo.card, self.folder / "cards" / f"{name}.json")
        self.kiosk.close()


def build_demo_site(
    folder: Path | str,
    now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    set_pin: Callable[[Kiosk, int, str], None] | None = None,
) -> DemoSite:
    """A fresh demo building in ``folder`` (what was there is replaced). ``set_pin`` stores the
    staff PIN; by default admin mode's own (argon2id, audited)."""
    folder = Path(folder)
    if folder.exists():
        shutil.rmtree(folder)
    (folder / "cards").mkdir(parents=True)
    config_path = _write_config(folder)
    kiosk = build(config_mod.load(config_path))
    with kiosk.db.session() as s:
        site_row = s.get(Site, SITE_ID)
        assert site_row is not None  # build() made it
        site_row.name, site_row.timezone = "Demo Tower", TIMEZONE
        s.add(Tenant(id=1203, site_id=SITE_ID, name="Lumen Studio", unit="12-03"))
        s.add(Tenant(id=1507, site_id=SITE_ID, name="Harbor Legal", unit="15-07"))
        s.add(Tenant(id=2201, site_id=SITE_ID, name="Coworking member", unit="Hot desk"))
        s.add(Staff(id=STAFF_ID, site_id=SITE_ID, name="Demo Manager", role="manager"))
        for meter_no, tenant in ((42, 1203), (43, 1507)):
            s.add(
                Meter(
                    id=meter_no,
                    site_id=SITE_ID,
                    tenant_id=tenant,
                    kind=MeterKind.CARD,
                    utility="electricity",
                    tariff_code="ELEC",
                    label=f"Card meter {meter_no}",
                )
            )
        publish(
            s,
            Tariff(
                code="ELEC",
                version=1,
                name="Standard electricity",
                utility=TariffUtility.ELECTRICITY,
                currency=CURRENCY,
                timezone=TIMEZONE,
                rate=FlatRate(price=Decimal(PRICE_FEN_PER_KWH)),
                fees=(ServiceFee(amount=1_00),),
            ),
            created_by="demo",
        )
    (set_pin or _set_pin)(kiosk, STAFF_ID, STAFF_PIN)
    reader = EmulatedReader(None, name="Demo reader (emulated)")
    site = DemoSite(folder, config_path, kiosk, reader)
    start = now()
    plan: list[tuple[str, str, str, Issue, int | None, int]] = [
        (
            "elec_1203",
            "Lumen Studio 12-03 (meter card)",
            "ntag215",
            Issue(Role.METER, 5001, 1203, 42, Utility.ELECTRICITY, CURRENCY),
            42,
            1_500,
        ),
        (
            "elec_1507",
            "Harbor Legal 15-07 (meter card)",
            "classic1k",
            Issue(Role.METER, 5002, 1507, 43, Utility.ELECTRICITY, CURRENCY),
            43,
            3_000,
        ),
        (
            "wallet",
            "Coworking wallet card",
            "classic1k",
            Issue(Role.WALLET, 5003, 2201, currency=CURRENCY),
            None,
            0,
        ),
        (
            "staff",
            "Staff card (PIN " + STAFF_PIN + ")",
            "sle4442",
            Issue(Role.STAFF, 9001, STAFF_ID, currency=CURRENCY),
            None,
            0,
        ),
    ]
    for n, (name, label, kind, issue, meter_id, load_w) in enumerate(plan):
        card = store.new_card(kind, uid=_uid(kind, n))
        with EmulatedReader(card).connect() as conn:
            state = kiosk.cards.personalise(conn, issue)
        with kiosk.db.session() as s:
            s.add(
                Card(
                    uid=state.uid.hex(),
                    role=CardRole(issue.role.name.lower()),
                    serial=issue.card_serial,
                    site_id=SITE_ID,
                    # a staff card carries its staff id where a tenant card carries the tenant's
                    tenant_id=None if issue.role is Role.STAFF else issue.tenant_id,
                    staff_id=STAFF_ID if issue.role is Role.STAFF else None,
                    meter_id=meter_id,
                )
            )
        meter = None
        if meter_id is not None:
            meter = VirtualCardMeter(
                new_state(meter_id, SITE_ID, start, load_w=load_w, price_per_kwh=PRICE_FEN_PER_KWH),
                kiosk.config.keys,
            )
        site.cards[name] = DemoCard(name, label, card, issue.role, meter)
    site.cards["blank"] = DemoCard(
        "blank",
        "Blank card (to issue)",
        store.new_card("classic1k", uid=_uid("classic1k", 9)),
        Role.WALLET,
    )
    return site


def _set_pin(kiosk: Kiosk, staff_id: int, pin: str) -> None:
    from kiosk.admin.auth import StaffAuth

    StaffAuth(kiosk.db).set_pin(staff_id, pin, actor="demo")


def _uid(kind: str, n: int) -> bytes:
    # distinct, stable UIDs so a re-run demo shows the same cards
    digest = hashlib.sha256(f"prepay demo card {n}".encode()).digest()
    return b"\x04" + digest[:6] if kind.startswith("ntag") else digest[:4]


def _write_config(folder: Path) -> Path:
    keys = generate_demo_keys(1)
    path = folder / "kiosk.toml"
    path.write_text(
        "# Throw-away keys made by the demo. Never issue real cards with them.\n"
        f"[site]\nid = {SITE_ID}\ncurrency = {CURRENCY}\nkey_version = 1\n\n"
        f'[keys.1]\nsite = "{keys.site_master.hex()}"\nmeter = "{keys.meter_master.hex()}"\n\n'
        f'[database]\nurl = "sqlite:///{folder.resolve() / "kiosk.db"}"\n'
    )
    path.chmod(0o600)
    return path
