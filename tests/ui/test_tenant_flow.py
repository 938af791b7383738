"""The tenant's touchscreen end to end, as a tenant uses it: cards put on the real (emulated)
reader, real buttons clicked, the session and the payment simulator running for real behind the
controller. Each test checks what the screen shows."""

from __future__ import annotations

from typing import TypeVar

import pytest
from sqlalchemy import select

from cardlib.errors import ReaderError
from kiosk.db.models import Card, CardStatus
from kiosk.payments.qr_image import MIN_MODULE_PX
from kiosk.session.views import (
    AccountView,
    AmountView,
    MessageView,
    PaymentView,
    ReceiptView,
    Screen,
    StaffCardView,
)
from tests.ui.test_tenant_env import IDLE_S, TenantUi, colours, qr_png, tenant_ui, zbar
from ui.tenant.screens import (
    AccountScreen,
    AmountScreen,
    AttractScreen,
    DoneScreen,
    MessageScreen,
    PayingScreen,
)
from ui.tenant.screens.base import TenantScreen
from ui.widgets.keypad import DELETE
from ui.widgets.screen import Orientation

pytestmark = pytest.mark.gui

BLACK, WHITE = 0x000000, 0xFFFFFF
T = TypeVar("T", bound=TenantScreen)


@pytest.fixture()
def ui(qtbot, qapp, tmp_path):
    with tenant_ui(qtbot, qapp, tmp_path / "site") as u:
        yield u


def screen_of(ui: TenantUi, screen: Screen, cls: type[T]) -> T:
    widget = ui.screen(screen)
    assert isinstance(widget, cls)
    assert ui.shown == f"tenant.{screen.value}", f"{ui.shown} is shown, not {screen.value}"
    return widget


def to_amount(ui: TenantUi, card: str) -> AmountScreen:
    ui.tap(card)
    ui.click(screen_of(ui, Screen.ACCOUNT, AccountScreen).top_up_button)
    return screen_of(ui, Screen.AMOUNT, AmountScreen)


def type_keys(ui: TenantUi, amount: AmountScreen, keys: str) -> None:
    for key in keys:
        ui.click(amount.keypad.buttons[key])


@pytest.mark.parametrize("orientation", list(Orientation), ids=lambda o: o.name.lower())
def test_a_meter_card_from_tap_to_receipt(ui: TenantUi, orientation: Orientation):
    ui.window.set_orientation(orientation)
    ui.site.insert_into_meter("elec_1203")  # the meter writes its state back onto the card
    view = ui.tap("elec_1203")
    account = screen_of(ui, Screen.ACCOUNT, AccountScreen)
    a = view.payload
    assert isinstance(a, AccountView) and a.meter is not None and a.tariff is not None
    assert account.title.text() == "Lumen Studio · 12-03"
    assert account.card.text() == "Meter card ****5001"
    assert account.meter.values["reading"].text() == a.meter.reading_text
    assert account.meter.values["credit"].text() == a.meter.credit_text
    # a new meter with no credit loaded yet has cut the supply
    assert not a.meter.relay_closed and account.meter.values["supply"].text() == "Off"
    assert account.meter.values["tariff"].text() == "Standard electricity: 0.86 CNY/kWh"
    assert account.meter.values["fee"].text() == "1.00 CNY"
    assert account.meter_panel.isVisible()

    ui.click(account.top_up_button)
    amount = screen_of(ui, Screen.AMOUNT, AmountScreen)
    assert [b.text() for b in amount.preset_buttons] == [
        "20.00 CNY",
        "50.00 CNY",
        "100.00 CNY",
        "200.00 CNY",
    ]
    assert not amount.pay_button.isEnabled()  # nothing chosen yet
    assert amount.limits.text() == "Top up from 1.00 CNY to 2,000.00 CNY."

    priced = ui.click(amount.preset_buttons[1]).payload
    assert isinstance(priced, AmountView) and priced.preview is not None
    assert priced.preview.units_text is not None and priced.preview.units_text.endswith("kWh")
    assert amount.units.text() == priced.preview.units_text
    assert amount.preview.text() == f"50.00 CNY buys {priced.preview.units_text}."
    assert amount.details.text() == "Service fee 1.00 CNY · Onto the card 49.00 CNY"
    assert amount.entry.text() == "50.00 CNY"

    paying_view = ui.click(amount.pay_button)
    paying = screen_of(ui, Screen.PAYING, PayingScreen)
    p = paying_view.payload
    assert isinstance(p, PaymentView) and p.qr_payload
    assert paying.amount.text() == "50.00 CNY"
    assert (
        paying.hint.text()
        == "Scan the code with your phone to pay 50.00 CNY. Keep your card on the reader."
    )
    assert paying.countdown.text().startswith("Time left to pay: ")
    ui.qtbot.waitUntil(lambda: paying.qr.module_px() >= MIN_MODULE_PX)  # laid out
    assert zbar(qr_png(paying.qr)) == p.qr_payload  # the code shown is exactly the payload
    assert colours(paying.qr) <= {BLACK, WHITE}  # sharp: no smoothed grey edges

    assert ui.site.pay_pending() == p.reference  # the phone pays
    done_view = ui.tick()  # the session sees it paid, writes the card, and the receipt shows
    assert ui.screens_seen()[-2:] == [Screen.WRITING, Screen.DONE]
    done = screen_of(ui, Screen.DONE, DoneScreen)
    r = done_view.payload
    assert isinstance(r, ReceiptView) and r.lines
    assert done.receipt.text().splitlines() == list(r.lines)
    assert done.message.text() == "Done. Insert your card into the meter to load 49.00 CNY."
    assert done.print_message.text() == f"Your receipt number is {r.receipt_no}."
    assert not done.qr.isVisible()  # no verification link configured in the demo

    ui.remove()  # the tenant takes the card ...
    assert ui.shown == "tenant.done"  # ... and the receipt stays to be read
    ui.click(done.ok_button)
    screen_of(ui, Screen.ATTRACT, AttractScreen)


