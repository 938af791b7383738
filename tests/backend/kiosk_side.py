"""A kiosk that syncs, for tests (tests/kiosk_env.py style): a migrated database that writes its
outbox under the kiosk id, the card service, an emulated reader with an issued card, the top-up
service over a given payment provider, and a Syncer talking to a backend URL."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from cardlib.emulator.base import EmulatedCard
from cardlib.reader.emulated import EmulatedReader
from cardlib.service import CardService, Issue
from kiosk.card_counters import DbCounterStore
from kiosk.db import Database
from kiosk.db.models import OutboxMessage, Site, Staff
from kiosk.payments.provider import PaymentProvider
from kiosk.sync import Syncer
from kiosk.sync_client import SyncClient
from kiosk.topup.service import Tap, TopUpService
from tests import cards

KIOSK_ID = "K1"


@dataclass
class SyncingKiosk:
    db: Database
    cards: CardService
    topup: TopUpService
    reader: EmulatedReader
    card: EmulatedCard
    client: SyncClient
    syncer: Syncer

    def tap(self) -> Tap:
        if not self.reader.card_present():
            self.reader.insert(self.card)
        return self.topup.tap(self.reader.connect())

    def cash_topup(self, amount: int) -> int:
        """Staff take cash and the card is credited at once: an order, ledger entries, a card
        write and an audit entry, all through the outbox. The order id."""
        tap = self.tap()
        order = self.topup.staff_credit(tap, amount, staff_id=1, reason="", cash=True)
        delivered = self.tap().delivered
        assert [o.id for o in delivered] == [order.id]
        return order.id

    def outbox(self) -> list[OutboxMessage]:
        with self.db.session() as s:
            return list(
                s.scalars(
                    select(OutboxMessage)
                    .where(OutboxMessage.kiosk_id == self.client.kiosk_id)
                    .order_by(OutboxMessage.seq)
                )
            )

    def unsent(self) -> list[int]:
        return [m.seq for m in self.outbox() if m.sent_at is None]

    def close(self) -> None:
        self.client.close()
        self.db.dispose()


def make_syncing_kiosk(
    tmp_path: Path,
    provider: PaymentProvider,
    backend_url: str,
    secret: str,
    kiosk_id: str = KIOSK_ID,
    issue: Issue = cards.WALLET,
    make_card: Callable[[], EmulatedCard] = cards.classic_1k,
    clock: Callable[[], float] = time.time,
) -> SyncingKiosk:
    tmp_path.mkdir(parents=True, exist_ok=True)
    db = Database(f"sqlite:///{tmp_path / 'kiosk.db'}", kiosk_id=kiosk_id)
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
    client = SyncClient(backend_url, kiosk_id, secret, timeout=5.0, clock=clock)
    syncer = Syncer(db, client, kiosk_id, cards.SITE_ID, batch=50)
    topup = TopUpService(db, service, provider, kiosk_id)
    return SyncingKiosk(db, service, topup, reader, card, client, syncer)


def reopen(kiosk: SyncingKiosk, db_file: Path) -> SyncingKiosk:
    """The same kiosk (its reader, card and backend) started again on the database ``db_file``:
    a restart, or a disk replaced and the backup put back."""
    kiosk.db.dispose()
    client, kiosk_id = kiosk.client, kiosk.client.kiosk_id
    db = Database(f"sqlite:///{db_file}", kiosk_id=kiosk_id)
    db.migrate()
    service = CardService(cards.KEYS, cards.SITE_ID, DbCounterStore(db))
    topup = TopUpService(db, service, kiosk.topup.provider, kiosk_id)
    syncer = Syncer(db, client, kiosk_id, cards.SITE_ID, batch=kiosk.syncer.batch)
    return SyncingKiosk(db, service, topup, kiosk.reader, kiosk.card, client, syncer)
