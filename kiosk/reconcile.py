"""Reconciliation: the kiosk's record of a day's payments against the provider's statement.

Three things can be wrong, and each is listed for staff with what to do:
- paid, not credited: the provider took the money, the kiosk never marked the order paid (a lost
  notification and no poll) -- :func:`settle` marks it paid, so the card gets it at its next tap;
- credited, not paid: the kiosk thinks an order was paid that the provider does not show as paid;
- amount mismatch: both sides know the order, with different amounts.
Orders are matched on the day they were created, as the providers' statements list them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import select

from kiosk.db import Database
from kiosk.db.models import Order
from kiosk.payments.provider import PaymentProvider, PaymentState, PaymentStatus
from kiosk.topup.states import OrderState

#: states in which the kiosk holds the order as paid
PAID_STATES = frozenset(
    {
        OrderState.PAID,
        OrderState.WRITE_PENDING,
        OrderState.WRITTEN,
        OrderState.DONE,
        OrderState.CREDIT_PENDING,
        OrderState.REFUND_PENDING,
        OrderState.REFUNDED,
    }
)


@dataclass(frozen=True)
class Mismatch:
    out_trade_no: str
    kiosk_amount: int | None
    provider_amount: int | None
    kiosk_state: str | None
    provider_status: str | None


@dataclass
class Reconciliation:
    day: dt.date
    provider: str
    matched: int = 0
    paid_not_credited: list[Mismatch] = field(default_factory=list)
    credited_not_paid: list[Mismatch] = field(default_factory=list)
    amount_mismatch: list[Mismatch] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not (self.paid_not_credited or self.credited_not_paid or self.amount_mismatch)


def reconcile(
    db: Database, provider: PaymentProvider, day: dt.date, kiosk_id: str
) -> Reconciliation:
    start = dt.datetime.combine(day, dt.time(), dt.UTC)
    end = start + dt.timedelta(days=1)
    with db.session() as s:
        orders = {
            o.out_trade_no: o
            for o in s.scalars(
                select(Order).where(
                    Order.kiosk_id == kiosk_id,
                    Order.method == provider.name,
                    Order.created_at >= start,
                    Order.created_at < end,
                )
            )
        }
    report = Reconciliation(day, provider.name)
    seen: set[str] = set()
    for line in provider.statement(day):
        if line.status not in (PaymentStatus.PAID, PaymentStatus.REFUNDED):
            continue
        order = orders.get(line.out_trade_no)
        seen.add(line.out_trade_no)
        mismatch = Mismatch(
            line.out_trade_no,
            order.amount if order else None,
            line.amount,
            order.state.value if order else None,
            line.status.value,
        )
        if order is None or order.state not in PAID_STATES:
            report.paid_not_credited.append(mismatch)
        elif order.amount != line.amount:
            report.amount_mismatch.append(mismatch)
        else:
            report.matched += 1
    for ref, order in orders.items():
        if ref not in seen and order.state in PAID_STATES:
            report.credited_not_paid.append(
                Mismatch(ref, order.amount, None, order.state.value, None)
            )
    return report


def settle(report: Reconciliation, mark_paid) -> list[str]:  # noqa: ANN001 - TopUpService.mark_paid
    """Mark the paid-not-credited orders the kiosk knows as paid (they become CREDIT_PENDING or
    are delivered at the next tap); return their references."""
    settled = []
    for m in report.paid_not_credited:
        if m.kiosk_state is None or m.provider_amount != m.kiosk_amount:
            continue  # unknown to this kiosk, or the amounts differ: staff decide
        outcome = mark_paid(
            PaymentState(m.out_trade_no, PaymentStatus.PAID, amount=m.provider_amount),
            source="reconciliation",
        )
        if outcome.credited:
            settled.append(m.out_trade_no)
    return settled
