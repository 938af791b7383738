"""What the overview of a building reads: each tenant's balances (summed over every kiosk's ledger
entries, in the site's currency), the newest reading and credit of their card meters, their
consumption over the last 30 days, who is low on credit, today's top-ups, the credit paid but not
yet on a card, and recent notices. Read-only; each function works in the caller's session.

A top-up is an order that was paid and is not being refunded (:data:`PAID_STATES`); "today" is the
site's local day, by the time it was paid.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.db.models import (
    KioskRow,
    LedgerRecord,
    MeterRow,
    MeterStateRecord,
    NoticeRecord,
    OrderRecord,
    SiteRow,
    TenantRow,
)
from backend.web import clock, readings
from kiosk.money import format_amount

#: orders whose money was taken and stays taken
PAID_STATES = ("paid", "write_pending", "written", "done", "credit_pending")
#: paid orders whose credit is not on the card yet, as the kiosk last reported them: it waits at
#: that kiosk for the card's next tap (DESIGN.md §5, invariant 2)
OWED_STATES = ("paid", "write_pending", "credit_pending")
#: owed orders listed at most (the count and the sum cover them all)
OWED_ROWS = 50
CONSUMPTION_DAYS = 30
#: today's top-ups listed at most (the count and the sum cover them all)
TOPUP_ROWS = 50


@dataclass(frozen=True)
class MeterLine:
    id: int
    utility: str
    label: str
    latest: MeterStateRecord | None
    used: int  # over the last CONSUMPTION_DAYS, Wh or litres


@dataclass
class TenantLine:
    id: int
    name: str
    unit: str
    #: account kind (wallet, on_card, undelivered, debt…) -> minor units, site currency
    balances: dict[str, int] = field(default_factory=dict)
    meters: list[MeterLine] = field(default_factory=list)
    #: why the tenant is on the low-balance list (sentences); empty: not low
    low: list[str] = field(default_factory=list)

    @property
    def meter_credit(self) -> int | None:
        """What the tenant's card meters had left at their newest readings."""
        known = [m.latest.credit for m in self.meters if m.latest is not None]
        return sum(known) if known else None

    def used(self, utility: str) -> int | None:
        values = [m.used for m in self.meters if m.utility == utility]
        return sum(values) if values else None


@dataclass(frozen=True)
class TopUp:
    paid_at: dt.datetime
    out_trade_no: str
    kiosk_id: str
    tenant_id: int | None
    tenant_name: str
    method: str
    state: str
    amount: int
    currency: int


@dataclass(frozen=True)
class TopUps:
    day: dt.date
    count: int
    total: int  # minor units, site currency
    rows: list[TopUp]


def tenant_lines(
    session: Session,
    site: SiteRow,
    low_credit: int,
    tenant_ids: Sequence[int] | None = None,
    now: dt.datetime | None = None,
) -> list[TenantLine]:
    """The site's tenants (or only ``tenant_ids``), by id, with their figures."""
    query = select(TenantRow).where(TenantRow.site_id == site.id, TenantRow.deleted.is_(False))
    if tenant_ids is not None:
        query = query.where(TenantRow.id.in_(tenant_ids))
    lines = {
        t.id: TenantLine(t.id, t.name, t.unit)
        for t in session.scalars(query.order_by(TenantRow.id))
    }
    if not lines:
        return []
    for tenant_id, kind, total in session.execute(
        select(LedgerRecord.tenant_id, LedgerRecord.account_kind, func.sum(LedgerRecord.amount))
        .where(LedgerRecord.tenant_id.in_(lines), LedgerRecord.currency == site.currency)
        .group_by(LedgerRecord.tenant_id, LedgerRecord.account_kind)
    ):
        if tenant_id is not None:
            lines[int(tenant_id)].balances[kind] = int(total or 0)
    meters = session.scalars(
        select(MeterRow)
        .where(MeterRow.tenant_id.in_(lines), MeterRow.deleted.is_(False))
        .order_by(MeterRow.id)
    ).all()
    ids = [m.id for m in meters]
    since = (now or clock.now()) - dt.timedelta(days=CONSUMPTION_DAYS)
    newest = readings.latest(session, ids)
    used = readings.consumption_since(session, ids, since)
    for meter in meters:
        assert meter.tenant_id is not None
        lines[meter.tenant_id].meters.append(
            MeterLine(
                meter.id, meter.utility, meter.label, newest.get(meter.id), used.get(meter.id, 0)
            )
        )
    for line in lines.values():
        line.low = _low_reasons(line, site, low_credit)
    return list(lines.values())


