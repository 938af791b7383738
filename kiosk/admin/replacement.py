"""Replacing a lost tenant card: the old card is blocked, a new one is issued for the same tenant
(and meter) carrying the old card's last known value -- and, on a meter card, its purchase
sequence number, because a card meter only accepts the next purchase in sequence.

What is carried: the old card's last known kiosk record (kiosk.admin.lastknown says what that is,
honestly, and when it is only *probably* right: then staff must confirm), plus the paid orders of
the old card still waiting for it (PAID, WRITE_PENDING, CREDIT_PENDING), delivered onto the new
card through the ledger as any delivery is.

On a meter card the value is the purchase (sequence S, amount V). The new card carries the same S
and V: whether or not the meter loaded purchase S before the card was lost, the meter then does
the right thing -- it loads S if it never saw it (S = its last + 1), and loads nothing if it did
(same S, same amount), or only what was merged in since (same S, larger amount). Orders added on
top are merged into S the same way. A replacement starting at purchase 1 would be refused by the
meter for good (an old sequence), so the sequence is never reset.

Money: the ledger keeps value per tenant (ON_CARD), not per card, so moving the last known value
from the old card to the new one changes no balance and posts nothing; it is recorded in the card
replacement row, the card-write journal (the new card's first write, with its amount) and the
audit log, with the reason. Orders delivered onto the new card post their deliveries as usual.
No money is created: the value on the new card is the old card's last known value plus orders
that were paid and not yet delivered.

Resumable: the replacement row is committed (and the old card blocked) before any card is
touched; the new card is held blocked until the carried value is on it, so no tap can write to
it in between; the write is journaled before it is made. A replacement cut short (card pulled,
power cut) is finished by calling :meth:`Replacer.replace` again with the new card on the reader.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from cardlib.errors import CardError
from cardlib.purse.header import Role, Utility
from cardlib.purse.medium import medium_for
from cardlib.purse.records import KioskRecord
from cardlib.reader.base import CardConnection
from cardlib.service import AlreadyIssuedError, CardState, Issue, PlanMismatchError
from kiosk.admin import audit
from kiosk.admin.errors import InvalidInputError, NotFoundError, RefusedError
from kiosk.admin.issuing import UTILITIES, card_problem, check_serial
from kiosk.admin.lastknown import LastKnown, last_known
from kiosk.admin.messages import say, word
from kiosk.db.base import utcnow
from kiosk.db.models import (
    Card,
    CardReplacement,
    CardRole,
    CardStatus,
    CardWrite,
    ItemKind,
    Meter,
    Order,
    ReplacementStatus,
    WriteStatus,
)
from kiosk.topup import journal
from kiosk.topup.service import TopUpService
from kiosk.topup.states import OrderState

log = logging.getLogger(__name__)
S = OrderState
#: paid orders of a card whose credit has not reached it
WAITING = (S.PAID, S.WRITE_PENDING, S.CREDIT_PENDING)
ROLES = {CardRole.METER: Role.METER, CardRole.WALLET: Role.WALLET}


@dataclass(frozen=True)
class ReplacementPreview:
    """What a replacement would do, for staff to check before confirming."""

    old_uid: str
    role: CardRole
    serial: int
    tenant_id: int | None
    meter_id: int | None
    status: CardStatus
    currency: int
    last_known: LastKnown
    #: paid orders of the old card that will be delivered onto the new one
    orders: tuple[int, ...]
    #: their card credit not already in ``last_known`` (0 for a replacement in progress: what
    #: it carries was fixed when it began, see ``value``)
    orders_amount: int
    #: what the new card will carry: stored value (wallet) or purchase amount (meter)
    value: int
    purchase_seq: int
    #: a replacement of this card was started and is not finished: replacing again finishes it
    in_progress: bool


@dataclass(frozen=True)
class ReplacementResult:
    old_uid: str
    new_uid: str
    new_serial: int
    value: int
    purchase_seq: int
    orders: tuple[int, ...]
    #: True when this call finished a replacement an earlier one began
    resumed: bool
    card_type: str


class Replacer:
    def __init__(
        self,
        topup: TopUpService,
        currency: int,
        clock: Callable[[], dt.datetime] = utcnow,
    ) -> None:
        self.topup = topup
        self.db = topup.db
        self.cards = topup.cards
        self.currency = currency
        self.clock = clock

    # -- preview ---------------------------------------------------------------------------------

    def preview(self, old_uid: str) -> ReplacementPreview:
        old_uid = old_uid.strip().lower()
        with self.db.session() as s:
            rep = s.scalar(select(CardReplacement).where(CardReplacement.old_uid == old_uid))
            if rep is not None and rep.status is ReplacementStatus.STARTED:
                card = self._card(s, old_uid)
                return ReplacementPreview(
                    old_uid, card.role, card.serial, card.tenant_id, card.meter_id, card.status,
                    self.currency,
                    LastKnown(rep.value, rep.purchase_seq, rep.basis_counter, rep.started_at,
                              say("basis_replacement_begun"), rep.certain),
                    tuple(rep.orders), 0, rep.value, rep.purchase_seq, True,
                )  # fmt: skip
            return self._preview(s, old_uid)

    def _card(self, s: Session, uid: str) -> Card:
        card = s.scalar(select(Card).where(Card.uid == uid))
        if card is None:
            raise NotFoundError(say("no_card_here", uid=uid.upper()))
        return card

    def _preview(self, s: Session, old_uid: str) -> ReplacementPreview:
        card = self._card(s, old_uid)
        if card.role is CardRole.STAFF:
            raise RefusedError(say("staff_card_no_value"), code="staff_card")
        replaced = s.scalar(select(CardReplacement).where(CardReplacement.old_uid == old_uid))
        if replaced is not None:
            raise RefusedError(
                say(
                    "already_replaced",
                    uid=old_uid.upper(),
                    new_uid=str(replaced.new_uid).upper(),
                ),
                code="already_replaced",
            )
        if card.status is not CardStatus.ACTIVE and card.status is not CardStatus.BLACKLISTED:
            raise RefusedError(
                say(
                    "not_replaceable", uid=old_uid.upper(), status=word("status", card.status.value)
                ),
                code="not_replaceable",
            )
        found = last_known(s, card)
        known, in_doubt_order = found.known, found.taken_as_made
        orders = [
            o
            for o in s.scalars(
                select(Order)
                .where(Order.card_uid == old_uid, Order.state.in_(WAITING))
                .order_by(Order.id)
            )
            if o.id not in found.held
        ]
        extra = sum(
            i.amount
            for o in orders
            if o.id != in_doubt_order
            for i in o.items
            if i.kind is ItemKind.CARD_CREDIT
        )
        if card.role is CardRole.METER:
            seq = known.purchase_seq or (1 if extra else 0)
            value = (known.value if known.purchase_seq else 0) + extra
        else:
            seq, value = known.purchase_seq, known.value + extra
        return ReplacementPreview(
            old_uid=old_uid,
            role=card.role,
            serial=card.serial,
            tenant_id=card.tenant_id,
            meter_id=card.meter_id,
            status=card.status,
            currency=self.currency,
            last_known=known,
            orders=tuple(o.id for o in orders),
            orders_amount=extra,
            value=value,
            purchase_seq=seq,
            in_progress=False,
        )

    # -- replacing -------------------------------------------------------------------------------

    def replace(
        self,
        connection: CardConnection,
        old_uid: str,
        new_serial: int,
        reason: str,
        *,
        actor: str,
        staff_id: int | None = None,
        accept_uncertain: bool = False,
    ) -> ReplacementResult:
        """Replace ``old_uid`` by the card on ``connection`` (blank, or the one an unfinished
        replacement began on). See the module docstring."""
        if not reason.strip():
            raise InvalidInputError(say("replace_needs_reason"))
        old_uid = old_uid.strip().lower()
        with self.db.session() as s:  # before anything is blocked
            started = s.scalar(
                select(CardReplacement.new_uid).where(CardReplacement.old_uid == old_uid)
            )
            check_serial(s, new_serial, started)
        rep_id, resumed = self._begin(
            old_uid, new_serial, reason, actor, staff_id, accept_uncertain
        )
        with self.db.session() as s:
            orders = list(self._rep(s, rep_id).orders)
        for order_id in orders:
            self.topup.abandon(order_id)  # nothing else may deliver them now: PAID -> pending
        state = self._new_card(connection, rep_id, new_serial, actor)
        self._carry(connection, rep_id)
        self._settle(rep_id)
        with self.db.session() as s:
            rep = self._rep(s, rep_id)
            new = s.scalar(select(Card).where(Card.uid == rep.new_uid))
            assert new is not None and rep.new_uid is not None
            new.status = CardStatus.ACTIVE
            rep.status, rep.finished_at = ReplacementStatus.FINISHED, self.clock()
            audit.record(
                s,
                actor,
                "card_replaced",
                old_uid,
                {
                    "new_card": rep.new_uid,
                    "new_serial": rep.new_serial,
                    "value": rep.value,
                    "purchase_seq": rep.purchase_seq,
                    "orders": list(rep.orders),
                    "certain": rep.certain,
                    "reason": rep.reason,
                },
                self.clock(),
            )
            return ReplacementResult(
                old_uid, rep.new_uid, rep.new_serial, rep.value, rep.purchase_seq,
                tuple(rep.orders), resumed, state.card_type.label,
            )  # fmt: skip

    def _rep(self, s: Session, rep_id: int) -> CardReplacement:
        rep = s.get(CardReplacement, rep_id, populate_existing=True)
        assert rep is not None
        return rep

    def _begin(
        self,
        old_uid: str,
        new_serial: int,
        reason: str,
        actor: str,
        staff_id: int | None,
        accept_uncertain: bool,
    ) -> tuple[int, bool]:
        """The replacement row, committed with the old card blocked: (its id, resumed)."""
        with self.db.session() as s:
            rep = s.scalar(select(CardReplacement).where(CardReplacement.old_uid == old_uid))
            if rep is not None and rep.status is ReplacementStatus.STARTED:
                return rep.id, True
            preview = self._preview(s, old_uid)
            known = preview.last_known
            if not known.certain and not accept_uncertain:
                raise RefusedError(
                    say("value_uncertain", warning=known.said_warning), code="value_uncertain"
                )
            card = self._card(s, old_uid)
            card.status = CardStatus.REPLACED
            rep = CardReplacement(
                old_uid=old_uid,
                new_serial=new_serial,
                role=card.role,
                tenant_id=card.tenant_id,
                meter_id=card.meter_id,
                value=preview.value,
                purchase_seq=preview.purchase_seq,
                basis_counter=known.counter,
                certain=known.certain,
                orders=list(preview.orders),
                reason=reason[:255],
                staff_id=staff_id,
                status=ReplacementStatus.STARTED,
                started_at=self.clock(),
            )
            s.add(rep)
            s.flush()
            audit.record(
                s,
                actor,
                "card_replacement_started",
                old_uid,
                {
                    "reason": reason[:200],
                    "value": preview.value,
                    "purchase_seq": preview.purchase_seq,
                    "last_known": known.source,
                    "certain": known.certain,
                    "orders": list(preview.orders),
                },
                self.clock(),
            )
            return rep.id, False

    def _new_card(
        self, connection: CardConnection, rep_id: int, serial: int, actor: str
    ) -> CardState:
        """Personalise (or find already personalised) the new card; record it, held blocked."""
        with self.db.session() as s:
            rep = self._rep(s, rep_id)
            old_uid, started_uid = rep.old_uid, rep.new_uid
            meter = s.get(Meter, rep.meter_id) if rep.meter_id is not None else None
            utility = Utility.NONE
            if rep.role is CardRole.METER and meter is not None:
                utility = UTILITIES.get(meter.utility, Utility.ELECTRICITY)
            issue = Issue(
                role=ROLES[rep.role],
                card_serial=serial,
                tenant_id=rep.tenant_id or 0,
                meter_id=rep.meter_id or 0,
                utility=utility,
                currency=self.currency,
            )
        try:
            uid_before = medium_for(connection).uid.hex()
        except CardError as exc:
            raise card_problem(exc) from exc
        if uid_before == old_uid:
            raise RefusedError(say("same_card"), code="same_card")
        with self.db.session() as s:
            known = s.scalar(select(Card).where(Card.uid == uid_before))
            if known is not None and uid_before != started_uid:
                raise RefusedError(
                    say(
                        "replacement_card_known",
                        role=word("role", known.role.value),
                        serial=known.serial,
                    ),
                    code="already_issued",
                )
        try:
            state = self.cards.personalise(connection, issue)
        except AlreadyIssuedError:
            if uid_before != started_uid:
                raise RefusedError(say("replacement_card_issued"), code="already_issued") from None
            try:
                state = self.cards.read(connection)
            except CardError as exc:
                raise card_problem(exc) from exc
        except CardError as exc:
            raise card_problem(exc, "the new card was being issued") from exc
        new_uid = state.uid.hex()
        # a card personalised by an earlier try carries the serial typed then: the card decides
        serial = state.header.card_serial
        with self.db.session() as s:
            rep = self._rep(s, rep_id)
            if rep.new_uid is not None and rep.new_uid != new_uid:
                # the first new card was given up (lost, damaged): it stays blocked for good
                audit.record(
                    s, actor, "replacement_card_changed", rep.old_uid,
                    {"given_up": rep.new_uid, "now": new_uid}, self.clock(),
                )  # fmt: skip
                rep.card_write_id = None
            other = s.scalar(select(Card).where(Card.serial == serial, Card.uid != new_uid))
            if other is not None:
                raise RefusedError(
                    say("new_serial_taken", serial=serial, uid=other.uid.upper()),
                    code="serial_taken",
                )
            rep.new_uid, rep.new_serial = new_uid, serial
            if s.scalar(select(Card).where(Card.uid == new_uid)) is None:
                s.add(
                    Card(
                        uid=new_uid,
                        role=rep.role,
                        serial=serial,
                        site_id=self.cards.site_id,
                        tenant_id=rep.tenant_id,
                        meter_id=rep.meter_id,
                        # held blocked until the carried value is on it: no tap may write to it
                        # (or settle its journal) while the replacement is not finished
                        status=CardStatus.BLACKLISTED,
                        issued_at=self.clock(),
                    )
                )
        return state

    def _carry(self, connection: CardConnection, rep_id: int) -> None:
        """Write the carried value onto the new card: journaled first, then written; a write
        journaled by an earlier try is finished instead of planned again."""
        with self.db.session() as s:
            rep = self._rep(s, rep_id)
            new_uid, value, seq = rep.new_uid, rep.value, rep.purchase_seq
            row = s.get(CardWrite, rep.card_write_id) if rep.card_write_id is not None else None
            if row is not None and row.status is WriteStatus.COMMITTED:
                return
            # a VOID row (the write judged never made) is planned afresh
            plan = (
                journal.to_plan(row)
                if row is not None and row.status is WriteStatus.PENDING
                else None
            )
        if plan is None and value == 0 and seq == 0:
            return
        try:
            purse = self.cards.open(connection)
        except CardError as exc:
            raise card_problem(exc) from exc
        if purse.state.uid.hex() != new_uid:
            raise RefusedError(say("not_the_new_card"))
        if plan is None:
            k = purse.state.kiosk
            if (k.counter, k.value, k.purchase_seq) != (0, 0, 0):
                raise RefusedError(say("new_card_used"), code="new_card_used")
            plan = purse.plan_kiosk(KioskRecord(counter=1, value=value, purchase_seq=seq))
            with self.db.session() as s:
                row = journal.to_row(plan, value, None)
                s.add(row)
                s.flush()
                self._rep(s, rep_id).card_write_id = row.id
        try:
            purse.finish(plan)
        except PlanMismatchError as exc:
            raise RefusedError(say("new_card_mismatch"), code="plan_mismatch") from exc
        except CardError as exc:
            raise card_problem(exc, "the value was being written to the new card") from exc
        with self.db.session() as s:
            rep = self._rep(s, rep_id)
            row = s.get(CardWrite, rep.card_write_id)
            assert row is not None
            row.status, row.settled_at = WriteStatus.COMMITTED, self.clock()

    def _settle(self, rep_id: int) -> None:
        """Deliver the old card's waiting orders: their credit is on the new card now."""
        with self.db.session() as s:
            rep = self._rep(s, rep_id)
            order_ids, old_uid = list(rep.orders), rep.old_uid
        for order_id in order_ids:
            order = self.topup.abandon(order_id)
            if order.state is S.CREDIT_PENDING:
                # the same settlement a tap makes when a write landed: ledger, receipt, DONE
                self.topup.settle_written(order_id)
            elif order.state not in (S.DONE, S.WRITTEN):
                log.error("replacement of %s: order %s is %s", old_uid, order_id, order.state)
                with self.db.session() as s:
                    audit.record(
                        s, "system", "replacement_order_changed", old_uid,
                        {"order": order_id, "state": order.state.value}, self.clock(),
                    )  # fmt: skip
