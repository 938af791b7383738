"""A card-based prepaid meter: it loads the purchase a kiosk wrote on the tenant's meter card,
runs its credit down as it consumes, follows the low-credit policy (meters.policy.decide), and
writes its state record back to the card (docs/card-format.md §1.3).

:mod:`~meters.cardmeter.protocol` is the card side (which purchase to accept, what to write back),
pure over a :class:`cardlib.service.PurseCard`; :mod:`~meters.cardmeter.virtual` is the simulated
meter; :mod:`~meters.cardmeter.store` keeps its non-volatile state in a JSON file.
"""

from meters.cardmeter.protocol import Outcome, PurchaseCheck, check_purchase
from meters.cardmeter.store import MeterState, load_state, new_state, save_state
from meters.cardmeter.virtual import InsertResult, InsertStatus, MeterEvent, VirtualCardMeter

__all__ = [
    "InsertResult",
    "InsertStatus",
    "MeterEvent",
    "MeterState",
    "Outcome",
    "PurchaseCheck",
    "VirtualCardMeter",
    "check_purchase",
    "load_state",
    "new_state",
    "save_state",
]
