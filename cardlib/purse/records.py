"""The kiosk record (16 bytes) and meter record (32 bytes) of docs/card-format.md §1.2-1.3.

Both MACs bind the record to the card's UID and to its header (``header_raw[0:26]``), so a record
copied to another card, or kept while the header is changed, does not verify. Values that do not fit
their bytes are refused with :class:`ValueLimitError` when the record is built: a counter never
wraps round to zero (that would look like a replay, or worse, let one through).
"""

from __future__ import annotations

import datetime as dt
import enum
import hmac
import math
import struct
from dataclasses import dataclass

from cardlib.crypto.an10922 import cmac
from cardlib.errors import FormatError, TamperedError, ValueLimitError
from cardlib.purse.header import HEADER_SIZE
from cardlib.purse.header import MAC_OFFSET as HEADER_MAC_OFFSET

KIOSK_RECORD_SIZE = 16
KIOSK_MAC_OFFSET = 10
KIOSK_MAC_DOMAIN = b"K"
METER_RECORD_SIZE = 32
METER_MAC_OFFSET = 24
METER_MAC_DOMAIN = b"M"

UINT16_MAX = 0xFFFF
UINT32_MAX = 0xFFFFFFFF
INT32_MIN = -(2**31)
INT32_MAX = 2**31 - 1

_KIOSK = struct.Struct(">IiH")  # counter, value, purchase seq
_METER = struct.Struct(
    ">IIiHBBI4s"
)  # counter, reading, credit, last seq, flags, refusal, time, rsv
assert _KIOSK.size == KIOSK_MAC_OFFSET and _METER.size == METER_MAC_OFFSET
_RESERVED = bytes(4)


class MeterFlags(enum.IntFlag):
    RELAY_OPEN = 0x01
    TAMPER = 0x02
    LOW_BATTERY = 0x04
    EMERGENCY_CREDIT = 0x08
    LOW_CREDIT = 0x10


_KNOWN_FLAGS = int(
    MeterFlags.RELAY_OPEN
    | MeterFlags.TAMPER
    | MeterFlags.LOW_BATTERY
    | MeterFlags.EMERGENCY_CREDIT
    | MeterFlags.LOW_CREDIT
)


class Refusal(enum.IntEnum):
    """Why the meter refused the card's purchase the last time it saw the card."""

    NONE = 0
    OTHER_METER = 1
    OLD_SEQUENCE = 2
    BAD_MAC = 3
    SEQUENCE_GAP = 4


@dataclass(frozen=True)
class KioskRecord:
    counter: int
    value: int  # wallet: stored value; meter card: amount of the current purchase (minor units)
    purchase_seq: int = 0

    def __post_init__(self) -> None:
        _check("counter", self.counter, 0, UINT32_MAX)
        _check("value", self.value, INT32_MIN, INT32_MAX)
        _check("purchase sequence", self.purchase_seq, 0, UINT16_MAX)

    def encode(self, uid: bytes, header_raw: bytes, mac_key: bytes) -> bytes:
        """The 16 record bytes, MACed under K_mac over UID, header[0:26] and the record."""
        return encode_kiosk(self, uid, header_raw, mac_key)

    @classmethod
    def decode(cls, raw: bytes, uid: bytes, header_raw: bytes, mac_key: bytes) -> KioskRecord:
        """Verify and parse; a MAC that fails (any change, another card) is TamperedError."""
        return decode_kiosk(raw, uid, header_raw, mac_key)


@dataclass(frozen=True)
class MeterRecord:
    counter: int
    reading: int  # Wh or litres
    credit: int  # minor units, negative while emergency credit is used
    last_loaded_seq: int
    flags: MeterFlags
    refusal: Refusal
    time: dt.datetime  # aware; stored as whole seconds since 1970 UTC

    def __post_init__(self) -> None:
        _check("counter", self.counter, 0, UINT32_MAX)
        _check("reading", self.reading, 0, UINT32_MAX)
        _check("credit", self.credit, INT32_MIN, INT32_MAX)
        _check("last loaded sequence", self.last_loaded_seq, 0, UINT16_MAX)
        if int(self.flags) & ~_KNOWN_FLAGS:
            raise ValueLimitError(f"Unknown meter flags {int(self.flags):#04x}.")
        if self.time.tzinfo is None or self.time.utcoffset() is None:
            raise ValueError("meter record time must be timezone-aware")
        _check("time", _epoch_seconds(self.time), 0, UINT32_MAX)
        # normalised to what the card can hold, so a record equals itself after a round trip
        utc = dt.datetime.fromtimestamp(_epoch_seconds(self.time), dt.UTC)
        object.__setattr__(self, "time", utc)
        object.__setattr__(self, "flags", MeterFlags(self.flags))
        object.__setattr__(self, "refusal", Refusal(self.refusal))

    def encode(self, uid: bytes, header_raw: bytes, meter_key: bytes) -> bytes:
        """The 32 record bytes, MACed under K_meter over UID, header[0:26] and the record."""
        return encode_meter(self, uid, header_raw, meter_key)

    @classmethod
    def decode(cls, raw: bytes, uid: bytes, header_raw: bytes, meter_key: bytes) -> MeterRecord:
        """Verify and parse; a bad MAC is TamperedError, unknown flags/codes FormatError."""
        return decode_meter(raw, uid, header_raw, meter_key)


