"""The card meter's non-volatile memory, and its JSON file.

A real meter keeps its credit, register and the last purchase it loaded in EEPROM; the virtual one
keeps them in :class:`MeterState` and, for the command line, in a JSON file replaced atomically (a
meter killed half-way through a save keeps the old file or the new one, never half of each). The
meter's memory of every card's counters (replay detection, docs/card-format.md §1.4) lives here too.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from cardlib.purse.slots import MemoryCounterStore
from meters.errors import MeterError
from meters.policy import Alarm, FriendlyWindow, Policy

FORMAT = 1


class MeterCounterStore(MemoryCounterStore):
    """The highest kiosk and meter counter the meter has seen per card, serialisable."""

    def to_json(self) -> list[list]:
        return [[uid.hex(), kind, n] for (uid, kind), n in sorted(self._counters.items())]

    @classmethod
    def from_json(cls, rows: list[list]) -> MeterCounterStore:
        store = cls()
        for uid, kind, n in rows:
            store.put(bytes.fromhex(uid), kind, int(n))
        return store


@dataclass
class MeterState:
    """Configuration and non-volatile state of one card meter. Money in minor units, energy Wh."""

    meter_id: int
    site_id: int
    #: the simulated clock: where the meter's time stands (aware UTC)
    now: dt.datetime
    load_w: int = 1000
    #: price in minor units per kWh (exact; fractions of a minor unit are carried, never lost)
    price_per_kwh: Fraction = Fraction(86)
    policy: Policy = field(default_factory=Policy)
    #: seconds per simulation step (credit, alarms and the relay are checked after each)
    step_s: int = 60
    credit: int = 0
    reading_wh: int = 0
    last_loaded_seq: int = 0
    #: amount of purchase ``last_loaded_seq`` loaded so far (a purchase merged later adds the rest)
    last_loaded_amount: int = 0
    relay_closed: bool = False  # a new meter is off until credit is loaded
    alarm: Alarm = Alarm.NONE
    tamper: bool = False
    low_battery: bool = False
    #: energy not yet a whole Wh, in W·µs
    energy_carry: int = 0
    #: cost not yet a whole minor unit
    cost_carry: Fraction = Fraction(0)
    counters: MeterCounterStore = field(default_factory=MeterCounterStore)

    def to_json(self) -> dict:
        p = self.policy
        return {
            "format": FORMAT,
            "meter_id": self.meter_id,
            "site_id": self.site_id,
            "now": self.now.isoformat(),
            "load_w": self.load_w,
            "price_per_kwh": _frac_out(self.price_per_kwh),
            "step_s": self.step_s,
            "policy": {
                "low_credit": p.low_credit,
                "very_low_credit": p.very_low_credit,
                "emergency_credit": p.emergency_credit,
                "reconnect_threshold": p.reconnect_threshold,
                "friendly": [
                    {
                        "start": w.start.isoformat(),
                        "end": w.end.isoformat(),
                        "weekdays": sorted(w.weekdays),
                    }
                    for w in p.friendly
                ],
                "holidays": sorted(d.isoformat() for d in p.holidays),
                "timezone": p.timezone,
                "keep_power": p.keep_power,
            },
            "credit": self.credit,
            "reading_wh": self.reading_wh,
            "last_loaded_seq": self.last_loaded_seq,
            "last_loaded_amount": self.last_loaded_amount,
            "relay_closed": self.relay_closed,
            "alarm": self.alarm.name,
            "tamper": self.tamper,
            "low_battery": self.low_battery,
            "energy_carry": self.energy_carry,
            "cost_carry": _frac_out(self.cost_carry),
            "counters": self.counters.to_json(),
        }

    @classmethod
    def from_json(cls, data: dict) -> MeterState:
        if data.get("format") != FORMAT:
            raise MeterError(f"Unknown meter file format {data.get('format')!r}.")
        p = data["policy"]
        policy = Policy(
            low_credit=int(p["low_credit"]),
            very_low_credit=int(p["very_low_credit"]),
            emergency_credit=int(p["emergency_credit"]),
            reconnect_threshold=int(p["reconnect_threshold"]),
            friendly=tuple(
                FriendlyWindow(
                    dt.time.fromisoformat(w["start"]),
                    dt.time.fromisoformat(w["end"]),
                    frozenset(int(d) for d in w["weekdays"]),
                )
                for w in p["friendly"]
            ),
            holidays=frozenset(dt.date.fromisoformat(d) for d in p["holidays"]),
            timezone=p["timezone"],
            keep_power=bool(p["keep_power"]),
        )
        return cls(
            meter_id=int(data["meter_id"]),
            site_id=int(data["site_id"]),
            now=dt.datetime.fromisoformat(data["now"]),
            load_w=int(data["load_w"]),
            price_per_kwh=Fraction(data["price_per_kwh"]),
            policy=policy,
            step_s=int(data["step_s"]),
            credit=int(data["credit"]),
            reading_wh=int(data["reading_wh"]),
            last_loaded_seq=int(data["last_loaded_seq"]),
            last_loaded_amount=int(data["last_loaded_amount"]),
            relay_closed=bool(data["relay_closed"]),
            alarm=Alarm[data["alarm"]],
            tamper=bool(data["tamper"]),
            low_battery=bool(data["low_battery"]),
            energy_carry=int(data["energy_carry"]),
            cost_carry=Fraction(data["cost_carry"]),
            counters=MeterCounterStore.from_json(data["counters"]),
        )


def new_state(
    meter_id: int,
    site_id: int,
    now: dt.datetime,
    *,
    load_w: int = 1000,
    price_per_kwh: Fraction | int = 86,
    policy: Policy | None = None,
    step_s: int = 60,
) -> MeterState:
    if now.tzinfo is None:
        raise ValueError("the meter's clock must be timezone-aware")
    if meter_id <= 0 or load_w < 0 or step_s <= 0 or price_per_kwh < 0:
        raise MeterError("A meter needs an id > 0, a load >= 0, a price >= 0 and a step > 0.")
    return MeterState(
        meter_id=meter_id,
        site_id=site_id,
        now=now.astimezone(dt.UTC),
        load_w=load_w,
        price_per_kwh=Fraction(price_per_kwh),
        policy=policy or Policy(),
        step_s=step_s,
    )


def save_state(state: MeterState, path: str | os.PathLike[str]) -> None:
    """Write ``state`` to ``path`` atomically (temporary file, fsync, rename)."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent or ".")
    try:
        with os.fdopen(fd, "w") as f:
            json.dump(state.to_json(), f, indent=1)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load_state(path: str | os.PathLike[str]) -> MeterState:
    try:
        data = json.loads(Path(path).read_text())
    except FileNotFoundError:
        raise MeterError(f"No meter file {path}: make one with `prepay-kiosk meter new`.") from None
    except (OSError, json.JSONDecodeError) as exc:
        raise MeterError(f"Cannot read the meter file {path}: {exc}") from exc
    try:
        return MeterState.from_json(data)
    except (KeyError, TypeError, ValueError) as exc:
        raise MeterError(f"The meter file {path} is damaged: {exc!r}") from exc


def _frac_out(x: Fraction) -> str:
    return str(x)  # "43/50" or "86": Fraction() reads both back exactly
