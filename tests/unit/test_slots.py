"""Two-slot anti-tear picking under torn writes, and the replay counter check."""

from __future__ import annotations

import datetime as dt
from functools import partial

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cardlib.errors import ReplayError, TamperedError, TornWriteError
from cardlib.purse import header as hdr
from cardlib.purse.header import Header, Role
from cardlib.purse.records import KioskRecord, MeterFlags, MeterRecord, Refusal
from cardlib.purse.slots import (
    FIRST_SLOT,
    CounterStore,
    MemoryCounterStore,
    RecordKind,
    Slot,
    check_and_remember,
    check_counter,
    is_empty,
    pick,
)

UID = bytes.fromhex("04A2245A6B1C80")
KEY = bytes(range(16))
HEADER_RAW = hdr.encode(
    Header(
        role=Role.WALLET,
        site_id=1,
        card_serial=2,
        tenant_id=3,
        key_version=1,
        currency=156,
        issue_date=dt.date(2025, 1, 1),
    ),
    UID,
    KEY,
)
decode_kiosk = partial(KioskRecord.decode, uid=UID, header_raw=HEADER_RAW, mac_key=KEY)


def kiosk(counter: int, value: int) -> bytes:
    return KioskRecord(counter, value).encode(UID, HEADER_RAW, KEY)


def torn(new: bytes, old: bytes, at: int) -> bytes:
    """What a slot holds when writing ``new`` over ``old`` stopped after ``at`` bytes."""
    return new[:at] + old[at:]


EMPTY_16 = (bytes(16), b"\xff" * 16)


def test_both_empty_is_none() -> None:
    for a in EMPTY_16:
        for b in EMPTY_16:
            assert pick((a, b), decode_kiosk) is None


def test_one_valid_one_empty() -> None:
    picked = pick((bytes(16), kiosk(4, 100)), decode_kiosk)
    assert picked is not None
    assert (picked.slot, picked.record, picked.write_next) == (Slot.B, KioskRecord(4, 100), Slot.A)


def test_higher_counter_wins() -> None:
    picked = pick((kiosk(7, 1), kiosk(8, 2)), decode_kiosk)
    assert picked is not None and picked.record == KioskRecord(8, 2) and picked.write_next is Slot.A
    picked = pick((kiosk(9, 3), kiosk(8, 2)), decode_kiosk)
    assert picked is not None and picked.slot is Slot.A and picked.write_next is Slot.B


def test_identical_slots_are_fine_but_spliced_ones_are_not() -> None:
    assert pick((kiosk(5, 1), kiosk(5, 1)), decode_kiosk) is not None
    with pytest.raises(TamperedError):
        pick((kiosk(5, 1), kiosk(5, 2)), decode_kiosk)


def test_nothing_valid_but_not_empty_is_torn() -> None:
    with pytest.raises(TornWriteError):
        pick((torn(kiosk(1, 5), bytes(16), 9), bytes(16)), decode_kiosk)
    with pytest.raises(TornWriteError):
        pick((b"\x01" * 16, b"\x02" * 16), decode_kiosk)


def test_first_write_goes_to_slot_a() -> None:
    assert FIRST_SLOT is Slot.A


@st.composite
def tear_case(draw: st.DrawFn) -> tuple[bytes, bytes, KioskRecord, KioskRecord]:
    """Slots before a write (newest valid in one, anything in the other), the old and new record."""
    counter = draw(st.integers(1, 2**32 - 2))
    old = KioskRecord(counter, draw(st.integers(-(2**31), 2**31 - 1)))
    new = KioskRecord(counter + 1, draw(st.integers(-(2**31), 2**31 - 1)))
    other = draw(
        st.one_of(
            st.sampled_from(EMPTY_16),
            st.builds(lambda v: kiosk(counter - 1, v), st.integers(0, 1000)),  # older record
            st.binary(min_size=16, max_size=16),  # an earlier torn write
        )
    )
    current = kiosk(old.counter, old.value)
    return (current, other, old, new) if draw(st.booleans()) else (other, current, old, new)


