"""What staff do with money: credit without a QR payment (goodwill, cash), and refunds."""

from __future__ import annotations

from sqlalchemy import func, select

from kiosk.db.models import (
    AccountKind,
    AuditEntry,
    CardWrite,
    EntryKind,
    ItemKind,
    Order,
    WriteStatus,
)
from kiosk.faults import crash_point
from kiosk.ledger import Ledger
from kiosk.topup.choosing import Choosing
from kiosk.topup.model import Item, Tap, TopUpError
from kiosk.topup.states import OrderState
from kiosk.topup.transitions import move

S = OrderState


class StaffActions(Choosing):
    # -- without a payment provider: staff credit and cash ----------------------------------------

    def staff_credit(
        self, tap: Tap, amount: int, staff_id: int, reason: str, cash: bool = False
    ) -> Order:
        """Credit without a QR payment: goodwill/correction (audited, with a reason) or cash taken
        by staff. It is PAID at once and delivered like any other order."""
        if not reason.strip() and not cash:
            raise TopUpError("A credit without payment needs a reason.")
        method = "cash" if cash else "staff"
        order = self.choose(
            tap, [Item(ItemKind.CARD_CREDIT, amount, reason or "cash top-up")], method
        )
        with self.db.session() as s:
            order = self._get(s, order.id)
            order.staff_id, order.reason = staff_id, reason[:255]
            move(s, order, S.PAID, method)
            order.paid_amount, order.paid_at = order.amount, self.clock()
            ledger = Ledger(s)
            source = (
                ledger.account(AccountKind.CLEARING, order.currency, name="cash")
                if cash
                else ledger.account(AccountKind.GOODWILL, order.currency, name="staff")
            )
            ledger.transfer(
                EntryKind.CASH if cash else EntryKind.STAFF_CREDIT,
                source,
                ledger.account(AccountKind.UNDELIVERED, order.currency, order.tenant_id),
                order.amount,
                order.id,
                reason,
            )
            s.add(
                AuditEntry(
                    actor=f"staff:{staff_id}",
                    action=f"{method}_credit",
                    subject=order.out_trade_no,
                    detail={"amount": amount, "reason": reason, "card": tap.uid},
                )
            )
        return self.order(order.id)

    # -- refunds --------------------------------------------------------------------------------

    def refund(self, order_id: int, staff_id: int, reason: str) -> Order:
        """Give back a paid order whose credit never reached a card.

        A write the card may already hold (a PENDING journal row) is settled by tapping the card
        first: refunding it blind could pay the tenant twice. REFUND_PENDING is committed before
        the provider is asked, so a tap never delivers an order whose refund may be under way, and
        recovery finishes it under the same refund number (idempotent at the provider).
        """
        if not reason.strip():
            raise TopUpError("A refund needs a reason.")
        order = self.order(order_id)
        if order.state not in (S.PAID, S.CREDIT_PENDING, S.REFUND_PENDING):
            raise TopUpError(
                f"Only paid top-ups not yet on a card can be refunded (this one is "
                f"{order.state.value.replace('_', ' ')})."
            )
        with self.db.session() as s:
            order = self._get(s, order_id)
            in_doubt = s.scalar(
                select(func.count())
                .select_from(CardWrite)
                .where(CardWrite.order_id == order_id, CardWrite.status == WriteStatus.PENDING)
            )
            if in_doubt:
                raise TopUpError("The card may already hold this credit: tap the card first.")
            if order.state is not S.REFUND_PENDING:
                move(s, order, S.REFUND_PENDING, reason)
                s.add(
                    AuditEntry(
                        actor=f"staff:{staff_id}",
                        action="refund_requested",
                        subject=order.out_trade_no,
                        detail={
                            "amount": Ledger(s).order_money(order_id).pending,
                            "reason": reason,
                        },
                    )
                )
        return self.finish_refund(order_id, f"staff:{staff_id}", reason)

    def finish_refund(self, order_id: int, actor: str, reason: str) -> Order:
        """Ask the provider (again: the refund number makes it idempotent) and book the refund."""
        order = self.order(order_id)
        if order.state is not S.REFUND_PENDING:
            return order
        with self.db.session() as s:
            pending = Ledger(s).order_money(order_id).pending
        if order.method not in ("cash", "staff"):
            self.provider.refund(
                order.out_trade_no, f"{order.out_trade_no}-R", pending, order.provider_ref
            )
        crash_point("refund_asked")
        with self.db.session() as s:
            order = self._get(s, order_id)
            if order.state is not S.REFUND_PENDING:
                return order
            ledger = Ledger(s)
            source = (
                ledger.account(AccountKind.GOODWILL, order.currency, name="staff")
                if order.method == "staff"
                else ledger.account(AccountKind.CLEARING, order.currency, name=order.method)
            )
            ledger.transfer(
                EntryKind.REFUND,
                ledger.account(AccountKind.UNDELIVERED, order.currency, order.tenant_id),
                source,
                pending,
                order.id,
                reason,
            )
            move(s, order, S.REFUNDED, reason)
            s.add(
                AuditEntry(
                    actor=actor,
                    action="refunded",
                    subject=order.out_trade_no,
                    detail={"amount": pending},
                )
            )
        return self.order(order_id)
