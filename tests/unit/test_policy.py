"""The low-credit rules every meter follows: levels, emergency credit, friendly time, hysteresis."""

from __future__ import annotations

import datetime as dt

import pytest

from meters.policy import Alarm, FriendlyWindow, Policy, decide, friendly_now

UTC = dt.UTC
# a Wednesday, noon UTC: outside every window used below
NOON = dt.datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
EVENINGS = FriendlyWindow(dt.time(18, 0), dt.time(11, 0), frozenset(range(5)))  # Mon-Fri 18-11


def at(day: int, hour: int, minute: int = 0, tz: dt.tzinfo = UTC) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=tz)


@pytest.mark.parametrize(
    ("credit", "alarm"),
    [
        (20_01, Alarm.NONE),
        (20_00, Alarm.NONE),  # exactly at the level-1 threshold: not below it
        (19_99, Alarm.LOW),
        (5_00, Alarm.LOW),  # exactly at level 2: still level 1
        (4_99, Alarm.VERY_LOW),
        (1, Alarm.VERY_LOW),
    ],
)
def test_warning_levels_at_their_edges(credit: int, alarm: Alarm) -> None:
    d = decide(Policy(), credit, NOON, cut=False)
    assert d.alarm is alarm
    assert d.relay_closed


def test_zero_without_emergency_credit_cuts() -> None:
    d = decide(Policy(), 0, NOON, cut=False)
    assert d.alarm is Alarm.CUT
    assert not d.relay_closed
    assert "exhausted" in d.reason


@pytest.mark.parametrize(
    ("credit", "alarm", "closed"),
    [
        (0, Alarm.EMERGENCY, True),
        (-9_99, Alarm.EMERGENCY, True),
        (-10_00, Alarm.CUT, False),  # emergency credit used up exactly
        (-10_01, Alarm.CUT, False),
    ],
)
def test_emergency_credit(credit: int, alarm: Alarm, closed: bool) -> None:
    d = decide(Policy(emergency_credit=10_00), credit, NOON, cut=False)
    assert (d.alarm, d.relay_closed) == (alarm, closed)


def test_emergency_reason_says_what_is_left() -> None:
    d = decide(Policy(emergency_credit=10_00), -2_50, NOON, cut=False)
    assert "7.50 left" in d.reason


def test_friendly_window_past_midnight_keeps_the_supply_and_says_why() -> None:
    policy = Policy(friendly=(EVENINGS,))
    for when in (at(25, 18), at(25, 23, 59), at(26, 0, 0), at(26, 10, 59)):  # Wed 18:00 → Thu
        d = decide(policy, -3_00, when, cut=False)
        assert d.relay_closed, when
        assert d.alarm is Alarm.CUT
        assert d.in_friendly_window
        assert d.reason == "friendly hours: debt accrues"
    # the window's end is exclusive, its start inclusive
    assert not decide(policy, -3_00, at(26, 11, 0), cut=False).relay_closed
    assert not decide(policy, -3_00, at(25, 17, 59), cut=False).relay_closed


def test_window_morning_belongs_to_the_previous_day() -> None:
    policy = Policy(friendly=(EVENINGS,))  # Mon-Fri evenings
    assert friendly_now(policy, at(28, 8))  # Saturday 08:00: Friday's window
    assert not friendly_now(policy, at(28, 19))  # Saturday evening: not listed
    assert not friendly_now(policy, at(30, 8))  # Monday 08:00: Sunday not listed
    assert friendly_now(policy, at(30, 18))


def test_window_in_local_time() -> None:
    # 18:00-23:00 in Shanghai (UTC+8) is 10:00-15:00 UTC
    policy = Policy(friendly=(FriendlyWindow(dt.time(18), dt.time(23)),), timezone="Asia/Shanghai")
    assert friendly_now(policy, at(25, 10))
    assert friendly_now(policy, at(25, 14, 59))
    assert not friendly_now(policy, at(25, 15))
    assert not friendly_now(policy, at(25, 18))  # 18:00 UTC is 02:00 local


def test_holiday_is_friendly_all_local_day() -> None:
    policy = Policy(holidays=frozenset({dt.date(2026, 11, 26)}), timezone="Europe/London")
    assert decide(policy, -1, at(26, 0, 0), cut=False).relay_closed
    assert decide(policy, -1, at(26, 23, 59), cut=False).reason == "friendly hours: debt accrues"
    assert not decide(policy, -1, at(27, 0, 0), cut=False).relay_closed
    assert not decide(policy, -1, at(25, 23, 59), cut=False).relay_closed


def test_keep_power_never_cuts_but_still_warns() -> None:
    policy = Policy(keep_power=True)
    d = decide(policy, -500_00, NOON, cut=False)
    assert d.relay_closed
    assert d.alarm is Alarm.CUT
    assert "keep-power" in d.reason
    assert decide(policy, 4_00, NOON, cut=False).alarm is Alarm.VERY_LOW
    # a meter cut before the flag was set is reconnected
    assert decide(policy, -500_00, NOON, cut=True).relay_closed


def test_reconnect_only_at_the_threshold_after_a_cut() -> None:
    policy = Policy(reconnect_threshold=5_00)
    stays = decide(policy, 4_99, NOON, cut=True)
    assert not stays.relay_closed
    assert "reconnect threshold 5.00" in stays.reason
    back = decide(policy, 5_00, NOON, cut=True)  # exactly at the threshold
    assert back.relay_closed
    assert back.alarm is Alarm.LOW
    assert back.reason.startswith("reconnect")
    # without the cut the same credit keeps the supply on
    assert decide(policy, 4_99, NOON, cut=False).relay_closed


def test_emergency_used_must_be_repaid_before_reconnection() -> None:
    policy = Policy(emergency_credit=10_00, reconnect_threshold=1_00)
    # a top-up that brings -10.00 to -5.00 would be emergency territory, but the meter was cut
    d = decide(policy, -5_00, NOON, cut=True)
    assert not d.relay_closed
    assert d.alarm is Alarm.EMERGENCY
    assert decide(policy, 1_00, NOON, cut=True).relay_closed


def test_friendly_time_does_not_reconnect_a_meter_cut_outside_it() -> None:
    policy = Policy(friendly=(EVENINGS,))
    assert not decide(policy, -1_00, at(25, 19), cut=True).relay_closed


def test_naive_time_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        decide(Policy(), 1, dt.datetime(2026, 11, 25, 12), cut=False)
