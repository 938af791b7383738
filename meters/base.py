"""What the control loop needs from a networked meter, whatever its bus or model."""

from __future__ import annotations

import abc
import datetime as dt
import enum
from dataclasses import dataclass


class RelayState(enum.Enum):
    CLOSED = "closed"  # supply on
    OPEN = "open"  # supply cut
    NONE = "none"  # the meter has no relay (e.g. Eastron SDM: an external contactor is needed)


@dataclass(frozen=True)
class Reading:
    meter: str  # the meter's address, e.g. "tcp://127.0.0.1:5020/3"
    energy_wh: int  # total import register, integer Wh (water meters: litres)
    power_w: int | None
    voltage_dv: int | None  # tenths of a volt
    relay: RelayState
    at: dt.datetime  # aware UTC


class NetworkedMeter(abc.ABC):
    """One meter on a bus. Errors are MeterError subclasses (meters.errors), never return values."""

    address: str

    @abc.abstractmethod
    def read(self) -> Reading: ...

    @abc.abstractmethod
    def set_relay(self, closed: bool) -> RelayState:
        """Switch the relay and confirm by reading it back (RelayError if it did not follow)."""
