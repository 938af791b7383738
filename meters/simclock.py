"""The clocks of the meter simulators (Modbus and DL/T 645): real time, optionally sped up for a
demo, or a clock that only moves when a test advances it, so simulated energies are exact."""

from __future__ import annotations

import threading
import time


class RealClock:
    """Monotonic seconds, ``speed`` times faster than the wall clock (for a demo)."""

    def __init__(self, speed: float = 1.0) -> None:
        self.speed = speed
        self._t0 = time.monotonic()

    def now(self) -> float:
        return (time.monotonic() - self._t0) * self.speed


class SteppedClock:
    """A clock that only moves when told: tests get exact energies."""

    def __init__(self, start: float = 0.0) -> None:
        self._t = start
        self._lock = threading.Lock()

    def now(self) -> float:
        with self._lock:
            return self._t

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("time only moves forward")
        with self._lock:
            self._t += seconds


Clock = RealClock | SteppedClock
