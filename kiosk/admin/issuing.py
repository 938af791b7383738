"""Issuing cards: a meter or wallet card for a tenant, a staff card for a staff member, and
blocking a card that is lost.

Issuing is resumable end to end. The card itself: CardService.personalise finishes an issue that
was cut short (card pulled, power cut) on the next try. The database: the Card row is written
after the card is finished, so a card finished but not recorded (the kiosk died in between) is
recognised on the next try -- it carries exactly the header asked for -- and recorded then.

Refused before the card is touched: a card already known here, a serial number already used, a
meter that already has an active card (two cards for one meter would both start at purchase 1, and
the meter would refuse one of them for good), a staff member with an active card.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from cardlib.errors import CardError
from cardlib.purse.header import Role, Utility
from cardlib.purse.medium import medium_for
from cardlib.reader.base import CardConnection
from cardlib.service import AlreadyIssuedError, CardService, CardState, Issue
from kiosk.admin import audit
from kiosk.admin.errors import (
    CardProblemError,
    InvalidInputError,
    NotFoundError,
    RefusedError,
)
from kiosk.admin.messages import card_sentence, say, word
from kiosk.db import Database
from kiosk.db.base import utcnow
from kiosk.db.models import Card, CardRole, CardStatus, Meter, MeterKind, Staff, Tenant

UINT32_MAX = 0xFFFFFFFF
UTILITIES = {"electricity": Utility.ELECTRICITY, "water": Utility.WATER}
CARD_ROLES = {CardRole.METER: Role.METER, CardRole.WALLET: Role.WALLET, CardRole.STAFF: Role.STAFF}


@dataclass(frozen=True)
class TenantCardRequest:
    """What staff choose to issue a tenant's card."""

    role: CardRole  # METER or WALLET
    serial: int  # the number printed on the card
    tenant_id: int
    #: for a tenant not known yet (created with the card); ignored for a known one
    tenant_name: str = ""
    unit: str = ""
    #: meter cards: the card meter the card is bound to
    meter_id: int | None = None
    #: a card meter not registered yet is registered with this tariff (and ``utility``)
    tariff_code: str | None = None
    utility: str = "electricity"


@dataclass(frozen=True)
class IssuedCard:
    uid: str
    role: CardRole
    serial: int
    tenant_id: int | None
    staff_id: int | None
    meter_id: int | None
    card_type: str
    #: True when this try finished an issue an earlier one began
    resumed: bool


def card_problem(exc: CardError, doing: str = "") -> CardProblemError:
    """A cardlib error as admin mode says it (by its code); a card pulled away while ``doing``
    (a phrase of kiosk.admin.messages.REMOVED_WHILE) says how to finish."""
    return CardProblemError(card_sentence(exc.code, doing), code=exc.code)


def check_serial(s: Session, serial: int, uid: str | None = None) -> None:
    """Refuse a serial out of range, or used by another card than ``uid``."""
    if not 1 <= serial <= UINT32_MAX:
        raise InvalidInputError(say("serial_range", max=UINT32_MAX))
    other = s.scalar(select(Card).where(Card.serial == serial))
    if other is not None and other.uid != uid:
        raise RefusedError(
            say(
                "serial_taken",
                serial=serial,
                uid=other.uid.upper(),
                status=word("status", other.status.value),
            ),
            code="serial_taken",
        )


