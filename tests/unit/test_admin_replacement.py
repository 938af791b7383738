"""Replacing a lost card: the old card refused from then on, the value and the meter purchase
sequence carried onto the new card, paid orders still owed delivered there, the ledger balanced,
a card meter taking the new card's purchases, and a replacement cut short finished later."""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import select

from cardlib.emulator.base import EmulatedCard
from cardlib.emulator.tear import TearPlan
from kiosk.admin import CardProblemError, InvalidInputError, NotFoundError, RefusedError
from kiosk.db.models import AccountKind, Card, CardStatus, Order
from kiosk.ledger import Ledger
from kiosk.topup.service import BlacklistedCardError, CardAwayError
from kiosk.topup.states import OrderState
from meters.cardmeter import InsertStatus, VirtualCardMeter, new_state
from tests import cards
from tests.unit.test_admin_env import (
    MANAGER,
    METER_REQUEST,
    WALLET_REQUEST,
    Rig,
    admin_rig,
    seed_meter,
)

S = OrderState


def cash(rig: Rig, card: EmulatedCard, amount: int, *, torn: bool = False) -> int:
    """Cash credited onto ``card``; ``torn``: the card leaves in the middle of the write."""
    rig.put(card)
    tap = rig.topup.tap(rig.reader.connect())
    order = rig.topup.staff_credit(tap, amount, MANAGER, "", cash=True)
    if torn:
        card.arm_tear(TearPlan(after_commands=1))
        with pytest.raises(CardAwayError):
            rig.topup.deliver(order.id, tap.purse)
        rig.topup.abandon(order.id)
    else:
        rig.topup.deliver(order.id, tap.purse)
    return order.id


def qr_shown(rig: Rig, card: EmulatedCard, amount: int) -> int:
    """A phone top-up of ``card`` waiting for payment (ORDER_CREATED)."""
    rig.put(card)
    tap = rig.topup.tap(rig.reader.connect())
    order = rig.topup.choose(tap, rig.topup.items_for(tap, amount)[0])
    return rig.topup.request_payment(order.id).id


def paid_after_walking_off(rig: Rig, order_id: int) -> int:
    """The phone pays; the tenant has left with the card (CREDIT_PENDING)."""
    rig.simulator.pay(rig.topup.order(order_id).out_trade_no)
    assert rig.topup.check_payment(order_id).state is S.PAID
    return rig.topup.abandon(order_id).id


def paid_not_delivered(rig: Rig, card: EmulatedCard, amount: int) -> int:
    return paid_after_walking_off(rig, qr_shown(rig, card, amount))


def on_card(rig: Rig, tenant_id: int) -> int:
    with rig.db.session() as s:
        ledger = Ledger(s)
        return ledger.balance(ledger.account(AccountKind.ON_CARD, 156, tenant_id))


def test_a_lost_wallet_card_is_replaced_with_its_value_and_what_it_was_owed(tmp_path):
    with admin_rig(tmp_path) as rig:
        old = cards.classic_1k()
        rig.issue(old, WALLET_REQUEST)
        rig.pay_by_phone(old, 30_00)
        phone = qr_shown(rig, old, 20_00)
        in_doubt = cash(rig, old, 12_00, torn=True)  # the write's outcome never learned
        owed = paid_after_walking_off(rig, phone)
        session = rig.login(MANAGER)
        preview = rig.admin.replacement_preview(session, old.uid.hex())
        known = preview.last_known
        assert (known.value, known.counter, known.certain) == (42_00, 2, True)
        assert "never learned" in known.source
        assert preview.orders == (owed, in_doubt) and preview.orders_amount == 20_00
        assert preview.value == 62_00

        new = cards.ntag213()
        rig.put(new)
        with pytest.raises(InvalidInputError, match="needs a reason"):
            rig.admin.replace_card(session, old.uid.hex(), 1501, "  ")
        result = rig.admin.replace_card(session, old.uid.hex(), 1501, "lost in the lift")
        assert (result.new_uid, result.value, result.resumed) == (new.uid.hex(), 62_00, False)

        assert rig.card_state(new).kiosk.value == 62_00
        assert rig.card_state(new).header.tenant_id == 7
        for order_id in (in_doubt, owed):
            order = rig.topup.order(order_id)
            assert order.state is S.DONE
            with rig.db.session() as s:
                m = Ledger(s).order_money(order_id)
            assert m.conserved and m.delivered == m.paid and m.pending == 0
        # no money created: what the ledger has on the tenant's cards is what the new card holds
        assert on_card(rig, 7) == 62_00
        assert rig.ledger_sum() == 0

        rig.put(old)
        with pytest.raises(BlacklistedCardError, match="blocked"):
            rig.topup.tap(rig.reader.connect())
        rig.put(new)
        assert rig.topup.tap(rig.reader.connect()).delivered == []
        done = rig.audit("card_replaced")[-1]
        assert done.actor == "staff:1" and done.subject == old.uid.hex()
        assert done.detail["reason"] == "lost in the lift" and done.detail["value"] == 62_00
        with rig.db.session() as s:
            statuses = {c.uid: c.status for c in s.scalars(select(Card).where(Card.tenant_id == 7))}
        assert statuses == {old.uid.hex(): CardStatus.REPLACED, new.uid.hex(): CardStatus.ACTIVE}
        with pytest.raises(RefusedError, match="already replaced"):
            rig.admin.replacement_preview(session, old.uid.hex())