def test_a_wallet_card_topped_up_on_the_keypad(ui: TenantUi):
    ui.tap("wallet")
    account = screen_of(ui, Screen.ACCOUNT, AccountScreen)
    assert account.card.text() == "Wallet card ****5003"
    assert account.balance.text() == "0.00 CNY"
    assert not account.meter_panel.isVisible()
    assert account.no_history.isVisible()

    ui.click(account.top_up_button)
    amount = screen_of(ui, Screen.AMOUNT, AmountScreen)
    type_keys(ui, amount, "50")
    assert amount.entry.text() == "50"
    assert amount.preview.text() == "50.00 CNY goes onto your card."
    assert not amount.details.isVisible() and not amount.units.isVisible()

    ui.click(amount.pay_button)
    assert ui.site.pay_pending() is not None
    ui.tick()
    done = screen_of(ui, Screen.DONE, DoneScreen)
    assert done.message.text() == "Done. 50.00 CNY has been added; your card now holds 50.00 CNY."

    ui.click(done.ok_button)  # the card is still on the reader: its account again
    account = screen_of(ui, Screen.ACCOUNT, AccountScreen)
    assert account.balance.text() == "50.00 CNY"
    status = account.history_rows[0][2]
    assert status.isVisible() and status.text() == "Done"
    ui.click(account.done_button)
    screen_of(ui, Screen.ATTRACT, AttractScreen)


def test_a_bad_keypad_entry_is_refused_with_the_sessions_sentence(ui: TenantUi):
    amount = to_amount(ui, "wallet")
    type_keys(ui, amount, "1.234")
    assert amount.error.isVisible()
    assert amount.error.text() == "Amounts in CNY have at most 2 decimal places."
    assert amount.error.property("tone") == "warning"
    assert not amount.pay_button.isEnabled()

    type_keys(ui, amount, DELETE)
    assert not amount.error.isVisible()
    assert amount.preview.text() == "1.23 CNY goes onto your card."
    assert amount.pay_button.isEnabled()

    type_keys(ui, amount, ".")
    assert amount.error.text() == "Type the amount with digits and at most one decimal point."
    assert not amount.pay_button.isEnabled()


def test_an_amount_over_the_limit_cannot_be_paid(ui: TenantUi):
    amount = to_amount(ui, "elec_1507")
    type_keys(ui, amount, "5000")
    assert amount.entry.text() == "5000"
    assert amount.error.text() == "The largest top-up is 2,000.00 CNY."
    assert not amount.preview.isVisible()
    assert not amount.pay_button.isEnabled()
    assert all(b.isEnabled() for b in amount.preset_buttons)  # presets are within the limits

    ui.click(amount.back_button)
    screen_of(ui, Screen.ACCOUNT, AccountScreen)


def test_cancel_on_the_qr_code_goes_back_to_the_account(ui: TenantUi):
    amount = to_amount(ui, "wallet")
    ui.click(amount.preset_buttons[0])
    ui.click(amount.pay_button)
    ui.click(screen_of(ui, Screen.PAYING, PayingScreen).cancel_button)
    account = screen_of(ui, Screen.ACCOUNT, AccountScreen)
    assert account.notices.texts() == ["The top-up was cancelled. Nothing was charged."]
    assert ui.site.pending_payment() is None


