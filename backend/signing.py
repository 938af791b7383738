"""Verifying the kiosks' signed requests (docs/sync-api.md "Signing").

Every request below ``/api/v1/sync/`` carries X-Kiosk-Id, X-Timestamp, X-Nonce and X-Signature
(:mod:`kiosk.sync_protocol`). :class:`SignedRequestsMiddleware` reads the body once, and
:class:`RequestVerifier` checks, in this order, that the headers are there and well formed (else 401
``unsigned``), that the kiosk is enrolled (401 ``unknown_kiosk``), that the HMAC matches in constant
time (401 ``bad_signature``), that the timestamp is within ±5 minutes of the backend's clock (401
``stale_timestamp`` with ``server_time``, so the kiosk can correct its offset), and that the nonce
was never seen (409 ``replayed_request``). Nonces live in the database, not in a worker's memory,
so a request replayed to another worker is refused too; each is kept for twice the window (a
request is acceptable from ``timestamp - window`` to ``timestamp + window``) and then purged.
"""

from __future__ import annotations

import datetime as dt
import hmac
import json
import time
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError, OperationalError
from starlette.concurrency import run_in_threadpool

from backend.db import Database, is_busy
from backend.db.models import KioskRow, RequestNonce
from backend.errors import (
    BUSY_MESSAGE,
    BackendError,
    BadSignatureError,
    DatabaseBusyError,
    ReplayedRequestError,
    StaleRequestError,
    TooLargeError,
    UnknownKioskError,
    UnsignedError,
)
from backend.secretbox import SecretBox
from kiosk.sync_protocol import (
    API_PREFIX,
    HEADER_KIOSK,
    HEADER_NONCE,
    HEADER_SIGNATURE,
    HEADER_TIMESTAMP,
    KIOSK_ID_PATTERN,
    NONCE_PATTERN,
    SIGNATURE_PATTERN,
    SIGNATURE_WINDOW_S,
    sign,
)

#: the routes that only signed requests reach
SIGNED_PREFIX = f"{API_PREFIX}/sync/"
#: the scope key the middleware leaves the verified kiosk under
SCOPE_KEY = "prepay.kiosk"
#: a push of MAX_BATCH messages is well under this
MAX_BODY = 16 * 1024 * 1024
#: nonces are purged this long after they were seen
NONCE_KEEP = dt.timedelta(seconds=2 * SIGNATURE_WINDOW_S + 60)


@dataclass(frozen=True)
class SignedKiosk:
    """The kiosk a verified request came from."""

    kiosk_id: str
    site_id: int