def next_counter(counter: int) -> int:
    """``counter + 1``, or :class:`ValueLimitError` when the uint32 counter is used up."""
    if counter >= UINT32_MAX:
        raise ValueLimitError("This card's transaction counter is used up. Please call staff.")
    return counter + 1


def encode_kiosk(record: KioskRecord, uid: bytes, header_raw: bytes, mac_key: bytes) -> bytes:
    """The 16 bytes of a kiosk record; ``header_raw`` is the card's 32 header bytes."""
    body = _KIOSK.pack(record.counter, record.value, record.purchase_seq)
    return body + _mac(mac_key, KIOSK_MAC_DOMAIN, uid, header_raw, body, KIOSK_RECORD_SIZE)


def decode_kiosk(raw: bytes, uid: bytes, header_raw: bytes, mac_key: bytes) -> KioskRecord:
    """Verify and parse a kiosk record; a MAC that fails is :class:`TamperedError`."""
    body = _verified(raw, KIOSK_RECORD_SIZE, KIOSK_MAC_DOMAIN, uid, header_raw, mac_key, "kiosk")
    counter, value, seq = _KIOSK.unpack(body)
    return KioskRecord(counter=counter, value=value, purchase_seq=seq)


def encode_meter(record: MeterRecord, uid: bytes, header_raw: bytes, meter_key: bytes) -> bytes:
    """The 32 bytes of a meter record, MACed under K_meter."""
    body = _METER.pack(
        record.counter,
        record.reading,
        record.credit,
        record.last_loaded_seq,
        int(record.flags),
        int(record.refusal),
        _epoch_seconds(record.time),
        _RESERVED,
    )
    return body + _mac(meter_key, METER_MAC_DOMAIN, uid, header_raw, body, METER_RECORD_SIZE)


def decode_meter(raw: bytes, uid: bytes, header_raw: bytes, meter_key: bytes) -> MeterRecord:
    """Verify and parse a meter record: bad MAC TamperedError, unknown flags/codes FormatError."""
    body = _verified(raw, METER_RECORD_SIZE, METER_MAC_DOMAIN, uid, header_raw, meter_key, "meter")
    counter, reading, credit, seq, flags, refusal, seconds, reserved = _METER.unpack(body)
    # A verified record with unknown values was written by a newer meter, not forged.
    if reserved != _RESERVED or flags & ~_KNOWN_FLAGS:
        raise FormatError("The meter record uses fields this kiosk does not understand.")
    try:
        refusal_value = Refusal(refusal)
    except ValueError:
        raise FormatError(f"Unknown meter refusal code {refusal}.") from None
    return MeterRecord(
        counter=counter,
        reading=reading,
        credit=credit,
        last_loaded_seq=seq,
        flags=MeterFlags(flags),
        refusal=refusal_value,
        time=dt.datetime.fromtimestamp(seconds, dt.UTC),
    )


def _verified(
    raw: bytes, size: int, domain: bytes, uid: bytes, header_raw: bytes, key: bytes, what: str
) -> bytes:
    if len(raw) != size:
        raise ValueError(f"a {what} record is {size} bytes, got {len(raw)}")
    body = raw[: size - _mac_size(size)]
    if not hmac.compare_digest(raw[len(body) :], _mac(key, domain, uid, header_raw, body, size)):
        raise TamperedError(f"The card's {what} record failed its security check.")
    return body


def _mac_size(record_size: int) -> int:
    offset = KIOSK_MAC_OFFSET if record_size == KIOSK_RECORD_SIZE else METER_MAC_OFFSET
    return record_size - offset


def _mac(key: bytes, domain: bytes, uid: bytes, header_raw: bytes, body: bytes, size: int) -> bytes:
    if len(header_raw) != HEADER_SIZE:
        raise ValueError(f"header_raw must be the {HEADER_SIZE} header bytes as read")
    return cmac(key, domain + uid + header_raw[:HEADER_MAC_OFFSET] + body)[: _mac_size(size)]


def _epoch_seconds(when: dt.datetime) -> int:
    return math.floor(when.timestamp())  # whole seconds; sub-second precision is not stored


def _check(name: str, value: int, low: int, high: int) -> None:
    if not low <= value <= high:
        raise ValueLimitError(f"The {name} {value} does not fit on the card ({low}..{high}).")
