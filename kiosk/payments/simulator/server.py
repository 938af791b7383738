"""The payment simulator: a real HTTP payment provider on 127.0.0.1 for the demo and the tests.

It stands in for a QR gateway (DESIGN.md §6): the kiosk creates an order and shows its pay link as
a QR code, a phone (or a test, or staff at the demo) opens the link and presses "Pay", and the
simulator POSTs a signed notification to the kiosk. It runs in-process in a thread
(:class:`PaymentSimulator`) or as a process (``python -m kiosk.payments.simulator``).

JSON API (bodies and answers are JSON objects; money is integer minor units, currency the ISO 4217
numeric code; times are ISO 8601 UTC; an error is ``{"error": {"code": …, "message": …}}``):

=======  ==================================  ====================================================
POST     /v1/orders                          create; header ``Idempotency-Key`` required; body
                                             ``out_trade_no, amount, currency, description,
                                             expires_in`` (s), optional ``notify_url, metadata``.
                                             201 new, 200 replay (same key, same body), 409
                                             ``idempotency_conflict`` (same key, other body) or
                                             ``duplicate_out_trade_no``
GET      /v1/orders/{no}                     the order: ``status`` pending/paid/closed/refunded,
                                             ``close_reason`` expired/cancelled, ``pay_url``,
                                             ``provider_ref``, ``paid_at``, ``refunded``…; 404
                                             ``order_not_found``
POST     /v1/orders/{no}/cancel              closes an unpaid order; a paid one stays "paid"
POST     /v1/orders/{no}/refunds             ``{"refund_no", "amount"}``; idempotent per
                                             refund_no; 409 ``refund_exceeds_paid``,
                                             ``order_not_paid``, ``idempotency_conflict``
GET      /v1/statement?day=YYYY-MM-DD        ``{"day", "lines": [...]}``: orders created that day
                                             (UTC) and where they stand
GET      /pay/{no}                           the pay page the QR code links to (HTML)
POST     /pay/{no}                           its "Pay" button
POST     /control/{no}/pay                   pay now, as if the phone paid; ``{"late": true}``
                                             pays a closed (expired/cancelled) order late
POST     /control/{no}/expire                make the order expire now
POST     /control/{no}/notify                send its "order.paid" notification again
GET|POST /control/settings                   faults: ``notify_delay_s``, ``notify_copies``,
                                             ``drop_notifications``, ``accept_late_payment``
GET      /control/notifications              every delivery attempt so far
=======  ==================================  ====================================================

Notifications are signed as :mod:`kiosk.payments.simulator.signing` describes; their body is in
:mod:`kiosk.payments.simulator.notifier`. The control endpoints exist for tests and the demo; the
simulator is for 127.0.0.1 and has no authentication.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import logging
import re
import socket
import threading
import urllib.parse
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from kiosk.money import format_amount
from kiosk.payments.simulator.notifier import Notifier
from kiosk.payments.simulator.orders import OrderBook, Refusal

log = logging.getLogger(__name__)

DEFAULT_HOST = "127.0.0.1"
MAX_BODY = 64 * 1024  # bytes; every legitimate request is far smaller
#: How often serve_forever looks for a shutdown request: stop() waits up to this long.
SHUTDOWN_POLL_S = 0.05

_NO = r"(?P<no>[A-Za-z0-9_.:-]{1,64})"
# (method, path pattern, handler method name); first match wins.
ROUTES: list[tuple[str, re.Pattern[str], str]] = [
    ("POST", re.compile(r"^/v1/orders$"), "_create"),
    ("GET", re.compile(rf"^/v1/orders/{_NO}$"), "_get"),
    ("POST", re.compile(rf"^/v1/orders/{_NO}/cancel$"), "_cancel"),
    ("POST", re.compile(rf"^/v1/orders/{_NO}/refunds$"), "_refund"),
    ("GET", re.compile(r"^/v1/statement$"), "_statement"),
    ("GET", re.compile(rf"^/pay/{_NO}$"), "_pay_page"),
    ("POST", re.compile(rf"^/pay/{_NO}$"), "_pay_button"),
    ("GET", re.compile(r"^/control/settings$"), "_get_settings"),
    ("POST", re.compile(r"^/control/settings$"), "_set_settings"),
    ("GET", re.compile(r"^/control/notifications$"), "_notifications"),
    ("POST", re.compile(rf"^/control/{_NO}/pay$"), "_control_pay"),
    ("POST", re.compile(rf"^/control/{_NO}/expire$"), "_control_expire"),
    ("POST", re.compile(rf"^/control/{_NO}/notify$"), "_control_notify"),
]

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Payment simulator</title>
<style>body{{font-family:sans-serif;max-width:24em;margin:2em auto;text-align:center}}
.amount{{font-size:2em;margin:.5em 0}} button{{font-size:1.5em;padding:.4em 2em}}</style>
</head><body><h1>Payment simulator</h1>
<p>{description}</p><p class="amount">{amount}</p><p>Order {no}</p>{action}
</body></html>"""


