"""Top-up limits per top-up and per card per day, refused with a sentence the tenant understands."""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.money import format_amount


class LimitError(Exception):
    code = "limit"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Limits:
    min_amount: int = 1_00
    max_amount: int = 2_000_00
    max_per_day: int = 5_000_00

    def check(self, amount: int, spent_today: int, currency: int) -> None:
        def fmt(v: int) -> str:
            return format_amount(v, currency)

        if amount < self.min_amount:
            raise LimitError(f"The smallest top-up is {fmt(self.min_amount)}.")
        if amount > self.max_amount:
            raise LimitError(f"The largest top-up is {fmt(self.max_amount)}.")
        if spent_today + amount > self.max_per_day:
            left = max(0, self.max_per_day - spent_today)
            raise LimitError(
                f"This card can be topped up by {fmt(self.max_per_day)} a day; "
                f"{fmt(left)} is left for today."
            )
