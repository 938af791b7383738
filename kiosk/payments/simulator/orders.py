"""The payment simulator's books: orders, idempotency keys, refunds and the fault settings.

This is the state behind the HTTP API in :mod:`kiosk.payments.simulator.server`, kept apart from
HTTP so that the rules read in one place. Everything is under one lock: the server is threaded and
the pay page, the control endpoints and the kiosk may touch one order at the same moment.

Rules, modelled on what the real gateways do (research/payments-meters-sync.md, "Gateways"):

- An order is created once per idempotency key. The same key with the same body returns the same
  order; the same key with another body, or another key for an ``out_trade_no`` already used, is
  refused (409), never silently a second order.
- Orders expire: an unpaid order past its ``expires_at`` is closed ("expired"). Unless told to
  accept late payments, the simulator refuses to pay a closed order.
- Cancel closes an unpaid order; on a paid one it changes nothing and says "paid".
- Refunds are idempotent per ``refund_no``; the sum refunded never exceeds the amount paid.
- Money is integer minor units with an ISO 4217 numeric currency, everywhere.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from kiosk.money import CURRENCIES

MAX_EXPIRES_IN_S = 24 * 60 * 60
MAX_AMOUNT = 10**12  # minor units; a sanity bound, far above any top-up
MAX_IDEMPOTENCY_KEY = 255  # as Stripe: longer keys are refused, not truncated
MAX_DESCRIPTION = 128
MAX_NOTIFY_COPIES = 20
MAX_NOTIFY_DELAY_S = 600.0
REFERENCE_RE = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")  # out_trade_no and refund_no

ORDER_FIELDS = {
    "out_trade_no",
    "amount",
    "currency",
    "description",
    "expires_in",
    "notify_url",
    "metadata",
}
REQUIRED_ORDER_FIELDS = {"out_trade_no", "amount", "currency", "description", "expires_in"}


class Refusal(Exception):
    """The simulator refuses a request: the HTTP layer answers ``status`` with ``code``.

    It never leaves the simulator; the kiosk sees the HTTP answer, turned into a PaymentError by
    the client."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def iso(timestamp: float | None) -> str | None:
    """Unix time -> ISO 8601 UTC ("2024-05-01T08:00:00+00:00"); None stays None."""
    if timestamp is None:
        return None
    return dt.datetime.fromtimestamp(timestamp, dt.UTC).isoformat(timespec="seconds")


@dataclass
class Settings:
    """Faults the simulator injects, set by the control API (tests, the demo's staff screen)."""

    notify_delay_s: float = 0.0  # wait this long before sending each notification
    notify_copies: int = 1  # send each notification this many times (duplicates)
    drop_notifications: bool = False  # send none (the kiosk must poll)
    accept_late_payment: bool = False  # let a closed (expired/cancelled) order be paid

    def as_json(self) -> dict[str, Any]:
        return {
            "notify_delay_s": self.notify_delay_s,
            "notify_copies": self.notify_copies,
            "drop_notifications": self.drop_notifications,
            "accept_late_payment": self.accept_late_payment,
        }

    def update(self, changes: Mapping[str, Any]) -> None:
        """Apply a partial update, all or nothing."""
        new = Settings(**self.as_json())
        for name, value in changes.items():
            if name == "notify_delay_s":
                if (
                    not isinstance(value, int | float)
                    or isinstance(value, bool)
                    or not 0 <= value <= MAX_NOTIFY_DELAY_S
                ):
                    raise Refusal(
                        400, "bad_request", f"notify_delay_s must be 0..{MAX_NOTIFY_DELAY_S}."
                    )
                new.notify_delay_s = float(value)
            elif name == "notify_copies":
                if not _is_int(value) or not 1 <= value <= MAX_NOTIFY_COPIES:
                    raise Refusal(
                        400,
                        "bad_request",
                        f"notify_copies must be an integer 1..{MAX_NOTIFY_COPIES}.",
                    )
                new.notify_copies = value
            elif name in ("drop_notifications", "accept_late_payment"):
                if not isinstance(value, bool):
                    raise Refusal(400, "bad_request", f"{name} must be true or false.")
                setattr(new, name, value)
            else:
                raise Refusal(400, "bad_request", f"Unknown setting {name!r}.")
        self.__dict__.update(new.__dict__)


