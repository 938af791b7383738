"""The sync wire protocol shared by the kiosk and the backend (docs/sync-api.md): the message kinds,
the request-signing scheme, and the limits both sides check.

A request is signed with the kiosk's secret over five lines::

    METHOD
    /path?query          (exactly as sent; no re-ordering of the query)
    timestamp            (whole seconds since 1970 UTC, as in X-Timestamp)
    nonce                (as in X-Nonce)
    sha256(body) in hex  (of the exact body bytes; e3b0c442... for an empty body)

``X-Signature`` is the lowercase hex HMAC-SHA256 of those lines joined by "\\n" (no final newline),
keyed with the kiosk's secret as UTF-8. The backend recomputes it and compares with
:func:`hmac.compare_digest`. Kept here, in the lower layer, so that the backend verifies with the
very function the kiosk signs with.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import re
import secrets

#: the API's version prefix; every sync route is below it
API_PREFIX = "/api/v1"
PUSH_PATH = f"{API_PREFIX}/sync/push"
PULL_PATH = f"{API_PREFIX}/sync/pull"
STATE_PATH = f"{API_PREFIX}/sync/state"
STATUS_PATH = f"{API_PREFIX}/sync/status"

HEADER_KIOSK = "X-Kiosk-Id"
HEADER_TIMESTAMP = "X-Timestamp"
HEADER_NONCE = "X-Nonce"
HEADER_SIGNATURE = "X-Signature"

#: a request whose timestamp is further than this from the backend's clock is refused (seconds)
SIGNATURE_WINDOW_S = 300
#: most messages one push may carry, and most reference changes one pull page returns
MAX_BATCH = 500
MAX_PAGE = 1000

KIOSK_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
NONCE_PATTERN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
SIGNATURE_PATTERN = re.compile(r"^[0-9a-f]{64}$")


class MessageKind(enum.Enum):
    """What an outbox message reports. The payload is the row as the kiosk holds it after the
    change (a snapshot, not a diff), so applying the newest one is always right."""

    ORDER = "order"  # an order with its items, after a state change
    LEDGER_ENTRY = "ledger_entry"  # one ledger entry, with its account's kind, tenant, currency
    CARD_WRITE = "card_write"  # a card-write journal row, when planned and when settled
    AUDIT_ENTRY = "audit_entry"  # who did what, why
    METER_STATE = "meter_state"  # a state record a card meter wrote back, read at a tap
    RELAY_COMMAND = "relay_command"  # a networked meter switched, with the reason
    CARD = "card"  # a card issued, blocked or replaced by staff here: the site's card list
    TENANT = "tenant"  # a tenant created or changed here (e.g. with a card): the site's tenants
    METER = "meter"  # a meter registered or changed here (e.g. with a card): the site's meters


def body_hash(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def canonical(method: str, path_and_query: str, timestamp: int, nonce: str, body: bytes) -> str:
    """The text that is signed (see the module docstring)."""
    return "\n".join((method.upper(), path_and_query, str(timestamp), nonce, body_hash(body)))


def sign(
    secret: str, method: str, path_and_query: str, timestamp: int, nonce: str, body: bytes
) -> str:
    """The X-Signature of a request."""
    message = canonical(method, path_and_query, timestamp, nonce, body).encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def new_nonce() -> str:
    """A fresh nonce: 128 random bits, URL-safe."""
    return secrets.token_urlsafe(16)


def signed_headers(
    kiosk_id: str,
    secret: str,
    method: str,
    path_and_query: str,
    timestamp: int,
    body: bytes,
    nonce: str | None = None,
) -> dict[str, str]:
    """The four headers of a signed request."""
    nonce = nonce or new_nonce()
    return {
        HEADER_KIOSK: kiosk_id,
        HEADER_TIMESTAMP: str(timestamp),
        HEADER_NONCE: nonce,
        HEADER_SIGNATURE: sign(secret, method, path_and_query, timestamp, nonce, body),
    }
