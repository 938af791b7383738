"""Putting paid credit on the card: journal, write, settle, receipt; and judging journaled writes at
the next tap."""

from __future__ import annotations

import logging

from sqlalchemy import select

from cardlib.errors import CardError, CardRemovedError
from cardlib.service import PurseCard
from kiosk.db.models import (
    AccountKind,
    AuditEntry,
    CardWrite,
    EntryKind,
    ItemKind,
    Order,
    ReceiptRecord,
    WriteStatus,
)
from kiosk.faults import crash_point
from kiosk.ledger import Ledger
from kiosk.receipts.model import Receipt
from kiosk.topup import journal
from kiosk.topup.base import TopUpBase
from kiosk.topup.model import CardAwayError, Tap, TopUpError
from kiosk.topup.receipting import build_receipt, receipt_to_json
from kiosk.topup.states import OrderState
from kiosk.topup.transitions import move

log = logging.getLogger("kiosk.topup")
S = OrderState

#: where each kind of order item's money goes when the order is delivered
ITEM_POSTING = {
    ItemKind.CARD_CREDIT: (AccountKind.ON_CARD, EntryKind.DELIVERY),
    ItemKind.WALLET_LOAD: (AccountKind.WALLET, EntryKind.WALLET_LOAD),
    ItemKind.FEE: (AccountKind.REVENUE, EntryKind.FEE),
    ItemKind.DEBT_RECOVERY: (AccountKind.DEBT, EntryKind.DEBT_RECOVERY),
}


class Delivering(TopUpBase):
    # -- delivery ---------------------------------------------------------------------------------

    def deliver(self, order_id: int, purse: PurseCard) -> Order:
        """Write a paid order's credit onto the card: journal, write, settle, receipt."""
        order = self.order(order_id)
        if order.card_uid != purse.state.uid.hex():
            raise TopUpError("This is not the card the top-up was paid for.")
        if order.state not in (S.PAID, S.CREDIT_PENDING):
            return order
        card_amount = sum(i.amount for i in order.items if i.kind is ItemKind.CARD_CREDIT)
        plan = purse.plan_credit(card_amount) if card_amount else None
        with self.db.session() as s:
            order = self._get(s, order_id)
            move(s, order, S.WRITE_PENDING)
            if plan is not None:
                s.add(journal.to_row(plan, card_amount, order.id))
        crash_point("write_pending")
        if plan is not None:
            try:
                purse.apply(plan)
            except CardRemovedError as exc:
                raise CardAwayError(exc.message) from exc
            except CardError as exc:
                # the card refused mid-write: the journal row stays PENDING, the next tap judges
                raise CardAwayError(exc.message) from exc
        crash_point("card_written")
        self.settle_written(order_id)
        return self.order(order_id)

    def settle_written(self, order_id: int) -> None:
        with self.db.session() as s:
            order = self._get(s, order_id)
            for row in s.scalars(
                select(CardWrite).where(
                    CardWrite.order_id == order.id, CardWrite.status == WriteStatus.PENDING
                )
            ):
                row.status, row.settled_at = WriteStatus.COMMITTED, self.clock()
            ledger = Ledger(s)
            undelivered = ledger.account(AccountKind.UNDELIVERED, order.currency, order.tenant_id)
            for item in order.items:
                account_kind, entry_kind = ITEM_POSTING[item.kind]
                tenant = None if account_kind is AccountKind.REVENUE else order.tenant_id
                target = ledger.account(account_kind, order.currency, tenant)
                amount = item.amount
                if item.kind is ItemKind.DEBT_RECOVERY:
                    # never recover more than is owed now (a late-paid order quoted against a debt
                    # another order has repaid since): the rest stays the tenant's, as wallet credit
                    owed = (
                        0
                        if order.tenant_id is None
                        else ledger.debt(order.tenant_id, order.currency)
                    )
                    amount = min(amount, owed)
                    if item.amount > amount:
                        ledger.transfer(
                            EntryKind.WALLET_LOAD,
                            undelivered,
                            ledger.account(AccountKind.WALLET, order.currency, order.tenant_id),
                            item.amount - amount,
                            order.id,
                            "debt already repaid: kept as wallet credit",
                        )
                ledger.transfer(entry_kind, undelivered, target, amount, order.id, item.description)
            move(s, order, S.WRITTEN)
        crash_point("written")
        self._finish(order_id)

    def _finish(self, order_id: int) -> None:
        with self.db.session() as s:
            order = self._get(s, order_id)
            if order.state is not S.WRITTEN:
                return
            receipt = build_receipt(s, order, self.kiosk_id, self.cards.site_id)
            s.add(
                ReceiptRecord(
                    order_id=order.id, number=receipt.receipt_no, body=receipt_to_json(receipt)
                )
            )
            move(s, order, S.DONE)

    def receipt(self, order_id: int) -> Receipt:
        """The receipt of a finished order, as it was at the time of sale."""
        with self.db.session() as s:
            order = self._get(s, order_id)
            if order.state is not S.DONE:
                raise TopUpError("This top-up has not finished: there is no receipt yet.")
            return build_receipt(s, order, self.kiosk_id, self.cards.site_id)

    def abandon(self, order_id: int) -> Order:
        """The tenant left without the card coming back: the credit waits for the next tap."""
        with self.db.session() as s:
            order = self._get(s, order_id)
            if order.state in (S.PAID, S.WRITE_PENDING):
                move(s, order, S.CREDIT_PENDING, "the card did not come back")
        return self.order(order_id)

    # -- settling the journal at a tap ------------------------------------------------------------

    def _settle_journal(self, tap: Tap) -> None:
        uid = tap.uid
        with self.db.session() as s:
            rows = list(
                s.scalars(
                    select(CardWrite)
                    .where(CardWrite.uid == uid, CardWrite.status == WriteStatus.PENDING)
                    .order_by(CardWrite.id)
                )
            )
        for row in rows:
            plan = journal.to_plan(row)
            on_card = tap.purse.state.kiosk
            if on_card == plan.new:
                self._write_landed(row.id, row.order_id)
                if row.order_id is not None:
                    tap.delivered.append(self.order(row.order_id))
            elif on_card == plan.old:
                self._write_void(row.id, row.order_id)
            else:
                tap.in_doubt.append(row.id)
                with self.db.session() as s:
                    s.add(
                        AuditEntry(
                            actor="system",
                            action="card_write_in_doubt",
                            subject=uid,
                            detail={
                                "card_write": row.id,
                                "card_counter": on_card.counter,
                                "planned": [plan.old_counter, plan.new_counter],
                            },
                        )
                    )

    def _write_landed(self, row_id: int, order_id: int | None) -> None:
        """The card holds the journaled record: settle the order as written (also from
        CREDIT_PENDING, when the write left in doubt had landed after all)."""
        if order_id is None:
            return
        if self.order(order_id).state in (S.WRITE_PENDING, S.CREDIT_PENDING):
            self.settle_written(order_id)

    def _write_void(self, row_id: int, order_id: int | None) -> None:
        with self.db.session() as s:
            row = s.get(CardWrite, row_id)
            assert row is not None
            row.status, row.settled_at = WriteStatus.VOID, self.clock()
            if order_id is not None:
                order = self._get(s, order_id)
                if order.state is S.WRITE_PENDING:
                    move(s, order, S.CREDIT_PENDING, "the card never got the write")
