"""The top-up's records and errors: what a tap, an item and a payment confirmation are."""

from __future__ import annotations

from dataclasses import dataclass, field

from cardlib.service import PurseCard
from kiosk.db.models import (
    ItemKind,
    Order,
)


class TopUpError(Exception):
    """A top-up cannot go on; the message is for the person at the kiosk."""

    code = "topup_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BlacklistedCardError(TopUpError):
    code = "blacklisted"


class CardAwayError(TopUpError):
    """The card left the reader during the write: the order waits for it (WRITE_PENDING)."""

    code = "card_away"


@dataclass(frozen=True)
class Item:
    kind: ItemKind
    amount: int
    description: str = ""
    units: int | None = None


@dataclass
class Tap:
    """A card on the reader, verified, with what the tap itself settled."""

    purse: PurseCard
    #: orders whose credit reached the card on this tap (pending credit, finished writes)
    delivered: list[Order] = field(default_factory=list)
    #: journaled writes the card could not settle (the card moved on elsewhere): staff must look
    in_doubt: list[int] = field(default_factory=list)

    @property
    def uid(self) -> str:
        return self.purse.state.uid.hex()


@dataclass(frozen=True)
class PaidOutcome:
    """What a payment confirmation did: ``credited`` is True exactly once per order."""

    order_id: int | None
    credited: bool
    late: bool = False
    note: str = ""
