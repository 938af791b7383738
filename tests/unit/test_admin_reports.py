"""The X and Z reports: top-ups, refunds and net per payment method since the last Z, checked
against the payment simulator's statement. A Z closes the time since the previous Z up to the
moment it is taken, so every sale is in exactly one Z however many are taken a day; Z numbers
count up; the X report is what the next Z would show."""

from __future__ import annotations

import datetime as dt
import socket
from dataclasses import replace
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from kiosk.admin import RefusedError
from kiosk.admin.reports import MAX_STATEMENT_DAYS, DayReport, day_window, statement_days
from kiosk.db.models import Order
from kiosk.payments.simulator.client import SimulatorProvider
from tests import cards
from tests.unit.test_admin_env import MANAGER, SECRET, WALLET_REQUEST, Rig, admin_rig


def now(rig: Rig) -> None:
    """Bring the admin clock to the real time the ledger stamps entries with (it starts at the
    moment the rig was built, before the test's sales)."""
    rig.clock.now = dt.datetime.now(dt.UTC)


def cash_topup(rig: Rig, card: cards.EmulatedCard, amount: int) -> None:
    rig.put(card)
    tap = rig.topup.tap(rig.reader.connect())
    credit = rig.topup.staff_credit(tap, amount, MANAGER, "cash at the desk", cash=True)
    rig.topup.deliver(credit.id, tap.purse)


def flat(text: str) -> str:
    """A report's text with its lines joined: sentences wrap on 58 mm paper."""
    return " ".join(line.strip() for line in text.splitlines())


def as_x(z: DayReport) -> DayReport:
    return replace(z, kind="X", z_number=None, closed_by=None)


def a_day_of_sales(rig: Rig) -> dict[str, int]:
    """Two phone top-ups (one refunded before it reached the card), cash, goodwill."""
    card = cards.classic_1k()
    rig.issue(card, WALLET_REQUEST)
    kept = rig.pay_by_phone(card, 50_00)
    rig.put(card)
    tap = rig.topup.tap(rig.reader.connect())
    order = rig.topup.request_payment(rig.topup.choose(tap, rig.topup.items_for(tap, 30_00)[0]).id)
    rig.simulator.pay(order.out_trade_no)
    rig.topup.check_payment(order.id)
    rig.topup.abandon(order.id)
    rig.topup.refund(order.id, MANAGER, "tenant changed their mind")
    for amount, cash in ((20_00, True), (5_00, False)):
        rig.put(card)
        tap = rig.topup.tap(rig.reader.connect())
        credit = rig.topup.staff_credit(tap, amount, MANAGER, "meter fault goodwill", cash=cash)
        rig.topup.deliver(credit.id, tap.purse)
    return {"kept": kept, "refunded": order.id}


def test_the_z_report_sums_each_payment_method_and_reconciles(tmp_path):
    with admin_rig(tmp_path) as rig:
        a_day_of_sales(rig)
        now(rig)
        closing = rig.admin.day_end(rig.login(MANAGER))
        report = closing.report
        lines = {m.label: (m.topups, m.topup_amount, m.refunds, m.refund_amount, m.net)
                 for m in report.methods}  # fmt: skip
        assert lines == {
            "simulator": (2, 80_00, 1, 30_00, 50_00),
            "cash": (1, 20_00, 0, 0, 20_00),
            "staff credit": (1, 5_00, 0, 0, 5_00),
        }
        assert (report.topup_amount, report.refund_amount, report.net) == (105_00, 30_00, 75_00)
        assert report.z_number == 1 and report.closed_by == MANAGER
        assert report.business_day == rig.clock.now.astimezone(ZoneInfo("Asia/Shanghai")).date()
        rec = report.reconciliation
        assert rec.available and rec.clean and rec.matched == 2
        text = closing.text
        for expected in (
            "Z REPORT 1",
            "SIMULATOR",
            "Refunds (1)",
            "-30.00 CNY",
            "STAFF CREDIT",
            "NET",
            "75.00 CNY",
        ):
            assert expected in text
        assert "Cash in the drawer" in text and "20.00 CNY" in text
        assert all(len(line) <= 32 for line in text.splitlines())
        closed = rig.audit("day_closed")[-1]
        assert closed.actor == "staff:1" and closed.detail["z_number"] == 1
        assert closed.detail["net"] == 75_00


