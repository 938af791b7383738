"""Admin mode for tests: a kiosk on SQLite with the real top-up service over the in-process
payment simulator, an emulated reader, two staff members with PINs and staff cards, and a clock
the test moves. The other test_admin_* modules import it; its own tests check the rig itself."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from argon2 import PasswordHasher
from sqlalchemy import func, select

from cardlib.emulator.base import EmulatedCard
from cardlib.reader.emulated import EmulatedReader
from cardlib.service import CardService
from kiosk.admin.auth import StaffSession
from kiosk.admin.issuing import TenantCardRequest
from kiosk.admin.service import AdminService
from kiosk.app import Kiosk
from kiosk.card_counters import DbCounterStore
from kiosk.config import Config
from kiosk.db import Database
from kiosk.db.models import (
    AuditEntry,
    CardRole,
    LedgerEntry,
    Meter,
    MeterKind,
    Site,
    Staff,
    Tenant,
)
from kiosk.payments.simulator.client import SimulatorProvider
from kiosk.payments.simulator.server import PaymentSimulator
from kiosk.topup.service import TopUpService
from kiosk.topup.states import OrderState
from tests import cards

SECRET = "admin-test-secret"
MANAGER, OPERATOR = 1, 2
PINS = {MANAGER: "5831", OPERATOR: "7395"}
#: argon2id at a low cost: the same algorithm and code path, a test suite that stays quick
FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


class Clock:
    """Real time at first (the ledger stamps entries with the real time), then moved by hand."""

    def __init__(self) -> None:
        self.now = dt.datetime.now(dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **kw: float) -> None:
        self.now += dt.timedelta(**kw)


@dataclass
class Rig:
    db: Database
    cards: CardService
    topup: TopUpService
    kiosk: Kiosk
    admin: AdminService
    reader: EmulatedReader
    clock: Clock
    simulator: PaymentSimulator
    staff_cards: dict[int, EmulatedCard]

    def put(self, card: EmulatedCard) -> None:
        """Put ``card`` on the reader (a fresh tap)."""
        self.reader.insert(card)

    def login(self, staff_id: int = MANAGER) -> StaffSession:
        self.put(self.staff_cards[staff_id])
        return self.admin.login(PINS[staff_id])

    def audit(self, action: str | None = None) -> list[AuditEntry]:
        with self.db.session() as s:
            query = select(AuditEntry).order_by(AuditEntry.id)
            if action is not None:
                query = query.where(AuditEntry.action == action)
            return list(s.scalars(query))

    def card_state(self, card: EmulatedCard):  # noqa: ANN201 - a CardState
        """What ``card`` holds, read by a fresh card service (no shared memory)."""
        self.put(card)
        with self.reader.connect() as conn:
            return CardService(cards.KEYS, cards.SITE_ID).read(conn)

    def ledger_sum(self) -> int:
        with self.db.session() as s:
            return int(s.scalar(select(func.coalesce(func.sum(LedgerEntry.amount), 0))))

    def pay_by_phone(self, card: EmulatedCard, amount: int) -> int:
        """A tenant top-up paid through the simulator and delivered onto ``card``; the order id."""
        self.put(card)
        tap = self.topup.tap(self.reader.connect())
        items, quoted = self.topup.items_for(tap, amount)
        order = self.topup.choose(tap, items, quoted=quoted)
        order = self.topup.request_payment(order.id)
        self.simulator.pay(order.out_trade_no)
        assert self.topup.check_payment(order.id).state is OrderState.PAID
        return self.topup.deliver(order.id, tap.purse).id

    def issue(self, card: EmulatedCard, request: TenantCardRequest) -> None:
        session = self.login(MANAGER)
        self.put(card)
        self.admin.issue_card(session, request)


@contextmanager
def admin_rig(tmp_path: Path, reader_present: bool = True) -> Iterator[Rig]:
    with PaymentSimulator(SECRET) as simulator:
        provider = SimulatorProvider(simulator.url, SECRET)
        db = Database(f"sqlite:///{tmp_path / 'kiosk.db'}")
        db.migrate()
        with db.session() as s:
            s.add(Site(id=cards.SITE_ID, name="Test Tower", timezone="Asia/Shanghai", currency=156))
            s.flush()
            s.add(Staff(id=MANAGER, site_id=cards.SITE_ID, name="Mia Manager", role="manager"))
            s.add(Staff(id=OPERATOR, site_id=cards.SITE_ID, name="Otto Operator", role="operator"))
        service = CardService(cards.KEYS, cards.SITE_ID, DbCounterStore(db))
        topup = TopUpService(db, service, provider, "K1")
        config = Config(
            site_id=cards.SITE_ID, keys=cards.KEYS, current_key_version=1, kiosk_id="K1"
        )
        kiosk = Kiosk(config, db, service, provider, topup)
        reader = EmulatedReader()
        clock = Clock()
        admin = AdminService(
            kiosk, reader if reader_present else None, clock=clock, hasher=FAST_HASHER
        )
        staff_cards: dict[int, EmulatedCard] = {}
        for staff_id, pin in PINS.items():
            admin.auth.set_pin(staff_id, pin, actor="test")
            card = cards.classic_1k(uid=bytes([0x5A, 0, 0, staff_id]))
            reader.insert(card)
            with reader.connect() as conn:
                admin.issuer.issue_staff(conn, staff_id, 9000 + staff_id, actor="test")
            staff_cards[staff_id] = card
        reader.remove()
        try:
            yield Rig(db, service, topup, kiosk, admin, reader, clock, simulator, staff_cards)
        finally:
            db.dispose()


def seed_meter(db: Database, meter_id: int = 42, tenant_id: int = 8) -> None:
    """Card meter ``meter_id`` of tenant ``tenant_id``, on a tariff code with no tariff: top-ups
    on its cards are plain amounts (no fee, no units)."""
    with db.session() as s:
        if s.get(Tenant, tenant_id) is None:
            s.add(Tenant(id=tenant_id, site_id=cards.SITE_ID, name=f"Unit {tenant_id}"))
            s.flush()
        s.add(
            Meter(
                id=meter_id,
                site_id=cards.SITE_ID,
                tenant_id=tenant_id,
                kind=MeterKind.CARD,
                utility="electricity",
                tariff_code="NONE",
            )
        )


WALLET_REQUEST = TenantCardRequest(
    role=CardRole.WALLET, serial=1001, tenant_id=7, tenant_name="Acme Ltd", unit="12F"
)
METER_REQUEST = TenantCardRequest(role=CardRole.METER, serial=2001, tenant_id=8, meter_id=42)


def test_the_rig_signs_in_both_staff_members(tmp_path):
    with admin_rig(tmp_path) as rig:
        manager, operator = rig.login(MANAGER), rig.login(OPERATOR)
        assert (manager.name, manager.role.value) == ("Mia Manager", "manager")
        assert (operator.name, operator.role.value) == ("Otto Operator", "operator")
        assert [e.actor for e in rig.audit("login_ok")] == ["staff:1", "staff:2"]
