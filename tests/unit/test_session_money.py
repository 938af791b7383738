"""The tenant session when things go wrong with the money in flight: a card pulled mid-write (and
put back, or not), the wrong card put back, no payment in time, a payment after the kiosk gave up,
cancelling (also when the phone paid meanwhile), and a receipt printer that fails. Each test checks
what the tenant sees and that paid = delivered + pending, with the credit on the card exactly once.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from cardlib.emulator.tear import TearPlan
from kiosk.config import ReceiptsConfig
from kiosk.receipts.printer import EscposPrinter, ReceiptPrinter
from kiosk.receipts.qr import verify_link
from kiosk.session.views import (
    AccountView,
    MessageView,
    PaymentView,
    ReceiptView,
    Screen,
    WritingView,
)
from kiosk.topup.states import OrderState
from tests import cards
from tests.unit.test_session_env import AWAY_S, Env, issue, session_env, wait_until

S = OrderState
RECEIPT_KEY = bytes(range(16))


@pytest.fixture()
def env(tmp_path):
    with session_env(tmp_path) as e:
        yield e


def paid(env: Env, amount: str = "50") -> str:
    """A top-up paid by the phone and seen paid: the session is about to write (WRITING)."""
    view = env.to_paying(amount)
    assert isinstance(view.payload, PaymentView)
    env.pay(view.payload.reference)
    assert env.session.poll().screen is Screen.WRITING
    return view.payload.reference


@pytest.mark.parametrize(
    "tear",
    [TearPlan(after_commands=1), TearPlan(during_write_to=8, bytes_written=7)],
    ids=["between-commands", "inside-a-block-write"],
)
def test_card_pulled_mid_write_then_put_back_is_credited_once(env: Env, tear):
    reference = paid(env)
    env.card.arm_tear(tear)
    away = env.session.poll()
    assert away.screen is Screen.CARD_AWAY and isinstance(away.payload, WritingView)
    assert away.payload.message.key == "card_put_back"
    assert away.payload.message.args == {"card": "****1001", "amount": "50.00 CNY"}
    assert away.payload.seconds_left == int(AWAY_S)
    assert env.session.card_removed().screen is Screen.CARD_AWAY  # the monitor saw it go

    back = env.tap()
    assert back.screen is Screen.DONE and isinstance(back.payload, ReceiptView)
    assert back.payload.balance_after == 50_00
    assert env.order(reference).state is S.DONE
    assert env.card_value() == 50_00
    m = env.money(reference)
    assert (m.paid, m.delivered, m.pending) == (50_00, 50_00, 0) and m.conserved

    env.pull()
    again = env.tap().payload  # nothing is delivered twice
    assert isinstance(again, AccountView) and again.balance == 50_00 and again.notices == ()


def test_another_card_put_back_is_not_written_and_the_right_one_is(env: Env):
    other = issue(cards.ntag213(), replace(cards.WALLET, card_serial=1002))
    reference = paid(env)
    env.card.arm_tear(TearPlan(after_commands=1))
    assert env.session.poll().screen is Screen.CARD_AWAY
    wrong = env.tap(other)
    assert wrong.screen is Screen.CARD_AWAY and isinstance(wrong.payload, WritingView)
    assert wrong.payload.message.key == "wrong_card"
    assert wrong.payload.message.text == (
        "This is not the card being topped up; put back card ****1001."
    )
    assert env.card_value(other) == 0
    env.pull()
    assert env.tap().screen is Screen.DONE
    assert env.card_value() == 50_00 and env.money(reference).conserved


def test_card_not_back_in_time_keeps_the_credit_for_the_next_tap(env: Env):
    reference = paid(env)
    env.card.arm_tear(TearPlan(after_commands=1))
    assert env.session.poll().screen is Screen.CARD_AWAY
    env.mono.advance(AWAY_S - 1)
    ticking = env.session.tick()
    assert ticking.screen is Screen.CARD_AWAY and isinstance(ticking.payload, WritingView)
    assert ticking.payload.seconds_left == 1
    env.mono.advance(1)
    gone = env.session.tick()
    assert gone.screen is Screen.MESSAGE and isinstance(gone.payload, MessageView)
    assert gone.payload.message.key == "credit_kept" and "50.00 CNY" in gone.payload.message.text
    assert env.order(reference).state is S.CREDIT_PENDING
    assert env.money(reference).pending == 50_00

    account = env.tap().payload  # days later, at the next tap
    assert isinstance(account, AccountView)
    assert [n.key for n in account.notices] == ["credit_delivered"]
    assert account.notices[0].args == {"amount": "50.00 CNY"}
    assert account.balance == 50_00 and env.card_value() == 50_00
    assert env.order(reference).state is S.DONE and env.money(reference).conserved


def test_card_taken_off_while_paying_is_asked_for_at_write_time(env: Env):
    view = env.to_paying()
    assert isinstance(view.payload, PaymentView)
    off = env.pull()
    assert off.screen is Screen.PAYING and isinstance(off.payload, PaymentView)
    assert not off.payload.card_on_reader and off.payload.hint.key == "pay_card_away"
    env.pay(view.payload.reference)
    away = env.session.poll()
    assert away.screen is Screen.CARD_AWAY and isinstance(away.payload, WritingView)
    assert away.payload.message.key == "card_put_back"
    assert env.tap().screen is Screen.DONE
    assert env.card_value() == 50_00


def test_card_put_back_while_paying_is_written_when_paid(env: Env):
    view = env.to_paying()
    assert isinstance(view.payload, PaymentView)
    env.pull()
    back = env.tap()
    assert back.screen is Screen.PAYING and isinstance(back.payload, PaymentView)
    assert back.payload.card_on_reader and back.payload.hint.key == "pay_scan"
    env.pay(view.payload.reference)
    assert env.session.poll().screen is Screen.WRITING
    assert env.session.poll().screen is Screen.DONE
    assert env.card_value() == 50_00


def test_no_payment_in_the_window_charges_nothing(env: Env):
    view = env.to_paying()
    assert isinstance(view.payload, PaymentView)
    reference, left = view.payload.reference, view.payload.seconds_left
    env.wall.advance(left - 10)
    counting = env.session.tick()
    assert counting.screen is Screen.PAYING and isinstance(counting.payload, PaymentView)
    assert counting.payload.seconds_left == 10
    env.wall.advance(10)
    expired = env.session.tick()
    assert expired.screen is Screen.MESSAGE and isinstance(expired.payload, MessageView)
    assert expired.payload.message.key == "payment_expired"
    assert expired.payload.message.text.startswith("No payment arrived; nothing was charged.")
    assert env.order(reference).state is S.EXPIRED and env.money(reference).paid == 0


def test_a_payment_after_the_timeout_is_delivered_at_the_next_tap(env: Env):
    view = env.to_paying()
    assert isinstance(view.payload, PaymentView)
    reference = view.payload.reference
    env.wall.advance(view.payload.seconds_left)
    assert env.session.poll().screen is Screen.MESSAGE
    env.pull()  # the tenant leaves
    env.pay(reference, late=True)  # ... while the phone's payment was still on its way
    assert wait_until(lambda: env.order(reference).state is S.CREDIT_PENDING)
    assert env.card_value() == 0

    account = env.tap().payload
    assert isinstance(account, AccountView)
    assert [n.key for n in account.notices] == ["credit_delivered"]
    assert account.balance == 50_00 and env.card_value() == 50_00
    assert env.order(reference).state is S.DONE and env.money(reference).conserved


def test_cancel_before_paying_goes_back_to_the_account(env: Env):
    view = env.to_paying()
    assert isinstance(view.payload, PaymentView)
    back = env.session.cancel()
    assert back.screen is Screen.ACCOUNT and isinstance(back.payload, AccountView)
    assert [n.key for n in back.payload.notices] == ["topup_cancelled"]
    assert env.order(view.payload.reference).state is S.CANCELLED
    assert env.money(view.payload.reference).paid == 0 and env.card_value() == 0


def test_cancel_after_the_phone_paid_writes_the_credit_all_the_same(env: Env):
    env.settings(drop_notifications=True)  # the kiosk hears of the payment only by cancelling
    view = env.to_paying()
    assert isinstance(view.payload, PaymentView)
    env.pay(view.payload.reference)
    writing = env.session.cancel()
    assert writing.screen is Screen.WRITING
    assert env.session.poll().screen is Screen.DONE
    assert env.card_value() == 50_00 and env.money(view.payload.reference).conserved


class BrokenPrinter:
    def __init__(self) -> None:
        self.tries = 0

    def print_receipt(self, receipt) -> None:  # noqa: ANN001
        self.tries += 1
        raise OSError("out of paper")


def test_a_failing_printer_never_fails_the_top_up(tmp_path):
    printer = BrokenPrinter()
    receipts = ReceiptsConfig("https://verify.example.com/r", RECEIPT_KEY)
    with session_env(tmp_path, printer=printer, receipts=receipts) as env:
        paid(env)
        done = env.session.poll()
        assert done.screen is Screen.DONE and isinstance(done.payload, ReceiptView)
        r = done.payload
        assert printer.tries == 1 and not r.printed
        assert r.print_message is not None and r.print_message.key == "receipt_not_printed"
        assert r.verify_url is not None
        assert verify_link(r.verify_url, RECEIPT_KEY).receipt_no == r.receipt_no
        assert env.card_value() == 50_00


def test_the_escpos_printer_prints_and_a_missing_one_is_said(tmp_path):
    out = tmp_path / "lp0"
    working: ReceiptPrinter = EscposPrinter(lambda: _file(out))
    with session_env(tmp_path / "ok", printer=working) as env:
        paid(env)
        done = env.session.poll().payload
        assert isinstance(done, ReceiptView) and done.printed and done.print_message is None
        assert done.receipt_no.encode() in out.read_bytes()
    missing = EscposPrinter(lambda: _file(tmp_path / "no-such-dir" / "lp0"))
    with session_env(tmp_path / "missing", printer=missing) as env:
        paid(env)
        done = env.session.poll().payload
        assert isinstance(done, ReceiptView) and not done.printed
        assert done.print_message is not None
        assert done.print_message.key == "receipt_not_printed_number"
        assert env.card_value() == 50_00


def _file(path):  # noqa: ANN001, ANN202
    from escpos.printer import File

    return File(devfile=str(path))


def test_another_card_put_on_the_reader_while_paying_is_pointed_out(env: Env):
    other = issue(cards.ntag213(), replace(cards.WALLET, card_serial=1002))
    view = env.to_paying()
    assert isinstance(view.payload, PaymentView)
    env.pull()
    wrong = env.tap(other)
    assert wrong.screen is Screen.PAYING and isinstance(wrong.payload, PaymentView)
    assert wrong.payload.notice is not None and wrong.payload.notice.key == "wrong_card_paying"
    assert not wrong.payload.card_on_reader
    env.pull()
    right = env.tap()
    assert isinstance(right.payload, PaymentView) and right.payload.notice is None
    env.pay(view.payload.reference)
    env.session.poll()
    assert env.session.poll().screen is Screen.DONE
    assert (env.card_value(), env.card_value(other)) == (50_00, 0)


def test_a_write_left_in_doubt_is_held_for_staff_not_delivered_twice(env: Env):
    from cardlib.reader.emulated import EmulatedReader
    from cardlib.service import CardService

    reference = paid(env)
    env.card.arm_tear(TearPlan(during_write_to=8, bytes_written=7))  # the write does not land
    assert env.session.poll().screen is Screen.CARD_AWAY
    env.mono.advance(AWAY_S)
    assert env.session.tick().screen is Screen.MESSAGE  # credit kept for the next tap
    # meanwhile the card is written by a kiosk that never heard of the torn write
    with EmulatedReader(env.card).connect() as conn:
        CardService(cards.KEYS, cards.SITE_ID).open(conn).credit(5_00)
    account = env.tap().payload
    assert isinstance(account, AccountView)
    # whether the torn write landed cannot be told from the card any more (it moved on): the
    # order is held for staff rather than delivered again, which could credit the card twice
    assert [n.key for n in account.notices] == ["write_in_doubt"]
    assert env.card_value() == 5_00
    money = env.money(reference)
    assert money.conserved and money.pending == 50_00


def test_a_write_that_landed_before_the_card_left_and_moved_on_is_not_credited_twice(env: Env):
    from cardlib.reader.emulated import EmulatedReader
    from cardlib.service import CardService

    reference = paid(env)
    # the whole 16-byte record lands, but the card leaves before the kiosk hears back
    env.card.arm_tear(TearPlan(during_write_to=8, bytes_written=16))
    assert env.session.poll().screen is Screen.CARD_AWAY
    env.mono.advance(AWAY_S)
    env.session.tick()
    with EmulatedReader(env.card).connect() as conn:  # another kiosk credits it meanwhile
        CardService(cards.KEYS, cards.SITE_ID).open(conn).credit(5_00)
    account = env.tap().payload
    assert isinstance(account, AccountView)
    assert [n.key for n in account.notices] == ["write_in_doubt"]
    assert env.card_value() == 55_00  # 50.00 once, not 105.00
    assert env.money(reference).conserved
