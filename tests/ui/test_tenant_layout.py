"""Every tenant screen fits: filled with the fullest views the session makes (every meter alert, a
refusal, five top-ups, several notices, the longest sentences, an 80 mm receipt), in portrait
and landscape, no text is clipped (ui.layout_check) and the QR codes keep whole-pixel modules.

Languages: English now. Simplified Chinese joins by itself once assets/i18n/prepay_zh_CN.ts exists
(it is produced by running lupdate over ui/ and translating); until then it is reported skipped.
"""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import QCoreApplication, QEvent
from PySide6.QtWidgets import QPushButton

from kiosk.payments.qr_image import MIN_MODULE_PX
from kiosk.session.messages import MESSAGES, say
from kiosk.session.views import (
    AccountView,
    AmountChoice,
    AmountView,
    CardKind,
    ForecastView,
    MessageView,
    MeterStateView,
    PaymentView,
    Preview,
    ReceiptView,
    Screen,
    TariffView,
    TransactionView,
    WritingView,
)
from ui.i18n import Language, Translations, ts_path
from ui.layout_check import clipped_texts
from ui.tenant.screens import build_screens, window_key
from ui.theme import touch_px
from ui.widgets.qr import QrCode
from ui.widgets.screen import Orientation
from ui.window import KioskWindow

pytestmark = pytest.mark.gui

AT = dt.datetime(2026, 11, 24, 6, 5, tzinfo=dt.UTC)
CNY = 156
LANGUAGES = [
    Language.EN,
    pytest.param(
        Language.ZH_CN,
        marks=pytest.mark.skipif(
            not ts_path(Language.ZH_CN).exists(),
            reason="no assets/i18n/prepay_zh_CN.ts yet (made by lupdate over ui/, then translated)",
        ),
    ),
]


def longest_message() -> str:
    return max(MESSAGES, key=lambda key: len(MESSAGES[key][0]))


def preview() -> Preview:
    return Preview(
        amount=2_000_00,
        amount_text="2,000.00 CNY",
        credit=1_799_00,
        credit_text="1,799.00 CNY",
        fee=1_00,
        fee_text="1.00 CNY",
        debt_recovered=200_00,
        debt_text="200.00 CNY",
        units=2_091_860,
        units_text="2,091.8 kWh",
        tariff_ref="ELEC v1",
        message=say("preview_units", amount="2,000.00 CNY", units="2,091.8 kWh"),
    )


def views() -> dict[Screen, object]:
    """The fullest payload of every tenant screen (ATTRACT has none)."""
    meter = MeterStateView(
        utility="electricity",
        reading=1_234_567_800,
        reading_text="1,234,567.8 kWh",
        credit=-12_345_67,
        credit_text="-12,345.67 CNY",
        relay_closed=False,
        low_credit=True,
        emergency_credit=True,
        tamper=True,
        low_battery=True,
        refusal=say("meter_refused_old_purchase"),
        at=AT,
        at_text="2026-11-24 14:05",
    )
    tariff = TariffView(
        code="ELEC",
        version=3,
        name="Commercial electricity, time of use",
        price_text="now 1.2345 CNY/kWh (peak)",
        fee=1_00,
        fee_text="1.00 CNY",
    )
    forecast = ForecastView(
        days_left=123,
        runs_out_on=dt.date(2027, 3, 27),
        daily_cost=12_34,
        daily_cost_text="12.34 CNY",
        daily_units=14_000,
        samples=12,
        message=say("forecast_days", daily="12,345.67 CNY", days="123", date="2027-03-27"),
    )
    transactions = tuple(
        TransactionView(
            reference=f"K1-20261124-{i:010d}",
            at=AT,
            at_text="2026-11-24 14:05",
            amount=2_000_00,
            amount_text="2,000.00 CNY",
            method="simulator",
            state=state,
            status=say(f"tx_{state}"),
        )
        for i, state in enumerate(("credit_pending", "done", "refunded", "done", "done"))
    )
    account = AccountView(
        kind=CardKind.METER,
        card_serial=123456,
        card_masked="****3456",
        tenant_id=1203,
        tenant_name="Lumen Studio Architecture & Interior Design Ltd.",
        tenant_unit="12-03A",
        currency=CNY,
        balance=1_999_00,
        balance_text="1,999.00 CNY",
        meter=meter,
        tariff=tariff,
        forecast=forecast,
        transactions=transactions,
        notices=(
            say("write_in_doubt"),
            say("credit_delivered", amount="2,000.00 CNY"),
            say("purchase_not_loaded", amount="1,999.00 CNY"),
            say("meter_state_unreadable"),
        ),
    )
    presets = tuple(
        AmountChoice(a, f"{a // 100:,}.00 CNY", a <= 2_000_00)
        for a in (20_00, 50_00, 100_00, 200_00, 500_00, 5_000_00)
    )
    amount = AmountView(
        currency=CNY,
        presets=presets,
        entry="123456789.12",
        amount=2_000_00,
        preview=preview(),
        error=say("limit_daily", limit="5,000.00 CNY", left="2,000.00 CNY"),
        min_amount=1_00,
        max_amount=2_000_00,
        limits=say("limits_today", min="1.00 CNY", max="2,000.00 CNY"),
    )
    pay_url = "http://127.0.0.1:54321/pay/K1-20261124-0123456789abcdef"
    paying = PaymentView(
        reference="K1-20261124-0123456789",
        qr_payload=pay_url,
        amount=2_000_00,
        amount_text="2,000.00 CNY",
        expires_at=AT,
        seconds_left=119,
        preview=preview(),
        card_on_reader=False,
        hint=say("pay_card_away", amount="2,000.00 CNY"),
        notice=say("wrong_card_paying", card="****3456"),
    )
    writing = WritingView(
        reference="K1-20261124-0123456789",
        amount=2_000_00,
        amount_text="2,000.00 CNY",
        card_masked="****3456",
        message=say("writing", amount="2,000.00 CNY"),
        seconds_left=None,
    )
    away = WritingView(
        reference="K1-20261124-0123456789",
        amount=2_000_00,
        amount_text="2,000.00 CNY",
        card_masked="****3456",
        message=say("card_put_back", card="****3456", amount="2,000.00 CNY"),
        seconds_left=59,
    )
    receipt = ReceiptView(
        reference="K1-20261124-0123456789",
        receipt_no="K1-000123",
        amount=2_000_00,
        amount_text="2,000.00 CNY",
        lines=tuple(f"{'Line ' + str(i):<30}{'2,000.00 CNY':>18}" for i in range(24)),
        verify_url="https://verify.example.com/r?no=K1-000123&sig=" + "A" * 43,
        printed=False,
        print_message=say("receipt_not_printed"),
        balance_after=None,
        balance_after_text=None,
        to_load=1_799_00,
        to_load_text="1,799.00 CNY",
        message=say("done_meter", to_load="1,799.00 CNY"),
    )
    message = MessageView(say(longest_message(), amount="2,000.00 CNY"), call_staff=True)
    return {
        Screen.ACCOUNT: account,
        Screen.AMOUNT: amount,
        Screen.PAYING: paying,
        Screen.WRITING: writing,
        Screen.CARD_AWAY: away,
        Screen.DONE: receipt,
        Screen.MESSAGE: message,
    }