class Issuer:
    """Issues cards on the reader's card for one site."""

    def __init__(
        self,
        db: Database,
        cards: CardService,
        currency: int,
        clock: Callable[[], dt.datetime] = utcnow,
    ) -> None:
        self.db = db
        self.cards = cards
        self.currency = currency
        self.clock = clock

    # -- tenant cards ------------------------------------------------------------------------

    def issue(
        self, connection: CardConnection, request: TenantCardRequest, actor: str
    ) -> IssuedCard:
        if request.role not in (CardRole.METER, CardRole.WALLET):
            raise InvalidInputError(say("tenant_card_role"))
        if not 1 <= request.tenant_id <= UINT32_MAX:
            raise InvalidInputError(say("tenant_id_range", max=UINT32_MAX))
        utility = Utility.NONE
        uid = self._uid_before(connection)
        with self.db.session() as s:
            self._check_new_card(s, uid)
            check_serial(s, request.serial)
            if request.role is CardRole.METER:
                utility = self._check_meter(s, request, uid)
        issue = Issue(
            role=CARD_ROLES[request.role],
            card_serial=request.serial,
            tenant_id=request.tenant_id,
            meter_id=request.meter_id or 0,
            utility=utility,
            currency=self.currency,
        )
        state, resumed = self._personalise(connection, issue)
        uid = state.uid.hex()
        with self.db.session() as s:
            self._check_new_card(s, uid)
            check_serial(s, request.serial)
            self._ensure_tenant(s, request)
            if request.role is CardRole.METER:
                self._ensure_meter(s, request)
            s.add(
                Card(
                    uid=uid,
                    role=request.role,
                    serial=request.serial,
                    site_id=self.cards.site_id,
                    tenant_id=request.tenant_id,
                    meter_id=request.meter_id if request.role is CardRole.METER else None,
                    status=CardStatus.ACTIVE,
                    issued_at=self.clock(),
                )
            )
            audit.record(
                s,
                actor,
                "card_issued",
                uid,
                {
                    "role": request.role.value,
                    "serial": request.serial,
                    "tenant": request.tenant_id,
                    "meter": request.meter_id,
                    "resumed": resumed,
                },
                self.clock(),
            )
        return IssuedCard(
            uid,
            request.role,
            request.serial,
            request.tenant_id,
            None,
            request.meter_id if request.role is CardRole.METER else None,
            state.card_type.label,
            resumed,
        )

    def _check_meter(self, s: Session, request: TenantCardRequest, uid: str | None) -> Utility:
        if not request.meter_id:
            raise InvalidInputError(say("meter_card_needs_meter"))
        if not 1 <= request.meter_id <= UINT32_MAX:
            raise InvalidInputError(say("meter_id_range", max=UINT32_MAX))
        meter = s.get(Meter, request.meter_id)
        if meter is None:
            if not request.tariff_code:
                raise NotFoundError(say("meter_not_registered", meter=request.meter_id))
            if request.utility not in UTILITIES:
                raise InvalidInputError(say("meter_bad_utility", utility=repr(request.utility)))
            return UTILITIES[request.utility]
        if meter.kind is not MeterKind.CARD:
            raise RefusedError(say("meter_networked", meter=meter.id), code="not_card_meter")
        if meter.tenant_id is not None and meter.tenant_id != request.tenant_id:
            raise RefusedError(
                say(
                    "meter_other_tenant",
                    meter=meter.id,
                    owner=meter.tenant_id,
                    tenant=request.tenant_id,
                ),
                code="meter_of_other_tenant",
            )
        active = s.scalar(
            select(Card).where(
                Card.meter_id == meter.id,
                Card.status == CardStatus.ACTIVE,
                Card.uid != (uid or ""),
            )
        )
        if active is not None:
            raise RefusedError(
                say("meter_has_card", meter=meter.id, serial=active.serial), code="meter_has_card"
            )
        if meter.utility not in UTILITIES:
            raise RefusedError(
                say("meter_utility_no_card", meter=meter.id, utility=repr(meter.utility))
            )
        return UTILITIES[meter.utility]

    def _ensure_tenant(self, s: Session, request: TenantCardRequest) -> None:
        if s.get(Tenant, request.tenant_id) is None:
            s.add(
                Tenant(
                    id=request.tenant_id,
                    site_id=self.cards.site_id,
                    name=request.tenant_name.strip() or f"Tenant {request.tenant_id}",
                    unit=request.unit.strip(),
                )
            )
            s.flush()

    def _ensure_meter(self, s: Session, request: TenantCardRequest) -> None:
        assert request.meter_id is not None
        meter = s.get(Meter, request.meter_id)
        if meter is None:
            s.add(
                Meter(
                    id=request.meter_id,
                    site_id=self.cards.site_id,
                    tenant_id=request.tenant_id,
                    kind=MeterKind.CARD,
                    utility=request.utility,
                    tariff_code=request.tariff_code or "",
                )
            )
        elif meter.tenant_id is None:
            meter.tenant_id = request.tenant_id
        s.flush()

    # -- staff cards -------------------------------------------------------------------------

    def issue_staff(
        self, connection: CardConnection, staff_id: int, serial: int, actor: str
    ) -> IssuedCard:
        uid = self._uid_before(connection)
        with self.db.session() as s:
            self._check_staff(s, staff_id, uid)
            self._check_new_card(s, uid)
            check_serial(s, serial)
        issue = Issue(
            role=Role.STAFF, card_serial=serial, tenant_id=staff_id, currency=self.currency
        )
        state, resumed = self._personalise(connection, issue)
        uid = state.uid.hex()
        with self.db.session() as s:
            self._check_staff(s, staff_id, uid)
            self._check_new_card(s, uid)
            check_serial(s, serial)
            s.add(
                Card(
                    uid=uid,
                    role=CardRole.STAFF,
                    serial=serial,
                    site_id=self.cards.site_id,
                    staff_id=staff_id,
                    status=CardStatus.ACTIVE,
                    issued_at=self.clock(),
                )
            )
            audit.record(
                s,
                actor,
                "staff_card_issued",
                uid,
                {"staff": staff_id, "serial": serial, "resumed": resumed},
                self.clock(),
            )
        return IssuedCard(
            uid, CardRole.STAFF, serial, None, staff_id, None, state.card_type.label, resumed
        )

    @staticmethod
    def _check_staff(s: Session, staff_id: int, uid: str | None) -> None:
        staff = s.get(Staff, staff_id)
        if staff is None:
            raise NotFoundError(say("no_staff_member", staff_id=staff_id))
        if not staff.active:
            raise RefusedError(say("staff_inactive", name=staff.name), code="staff_inactive")
        active = s.scalar(
            select(Card).where(
                Card.staff_id == staff_id,
                Card.status == CardStatus.ACTIVE,
                Card.uid != (uid or ""),
            )
        )
        if active is not None:
            raise RefusedError(
                say("staff_has_card", name=staff.name, serial=active.serial),
                code="staff_has_card",
            )

    # -- blocking --------------------------------------------------------------------------------

    def block(self, uid: str, reason: str, actor: str) -> None:
        """Blacklist a card (lost, stolen): refused at every tap from now on. Its value stays in
        the ledger; to move it onto a new card, replace the card instead."""
        if not reason.strip():
            raise InvalidInputError(say("block_needs_reason"))
        uid = uid.strip().lower()
        with self.db.session() as s:
            card = s.scalar(select(Card).where(Card.uid == uid))
            if card is None:
                raise NotFoundError(say("no_card_here", uid=uid.upper()))
            if card.status is not CardStatus.ACTIVE:
                raise RefusedError(
                    say(
                        "card_already_status",
                        uid=uid.upper(),
                        status=word("status", card.status.value),
                    ),
                    code="not_active",
                )
            card.status = CardStatus.BLACKLISTED
            audit.record(s, actor, "card_blocked", uid, {"reason": reason[:200]}, self.clock())

    # -- the card --------------------------------------------------------------------------------

    def _uid_before(self, connection: CardConnection) -> str | None:
        """The UID of the card before it is issued (None: a blank memory card, whose id is only
        assigned when it is issued)."""
        try:
            uid = medium_for(connection).uid
        except CardError as exc:
            raise card_problem(exc, "it was being issued") from exc
        blank = uid in (bytes(len(uid)), b"\xff" * len(uid))
        return None if blank else uid.hex()

    def _check_new_card(self, s: Session, uid: str | None) -> None:
        if uid is None:
            return
        known = s.scalar(select(Card).where(Card.uid == uid))
        if known is not None:
            raise RefusedError(
                say(
                    "already_issued_here",
                    role=word("role", known.role.value),
                    serial=known.serial,
                    status=word("status", known.status.value),
                ),
                code="already_issued",
            )

    def _personalise(self, connection: CardConnection, issue: Issue) -> tuple[CardState, bool]:
        """Personalise (or finish personalising) the card; (its state, whether it was resumed)."""
        try:
            return self.cards.personalise(connection, issue), False
        except AlreadyIssuedError:
            pass
        except CardError as exc:
            raise card_problem(exc, "it was being issued") from exc
        # finished on the card but never recorded here: the same header means the same issue
        try:
            state = self.cards.read(connection)
        except CardError as exc:
            raise card_problem(exc, "it was being issued") from exc
        h = state.header
        same = (
            h.role is issue.role
            and h.card_serial == issue.card_serial
            and h.tenant_id == issue.tenant_id
            and h.meter_id == issue.meter_id
            and state.kiosk.counter == 0
        )
        if not same:
            raise RefusedError(
                say(
                    "already_issued_staff" if h.role is Role.STAFF else "already_issued_tenant",
                    role=word("role", h.role.name.lower()),
                    serial=h.card_serial,
                    holder=h.tenant_id,
                ),
                code="already_issued",
            )
        return state, True
