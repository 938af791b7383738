"""The day-end (Z) report and the X report: a business day's takings per payment method, checked
against the payment provider's statement.

- The business day is the site's local calendar day (Site.timezone), midnight to midnight.
- Takings come from the ledger, not from order states: money in is each order's PAYMENT, CASH or
  STAFF_CREDIT entry into UNDELIVERED, money out its REFUND entry, both by when they were posted.
  A refund posted today of a top-up paid yesterday is today's refund. Per method (the provider's
  name, "cash", staff credit): count and sum of top-ups, of refunds, and the net.
- Reconciliation (kiosk.reconcile) runs against the provider for the UTC days the local day spans
  (the providers' statements are per UTC day) and keeps the differences of orders created in the
  local day -- plus payments the kiosk does not know at all, which cannot be placed in a local day
  and are shown on the report of each day they could belong to. When the provider cannot be
  reached, the report says so: the day can still be closed (the kiosk works offline), and the
  reconciliation is run again later from the command line (`prepay-kiosk reconcile`).
- Closing the day (Z) records it (DayClose) with the next Z number of this kiosk and the report as
  printed, and audits it; a day is closed once. An X report is the same figures, not recorded.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from kiosk.admin import audit
from kiosk.admin.errors import InvalidInputError, NotFoundError, RefusedError
from kiosk.db import Database
from kiosk.db.base import utcnow
from kiosk.db.models import (
    Account,
    AccountKind,
    CardReplacement,
    DayClose,
    EntryKind,
    LedgerEntry,
    Order,
    Site,
)
from kiosk.money import format_amount
from kiosk.payments.provider import PaymentError, PaymentProvider
from kiosk.receipts.text import RULE, WIDTH_58MM, center, columns, wrap
from kiosk.reconcile import PAID_STATES, reconcile
from kiosk.topup.states import OrderState

METHOD_LABELS = {"cash": "cash", "staff": "staff credit"}
MONEY_IN = (EntryKind.PAYMENT, EntryKind.CASH, EntryKind.STAFF_CREDIT)
OWED = (OrderState.PAID, OrderState.WRITE_PENDING, OrderState.CREDIT_PENDING)
DIFFERENCE_HELP = {
    "paid_not_credited": "The provider took this payment and the kiosk did not record it: run "
    "`prepay-kiosk reconcile --settle`; the card gets it at its next tap.",
    "paid_unknown": "The provider took a payment this kiosk has no order for: check it with the "
    "provider.",
    "credited_not_paid": "The kiosk counted this order as paid; the provider does not: check with "
    "the provider before refunding or chasing it.",
    "amount_mismatch": "Kiosk and provider disagree on the amount: check with the provider.",
}


@dataclass(frozen=True)
class MethodTotals:
    method: str  # as on orders: the provider's name, "cash", "staff"
    label: str  # as printed: "simulator", "cash", "staff credit"
    topups: int
    topup_amount: int
    refunds: int
    refund_amount: int  # positive: money given back

    @property
    def net(self) -> int:
        return self.topup_amount - self.refund_amount


@dataclass(frozen=True)
class Difference:
    kind: str  # a key of DIFFERENCE_HELP
    reference: str
    kiosk_amount: int | None
    provider_amount: int | None
    kiosk_state: str | None
    provider_status: str | None
    what_to_do: str


@dataclass(frozen=True)
class ReconciliationSummary:
    provider: str
    #: False when the provider could not be asked (``problem`` says why)
    available: bool
    problem: str
    matched: int
    differences: tuple[Difference, ...]

    @property
    def clean(self) -> bool:
        return self.available and not self.differences


@dataclass(frozen=True)
class DayReport:
    kind: str  # "X" or "Z"
    kiosk_id: str
    site_name: str
    business_day: dt.date
    timezone: str
    start: dt.datetime  # UTC, inclusive
    end: dt.datetime  # UTC, exclusive
    generated_at: dt.datetime
    currency: int
    methods: tuple[MethodTotals, ...]
    #: paid orders of this kiosk not on a card yet, now (delivered at the card's next tap)
    owed_orders: int
    owed_amount: int
    cards_replaced: int
    reconciliation: ReconciliationSummary
    z_number: int | None = None
    closed_by: int | None = None

    @property
    def topup_amount(self) -> int:
        return sum(m.topup_amount for m in self.methods)

    @property
    def refund_amount(self) -> int:
        return sum(m.refund_amount for m in self.methods)

    @property
    def net(self) -> int:
        return self.topup_amount - self.refund_amount

    def method(self, name: str) -> MethodTotals | None:
        return next((m for m in self.methods if m.method == name), None)

    @property
    def text(self) -> str:
        """As printed on 58 mm paper (render_report for other widths)."""
        return render_report(self)


@dataclass(frozen=True)
class ClosedDay:
    z_number: int
    business_day: dt.date
    closed_at: dt.datetime
    closed_by: int | None
    text: str


class DayReports:
    """X and Z reports of one kiosk."""

    def __init__(
        self,
        db: Database,
        provider: PaymentProvider,
        kiosk_id: str,
        site_id: int,
        currency: int,
        clock: Callable[[], dt.datetime] = utcnow,
    ) -> None:
        self.db = db
        self.provider = provider
        self.kiosk_id = kiosk_id
        self.site_id = site_id
        self.currency = currency
        self.clock = clock

    def _site(self) -> tuple[str, str]:
        with self.db.session() as s:
            site = s.get(Site, self.site_id)
            return (site.name, site.timezone) if site else (f"Site {self.site_id}", "UTC")

    def business_day(self, at: dt.datetime | None = None) -> dt.date:
        """The site's local date at ``at`` (default: now)."""
        return (at or self.clock()).astimezone(ZoneInfo(self._site()[1])).date()

    def report(self, day: dt.date | None = None) -> DayReport:
        """The X report: the day's figures (default: today), not recorded."""
        return self._build(day or self.business_day(), "X")

    def close_day(self, day: dt.date, staff_id: int | None, actor: str) -> DayReport:
        """Close ``day`` (the Z report): recorded with the next Z number, audited, once."""
        if day > self.business_day():
            raise InvalidInputError(f"{day.isoformat()} has not begun yet: it cannot be closed.")
        report = self._build(day, "Z")
        try:
            with self.db.session() as s:
                done = s.scalar(
                    select(DayClose).where(
                        DayClose.kiosk_id == self.kiosk_id, DayClose.business_day == day
                    )
                )
                if done is not None:
                    when = done.closed_at.astimezone(ZoneInfo(report.timezone))
                    raise RefusedError(
                        f"{day.isoformat()} was closed already: Z {done.z_number}, "
                        f"{when:%Y-%m-%d %H:%M}. Print an X report to see the day again.",
                        code="day_closed",
                    )
                last = s.scalar(
                    select(func.max(DayClose.z_number)).where(DayClose.kiosk_id == self.kiosk_id)
                )
                report = replace(report, z_number=(last or 0) + 1, closed_by=staff_id)
                text = render_report(report)
                s.add(
                    DayClose(
                        kiosk_id=self.kiosk_id,
                        business_day=day,
                        timezone=report.timezone,
                        z_number=report.z_number,
                        closed_at=report.generated_at,
                        closed_by=staff_id,
                        totals=report_to_dict(report),
                        text=text,
                    )
                )
                audit.record(
                    s,
                    actor,
                    "day_closed",
                    day.isoformat(),
                    {
                        "z_number": report.z_number,
                        "net": report.net,
                        "topups": report.topup_amount,
                        "refunds": report.refund_amount,
                        "reconciled": report.reconciliation.clean,
                    },
                    report.generated_at,
                )
        except IntegrityError:
            # closed by someone else between the check and the insert (PostgreSQL)
            raise RefusedError(
                f"{day.isoformat()} was closed already.", code="day_closed"
            ) from None
        return report

    def closed_days(self, limit: int = 30) -> list[ClosedDay]:
        """This kiosk's Z reports, newest first, with their text as printed."""
        with self.db.session() as s:
            return [
                ClosedDay(d.z_number, d.business_day, d.closed_at, d.closed_by, d.text)
                for d in s.scalars(
                    select(DayClose)
                    .where(DayClose.kiosk_id == self.kiosk_id)
                    .order_by(DayClose.z_number.desc())
                    .limit(limit)
                )
            ]

    def closed_day(self, z_number: int) -> ClosedDay:
        found = [d for d in self.closed_days(limit=1_000_000) if d.z_number == z_number]
        if not found:
            raise NotFoundError(f"There is no Z report {z_number} on this kiosk.")
        return found[0]

    # -- the figures -----------------------------------------------------------------------------

    def _build(self, day: dt.date, kind: str) -> DayReport:
        site_name, tz = self._site()
        start, end = day_window(day, tz)
        owed_orders, owed_amount = self._owed()
        return DayReport(
            kind=kind,
            kiosk_id=self.kiosk_id,
            site_name=site_name,
            business_day=day,
            timezone=tz,
            start=start,
            end=end,
            generated_at=self.clock(),
            currency=self.currency,
            methods=self._methods(start, end),
            owed_orders=owed_orders,
            owed_amount=owed_amount,
            cards_replaced=self._replaced(start, end),
            reconciliation=self._reconcile(start, end),
        )

    def _methods(self, start: dt.datetime, end: dt.datetime) -> tuple[MethodTotals, ...]:
        def sums(kinds: tuple[EntryKind, ...]) -> dict[str, tuple[int, int]]:
            with self.db.session() as s:
                rows = s.execute(
                    select(
                        Order.method,
                        func.count(func.distinct(LedgerEntry.order_id)),
                        func.coalesce(func.sum(LedgerEntry.amount), 0),
                    )
                    .join(Account, Account.id == LedgerEntry.account_id)
                    .join(Order, Order.id == LedgerEntry.order_id)
                    .where(
                        Account.kind == AccountKind.UNDELIVERED,
                        LedgerEntry.kind.in_(kinds),
                        LedgerEntry.created_at >= start,
                        LedgerEntry.created_at < end,
                        Order.kiosk_id == self.kiosk_id,
                        Order.currency == self.currency,
                    )
                    .group_by(Order.method)
                ).all()
            return {method: (int(count), abs(int(total))) for method, count, total in rows}

        money_in, money_out = sums(MONEY_IN), sums((EntryKind.REFUND,))
        return tuple(
            MethodTotals(
                method,
                METHOD_LABELS.get(method, method),
                *money_in.get(method, (0, 0)),
                *money_out.get(method, (0, 0)),
            )
            for method in sorted(set(money_in) | set(money_out))
        )

    def _owed(self) -> tuple[int, int]:
        with self.db.session() as s:
            ids = list(
                s.scalars(
                    select(Order.id).where(Order.kiosk_id == self.kiosk_id, Order.state.in_(OWED))
                )
            )
            if not ids:
                return 0, 0
            total = s.scalar(
                select(func.coalesce(func.sum(LedgerEntry.amount), 0))
                .join(Account, Account.id == LedgerEntry.account_id)
                .where(LedgerEntry.order_id.in_(ids), Account.kind == AccountKind.UNDELIVERED)
            )
        return len(ids), int(total or 0)

    def _replaced(self, start: dt.datetime, end: dt.datetime) -> int:
        with self.db.session() as s:
            return int(
                s.scalar(
                    select(func.count(CardReplacement.id)).where(
                        CardReplacement.finished_at >= start, CardReplacement.finished_at < end
                    )
                )
                or 0
            )

    def _reconcile(self, start: dt.datetime, end: dt.datetime) -> ReconciliationSummary:
        name = self.provider.name
        days = sorted({start.date(), (end - dt.timedelta(microseconds=1)).date()})
        try:
            found = [reconcile(self.db, self.provider, d, self.kiosk_id) for d in days]
        except PaymentError as exc:
            return ReconciliationSummary(name, False, exc.message, 0, ())
        with self.db.session() as s:
            in_day = {
                ref: state
                for ref, state in s.execute(
                    select(Order.out_trade_no, Order.state).where(
                        Order.kiosk_id == self.kiosk_id,
                        Order.method == name,
                        Order.created_at >= start,
                        Order.created_at < end,
                    )
                )
            }
        differences: dict[str, Difference] = {}
        for rec in found:
            for kind, mismatches in (
                ("paid_not_credited", rec.paid_not_credited),
                ("credited_not_paid", rec.credited_not_paid),
                ("amount_mismatch", rec.amount_mismatch),
            ):
                for m in mismatches:
                    unknown = kind == "paid_not_credited" and m.kiosk_state is None
                    if m.out_trade_no not in in_day and not unknown:
                        continue  # an order of the neighbouring local day
                    label = "paid_unknown" if unknown else kind
                    differences[m.out_trade_no] = Difference(
                        label,
                        m.out_trade_no,
                        m.kiosk_amount,
                        m.provider_amount,
                        m.kiosk_state,
                        m.provider_status,
                        DIFFERENCE_HELP[label],
                    )
        matched = sum(
            1 for ref, state in in_day.items() if state in PAID_STATES and ref not in differences
        )
        return ReconciliationSummary(name, True, "", matched, tuple(differences.values()))