def test_the_first_z_covers_everything_since_the_kiosks_first_business_day(tmp_path):
    with admin_rig(tmp_path) as rig:
        a_day_of_sales(rig)
        now(rig)
        with rig.db.session() as s:
            first = s.scalar(select(func.min(Order.created_at)))
        first_day = first.astimezone(ZoneInfo("Asia/Shanghai")).date()
        z = rig.admin.day_end(rig.login(MANAGER)).report
        assert z.z_number == 1 and z.previous_z is None
        assert (z.start, z.end) == (day_window(first_day, "Asia/Shanghai")[0], rig.clock.now)
        assert z.net == 75_00
        assert "(first business day)" in flat(z.text)
        (closed,) = rig.admin.closed_days(rig.login(MANAGER))
        assert (closed.period_start, closed.period_end) == (z.start, z.end)


def test_a_first_z_with_nothing_ever_sold_starts_at_the_start_of_today(tmp_path):
    with admin_rig(tmp_path) as rig:
        z = rig.admin.day_end(rig.login(MANAGER)).report
        today = rig.clock.now.astimezone(ZoneInfo("Asia/Shanghai")).date()
        assert (z.start, z.end) == (day_window(today, "Asia/Shanghai")[0], rig.clock.now)
        assert z.empty and z.net == 0 and z.z_number == 1
        assert "No top-ups or refunds in this period." in flat(z.text)


def test_a_sale_after_a_z_is_in_the_next_z_and_in_no_earlier_one(tmp_path):
    """The manager closes at 18:00; a top-up sold at 19:00 is in the next Z -- the same day."""
    with admin_rig(tmp_path) as rig:
        card = cards.classic_1k()
        rig.issue(card, WALLET_REQUEST)
        rig.pay_by_phone(card, 50_00)
        now(rig)
        session = rig.login(MANAGER)
        first = rig.admin.day_end(session)
        assert first.report.net == 50_00
        cash_topup(rig, card, 20_00)  # after the Z
        now(rig)
        second = rig.admin.day_end(session).report
        assert second.z_number == 2 and second.previous_z == 1
        assert second.business_day == first.report.business_day  # two Zs on one day
        assert second.start == first.report.end  # contiguous
        assert [(m.label, m.topup_amount) for m in second.methods] == [("cash", 20_00)]
        assert second.method("simulator") is None and second.net == 20_00
        assert "(end of Z 1)" in flat(second.text)
        # the first Z, as recorded and reprinted, is unchanged: the sale is not in it
        reprint = rig.admin.reports.closed_day(1).text
        assert reprint == first.text and "CASH" not in reprint
        # and it is in no Z after the second either
        rig.clock.advance(hours=1)
        third = rig.admin.day_end(rig.login(MANAGER)).report
        assert third.empty and third.start == second.end
        assert "No top-ups or refunds since Z 2." in flat(third.text)
        # every sale in exactly one Z
        assert first.report.net + second.net + third.net == 70_00


