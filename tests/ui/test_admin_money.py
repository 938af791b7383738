"""Money in admin mode on the touchscreen: a cash top-up onto a card, the refund of a top-up paid
by phone whose credit never reached the card, and the reprint of a receipt."""

from __future__ import annotations

import pytest

from cardlib.service import CardService
from kiosk.admin.orders import stored_receipt
from kiosk.demo_site import SITE_ID, STAFF_ID
from kiosk.topup.states import OrderState
from tests.ui.test_admin_env import admin_ui

pytestmark = pytest.mark.gui


def card_value(ui, name: str) -> int:  # noqa: ANN001 - the rig
    ui.tap_card(name)
    with ui.site.reader.connect() as conn:
        value = CardService(ui.site.kiosk.config.keys, SITE_ID).read(conn).kiosk.value
    ui.site.remove()
    return value


def test_cash_top_up_puts_the_cash_on_the_card(qtbot, qapp, tmp_path):
    with admin_ui(qtbot, qapp, tmp_path) as ui:
        before = card_value(ui, "wallet")
        ui.sign_in()
        screen = ui.open("cash")
        ui.keypad(screen.keypad, "25.5")
        assert screen.amount.text() == "25.5"
        ui.type(screen.note, "paid at the desk")
        ui.tap_card("wallet")
        ui.click(screen.top_up)
        assert "25.50 CNY" in screen.confirm.question.text()
        ui.click(screen.confirm.yes)
        ui.settle()
        assert screen.result.text().startswith("The cash is on the card.")
        assert f"{(before + 2550) / 100:,.2f} CNY" in screen.result.text()
        assert "25.50" in screen.receipt.toPlainText()  # the receipt, shown
        assert screen.status.text() == "No printer is set up: the text is shown here."
        assert card_value(ui, "wallet") == before + 2550
        credit = ui.audit("cash_credit")[-1]
        assert credit.actor == f"staff:{STAFF_ID}" and credit.detail["amount"] == 2550


def test_cash_top_up_of_a_bad_amount_is_refused_with_a_sentence(qtbot, qapp, tmp_path):
    with admin_ui(qtbot, qapp, tmp_path) as ui:
        ui.sign_in()
        screen = ui.open("cash")
        ui.keypad(screen.keypad, "1.255")
        ui.click(screen.top_up)
        assert screen.status.text() == "'1.255' has more than 2 decimal places."
        assert not screen.confirm.isVisible()


def test_refund_a_paid_top_up_that_never_reached_the_card(qtbot, qapp, tmp_path):
    with admin_ui(qtbot, qapp, tmp_path) as ui:
        order_id = ui.paid_order("wallet", 30_00, deliver=False)
        reference = ui.site.kiosk.topup.order(order_id).out_trade_no
        ui.sign_in()
        screen = ui.open("refund")
        ui.pick(screen.orders, reference)
        ui.type(screen.reason, "tenant left before the write")
        ui.click(screen.refund)
        assert reference in screen.confirm.question.text()
        assert "30.00 CNY" in screen.confirm.question.text()
        ui.click(screen.confirm.yes)
        ui.settle()
        assert screen.result.text().startswith(f"Done: {reference}")
        assert "refunded" in screen.result.text()
        assert ui.site.kiosk.topup.order(order_id).state is OrderState.REFUNDED
        ui.settle()  # the list is loaded again: nothing left to refund
        assert screen.orders.count() == 0
        assert ui.audit("refund_requested")[-1].actor == f"staff:{STAFF_ID}"


def test_a_refund_without_a_reason_is_refused_by_the_service(qtbot, qapp, tmp_path):
    with admin_ui(qtbot, qapp, tmp_path) as ui:
        order_id = ui.paid_order("wallet", 10_00, deliver=False)
        reference = ui.site.kiosk.topup.order(order_id).out_trade_no
        ui.sign_in()
        screen = ui.open("refund")
        ui.pick(screen.orders, reference)
        ui.click(screen.refund)
        ui.click(screen.confirm.yes)
        ui.settle()
        assert screen.status.text() == "A refund needs a reason."
        assert ui.site.kiosk.topup.order(order_id).state is OrderState.CREDIT_PENDING


def test_reprint_shows_the_receipt_as_recorded(qtbot, qapp, tmp_path):
    with admin_ui(qtbot, qapp, tmp_path) as ui:
        order_id = ui.paid_order("wallet", 20_00, deliver=True)
        reference = ui.site.kiosk.topup.order(order_id).out_trade_no
        ui.sign_in()
        screen = ui.open("reprint")
        ui.pick(screen.orders, reference)
        ui.click(screen.reprint)
        ui.settle()
        receipt = screen.receipt.toPlainText()
        recorded = stored_receipt(ui.site.kiosk.db, order_id)
        assert recorded.receipt_no in receipt and "TOTAL" in receipt and "20.00 CNY" in receipt
        assert screen.status.text() == "No printer is set up: the text is shown here."
        assert ui.audit("receipt_reprinted")[-1].actor == f"staff:{STAFF_ID}"
