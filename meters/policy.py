"""The low-credit policy one meter follows, card-based or networked: warning levels, emergency
credit, friendly hours, keep-power, reconnection (research: UK/IE friendly-credit windows, Chinese
IC-card two-level alarms, ZigBee SE prepayment cluster). Money in integer minor units.

This module holds the policy's data; :func:`decide` turns a meter's credit and the time into what
the meter must do. The card meter and the control loop both call it, so a card meter and a
networked meter behave the same.

The rules, in order (credit is the account's balance in minor units, negative when in debt):

* credit >= ``low_credit``: no alarm; below it LOW; below ``very_low_credit`` VERY_LOW (a value
  exactly at a threshold is not below it).
* credit <= 0 is "out of credit". With ``emergency_credit`` E > 0 the meter runs on emergency
  credit while ``-E < credit <= 0`` (EMERGENCY, relay closed). Once ``credit <= -E`` (for E = 0:
  at zero) the credit is exhausted: alarm CUT, and the relay opens unless the tenant is
  keep-power or it is friendly time (a friendly window or a holiday, in ``policy.timezone``); then
  the relay stays closed and debt accrues. Alarm CUT therefore means "exhausted", and
  ``relay_closed`` says whether the supply is actually off.
* Hysteresis: a meter that was cut (``cut=True``) reconnects only when credit reaches
  ``reconnect_threshold`` (the emergency credit used must be repaid first). Friendly time does not
  reconnect a meter cut outside it (the UK rule: friendly credit applies only if the credit runs out
  inside the window); keep-power does.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo


class Alarm(enum.IntEnum):
    NONE = 0
    LOW = 1  # level 1: "please buy credit" (buzzer / notification)
    VERY_LOW = 2  # level 2: louder; some meters trip once, restored by the tenant
    EMERGENCY = 3  # running on emergency credit
    CUT = 4  # credit (and emergency credit) exhausted: relay open unless protected


@dataclass(frozen=True)
class FriendlyWindow:
    """Local time of day when the supply is never cut (it accrues debt instead)."""

    start: dt.time
    end: dt.time  # end < start: the window runs past midnight
    weekdays: frozenset[int] = frozenset(range(7))  # Monday = 0


@dataclass(frozen=True)
class Policy:
    low_credit: int = 20_00  # minor units: level-1 warning below this
    very_low_credit: int = 5_00  # level-2 warning below this
    emergency_credit: int = 0  # how far below zero the tenant may go once (0: none)
    #: to reconnect after a cut: credit must reach this (emergency used must be repaid first)
    reconnect_threshold: int = 1_00
    friendly: tuple[FriendlyWindow, ...] = ()
    #: local dates with no disconnection all day (public holidays)
    holidays: frozenset[dt.date] = field(default_factory=frozenset)
    timezone: str = "UTC"
    #: never cut this tenant (a clinic, a server room): warnings still go out
    keep_power: bool = False


@dataclass(frozen=True)
class Decision:
    alarm: Alarm
    relay_closed: bool  # what the relay must be
    reason: str  # for the relay command log and the notification
    in_friendly_window: bool = False


def _time_in(window: FriendlyWindow, local: dt.datetime) -> bool:
    """Whether a local time falls in a window; a window past midnight belongs to its start day.

    ``start`` is inclusive, ``end`` exclusive; ``start == end`` is the whole day."""
    t = local.time().replace(tzinfo=None)
    day = local.weekday()
    if window.start == window.end:
        return day in window.weekdays
    if window.start < window.end:
        return day in window.weekdays and window.start <= t < window.end
    # past midnight: the evening part on a listed day, the morning part after a listed day
    if t >= window.start:
        return day in window.weekdays
    return t < window.end and (day - 1) % 7 in window.weekdays


def friendly_now(policy: Policy, now: dt.datetime) -> bool:
    """Whether ``now`` (aware) is friendly time: a holiday or inside a friendly window, local."""
    if now.tzinfo is None:
        raise ValueError("decide() needs an aware datetime (UTC), got a naive one")
    local = now.astimezone(ZoneInfo(policy.timezone))
    if local.date() in policy.holidays:
        return True
    return any(_time_in(w, local) for w in policy.friendly)


def _warning_level(policy: Policy, credit: int) -> Alarm:
    if credit < policy.very_low_credit:
        return Alarm.VERY_LOW
    if credit < policy.low_credit:
        return Alarm.LOW
    return Alarm.NONE


def _money(minor: int) -> str:
    sign = "-" if minor < 0 else ""
    return f"{sign}{abs(minor) // 100}.{abs(minor) % 100:02d}"


def decide(policy: Policy, credit: int, now: dt.datetime, cut: bool) -> Decision:
    """What a meter with ``credit`` (minor units) must do at ``now`` (aware).

    ``cut`` says whether the meter is currently disconnected for lack of credit (the hysteresis
    input: it reconnects only at ``reconnect_threshold``). See the module docstring for the rules.
    """
    friendly = friendly_now(policy, now)
    exhausted = credit <= -policy.emergency_credit
    on_emergency = not exhausted and credit <= 0

    if cut and credit < policy.reconnect_threshold:
        if policy.keep_power:
            alarm = Alarm.CUT if exhausted else _level_below(policy, credit, on_emergency)
            return Decision(alarm, True, "keep-power: reconnected, debt accrues", friendly)
        return Decision(
            Alarm.CUT if exhausted else _level_below(policy, credit, on_emergency),
            False,
            f"stays cut: credit {_money(credit)} below the reconnect threshold "
            f"{_money(policy.reconnect_threshold)}",
            friendly,
        )
    if exhausted:
        if policy.keep_power:
            return Decision(Alarm.CUT, True, "keep-power: credit exhausted, debt accrues", friendly)
        if friendly:
            return Decision(Alarm.CUT, True, "friendly hours: debt accrues", True)
        return Decision(
            Alarm.CUT, False, f"credit exhausted ({_money(credit)}): disconnect", friendly
        )
    if on_emergency:
        return Decision(
            Alarm.EMERGENCY,
            True,
            f"on emergency credit: {_money(credit + policy.emergency_credit)} left",
            friendly,
        )
    alarm = _warning_level(policy, credit)
    reason = {
        Alarm.NONE: "credit available",
        Alarm.LOW: f"low credit: {_money(credit)}",
        Alarm.VERY_LOW: f"very low credit: {_money(credit)}",
    }[alarm]
    if cut:
        reason = f"reconnect: credit {_money(credit)} reached the threshold; {reason}"
    return Decision(alarm, True, reason, friendly)


def _level_below(policy: Policy, credit: int, on_emergency: bool) -> Alarm:
    return Alarm.EMERGENCY if on_emergency else _warning_level(policy, credit)
