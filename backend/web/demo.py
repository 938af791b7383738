"""A believable building for the dashboard's pictures (:mod:`backend.screenshots`): five tenants
with card meters read every few days over the last month, today's top-ups, a meter running low, a
networked meter disconnected and reconnected, a blocked card, a tariff, and two kiosks -- one in
touch, one quiet with a message held beyond a gap.

Everything goes in the way it does in production: reference data through
:mod:`backend.reference`, the kiosks' messages through :func:`backend.ingest.push` (so notices
are raised as they would be), relative to now so that "today" is today.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from backend import ingest, kiosk_status, notify, reference
from backend.admin_schemas import CardIn, EnrolIn, MeterIn, SiteIn, TariffIn, TenantIn
from backend.db import Database
from backend.db.models import KioskRow
from backend.enrolment import enrol
from backend.secretbox import SecretBox
from backend.sync_schemas import Message, StatusReport
from backend.web.users import add_user
from kiosk.db.models.cards import CardRole, CardStatus
from kiosk.db.models.reference import MeterKind
from meters.notify import Notifier

SITE = 1
SHANGHAI = ZoneInfo("Asia/Shanghai")
EMAIL = "manager@harbourview.example"
CURRENCY = 156  # CNY
#: fen per kWh of the demo tariff (0.86 CNY)
PRICE = 86
TARIFF: dict[str, Any] = {
    "schema": 1,
    "code": "ELEC-STD",
    "version": 1,
    "name": "Standard electricity",
    "utility": "electricity",
    "currency": CURRENCY,
    "timezone": "Asia/Shanghai",
    "rate": {"kind": "flat", "price": "86"},
    "fees": [{"amount": 50, "basis": "per_topup", "label": "Service fee"}],
}


@dataclass(frozen=True)
class DemoTenant:
    id: int
    name: str
    unit: str
    kwh_per_day: int
    credit: int  # at the first reading, fen
    keep_power: bool = False


TENANTS = (
    DemoTenant(101, "Lotus Café", "G-02", 38, 700_00),
    DemoTenant(102, "Zhang & Partners Law", "8F", 21, 600_00),
    DemoTenant(103, "Blue Whale Studio", "12F", 12, 180_00),
    DemoTenant(104, "Northwind Clinic", "3F", 27, 900_00, keep_power=True),
    DemoTenant(105, "Sunrise Trading", "15F", 9, 320_00),
)


@dataclass
class _Outbox:
    """One kiosk's messages, numbered as its outbox numbers them."""

    kiosk_id: str
    messages: list[Message] = field(default_factory=list)
    ids: defaultdict[str, itertools.count[int]] = field(
        default_factory=lambda: defaultdict(lambda: itertools.count(1))
    )

    def add(self, kind: str, payload: dict[str, Any]) -> int:
        local_id = payload.setdefault("id", next(self.ids[kind]))
        seq = len(self.messages) + 1
        self.messages.append(
            Message(
                kiosk_id=self.kiosk_id,
                seq=seq,
                idempotency_key=f"{self.kiosk_id}-{seq}",
                kind=kind,  # type: ignore[arg-type]
                payload=payload,
            )
        )
        return int(local_id)

    def topup(self, tenant: int, uid: str, amount: int, at: dt.datetime, method: str) -> None:
        """A paid top-up delivered onto the tenant's card: the order and its ledger entries."""
        order_id = next(self.ids["order"])
        stamp = at.isoformat()
        self.add(
            "order",
            {
                "id": order_id,
                "out_trade_no": f"{self.kiosk_id}-{at.astimezone(SHANGHAI):%Y%m%d}-{order_id:06d}",
                "card_uid": uid,
                "tenant_id": tenant,
                "state": "done",
                "amount": amount,
                "currency": CURRENCY,
                "method": method,
                "paid_amount": amount,
                "paid_at": stamp,
                "created_at": stamp,
                "updated_at": stamp,
                "items": [{"kind": "meter_purchase", "amount": amount}],
            },
        )
        legs = (  # paid into the tenant's undelivered account, then delivered onto the card
            ("clearing", None, -amount, "payment"),
            ("undelivered", tenant, amount, "payment"),
            ("undelivered", tenant, -amount, "delivery"),
            ("on_card", tenant, amount, "delivery"),
        )
        for account, owner, value, kind in legs:
            self.add(
                "ledger_entry",
                {
                    "txn": f"{self.kiosk_id}-{kind}-{order_id}",
                    "amount": value,
                    "kind": kind,
                    "order_id": order_id,
                    "created_at": stamp,
                    "account": {"kind": account, "tenant_id": owner, "currency": CURRENCY},
                },
            )


