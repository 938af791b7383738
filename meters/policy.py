"""The low-credit policy one meter follows, card-based or networked: warning levels, emergency
credit, friendly hours, keep-power, reconnection (research: UK/IE friendly-credit windows, Chinese
IC-card two-level alarms, ZigBee SE prepayment cluster). Money in integer minor units.

This module holds the policy's data; :func:`decide` turns a meter's credit and the time into what
the meter must do. (Implemented by the control-rules work; the card meter and the control loop
both call it, so a card meter and a networked meter behave the same.)
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field


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
