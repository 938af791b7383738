"""The X and Z reports: the day's top-ups, refunds and net per payment method, checked against the
payment simulator's statement; a day closed once, Z numbers that count up."""

from __future__ import annotations

import datetime as dt
import socket
from zoneinfo import ZoneInfo

import pytest

from kiosk.admin import InvalidInputError, RefusedError
from kiosk.admin.reports import day_window
from kiosk.payments.simulator.client import SimulatorProvider
from tests import cards
from tests.unit.test_admin_env import MANAGER, SECRET, WALLET_REQUEST, Rig, admin_rig


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


def test_a_day_is_closed_once_and_z_numbers_count_up(tmp_path):
    with admin_rig(tmp_path) as rig:
        session = rig.login(MANAGER)
        today = rig.admin.day_end(session).report
        with pytest.raises(RefusedError, match="was closed already: Z 1") as caught:
            rig.admin.day_end(session)
        assert caught.value.code == "day_closed"
        yesterday = today.business_day - dt.timedelta(days=1)
        assert rig.admin.day_end(session, yesterday).report.z_number == 2
        with pytest.raises(InvalidInputError, match="has not begun yet"):
            rig.admin.day_end(session, today.business_day + dt.timedelta(days=1))
        assert [d.z_number for d in rig.admin.closed_days(session)] == [2, 1]
        # an X report of a closed day is still there to look at, and records nothing
        assert rig.admin.x_report(session, today.business_day).kind == "X"
        assert len(rig.admin.closed_days(session)) == 2


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


def test_the_business_day_is_the_sites_local_day():
    start, end = day_window(dt.date(2026, 11, 25), "Asia/Shanghai")
    assert start == dt.datetime(2026, 11, 24, 16, tzinfo=dt.UTC)
    assert end == dt.datetime(2026, 11, 25, 16, tzinfo=dt.UTC)
