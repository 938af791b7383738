"""The harness the tenant-session tests share (no tests of its own here): a real kiosk -- SQLite,
the card service over an emulated reader, the real TopUpService paying through the payment
simulator over HTTP on 127.0.0.1 with its signed notifications -- and a TenantSession on it with
injected clocks, so timeouts are reached by moving a clock, never by sleeping.

It lives beside the tests that use it (tests/unit/test_session_*.py) and is imported by them."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import requests
from sqlalchemy import select

from cardlib.emulator.base import EmulatedCard
from cardlib.purse.header import Role
from cardlib.reader.emulated import EmulatedReader
from cardlib.service import CardService, Issue
from kiosk.app import Kiosk
from kiosk.card_counters import DbCounterStore
from kiosk.config import Config, ReceiptsConfig
from kiosk.db import Database
from kiosk.db.base import utcnow
from kiosk.db.models import Card, CardRole, CardStatus, Order, Site, Staff, Tenant
from kiosk.ledger import Ledger, OrderMoney
from kiosk.payments.listener import NotificationListener
from kiosk.payments.simulator.client import SimulatorProvider
from kiosk.payments.simulator.server import PaymentSimulator
from kiosk.receipts.printer import ReceiptPrinter
from kiosk.session.tenant import TenantSession
from kiosk.session.views import Screen, View
from kiosk.topup.service import TopUpService
from meters.cardmeter.store import new_state
from meters.cardmeter.virtual import VirtualCardMeter
from tests import cards
from tests.kiosk_env import seed_metered_tenant

SECRET = "session-test-secret"
IDLE_S = 60.0
AWAY_S = 45.0
DAY = dt.timedelta(days=1)


class WallClock:
    """The session's wall clock: real now at the start (the simulator's payment windows are in
    real time), moved forward by the test."""

    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)


class Monotonic:
    def __init__(self) -> None:
        self.t = 1_000.0

    def __call__(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds


def wait_until(condition: Callable[[], bool], timeout: float = 10.0) -> bool:
    """For what happens on another thread (a notification): wait for it, do not time it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


@dataclass
class Env:
    kiosk: Kiosk
    simulator: PaymentSimulator
    reader: EmulatedReader
    card: EmulatedCard
    wall: WallClock
    mono: Monotonic
    session: TenantSession
    views: list[View] = field(default_factory=list)

    # -- the tenant's hand ------------------------------------------------------------------------

    def tap(self, card: EmulatedCard | None = None) -> View:
        self.reader.insert(card or self.card)
        return self.session.card_present()

    def pull(self) -> View:
        self.reader.remove()
        return self.session.card_removed()

    def to_amount(self, amount: str = "50") -> View:
        """Tap (when no card is on the reader), open the amount screen and type ``amount``."""
        if self.session.view.screen is Screen.ATTRACT:
            self.tap()
        self.session.start_amount()
        return self.session.preview(amount)

    def to_paying(self, amount: str = "50") -> View:
        self.to_amount(amount)
        view = self.session.choose()
        assert view.screen is Screen.PAYING, view
        return view

    # -- the phone and the provider ---------------------------------------------------------------

    def pay(self, reference: str, late: bool = False) -> None:
        """Pay as the phone would, through the simulator's control URL."""
        r = requests.post(
            f"{self.simulator.url}/control/{reference}/pay", json={"late": late}, timeout=5
        )
        r.raise_for_status()

    def settings(self, **changes: object) -> None:
        r = requests.post(f"{self.simulator.url}/control/settings", json=changes, timeout=5)
        r.raise_for_status()

    # -- what really happened ---------------------------------------------------------------------

    def order(self, reference: str) -> Order:
        with self.kiosk.db.session() as s:
            order = s.scalar(select(Order).where(Order.out_trade_no == reference))
            assert order is not None
            return order

    def money(self, reference: str) -> OrderMoney:
        order_id = self.order(reference).id
        with self.kiosk.db.session() as s:
            return Ledger(s).order_money(order_id)

    def card_value(self, card: EmulatedCard | None = None) -> int:
        """What the card holds, read on a reader of its own by a fresh card service."""
        with EmulatedReader(card or self.card).connect() as conn:
            return CardService(cards.KEYS, cards.SITE_ID).read(conn).kiosk.value

    def staff_cash(self, amount: int) -> None:
        """Staff take cash and credit the card (counts towards today's limit), card left off."""
        self.reader.insert(self.card)
        topup = self.kiosk.topup
        tap = topup.tap(self.reader.connect())
        order = topup.staff_credit(tap, amount, staff_id=1, reason="cash", cash=True)
        topup.deliver(order.id, tap.purse)
        tap.purse.connection.disconnect()
        self.reader.remove()

    def blacklist(self, card: EmulatedCard | None = None) -> None:
        uid = (card or self.card).uid.hex()  # type: ignore[attr-defined]
        with self.kiosk.db.session() as s:
            s.add(
                Card(
                    uid=uid,
                    role=CardRole.WALLET,
                    serial=cards.WALLET.card_serial,
                    site_id=cards.SITE_ID,
                    status=CardStatus.BLACKLISTED,
                )
            )

    # -- the meter in the tenant's unit -----------------------------------------------------------

    def meter(self, meter_id: int = cards.METER.meter_id, load_w: int = 1000) -> VirtualCardMeter:
        return VirtualCardMeter(
            new_state(meter_id, cards.SITE_ID, self.wall.now, load_w=load_w, price_per_kwh=86),
            cards.KEYS,
        )

    def insert_into(self, meter: VirtualCardMeter) -> None:
        """The tenant takes the card off the kiosk and puts it in the meter."""
        if self.reader.card is not None:
            self.pull()
        with EmulatedReader(self.card).connect() as conn:
            meter.insert(conn)


