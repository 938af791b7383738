"""Asking for a payment and learning it was made: every "paid" goes through mark_paid, once."""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kiosk.db.models import (
    AccountKind,
    AuditEntry,
    EntryKind,
    Order,
    PaymentEvent,
)
from kiosk.faults import crash_point
from kiosk.ledger import Ledger
from kiosk.payments.provider import (
    OrderRequest,
    PaymentState,
    PaymentStatus,
)
from kiosk.topup.base import TopUpBase
from kiosk.topup.model import PaidOutcome
from kiosk.topup.states import OrderState
from kiosk.topup.transitions import StaleOrderError, move

log = logging.getLogger("kiosk.topup")
S = OrderState


class Paying(TopUpBase):
    def request_payment(self, order_id: int) -> Order:
        """ORDER_CREATED is committed with the reference and key first; then the provider is asked
        for the QR. A retry (or recovery) asks again with the same key: never a second charge."""
        with self.db.session() as s:
            order = self._get(s, order_id)
            if order.state is S.AMOUNT_CHOSEN:
                move(s, order, S.ORDER_CREATED)
        crash_point("order_created")
        order = self.order(order_id)
        created = self.provider.create(
            OrderRequest(
                out_trade_no=order.out_trade_no,
                idempotency_key=order.idempotency_key,
                amount=order.amount,
                currency=order.currency,
                description=f"Prepay top-up {order.out_trade_no}",
                expires_in=self.payment_window,
            )
        )
        with self.db.session() as s:
            order = self._get(s, order_id)
            order.provider_ref = created.provider_ref
            order.qr_payload = created.qr_payload
            order.expires_at = created.expires_at
        return self.order(order_id)

    def check_payment(self, order_id: int) -> Order:
        """Poll the provider once; a PAID answer goes through the same door as a notification."""
        order = self.order(order_id)
        if order.state is S.ORDER_CREATED:
            state = self.provider.query(order.out_trade_no, order.provider_ref)
            if state.status is PaymentStatus.PAID:
                self.mark_paid(state, source="poll")
        return self.order(order_id)

    def give_up(self, order_id: int, expired: bool) -> Order:
        """The tenant cancelled, or the window closed. The provider closes the payment; if it was
        paid meanwhile the order is PAID after all (never dropped)."""
        order = self.order(order_id)
        if order.state is S.AMOUNT_CHOSEN:
            with self.db.session() as s:
                move(s, self._get(s, order_id), S.CANCELLED, "before payment was asked")
            return self.order(order_id)
        if order.state is not S.ORDER_CREATED:
            return order
        state = self.provider.cancel(order.out_trade_no, order.provider_ref)
        if state.status is PaymentStatus.PAID:
            self.mark_paid(state, source="cancel")
            return self.order(order_id)
        with self.db.session() as s:
            order = self._get(s, order_id)
            if order.state is S.ORDER_CREATED:
                move(s, order, S.EXPIRED if expired else S.CANCELLED, state.status.value)
        return self.order(order_id)

    def mark_paid(
        self, state: PaymentState, source: str, event_id: str | None = None
    ) -> PaidOutcome:
        """The one door through which "paid" enters, from a poll, a notification or recovery.

        Idempotent: a second confirmation of the same order, or the same event twice, changes
        nothing. A payment for an order the kiosk gave up on (EXPIRED/CANCELLED) is credited all
        the same and becomes CREDIT_PENDING, delivered at the card's next tap.
        """
        provider = self.provider.name
        for _attempt in range(3):
            try:
                with self.db.session() as s:
                    if event_id is not None and not self._first_sighting(
                        s, provider, event_id, state
                    ):
                        return PaidOutcome(None, False, note="duplicate event")
                    order = s.scalar(select(Order).where(Order.out_trade_no == state.out_trade_no))
                    if order is None:
                        log.warning("payment for unknown order %s (%s)", state.out_trade_no, source)
                        s.add(
                            AuditEntry(
                                actor=provider,
                                action="payment_unknown_order",
                                subject=state.out_trade_no,
                                detail={"source": source},
                            )
                        )
                        return PaidOutcome(None, False, note="unknown order")
                    if order.state not in (
                        S.AMOUNT_CHOSEN,
                        S.ORDER_CREATED,
                        S.CANCELLED,
                        S.EXPIRED,
                    ):
                        return PaidOutcome(order.id, False, note=f"already {order.state.value}")
                    if state.amount is not None and state.amount != order.amount:
                        s.add(
                            AuditEntry(
                                actor=provider,
                                action="payment_amount_mismatch",
                                subject=order.out_trade_no,
                                detail={"expected": order.amount, "paid": state.amount},
                            )
                        )
                        log.error(
                            "amount mismatch on %s: %s paid, %s due",
                            order.out_trade_no,
                            state.amount,
                            order.amount,
                        )
                        return PaidOutcome(order.id, False, note="amount mismatch: staff to settle")
                    late = order.state in (S.CANCELLED, S.EXPIRED)
                    move(s, order, S.PAID, f"{source}{' (late)' if late else ''}")
                    order.paid_amount = order.amount
                    order.paid_at = state.paid_at or self.clock()
                    order.provider_ref = order.provider_ref or state.provider_ref
                    ledger = Ledger(s)
                    ledger.transfer(
                        EntryKind.PAYMENT,
                        ledger.account(AccountKind.CLEARING, order.currency, name=order.method),
                        ledger.account(AccountKind.UNDELIVERED, order.currency, order.tenant_id),
                        order.amount,
                        order.id,
                        f"{source} {state.provider_ref or ''}",
                    )
                    if late:
                        # nobody is waiting at the kiosk for this order any more
                        move(s, order, S.CREDIT_PENDING, "paid after the kiosk gave up")
                    outcome = PaidOutcome(order.id, True, late=late)
                crash_point("paid")
                return outcome
            except StaleOrderError:
                continue
        return PaidOutcome(None, False, note="order kept changing")

    def _first_sighting(
        self, s: Session, provider: str, event_id: str, state: PaymentState
    ) -> bool:
        try:
            with s.begin_nested():
                s.add(
                    PaymentEvent(
                        provider=provider,
                        event_id=event_id,
                        out_trade_no=state.out_trade_no,
                        status=state.status.value,
                    )
                )
            return True
        except IntegrityError:
            return False
