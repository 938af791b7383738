"""Delivery of the simulator's signed "order.paid" notifications, with the faults it can inject.

One worker thread sends due notifications in time order, so a delay never blocks the HTTP server
and stopping the simulator stops deliveries. Each notification is signed when it is *sent* (as
gateways do on every retry), so a copy sent late carries a fresh timestamp; copies of one event
share its ``event_id`` and body, which is what the kiosk deduplicates on. A failed delivery (no
answer, or not 2xx) is retried a few times with a growing pause, as gateways do.

The body (JSON)::

    {"event_id": "evt_…", "type": "order.paid", "created_at": "…+00:00",
     "order": { …the order, as GET /v1/orders/{no} returns it… }}
"""

from __future__ import annotations

import heapq
import itertools
import json
import logging
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kiosk.payments.simulator.orders import PaidEvent, Settings, iso
from kiosk.payments.simulator.signing import signed_headers

log = logging.getLogger(__name__)

NOTIFY_TIMEOUT_S = 5.0  # gateways give a receiver a few seconds (WeChat Pay: 5 s)
NOTIFY_ATTEMPTS = 3  # per copy: the first try and two retries
RETRY_BACKOFF_S = 1.0  # pause before retry n is n × this
EVENT_TYPE_PAID = "order.paid"


@dataclass(order=True)
class _Job:
    due: float
    seq: int
    event_id: str = ""
    out_trade_no: str = ""
    url: str | None = None
    body: bytes = b""
    copy: int = 1
    attempt: int = 1


class Notifier:
    """Queue and send notifications; keeps a log of every delivery for tests and the demo."""

    def __init__(self, secret: str, clock: Callable[[], float] | None = None) -> None:
        self._secret = secret
        self._clock = clock or time.time
        self._jobs: list[_Job] = []
        self._seq = itertools.count()
        self._cond = threading.Condition()
        self._log: list[dict[str, Any]] = []
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="paysim-notifier", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        if self._thread.is_alive():
            self._thread.join(timeout=NOTIFY_TIMEOUT_S + 1)

    def enqueue(self, event: PaidEvent, settings: Settings) -> None:
        """Schedule ``event`` as ``settings`` say (delay, copies, or dropped)."""
        body = json.dumps(
            {
                "event_id": event.event_id,
                "type": EVENT_TYPE_PAID,
                "created_at": iso(self._clock()),
                "order": event.order_json,
            },
            separators=(",", ":"),
        ).encode("utf-8")
        if settings.drop_notifications:
            self._record(event.event_id, event.out_trade_no, 0, 0, "dropped", None)
            return
        due = time.monotonic() + settings.notify_delay_s
        with self._cond:
            for copy in range(1, settings.notify_copies + 1):
                job = _Job(
                    due,
                    next(self._seq),
                    event.event_id,
                    event.out_trade_no,
                    event.notify_url,
                    body,
                    copy,
                )
                heapq.heappush(self._jobs, job)
            self._cond.notify_all()

    def deliveries(self) -> list[dict[str, Any]]:
        with self._cond:
            return [dict(entry) for entry in self._log]

    # -- the worker -----------------------------------------------------------------------------

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._stopping and (
                    not self._jobs or self._jobs[0].due > time.monotonic()
                ):
                    timeout = self._jobs[0].due - time.monotonic() if self._jobs else None
                    self._cond.wait(timeout)
                if self._stopping:
                    return
                job = heapq.heappop(self._jobs)
            self._send(job)

    def _send(self, job: _Job) -> None:
        if not job.url:
            self._record(job.event_id, job.out_trade_no, job.copy, job.attempt, "no_notify_url")
            return
        headers = {"Content-Type": "application/json"}
        headers.update(signed_headers(self._secret, int(self._clock()), job.body))
        request = urllib.request.Request(job.url, data=job.body, headers=headers, method="POST")
        status: int | None = None
        try:
            with urllib.request.urlopen(request, timeout=NOTIFY_TIMEOUT_S) as response:
                status = response.status
                result = "delivered"
        except urllib.error.HTTPError as error:
            status, result = error.code, "refused"
        except (OSError, ValueError) as error:  # URLError, timeouts, refused connections
            result = f"failed: {error}"
        self._record(job.event_id, job.out_trade_no, job.copy, job.attempt, result, status)
        if result != "delivered" and job.attempt < NOTIFY_ATTEMPTS:
            job.attempt += 1
            job.due = time.monotonic() + RETRY_BACKOFF_S * (job.attempt - 1)
            job.seq = next(self._seq)
            with self._cond:
                heapq.heappush(self._jobs, job)
                self._cond.notify_all()

    def _record(
        self,
        event_id: str,
        out_trade_no: str,
        copy: int,
        attempt: int,
        result: str,
        status: int | None = None,
    ) -> None:
        log.info(
            "notification %s copy %d try %d for %s: %s",
            event_id,
            copy,
            attempt,
            out_trade_no,
            result,
        )
        entry = {
            "event_id": event_id,
            "out_trade_no": out_trade_no,
            "copy": copy,
            "attempt": attempt,
            "result": result,
            "status": status,
            "at": iso(self._clock()),
        }
        with self._cond:
            self._log.append(entry)
