"""Reading what the kiosks sent, for the administrator and the dashboard: a tenant's balances
summed over every kiosk's ledger entries, recent orders, notices, kiosks and how far each has
synced. Read-only; each function works in the caller's session."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.db.models import AuditRecord, KioskRow, LedgerRecord, NoticeRecord, OrderRecord


def balances(session: Session, tenant_id: int) -> list[tuple[str, int, int]]:
    """(account kind, currency, balance in minor units) of every account of the tenant, summed
    over the ledger entries of every kiosk. Each kiosk's entries balance, so the sums are what the
    tenant has on cards (on_card), in the wallet, undelivered, or owes (debt, negative)."""
    rows = session.execute(
        select(LedgerRecord.account_kind, LedgerRecord.currency, func.sum(LedgerRecord.amount))
        .where(LedgerRecord.tenant_id == tenant_id)
        .group_by(LedgerRecord.account_kind, LedgerRecord.currency)
        .order_by(LedgerRecord.account_kind, LedgerRecord.currency)
    ).all()
    return [(kind, int(currency), int(total or 0)) for kind, currency, total in rows]


def orders(
    session: Session,
    tenant_id: int | None = None,
    kiosk_id: str | None = None,
    limit: int = 50,
) -> Sequence[OrderRecord]:
    """The newest orders first, of one tenant or kiosk or all."""
    query = select(OrderRecord)
    if tenant_id is not None:
        query = query.where(OrderRecord.tenant_id == tenant_id)
    if kiosk_id is not None:
        query = query.where(OrderRecord.kiosk_id == kiosk_id)
    return session.scalars(
        query.order_by(OrderRecord.created_at.desc(), OrderRecord.id.desc()).limit(limit)
    ).all()


def notices(session: Session, limit: int = 50) -> Sequence[NoticeRecord]:
    return session.scalars(select(NoticeRecord).order_by(NoticeRecord.id.desc()).limit(limit)).all()


def kiosks(session: Session) -> Sequence[KioskRow]:
    return session.scalars(select(KioskRow).order_by(KioskRow.id)).all()


def audit(session: Session, kiosk_id: str | None = None, limit: int = 50) -> Sequence[AuditRecord]:
    """The kiosks' audit entries, newest first: staff actions, refusals, sync problems."""
    query = select(AuditRecord)
    if kiosk_id is not None:
        query = query.where(AuditRecord.kiosk_id == kiosk_id)
    return session.scalars(
        query.order_by(AuditRecord.at.desc(), AuditRecord.id.desc()).limit(limit)
    ).all()