def _low_reasons(line: TenantLine, site: SiteRow, low_credit: int) -> list[str]:
    reasons = []
    for meter in line.meters:
        if meter.latest is not None and meter.latest.credit < low_credit:
            reasons.append(
                f"meter {meter.id} had {format_amount(meter.latest.credit, site.currency)} left "
                "at its last reading"
            )
    wallet = line.balances.get("wallet")
    if wallet is not None and wallet < low_credit:
        reasons.append(f"wallet at {format_amount(wallet, site.currency)}")
    return reasons


def topups_today(session: Session, site: SiteRow, now: dt.datetime | None = None) -> TopUps:
    day = clock.today(site, now)
    start, end = clock.day_bounds(site, day)
    paid_today = (
        OrderRecord.state.in_(PAID_STATES),
        OrderRecord.paid_at >= start,
        OrderRecord.paid_at < end,
        KioskRow.site_id == site.id,
    )
    count, total = _count_and_sum(session, *paid_today, OrderRecord.currency == site.currency)
    rows = _with_tenant_names(
        session,
        paid_today,
        (OrderRecord.paid_at.desc(), OrderRecord.id.desc()),
        TOPUP_ROWS,
    )
    return TopUps(
        day,
        count,
        total,
        [
            TopUp(
                order.paid_at or order.updated_at,
                order.out_trade_no,
                order.kiosk_id,
                order.tenant_id,
                name or "",
                order.method,
                order.state,
                order.paid_amount if order.paid_amount is not None else order.amount,
                order.currency,
            )
            for order, name in rows
        ],
    )


@dataclass(frozen=True)
class Owed:
    """A paid order whose credit waits at its kiosk for the card."""

    paid_at: dt.datetime
    kiosk_id: str
    tenant_id: int | None
    tenant_name: str
    card_uid: str
    state: str
    amount: int
    currency: int


@dataclass(frozen=True)
class OwedList:
    count: int
    total: int
    rows: list[Owed]


def owed(session: Session, site: SiteRow) -> OwedList:
    """The site's paid orders not yet on a card, oldest first: who should tap their card where."""
    where = (
        OrderRecord.state.in_(OWED_STATES),
        KioskRow.site_id == site.id,
        OrderRecord.currency == site.currency,
    )
    count, total = _count_and_sum(session, *where)
    rows = _with_tenant_names(session, where, (OrderRecord.updated_at, OrderRecord.id), OWED_ROWS)
    return OwedList(
        count,
        total,
        [
            Owed(
                order.paid_at or order.updated_at,
                order.kiosk_id,
                order.tenant_id,
                name or "",
                order.card_uid,
                order.state,
                order.paid_amount if order.paid_amount is not None else order.amount,
                order.currency,
            )
            for order, name in rows
        ],
    )


def _count_and_sum(session: Session, *where: Any) -> tuple[int, int]:
    """How many of the orders ``where`` picks (joined with their kiosk), and what was paid."""
    amount = func.coalesce(OrderRecord.paid_amount, OrderRecord.amount)
    count, total = session.execute(
        select(func.count(OrderRecord.id), func.sum(amount))
        .join(KioskRow, KioskRow.id == OrderRecord.kiosk_id)
        .where(*where)
    ).one()
    return int(count or 0), int(total or 0)


def _with_tenant_names(
    session: Session, where: Sequence[Any], order_by: Sequence[Any], limit: int
) -> list[Any]:
    """The orders ``where`` picks, each with its tenant's name (None: unknown tenant)."""
    return list(
        session.execute(
            select(OrderRecord, TenantRow.name)
            .join(KioskRow, KioskRow.id == OrderRecord.kiosk_id)
            .outerjoin(TenantRow, TenantRow.id == OrderRecord.tenant_id)
            .where(*where)
            .order_by(*order_by)
            .limit(limit)
        ).all()
    )


def notices(session: Session, site: SiteRow, limit: int = 10) -> list[NoticeRecord]:
    """The newest notices raised from what this site's kiosks sent."""
    return list(
        session.scalars(
            select(NoticeRecord)
            .join(KioskRow, KioskRow.id == NoticeRecord.kiosk_id)
            .where(KioskRow.site_id == site.id)
            .order_by(NoticeRecord.id.desc())
            .limit(limit)
        )
    )


def tenant_names(session: Session, ids: Sequence[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(
        session.execute(select(TenantRow.id, TenantRow.name).where(TenantRow.id.in_(ids))).all()
    )


def by_utility(lines: Sequence[TenantLine]) -> dict[str, int]:
    """The site's consumption over the last 30 days, per utility."""
    totals: dict[str, int] = defaultdict(int)
    for line in lines:
        for meter in line.meters:
            totals[meter.utility] += meter.used
    return dict(totals)