@dataclass
class RefundRecord:
    refund_no: str
    out_trade_no: str
    amount: int
    created_at: float

    def as_json(self, refunded_total: int) -> dict[str, Any]:
        return {
            "refund_no": self.refund_no,
            "out_trade_no": self.out_trade_no,
            "amount": self.amount,
            "status": "refunded",
            "created_at": iso(self.created_at),
            "refunded_total": refunded_total,
        }


@dataclass
class Order:
    out_trade_no: str
    provider_ref: str
    amount: int
    currency: int
    description: str
    created_at: float
    expires_at: float
    notify_url: str | None
    metadata: dict[str, str]
    status: str = "pending"  # pending, paid, closed, refunded
    close_reason: str | None = None  # expired, cancelled
    paid_at: float | None = None
    paid_late: bool = False  # paid after it had closed (accept_late_payment / late=true)
    event_id: str | None = None  # the "order.paid" event, once paid
    refunded: int = 0
    refunds: dict[str, RefundRecord] = field(default_factory=dict)

    def as_json(self, base_url: str) -> dict[str, Any]:
        return {
            "out_trade_no": self.out_trade_no,
            "provider_ref": self.provider_ref,
            "amount": self.amount,
            "currency": self.currency,
            "description": self.description,
            "status": self.status,
            "close_reason": self.close_reason,
            "created_at": iso(self.created_at),
            "expires_at": iso(self.expires_at),
            "paid_at": iso(self.paid_at),
            "paid_late": self.paid_late,
            "refunded": self.refunded,
            "pay_url": f"{base_url}/pay/{self.out_trade_no}",
            "metadata": dict(self.metadata),
        }


@dataclass(frozen=True)
class PaidEvent:
    """What the notifier must send after an order became paid."""

    event_id: str
    out_trade_no: str
    notify_url: str | None
    order_json: dict[str, Any]


def _is_int(value: Any) -> bool:
    # bool is an int subclass in Python; JSON true must not pass as an amount of 1.
    return isinstance(value, int) and not isinstance(value, bool)


