"""The tenant session end to end, as the tenant sees it: tap, account, amount, QR, paid, written,
receipt -- on a wallet card and on a meter card -- and the cards the kiosk refuses.

Everything runs for real: the emulated card behind the reader interface, SQLite, the TopUpService,
the payment simulator over HTTP. The tests assert screens, message keys and amounts."""

from __future__ import annotations

import datetime as dt

import pytest

from cardlib.cardtype import card_type_from_atr
from cardlib.emulator.tear import TearPlan
from cardlib.purse import layout
from kiosk.session.views import (
    AccountView,
    AmountView,
    CardKind,
    MessageView,
    PaymentView,
    ReceiptView,
    Screen,
    StaffCardView,
    WritingView,
)
from kiosk.topup.states import OrderState
from tests import cards
from tests.unit.test_session_env import Env, issue, session_env

S = OrderState


@pytest.fixture()
def env(tmp_path):
    with session_env(tmp_path) as e:
        yield e


@pytest.fixture()
def meter_env(tmp_path):
    with session_env(tmp_path, card=cards.METER, make_card=cards.ntag213, debt=30_00) as e:
        yield e


def pay_and_write(env: Env, amount: str = "50") -> ReceiptView:
    paying = env.to_paying(amount).payload
    assert isinstance(paying, PaymentView)
    env.pay(paying.reference)
    writing = env.session.poll()
    assert writing.screen is Screen.WRITING and isinstance(writing.payload, WritingView)
    assert writing.payload.message.key == "writing"
    done = env.session.poll()
    assert done.screen is Screen.DONE and isinstance(done.payload, ReceiptView), done
    return done.payload


def test_a_wallet_top_up_from_tap_to_receipt(env: Env):
    account = env.tap()
    assert account.screen is Screen.ACCOUNT and isinstance(account.payload, AccountView)
    a = account.payload
    assert (a.kind, a.tenant_name, a.tenant_unit) == (CardKind.WALLET, "Acme", "12A")
    assert (a.balance, a.balance_text, a.card_masked) == (0, "0.00 CNY", "****1001")
    assert a.meter is None and a.forecast is None and a.transactions == () and a.notices == ()

    amount = env.session.start_amount()
    assert amount.screen is Screen.AMOUNT and isinstance(amount.payload, AmountView)
    assert [(p.amount, p.text, p.enabled) for p in amount.payload.presets] == [
        (20_00, "20.00 CNY", True),
        (50_00, "50.00 CNY", True),
        (100_00, "100.00 CNY", True),
        (200_00, "200.00 CNY", True),
    ]
    preview = env.session.preview(50_00).payload
    assert isinstance(preview, AmountView) and preview.preview is not None
    assert preview.preview.message.text == "50.00 CNY goes onto your card."
    assert preview.preview.units is None and preview.preview.fee == 0

    paying = env.session.choose()
    assert paying.screen is Screen.PAYING and isinstance(paying.payload, PaymentView)
    p = paying.payload
    assert (p.amount, p.amount_text, p.card_on_reader) == (50_00, "50.00 CNY", True)
    assert p.qr_payload and p.seconds_left > 0 and p.hint.key == "pay_scan"
    assert env.order(p.reference).state is S.ORDER_CREATED

    env.pay(p.reference)
    assert env.session.poll().screen is Screen.WRITING
    done = env.session.poll().payload
    assert isinstance(done, ReceiptView)
    assert (done.amount, done.balance_after, done.balance_after_text) == (50_00, 50_00, "50.00 CNY")
    assert done.message.key == "done_wallet" and "50.00 CNY" in done.message.text
    assert any(done.receipt_no in line for line in done.lines)
    assert not done.printed and done.print_message is not None  # no printer configured
    assert done.print_message.key == "receipt_number"
    assert env.card_value() == 50_00
    m = env.money(p.reference)
    assert (m.paid, m.delivered, m.pending) == (50_00, 50_00, 0) and m.conserved

    again = env.session.dismiss().payload  # the card is still on the reader: the account again
    assert isinstance(again, AccountView) and again.balance == 50_00
    assert [(t.amount, t.state, t.status.key) for t in again.transactions] == [
        (50_00, "done", "tx_done")
    ]


