"""The states of a top-up order and the transitions allowed between them (DESIGN.md §5)."""

from __future__ import annotations

import enum


class OrderState(enum.Enum):
    CARD_READ = "card_read"
    AMOUNT_CHOSEN = "amount_chosen"
    ORDER_CREATED = "order_created"  # the provider has (or is being asked for) a payment
    PAID = "paid"
    WRITE_PENDING = "write_pending"  # the card write is journaled and under way
    WRITTEN = "written"
    DONE = "done"
    CANCELLED = "cancelled"  # the tenant gave up before paying
    EXPIRED = "expired"  # the payment window closed unpaid
    CREDIT_PENDING = "credit_pending"  # paid, the card went away: delivered at its next tap
    REFUND_PENDING = "refund_pending"  # staff asked for a refund: never delivered from here
    REFUNDED = "refunded"


S = OrderState
#: from -> the states it may go to. A late payment may revive CANCELLED and EXPIRED orders: the
#: money was taken, so it must be delivered (or refunded), never dropped.
TRANSITIONS: dict[OrderState, frozenset[OrderState]] = {
    S.CARD_READ: frozenset({S.AMOUNT_CHOSEN, S.CANCELLED}),
    S.AMOUNT_CHOSEN: frozenset({S.ORDER_CREATED, S.PAID, S.CANCELLED}),
    S.ORDER_CREATED: frozenset({S.PAID, S.CANCELLED, S.EXPIRED}),
    S.CANCELLED: frozenset({S.PAID}),
    S.EXPIRED: frozenset({S.PAID}),
    S.PAID: frozenset({S.WRITE_PENDING, S.CREDIT_PENDING, S.REFUND_PENDING}),
    S.WRITE_PENDING: frozenset({S.WRITTEN, S.CREDIT_PENDING, S.WRITE_PENDING}),
    # CREDIT_PENDING -> WRITTEN: a write left in doubt turns out, at the next tap, to have landed
    S.CREDIT_PENDING: frozenset({S.WRITE_PENDING, S.WRITTEN, S.REFUND_PENDING}),
    # committed before the provider is asked: a crash leaves it here and recovery finishes it
    S.REFUND_PENDING: frozenset({S.REFUNDED}),
    S.WRITTEN: frozenset({S.DONE}),
    S.DONE: frozenset(),
    S.REFUNDED: frozenset(),
}


class TransitionError(Exception):
    """A transition the state machine does not allow: a bug or a race, never a user's doing."""


def check(current: OrderState, new: OrderState) -> None:
    if new not in TRANSITIONS[current]:
        raise TransitionError(f"an order cannot go from {current.value} to {new.value}")