def test_idle_screens_go_back_to_attract(ui: TenantUi):
    amount = to_amount(ui, "elec_1507")
    type_keys(ui, amount, "12")
    shown = len(ui.views)
    ui.mono.advance(IDLE_S - 1)
    ui.tick()
    assert ui.shown == "tenant.amount"
    assert len(ui.views) == shown  # an unchanged view is not drawn again every second
    ui.mono.advance(1)
    assert ui.tick().screen is Screen.ATTRACT
    screen_of(ui, Screen.ATTRACT, AttractScreen)

    again = to_amount(ui, "elec_1507")  # the next tenant starts with nothing typed
    assert again.keypad.text == "" and again.entry.text() == "0"
    assert not again.pay_button.isEnabled()


def test_a_failing_session_call_shows_a_sentence_not_a_traceback(ui: TenantUi, monkeypatch):
    def broken() -> None:
        raise RuntimeError("database is locked")

    ui.tap("wallet")
    monkeypatch.setattr(ui.session, "start_amount", broken)
    view = ui.click(screen_of(ui, Screen.ACCOUNT, AccountScreen).top_up_button)
    message = screen_of(ui, Screen.MESSAGE, MessageScreen)
    assert isinstance(view.payload, MessageView) and view.payload.message.key == "kiosk_error"
    assert message.sentence.text().startswith("Something went wrong at this kiosk.")
    assert "database" not in message.sentence.text()
    ui.tick()  # the session still shows the account: a tick does not hide the sentence
    assert ui.shown == "tenant.message"
    ui.click(message.ok_button)  # OK asks the session, which answers with its own screen
    screen_of(ui, Screen.ACCOUNT, AccountScreen)


def test_a_failing_reader_is_told_on_the_attract_screen(ui: TenantUi, monkeypatch):
    def unplugged() -> bool:
        raise ReaderError("The reader was unplugged.")

    monkeypatch.setattr(ui.site.reader, "card_present", unplugged)
    with ui.qtbot.waitSignal(ui.controller.view_shown) as shown:
        pass
    assert shown.args[0].screen is Screen.MESSAGE
    message = screen_of(ui, Screen.MESSAGE, MessageScreen)
    assert message.sentence.text() == "The card reader is not working. Please call staff."
    assert message.staff_hint.isVisible()
    monkeypatch.undo()
    ui.click(message.ok_button)
    screen_of(ui, Screen.ATTRACT, AttractScreen)


@pytest.mark.parametrize(
    ("card", "sentence", "tone"),
    [
        (
            "elec_1507",
            "This card has been blocked (reported lost or replaced). Please call staff.",
            "error",
        ),
        ("blank", "This card has not been issued yet. Please ask staff to issue it.", "warning"),
    ],
    ids=["blacklisted", "never-issued"],
)
def test_a_refused_card_gets_a_sentence_and_the_staff_hint(ui: TenantUi, card, sentence, tone):
    if card == "elec_1507":
        with ui.site.kiosk.db.session() as s:
            row = s.scalar(select(Card).where(Card.serial == 5002))
            assert row is not None
            row.status = CardStatus.BLACKLISTED
    view = ui.tap(card)
    assert isinstance(view.payload, MessageView)
    message = screen_of(ui, Screen.MESSAGE, MessageScreen)
    assert message.sentence.text() == sentence
    assert message.sentence.property("tone") == tone
    assert message.staff_hint.isVisible()
    ui.remove()  # the sentence was about that card: it goes with it
    screen_of(ui, Screen.ATTRACT, AttractScreen)


def test_a_staff_card_hands_the_kiosk_to_admin_mode(ui: TenantUi):
    ctl = ui.controller
    with ui.qtbot.waitSignal(ctl.staff_card) as handed:
        ui.site.tap("staff")
    staff = handed.args[0]
    assert isinstance(staff, StaffCardView)
    assert staff.card_serial == 9001
    assert ctl.paused
    ui.settle()
    assert ui.shown == "tenant.attract"  # no tenant screen for a staff card: admin mode draws

    # paused: the reader and the tick are not forwarded to the session
    with ui.qtbot.waitSignal(ctl.card_left):
        ui.site.remove()
    assert not ctl.busy
    ui.window.tick.emit()
    assert not ctl.busy
    with ui.qtbot.waitSignal(ctl.card_arrived):
        ui.site.tap("wallet")
    assert not ctl.busy
    assert ui.session.view.screen is Screen.STAFF

    with ui.qtbot.waitSignal(ctl.view_shown):
        ctl.resume()
    assert ui.settle().screen is Screen.ATTRACT and not ctl.paused
    ui.tap("wallet")  # forwarded again
    screen_of(ui, Screen.ACCOUNT, AccountScreen)