def test_a_meter_top_up_previews_kwh_and_tells_to_load_the_meter(meter_env: Env):
    env = meter_env
    account = env.tap().payload
    assert isinstance(account, AccountView) and account.kind is CardKind.METER
    assert account.tariff is not None
    assert (account.tariff.code, account.tariff.version) == ("ELEC", 1)
    assert account.tariff.price_text == "0.86 CNY/kWh" and account.tariff.fee_text == "1.00 CNY"
    assert account.meter is None  # the card has not been in its meter yet
    assert account.forecast is not None and account.forecast.samples == 0
    assert account.forecast.message.key == "forecast_not_enough_data"

    env.session.start_amount()
    view = env.session.preview("100").payload
    assert isinstance(view, AmountView) and view.preview is not None
    pv = view.preview
    # 100.00 - 1.00 fee - 5.00 debt (10 %, capped) = 94.00 at 0.86 CNY/kWh
    assert (pv.fee, pv.debt_recovered, pv.credit) == (1_00, 5_00, 94_00)
    assert (pv.units, pv.units_text, pv.tariff_ref) == (109_302, "109.3 kWh", "ELEC v1")
    assert pv.message.text == "100.00 CNY buys 109.3 kWh."

    paying = env.session.choose().payload
    assert isinstance(paying, PaymentView) and paying.preview == pv
    env.pay(paying.reference)
    env.session.poll()
    done = env.session.poll().payload
    assert isinstance(done, ReceiptView)
    assert (done.to_load, done.balance_after) == (94_00, None)
    assert done.message.key == "done_meter" and "94.00 CNY" in done.message.text
    assert env.card_value() == 94_00  # the purchase on the card is the net credit

    account = env.session.dismiss().payload
    assert isinstance(account, AccountView) and account.balance == 94_00
    assert [n.key for n in account.notices] == ["purchase_not_loaded"]
    assert account.notices[0].text == "Insert your card into the meter to load 94.00 CNY."


def test_the_meter_state_the_card_brought_back_is_shown(meter_env: Env):
    env = meter_env
    pay_and_write(env, "100")
    meter = env.meter(load_w=2000)
    env.insert_into(meter)  # loads the purchase and writes its state back
    meter.advance(dt.timedelta(hours=3))
    env.wall.advance(3 * 3600)
    env.insert_into(meter)
    account = env.tap().payload
    assert isinstance(account, AccountView) and account.meter is not None
    m = account.meter
    # 3 h at 2 kW = 6 kWh at 0.86 CNY/kWh = 5.16 CNY out of the 94.00 loaded
    assert (m.reading, m.reading_text) == (6_000, "6.0 kWh")
    assert (m.credit, m.credit_text) == (88_84, "88.84 CNY")
    assert m.relay_closed and not (m.tamper or m.low_credit or m.emergency_credit)
    assert m.refusal is None
    assert account.balance == 0 and account.notices == ()  # the purchase is in the meter now


def test_a_refusal_by_the_meter_is_shown_as_a_sentence(meter_env: Env):
    env = meter_env
    pay_and_write(env, "50")
    env.insert_into(env.meter(meter_id=43))  # the wrong meter refuses it and says so on the card
    account = env.tap().payload
    assert isinstance(account, AccountView) and account.meter is not None
    assert account.meter.refusal is not None
    assert account.meter.refusal.key == "meter_refused_other_meter"
    assert "another meter" in account.meter.refusal.text
    assert [n.key for n in account.notices] == ["purchase_not_loaded"]  # it is still on the card


def test_a_blacklisted_card_is_refused_with_a_message(env: Env):
    env.blacklist()
    view = env.tap()
    assert view.screen is Screen.MESSAGE and isinstance(view.payload, MessageView)
    assert view.payload.message.key == "card_blacklisted" and view.payload.call_staff
    assert env.pull().screen is Screen.ATTRACT  # the message is about the card: it goes with it


def test_a_staff_card_opens_the_staff_screen(tmp_path):
    with session_env(tmp_path, card=cards.STAFF) as env:
        view = env.tap()
        assert view.screen is Screen.STAFF and isinstance(view.payload, StaffCardView)
        s = view.payload
        assert (s.card_serial, s.staff_id, s.staff_name) == (9001, 3, "Mei Chen")
        assert s.uid == env.card.uid.hex().upper()  # type: ignore[attr-defined]
        assert env.pull().screen is Screen.ATTRACT


@pytest.mark.parametrize(
    ("prepare", "key"),
    [
        (lambda card: card, "card_not_issued"),  # a blank card: never issued anywhere
        (lambda card: issue(card, cards.WALLET, cards.OTHER_SITE_ID), "card_other_site"),
    ],
    ids=["unknown", "other-site"],
)
def test_a_card_that_is_not_ours_gets_a_sentence(env: Env, prepare, key):
    stranger = prepare(cards.ntag215())
    view = env.tap(stranger)
    assert view.screen is Screen.MESSAGE and isinstance(view.payload, MessageView)
    assert view.payload.message.key == key
    assert env.pull().screen is Screen.ATTRACT
    assert env.tap().screen is Screen.ACCOUNT  # our card still works


def test_a_tampered_card_asks_for_staff(env: Env):
    start, _ = layout.purse_regions(card_type_from_atr(env.card.atr))["header"]
    env.card.flip_bit(start + 10, 0)  # the card serial, changed outside a kiosk
    view = env.tap()
    assert view.screen is Screen.MESSAGE and isinstance(view.payload, MessageView)
    assert view.payload.message.key == "card_tampered" and view.payload.call_staff


def test_a_card_moved_away_while_being_read_says_put_it_back(env: Env):
    env.reader.insert(env.card)
    env.card.arm_tear(TearPlan(after_commands=2))
    view = env.session.card_present()
    assert view.screen is Screen.MESSAGE and isinstance(view.payload, MessageView)
    assert view.payload.message.key == "card_moved"
    assert env.tap().screen is Screen.ACCOUNT
