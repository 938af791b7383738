"""A kiosk for tests: a migrated database, the card service with the database's counter memory,
an emulated reader with an issued card, and the top-up service over a given payment provider."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from sqlalchemy.orm import Session

from cardlib.emulator.base import EmulatedCard
from cardlib.reader.emulated import EmulatedReader
from cardlib.service import CardService, Issue
from kiosk.card_counters import DbCounterStore
from kiosk.db import Database
from kiosk.db.models import AccountKind, EntryKind, Meter, MeterKind, Site, Staff, Tenant
from kiosk.ledger import Ledger
from kiosk.payments.provider import PaymentProvider
from kiosk.tariff_store import publish
from kiosk.tariffs import DebtRecovery, FlatRate, ServiceFee, Tariff, Utility
from kiosk.topup.service import Tap, TopUpService
from tests import cards

KIOSK_ID = "K1"


@dataclass
class Kiosk:
    db: Database
    cards: CardService
    topup: TopUpService
    reader: EmulatedReader
    card: EmulatedCard

    def tap(self) -> Tap:
        if not self.reader.card_present():
            self.reader.insert(self.card)
        return self.topup.tap(self.reader.connect())

    def card_value(self) -> int:
        """What the card holds, read by a fresh card service (no shared state)."""
        self.reader.insert(self.card)
        with self.reader.connect() as conn:
            fresh = CardService(cards.KEYS, cards.SITE_ID)
            return fresh.read(conn).kiosk.value


def make_kiosk(
    tmp_path: Path,
    provider: PaymentProvider,
    make_card: Callable[[], EmulatedCard] = cards.classic_1k,
    issue: Issue = cards.WALLET,
    db_url: str | None = None,
) -> Kiosk:
    tmp_path.mkdir(parents=True, exist_ok=True)
    db = Database(db_url or f"sqlite:///{tmp_path / 'kiosk.db'}")
    db.migrate()
    with db.session() as s:
        s.add(Site(id=cards.SITE_ID, name="Test Tower", timezone="Asia/Shanghai", currency=156))
        s.flush()
        s.add_all([Staff(id=n, site_id=cards.SITE_ID, name=f"staff {n}") for n in (1, 4)])
    service = CardService(cards.KEYS, cards.SITE_ID, DbCounterStore(db))
    card = make_card()
    reader = EmulatedReader(card)
    with reader.connect() as conn:
        service.personalise(conn, issue)
    return Kiosk(db, service, TopUpService(db, service, provider, KIOSK_ID), reader, card)


def seed_metered_tenant(session: Session, debt: int, valid_from: dt.datetime | None = None) -> None:
    """Tenant 8 with card meter 42 on tariff ELEC v1 (0.86 CNY/kWh, 1.00 fee per top-up, 10 % of
    each top-up to debt, at most 5.00), owing ``debt``."""
    session.add(Tenant(id=cards.METER.tenant_id, site_id=cards.SITE_ID, name="Unit 8"))
    session.add(
        Meter(
            id=cards.METER.meter_id,
            site_id=cards.SITE_ID,
            tenant_id=cards.METER.tenant_id,
            kind=MeterKind.CARD,
            utility="electricity",
            tariff_code="ELEC",
        )
    )
    publish(
        session,
        Tariff(
            code="ELEC",
            version=1,
            name="Standard",
            utility=Utility.ELECTRICITY,
            currency=156,
            timezone="Asia/Shanghai",
            rate=FlatRate(price=Decimal("86")),
            fees=(ServiceFee(amount=1_00),),
            debt_recovery=DebtRecovery(share_bp=1000, cap_per_topup=5_00),
        ),
        created_by="test",
        valid_from=valid_from,
    )
    ledger = Ledger(session)
    ledger.transfer(
        EntryKind.DEBT,
        ledger.account(AccountKind.DEBT, 156, cards.METER.tenant_id),
        ledger.account(AccountKind.REVENUE, 156),
        debt,
        memo="migrated",
    )