def meter(rig: Rig) -> VirtualCardMeter:
    return VirtualCardMeter(new_state(42, cards.SITE_ID, rig.clock.now, load_w=0), cards.KEYS)


def insert(rig: Rig, card_meter: VirtualCardMeter, card: EmulatedCard):  # noqa: ANN201
    rig.put(card)
    with rig.reader.connect() as conn:
        return card_meter.insert(conn)


def test_a_meter_card_replacement_carries_the_purchase_sequence_the_meter_expects(tmp_path):
    with admin_rig(tmp_path) as rig:
        seed_meter(rig.db)
        old = cards.classic_1k()
        rig.issue(old, METER_REQUEST)
        card_meter = meter(rig)
        cash(rig, old, 50_00)  # purchase 1
        assert insert(rig, card_meter, old).loaded == 50_00
        cash(rig, old, 20_00)  # purchase 2, bought and never taken to the meter: card lost
        assert rig.card_state(old).kiosk.purchase_seq == 2

        session = rig.login(MANAGER)
        new = cards.ntag215()
        rig.put(new)
        result = rig.admin.replace_card(session, old.uid.hex(), 2501, "lost")
        assert (result.purchase_seq, result.value) == (2, 20_00)

        loaded = insert(rig, card_meter, new)  # the meter takes purchase 2 from the new card
        assert (loaded.status, loaded.loaded, loaded.credit) == (InsertStatus.LOADED, 20_00, 70_00)
        assert insert(rig, card_meter, new).status is InsertStatus.ALREADY_LOADED
        cash(rig, new, 10_00)  # the next purchase on the new card: 3
        assert rig.card_state(new).kiosk.purchase_seq == 3
        nxt = insert(rig, card_meter, new)
        assert (nxt.status, nxt.loaded, nxt.credit) == (InsertStatus.LOADED, 10_00, 80_00)
        assert rig.ledger_sum() == 0 and on_card(rig, 8) == 80_00


def test_a_purchase_the_meter_already_loaded_is_not_loaded_again_from_the_new_card(tmp_path):
    with admin_rig(tmp_path) as rig:
        seed_meter(rig.db)
        old = cards.ntag213()
        rig.issue(old, METER_REQUEST)
        card_meter = meter(rig)
        cash(rig, old, 50_00)
        assert insert(rig, card_meter, old).loaded == 50_00  # loaded, then the card was lost

        session = rig.login(MANAGER)
        new = cards.sle4442()
        rig.put(new)
        rig.admin.replace_card(session, old.uid.hex(), 2502, "lost")
        cash(rig, new, 15_00)  # topped up before the tenant ever took it to the meter: merged
        state = rig.card_state(new)
        assert (state.kiosk.purchase_seq, state.kiosk.value) == (1, 65_00)
        loaded = insert(rig, card_meter, new)
        assert (loaded.status, loaded.loaded, loaded.credit) == (InsertStatus.LOADED, 15_00, 65_00)


def test_an_out_of_date_value_is_carried_only_when_staff_confirm(tmp_path):
    with admin_rig(tmp_path) as rig:
        old = cards.classic_1k()
        rig.issue(old, WALLET_REQUEST)
        cash(rig, old, 40_00)
        rig.put(old)
        with rig.reader.connect() as conn:
            rig.cards.open(conn).debit(15_00)  # a coffee machine spent from it, no journal here
        session = rig.login(MANAGER)
        preview = rig.admin.replacement_preview(session, old.uid.hex())
        assert not preview.last_known.certain and preview.value == 40_00
        assert "written after the last write recorded here" in preview.last_known.warning
        new = cards.ntag213()
        rig.put(new)
        with pytest.raises(RefusedError, match="Confirm to carry") as caught:
            rig.admin.replace_card(session, old.uid.hex(), 1502, "lost")
        assert caught.value.code == "value_uncertain"
        with rig.db.session() as s:  # nothing happened
            assert s.scalar(select(Card.status).where(Card.uid == old.uid.hex())) is (
                CardStatus.ACTIVE
            )
        rig.put(new)
        result = rig.admin.replace_card(session, old.uid.hex(), 1502, "lost", accept_uncertain=True)
        assert result.value == 40_00 and rig.card_state(new).kiosk.value == 40_00
        assert rig.audit("card_replaced")[-1].detail["certain"] is False


