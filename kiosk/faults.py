"""Crash points: where the kill tests stop the kiosk process dead (SIGKILL), to prove that a crash
at any step of a top-up loses no money and doubles none.

A crash point does nothing unless ``PREPAY_CRASH_AT`` names it. It is fault injection in the
sense of pymodbus' manipulator: production code that runs in tests exactly as it runs for real.
"""

from __future__ import annotations

import os
import signal

ENV = "PREPAY_CRASH_AT"


def crash_point(name: str) -> None:
    if os.environ.get(ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)
