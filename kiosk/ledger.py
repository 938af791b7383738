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
        query = select(Account).where(
            Account.kind == kind,
            Account.currency == currency,
            Account.tenant_id.is_(None) if tenant_id is None else Account.tenant_id == tenant_id,
            Account.name == name,
        )
        found = self.session.scalar(query)
        if found is None and self.session.get_bind().dialect.name == "postgresql":
            # Two transactions creating the same account at once: on SQLite BEGIN IMMEDIATE
            # serialises them, on PostgreSQL (READ COMMITTED) both would insert -- a unique
            # violation for a tenant's account, and a silent duplicate for a system account,
            # whose NULL tenant_id the unique constraint does not compare. The second creator
            # waits here until the first commits, then finds its row.
            key = f"prepay-kiosk account {kind.value} {currency} {tenant_id} {name}"
            self.session.execute(select(func.pg_advisory_xact_lock(func.hashtext(key))))
            found = self.session.scalar(query)
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
        """Where an order's money is, read off its UNDELIVERED entries: what came in (payment,
        cash, staff credit), what went out to the card, the wallet, fees and debt, and what was
        refunded; the rest is still pending."""
        rows = self.session.execute(
            select(LedgerEntry.kind, func.sum(LedgerEntry.amount))
            .join(Account, Account.id == LedgerEntry.account_id)
            .where(LedgerEntry.order_id == order_id, Account.kind == AccountKind.UNDELIVERED)
            .group_by(LedgerEntry.kind)
        ).all()
        sums = {kind: int(total) for kind, total in rows}
        paid = sum(
            sums.get(k, 0) for k in (EntryKind.PAYMENT, EntryKind.CASH, EntryKind.STAFF_CREDIT)
        )
        delivered = -sum(sums.get(k, 0) for k in DELIVERY_KINDS)
        refunded = -sums.get(EntryKind.REFUND, 0)
        return OrderMoney(paid, delivered, sum(sums.values()), refunded)

    def debt(self, tenant_id: int, currency: int) -> int:
        """What the tenant owes (DEBT balances are negative while owed)."""
        return max(0, -self.balance(self.account(AccountKind.DEBT, currency, tenant_id)))


#: entry kinds that take a top-up's money out of UNDELIVERED to where it was meant to go
DELIVERY_KINDS = (EntryKind.DELIVERY, EntryKind.WALLET_LOAD, EntryKind.FEE, EntryKind.DEBT_RECOVERY)