def _reference(body: Mapping[str, Any], name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not REFERENCE_RE.match(value):
        raise Refusal(400, "bad_request", f"{name} must be 1-64 characters of A-Z a-z 0-9 _ . : -.")
    return value


def _amount(body: Mapping[str, Any]) -> int:
    value = body.get("amount")
    if not isinstance(value, int) or isinstance(value, bool):
        raise Refusal(
            400, "bad_request", f"amount must be an integer number of minor units, not {value!r}."
        )
    if not 0 < value <= MAX_AMOUNT:
        raise Refusal(400, "bad_request", f"amount must be 1..{MAX_AMOUNT} minor units.")
    return int(value)


def validate_order(body: Mapping[str, Any]) -> dict[str, Any]:
    """Check a create-order body; return it normalised (the idempotency comparison uses it)."""
    unknown = set(body) - ORDER_FIELDS
    if unknown:
        raise Refusal(400, "bad_request", f"Unknown field(s): {', '.join(sorted(unknown))}.")
    missing = REQUIRED_ORDER_FIELDS - set(body)
    if missing:
        raise Refusal(400, "bad_request", f"Missing field(s): {', '.join(sorted(missing))}.")
    currency = body["currency"]
    if not _is_int(currency) or currency not in CURRENCIES:
        raise Refusal(
            400,
            "unsupported_currency",
            f"currency must be an ISO 4217 numeric code the simulator takes "
            f"({', '.join(str(c) for c in sorted(CURRENCIES))}), not {currency!r}.",
        )
    description = body["description"]
    if not isinstance(description, str) or len(description) > MAX_DESCRIPTION:
        raise Refusal(400, "bad_request", f"description must be text of ≤{MAX_DESCRIPTION} chars.")
    expires_in = body["expires_in"]
    if not _is_int(expires_in) or not 1 <= expires_in <= MAX_EXPIRES_IN_S:
        raise Refusal(400, "bad_request", f"expires_in must be 1..{MAX_EXPIRES_IN_S} seconds.")
    notify_url = body.get("notify_url")
    if notify_url is not None and (
        not isinstance(notify_url, str) or not notify_url.startswith(("http://", "https://"))
    ):
        raise Refusal(400, "bad_request", "notify_url must be an http(s) URL.")
    metadata = body.get("metadata") or {}
    if not isinstance(metadata, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()
    ):
        raise Refusal(400, "bad_request", "metadata must be an object of text values.")
    return {
        "out_trade_no": _reference(body, "out_trade_no"),
        "amount": _amount(body),
        "currency": currency,
        "description": description,
        "expires_in": expires_in,
        "notify_url": notify_url,
        "metadata": metadata,
    }


class OrderBook:
    """All orders of one simulator run (in memory: a restart is a new provider)."""

    def __init__(
        self,
        base_url: str,
        default_notify_url: str | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.default_notify_url = default_notify_url
        self.settings = Settings()
        self._clock = clock or time.time
        self._lock = threading.Lock()
        self._orders: dict[str, Order] = {}
        self._keys: dict[str, tuple[str, str]] = {}  # idempotency key -> (body digest, order no)
        self._refund_owner: dict[str, str] = {}  # refund_no -> out_trade_no

    # -- the kiosk's API ------------------------------------------------------------------------

    def create(self, key: str | None, body: Mapping[str, Any]) -> tuple[dict[str, Any], bool]:
        """Create an order; returns (order json, created). ``created`` False is a replay."""
        if not key:
            raise Refusal(400, "missing_idempotency_key", "The Idempotency-Key header is required.")
        if len(key) > MAX_IDEMPOTENCY_KEY:
            raise Refusal(
                400, "bad_request", f"Idempotency-Key is longer than {MAX_IDEMPOTENCY_KEY}."
            )
        request = validate_order(body)
        digest = json.dumps(request, sort_keys=True)
        with self._lock:
            seen = self._keys.get(key)
            if seen is not None:
                if seen[0] != digest:
                    raise Refusal(
                        409,
                        "idempotency_conflict",
                        "This Idempotency-Key was used with a different request body.",
                    )
                return self._view(self._orders[seen[1]]), False
            no = request["out_trade_no"]
            if no in self._orders:
                raise Refusal(
                    409,
                    "duplicate_out_trade_no",
                    f"Order {no} exists already (created with another Idempotency-Key).",
                )
            now = self._clock()
            order = Order(
                out_trade_no=no,
                provider_ref="sim_" + secrets.token_hex(12),
                amount=request["amount"],
                currency=request["currency"],
                description=request["description"],
                created_at=now,
                expires_at=now + request["expires_in"],
                notify_url=request["notify_url"] or self.default_notify_url,
                metadata=dict(request["metadata"]),
            )
            self._orders[no] = order
            self._keys[key] = (digest, no)
            return self._view(order), True

    def get(self, no: str) -> dict[str, Any]:
        with self._lock:
            return self._view(self._order(no))

    def cancel(self, no: str) -> dict[str, Any]:
        with self._lock:
            order = self._order(no)
            self._expire_if_due(order)
            if order.status == "pending":
                order.status, order.close_reason = "closed", "cancelled"
            return self._view(order)

    def refund(self, no: str, body: Mapping[str, Any]) -> tuple[dict[str, Any], bool]:
        """Refund part or all of a paid order; returns (refund json, created)."""
        unknown = set(body) - {"refund_no", "amount"}
        if unknown:
            raise Refusal(400, "bad_request", f"Unknown field(s): {', '.join(sorted(unknown))}.")
        refund_no = _reference(body, "refund_no")
        amount = _amount(body)
        with self._lock:
            order = self._order(no)
            owner = self._refund_owner.get(refund_no)
            if owner is not None and owner != no:
                raise Refusal(
                    409, "idempotency_conflict", f"refund_no {refund_no} belongs to order {owner}."
                )
            done = order.refunds.get(refund_no)
            if done is not None:
                if done.amount != amount:
                    raise Refusal(
                        409,
                        "idempotency_conflict",
                        f"refund_no {refund_no} was for {done.amount}, not {amount}.",
                    )
                return done.as_json(order.refunded), False
            if order.status not in ("paid", "refunded"):
                raise Refusal(409, "order_not_paid", f"Order {no} is {order.status}, not paid.")
            left = order.amount - order.refunded
            if amount > left:
                raise Refusal(
                    409,
                    "refund_exceeds_paid",
                    f"Refund of {amount} exceeds what is left to refund ({left}).",
                )
            record = RefundRecord(refund_no, no, amount, self._clock())
            order.refunds[refund_no] = record
            order.refunded += amount
            self._refund_owner[refund_no] = no
            if order.refunded == order.amount:
                order.status = "refunded"
            return record.as_json(order.refunded), True

    def statement(self, day: dt.date) -> list[dict[str, Any]]:
        """Every order created on ``day`` (UTC), with where it stands now."""
        start = dt.datetime.combine(day, dt.time(), dt.UTC).timestamp()
        end = start + 24 * 60 * 60
        with self._lock:
            orders = [o for o in self._orders.values() if start <= o.created_at < end]
            for order in orders:
                self._expire_if_due(order)
            return [
                {
                    "out_trade_no": o.out_trade_no,
                    "provider_ref": o.provider_ref,
                    "amount": o.amount,
                    "currency": o.currency,
                    "status": o.status,
                    "refunded": o.refunded,
                    "created_at": iso(o.created_at),
                    "paid_at": iso(o.paid_at),
                }
                for o in sorted(orders, key=lambda o: o.created_at)
            ]

    # -- the phone, and the control API ---------------------------------------------------------

    def get_settings(self) -> Settings:
        """A copy of the fault settings, safe to read outside the lock."""
        with self._lock:
            return Settings(**self.settings.as_json())

    def update_settings(self, changes: Mapping[str, Any]) -> dict[str, Any]:
        with self._lock:
            self.settings.update(changes)
            return self.settings.as_json()

    def pay(self, no: str, late: bool = False) -> tuple[dict[str, Any], PaidEvent | None]:
        """The phone pays. Returns the order and the event to notify (None if it was paid
        already: paying twice is a no-op, as a double tap on the pay page must be)."""
        with self._lock:
            order = self._order(no)
            self._expire_if_due(order)
            if order.status in ("paid", "refunded"):
                return self._view(order), None
            if order.status == "closed":
                if not (late or self.settings.accept_late_payment):
                    raise Refusal(
                        409, "order_closed", f"Order {no} is closed ({order.close_reason})."
                    )
                order.paid_late = True
            order.status = "paid"
            order.paid_at = self._clock()
            order.event_id = "evt_" + secrets.token_hex(12)
            view = self._view(order)
            return view, PaidEvent(order.event_id, no, order.notify_url, view)

    def paid_event(self, no: str) -> PaidEvent:
        """The order's "paid" event again (to resend it, as gateways do)."""
        with self._lock:
            order = self._order(no)
            if order.event_id is None:
                raise Refusal(409, "order_not_paid", f"Order {no} has not been paid.")
            return PaidEvent(order.event_id, no, order.notify_url, self._view(order))

    def expire_now(self, no: str) -> dict[str, Any]:
        """Move an order's expiry to now (tests and the demo need not wait for the clock)."""
        with self._lock:
            order = self._order(no)
            order.expires_at = min(order.expires_at, self._clock())
            self._expire_if_due(order)
            return self._view(order)

    # -- internals ------------------------------------------------------------------------------

    def _order(self, no: str) -> Order:
        order = self._orders.get(no)
        if order is None:
            raise Refusal(404, "order_not_found", f"No order {no}.")
        return order

    def _expire_if_due(self, order: Order) -> None:
        # Lazily, on every read: no timer thread, and the answer is right whenever it is asked.
        if order.status == "pending" and self._clock() >= order.expires_at:
            order.status, order.close_reason = "closed", "expired"

    def _view(self, order: Order) -> dict[str, Any]:
        self._expire_if_due(order)
        return order.as_json(self.base_url)
