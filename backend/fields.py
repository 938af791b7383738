"""Field types shared by the API's bodies: text that every database stores (no NUL, no lone
surrogate: PostgreSQL and UTF-8 refuse both), JSON objects of such text, and whole numbers bounded
by the columns they go to, so that bad input is a 422 with a message, never a database error."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import AfterValidator, AwareDatetime, Field, StringConstraints

from kiosk.sync_protocol import KIOSK_ID_PATTERN

#: nesting deeper than this in a JSON object is refused (a payload is a row, not a tree)
MAX_DEPTH = 16


def _storable(value: str) -> str:
    if "\x00" in value:
        raise ValueError("text must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("text must be valid Unicode (no lone surrogates)") from None
    return value


def _storable_json(value: Any, depth: int = 0) -> Any:
    if depth > MAX_DEPTH:
        raise ValueError(f"JSON nested more than {MAX_DEPTH} levels deep")
    if isinstance(value, str):
        _storable(value)
    elif isinstance(value, dict):
        for key, item in value.items():
            _storable(str(key))
            _storable_json(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _storable_json(item, depth + 1)
    elif isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 2**63:
        raise ValueError("whole numbers in JSON must fit in 64 bits")
    elif isinstance(value, float) and value != value:  # NaN is not JSON
        raise ValueError("NaN is not a number JSON can hold")
    return value


def _in_utc_range(value: dt.datetime) -> dt.datetime:
    try:
        value.astimezone(dt.UTC)
    except OverflowError:
        raise ValueError("the time is outside the years 1 to 9999 once taken to UTC") from None
    return value


Text = Annotated[str, AfterValidator(_storable)]
Str32 = Annotated[Text, StringConstraints(max_length=32)]
Str36 = Annotated[Text, StringConstraints(max_length=36)]
Str50 = Annotated[Text, StringConstraints(max_length=50)]
Str64 = Annotated[Text, StringConstraints(max_length=64)]
Str100 = Annotated[Text, StringConstraints(max_length=100)]
Str128 = Annotated[Text, StringConstraints(max_length=128)]
Str200 = Annotated[Text, StringConstraints(max_length=200)]
Str255 = Annotated[Text, StringConstraints(max_length=255)]
#: a name shown to people: not blank
Name = Annotated[Text, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
JsonObject = Annotated[dict[str, Any], AfterValidator(_storable_json)]
#: a time with its UTC offset that can be stored in UTC (0001-01-01T00:00+01:00 cannot)
Moment = Annotated[AwareDatetime, AfterValidator(_in_utc_range)]

#: whole numbers that fit the columns they go to
Int32 = Annotated[int, Field(ge=-(2**31), le=2**31 - 1)]
Int64 = Annotated[int, Field(ge=-(2**63), le=2**63 - 1)]
Count = Annotated[int, Field(ge=0, le=2**63 - 1)]
Id = Annotated[int, Field(ge=1, le=2**31 - 1)]
LocalId = Annotated[int, Field(ge=1, le=2**63 - 1)]
Seq = Annotated[int, Field(ge=1, le=2**53)]
Currency = Annotated[int, Field(ge=1, le=999)]

KioskId = Annotated[str, StringConstraints(pattern=KIOSK_ID_PATTERN.pattern)]
IdempotencyKey = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.:-]{1,64}$")]
#: a card UID in hex: 4, 7 or 10 bytes
CARD_UID_PATTERN = r"^(?:[0-9a-fA-F]{8}|[0-9a-fA-F]{14}|[0-9a-fA-F]{20})$"
CardUid = Annotated[str, StringConstraints(pattern=CARD_UID_PATTERN)]
