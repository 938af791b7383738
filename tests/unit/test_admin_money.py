"""Money in admin mode: cash onto the card on the reader, refunds through the payment simulator,
reprints that are the receipt of the sale, and the order list the pickers show."""

from __future__ import annotations

import pytest
from escpos.printer import File

from cardlib.emulator.tear import TearPlan
from kiosk.admin import InvalidInputError, NotFoundError, ServiceError
from kiosk.ledger import Ledger
from kiosk.receipts.printer import EscposPrinter
from kiosk.receipts.text import render_text
from kiosk.topup.states import OrderState
from tests import cards
from tests.unit.test_admin_env import MANAGER, OPERATOR, WALLET_REQUEST, admin_rig

S = OrderState


def test_cash_goes_onto_the_card_on_the_reader_and_is_audited(tmp_path):
    with admin_rig(tmp_path) as rig:
        card = cards.classic_1k()
        rig.issue(card, WALLET_REQUEST)
        session = rig.login(OPERATOR)
        rig.put(card)
        done = rig.admin.cash_topup(session, 35_00, "paid at the desk")
        assert done.delivered and done.card_value == 35_00 and done.order.state is S.DONE
        assert done.order.method == "cash" and done.order.has_receipt
        assert "35.00 CNY" in done.receipt_text and "cash" in done.receipt_text
        assert not done.printout.printed and done.printout.problem == ""  # no printer set up
        assert rig.card_state(card).kiosk.value == 35_00
        entry = rig.audit("cash_credit")[-1]
        assert entry.actor == "staff:2" and entry.detail["amount"] == 35_00
        assert entry.detail["card"] == card.uid.hex()
        with rig.db.session() as s:
            m = Ledger(s).order_money(done.order.id)
        assert (m.paid, m.delivered, m.pending) == (35_00, 35_00, 0)


def test_cash_for_a_card_pulled_away_waits_for_its_next_tap(tmp_path):
    with admin_rig(tmp_path) as rig:
        card = cards.ntag213()
        rig.issue(card, WALLET_REQUEST)
        session = rig.login(OPERATOR)
        rig.put(card)
        card.arm_tear(TearPlan(during_write_to=16, bytes_written=2))  # gone in the write to slot B
        done = rig.admin.cash_topup(session, 20_00)
        assert not done.delivered and done.order.state is S.CREDIT_PENDING
        assert "at its next tap" in done.message and done.receipt is None
        rig.put(card)
        assert [o.id for o in rig.topup.tap(rig.reader.connect()).delivered] == [done.order.id]
        assert rig.card_state(card).kiosk.value == 20_00


def test_bad_cash_amounts_and_limits_are_refused_with_a_sentence(tmp_path):
    with admin_rig(tmp_path) as rig:
        card = cards.classic_1k()
        rig.issue(card, WALLET_REQUEST)
        session = rig.login(OPERATOR)
        rig.put(card)
        for amount in (0, -5_00):
            with pytest.raises(InvalidInputError, match="more than zero"):
                rig.admin.cash_topup(session, amount)
        with pytest.raises(ServiceError, match="largest top-up is 2,000.00 CNY") as caught:
            rig.admin.cash_topup(session, 2_500_00)
        assert caught.value.code == "limit"
        rig.reader.remove()
        with pytest.raises(Exception, match="No card on the reader"):
            rig.admin.cash_topup(session, 10_00)
        assert rig.card_state(card).kiosk.value == 0


def test_a_paid_top_up_that_never_reached_the_card_is_refunded(tmp_path):
    with admin_rig(tmp_path) as rig:
        card = cards.classic_1k()
        rig.issue(card, WALLET_REQUEST)
        rig.put(card)
        tap = rig.topup.tap(rig.reader.connect())
        order = rig.topup.choose(tap, rig.topup.items_for(tap, 50_00)[0])
        order = rig.topup.request_payment(order.id)
        rig.simulator.pay(order.out_trade_no)
        rig.topup.check_payment(order.id)
        rig.topup.abandon(order.id)
        session = rig.login(MANAGER)
        picker = rig.admin.recent_orders(session, refundable_only=True)
        assert [o.id for o in picker] == [order.id] and picker[0].refundable
        with pytest.raises(ServiceError, match="needs a reason"):
            rig.admin.refund(session, order.id, "")
        refunded = rig.admin.refund(session, order.id, "tenant moved out")
        assert refunded.state is S.REFUNDED and not refunded.refundable
        with rig.db.session() as s:
            m = Ledger(s).order_money(order.id)
        assert (m.paid, m.refunded, m.pending) == (50_00, 50_00, 0)
        with pytest.raises(ServiceError, match="Only paid top-ups not yet on a card"):
            rig.admin.refund(session, order.id, "again")
        with pytest.raises(NotFoundError, match="no order 999"):
            rig.admin.refund(session, 999, "x")
        assert rig.audit("refunded")[-1].actor == "staff:1"
        assert rig.admin.recent_orders(session, refundable_only=True) == []


def test_a_reprint_is_the_receipt_of_the_sale(tmp_path):
    with admin_rig(tmp_path) as rig:
        card = cards.classic_1k()
        rig.issue(card, WALLET_REQUEST)
        order_id = rig.pay_by_phone(card, 88_00)
        at_sale = render_text(rig.topup.receipt(order_id))
        rig.clock.advance(hours=3)  # later: the paper still says the time of the sale
        session = rig.login(OPERATOR)
        again = rig.admin.reprint(session, order_id)
        assert again.text == at_sale and again.receipt.total == 88_00
        assert not again.printout.printed
        assert rig.audit("receipt_reprinted")[-1].subject == again.receipt.receipt_no
        picker = rig.admin.recent_orders(session, with_receipt_only=True)
        assert [o.id for o in picker] == [order_id]


def test_a_reprint_goes_to_the_printer_when_there_is_one(tmp_path):
    with admin_rig(tmp_path) as rig:
        card = cards.classic_1k()
        rig.issue(card, WALLET_REQUEST)
        order_id = rig.pay_by_phone(card, 12_00)
        paper = tmp_path / "printer.bin"
        device = File(str(paper))
        device.open()
        rig.admin.printer = EscposPrinter(lambda: device, "test printer")
        again = rig.admin.reprint(rig.login(OPERATOR), order_id)
        device.close()
        assert again.printout.printed
        printed = paper.read_bytes()
        assert again.receipt.receipt_no.encode() in printed and b"12.00 CNY" in printed


def test_only_finished_orders_have_a_receipt_to_reprint(tmp_path):
    with admin_rig(tmp_path) as rig:
        card = cards.classic_1k()
        rig.issue(card, WALLET_REQUEST)
        rig.put(card)
        tap = rig.topup.tap(rig.reader.connect())
        order = rig.topup.choose(tap, rig.topup.items_for(tap, 10_00)[0])
        session = rig.login(OPERATOR)
        with pytest.raises(NotFoundError, match="only finished top-ups have one"):
            rig.admin.reprint(session, order.id)
        with pytest.raises(NotFoundError, match="no order 4242"):
            rig.admin.reprint(session, 4242)
        with pytest.raises(InvalidInputError, match="between 1 and 500"):
            rig.admin.recent_orders(session, limit=0)
