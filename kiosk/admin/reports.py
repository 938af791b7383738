"""The day-end (Z) report and the X report: a kiosk's takings per payment method since its last
Z report, checked against the payment provider's statement.

- A Z report closes a *period*, not a calendar day: from the end of this kiosk's previous Z (the
  first Z: from the start of the business day of the first order or card replacement it ever
  recorded, or of today when there is none) up to the moment it is taken, [start, end). The
  periods of a kiosk follow each other without gap or overlap, so every sale is in exactly one Z,
  whenever the Zs are taken: a Z at 18:00 and another at 23:00 the same day are fine, and a top-up
  sold at 19:00 is in the second. Z numbers run 1, 2, 3 ... per kiosk.
- A Z with nothing since the previous one is taken all the same (a till does that) and says so:
  "No top-ups or refunds since Z n." It is a record that the drawer was checked and empty.
- The X report is the period the next Z would close -- since the last Z, until now -- and is not
  recorded.
- The business day printed on a report is the site's local date (Site.timezone) of its end.
- Takings come from the ledger, not from order states: money in is each order's PAYMENT, CASH or
  STAFF_CREDIT entry into UNDELIVERED, money out its REFUND entry, both by when they were posted.
  A refund posted in this period of a top-up paid in an earlier one is this period's refund. Per
  method (the provider's name, "cash", staff credit): count and sum of top-ups, of refunds, and
  the net.
- Reconciliation (kiosk.reconcile) runs against the provider's statements of the UTC days the
  period touches (the statements are per UTC day; the report names the days it compared, at most
  the last MAX_STATEMENT_DAYS of a long period) and keeps the differences of orders created in
  the period -- plus payments the kiosk does not know at all, which cannot be placed in a period
  and are shown on each report whose statement days list them. When the provider cannot be
  reached, the report says so: the Z is taken all the same (the kiosk works offline), and the
  reconciliation is run again later from the command line (`prepay-kiosk reconcile --day`).
- A Z is recorded (DayClose) with its period, its Z number and the report as printed, and audited.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kiosk.admin import audit
from kiosk.admin.errors import NotFoundError, RefusedError
from kiosk.admin.messages import say
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

#: the most provider statement days one report compares (a long first period: the latest ones)
MAX_STATEMENT_DAYS = 31
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
    #: the provider statement days (UTC) compared, or that were to be when it is not available
    days: tuple[dt.date, ...] = ()
    #: earlier statement days of the period left out (more than MAX_STATEMENT_DAYS)
    skipped_days: int = 0

    @property
    def clean(self) -> bool:
        return self.available and not self.differences


@dataclass(frozen=True)
class DayReport:
    kind: str  # "X" or "Z"
    kiosk_id: str
    site_name: str
    #: the site's local date of ``end``
    business_day: dt.date
    timezone: str
    #: the period, UTC: [start, end). start is the previous Z's end (the first Z: the start of
    #: the kiosk's first business day); end is when the report was taken
    start: dt.datetime
    end: dt.datetime
    generated_at: dt.datetime
    currency: int
    methods: tuple[MethodTotals, ...]
    #: paid orders of this kiosk not on a card yet, now (delivered at the card's next tap)
    owed_orders: int
    owed_amount: int
    cards_replaced: int
    reconciliation: ReconciliationSummary
    #: the Z number of the Z the period follows (None: this is, or would be, the first Z)
    previous_z: int | None = None
    z_number: int | None = None
    closed_by: int | None = None

    @property
    def empty(self) -> bool:
        """No top-ups and no refunds in the period."""
        return not self.methods

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
    """A Z report as recorded: the period it closed (UTC, [period_start, period_end))."""

    z_number: int
    business_day: dt.date
    period_start: dt.datetime
    period_end: dt.datetime
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

    def report(self) -> DayReport:
        """The X report: the period the next Z would close (since the last Z, until now), not
        recorded."""
        now = self.clock()
        start, previous = self._period_start(now)
        return self._build("X", start, max(start, now), previous)

    def close(self, staff_id: int | None, actor: str) -> DayReport:
        """Take the Z report: close the period since the last Z (the first: since the kiosk's
        first business day) up to now, record it with the next Z number and audit it. A period
        with no top-ups or refunds is closed too; its report says so."""
        now = self.clock()
        start, previous = self._period_start(now)
        if now < start:
            _, tz = self._site()
            raise RefusedError(
                say("clock_behind", now=_local(now, tz), z=previous, end=_local(start, tz)),
                code="clock_behind",
            )
        report = self._build("Z", start, now, previous)
        try:
            with self.db.session() as s:
                last = self._last(s)
                if last is not None and last.z_number != previous:
                    # another Z was recorded while the figures were being made
                    raise RefusedError(
                        say(
                            "z_taken_meanwhile",
                            z=last.z_number,
                            when=_local(last.period_end, report.timezone),
                        ),
                        code="day_closed",
                    )
                report = replace(report, z_number=(previous or 0) + 1, closed_by=staff_id)
                text = render_report(report)
                s.add(
                    DayClose(
                        kiosk_id=self.kiosk_id,
                        business_day=report.business_day,
                        period_start=report.start,
                        period_end=report.end,
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
                    report.business_day.isoformat(),
                    {
                        "z_number": report.z_number,
                        "period_start": report.start.isoformat(),
                        "period_end": report.end.isoformat(),
                        "net": report.net,
                        "topups": report.topup_amount,
                        "refunds": report.refund_amount,
                        "reconciled": report.reconciliation.clean,
                    },
                    report.generated_at,
                )
        except IntegrityError:
            # the same Z number recorded by someone else between the check and the insert
            raise RefusedError(say("z_taken_same_time"), code="day_closed") from None
        return report

    def closed_days(self, limit: int = 30) -> list[ClosedDay]:
        """This kiosk's Z reports, newest first, with their text as printed."""
        with self.db.session() as s:
            return [
                _closed(d)
                for d in s.scalars(
                    select(DayClose)
                    .where(DayClose.kiosk_id == self.kiosk_id)
                    .order_by(DayClose.z_number.desc())
                    .limit(limit)
                )
            ]

    def closed_day(self, z_number: int) -> ClosedDay:
        with self.db.session() as s:
            found = s.scalar(
                select(DayClose).where(
                    DayClose.kiosk_id == self.kiosk_id, DayClose.z_number == z_number
                )
            )
            if found is None:
                raise NotFoundError(say("no_z_report", z=z_number))
            return _closed(found)

    # -- the period ------------------------------------------------------------------------------

    def _last(self, s: Session) -> DayClose | None:
        return s.scalars(
            select(DayClose)
            .where(DayClose.kiosk_id == self.kiosk_id)
            .order_by(DayClose.z_number.desc())
            .limit(1)
        ).first()

    def _period_start(self, now: dt.datetime) -> tuple[dt.datetime, int | None]:
        """Where the next Z's period starts, and the Z number it follows (None: the first Z)."""
        with self.db.session() as s:
            last = self._last(s)
            if last is not None:
                return last.period_end, last.z_number
            first = [
                t
                for t in (
                    s.scalar(
                        select(func.min(Order.created_at)).where(Order.kiosk_id == self.kiosk_id)
                    ),
                    s.scalar(select(func.min(CardReplacement.finished_at))),
                )
                if t is not None
            ]
        _, tz = self._site()
        start, _ = day_window(self.business_day(min(first, default=now)), tz)
        return min(start, now), None

    # -- the figures -----------------------------------------------------------------------------

    def _build(
        self, kind: str, start: dt.datetime, end: dt.datetime, previous: int | None
    ) -> DayReport:
        site_name, tz = self._site()
        owed_orders, owed_amount = self._owed()
        return DayReport(
            kind=kind,
            kiosk_id=self.kiosk_id,
            site_name=site_name,
            business_day=self.business_day(end),
            timezone=tz,
            start=start,
            end=end,
            generated_at=end,
            currency=self.currency,
            methods=self._methods(start, end),
            owed_orders=owed_orders,
            owed_amount=owed_amount,
            cards_replaced=self._replaced(start, end),
            reconciliation=self._reconcile(start, end),
            previous_z=previous,
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
        every = statement_days(start, end)
        days = tuple(every[-MAX_STATEMENT_DAYS:])
        skipped = len(every) - len(days)
        # orders of the period the compared statements cover (all of it, unless days were skipped)
        since = max(start, dt.datetime.combine(days[0], dt.time(), dt.UTC))
        try:
            found = [reconcile(self.db, self.provider, d, self.kiosk_id) for d in days]
        except PaymentError as exc:
            return ReconciliationSummary(name, False, exc.message, 0, (), days, skipped)
        with self.db.session() as s:
            in_period = {
                ref: state
                for ref, state in s.execute(
                    select(Order.out_trade_no, Order.state).where(
                        Order.kiosk_id == self.kiosk_id,
                        Order.method == name,
                        Order.created_at >= since,
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
                    if m.out_trade_no not in in_period and not unknown:
                        continue  # an order of a neighbouring period
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
            1 for ref, state in in_period.items() if state in PAID_STATES and ref not in differences
        )
        return ReconciliationSummary(
            name, True, "", matched, tuple(differences.values()), days, skipped
        )


def statement_days(start: dt.datetime, end: dt.datetime) -> list[dt.date]:
    """The UTC days [start, end) touches, oldest first: the provider statements that cover it. An
    empty period (start == end) touches the day it is in."""
    first = start.astimezone(dt.UTC)
    last = max(first, end.astimezone(dt.UTC) - dt.timedelta(microseconds=1))
    return [
        first.date() + dt.timedelta(days=i) for i in range((last.date() - first.date()).days + 1)
    ]


def _local(at: dt.datetime, timezone: str) -> str:
    return f"{at.astimezone(ZoneInfo(timezone)):%Y-%m-%d %H:%M:%S}"


def _closed(d: DayClose) -> ClosedDay:
    return ClosedDay(
        d.z_number, d.business_day, d.period_start, d.period_end, d.closed_at, d.closed_by, d.text
    )


def day_window(day: dt.date, timezone: str) -> tuple[dt.datetime, dt.datetime]:
    """[local midnight, next local midnight) of ``day`` in ``timezone``, in UTC (the first Z's
    period starts at the first of these of the kiosk)."""
    zone = ZoneInfo(timezone)
    start = dt.datetime.combine(day, dt.time(), zone)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), zone)
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


def report_to_dict(report: DayReport) -> dict:
    data = asdict(report)
    for key in ("business_day", "start", "end", "generated_at"):
        data[key] = getattr(report, key).isoformat()
    data["reconciliation"]["days"] = [d.isoformat() for d in report.reconciliation.days]
    data["net"] = report.net
    return data


# -- as text -------------------------------------------------------------------------------------


def render_report(report: DayReport, width: int = WIDTH_58MM) -> str:
    """The report for the receipt printer (or the screen), ``width`` columns.

    Printed and recorded (DayClose.text) as it is, in English whatever language the screen shows:
    a record is not re-worded by the language of whoever reads it (kiosk.admin.messages)."""

    def money(v: int) -> str:
        return format_amount(v, report.currency)

    title = f"Z REPORT {report.z_number}" if report.kind == "Z" else "X REPORT (not closed)"
    lines = center(report.site_name, width) + center(title, width)
    lines += columns("Kiosk", report.kiosk_id, width)
    lines += columns("Day", f"{report.business_day.isoformat()} {report.timezone}", width)
    lines += columns("From", _local(report.start, report.timezone), width)
    since = "first business day" if report.previous_z is None else f"end of Z {report.previous_z}"
    lines += columns("", f"({since})", width)
    lines += columns("To", _local(report.end, report.timezone), width)
    if report.closed_by is not None:
        lines += columns("Closed by", f"staff {report.closed_by}", width)
    lines.append(RULE * width)
    if report.empty:
        lines += wrap(
            "No top-ups or refunds in this period."
            if report.previous_z is None
            else f"No top-ups or refunds since Z {report.previous_z}.",
            width,
        )
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
    if r.days:
        span = r.days[0].isoformat()
        if len(r.days) > 1:
            span += f" to {r.days[-1].isoformat()}"
        lines += columns("Statement days (UTC)", span, width)
    if r.skipped_days:
        earlier = "day was" if r.skipped_days == 1 else f"{r.skipped_days} days were"
        lines += wrap(
            f"The earlier {earlier} not compared: run `prepay-kiosk reconcile --day YYYY-MM-DD` "
            "for each.",
            width,
        )
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