def issue(card: EmulatedCard, what: Issue, site_id: int = cards.SITE_ID) -> EmulatedCard:
    with EmulatedReader(card).connect() as conn:
        CardService(cards.KEYS, site_id).personalise(conn, what)
    return card


@contextmanager
def session_env(
    tmp_path: Path,
    *,
    card: Issue = cards.WALLET,
    make_card: Callable[[], EmulatedCard] = cards.classic_1k,
    debt: int = 0,
    printer: ReceiptPrinter | None = None,
    receipts: ReceiptsConfig | None = None,
    presets: tuple[int, ...] = (20_00, 50_00, 100_00, 200_00),
) -> Iterator[Env]:
    """A kiosk with one issued card (off the reader) and a session in ATTRACT. A meter card's
    tenant 8 has card meter 42 on tariff ELEC (0.86 CNY/kWh, 1.00 fee, 10 % to ``debt``)."""
    wall, mono = WallClock(), Monotonic()
    tmp_path.mkdir(parents=True, exist_ok=True)
    with PaymentSimulator(SECRET) as simulator:
        config = Config(
            site_id=cards.SITE_ID,
            keys=cards.KEYS,
            current_key_version=1,
            state_dir=tmp_path,
            receipts=receipts or ReceiptsConfig(),
        )
        db = Database(config.db_url)
        db.migrate()
        with db.session() as s:
            s.add(Site(id=cards.SITE_ID, name="Test Tower", timezone="Asia/Shanghai", currency=156))
            s.flush()
            s.add(Staff(id=1, site_id=cards.SITE_ID, name="Duty manager"))
            s.add(Staff(id=cards.STAFF.tenant_id, site_id=cards.SITE_ID, name="Mei Chen"))
            s.add(Tenant(id=cards.WALLET.tenant_id, site_id=cards.SITE_ID, name="Acme", unit="12A"))
            if card.role is Role.METER:
                seed_metered_tenant(s, debt, valid_from=wall.now - DAY)
        service = CardService(cards.KEYS, cards.SITE_ID, DbCounterStore(db))
        emulated = issue(make_card(), card)
        provider = SimulatorProvider(simulator.url, SECRET)
        topup = TopUpService(db, service, provider, "K1")
        listener = NotificationListener(
            provider, lambda n: topup.mark_paid(n.state, "notification", n.event_id)
        )
        with listener:
            topup.provider = SimulatorProvider(simulator.url, SECRET, notify_url=listener.url)
            kiosk = Kiosk(config, db, service, topup.provider, topup)
            reader = EmulatedReader()
            session = TenantSession(
                kiosk,
                reader,
                clock=wall,
                monotonic=mono,
                idle_timeout=IDLE_S,
                card_away_timeout=AWAY_S,
                presets=presets,
                printer=printer,
            )
            try:
                yield Env(kiosk, simulator, reader, emulated, wall, mono, session)
            finally:
                session.close()
                db.dispose()
