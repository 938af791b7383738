"""Choosing an amount at the touchscreen: the keypad's text, the limits with the sentence that
names them, presets that cannot be bought, and an amount below a meter tariff's fee."""

from __future__ import annotations

import pytest

from kiosk.session.amounts import AmountRefused, parse_entry
from kiosk.session.views import AmountView, PaymentView, Screen
from kiosk.topup.states import OrderState
from tests import cards
from tests.unit.test_session_env import Env, session_env

CNY, JPY = 156, 392


@pytest.fixture()
def env(tmp_path):
    with session_env(tmp_path) as e:
        yield e


@pytest.mark.parametrize(
    ("text", "minor"),
    [
        ("50", 50_00),
        ("50.5", 50_50),
        ("50.05", 50_05),
        ("0.5", 50),
        (".5", 50),
        ("12,", 12_00),
        ("007", 7_00),
        ("", None),
        (".", None),
    ],
)
def test_keypad_text_that_is_an_amount(text, minor):
    assert parse_entry(text, CNY) == minor


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("10.005", "entry_too_many_decimals"),  # a third decimal is refused, never rounded
        ("abc", "entry_invalid"),
        ("+5", "entry_invalid"),
        ("-5", "entry_invalid"),
        (" 5", "entry_invalid"),
        ("1.2.3", "entry_invalid"),
        ("1e3", "entry_invalid"),
        ("12345678", "entry_too_long"),
    ],
)
def test_keypad_text_that_is_not_an_amount_says_why(text, key):
    with pytest.raises(AmountRefused) as refused:
        parse_entry(text, CNY)
    assert refused.value.message.key == key


def test_a_currency_without_decimals_refuses_a_decimal_point():
    assert parse_entry("500", JPY) == 500
    with pytest.raises(AmountRefused) as refused:
        parse_entry("5.0", JPY)
    assert refused.value.message.text == "Amounts in JPY have no decimal places."


def amount_view(env: Env, text: str | int) -> AmountView:
    view = env.session.preview(text)
    assert view.screen is Screen.AMOUNT and isinstance(view.payload, AmountView)
    return view.payload


def test_bad_keypad_input_shows_a_sentence_and_orders_nothing(env: Env):
    env.to_amount("")
    view = amount_view(env, "12.345")
    assert view.entry == "12.345" and view.amount is None and view.preview is None
    assert view.error is not None and view.error.text == (
        "Amounts in CNY have at most 2 decimal places."
    )
    assert amount_view(env, "0").error.key == "amount_zero"  # type: ignore[union-attr]
    chosen = env.session.choose()
    assert chosen.screen is Screen.AMOUNT and isinstance(chosen.payload, AmountView)
    assert chosen.payload.error is not None  # nothing to order
    fine = amount_view(env, "12.34")
    assert fine.error is None and fine.amount == 12_34 and fine.preview is not None


def test_too_small_and_too_big_are_named(env: Env):
    env.to_amount("")
    small = amount_view(env, "0.50")
    assert small.error is not None and small.error.key == "limit_too_small"
    assert small.error.text == "The smallest top-up is 1.00 CNY."
    big = amount_view(env, "2000.01")
    assert big.error is not None and big.error.text == "The largest top-up is 2,000.00 CNY."
    refused = env.session.choose(2_000_01)
    assert refused.screen is Screen.AMOUNT  # no order, no QR
    assert isinstance(refused.payload, AmountView) and refused.payload.error is not None
    assert refused.payload.error.key == "limit_too_big"
    assert env.session.choose(2_000_00).screen is Screen.PAYING


def test_the_daily_limit_says_what_is_left_and_disables_presets(env: Env):
    env.staff_cash(2_000_00)
    env.staff_cash(2_000_00)  # 4,000.00 of the 5,000.00 a day
    view = env.to_amount("1000.01").payload
    assert isinstance(view, AmountView) and view.error is not None
    assert view.error.key == "limit_daily"
    assert view.error.text == (
        "This card can be topped up by 5,000.00 CNY a day; 1,000.00 CNY is left for today."
    )
    assert view.max_amount == 1_000_00 and view.limits.key == "limits_today"
    assert amount_view(env, "1000").error is None


def test_presets_that_cannot_be_bought_are_disabled(tmp_path):
    with session_env(tmp_path, presets=(50, 1_00, 20_00, 2_500_00)) as env:
        view = env.to_amount("").payload
        assert isinstance(view, AmountView)
        assert [(p.text, p.enabled) for p in view.presets] == [
            ("0.50 CNY", False),  # below the smallest top-up
            ("1.00 CNY", True),
            ("20.00 CNY", True),
            ("2,500.00 CNY", False),  # above the largest
        ]
        assert view.limits.text == "Top up from 1.00 CNY to 2,000.00 CNY."


def test_a_meter_amount_must_cover_the_tariffs_fee(tmp_path):
    with session_env(tmp_path, card=cards.METER, make_card=cards.ntag213) as env:
        view = env.to_amount("1").payload  # exactly the 1.00 service fee: buys nothing
        assert isinstance(view, AmountView) and view.error is not None
        assert view.error.text == "The amount must be more than the service fee of 1.00 CNY."
        assert env.session.choose().screen is Screen.AMOUNT
        assert [p.enabled for p in view.presets] == [True, True, True, True]


def test_a_preset_goes_straight_to_paying(env: Env):
    env.to_amount("")
    paying = env.session.choose(20_00)
    assert paying.screen is Screen.PAYING and isinstance(paying.payload, PaymentView)
    assert paying.payload.amount == 20_00
    assert env.order(paying.payload.reference).state is OrderState.ORDER_CREATED


def test_back_from_amount_to_account_and_from_account_to_attract(env: Env):
    env.to_amount("")
    assert env.session.back().screen is Screen.ACCOUNT
    assert env.session.back().screen is Screen.ATTRACT