def test_a_replacement_cut_short_at_any_point_is_finished_by_the_next_try(tmp_path):
    with admin_rig(tmp_path) as rig:
        old = cards.classic_1k(bytes.fromhex("0A0B0C00"))
        rig.issue(old, dataclasses.replace(WALLET_REQUEST, tenant_id=100, serial=3000))
        cash(rig, old, 10_00)
        session = rig.login(MANAGER)
        probe = cards.ntag213(bytes.fromhex("04EE0000000001"))
        rig.put(probe)
        probe.arm_tear(TearPlan())  # counts the commands of a whole replacement, cuts nothing
        rig.admin.replace_card(session, old.uid.hex(), 4000, "lost")
        commands = probe.commands_since_plan
        for n, cut in enumerate(range(1, commands, max(1, commands // 8)), start=1):
            old = cards.classic_1k(bytes([0x0A, 0x0B, 0x0C, n]))
            rig.issue(old, dataclasses.replace(WALLET_REQUEST, tenant_id=100 + n, serial=3000 + n))
            cash(rig, old, 10_00)
            owed = paid_not_delivered(rig, old, 5_00)
            session = rig.login(MANAGER)
            new = cards.ntag213(bytes([0x04, 0xEE, 0, 0, 0, 0, 0x10 + n]))
            rig.put(new)
            new.arm_tear(TearPlan(after_commands=cut))
            with pytest.raises(CardProblemError, match="taken away") as caught:
                rig.admin.replace_card(session, old.uid.hex(), 4000 + n, "lost")
            assert caught.value.code == "card_removed"
            # meanwhile: the old card is blocked, its owed order cannot be refunded blind
            rig.put(old)
            with pytest.raises(BlacklistedCardError):
                rig.topup.tap(rig.reader.connect())
            with pytest.raises(RefusedError, match="finish the replacement first"):
                rig.admin.refund(session, owed, "tenant asked")
            rig.put(new)
            result = rig.admin.replace_card(session, old.uid.hex(), 4000 + n, "lost")
            assert result.resumed and result.value == 15_00, f"cut {cut}"
            assert rig.card_state(new).kiosk.value == 15_00, f"cut {cut}"
            assert rig.topup.order(owed).state is S.DONE
            rig.put(new)
            assert rig.topup.tap(rig.reader.connect()).delivered == []
        assert rig.ledger_sum() == 0


def test_what_cannot_be_replaced_is_refused_with_the_reason(tmp_path):
    with admin_rig(tmp_path) as rig:
        old = cards.classic_1k()
        rig.issue(old, WALLET_REQUEST)
        session = rig.login(MANAGER)
        with pytest.raises(NotFoundError, match="no card 0102"):
            rig.admin.replacement_preview(session, "0102")
        with pytest.raises(RefusedError, match="staff card carries no value"):
            rig.admin.replacement_preview(session, rig.staff_cards[MANAGER].uid.hex())
        rig.put(cards.ntag215())
        with pytest.raises(InvalidInputError, match="serial is a number from 1"):
            rig.admin.replace_card(session, old.uid.hex(), 0, "lost")
        with pytest.raises(RefusedError, match="Serial 9001 is already card") as caught:
            rig.admin.replace_card(session, old.uid.hex(), 9001, "lost")  # a staff card's
        assert caught.value.code == "serial_taken"
        with rig.db.session() as s:  # refused before anything was blocked
            assert s.scalar(select(Card.status).where(Card.uid == old.uid.hex())) is (
                CardStatus.ACTIVE
            )
        rig.put(old)
        with pytest.raises(RefusedError, match="put the NEW card on the reader"):
            rig.admin.replace_card(session, old.uid.hex(), 1503, "lost")
        other = cards.ntag213()
        rig.issue(other, dataclasses.replace(WALLET_REQUEST, serial=1504))
        session = rig.login(MANAGER)
        rig.put(other)
        with pytest.raises(RefusedError, match="use a blank card"):
            rig.admin.replace_card(session, old.uid.hex(), 1505, "lost")
        with rig.db.session() as s:
            blocked = s.scalar(select(Card.status).where(Card.uid == old.uid.hex()))
            orders = s.scalars(select(Order)).all()
        # the replacement began (the old card is blocked at once) and waits for a blank card
        assert blocked is CardStatus.REPLACED and orders == []
        rig.put(cards.sle4442())
        assert rig.admin.replace_card(session, old.uid.hex(), 1505, "lost").resumed


def test_a_write_overtaken_by_later_ones_is_not_carried_but_left_for_staff(tmp_path):
    with admin_rig(tmp_path) as rig:
        old = cards.classic_1k()
        rig.issue(old, WALLET_REQUEST)
        cash(rig, old, 10_00)
        held = cash(rig, old, 12_00, torn=True)  # not landed, as it happens
        rig.put(old)
        with rig.reader.connect() as conn:
            rig.cards.open(conn).debit(5_00)  # a service terminal: the card moves on
        rig.put(old)
        assert rig.topup.tap(rig.reader.connect()).in_doubt  # the kiosk cannot tell any more
        cash(rig, old, 3_00)  # card: 8.00 at counter 3
        session = rig.login(MANAGER)
        preview = rig.admin.replacement_preview(session, old.uid.hex())
        assert not preview.last_known.certain and held not in preview.orders
        assert f"orders {held}" in preview.last_known.warning
        assert preview.value == 8_00
        rig.put(cards.ntag213())
        result = rig.admin.replace_card(session, old.uid.hex(), 1507, "lost", accept_uncertain=True)
        assert result.value == 8_00
        assert rig.topup.order(held).state is S.CREDIT_PENDING  # still owed, for staff to settle
