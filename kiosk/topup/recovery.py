"""Start-up recovery: after a crash or a power cut, every order left half-way is settled against
the payment provider, and every paid one ends as delivered, CREDIT_PENDING (delivered at the card's
next tap) or refunded -- never lost, never doubled (DESIGN.md §5 invariants 2-4)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sqlalchemy import select

from kiosk.db.models import Order
from kiosk.payments.provider import PaymentError, PaymentStatus
from kiosk.topup.service import TopUpService
from kiosk.topup.states import OrderState
from kiosk.topup.transitions import move

log = logging.getLogger("kiosk.recovery")
S = OrderState


@dataclass
class RecoveryReport:
    credit_pending: list[str] = field(default_factory=list)
    closed: list[str] = field(default_factory=list)
    finished: list[str] = field(default_factory=list)
    #: orders the provider could not be asked about now: retried at the next recovery
    unresolved: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return (
            f"{len(self.finished)} finished, {len(self.credit_pending)} credit pending, "
            f"{len(self.closed)} closed, {len(self.unresolved)} still open"
        )


def recover(service: TopUpService) -> RecoveryReport:
    report = RecoveryReport()
    with service.db.session() as s:
        open_orders = list(
            s.scalars(
                select(Order)
                .where(Order.kiosk_id == service.kiosk_id)
                .where(
                    Order.state.in_(
                        (
                            S.AMOUNT_CHOSEN,
                            S.ORDER_CREATED,
                            S.PAID,
                            S.WRITE_PENDING,
                            S.WRITTEN,
                            S.REFUND_PENDING,
                        )
                    )
                )
                .order_by(Order.id)
            )
        )
    for order in open_orders:
        ref = order.out_trade_no
        if order.state is S.AMOUNT_CHOSEN:
            # the provider was never asked (ORDER_CREATED is committed before it is)
            with service.db.session() as s:
                move(s, service._get(s, order.id), S.CANCELLED, "recovery: never sent")
            report.closed.append(ref)
        elif order.state is S.ORDER_CREATED:
            try:
                state = service.provider.query(ref, order.provider_ref)
                if state.status is PaymentStatus.UNKNOWN:
                    # never reached the provider (the kiosk died before create() got through):
                    # nothing can have been paid, and no QR will ever be shown again
                    with service.db.session() as s:
                        move(
                            s,
                            service._get(s, order.id),
                            S.CANCELLED,
                            "recovery: unknown to provider",
                        )
                    report.closed.append(ref)
                    continue
                if state.status is not PaymentStatus.PAID:
                    # the session that showed the QR is gone: close the payment for good
                    state = service.provider.cancel(ref, order.provider_ref)
            except PaymentError as exc:
                log.warning("recovery: cannot settle %s now: %s", ref, exc)
                report.unresolved.append(ref)
                continue
            if state.status is PaymentStatus.PAID:
                service.mark_paid(state, source="recovery")
                service.abandon(order.id)
                report.credit_pending.append(ref)
            else:
                expired = order.expires_at is not None and order.expires_at <= service.clock()
                with service.db.session() as s:
                    current = service._get(s, order.id)
                    if current.state is S.ORDER_CREATED:
                        move(s, current, S.EXPIRED if expired else S.CANCELLED, "recovery")
                report.closed.append(ref)
        elif order.state in (S.PAID, S.WRITE_PENDING):
            # the card write may or may not have happened: the journal row stays PENDING and the
            # card's next tap decides (finish, or void and write again)
            service.abandon(order.id)
            report.credit_pending.append(ref)
        elif order.state is S.WRITTEN:
            service._finish(order.id)
            report.finished.append(ref)
        elif order.state is S.REFUND_PENDING:
            try:
                service.finish_refund(order.id, "system", "recovery: refund asked before a restart")
                report.finished.append(ref)
            except PaymentError as exc:
                log.warning("recovery: refund of %s not settled now: %s", ref, exc)
                report.unresolved.append(ref)
    log.info("recovery: %s", report)
    return report
