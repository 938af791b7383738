"""Timeouts of the tenant session, on injected clocks: back to the attract screen after
``idle_timeout`` without a touch from the screens where no money is in flight; PAYING ends with its
payment window; WRITING never times out; CARD_AWAY keeps the credit after ``card_away_timeout``."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from kiosk.session.views import MessageView, PaymentView, Screen
from kiosk.topup.states import OrderState
from tests.unit.test_session_env import IDLE_S, Env, session_env


@pytest.fixture()
def env(tmp_path):
    with session_env(tmp_path) as e:
        yield e


def account(env: Env) -> None:
    env.tap()


def amount(env: Env) -> None:
    env.to_amount("20")


def done(env: Env) -> None:
    view = env.to_paying()
    assert isinstance(view.payload, PaymentView)
    env.pay(view.payload.reference)
    env.session.poll()
    assert env.session.poll().screen is Screen.DONE


def message(env: Env) -> None:
    env.blacklist()
    assert env.tap().screen is Screen.MESSAGE


@pytest.mark.parametrize(
    ("reach", "screen"),
    [
        (account, Screen.ACCOUNT),
        (amount, Screen.AMOUNT),
        (done, Screen.DONE),
        (message, Screen.MESSAGE),
    ],
    ids=["account", "amount", "done", "message"],
)
def test_idle_screens_go_back_to_attract(env: Env, reach: Callable[[Env], None], screen: Screen):
    reach(env)
    env.mono.advance(IDLE_S - 1)
    assert env.session.tick().screen is screen
    env.session.touch()  # a touch starts the idle time again
    env.mono.advance(IDLE_S - 1)
    assert env.session.tick().screen is screen
    env.mono.advance(1)
    assert env.session.tick().screen is Screen.ATTRACT
    # the card is still on the reader: a touch of the screen reads it again
    assert env.session.touch().screen in (Screen.ACCOUNT, Screen.MESSAGE)
    env.pull()
    assert env.session.touch().screen is Screen.ATTRACT


def test_paying_outlasts_the_idle_timeout_and_ends_with_its_window(env: Env):
    view = env.to_paying()
    assert isinstance(view.payload, PaymentView)
    env.mono.advance(IDLE_S * 2)  # the tenant is busy with the phone, not the screen
    env.wall.advance(IDLE_S * 2 - 1)
    still = env.session.tick()
    assert still.screen is Screen.PAYING
    env.wall.advance(view.payload.seconds_left)
    ended = env.session.tick()
    assert ended.screen is Screen.MESSAGE and isinstance(ended.payload, MessageView)
    assert ended.payload.message.key == "payment_expired"
    assert env.order(view.payload.reference).state is OrderState.EXPIRED
    env.mono.advance(IDLE_S)
    assert env.session.tick().screen is Screen.ATTRACT


def test_tick_polls_the_provider_while_paying(env: Env):
    view = env.to_paying()
    assert isinstance(view.payload, PaymentView)
    env.pay(view.payload.reference)
    env.mono.advance(env.session.poll_interval)
    assert env.session.tick().screen is Screen.WRITING


def test_writing_never_times_out(env: Env):
    view = env.to_paying()
    assert isinstance(view.payload, PaymentView)
    env.pay(view.payload.reference)
    assert env.session.poll().screen is Screen.WRITING
    env.mono.advance(IDLE_S * 10)
    assert env.session.tick().screen is Screen.DONE  # the tick writes; it does not leave
    assert env.card_value() == 50_00


def test_reset_is_refused_while_money_is_in_flight(env: Env):
    env.to_paying()
    assert env.session.reset().screen is Screen.PAYING
    assert env.session.cancel().screen is Screen.ACCOUNT
    assert env.session.reset().screen is Screen.ATTRACT