@given(tear_case(), st.integers(0, 16))
def test_torn_write_reads_old_or_new(
    case: tuple[bytes, bytes, KioskRecord, KioskRecord], at: int
) -> None:
    raw_a, raw_b, old, new = case
    before = pick((raw_a, raw_b), decode_kiosk)
    assert before is not None and before.record == old
    new_raw = new.encode(UID, HEADER_RAW, KEY)
    if before.write_next is Slot.A:
        raw_a = torn(new_raw, raw_a, at)
    else:
        raw_b = torn(new_raw, raw_b, at)
    after = pick((raw_a, raw_b), decode_kiosk)
    assert after is not None
    assert after.record in (old, new)
    if at == len(new_raw):
        assert after.record == new
    if at == 0:
        assert after.record == old


@given(st.lists(st.tuples(st.integers(-1000, 1000), st.integers(0, 16)), max_size=30))
def test_a_life_of_torn_writes(writes: list[tuple[int, int]]) -> None:
    """Each write is torn at a random byte (16 = completed); the card always reads as the last
    completed write or the one in progress, and the next write goes on from there."""
    slots = {Slot.A: bytes(16), Slot.B: bytes(16)}
    slots[FIRST_SLOT] = kiosk(1, 0)
    committed = KioskRecord(1, 0)
    for value, at in writes:
        picked = pick((slots[Slot.A], slots[Slot.B]), decode_kiosk)
        assert picked is not None and picked.record == committed
        attempt = KioskRecord(picked.record.counter + 1, value)
        target = picked.write_next
        slots[target] = torn(attempt.encode(UID, HEADER_RAW, KEY), slots[target], at)
        after = pick((slots[Slot.A], slots[Slot.B]), decode_kiosk)
        assert after is not None and after.record in (committed, attempt)
        committed = after.record


def test_meter_records_work_the_same() -> None:
    meter_key = bytes(16)
    decode_meter = partial(MeterRecord.decode, uid=UID, header_raw=HEADER_RAW, meter_key=meter_key)

    def record(counter: int) -> MeterRecord:
        return MeterRecord(
            counter, 10, 20, 1, MeterFlags(0), Refusal.NONE, dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
        )

    old_raw = record(3).encode(UID, HEADER_RAW, meter_key)
    new_raw = record(4).encode(UID, HEADER_RAW, meter_key)
    picked = pick((old_raw, torn(new_raw, bytes(32), 20)), decode_meter)
    assert picked is not None and picked.record == record(3)
    picked = pick((old_raw, new_raw), decode_meter)
    assert picked is not None and picked.record == record(4)


def test_is_empty() -> None:
    assert is_empty(bytes(16)) and is_empty(b"\xff" * 32)
    assert not is_empty(b"\x00" * 15 + b"\xff")


def test_check_counter() -> None:
    check_counter(5, None)
    check_counter(5, 5)
    check_counter(6, 5)
    with pytest.raises(ReplayError):
        check_counter(4, 5)


def test_memory_counter_store() -> None:
    store: CounterStore = MemoryCounterStore()
    assert store.get(UID, RecordKind.KIOSK) is None
    check_and_remember(store, UID, RecordKind.KIOSK, 10)
    check_and_remember(store, UID, RecordKind.METER, 3)  # a separate counter
    assert store.get(UID, RecordKind.KIOSK) == 10
    assert store.get(UID, "meter") == 3
    store.put(UID, RecordKind.KIOSK, 7)  # never lowered
    assert store.get(UID, RecordKind.KIOSK) == 10
    with pytest.raises(ReplayError):
        check_and_remember(store, UID, RecordKind.KIOSK, 9)
    check_and_remember(store, bytes(7), RecordKind.KIOSK, 0)  # another card


def test_counter_store_accepts_other_enums_with_the_same_values() -> None:
    import enum

    class Kind(enum.Enum):
        KIOSK = "kiosk"

    store = MemoryCounterStore()
    store.put(UID, Kind.KIOSK, 4)  # type: ignore[arg-type]
    assert store.get(UID, RecordKind.KIOSK) == store.get(UID, "kiosk") == 4