class _Server(ThreadingHTTPServer):
    daemon_threads = True  # a hung client never keeps the process alive
    simulator: PaymentSimulator


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"  # keep-alive for the kiosk's requests.Session

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in two writes; without TCP_NODELAY, Nagle's algorithm and the
        # client's delayed ACK hold the body back ~40 ms on every keep-alive request.
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self._dispatch("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._dispatch("POST")

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        log.debug("%s %s", self.address_string(), format % args)

    # -- plumbing -------------------------------------------------------------------------------

    def _dispatch(self, method: str) -> None:
        parsed = urllib.parse.urlsplit(self.path)
        self.query = urllib.parse.parse_qs(parsed.query)
        try:
            body = self._read_body()
            for route_method, pattern, name in ROUTES:
                match = pattern.match(parsed.path)
                if match and route_method == method:
                    getattr(self, name)(body, **match.groupdict())
                    return
            raise Refusal(404, "not_found", f"No {method} {parsed.path} here.")
        except Refusal as refusal:
            self._json(
                refusal.status, {"error": {"code": refusal.code, "message": refusal.message}}
            )
        except Exception:  # a bug in the simulator: say so, keep serving
            log.exception("simulator failed on %s %s", method, self.path)
            self._json(500, {"error": {"code": "internal", "message": "Simulator error."}})

    def _read_body(self) -> bytes:
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            raise Refusal(400, "bad_request", "Content-Length is not a number.") from None
        if length > MAX_BODY:
            # The unread body would be taken for the next request on this connection: close it.
            self.close_connection = True
            raise Refusal(413, "too_large", f"Request bodies are limited to {MAX_BODY} bytes.")
        return self.rfile.read(length) if length > 0 else b""

    @staticmethod
    def _object(body: bytes, required: bool = True) -> dict[str, Any]:
        if not body.strip():
            if required:
                raise Refusal(400, "malformed_json", "The request needs a JSON object body.")
            return {}
        try:
            value = json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise Refusal(400, "malformed_json", f"Body is not JSON: {error}.") from None
        if not isinstance(value, dict):
            raise Refusal(400, "malformed_json", "Body must be a JSON object.")
        return value

    def _json(self, status: int, payload: Any) -> None:
        data = json.dumps(payload).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _html(self, status: int, text: str) -> None:
        data = text.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    @property
    def _sim(self) -> PaymentSimulator:
        return self.server.simulator

    # -- the kiosk's API ------------------------------------------------------------------------

    def _create(self, body: bytes) -> None:
        order, created = self._sim.book.create(
            self.headers.get("Idempotency-Key"), self._object(body)
        )
        self._json(HTTPStatus.CREATED if created else HTTPStatus.OK, order)

    def _get(self, body: bytes, no: str) -> None:
        self._json(200, self._sim.book.get(no))

    def _cancel(self, body: bytes, no: str) -> None:
        self._json(200, self._sim.book.cancel(no))

    def _refund(self, body: bytes, no: str) -> None:
        refund, created = self._sim.book.refund(no, self._object(body))
        self._json(HTTPStatus.CREATED if created else HTTPStatus.OK, refund)

    def _statement(self, body: bytes) -> None:
        text = (self.query.get("day") or [""])[0]
        try:
            day = dt.date.fromisoformat(text)
        except ValueError:
            raise Refusal(400, "bad_request", f"day must be YYYY-MM-DD, not {text!r}.") from None
        self._json(200, {"day": day.isoformat(), "lines": self._sim.book.statement(day)})

    # -- the phone ------------------------------------------------------------------------------

    def _pay_page(self, body: bytes, no: str, note: str = "") -> None:
        order = self._sim.book.get(no)
        if order["status"] == "pending":
            action = f'<form method="post" action="/pay/{no}"><button>Pay</button></form>'
        elif order["status"] == "closed":
            action = f"<p>This payment is closed ({html.escape(order['close_reason'] or '')}).</p>"
        else:
            action = "<p><strong>Paid.</strong> You can go back to the kiosk.</p>"
        self._html(
            200,
            PAGE.format(
                description=html.escape(order["description"]),
                amount=html.escape(format_amount(order["amount"], order["currency"])),
                no=html.escape(no),
                action=note + action,
            ),
        )

    def _pay_button(self, body: bytes, no: str) -> None:
        try:
            self._sim.pay(no)
        except Refusal as refusal:
            if refusal.status == 404:
                raise
            self._html(refusal.status, f"<p>{html.escape(refusal.message)}</p>")
            return
        self._pay_page(body, no)

    # -- control --------------------------------------------------------------------------------

    def _get_settings(self, body: bytes) -> None:
        self._json(200, self._sim.book.get_settings().as_json())

    def _set_settings(self, body: bytes) -> None:
        self._json(200, self._sim.book.update_settings(self._object(body)))

    def _notifications(self, body: bytes) -> None:
        self._json(200, {"deliveries": self._sim.notifier.deliveries()})

    def _control_pay(self, body: bytes, no: str) -> None:
        late = self._object(body, required=False).get("late", False)
        if not isinstance(late, bool):
            raise Refusal(400, "bad_request", "late must be true or false.")
        self._json(200, self._sim.pay(no, late=late))

    def _control_expire(self, body: bytes, no: str) -> None:
        self._json(200, self._sim.book.expire_now(no))

    def _control_notify(self, body: bytes, no: str) -> None:
        self._sim.notifier.enqueue(self._sim.book.paid_event(no), self._sim.book.get_settings())
        self._json(202, {"queued": True})


class PaymentSimulator:
    """The simulator: HTTP server, order book and notifier. Use as a context manager, or
    :meth:`start` / :meth:`stop`; :meth:`serve_forever` runs it in the calling thread.

    ``secret`` signs notifications (the kiosk's SimulatorProvider must be given the same one).
    ``port`` 0 takes a free port (see :attr:`url`). ``notify_url`` is where notifications go for
    orders that name none. ``public_url`` is the base of the pay links, when phones reach the
    simulator by another address than ``host``."""

    def __init__(
        self,
        secret: str,
        host: str = DEFAULT_HOST,
        port: int = 0,
        notify_url: str | None = None,
        public_url: str | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        if not secret:
            # DESIGN §3: a missing secret is a start-up error, never a silent default.
            raise ValueError("The payment simulator needs a signing secret.")
        self._server = _Server((host, port), _Handler)
        self._server.simulator = self
        bound_host, bound_port = self._server.server_address[:2]
        if isinstance(bound_host, bytes):
            bound_host = bound_host.decode("ascii")
        self.url = f"http://{bound_host}:{bound_port}"
        self.book = OrderBook(public_url or self.url, notify_url, clock)
        self.notifier = Notifier(secret, clock)
        self._thread: threading.Thread | None = None

    def pay(self, no: str, late: bool = False) -> dict[str, Any]:
        """Pay order ``no`` as the phone would, and notify the kiosk (as the settings say)."""
        order, event = self.book.pay(no, late=late)
        if event is not None:
            self.notifier.enqueue(event, self.book.get_settings())
        return order

    def start(self) -> PaymentSimulator:
        self.notifier.start()
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            args=(SHUTDOWN_POLL_S,),
            name="paysim-http",
            daemon=True,
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self.notifier.start()
        try:
            self._server.serve_forever(SHUTDOWN_POLL_S)
        finally:
            self._server.server_close()
            self.notifier.stop()

    def stop(self) -> None:
        if self._thread is not None:  # shutdown() would wait forever for a loop never started
            self._server.shutdown()
            self._thread.join()
            self._thread = None
        self._server.server_close()
        self.notifier.stop()

    def __enter__(self) -> PaymentSimulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
