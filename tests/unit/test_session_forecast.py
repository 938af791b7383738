"""Days of credit left, from the meter states the card brings back: none, one, and many samples
through the real virtual card meter and the session, and the arithmetic's edge cases directly."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from kiosk.session.forecast import Sample, forecast
from kiosk.session.views import AccountView, ForecastView
from tests import cards
from tests.unit.test_session_env import DAY, Env, session_env

SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = dt.datetime(2026, 11, 1, 4, 0, tzinfo=dt.UTC)  # noon in Shanghai
CNY = 156


@pytest.fixture()
def env(tmp_path):
    with session_env(tmp_path, card=cards.METER, make_card=cards.ntag213) as e:
        yield e


def seen_forecast(env: Env) -> ForecastView:
    view = env.tap().payload
    assert isinstance(view, AccountView) and view.forecast is not None
    return view.forecast


def test_forecast_from_none_one_and_many_meter_states(env: Env):
    assert seen_forecast(env).samples == 0
    assert seen_forecast(env).message.key == "forecast_not_enough_data"
    env.pull()
    env.staff_cash(200_00)  # a purchase of 200.00 on the card
    meter = env.meter(load_w=1000)  # 24 kWh a day at 0.86 CNY/kWh: 20.64 CNY a day
    env.insert_into(meter)  # loads it and writes 200.00 back
    one = seen_forecast(env)
    assert (one.samples, one.days_left) == (1, None)
    assert one.message.key == "forecast_not_enough_data"

    for _day in range(2):
        meter.advance(DAY)
        env.wall.advance(DAY.total_seconds())
        env.insert_into(meter)
        many = seen_forecast(env)
    assert many.samples == 3
    assert (many.daily_cost, many.daily_cost_text, many.daily_units) == (20_64, "20.64 CNY", 24_000)
    # 200.00 - 2 x 20.64 = 158.72 left: 7.7 days at 20.64 a day, floored
    assert many.days_left == 7
    assert many.message.key == "forecast_days"
    assert many.message.args["days"] == "7" and many.message.args["daily"] == "20.64 CNY"
    assert many.runs_out_on is not None
    assert (
        local_date(env.wall.now + 7 * DAY) <= many.runs_out_on <= local_date(env.wall.now + 8 * DAY)
    )

    env.pull()
    again = seen_forecast(env)  # the same meter state read again is not a new sample
    assert again.samples == 3 and again.days_left == 7


def test_a_top_up_between_two_states_is_not_taken_for_negative_use(env: Env):
    env.staff_cash(50_00)
    meter = env.meter(load_w=1000)
    env.insert_into(meter)
    seen_forecast(env)
    env.pull()
    env.staff_cash(100_00)  # bought between the two meter states, loaded by the second
    meter.advance(DAY)
    env.wall.advance(DAY.total_seconds())
    env.insert_into(meter)
    f = seen_forecast(env)
    assert (f.samples, f.daily_cost) == (2, 20_64)
    # 50.00 + 100.00 - 20.64 = 129.36 left: 6.3 days
    assert f.days_left == 6


def local_date(when: dt.datetime) -> dt.date:
    return when.astimezone(SHANGHAI).date()


def sample(day: float, credit: int, seq: int = 1, loaded: int | None = None, wh: int = 0) -> Sample:
    return Sample(T0 + dt.timedelta(days=day), wh, credit, seq, loaded)


def test_no_use_is_said_and_never_divided_by():
    f = forecast([sample(0, 50_00), sample(1, 50_00)], 0, T0 + DAY, SHANGHAI, CNY)
    assert (f.days_left, f.daily_cost) == (None, 0) and f.message.key == "forecast_no_use"


def test_samples_at_the_same_moment_are_not_enough():
    f = forecast([sample(0, 50_00), sample(0, 40_00)], 0, T0, SHANGHAI, CNY)
    assert f.days_left is None and f.message.key == "forecast_not_enough_data"


def test_time_since_the_meter_wrote_and_the_purchase_not_yet_loaded_count():
    history = [sample(0, 100_00), sample(2, 80_00)]  # 10.00 a day
    assert forecast(history, 0, T0 + 2 * DAY, SHANGHAI, CNY).days_left == 8
    assert forecast(history, 0, T0 + 5 * DAY, SHANGHAI, CNY).days_left == 5
    assert forecast(history, 30_00, T0 + 5 * DAY, SHANGHAI, CNY).days_left == 8
    gone = forecast(history, 0, T0 + 11 * DAY, SHANGHAI, CNY)
    assert gone.days_left == 0 and gone.message.key == "forecast_run_out"
    close = forecast(history, 0, T0 + 9.5 * DAY, SHANGHAI, CNY)
    assert close.days_left == 0 and close.message.key == "forecast_less_than_a_day"


def test_an_interval_with_loads_the_kiosk_never_saw_is_left_out():
    history = [
        sample(0, 100_00, seq=1),
        sample(1, 90_00, seq=1),  # 10.00 used
        sample(2, 150_00, seq=3, loaded=70_00),  # two purchases loaded: one unknown, skipped
        sample(3, 120_00, seq=3, loaded=70_00),  # 30.00 used
    ]
    f = forecast(history, 0, T0 + 3 * DAY, SHANGHAI, CNY)
    assert f.daily_cost == 20_00  # (10.00 + 30.00) over the two usable days
    assert f.days_left == 6
