"""How the payment simulator signs its notifications, and how a receiver checks them.

The scheme is the one most gateways use (Stripe's ``t=…,v1=…`` is the same idea): the sender puts
the Unix time in :data:`TIMESTAMP_HEADER` and ``hex(HMAC-SHA256(secret, f"{timestamp}." + body))``
in :data:`SIGNATURE_HEADER`. Signing the timestamp with the body is what makes replaying an old,
captured notification fail the freshness check instead of passing it.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

from kiosk.payments.provider import BadNotificationError

TIMESTAMP_HEADER = "X-Sim-Timestamp"
SIGNATURE_HEADER = "X-Sim-Signature"
#: How far the notification's timestamp may be from the receiver's clock, either way (seconds).
DEFAULT_TOLERANCE_S = 300


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The hex HMAC-SHA256 of ``f"{timestamp}."`` followed by the raw body."""
    signed = f"{timestamp}.".encode("ascii") + body
    return hmac.new(secret.encode("utf-8"), signed, hashlib.sha256).hexdigest()


def signed_headers(secret: str, timestamp: int, body: bytes) -> dict[str, str]:
    """The two headers a notification carries."""
    return {
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: signature(secret, timestamp, body),
    }


def verify_signature(
    secret: str,
    headers: Mapping[str, str],
    body: bytes,
    now: float,
    tolerance_s: int = DEFAULT_TOLERANCE_S,
) -> None:
    """Raise :class:`BadNotificationError` unless ``body`` carries a fresh, valid signature.

    Header names are matched without regard to case, as HTTP requires."""
    lowered = {name.lower(): value for name, value in headers.items()}
    stamp = lowered.get(TIMESTAMP_HEADER.lower())
    given = lowered.get(SIGNATURE_HEADER.lower())
    if not stamp or not given:
        raise BadNotificationError(
            f"Notification is unsigned: it needs both {TIMESTAMP_HEADER} and {SIGNATURE_HEADER}."
        )
    try:
        timestamp = int(stamp)
    except ValueError:
        raise BadNotificationError(f"{TIMESTAMP_HEADER} {stamp!r} is not a Unix time.") from None
    if abs(now - timestamp) > tolerance_s:
        raise BadNotificationError(
            f"Notification timestamp {timestamp} is more than {tolerance_s} s from now "
            f"({int(now)}): stale or replayed, or a clock is wrong."
        )
    expected = signature(secret, timestamp, body)
    # compare_digest on bytes: a str argument with non-ASCII text would raise TypeError instead
    # of returning False, and the comparison must take the same time whatever the mismatch.
    if not hmac.compare_digest(expected.encode("ascii"), given.strip().encode("utf-8", "replace")):
        raise BadNotificationError("Notification signature does not match its body.")
