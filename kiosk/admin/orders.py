"""What staff look up about orders: the recent ones (for the refund and reprint pickers), and a
finished order's receipt exactly as it was recorded at the time of sale."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from kiosk.admin.errors import InvalidInputError, NotFoundError
from kiosk.admin.messages import say
from kiosk.db import Database
from kiosk.db.models import Order, ReceiptRecord
from kiosk.money import format_amount
from kiosk.receipts.model import Receipt, ReceiptItem, mask_uid
from kiosk.tariffs.model import Utility
from kiosk.topup.states import OrderState

#: paid, and not (all) on a card: what TopUpService.refund takes
REFUNDABLE_STATES = frozenset(
    {OrderState.PAID, OrderState.CREDIT_PENDING, OrderState.REFUND_PENDING}
)
MAX_ORDERS = 500


@dataclass(frozen=True)
class OrderSummary:
    id: int
    reference: str  # the order's out_trade_no, printed on receipts
    created_at: dt.datetime
    state: OrderState
    amount: int
    currency: int
    method: str  # provider name, "cash" or "staff"
    card_serial: int | None
    card_uid_masked: str
    tenant_id: int | None
    refundable: bool
    has_receipt: bool

    @property
    def label(self) -> str:
        """One line for a picker: reference, amount, method, state -- in English (the CLI's;
        the touchscreen says it in its language: ui.admin.widgets.order_label)."""
        state = self.state.value.replace("_", " ")
        return (
            f"{self.reference}  {format_amount(self.amount, self.currency)}  {self.method}  {state}"
        )


def summarise(order: Order, has_receipt: bool) -> OrderSummary:
    return OrderSummary(
        id=order.id,
        reference=order.out_trade_no,
        created_at=order.created_at,
        state=order.state,
        amount=order.amount,
        currency=order.currency,
        method=order.method,
        card_serial=order.card_serial,
        card_uid_masked=mask_uid(order.card_uid),
        tenant_id=order.tenant_id,
        refundable=order.state in REFUNDABLE_STATES,
        has_receipt=has_receipt,
    )


def recent_orders(
    db: Database,
    kiosk_id: str,
    limit: int = 20,
    *,
    refundable_only: bool = False,
    with_receipt_only: bool = False,
    tenant_id: int | None = None,
) -> list[OrderSummary]:
    """This kiosk's orders, newest first."""
    if not 1 <= limit <= MAX_ORDERS:
        raise InvalidInputError(say("orders_limit", max=MAX_ORDERS, n=limit))
    query = (
        select(Order, ReceiptRecord.id)
        .outerjoin(ReceiptRecord, ReceiptRecord.order_id == Order.id)
        .where(Order.kiosk_id == kiosk_id)
        .order_by(Order.id.desc())
        .limit(limit)
    )
    if refundable_only:
        query = query.where(Order.state.in_(REFUNDABLE_STATES))
    if with_receipt_only:
        query = query.where(ReceiptRecord.id.is_not(None))
    if tenant_id is not None:
        query = query.where(Order.tenant_id == tenant_id)
    with db.session() as s:
        return [summarise(order, receipt is not None) for order, receipt in s.execute(query)]


def stored_receipt(db: Database, order_id: int) -> Receipt:
    """The receipt recorded when the order finished: a reprint is the same paper."""
    with db.session() as s:
        if s.get(Order, order_id) is None:
            raise NotFoundError(say("no_order", order=order_id))
        row = s.scalar(select(ReceiptRecord).where(ReceiptRecord.order_id == order_id))
        if row is None:
            raise NotFoundError(say("order_no_receipt", order=order_id))
        return receipt_from_json(row.body)


def receipt_from_json(data: dict[str, Any]) -> Receipt:
    """The inverse of kiosk.topup.receipting.receipt_to_json."""
    items = tuple(
        ReceiptItem(
            description=i["description"],
            amount=i["amount"],
            units=i.get("units"),
            utility=Utility(i["utility"]) if i.get("utility") else None,
        )
        for i in data["items"]
    )
    fields = {k: v for k, v in data.items() if k not in ("items", "issued_at")}
    return Receipt(items=items, issued_at=dt.datetime.fromisoformat(data["issued_at"]), **fields)