def day_window(day: dt.date, timezone: str) -> tuple[dt.datetime, dt.datetime]:
    """[local midnight, next local midnight) of ``day`` in ``timezone``, in UTC."""
    zone = ZoneInfo(timezone)
    start = dt.datetime.combine(day, dt.time(), zone)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), zone)
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


def report_to_dict(report: DayReport) -> dict:
    data = asdict(report)
    for key in ("business_day", "start", "end", "generated_at"):
        data[key] = getattr(report, key).isoformat()
    data["net"] = report.net
    return data


# -- as text -------------------------------------------------------------------------------------


def render_report(report: DayReport, width: int = WIDTH_58MM) -> str:
    """The report for the receipt printer (or the screen), ``width`` columns."""

    def money(v: int) -> str:
        return format_amount(v, report.currency)

    zone = ZoneInfo(report.timezone)
    title = f"Z REPORT {report.z_number}" if report.kind == "Z" else "X REPORT (day not closed)"
    lines = center(report.site_name, width) + center(title, width)
    lines += columns("Kiosk", report.kiosk_id, width)
    lines += columns("Day", f"{report.business_day.isoformat()} {report.timezone}", width)
    lines += columns("Printed", f"{report.generated_at.astimezone(zone):%Y-%m-%d %H:%M}", width)
    if report.closed_by is not None:
        lines += columns("Closed by", f"staff {report.closed_by}", width)
    lines.append(RULE * width)
    if not report.methods:
        lines += wrap("No top-ups or refunds this day.", width)
    for m in report.methods:
        lines.append(m.label.upper())
        lines += columns(f"  Top-ups ({m.topups})", money(m.topup_amount), width)
        lines += columns(f"  Refunds ({m.refunds})", money(-m.refund_amount), width)
        lines += columns("  Net", money(m.net), width)
    lines.append(RULE * width)
    lines += columns("TOTAL TOP-UPS", money(report.topup_amount), width)
    lines += columns("TOTAL REFUNDS", money(-report.refund_amount), width)
    lines += columns("NET", money(report.net), width)
    cash = report.method("cash")
    lines += columns("Cash in the drawer", money(cash.net if cash else 0), width)
    lines += columns(f"Owed to cards ({report.owed_orders})", money(report.owed_amount), width)
    lines += columns("Cards replaced", str(report.cards_replaced), width)
    lines.append(RULE * width)
    r = report.reconciliation
    lines += wrap(f"Reconciliation with {r.provider}", width)
    if not r.available:
        lines += wrap(f"NOT DONE: {r.problem}", width)
    else:
        lines += columns("Matched", str(r.matched), width)
        lines += columns("Differences", str(len(r.differences)), width)
        for d in r.differences:
            amounts = (
                f"kiosk {money(d.kiosk_amount) if d.kiosk_amount is not None else '-'}, "
                f"provider {money(d.provider_amount) if d.provider_amount is not None else '-'}"
            )
            lines += wrap(f"* {d.reference}: {d.kind.replace('_', ' ')} ({amounts})", width)
            lines += wrap(f"  {d.what_to_do}", width)
    return "\n".join(lines) + "\n"
