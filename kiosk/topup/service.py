"""The top-up service: the state machine of DESIGN.md §5 driven by a kiosk session.

Every transition is a committed row before the side effect it announces: the order (with its
reference and idempotency key) before the provider is asked for a payment; the card-write journal
before the card is touched. A crash, a pulled card or a late notification therefore always leaves
a row that says what may have happened, and :mod:`kiosk.topup.recovery` settles it against the
provider and the card. Money moves through the ledger so that for every order
paid = delivered + pending + refunded.
"""

from __future__ import annotations

from kiosk.topup.model import (
    BlacklistedCardError,
    CardAwayError,
    Item,
    PaidOutcome,
    Tap,
    TopUpError,
)
from kiosk.topup.paying import Paying
from kiosk.topup.staff import StaffActions


class TopUpService(StaffActions, Paying):
    """The top-up, step by step (see the module docstring): tap, choose, pay, deliver, and what
    staff do with money. Each step lives in its own module; this is the one object the kiosk
    holds."""


__all__ = [
    "BlacklistedCardError",
    "CardAwayError",
    "Item",
    "PaidOutcome",
    "Tap",
    "TopUpError",
    "TopUpService",
]
