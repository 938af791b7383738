"""A tap and a choice: read the card, settle what it is owed, quote, record the order."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import func, select

from cardlib.purse.header import Role
from cardlib.reader.base import CardConnection
from kiosk import tariff_store
from kiosk.db.models import (
    AuditEntry,
    Card,
    CardStatus,
    ItemKind,
    Meter,
    Order,
    OrderItem,
)
from kiosk.faults import crash_point
from kiosk.ledger import Ledger
from kiosk.tariffs import Quote, QuoteError, quote
from kiosk.topup.delivering import Delivering
from kiosk.topup.model import BlacklistedCardError, Item, Tap, TopUpError
from kiosk.topup.states import OrderState
from kiosk.topup.transitions import move

#: orders whose items are promised but not yet posted to the ledger
UNDELIVERED_STATES = (
    OrderState.AMOUNT_CHOSEN,
    OrderState.ORDER_CREATED,
    OrderState.PAID,
    OrderState.WRITE_PENDING,
    OrderState.CREDIT_PENDING,
)

S = OrderState


class Choosing(Delivering):
    # -- the tap ---------------------------------------------------------------------------------

    def tap(self, connection: CardConnection) -> Tap:
        """Read and verify the card, refuse a blacklisted one, and settle what it is owed: finish or
        void journaled writes, then deliver pending credit (DESIGN.md §5 invariants 2 and 3)."""
        purse = self.cards.open(connection)
        uid = purse.state.uid.hex()
        with self.db.session() as s:
            card = s.scalar(select(Card).where(Card.uid == uid))
            if card is not None and card.status is not CardStatus.ACTIVE:
                s.add(AuditEntry(actor=f"card:{uid}", action="refused_blacklisted", subject=uid))
                raise BlacklistedCardError(
                    "This card has been blocked (reported lost or replaced). Please call staff."
                )
        tap = Tap(purse)
        self._settle_journal(tap)
        for order_id in self._pending_order_ids(uid):
            tap.delivered.append(self.deliver(order_id, purse))
        return tap

    # -- choosing and paying ----------------------------------------------------------------------

    def quote(self, tap: Tap, amount: int) -> Quote | None:
        """What ``amount`` buys on a meter card by its meter's tariff in force ("100.00 CNY buys
        116.2 kWh"), with the fee and the debt recovered; None where no tariff applies."""
        header = tap.purse.state.header
        if header.role is not Role.METER:
            return None
        now = self.clock()
        with self.db.session() as s:
            meter = s.get(Meter, header.meter_id)
            if meter is None:
                return None
            tariff = tariff_store.in_force(s, meter.tariff_code, now)
            if tariff is None:
                return None
            # debt already promised to orders not yet delivered is not owed twice
            reserved = s.scalar(
                select(func.coalesce(func.sum(OrderItem.amount), 0))
                .join(Order, Order.id == OrderItem.order_id)
                .where(
                    Order.tenant_id == header.tenant_id,
                    Order.state.in_(UNDELIVERED_STATES),
                    OrderItem.kind == ItemKind.DEBT_RECOVERY,
                )
            )
            debt = max(0, Ledger(s).debt(header.tenant_id, header.currency) - int(reserved or 0))
        return quote(tariff, amount, at=now, debt=debt)

    def items_for(self, tap: Tap, amount: int) -> tuple[list[Item], Quote | None]:
        """The order items for a top-up of ``amount`` onto the tapped card."""
        try:
            q = self.quote(tap, amount)
        except QuoteError as exc:  # e.g. an amount that does not even cover the service fee
            raise TopUpError(f"This amount cannot be bought: {exc.problem}.") from exc
        if q is None:
            return [Item(ItemKind.CARD_CREDIT, amount, "credit")], None
        items = [Item(ItemKind.CARD_CREDIT, q.net_credit, q.text, q.units)]
        if q.fee:
            items.append(Item(ItemKind.FEE, q.fee, "service fee"))
        if q.debt_recovered:
            items.append(Item(ItemKind.DEBT_RECOVERY, q.debt_recovered, "debt recovered"))
        return [i for i in items if i.amount > 0], q

    def choose(
        self,
        tap: Tap,
        items: Sequence[Item],
        method: str | None = None,
        quoted: Quote | None = None,
    ) -> Order:
        """Record what the tenant wants (AMOUNT_CHOSEN), within the limits."""
        if not items or any(item.amount <= 0 for item in items):
            raise TopUpError("Choose an amount to top up.")
        header = tap.purse.state.header
        amount = sum(item.amount for item in items)
        card_part = sum(i.amount for i in items if i.kind is ItemKind.CARD_CREDIT)
        if card_part:
            tap.purse.plan_credit(card_part)  # refuses early what the card could never take
        self.limits.check(amount, self.spent_today(tap.uid), header.currency)
        with self.db.session() as s:
            order = Order(
                out_trade_no=self._new_reference(),
                idempotency_key=str(uuid.uuid4()),
                kiosk_id=self.kiosk_id,
                card_uid=tap.uid,
                card_serial=header.card_serial,
                tenant_id=header.tenant_id,
                state=S.CARD_READ,
                amount=amount,
                currency=header.currency,
                method=method or self.provider.name,
                tariff_code=quoted.tariff_code if quoted else None,
                tariff_version=quoted.tariff_version if quoted else None,
                tariff_digest=quoted.tariff_digest if quoted else None,
            )
            s.add(order)
            s.flush()
            for item in items:
                s.add(
                    OrderItem(
                        order_id=order.id,
                        kind=item.kind,
                        amount=item.amount,
                        description=item.description,
                        units=item.units,
                    )
                )
            move(s, order, S.AMOUNT_CHOSEN, f"{len(items)} item(s)")
        crash_point("amount_chosen")
        return self.order(order.id)
