"""The kiosk's endpoint for payment notifications: verify, then mark paid through the one door.

A provider retries a notification until it gets a 2xx, so a duplicate must be answered 200 and
counted once (:meth:`TopUpService.mark_paid` does the counting). A notification that fails its
signature or freshness check is answered 400, logged, and changes nothing.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from kiosk.payments.provider import (
    BadNotificationError,
    Notification,
    PaymentProvider,
    PaymentStatus,
)

log = logging.getLogger("kiosk.payments.listener")
MAX_BODY = 64 * 1024  # a notification is a few hundred bytes; refuse anything absurd


class NotificationListener:
    """An HTTP server on 127.0.0.1 taking the provider's notifications for the kiosk."""

    def __init__(
        self,
        provider: PaymentProvider,
        on_paid: Callable[[Notification], object],
        host: str = "127.0.0.1",
        port: int = 0,
        path: str = "/notify",
    ) -> None:
        self.provider = provider
        self.on_paid = on_paid
        self.path = path
        listener = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                listener._handle(self)

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                log.debug(format, *args)

        self._server = ThreadingHTTPServer((host, port), Handler)
        bound_host, bound_port = self._server.server_address[:2]
        self.url = f"http://{bound_host!s}:{bound_port}{path}"
        self._thread: threading.Thread | None = None
        #: (status, reason) of every notification handled, for the health screen and tests
        self.seen: list[tuple[int, str]] = []

    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        if request.path != self.path:
            self._answer(request, 404, "not found")
            return
        length = int(request.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self._answer(request, 413, "too large")
            return
        body = request.rfile.read(length)
        headers = {k: v for k, v in request.headers.items()}
        try:
            notification = self.provider.verify_notification(headers, body)
        except BadNotificationError as exc:
            log.warning("refused a payment notification: %s", exc.message)
            self._answer(request, 400, exc.message)
            return
        if notification.state.status is PaymentStatus.PAID:
            self.on_paid(notification)
        self._answer(request, 200, "ok")

    def _answer(self, request: BaseHTTPRequestHandler, status: int, reason: str) -> None:
        self.seen.append((status, reason))
        payload = reason.encode()
        request.send_response(status)
        request.send_header("Content-Type", "text/plain; charset=utf-8")
        request.send_header("Content-Length", str(len(payload)))
        request.end_headers()
        request.wfile.write(payload)

    def start(self) -> NotificationListener:
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="notify-listener", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> NotificationListener:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
