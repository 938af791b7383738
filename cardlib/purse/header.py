"""The 32-byte card header of docs/card-format.md §1.1: who the card is, and its MAC.

Reading a card is two steps because the MAC key depends on the header itself: the header names
the site and the key version, and K_mac is diversified from that key version's master and the site
id. So :func:`peek` parses the header *without* checking its MAC, only to learn which keys to
derive; the caller must then call :func:`decode` with the derived K_mac before trusting any field.
Nothing from :func:`peek` may be acted on except choosing keys (and a foreign site id is only a
hint until verified: a forged header can claim any site).
"""

from __future__ import annotations

import datetime as dt
import enum
import hmac
import struct
from dataclasses import dataclass

from cardlib.crypto.an10922 import cmac
from cardlib.errors import BlankCardError, FormatError, TamperedError, ValueLimitError

HEADER_SIZE = 32
MAGIC = b"PK"
FORMAT_VERSION = 1
MAC_DOMAIN = b"H"  # domain separation: header, kiosk record ("K") and meter record ("M") MACs
MAC_OFFSET = 26  # the MAC covers header[0:26]
MAC_SIZE = HEADER_SIZE - MAC_OFFSET
EPOCH = dt.date(2000, 1, 1)  # issue date is days since this day
MAX_CURRENCY = 999  # ISO 4217 numeric codes are three digits

# magic, version, role, site, serial, tenant, meter, utility, key version, currency, issue days
_FIELDS = struct.Struct(">2sBBIIIIBBHH")
assert _FIELDS.size == MAC_OFFSET


class Role(enum.IntEnum):
    METER = 1
    WALLET = 2
    STAFF = 3


class Utility(enum.IntEnum):
    NONE = 0
    ELECTRICITY = 1
    WATER = 2


@dataclass(frozen=True)
class Header:
    """A card header (spec §1.1). Constructing one checks every field fits its bytes."""

    role: Role
    site_id: int
    card_serial: int
    tenant_id: int
    key_version: int
    currency: int
    issue_date: dt.date
    meter_id: int = 0
    utility: Utility = Utility.NONE
    format_version: int = FORMAT_VERSION

    def __post_init__(self) -> None:
        for name in ("site_id", "card_serial", "tenant_id", "meter_id"):
            _check_range(name, getattr(self, name), 0xFFFFFFFF)
        _check_range("key_version", self.key_version, 0xFF)
        _check_range("currency", self.currency, MAX_CURRENCY)
        _check_range("issue date", (self.issue_date - EPOCH).days, 0xFFFF)
        if self.format_version != FORMAT_VERSION:
            raise FormatError(f"This kiosk writes card format {FORMAT_VERSION} only.")
        if self.role is not Role.METER and (self.meter_id or self.utility is not Utility.NONE):
            raise FormatError("Only a meter card has a meter id and a utility.")


def encode(header: Header, uid: bytes, mac_key: bytes) -> bytes:
    """The 32 header bytes for the card with ``uid``, MACed under K_mac."""
    body = _FIELDS.pack(
        MAGIC,
        header.format_version,
        header.role,
        header.site_id,
        header.card_serial,
        header.tenant_id,
        header.meter_id,
        header.utility,
        header.key_version,
        header.currency,
        (header.issue_date - EPOCH).days,
    )
    return body + _mac(mac_key, uid, body)


def peek(raw: bytes) -> Header:
    """Parse a header WITHOUT checking its MAC: only to choose keys (see the module docstring).

    Raises :class:`BlankCardError` for an unpersonalised card, :class:`FormatError` for a format
    this code does not know.
    """
    _check_layout(raw)
    return _parse(raw)


def decode(raw: bytes, uid: bytes, mac_key: bytes) -> Header:
    """Parse and verify a header; raises BlankCardError, FormatError or TamperedError."""
    _check_layout(raw)
    # The MAC is checked before the fields are interpreted, so a changed role or utility byte
    # is reported as tampering, not as a format this kiosk does not know.
    if not hmac.compare_digest(raw[MAC_OFFSET:], _mac(mac_key, uid, raw[:MAC_OFFSET])):
        raise TamperedError("The card's header failed its security check.")
    return _parse(raw)


def is_empty(raw: bytes) -> bool:
    """All 00 or all FF: the header area of a card that was never personalised (or was wiped)."""
    return raw in (bytes(len(raw)), b"\xff" * len(raw))


def _check_layout(raw: bytes) -> None:
    if len(raw) != HEADER_SIZE:
        raise ValueError(f"a header is {HEADER_SIZE} bytes, got {len(raw)}")
    if is_empty(raw) or raw[: len(MAGIC)] != MAGIC:
        raise BlankCardError()
    if raw[len(MAGIC)] != FORMAT_VERSION:
        raise FormatError(f"This card is in format version {raw[len(MAGIC)]}, not understood here.")


def _parse(raw: bytes) -> Header:
    (_, version, role, site, serial, tenant, meter, utility, key_version, currency, days) = (
        _FIELDS.unpack(raw[:MAC_OFFSET])
    )
    try:
        role_value = Role(role)
        utility_value = Utility(utility)
    except ValueError:
        raise FormatError(f"Unknown card role {role} or utility {utility}.") from None
    try:
        return Header(
            role=role_value,
            site_id=site,
            card_serial=serial,
            tenant_id=tenant,
            key_version=key_version,
            currency=currency,
            issue_date=EPOCH + dt.timedelta(days=days),
            meter_id=meter,
            utility=utility_value,
            format_version=version,
        )
    except ValueLimitError as exc:
        raise FormatError(f"The card's header is malformed: {exc.message}") from None


def _mac(mac_key: bytes, uid: bytes, body: bytes) -> bytes:
    return cmac(mac_key, MAC_DOMAIN + uid + body)[:MAC_SIZE]


def _check_range(name: str, value: int, maximum: int) -> None:
    if not 0 <= value <= maximum:
        raise ValueLimitError(f"The card's {name} must be 0..{maximum}, got {value}.")
