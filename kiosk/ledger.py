"""The ledger: every change of value is a balanced set of entries with a reason.

Balances are sums of entries and nothing is ever changed or deleted; a correction is a new
transaction. Where money sits for a top-up:

    paid          CLEARING(provider) -> UNDELIVERED(tenant)
    on the card   UNDELIVERED(tenant) -> ON_CARD(tenant)
    to the wallet UNDELIVERED(tenant) -> WALLET(tenant)
    refunded      UNDELIVERED(tenant) -> CLEARING(provider)

so for every order: paid = delivered + pending + refunded, where pending is what is still in
UNDELIVERED -- DESIGN.md §5 invariant 2, computed from the entries by :meth:`Ledger.order_money`.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kiosk.db.models import Account, AccountKind, EntryKind, LedgerEntry


class LedgerError(Exception):
    """An unbalanced or otherwise impossible posting: a bug, never a user's doing."""


@dataclass(frozen=True)
class OrderMoney:
    paid: int
    delivered: int
    pending: int
    refunded: int

    @property
    def conserved(self) -> bool:
        return self.paid == self.delivered + self.pending + self.refunded


class Ledger:
    def __init__(self, session: Session) -> None:
        self.session = session

    def account(
        self, kind: AccountKind, currency: int, tenant_id: int | None = None, name: str = ""
    ) -> Account:
        found = self.session.scalar(
            select(Account).where(
                Account.kind == kind,
                Account.currency == currency,
                Account.tenant_id.is_(None)
                if tenant_id is None
                else Account.tenant_id == tenant_id,
                Account.name == name,
            )
        )
        if found is None:
            found = Account(kind=kind, currency=currency, tenant_id=tenant_id, name=name)
            self.session.add(found)
            self.session.flush()
        return found

    def post(
        self,
        kind: EntryKind,
        legs: Sequence[tuple[Account, int]],
        order_id: int | None = None,
        memo: str = "",
    ) -> str:
        """Post one balanced transaction; return its id."""
        if sum(amount for _, amount in legs) != 0:
            raise LedgerError(f"unbalanced {kind.value} transaction: {legs}")
        if len({account.currency for account, _ in legs}) != 1:
            raise LedgerError("a transaction is in one currency")
        txn = str(uuid.uuid4())
        for account, amount in legs:
            if amount:
                self.session.add(
                    LedgerEntry(
                        txn=txn,
                        account_id=account.id,
                        amount=amount,
                        kind=kind,
                        order_id=order_id,
                        memo=memo[:255],
                    )
                )
        self.session.flush()
        return txn

    def transfer(
        self,
        kind: EntryKind,
        source: Account,
        target: Account,
        amount: int,
        order_id: int | None = None,
        memo: str = "",
    ) -> str:
        if amount < 0:
            raise LedgerError("a transfer moves a positive amount")
        return self.post(kind, [(source, -amount), (target, amount)], order_id, memo)

    def balance(self, account: Account) -> int:
        total = self.session.scalar(
            select(func.coalesce(func.sum(LedgerEntry.amount), 0)).where(
                LedgerEntry.account_id == account.id
            )
        )
        return int(total or 0)

    def order_money(self, order_id: int) -> OrderMoney:
        rows = self.session.execute(
            select(LedgerEntry.kind, Account.kind, func.sum(LedgerEntry.amount))
            .join(Account, Account.id == LedgerEntry.account_id)
            .where(LedgerEntry.order_id == order_id)
            .group_by(LedgerEntry.kind, Account.kind)
        ).all()
        sums = {(entry_kind, account_kind): int(total) for entry_kind, account_kind, total in rows}
        paid = (
            sums.get((EntryKind.PAYMENT, AccountKind.UNDELIVERED), 0)
            + sums.get((EntryKind.STAFF_CREDIT, AccountKind.UNDELIVERED), 0)
            + sums.get((EntryKind.CASH, AccountKind.UNDELIVERED), 0)
        )
        delivered = sums.get((EntryKind.DELIVERY, AccountKind.ON_CARD), 0) + sums.get(
            (EntryKind.WALLET_LOAD, AccountKind.WALLET), 0
        )
        refunded = -sums.get((EntryKind.REFUND, AccountKind.UNDELIVERED), 0)
        pending = sum(
            total
            for (_, account_kind), total in sums.items()
            if account_kind is AccountKind.UNDELIVERED
        )
        return OrderMoney(paid, delivered, pending, refunded)
