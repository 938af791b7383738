"""Moving an order between states: a compare-and-set on its state, with an event row, in the
caller's transaction. Two writers racing (a notification and a poll) cannot both win."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from kiosk.db.base import utcnow
from kiosk.db.models import Order, OrderEvent
from kiosk.topup.states import OrderState, check


class StaleOrderError(Exception):
    """The order changed state under us; the caller re-reads it and decides again."""


def move(session: Session, order: Order, to: OrderState, detail: str = "") -> None:
    check(order.state, to)
    now = utcnow()
    result = session.execute(
        update(Order)
        .where(Order.id == order.id, Order.state == order.state)
        .values(state=to, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise StaleOrderError(f"order {order.out_trade_no} is no longer {order.state.value}")
    session.add(
        OrderEvent(
            order_id=order.id,
            from_state=order.state.value,
            to_state=to.value,
            detail=detail[:255],
            at=now,
        )
    )
    order.state = to
    order.updated_at = now
