"""Admin mode, as the touchscreen sees it: one object, every staff action a blocking method.

The screens call these from a worker thread and only show what comes back; every decision and
check is here. Each action takes the :class:`StaffSession` from :meth:`AdminService.login`, which
must still be live (not idle too long, staff member and card still active), checks the staff
member's role (kiosk.admin.roles), and is audited -- a refused one too (``not_allowed``). Pure
look-ups (lists of orders, tariffs, cards, the audit log itself) are not audited; actions that move
money are audited where the money moves (TopUpService: ``cash_credit``, ``refund_requested``,
``refunded``), the others here. Errors are :class:`~kiosk.admin.errors.AdminError` only.

Cards are used on the reader given at construction: the staff card for :meth:`login`, the
tenant's card for a cash top-up, a blank card to issue, the new card of a replacement, any card to
read. ``card_wait`` seconds (default 0) is how long to wait for a card before saying there is none.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from argon2 import PasswordHasher
from sqlalchemy import select

from cardlib.errors import CardError
from cardlib.reader.base import CardConnection, Reader
from kiosk.admin import audit, directory, hardware, orders, tariffs
from kiosk.admin.auth import LoginPolicy, StaffAuth, StaffSession
from kiosk.admin.directory import CardSummary
from kiosk.admin.errors import (
    CardProblemError,
    InvalidInputError,
    NotAllowedError,
    NotFoundError,
    RefusedError,
    ServiceError,
)
from kiosk.admin.hardware import HardwareCheck, MeterSource, SyncStatus
from kiosk.admin.inspect import CardReport, inspect_card
from kiosk.admin.issuing import IssuedCard, Issuer, TenantCardRequest, card_problem
from kiosk.admin.lower import admin_errors, check_limits
from kiosk.admin.messages import Sentence, say, word
from kiosk.admin.orders import OrderSummary
from kiosk.admin.replacement import ReplacementPreview, ReplacementResult, Replacer
from kiosk.admin.reports import ClosedDay, DayReport, DayReports
from kiosk.admin.roles import Action, allowed
from kiosk.admin.tariffs import TariffDetail, TariffSummary
from kiosk.app import Kiosk
from kiosk.db.base import utcnow
from kiosk.db.models import (
    CardReplacement,
    CardWrite,
    Order,
    ReplacementStatus,
    Site,
    WriteStatus,
)
from kiosk.receipts.model import Receipt, ReceiptError
from kiosk.receipts.printer import ReceiptPrinter
from kiosk.receipts.text import render_text
from kiosk.topup.model import CardAwayError
from kiosk.topup.states import OrderState


@dataclass(frozen=True)
class PrintOutcome:
    printed: bool
    #: why not, when a printer is set up and failed; empty when printed or no printer
    problem: str = ""


@dataclass(frozen=True)
class CashTopUp:
    order: OrderSummary
    #: False: the card left during the write; the credit waits for its next tap (CREDIT_PENDING)
    delivered: bool
    #: the card's kiosk record value after: wallet balance, or the meter purchase
    card_value: int
    receipt: Receipt | None
    receipt_text: str
    printout: PrintOutcome
    #: what happened, for the staff member
    said: Sentence

    @property
    def message(self) -> str:
        return self.said.text


@dataclass(frozen=True)
class Reprint:
    receipt: Receipt
    text: str
    printout: PrintOutcome


@dataclass(frozen=True)
class DayEnd:
    report: DayReport
    #: as recorded with the Z number and printed
    text: str
    printout: PrintOutcome


class AdminService:
    """Admin mode over one kiosk and its reader (see the module docstring)."""

    def __init__(
        self,
        kiosk: Kiosk,
        reader: Reader | None,
        *,
        clock: Callable[[], dt.datetime] = utcnow,
        printer: ReceiptPrinter | None = None,
        meters: MeterSource | None = None,
        policy: LoginPolicy | None = None,
        hasher: PasswordHasher | None = None,
        card_wait: float = 0.0,
    ) -> None:
        self.kiosk = kiosk
        self.reader = reader
        self.clock = clock
        self.printer = printer
        self.meters = meters
        self.card_wait = card_wait
        self.db = kiosk.db
        self.currency = kiosk.config.currency
        with self.db.session() as s:
            site = s.get(Site, kiosk.config.site_id)
            self.timezone = site.timezone if site is not None else "UTC"
        self.auth = StaffAuth(
            self.db, clock=clock, policy=policy, hasher=hasher, timezone=self.timezone
        )
        self.issuer = Issuer(self.db, kiosk.cards, self.currency, clock)
        self.replacer = Replacer(kiosk.topup, self.currency, clock)

    @property
    def _backend_url(self) -> str | None:
        sync = self.kiosk.config.sync
        return sync.url if sync.enabled else None

    @property
    def reports(self) -> DayReports:
        # the top-up service's provider, read at each use: it is the one orders are paid through
        return DayReports(
            self.db,
            self.kiosk.topup.provider,
            self.kiosk.topup.kiosk_id,
            self.kiosk.config.site_id,
            self.currency,
            self.clock,
        )

    # -- sessions ----------------------------------------------------------------------------------

    def login(self, pin: str) -> StaffSession:
        """Sign in with the staff card on the reader and ``pin``."""
        with self._card() as conn:
            try:
                state = self.kiosk.cards.read(conn)
            except CardError as exc:
                with self.db.session() as s:
                    audit.record(
                        s, "reader", "login_failed", "", {"reason": exc.code}, self.clock()
                    )
                raise card_problem(exc) from exc
        return self.auth.login(state, pin)

    def logout(self, session: StaffSession) -> None:
        self.auth.logout(session)

    def is_live(self, session: StaffSession) -> bool:
        return self.auth.is_live(session)

    def set_pin(self, session: StaffSession, pin: str, staff_id: int | None = None) -> None:
        """A new PIN for oneself (any role) or, for a manager, for ``staff_id``."""
        target = session.staff_id if staff_id is None else staff_id
        action = Action.CHANGE_OWN_PIN if target == session.staff_id else Action.SET_PIN
        session = self._require(session, action)
        self.auth.set_pin(target, pin, actor=audit.staff_actor(session.staff_id))

    # -- cards -------------------------------------------------------------------------------------

    def issue_card(self, session: StaffSession, request: TenantCardRequest) -> IssuedCard:
        """Issue the blank card on the reader for a tenant (see kiosk.admin.issuing)."""
        session = self._require(session, Action.ISSUE_CARD)
        with self._card() as conn, admin_errors("it was being issued"):
            return self.issuer.issue(conn, request, audit.staff_actor(session.staff_id))

    def issue_staff_card(self, session: StaffSession, staff_id: int, serial: int) -> IssuedCard:
        session = self._require(session, Action.ISSUE_STAFF_CARD)
        with self._card() as conn, admin_errors("it was being issued"):
            return self.issuer.issue_staff(
                conn, staff_id, serial, audit.staff_actor(session.staff_id)
            )

    def block_card(self, session: StaffSession, uid: str, reason: str) -> None:
        """Blacklist a lost or stolen card (refused at every tap from now on)."""
        session = self._require(session, Action.BLOCK_CARD)
        self.issuer.block(uid, reason, audit.staff_actor(session.staff_id))

    def find_cards(
        self,
        session: StaffSession,
        *,
        tenant_id: int | None = None,
        serial: int | None = None,
        uid: str | None = None,
        staff_id: int | None = None,
    ) -> list[CardSummary]:
        self._require(session, Action.READ_CARD)
        return directory.find_cards(
            self.db, tenant_id=tenant_id, serial=serial, uid=uid, staff_id=staff_id
        )

    def read_card(self, session: StaffSession) -> CardReport:
        """Everything about the card on the reader, decoded and raw (keys never shown)."""
        session = self._require(session, Action.READ_CARD)
        with self._card() as conn, admin_errors():
            report = inspect_card(conn, self.kiosk.cards, self.db, self.currency)
        self._audit(session, "card_read", report.uid, {"tap": report.tap_code})
        return report

    def replacement_preview(self, session: StaffSession, old_uid: str) -> ReplacementPreview:
        self._require(session, Action.REPLACE_CARD)
        return self.replacer.preview(old_uid)

    def replace_card(
        self,
        session: StaffSession,
        old_uid: str,
        new_serial: int,
        reason: str,
        *,
        accept_uncertain: bool = False,
    ) -> ReplacementResult:
        """Replace the lost card ``old_uid`` by the blank card on the reader (or finish a
        replacement cut short, with its new card on the reader). See kiosk.admin.replacement."""
        session = self._require(session, Action.REPLACE_CARD)
        with self._card() as conn, admin_errors("the new card was being written"):
            return self.replacer.replace(
                conn,
                old_uid,
                new_serial,
                reason,
                actor=audit.staff_actor(session.staff_id),
                staff_id=session.staff_id,
                accept_uncertain=accept_uncertain,
            )

    # -- money -----------------------------------------------------------------------------------

    def cash_topup(self, session: StaffSession, amount: int, note: str = "") -> CashTopUp:
        """Cash taken by staff, credited to the card on the reader (minor units)."""
        session = self._require(session, Action.CASH_TOPUP)
        if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
            raise InvalidInputError(say("cash_amount_zero"))
        topup = self.kiosk.topup
        with self._card() as conn, admin_errors("the credit was being written"):
            tap = topup.tap(conn)
            spent = topup.spent_today(tap.uid)
            check_limits(topup.limits, amount, spent, tap.purse.state.header.currency)
            order = topup.staff_credit(
                tap, amount, session.staff_id, note.strip() or "cash top-up", cash=True
            )
            try:
                order = topup.deliver(order.id, tap.purse)
                delivered = order.state is OrderState.DONE
            except CardAwayError:
                order, delivered = topup.abandon(order.id), False
            value = tap.purse.state.kiosk.value
        summary = self._order_summary(order.id)
        if not delivered:
            return CashTopUp(
                summary, False, value, None, "", PrintOutcome(False), say("cash_not_delivered")
            )
        receipt = orders.stored_receipt(self.db, order.id)
        return CashTopUp(
            summary,
            True,
            value,
            receipt,
            render_text(receipt),
            self._print_receipt(receipt),
            say("cash_on_card"),
        )

    def refund(self, session: StaffSession, order_id: int, reason: str) -> OrderSummary:
        """Give back a paid top-up whose credit never reached a card."""
        session = self._require(session, Action.REFUND)
        # the top-up service's own refusals, said here first in admin mode's words (same class
        # and code as the ServiceError its TopUpError would become)
        if not reason.strip():
            raise ServiceError(say("refund_needs_reason"), code="topup_error")
        with self.db.session() as s:
            order = s.get(Order, order_id)
            if order is None:
                raise NotFoundError(say("no_order", order=order_id))
            if order.state not in orders.REFUNDABLE_STATES:
                raise ServiceError(
                    say("refund_not_refundable", state=word("state", order.state.value)),
                    code="topup_error",
                )
            in_doubt = s.scalar(
                select(CardWrite.id).where(
                    CardWrite.order_id == order_id, CardWrite.status == WriteStatus.PENDING
                )
            )
            if in_doubt is not None:
                raise ServiceError(say("refund_write_in_doubt"), code="topup_error")
            busy = s.scalar(
                select(CardReplacement).where(
                    CardReplacement.old_uid == order.card_uid,
                    CardReplacement.status == ReplacementStatus.STARTED,
                )
            )
        if busy is not None:
            raise RefusedError(say("replacement_in_progress"), code="replacement_in_progress")
        with admin_errors():
            self.kiosk.topup.refund(order_id, session.staff_id, reason)
        return self._order_summary(order_id)

    def reprint(self, session: StaffSession, order_id: int) -> Reprint:
        """The receipt as recorded at the time of sale; printed when there is a printer."""
        session = self._require(session, Action.REPRINT)
        receipt = orders.stored_receipt(self.db, order_id)
        printout = self._print_receipt(receipt)
        self._audit(session, "receipt_reprinted", receipt.receipt_no, {"printed": printout.printed})
        return Reprint(receipt, render_text(receipt), printout)

    def recent_orders(
        self,
        session: StaffSession,
        limit: int = 20,
        *,
        refundable_only: bool = False,
        with_receipt_only: bool = False,
    ) -> list[OrderSummary]:
        self._require(session, Action.VIEW_ORDERS)
        return orders.recent_orders(
            self.db,
            self.kiosk.topup.kiosk_id,
            limit,
            refundable_only=refundable_only,
            with_receipt_only=with_receipt_only,
        )

    # -- tariffs -----------------------------------------------------------------------------------

    def tariffs(self, session: StaffSession) -> list[TariffSummary]:
        self._require(session, Action.VIEW_TARIFFS)
        return tariffs.list_tariffs(self.db, self.clock())

    def tariff(self, session: StaffSession, code: str, version: int | None = None) -> TariffDetail:
        self._require(session, Action.VIEW_TARIFFS)
        return tariffs.show_tariff(self.db, code, self.clock(), version)

    def publish_tariff(
        self,
        session: StaffSession,
        definition: Mapping[str, Any] | str,
        valid_from: dt.datetime | None = None,
    ) -> TariffSummary:
        """Check and publish a tariff version (its JSON form); mistakes name the field."""
        session = self._require(session, Action.PUBLISH_TARIFF)
        actor = audit.staff_actor(session.staff_id)
        published = tariffs.publish_tariff(self.db, definition, actor, self.clock(), valid_from)
        self._audit(
            session,
            "tariff_published",
            published.ref,
            {"digest": published.digest, "valid_from": published.valid_from.isoformat()},
        )
        return published

    # -- reports ---------------------------------------------------------------------------------

    def x_report(self, session: StaffSession) -> DayReport:
        """The figures since the last Z report, until now -- what the next Z would close --
        without closing anything."""
        session = self._require(session, Action.X_REPORT)
        report = self.reports.report()
        self._audit(
            session,
            "x_report",
            report.business_day.isoformat(),
            {"net": report.net, "since": report.start.isoformat(), "previous_z": report.previous_z},
        )
        return report

    def day_end(self, session: StaffSession) -> DayEnd:
        """The Z report: close the period since the last Z (the first: since the kiosk's first
        business day) up to now -- recorded with the next Z number, and printed. Taken with
        nothing since the last Z too; the report says so."""
        session = self._require(session, Action.DAY_END)
        reports = self.reports
        report = reports.close(session.staff_id, audit.staff_actor(session.staff_id))
        assert report.z_number is not None
        text = reports.closed_day(report.z_number).text
        return DayEnd(report, text, self._print_lines(text))

    def closed_days(self, session: StaffSession, limit: int = 30) -> list[ClosedDay]:
        self._require(session, Action.X_REPORT)
        return self.reports.closed_days(limit)

    # -- status ----------------------------------------------------------------------------------

    def sync_status(self, session: StaffSession) -> SyncStatus:
        self._require(session, Action.SYNC_STATUS)
        return hardware.sync_status(self.db, self.timezone, self._backend_url, self.clock())

    def hardware_check(self, session: StaffSession) -> list[HardwareCheck]:
        """Reader, printer, payment provider, networked meters, database, sync (audited by its
        own database write)."""
        session = self._require(session, Action.HARDWARE_CHECK)
        return hardware.run_checks(
            db=self.db,
            provider=self.kiosk.topup.provider,
            reader=self.reader,
            printer=self.printer,
            meters=self.meters,
            actor=audit.staff_actor(session.staff_id),
            now=self.clock(),
            timezone=self.timezone,
            backend_url=self._backend_url,
        )

    def audit_log(
        self,
        session: StaffSession,
        limit: int = 100,
        *,
        actor: str | None = None,
        action: str | None = None,
        subject: str | None = None,
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
    ) -> list[audit.AuditRow]:
        self._require(session, Action.VIEW_AUDIT)
        return audit.audit_log(
            self.db, limit, actor=actor, action=action, subject=subject, since=since, until=until
        )

    # -- helpers -------------------------------------------------------------------------------

    def _require(self, session: StaffSession, action: Action) -> StaffSession:
        session = self.auth.touch(session)
        if not allowed(session.role, action):
            self._audit(session, "not_allowed", action.value, {"role": session.role.value})
            raise NotAllowedError(action.value, session.role.value)
        return session

    def _audit(
        self, session: StaffSession, action: str, subject: str, detail: dict[str, Any]
    ) -> None:
        with self.db.session() as s:
            audit.record(
                s, audit.staff_actor(session.staff_id), action, subject, detail, self.clock()
            )

    @contextmanager
    def _card(self) -> Iterator[CardConnection]:
        if self.reader is None:
            raise CardProblemError(say("no_reader"), code="reader_error")
        try:
            if self.card_wait > 0:
                conn = self.reader.connect_when_present(self.card_wait)
            else:
                conn = self.reader.connect()
        except CardError as exc:
            raise card_problem(exc) from exc
        try:
            yield conn
        finally:
            conn.disconnect()

    def _order_summary(self, order_id: int) -> OrderSummary:
        with self.db.session() as s:
            order = s.get(Order, order_id)
            if order is None:
                raise NotFoundError(say("no_order", order=order_id))
            has_receipt = order.state is OrderState.DONE
            return orders.summarise(order, has_receipt)

    def _print_receipt(self, receipt: Receipt) -> PrintOutcome:
        if self.printer is None:
            return PrintOutcome(False)
        try:
            self.printer.print_receipt(receipt)
        except ReceiptError as exc:
            return PrintOutcome(False, exc.message)
        return PrintOutcome(True)

    def _print_lines(self, text: str) -> PrintOutcome:
        if self.printer is None:
            return PrintOutcome(False)
        try:
            self.printer.print_lines(text.splitlines())
        except ReceiptError as exc:
            return PrintOutcome(False, exc.message)
        return PrintOutcome(True)
