"""Exponential backoff with jitter, per meter: when a silent meter is tried again."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field


@dataclass
class Backoff:
    """``base * 2**(failures-1)``, capped at ``cap``, stretched by up to ``jitter`` (a fraction) at
    random so that meters silenced by one cable fault are not all retried in the same second."""

    base: dt.timedelta = dt.timedelta(seconds=30)
    cap: dt.timedelta = dt.timedelta(minutes=30)
    jitter: float = 0.2
    rng: random.Random = field(default_factory=random.Random)

    def delay(self, failures: int) -> dt.timedelta:
        if failures < 1:
            return dt.timedelta(0)
        plain = min(self.base * 2 ** min(failures - 1, 32), self.cap)
        return plain * (1 + self.jitter * self.rng.random())
