"""Two-slot (ping-pong) anti-tear records and the replay check (docs/card-format.md §1.4).

Each record lives in two slots. The reader takes the valid slot with the higher counter; the writer
writes the *other* slot with counter + 1. A write torn at any byte spoils only the slot being
written (its MAC fails), so the card still reads as the old record, never as a mixture.

The MAC cannot stop a whole valid old dump being written back onto the card; that is what the
counter check against the last counter this site saw for the UID (a :class:`CounterStore`) is for.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from cardlib.errors import FormatError, ReplayError, TamperedError, TornWriteError


class Counted(Protocol):
    """A record with a counter that every write increases (KioskRecord, MeterRecord)."""

    @property
    def counter(self) -> int: ...


R = TypeVar("R", bound=Counted)

EMPTY_BYTES = (0x00, 0xFF)


class Slot(enum.IntEnum):
    A = 0
    B = 1

    @property
    def other(self) -> Slot:
        return Slot.B if self is Slot.A else Slot.A


#: The slot the first record on a freshly personalised card goes to.
FIRST_SLOT = Slot.A


class RecordKind(enum.StrEnum):
    """Which counter a :class:`CounterStore` entry is for: kiosk and meter counters are separate."""

    KIOSK = "kiosk"
    METER = "meter"


@dataclass(frozen=True)
class Picked(Generic[R]):
    """The newest valid record, the slot it is in, and the slot the next write must go to."""

    slot: Slot
    record: R

    @property
    def write_next(self) -> Slot:
        return self.slot.other


def is_empty(raw: bytes) -> bool:
    """All 00 or all FF: never written (erased cards read as either)."""
    return any(raw == bytes((b,)) * len(raw) for b in EMPTY_BYTES)


def pick(raw: tuple[bytes, bytes], decode: Callable[[bytes], R]) -> Picked[R] | None:
    """The newest valid record of the two slots ``raw`` = (slot A, slot B), or None if both are
    empty.

    ``decode`` verifies and parses one slot, raising TamperedError or FormatError for an invalid
    one. Raises :class:`TornWriteError` when neither slot is valid but one is not empty, and
    :class:`TamperedError` for two different valid records with the same counter (a writer never
    makes that: it only arises by splicing copies of the card together).
    """
    raw_a, raw_b = raw
    valid: dict[Slot, R] = {}
    for slot, data in zip(Slot, raw, strict=True):
        if is_empty(data):
            continue
        try:
            valid[slot] = decode(data)
        except (TamperedError, FormatError):
            continue  # a torn or forged slot; the other one decides
    if not valid:
        if is_empty(raw_a) and is_empty(raw_b):
            return None
        raise TornWriteError()
    if len(valid) == 1:
        ((slot, record),) = valid.items()
        return Picked(slot, record)
    count_a, count_b = valid[Slot.A].counter, valid[Slot.B].counter
    if count_a == count_b and raw_a != raw_b:
        raise TamperedError("The card holds two different records with the same counter.")
    slot = Slot.A if count_a >= count_b else Slot.B
    return Picked(slot, valid[slot])


def check_counter(card_counter: int, last_seen: int | None) -> None:
    """Refuse a card whose counter is below the last one seen for it (a restored old dump).

    Equal is fine: the card has not been written since.
    """
    if last_seen is not None and card_counter < last_seen:
        raise ReplayError(
            f"This card holds an old copy of its data (counter {card_counter}, "
            f"last seen {last_seen}). Please call staff."
        )


class CounterStore(Protocol):
    """The highest counter seen per card UID and record kind (the kiosk keeps it in its DB)."""

    def get(self, uid: bytes, kind: str) -> int | None: ...

    def put(self, uid: bytes, kind: str, counter: int) -> None: ...


class MemoryCounterStore:
    """A :class:`CounterStore` in a dict, for tests and the demo. ``put`` never lowers a value."""

    def __init__(self) -> None:
        self._counters: dict[tuple[bytes, str], int] = {}

    def get(self, uid: bytes, kind: str) -> int | None:
        return self._counters.get(_key(uid, kind))

    def put(self, uid: bytes, kind: str, counter: int) -> None:
        key = _key(uid, kind)
        self._counters[key] = max(counter, self._counters.get(key, counter))


def _key(uid: bytes, kind: str | enum.Enum) -> tuple[bytes, str]:
    # kinds arrive as RecordKind, plain strings or other enums with the same values
    return bytes(uid), str(kind.value if isinstance(kind, enum.Enum) else kind)


def check_and_remember(store: CounterStore, uid: bytes, kind: str, card_counter: int) -> None:
    """:func:`check_counter` against ``store``, then record ``card_counter`` as seen."""
    check_counter(card_counter, store.get(uid, kind))
    store.put(uid, kind, card_counter)