def test_a_refund_of_a_top_up_closed_in_an_earlier_z_is_the_later_zs_refund(tmp_path):
    with admin_rig(tmp_path) as rig:
        card = cards.classic_1k()
        rig.issue(card, WALLET_REQUEST)
        rig.put(card)
        tap = rig.topup.tap(rig.reader.connect())
        items = rig.topup.items_for(tap, 30_00)[0]
        order = rig.topup.request_payment(rig.topup.choose(tap, items).id)
        rig.simulator.pay(order.out_trade_no)
        rig.topup.check_payment(order.id)
        rig.topup.abandon(order.id)  # paid, not on the card yet: owed
        now(rig)
        session = rig.login(MANAGER)
        first = rig.admin.day_end(session).report
        assert (first.topup_amount, first.refund_amount) == (30_00, 0)
        assert (first.owed_orders, first.owed_amount) == (1, 30_00)
        rig.topup.refund(order.id, MANAGER, "tenant changed their mind")
        now(rig)
        second = rig.admin.day_end(session).report
        assert (second.topup_amount, second.refund_amount, second.net) == (0, 30_00, -30_00)
        assert (second.owed_orders, second.owed_amount) == (0, 0)


def test_z_periods_follow_each_other_without_gap_or_overlap(tmp_path):
    with admin_rig(tmp_path) as rig:
        card = cards.classic_1k()
        rig.issue(card, WALLET_REQUEST)
        session = rig.login(MANAGER)
        for amount in (1_00, 2_00, 3_00):
            cash_topup(rig, card, amount)
            now(rig)
            rig.admin.day_end(session)
        rig.clock.advance(days=2)  # a Z taken two days later covers both days
        session = rig.login(MANAGER)
        rig.admin.day_end(session)
        closed = rig.admin.closed_days(session)
        assert [d.z_number for d in closed] == [4, 3, 2, 1]
        oldest_first = closed[::-1]
        for before, after in zip(oldest_first, oldest_first[1:], strict=False):
            assert after.period_start == before.period_end
            assert after.period_start < after.period_end
        assert [d.text.count("CASH") for d in oldest_first] == [1, 1, 1, 0]
        assert oldest_first[-1].business_day == oldest_first[-2].business_day + dt.timedelta(2)


def test_the_x_report_is_what_the_next_z_shows_and_closes_nothing(tmp_path):
    with admin_rig(tmp_path) as rig:
        a_day_of_sales(rig)
        now(rig)
        session = rig.login(MANAGER)
        x = rig.admin.x_report(session)
        assert x.kind == "X" and x.z_number is None and x.previous_z is None
        assert rig.admin.closed_days(session) == []
        assert "X REPORT (not closed)" in x.text
        z = rig.admin.day_end(session).report
        assert as_x(z) == x
        card = cards.ntag213()
        rig.issue(card, replace(WALLET_REQUEST, serial=1002))
        cash_topup(rig, card, 7_00)
        now(rig)
        x = rig.admin.x_report(session)
        assert (x.start, x.previous_z, x.net) == (z.end, 1, 7_00)
        assert as_x(rig.admin.day_end(session).report) == x
        assert rig.audit("x_report")[-1].detail["previous_z"] == 1


def test_a_z_with_nothing_since_the_last_is_taken_and_says_so(tmp_path):
    with admin_rig(tmp_path) as rig:
        card = cards.classic_1k()
        rig.issue(card, WALLET_REQUEST)
        cash_topup(rig, card, 20_00)
        now(rig)
        session = rig.login(MANAGER)
        first = rig.admin.day_end(session).report
        again = rig.admin.day_end(session)  # at once: an empty period
        report = again.report
        assert (report.z_number, report.previous_z, report.empty, report.net) == (2, 1, True, 0)
        assert report.start == report.end == first.end
        assert "No top-ups or refunds since Z 1." in flat(again.text)
        assert "Cash in the drawer" in flat(again.text)
        assert [e.detail["z_number"] for e in rig.audit("day_closed")] == [1, 2]


def test_a_z_is_refused_while_the_clock_is_behind_the_last_one(tmp_path):
    with admin_rig(tmp_path) as rig:
        session = rig.login(MANAGER)
        rig.admin.day_end(session)
        rig.clock.advance(minutes=-5)  # the clock was set back
        with pytest.raises(RefusedError, match="before the end of Z 1") as caught:
            rig.admin.day_end(session)
        assert caught.value.code == "clock_behind"
        assert [d.z_number for d in rig.admin.closed_days(session)] == [1]


