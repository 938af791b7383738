"""The card header: round trip, refusal of every single-bit change, and the spec's example."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cardlib.crypto.an10922 import cmac
from cardlib.crypto.keys import MasterKeys
from cardlib.errors import BlankCardError, FormatError, TamperedError, ValueLimitError
from cardlib.purse import header as hdr
from cardlib.purse.header import Header, Role, Utility
from cardlib.purse.records import KioskRecord

UID = bytes.fromhex("04A2245A6B1C80")
KEY = bytes(range(16))
SPEC = Path(__file__).resolve().parents[2] / "docs" / "card-format.md"

u32 = st.integers(0, 0xFFFFFFFF)


@st.composite
def headers(draw: st.DrawFn) -> Header:
    role = draw(st.sampled_from(Role))
    meter = role is Role.METER
    return Header(
        role=role,
        site_id=draw(u32),
        card_serial=draw(u32),
        tenant_id=draw(u32),
        key_version=draw(st.integers(0, 255)),
        currency=draw(st.integers(0, 999)),
        issue_date=draw(st.dates(dt.date(2000, 1, 1), dt.date(2179, 6, 6))),
        meter_id=draw(u32) if meter else 0,
        utility=draw(st.sampled_from(Utility)) if meter else Utility.NONE,
    )


def wallet(**changes: object) -> Header:
    fields: dict[str, object] = dict(
        role=Role.WALLET,
        site_id=0x1234,
        card_serial=100001,
        tenant_id=42,
        key_version=1,
        currency=156,
        issue_date=dt.date(2025, 1, 15),
    )
    fields.update(changes)
    return Header(**fields)  # type: ignore[arg-type]


@given(headers(), st.binary(min_size=4, max_size=10))
def test_round_trip(header: Header, uid: bytes) -> None:
    raw = hdr.encode(header, uid, KEY)
    assert len(raw) == hdr.HEADER_SIZE
    assert hdr.decode(raw, uid, KEY) == header
    assert hdr.peek(raw) == header


@given(headers(), st.integers(0, 32 * 8 - 1))
def test_any_flipped_bit_is_refused(header: Header, bit: int) -> None:
    raw = bytearray(hdr.encode(header, UID, KEY))
    raw[bit // 8] ^= 1 << (bit % 8)
    with pytest.raises((TamperedError, FormatError, BlankCardError)):
        hdr.decode(bytes(raw), UID, KEY)


@given(headers(), st.binary(min_size=4, max_size=10))
def test_other_uid_or_key_is_refused(header: Header, other_uid: bytes) -> None:
    raw = hdr.encode(header, UID, KEY)
    if other_uid != UID:
        with pytest.raises(TamperedError):
            hdr.decode(raw, other_uid, KEY)
    with pytest.raises(TamperedError):
        hdr.decode(raw, UID, bytes(16))


@pytest.mark.parametrize("raw", [bytes(32), b"\xff" * 32, b"XX" + bytes(30)])
def test_blank(raw: bytes) -> None:
    with pytest.raises(BlankCardError):
        hdr.decode(raw, UID, KEY)
    with pytest.raises(BlankCardError):
        hdr.peek(raw)


def test_unknown_version() -> None:
    raw = bytearray(hdr.encode(wallet(), UID, KEY))
    raw[2] = 2
    with pytest.raises(FormatError, match="version 2"):
        hdr.peek(bytes(raw))


def _remac(raw: bytes) -> bytes:
    return raw[:26] + cmac(KEY, b"H" + UID + raw[:26])[:6]


@pytest.mark.parametrize(
    ("offset", "value"),
    [(3, 9), (20, 7), (16, 1)],  # role, utility, meter id on a wallet
)
def test_unknown_fields_with_valid_mac_are_format_errors(offset: int, value: int) -> None:
    raw = bytearray(hdr.encode(wallet(), UID, KEY))
    raw[offset] = value
    with pytest.raises(FormatError):
        hdr.decode(_remac(bytes(raw)), UID, KEY)


def test_changed_role_without_key_is_tampering() -> None:
    raw = bytearray(hdr.encode(wallet(), UID, KEY))
    raw[3] = Role.STAFF
    with pytest.raises(TamperedError):
        hdr.decode(bytes(raw), UID, KEY)
    assert hdr.peek(bytes(raw)).role is Role.STAFF  # peek is not a verification


@pytest.mark.parametrize(
    "changes",
    [
        {"site_id": 2**32},
        {"key_version": 256},
        {"currency": 1000},
        {"issue_date": dt.date(1999, 12, 31)},
        {"tenant_id": -1},
    ],
)
def test_range_checks(changes: dict[str, object]) -> None:
    with pytest.raises(ValueLimitError):
        wallet(**changes)


def test_meter_fields_only_on_meter_cards() -> None:
    with pytest.raises(FormatError):
        wallet(meter_id=5)
    meter = wallet(role=Role.METER, meter_id=5, utility=Utility.WATER)
    assert hdr.decode(hdr.encode(meter, UID, KEY), UID, KEY) == meter


def _spec_example() -> dict[str, bytes]:
    section = SPEC.read_text(encoding="utf-8").split("## 4. Worked example", 1)[1]
    block = section.split("```", 2)[1]
    rows = re.findall(r"^(\S.*?)\s{2,}((?:[0-9A-F]{2} ?)+)$", block, re.MULTILINE)
    return {name: bytes.fromhex(hexes) for name, hexes in rows}


def test_worked_example_in_spec() -> None:
    example = _spec_example()
    masters = MasterKeys(
        site_master=bytes(range(16)), meter_master=bytes(range(16, 32)), key_version=1
    )
    uid = example["UID"]
    keys = masters.card_keys(uid, 0x1234)
    header_raw = hdr.encode(wallet(), uid, keys.mac_key)
    record_raw = KioskRecord(counter=1, value=5000, purchase_seq=0).encode(
        uid, header_raw, keys.mac_key
    )
    produced = {
        "UID": uid,
        "K_mac": keys.mac_key,
        "Key A": keys.classic_key_a,
        "Key B": keys.classic_key_b,
        "PWD": keys.ntag_pwd,
        "PACK": keys.ntag_pack,
        "PSC": keys.sle_psc,
        "header": header_raw,
        "kiosk record": record_raw,
    }
    assert example == produced
    assert hdr.decode(example["header"], uid, keys.mac_key) == wallet()