def seed(db: Database, box: SecretBox, notifier: Notifier, password: str, low_credit: int) -> None:
    """Fill the (migrated, empty) ``db``; a manager ``EMAIL`` signs in with ``password``."""
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    with db.session() as s:
        add_user(s, EMAIL, "Mei Lin", password)
        _reference_data(s, box, now)

    lobby, car_park = _Outbox("K-LOBBY"), _Outbox("K-P2")
    for t in TENANTS:
        _month_of_readings(lobby, t, now)
    for tenant, amount, minutes_ago, method in TOPUPS_TODAY:
        lobby.topup(tenant, _uid(tenant), amount, now - dt.timedelta(minutes=minutes_ago), method)
    car_park.topup(104, _uid(104), 500_00, now - dt.timedelta(days=1, hours=3), "alipay")
    for closed, reason, hours_ago in ((False, "credit exhausted", 20), (True, "topped up", 18)):
        relay = {"meter_id": 206, "closed": closed, "reason": reason, "confirmed": True}
        lobby.add(
            "relay_command", {**relay, "at": (now - dt.timedelta(hours=hours_ago)).isoformat()}
        )
    notices = _push(db, lobby, lobby.messages, low_credit)
    # the car park kiosk: its second message was lost on the way, the third waits for it
    notices += _push(db, car_park, [m for m in car_park.messages if m.seq != 2], low_credit)
    notify.deliver(db, notifier, notices)
    with db.session() as s:  # as their signed requests would have left it
        for kiosk_id, ago in (
            ("K-LOBBY", dt.timedelta(seconds=40)),
            ("K-P2", dt.timedelta(hours=3)),
        ):
            row = s.get(KioskRow, kiosk_id)
            assert row is not None
            row.last_seen_at = now - ago
        # what each reported of itself at its last sync: the lobby all sent, its clock right; the
        # car park kiosk with three messages queued and a clock a minute and a half fast;
        # the lobby kiosk has pulled everything, the car park kiosk not the last two changes
        newest = reference.current_rev(s)
        for kiosk_id, ago, backlog, offset, cursor in (
            ("K-LOBBY", dt.timedelta(seconds=40), 0, -1, newest),
            ("K-P2", dt.timedelta(hours=3), 3, -94, newest - 2),
        ):
            at = now - ago
            oldest = at - dt.timedelta(minutes=20) if backlog else None
            kiosk_status.record(
                s,
                kiosk_id,
                StatusReport(at=at, backlog=backlog, oldest_unsent_at=oldest, last_seq=40,
                             clock_offset_s=offset, cursor=cursor, software="prepay-kiosk 0.1.0"),
            )  # fmt: skip
        for report in kiosk_status.reports(s).values():
            report.received_at = report.reported_at


#: (tenant, amount, minutes ago, how paid)
TOPUPS_TODAY = ((101, 200_00, 200, "wechat"), (105, 50_00, 95, "cash"),
                (102, 300_00, 40, "alipay"), (103, 100_00, 12, "wechat"))  # fmt: skip


def _reference_data(s: Session, box: SecretBox, now: dt.datetime) -> None:
    site = SiteIn(name="Harbour View Tower", timezone="Asia/Shanghai", currency=CURRENCY)
    reference.put_site(s, SITE, site)
    since = now - dt.timedelta(days=60)
    reference.publish_tariff(s, TariffIn(site_id=SITE, definition=TARIFF, valid_from=since))
    for t in TENANTS:
        tenant = TenantIn(site_id=SITE, name=t.name, unit=t.unit, keep_power=t.keep_power)
        reference.put_tenant(s, t.id, tenant)
        meter = _meter(t.id, MeterKind.CARD, f"{t.unit} main")
        reference.put_meter(s, t.id + 100, meter)
        card = CardIn(site_id=SITE, role=CardRole.METER, serial=t.id * 10, tenant_id=t.id,
                      meter_id=t.id + 100)  # fmt: skip
        reference.put_card(s, _uid(t.id), card)
    air = _meter(105, MeterKind.MODBUS, "15F air conditioning")
    reference.put_meter(s, 206, air)
    lost = CardIn(site_id=SITE, role=CardRole.WALLET, serial=1777, tenant_id=103)
    reference.put_card(s, "04c0ffee112233", lost)
    reference.set_card_status(s, "04c0ffee112233", CardStatus.BLACKLISTED, "reported lost")
    for kiosk_id, name in (("K-LOBBY", "Lobby"), ("K-P2", "Car park level 2")):
        enrol(s, box, EnrolIn(kiosk_id=kiosk_id, site_id=SITE, name=name), rotate=False)


def _meter(tenant_id: int, kind: MeterKind, label: str) -> MeterIn:
    return MeterIn(site_id=SITE, tenant_id=tenant_id, kind=kind, utility="electricity",
                   tariff_code="ELEC-STD", label=label)  # fmt: skip


def _month_of_readings(outbox: _Outbox, tenant: DemoTenant, now: dt.datetime) -> None:
    """A reading every three days for a month: consumption that varies from week to week, and the
    credit it costs (with one top-up loaded halfway through)."""
    wh, credit = 1_250_000 + tenant.id * 10_000, tenant.credit
    for n, days_ago in enumerate(range(30, -1, -3)):
        if n:
            used = tenant.kwh_per_day * 3 * 1000 * (8 + (n * 7 + tenant.id) % 5) // 10
            wh += used
            credit -= used * PRICE // 1000
        if n == 5:
            credit += 300_00
        at = (now - dt.timedelta(days=days_ago, hours=tenant.id % 7)).isoformat()
        outbox.add("meter_state", {"card_uid": _uid(tenant.id), "meter_id": tenant.id + 100,
                                   "meter_counter": n + 1, "at": at, "reading": wh,
                                   "credit": credit, "loaded_seq": 1 + (n >= 5),
                                   "recorded_at": at})  # fmt: skip


def _push(db: Database, outbox: _Outbox, messages: Sequence[Message], low_credit: int) -> list[int]:
    with db.session() as s:
        return ingest.push(s, outbox.kiosk_id, messages, low_credit).notice_ids


def _uid(tenant_id: int) -> str:
    return f"04a1{tenant_id:04d}b2c3d4"
