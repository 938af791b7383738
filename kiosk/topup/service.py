"""The top-up service: the state machine of DESIGN.md §5 driven by a kiosk session.

Every transition is a committed row before the side effect it announces: the order (with its
reference and idempotency key) before the provider is asked for a payment; the card-write journal
before the card is touched. A crash, a pulled card or a late notification therefore always leaves
a row that says what may have happened, and :mod:`kiosk.topup.recovery` settles it against the
provider and the card. Money moves through the ledger so that for every order
paid = delivered + pending + refunded.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cardlib.errors import CardError, CardRemovedError
from cardlib.purse.header import Role
from cardlib.reader.base import CardConnection
from cardlib.service import CardService, PurseCard
from kiosk import tariff_store
from kiosk.db import Database
from kiosk.db.base import utcnow
from kiosk.db.models import (
    AccountKind,
    AuditEntry,
    Card,
    CardStatus,
    CardWrite,
    EntryKind,
    ItemKind,
    Meter,
    Order,
    OrderItem,
    PaymentEvent,
    ReceiptRecord,
    WriteStatus,
)
from kiosk.faults import crash_point
from kiosk.ledger import Ledger
from kiosk.payments.provider import (
    OrderRequest,
    PaymentProvider,
    PaymentState,
    PaymentStatus,
    ProviderUnavailableError,
)
from kiosk.receipts.model import Receipt
from kiosk.tariffs import Quote, quote
from kiosk.topup import journal
from kiosk.topup.limits import Limits
from kiosk.topup.receipting import build_receipt, receipt_to_json
from kiosk.topup.states import OrderState
from kiosk.topup.transitions import StaleOrderError, move

log = logging.getLogger("kiosk.topup")
S = OrderState

#: where each kind of order item's money goes when the order is delivered
ITEM_POSTING = {
    ItemKind.CARD_CREDIT: (AccountKind.ON_CARD, EntryKind.DELIVERY),
    ItemKind.WALLET_LOAD: (AccountKind.WALLET, EntryKind.WALLET_LOAD),
    ItemKind.FEE: (AccountKind.REVENUE, EntryKind.FEE),
    ItemKind.DEBT_RECOVERY: (AccountKind.DEBT, EntryKind.DEBT_RECOVERY),
}


class TopUpError(Exception):
    """A top-up cannot go on; the message is for the person at the kiosk."""

    code = "topup_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BlacklistedCardError(TopUpError):
    code = "blacklisted"


class CardAwayError(TopUpError):
    """The card left the reader during the write: the order waits for it (WRITE_PENDING)."""

    code = "card_away"


@dataclass(frozen=True)
class Item:
    kind: ItemKind
    amount: int
    description: str = ""
    units: int | None = None


@dataclass
class Tap:
    """A card on the reader, verified, with what the tap itself settled."""

    purse: PurseCard
    #: orders whose credit reached the card on this tap (pending credit, finished writes)
    delivered: list[Order] = field(default_factory=list)
    #: journaled writes the card could not settle (the card moved on elsewhere): staff must look
    in_doubt: list[int] = field(default_factory=list)

    @property
    def uid(self) -> str:
        return self.purse.state.uid.hex()


@dataclass(frozen=True)
class PaidOutcome:
    """What a payment confirmation did: ``credited`` is True exactly once per order."""

    order_id: int | None
    credited: bool
    late: bool = False
    note: str = ""


class TopUpService:
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
            debt = Ledger(s).debt(header.tenant_id, header.currency)
        return quote(tariff, amount, at=now, debt=debt)

    def items_for(self, tap: Tap, amount: int) -> tuple[list[Item], Quote | None]:
        """The order items for a top-up of ``amount`` onto the tapped card."""
        q = self.quote(tap, amount)
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
        self.limits.check(amount, self._spent_today(tap.uid), header.currency)
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
        self._settle_written(order_id)
        return self.order(order_id)

    def _settle_written(self, order_id: int) -> None:
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
                ledger.transfer(
                    entry_kind, undelivered, target, item.amount, order.id, item.description
                )
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

    # -- refunds --------------------------------------------------------------------------------

    def refund(self, order_id: int, staff_id: int, reason: str) -> Order:
        """Give back a paid order whose credit never reached a card.

        A write the card may already hold (a PENDING journal row) is settled by tapping the card
        first: refunding it blind could pay the tenant twice. The refund is asked for under a key
        derived from the order, so a retry after a crash can never refund twice.
        """
        if not reason.strip():
            raise TopUpError("A refund needs a reason.")
        order = self.order(order_id)
        if order.state not in (S.PAID, S.CREDIT_PENDING):
            raise TopUpError(
                f"Only paid top-ups not yet on a card can be refunded (this one is "
                f"{order.state.value.replace('_', ' ')})."
            )
        with self.db.session() as s:
            in_doubt = s.scalar(
                select(func.count())
                .select_from(CardWrite)
                .where(CardWrite.order_id == order_id, CardWrite.status == WriteStatus.PENDING)
            )
            if in_doubt:
                raise TopUpError("The card may already hold this credit: tap the card first.")
            pending = Ledger(s).order_money(order_id).pending
            s.add(
                AuditEntry(
                    actor=f"staff:{staff_id}",
                    action="refund_requested",
                    subject=order.out_trade_no,
                    detail={"amount": pending, "reason": reason},
                )
            )
        if order.method not in ("cash", "staff"):
            self.provider.refund(
                order.out_trade_no, f"{order.out_trade_no}-R", pending, order.provider_ref
            )
        with self.db.session() as s:
            order = self._get(s, order_id)
            if order.state is S.REFUNDED:
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
                    actor=f"staff:{staff_id}",
                    action="refunded",
                    subject=order.out_trade_no,
                    detail={"amount": pending},
                )
            )
        return self.order(order_id)

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
            self._settle_written(order_id)

    def _write_void(self, row_id: int, order_id: int | None) -> None:
        with self.db.session() as s:
            row = s.get(CardWrite, row_id)
            assert row is not None
            row.status, row.settled_at = WriteStatus.VOID, self.clock()
            if order_id is not None:
                order = self._get(s, order_id)
                if order.state is S.WRITE_PENDING:
                    move(s, order, S.CREDIT_PENDING, "the card never got the write")

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
        with self.db.session() as s:
            return list(
                s.scalars(
                    select(Order.id)
                    .where(Order.card_uid == uid, Order.state.in_((S.CREDIT_PENDING, S.PAID)))
                    .order_by(Order.id)
                )
            )

    def _spent_today(self, uid: str) -> int:
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


__all__ = [
    "BlacklistedCardError",
    "CardAwayError",
    "Item",
    "PaidOutcome",
    "ProviderUnavailableError",
    "Tap",
    "TopUpError",
    "TopUpService",
]
