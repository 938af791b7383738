"""The kiosk's HTTP client for the backend's sync API: signed requests, the clock offset, and the
sync errors.

Every request is signed (:mod:`kiosk.sync_protocol`) with the kiosk's secret and a timestamp taken
from the kiosk's clock *plus the offset* learnt from the backend: each reply's ``Date`` header
says what time the backend thinks it is, and a ``stale_timestamp`` refusal carries the backend's
``server_time``. A kiosk whose clock is ten minutes off is refused once, learns the offset from
that reply, and its retry (signed again, with a new nonce) goes through.
"""

from __future__ import annotations

import email.utils
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import requests

from kiosk.sync_protocol import PULL_PATH, PUSH_PATH, STATE_PATH, STATUS_PATH, signed_headers

#: an offset from the Date header is only taken when it differs from the one in use by more than
#: this: the header has whole seconds, and the request's own time blurs it further
OFFSET_TOLERANCE_S = 2.0


class SyncError(Exception):
    """Root of the sync errors; ``code`` is machine-readable, ``message`` for the technician."""

    code = "sync_error"

    def __init__(self, message: str, code: str | None = None, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        #: the HTTP status of a refusal, None when the backend was not reached
        self.status = status


class SyncUnreachableError(SyncError):
    """No answer (network down, backend stopped, timeout): retried later with backoff."""

    code = "unreachable"


class SyncRefusedError(SyncError):
    """The backend answered with an error (code and message are the backend's; ``detail`` holds
    the error's other fields, e.g. the ``seq`` a conflict is about)."""

    code = "refused"

    def __init__(
        self,
        message: str,
        code: str | None = None,
        status: int | None = None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message, code, status)
        self.detail = detail or {}


class SyncConfigError(SyncError):
    code = "sync_not_configured"


@dataclass(frozen=True)
class Reply:
    status: int
    data: dict[str, Any]


class SyncClient:
    """Signed requests to one backend, as one kiosk."""

    def __init__(
        self,
        base_url: str,
        kiosk_id: str,
        secret: str,
        timeout: float = 10.0,
        clock: Callable[[], float] = time.time,
        offset: float = 0.0,
        http: requests.Session | None = None,
    ) -> None:
        if not base_url:
            raise SyncConfigError("no backend URL: set [sync] url in the kiosk's configuration")
        if not secret:
            raise SyncConfigError(
                "no sync secret: set PREPAY_SYNC_SECRET to the secret the backend gave at enrolment"
            )
        self.base_url = base_url.rstrip("/")
        self.kiosk_id, self.secret = kiosk_id, secret
        self.timeout, self.clock = timeout, clock
        #: seconds to add to the kiosk's clock to get the backend's
        self.offset = offset
        self.http = http or requests.Session()

    def close(self) -> None:
        self.http.close()

    # -- the API -----------------------------------------------------------------------------------

    def push(self, messages: list[dict[str, Any]]) -> dict[str, Any]:
        return self.request("POST", PUSH_PATH, body={"messages": messages}).data

    def pull(self, cursor: int, limit: int = 500) -> dict[str, Any]:
        return self.request("GET", PULL_PATH, params={"cursor": cursor, "limit": limit}).data

    def state(self) -> dict[str, Any]:
        return self.request("GET", STATE_PATH).data

    def report_status(self, report: dict[str, Any]) -> dict[str, Any]:
        return self.request("POST", STATUS_PATH, body=report).data

    # -- signed requests ---------------------------------------------------------------------------

    def now(self) -> int:
        """The backend's time as this kiosk best knows it: what a signature is stamped with."""
        return int(round(self.clock() + self.offset))

    def request(
        self,
        method: str,
        path: str,
        params: dict[str, Any] | None = None,
        body: dict[str, Any] | None = None,
    ) -> Reply:
        """One signed request; a stale-timestamp refusal is retried once with the corrected
        offset. Raises SyncUnreachableError or SyncRefusedError."""
        target = f"{path}?{urlencode(params)}" if params else path
        data = b"" if body is None else json.dumps(body, separators=(",", ":")).encode()
        for attempt in (1, 2):
            headers = signed_headers(self.kiosk_id, self.secret, method, target, self.now(), data)
            if body is not None:
                headers["Content-Type"] = "application/json"
            sent = self.clock()
            try:
                response = self.http.request(
                    method, self.base_url + target, data=data or None, headers=headers,
                    timeout=self.timeout,
                )  # fmt: skip
            except requests.RequestException as exc:
                raise SyncUnreachableError(
                    f"backend {self.base_url} not reached: {_describe(exc)}"
                ) from exc
            self._learn_offset(response, sent, self.clock())
            reply = _decode(response)
            if response.ok:
                return Reply(response.status_code, reply)
            error = reply.get("error", {}) if isinstance(reply.get("error"), dict) else {}
            code = str(error.get("code", "http_error"))
            if code == "stale_timestamp" and attempt == 1:
                server_time = error.get("server_time")
                if isinstance(server_time, int | float):
                    self.offset = server_time + 0.5 - (sent + self.clock()) / 2
                continue
            message = str(error.get("message") or response.text[:200] or response.reason)
            raise SyncRefusedError(
                f"backend refused {method} {path}: {message}",
                code=code,
                status=response.status_code,
                detail={k: v for k, v in error.items() if k not in ("code", "message")},
            )
        raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises

    def _learn_offset(self, response: requests.Response, sent: float, received: float) -> None:
        date = response.headers.get("Date")
        if not date:
            return
        try:
            server = email.utils.parsedate_to_datetime(date).timestamp()
        except (TypeError, ValueError):
            return
        # the header is the second the backend answered in: its middle, against our midpoint
        offset = server + 0.5 - (sent + received) / 2
        if abs(offset - self.offset) > OFFSET_TOLERANCE_S:
            self.offset = offset


def _decode(response: requests.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _describe(exc: requests.RequestException) -> str:
    if isinstance(exc, requests.ConnectTimeout | requests.ReadTimeout):
        return "timed out"
    if isinstance(exc, requests.ConnectionError):
        return "connection refused or lost (is the backend running, is the network up?)"
    return f"{type(exc).__name__}: {exc}"
