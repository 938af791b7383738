"""Kiosk and meter records: round trip, MAC binding to card and header, range checks."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cardlib.crypto.an10922 import cmac
from cardlib.errors import FormatError, TamperedError, ValueLimitError
from cardlib.purse import header as hdr
from cardlib.purse.header import Header, Role, Utility
from cardlib.purse.records import (
    INT32_MAX,
    INT32_MIN,
    UINT32_MAX,
    KioskRecord,
    MeterFlags,
    MeterRecord,
    Refusal,
    next_counter,
)

UID = bytes.fromhex("04A2245A6B1C80")
MAC_KEY = bytes(range(16))
METER_KEY = bytes(range(16, 32))
HEADER = Header(
    role=Role.METER,
    site_id=7,
    card_serial=1,
    tenant_id=2,
    key_version=1,
    currency=764,
    issue_date=dt.date(2025, 3, 1),
    meter_id=99,
    utility=Utility.ELECTRICITY,
)
HEADER_RAW = hdr.encode(HEADER, UID, MAC_KEY)

u32 = st.integers(0, UINT32_MAX)
i32 = st.integers(INT32_MIN, INT32_MAX)
u16 = st.integers(0, 0xFFFF)
kiosk_records = st.builds(KioskRecord, counter=u32, value=i32, purchase_seq=u16)
meter_records = st.builds(
    MeterRecord,
    counter=u32,
    reading=u32,
    credit=i32,
    last_loaded_seq=u16,
    flags=st.integers(0, 0x1F).map(MeterFlags),
    refusal=st.sampled_from(Refusal),
    time=st.datetimes(dt.datetime(1970, 1, 1), dt.datetime(2106, 2, 7), timezones=st.just(dt.UTC)),
)
# (record class, key) for each kind
KINDS: dict[type[Any], bytes] = {KioskRecord: MAC_KEY, MeterRecord: METER_KEY}
any_record = st.one_of(kiosk_records, meter_records)


@given(any_record)
def test_round_trip(record: KioskRecord | MeterRecord) -> None:
    key = KINDS[type(record)]
    raw = record.encode(UID, HEADER_RAW, key)
    assert len(raw) == (16 if isinstance(record, KioskRecord) else 32)
    assert type(record).decode(raw, UID, HEADER_RAW, key) == record


@given(any_record, st.data())
def test_any_flipped_bit_is_refused(record: KioskRecord | MeterRecord, data: st.DataObject) -> None:
    key = KINDS[type(record)]
    raw = bytearray(record.encode(UID, HEADER_RAW, key))
    bit = data.draw(st.integers(0, len(raw) * 8 - 1))
    raw[bit // 8] ^= 1 << (bit % 8)
    with pytest.raises(TamperedError):
        type(record).decode(bytes(raw), UID, HEADER_RAW, key)


@given(any_record, st.binary(min_size=4, max_size=10))
def test_other_card_is_refused(record: KioskRecord | MeterRecord, other_uid: bytes) -> None:
    key = KINDS[type(record)]
    raw = record.encode(UID, HEADER_RAW, key)
    if other_uid != UID:
        with pytest.raises(TamperedError):
            type(record).decode(raw, other_uid, HEADER_RAW, key)


@given(any_record, st.integers(0, 25 * 8 - 1))
def test_changed_header_is_refused(record: KioskRecord | MeterRecord, bit: int) -> None:
    key = KINDS[type(record)]
    raw = record.encode(UID, HEADER_RAW, key)
    other = bytearray(HEADER_RAW)
    other[bit // 8] ^= 1 << (bit % 8)
    with pytest.raises(TamperedError):
        type(record).decode(raw, UID, bytes(other), key)


def test_header_mac_bytes_are_not_in_the_record_mac() -> None:
    # spec: records cover header[0:26] only
    raw = KioskRecord(1, 2).encode(UID, HEADER_RAW, MAC_KEY)
    assert KioskRecord.decode(raw, UID, HEADER_RAW[:26] + bytes(6), MAC_KEY) == KioskRecord(1, 2)


def test_kiosk_and_meter_macs_are_separated() -> None:
    raw = KioskRecord(1, 2).encode(UID, HEADER_RAW, MAC_KEY)
    body = raw[:10]
    assert raw[10:] == cmac(MAC_KEY, b"K" + UID + HEADER_RAW[:26] + body)[:6]


@pytest.mark.parametrize(
    "fields",
    [
        {"counter": UINT32_MAX + 1, "value": 0},
        {"counter": -1, "value": 0},
        {"counter": 0, "value": INT32_MAX + 1},
        {"counter": 0, "value": INT32_MIN - 1},
        {"counter": 0, "value": 0, "purchase_seq": 0x10000},
    ],
)
def test_kiosk_range_checks(fields: dict[str, int]) -> None:
    with pytest.raises(ValueLimitError):
        KioskRecord(**fields)


def meter(**changes: Any) -> MeterRecord:
    fields: dict[str, Any] = dict(
        counter=1,
        reading=12345,
        credit=-50,
        last_loaded_seq=3,
        flags=MeterFlags.RELAY_OPEN | MeterFlags.LOW_CREDIT,
        refusal=Refusal.NONE,
        time=dt.datetime(2025, 3, 1, 12, 0, 0, 999_999, tzinfo=dt.UTC),
    )
    fields.update(changes)
    return MeterRecord(**fields)


@pytest.mark.parametrize(
    "changes",
    [
        {"reading": UINT32_MAX + 1},
        {"credit": INT32_MAX + 1},
        {"last_loaded_seq": -1},
        {"flags": MeterFlags(0x20)},
        {"time": dt.datetime(1969, 12, 31, 23, 59, 59, tzinfo=dt.UTC)},
        {"time": dt.datetime(2106, 2, 8, tzinfo=dt.UTC)},
    ],
)
def test_meter_range_checks(changes: dict[str, Any]) -> None:
    with pytest.raises(ValueLimitError):
        meter(**changes)


def test_meter_time_is_aware_and_whole_seconds() -> None:
    with pytest.raises(ValueError):
        meter(time=dt.datetime(2025, 1, 1))
    tz = dt.timezone(dt.timedelta(hours=8))
    record = meter(time=dt.datetime(2025, 3, 1, 20, 0, 0, 500, tzinfo=tz))
    assert record.time == dt.datetime(2025, 3, 1, 12, 0, 0, tzinfo=dt.UTC)
    assert record.time.tzinfo is dt.UTC


@pytest.mark.parametrize(("offset", "value"), [(14, 0x20), (15, 9), (20, 1)])
def test_unknown_meter_fields_with_valid_mac_are_format_errors(offset: int, value: int) -> None:
    raw = bytearray(meter().encode(UID, HEADER_RAW, METER_KEY))
    raw[offset] = value
    raw[24:] = cmac(METER_KEY, b"M" + UID + HEADER_RAW[:26] + bytes(raw[:24]))[:8]
    with pytest.raises(FormatError):
        MeterRecord.decode(bytes(raw), UID, HEADER_RAW, METER_KEY)


def test_counter_never_wraps() -> None:
    assert next_counter(0) == 1
    assert next_counter(UINT32_MAX - 1) == UINT32_MAX
    with pytest.raises(ValueLimitError):
        next_counter(UINT32_MAX)


def test_wrong_lengths_are_programming_errors() -> None:
    with pytest.raises(ValueError):
        KioskRecord.decode(bytes(15), UID, HEADER_RAW, MAC_KEY)
    with pytest.raises(ValueError):
        KioskRecord(1, 1).encode(UID, HEADER_RAW[:26], MAC_KEY)