def test_the_x_report_shows_a_payment_the_kiosk_missed_without_closing_the_day(tmp_path):
    with admin_rig(tmp_path) as rig:
        card = cards.ntag213()
        rig.issue(card, WALLET_REQUEST)
        rig.put(card)
        tap = rig.topup.tap(rig.reader.connect())
        order = rig.topup.request_payment(
            rig.topup.choose(tap, rig.topup.items_for(tap, 9_00)[0]).id
        )
        rig.simulator.pay(order.out_trade_no)  # paid; the kiosk never heard (no poll, no notice)
        now(rig)
        session = rig.login(MANAGER)
        report = rig.admin.x_report(session)
        assert report.kind == "X" and report.z_number is None and report.methods == ()
        (diff,) = report.reconciliation.differences
        assert (diff.kind, diff.reference, diff.provider_amount) == (
            "paid_not_credited",
            order.out_trade_no,
            9_00,
        )
        assert "reconcile --settle" in diff.what_to_do
        assert "X REPORT" in report.text and order.out_trade_no in report.text.replace("\n", "")
        # the statement days (UTC) compared: those from the start of the first business day on
        days = report.reconciliation.days
        assert (
            days == tuple(statement_days(report.start, report.end))
            and not report.reconciliation.skipped_days
        )
        assert days[-1] == rig.clock.now.date()
        assert days[0].isoformat() in flat(report.text)
        assert rig.admin.closed_days(session) == []
        assert rig.audit("x_report")[-1].actor == "staff:1"


def test_a_day_closes_even_when_the_provider_cannot_be_reached_and_says_so(tmp_path):
    with admin_rig(tmp_path) as rig:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]  # nothing listens there once the probe is closed
        rig.topup.provider = SimulatorProvider(f"http://127.0.0.1:{port}", SECRET)
        closing = rig.admin.day_end(rig.login(MANAGER))
        rec = closing.report.reconciliation
        assert not rec.available and not rec.clean and rec.problem
        assert "NOT DONE" in closing.text
        assert closing.report.z_number == 1


def test_a_long_period_is_reconciled_on_its_latest_statement_days_and_says_which(tmp_path):
    with admin_rig(tmp_path) as rig:
        first = rig.admin.day_end(rig.login(MANAGER)).report
        rig.clock.advance(days=40)
        report = rig.admin.x_report(rig.login(MANAGER))
        rec = report.reconciliation
        every = statement_days(first.end, report.end)
        assert len(rec.days) == MAX_STATEMENT_DAYS and rec.days == tuple(every[-31:])
        assert rec.skipped_days == len(every) - 31 > 0
        assert rec.available and rec.clean
        text = flat(report.text)
        assert f"{rec.days[0].isoformat()} to {rec.days[-1].isoformat()}" in text
        assert "prepay-kiosk reconcile --day" in text


def test_statement_days_are_the_utc_days_a_period_touches():
    at = dt.datetime(2026, 11, 24, 23, 0, tzinfo=dt.UTC)
    assert statement_days(at, at) == [dt.date(2026, 11, 24)]
    assert statement_days(at, at + dt.timedelta(hours=1)) == [dt.date(2026, 11, 24)]
    assert statement_days(at, at + dt.timedelta(hours=1, microseconds=1)) == [
        dt.date(2026, 11, 24),
        dt.date(2026, 11, 25),
    ]
    assert len(statement_days(at, at + dt.timedelta(days=3))) == 4


def test_the_business_day_is_the_sites_local_day():
    start, end = day_window(dt.date(2026, 11, 25), "Asia/Shanghai")
    assert start == dt.datetime(2026, 11, 24, 16, tzinfo=dt.UTC)
    assert end == dt.datetime(2026, 11, 25, 16, tzinfo=dt.UTC)