class RequestVerifier:
    def __init__(
        self,
        db: Database,
        box: SecretBox,
        window: int = SIGNATURE_WINDOW_S,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.db, self.box, self.window, self.clock = db, box, window, clock

    def verify(
        self, method: str, path_and_query: str, headers: Mapping[str, str], body: bytes
    ) -> SignedKiosk:
        """The kiosk that signed this request, or a BackendError saying why it is refused."""
        names = (HEADER_KIOSK, HEADER_TIMESTAMP, HEADER_NONCE, HEADER_SIGNATURE)
        values = {name: headers.get(name.lower(), "") for name in names}
        missing = [name for name, value in values.items() if not value]
        if missing:
            raise UnsignedError(
                f"unsigned request: {', '.join(missing)} missing. Every sync request is signed "
                "with the kiosk's secret (docs/sync-api.md)."
            )
        kiosk_id, raw_ts = values[HEADER_KIOSK], values[HEADER_TIMESTAMP]
        nonce, signature = values[HEADER_NONCE], values[HEADER_SIGNATURE]
        if not KIOSK_ID_PATTERN.match(kiosk_id):
            raise UnsignedError(f"{HEADER_KIOSK} is not a kiosk id: {kiosk_id[:64]!r}")
        if not raw_ts.isdigit() or len(raw_ts) > 12:
            raise UnsignedError(f"{HEADER_TIMESTAMP} must be whole seconds since 1970 UTC")
        if not NONCE_PATTERN.match(nonce):
            raise UnsignedError(f"{HEADER_NONCE} must be 16-64 characters of A-Z a-z 0-9 _ -")
        if not SIGNATURE_PATTERN.match(signature):
            raise UnsignedError(f"{HEADER_SIGNATURE} must be 64 lowercase hex digits")
        timestamp = int(raw_ts)

        with self.db.session() as s:
            row = s.get(KioskRow, kiosk_id)
            if row is None:
                raise UnknownKioskError(
                    f"kiosk {kiosk_id} is not enrolled: an administrator enrols it with "
                    "POST /api/v1/admin/kiosks"
                )
            secret = self.box.open(row.id, row.secret_version, row.sealed_secret)
            site_id = row.site_id
        expected = sign(secret, method, path_and_query, timestamp, nonce, body)
        if not hmac.compare_digest(expected, signature):
            raise BadSignatureError(
                f"the signature does not match for kiosk {kiosk_id}: wrong secret (rotated?) or "
                "the request was altered on the way"
            )
        now = self.clock()
        if abs(now - timestamp) > self.window:
            raise StaleRequestError(
                f"the request's timestamp is {timestamp - now:+.0f} s from the backend's clock "
                f"(allowed ±{self.window} s): correct the clock offset with server_time and sign "
                "again",
                server_time=int(now),
            )
        self._remember(kiosk_id, nonce, now)
        return SignedKiosk(kiosk_id, site_id)

    def _remember(self, kiosk_id: str, nonce: str, now: float) -> None:
        at = dt.datetime.fromtimestamp(now, dt.UTC)
        try:
            with self.db.session() as s:
                s.execute(
                    delete(RequestNonce).where(
                        RequestNonce.kiosk_id == kiosk_id, RequestNonce.seen_at < at - NONCE_KEEP
                    )
                )
                s.add(RequestNonce(kiosk_id=kiosk_id, nonce=nonce, seen_at=at))
                row = s.get(KioskRow, kiosk_id)
                if row is not None:
                    row.last_seen_at = at
        except IntegrityError:
            raise ReplayedRequestError(
                f"this request (nonce {nonce}) was already received: a replayed request is "
                "refused; a retry is signed again with a new nonce"
            ) from None


# -- the middleware --------------------------------------------------------------------------------

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


class SignedRequestsMiddleware:
    """Verifies every request below :data:`SIGNED_PREFIX` before any route sees it (so an unsigned
    request is refused before its body is even parsed), then hands the body on unchanged."""

    def __init__(self, app: Callable[..., Awaitable[None]], verifier: RequestVerifier) -> None:
        self.app, self.verifier = app, verifier

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(SIGNED_PREFIX):
            await self.app(scope, receive, send)
            return
        try:
            body = await _read_body(receive)
            path = (scope.get("raw_path") or scope["path"].encode()).decode("latin-1")
            query = scope.get("query_string", b"").decode("latin-1")
            headers = {
                k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]
            }
            kiosk = await run_in_threadpool(
                self.verifier.verify,
                scope["method"],
                f"{path}?{query}" if query else path,
                headers,
                body,
            )
        except BackendError as error:
            await _send_error(send, error)
            return
        except OperationalError as error:
            if not is_busy(error):
                raise
            await _send_error(send, DatabaseBusyError(BUSY_MESSAGE))
            return
        scope[SCOPE_KEY] = kiosk
        delivered = False

        async def replay() -> MutableMapping[str, Any]:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


async def _read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY:
            raise TooLargeError(f"the request body is over {MAX_BODY // 1024 // 1024} MB")
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


async def _send_error(send: Send, error: BackendError) -> None:
    body = json.dumps(error.body()).encode()
    await send(
        {
            "type": "http.response.start",
            "status": error.status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *([(b"retry-after", b"1")] if isinstance(error, DatabaseBusyError) else []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
