"""The tenant's touchscreen when money is in flight and things go wrong: the card pulled in the
middle of the write and put back, the card taken off while the QR code is shown, no payment in
the window, and a payment that comes after the kiosk gave up. Each test checks what the screen
says and that the money ends on the card exactly once."""

from __future__ import annotations

import pytest
import requests
from sqlalchemy import select

from cardlib.emulator.tear import TearPlan
from kiosk.db.models import Order
from kiosk.ledger import Ledger
from kiosk.reconcile import reconcile, settle
from kiosk.session.views import PaymentView, ReceiptView, Screen
from kiosk.topup.states import OrderState
from tests.ui.test_tenant_env import AWAY_S, TenantUi, tenant_ui
from ui.tenant.screens import AccountScreen, AmountScreen, CardAwayScreen, MessageScreen

pytestmark = pytest.mark.gui


@pytest.fixture()
def ui(qtbot, qapp, tmp_path):
    with tenant_ui(qtbot, qapp, tmp_path / "site") as u:
        yield u


def to_paying(ui: TenantUi, card: str = "wallet") -> PaymentView:
    """Tap ``card``, pick 50.00 and press Pay: the QR code is shown."""
    ui.tap(card)
    account = ui.screen(Screen.ACCOUNT)
    assert isinstance(account, AccountScreen)
    ui.click(account.top_up_button)
    amount = ui.screen(Screen.AMOUNT)
    assert isinstance(amount, AmountScreen)
    ui.click(amount.preset_buttons[1])
    view = ui.click(amount.pay_button)
    assert view.screen is Screen.PAYING and isinstance(view.payload, PaymentView)
    return view.payload


def order(ui: TenantUi, reference: str) -> Order:
    with ui.site.kiosk.db.session() as s:
        row = s.scalar(select(Order).where(Order.out_trade_no == reference))
        assert row is not None
        return row


def money_conserved(ui: TenantUi, reference: str, delivered: int) -> None:
    with ui.site.kiosk.db.session() as s:
        m = Ledger(s).order_money(order(ui, reference).id)
    assert (m.paid, m.delivered, m.pending) == (delivered, delivered, 0) and m.conserved


def test_card_pulled_mid_write_and_put_back_is_credited_once(ui: TenantUi):
    payment = to_paying(ui)
    ui.site.cards["wallet"].card.arm_tear(TearPlan(after_commands=1))  # the hand moves mid-write
    ui.site.pay_pending()
    ui.tick()  # paid: WRITING, the write is torn, CARD_AWAY
    seen = ui.screens_seen()
    writing = seen.index(Screen.WRITING)
    assert seen[writing - 1 : writing + 2] == [Screen.PAYING, Screen.WRITING, Screen.CARD_AWAY]
    away = ui.screen(Screen.CARD_AWAY)
    assert isinstance(away, CardAwayScreen) and ui.shown == "tenant.card_away"
    assert away.message.text() == "Put card ****5003 back on the reader to receive 50.00 CNY."
    assert away.countdown.text() == f"Time left: 0:{int(AWAY_S)}"
    monitor = ui.controller.monitor
    assert monitor is not None
    ui.qtbot.waitUntil(lambda: not monitor.present)  # the reader saw the card go
    ui.settle()

    ui.mono.advance(5)
    ui.tick()
    assert away.countdown.text() == f"Time left: 0:{int(AWAY_S) - 5}"

    done = ui.put_back("wallet")
    assert done.screen is Screen.DONE and isinstance(done.payload, ReceiptView)
    assert done.payload.balance_after == 50_00
    assert ui.screens_seen().count(Screen.DONE) == 1
    assert order(ui, payment.reference).state is OrderState.DONE
    money_conserved(ui, payment.reference, 50_00)

    account = ui.tap("wallet")  # the next tap: nothing is delivered twice
    screen = ui.screen(Screen.ACCOUNT)
    assert account.screen is Screen.ACCOUNT and isinstance(screen, AccountScreen)
    assert screen.balance.text() == "50.00 CNY" and screen.notices.texts() == []


def test_card_taken_off_while_paying_is_asked_back_for_the_write(ui: TenantUi):
    to_paying(ui, "elec_1507")
    ui.remove()
    paying = ui.screen(Screen.PAYING)
    assert ui.shown == "tenant.paying"
    assert paying.hint.text() == (  # type: ignore[attr-defined]
        "Scan the code with your phone to pay 50.00 CNY, then put your card back on the reader."
    )
    ui.site.pay_pending()
    assert ui.tick().screen is Screen.CARD_AWAY
    done = ui.put_back("elec_1507")
    assert done.screen is Screen.DONE and ui.shown == "tenant.done"


def test_no_payment_in_time_then_a_late_one_is_credited_at_the_next_tap(ui: TenantUi):
    payment = to_paying(ui)
    ui.wall.advance(payment.seconds_left - 10)
    ui.tick()
    assert ui.screen(Screen.PAYING).countdown.text() == "Time left to pay: 0:10"  # type: ignore[attr-defined]
    ui.wall.advance(10)  # the payment window closes with nothing paid
    expired = ui.tick()
    assert expired.screen is Screen.MESSAGE
    message = ui.screen(Screen.MESSAGE)
    assert isinstance(message, MessageScreen) and ui.shown == "tenant.message"
    assert message.sentence.text().startswith("No payment arrived; nothing was charged.")
    assert message.sentence.property("tone") == "info"
    assert not message.staff_hint.isVisible()
    assert order(ui, payment.reference).state is OrderState.EXPIRED

    ui.remove()  # the tenant leaves; the phone's payment goes through after all
    kiosk = ui.site.kiosk
    requests.post(
        f"{kiosk.provider.base_url}/control/{payment.reference}/pay",  # type: ignore[attr-defined]
        json={"late": True},
        timeout=5,
    ).raise_for_status()
    # the demo has no notification listener: the day's reconciliation finds the payment
    day = order(ui, payment.reference).created_at.date()
    report = reconcile(kiosk.db, kiosk.provider, day, kiosk.config.kiosk_id)
    assert settle(report, kiosk.topup.mark_paid) == [payment.reference]
    assert order(ui, payment.reference).state is OrderState.CREDIT_PENDING

    ui.tap("wallet")  # the next tap delivers it
    account = ui.screen(Screen.ACCOUNT)
    assert isinstance(account, AccountScreen) and ui.shown == "tenant.account"
    assert account.notices.texts() == ["50.00 CNY paid earlier has been put on your card."]
    assert account.balance.text() == "50.00 CNY"
    money_conserved(ui, payment.reference, 50_00)
