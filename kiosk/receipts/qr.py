"""The receipt's QR link: a URL that names the receipt and carries a short HMAC, so a receipt link
cannot be made up or altered (another total, another receipt number) without the key.

The link holds what a person checking a receipt compares with the paper -- receipt number, kiosk,
total, currency, time -- and ``s``, the first :data:`SIGNATURE_BYTES` bytes of HMAC-SHA256 over
them under the receipt key, in base32 (QR-friendly, case-insensitive). 80 bits cannot be guessed
online. The base URL (the management platform's verification page) and the key come from the
caller's configuration: neither has a default.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
from dataclasses import dataclass, replace
from urllib.parse import parse_qs, urlencode, urlsplit

from kiosk.receipts.model import Receipt, ReceiptError

LINK_VERSION = "1"
SIGNATURE_BYTES = 10
MIN_KEY_BYTES = 16
_FIELDS = ("v", "r", "k", "t", "c", "at", "s")


class ReceiptLinkError(ReceiptError):
    """A receipt link is malformed, or its signature does not match: it was not issued by us."""

    code = "bad_receipt_link"


@dataclass(frozen=True)
class ReceiptLink:
    """What a verified link says."""

    receipt_no: str
    kiosk_id: str
    total: int
    currency: int
    issued_at: dt.datetime  # UTC, whole seconds


def link_for(receipt: Receipt, base_url: str, key: bytes) -> str:
    """The signed verification URL for ``receipt``."""
    _check_key(key)
    scheme = urlsplit(base_url).scheme
    if scheme not in ("https", "http"):
        raise ReceiptError(f"The receipt verification URL must be http(s), got {base_url!r}.")
    stamp = int(receipt.issued_at.timestamp())
    fields = {
        "v": LINK_VERSION,
        "r": receipt.receipt_no,
        "k": receipt.kiosk_id,
        "t": str(receipt.total),
        "c": str(receipt.currency),
        "at": str(stamp),
    }
    fields["s"] = _signature(key, fields)
    joiner = "&" if "?" in base_url else "?"
    return base_url + joiner + urlencode(fields)


def attach_link(receipt: Receipt, base_url: str, key: bytes) -> Receipt:
    """A copy of ``receipt`` with its signed verification URL filled in."""
    return replace(receipt, verify_url=link_for(receipt, base_url, key))


def verify_link(url: str, key: bytes) -> ReceiptLink:
    """Check a receipt link's signature and read it, or raise :class:`ReceiptLinkError`."""
    _check_key(key)
    query = parse_qs(urlsplit(url).query, keep_blank_values=True)
    fields: dict[str, str] = {}
    for name in _FIELDS:
        values = query.get(name, [])
        if len(values) != 1:
            raise ReceiptLinkError(f"This is not a receipt link: '{name}' is missing or repeated.")
        fields[name] = values[0]
    if fields["v"] != LINK_VERSION:
        raise ReceiptLinkError(f"Receipt link version {fields['v']!r} is not known.")
    given = fields.pop("s").upper()
    if not hmac.compare_digest(given.encode(), _signature(key, fields).encode()):
        raise ReceiptLinkError("This receipt link was not issued by us, or it has been altered.")
    try:
        return ReceiptLink(
            receipt_no=fields["r"],
            kiosk_id=fields["k"],
            total=int(fields["t"]),
            currency=int(fields["c"]),
            issued_at=dt.datetime.fromtimestamp(int(fields["at"]), dt.UTC),
        )
    except (ValueError, OverflowError, OSError):
        # signed by us but unreadable: only a bug in link_for could do this
        raise ReceiptLinkError("This receipt link has unreadable numbers.") from None


def _signature(key: bytes, fields: dict[str, str]) -> str:
    # fields joined by a separator no field may contain, so ("a|b","c") and ("a","b|c") differ
    for name, value in fields.items():
        if "\n" in value:
            raise ReceiptLinkError(f"Receipt link field '{name}' has a line break.")
    message = "\n".join(f"{name}={fields[name]}" for name in _FIELDS if name != "s")
    digest = hmac.new(key, message.encode(), hashlib.sha256).digest()[:SIGNATURE_BYTES]
    return base64.b32encode(digest).decode().rstrip("=")


def _check_key(key: bytes) -> None:
    if not isinstance(key, bytes) or len(key) < MIN_KEY_BYTES:
        raise ReceiptError(
            f"The receipt link key must be at least {MIN_KEY_BYTES} bytes (set it in the "
            "configuration or the environment)."
        )