def settle_layout() -> None:
    """Run the layout requests the texts just posted (each pass may post the next level's)."""
    for _ in range(5):
        QCoreApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("orientation", list(Orientation), ids=lambda o: o.name.lower())
def test_every_tenant_screen_fits(qtbot, qapp, orientation: Orientation, language: Language):
    translations = Translations(qapp)
    window = KioskWindow(translations, orientation)
    window.stop_tick()
    qtbot.addWidget(window)
    screens = build_screens()
    for screen, widget in screens.items():
        window.add_screen(window_key(screen), widget)
    window.show()
    if language is not Language.EN:
        window.set_language(language)
    payloads = views()
    try:
        for screen, widget in screens.items():
            if screen in payloads:
                widget.show_view(payloads[screen])
            window.show_screen(window_key(screen))
            qtbot.waitUntil(lambda w=widget: w.size() == window.stack.size())
            settle_layout()
            # a screen whose minimum does not fit makes the offscreen window grow (a real panel
            # cannot): the window must keep the panel's size
            assert window.size().toTuple() == orientation.size, f"{screen.name} does not fit"
            assert widget.size().toTuple() == window.stack.size().toTuple()
            problems = [str(c) for c in clipped_texts(widget)]
            assert problems == [], f"{screen.name} ({orientation.name}): {problems}"
            touch = touch_px(window.screen().logicalDotsPerInch())
            small = [
                b.objectName() or b.text()
                for b in widget.findChildren(QPushButton)
                if b.isVisibleTo(widget) and min(b.width(), b.height()) < touch
            ]
            assert small == [], f"{screen.name}: buttons under {touch} px (15 mm): {small}"
            for qr in widget.findChildren(QrCode):
                if qr.isVisibleTo(widget):
                    assert qr.module_px() >= MIN_MODULE_PX, f"{screen.name}: QR too small"
    finally:
        if language is not Language.EN:
            window.set_language(Language.EN)


def test_the_payment_code_is_large_in_both_orientations(qtbot, qapp):
    window = KioskWindow(Translations(qapp))
    window.stop_tick()
    qtbot.addWidget(window)
    screens = build_screens()
    for screen, widget in screens.items():
        window.add_screen(window_key(screen), widget)
    window.show()
    paying = screens[Screen.PAYING]
    paying.show_view(views()[Screen.PAYING])
    window.show_screen(window_key(Screen.PAYING))
    qr = paying.findChild(QrCode, "paying_qr")
    assert isinstance(qr, QrCode)
    for orientation in Orientation:
        window.set_orientation(orientation)
        qtbot.waitUntil(lambda: paying.size() == window.stack.size())
        settle_layout()
        side = qr.modules * qr.module_px()
        # at least 60 % of the short side of the screen: scanned from arm's length
        assert side >= 0.6 * min(orientation.size) * 0.9, (orientation, side)
