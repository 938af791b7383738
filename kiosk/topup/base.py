"""The shared base of the top-up service: its collaborators, and reading orders back."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cardlib.service import CardService
from kiosk.db import Database
from kiosk.db.base import utcnow
from kiosk.db.models import (
    CardWrite,
    Order,
    WriteStatus,
)
from kiosk.payments.provider import (
    PaymentProvider,
)
from kiosk.topup.limits import Limits
from kiosk.topup.model import TopUpError
from kiosk.topup.states import OrderState

S = OrderState


class TopUpBase:
    """The parts every step of a top-up shares: its collaborators and the order queries."""

    def __init__(
        self,
        db: Database,
        cards: CardService,
        provider: PaymentProvider,
        kiosk_id: str,
        limits: Limits | None = None,
        payment_window: dt.timedelta = dt.timedelta(minutes=2),
        clock: Callable[[], dt.datetime] = utcnow,
    ) -> None:
        self.db = db
        self.cards = cards
        self.provider = provider
        self.kiosk_id = kiosk_id
        self.limits = limits or Limits()
        self.payment_window = payment_window
        self.clock = clock

    # -- queries -----------------------------------------------------------------------------------

    def order(self, order_id: int) -> Order:
        with self.db.session() as s:
            return self._get(s, order_id)

    def _get(self, s: Session, order_id: int) -> Order:
        order = s.get(Order, order_id, populate_existing=True)
        if order is None:
            raise TopUpError(f"No order {order_id}.")
        return order

    def _pending_order_ids(self, uid: str) -> list[int]:
        """Orders owed to this card that a tap may deliver. An order whose earlier write is still
        in doubt (the card moved on, written elsewhere, before this kiosk could tell whether its
        write landed) is held for staff: delivering it again could credit the card twice."""
        in_doubt = (
            select(CardWrite.id)
            .where(CardWrite.order_id == Order.id, CardWrite.status == WriteStatus.PENDING)
            .exists()
        )
        with self.db.session() as s:
            return list(
                s.scalars(
                    select(Order.id)
                    .where(
                        Order.card_uid == uid,
                        Order.state.in_((S.CREDIT_PENDING, S.PAID)),
                        ~in_doubt,
                    )
                    .order_by(Order.id)
                )
            )

    def spent_today(self, uid: str) -> int:
        start = self.clock().replace(hour=0, minute=0, second=0, microsecond=0)
        with self.db.session() as s:
            total = s.scalar(
                select(func.coalesce(func.sum(Order.amount), 0)).where(
                    Order.card_uid == uid,
                    Order.paid_at >= start,
                    Order.method.notin_(("staff",)),
                )
            )
        return int(total or 0)

    def _new_reference(self) -> str:
        return f"{self.kiosk_id}-{self.clock():%Y%m%d}-{uuid.uuid4().hex[:10]}"
