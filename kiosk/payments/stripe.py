"""Stripe Checkout as a kiosk payment provider: one Checkout Session per order, its URL as the QR.

Written from Stripe's published API documentation (docs.stripe.com/api, "Checkout Sessions",
"Refunds", "Pagination", "Idempotent requests", "Errors", and docs.stripe.com/webhooks "Verify
webhook signatures manually"), not from Stripe's SDK, which the kiosk does not depend on. It uses:

- ``POST /v1/checkout/sessions`` (form-encoded): ``mode=payment``, ``client_reference_id`` (our
  ``out_trade_no``), ``line_items[0][price_data][currency|unit_amount|product_data][name]]``,
  ``line_items[0][quantity]``, ``success_url``, ``cancel_url``, ``expires_at``, ``metadata[…]``,
  ``payment_intent_data[metadata][…]``; reads ``id``, ``url``, ``expires_at``, ``amount_total``.
- ``GET /v1/checkout/sessions/{id}``: ``status`` (open, complete, expired), ``payment_status``
  (paid, unpaid, no_payment_required), ``payment_intent``, ``currency``, ``amount_total``.
- ``GET /v1/checkout/sessions`` with ``created[gte]``, ``created[lt]``, ``limit`` and the
  ``starting_after`` / ``has_more`` cursor. It has no ``client_reference_id`` filter (the
  documented filters are created, customer, customer_details, payment_intent, payment_link,
  status, subscription), so a session is found by the ``provider_ref`` the kiosk stored, and
  only when that is missing by scanning the sessions of the last day.
- ``POST /v1/checkout/sessions/{id}/expire``: only an ``open`` session can be expired; on any
  other it fails, and we read the session again: "complete" means paid, and the kiosk credits it.
- ``POST /v1/refunds`` with ``payment_intent``, ``amount``, ``metadata``.
- Headers: ``Authorization: Bearer <secret key>``, ``Stripe-Version``, ``Idempotency-Key`` on
  every POST that creates something (≤ 255 characters; Stripe keeps keys at least 24 hours).
- Webhooks: ``Stripe-Signature: t=<unix>,v1=<hex>[,v1=…][,v0=…]``; the signed payload is
  ``f"{t}.{raw body}"``, HMAC-SHA256 with the endpoint's ``whsec_…`` secret, compared in constant
  time with every ``v1`` (several appear while a secret is rolled), timestamp within 300 s.
  Events handled: ``checkout.session.completed`` (paid only if ``payment_status`` says so),
  ``checkout.session.async_payment_succeeded`` / ``…_failed``, ``checkout.session.expired``.
  Stripe retries and may send an event twice or out of order: deduplicate on the event ``id``.

Amounts: Stripe takes amounts in the currency's smallest unit, which is the kiosk's minor unit
for two-decimal and zero-decimal (JPY…) currencies alike; currencies where Stripe's rules differ
from ISO 4217's exponent are refused rather than guessed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import replace
from typing import Any

import requests

from kiosk.money import CURRENCIES
from kiosk.payments.provider import (
    BadNotificationError,
    CreatedPayment,
    Notification,
    OrderRequest,
    PaymentProvider,
    PaymentState,
    PaymentStatus,
    ProviderRefusedError,
    ProviderUnavailableError,
    Refund,
    StatementLine,
)

STRIPE_API_BASE = "https://api.stripe.com"
#: Pinned so that a change of the account's default version cannot change the shapes we parse.
STRIPE_API_VERSION = "2024-06-20"
DEFAULT_TIMEOUT = (3.05, 20.0)  # (connect, read) seconds
SIGNATURE_HEADER = "Stripe-Signature"
SIGNATURE_SCHEME = "v1"
SIGNATURE_TOLERANCE_S = 300  # Stripe's libraries' default
MAX_IDEMPOTENCY_KEY = 255
SESSION_MIN_LIFETIME = dt.timedelta(minutes=30)  # expires_at: 30 min to 24 h after creation
SESSION_MAX_LIFETIME = dt.timedelta(hours=24)
#: Kept off both limits: Stripe measures from its own clock, which may differ from ours.
LIFETIME_MARGIN = dt.timedelta(minutes=1)
#: How far back a session is looked for when the kiosk has no provider_ref: sessions are open at
#: most 24 h, plus slack for a completed one found late.
LOOKUP_WINDOW = dt.timedelta(hours=25)
LIST_PAGE_LIMIT = 100  # Stripe's maximum page size
DEFAULT_PRODUCT_NAME = "Top-up"

#: docs.stripe.com/currencies#zero-decimal
ZERO_DECIMAL = frozenset(
    {"bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga"}
    | {"pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf"}
)
#: Currencies with special amount rules at Stripe (three-decimal ones, and those whose decimals
#: Stripe treats differently from ISO 4217): refused until someone reads their rules.
SPECIAL_RULES = frozenset(["bhd", "jod", "kwd", "omr", "tnd", "isk", "huf", "twd", "ugx"])

EVENT_COMPLETED = "checkout.session.completed"
EVENT_ASYNC_SUCCEEDED = "checkout.session.async_payment_succeeded"
EVENT_ASYNC_FAILED = "checkout.session.async_payment_failed"
EVENT_EXPIRED = "checkout.session.expired"
HANDLED_EVENTS = frozenset(
    {EVENT_COMPLETED, EVENT_ASYNC_SUCCEEDED, EVENT_ASYNC_FAILED, EVENT_EXPIRED}
)
PAID_PAYMENT_STATUSES = ("paid", "no_payment_required")


def stripe_currency(currency: int) -> str:
    """ISO 4217 numeric -> Stripe's lowercase code, refusing currencies whose Stripe amount unit
    is not the kiosk's minor unit."""
    try:
        alpha, digits = CURRENCIES[currency]
    except KeyError:
        raise ProviderRefusedError(
            f"Currency {currency} is not configured on this kiosk."
        ) from None
    code = alpha.lower()
    stripe_digits = 0 if code in ZERO_DECIMAL else 2
    if code in SPECIAL_RULES or digits != stripe_digits:
        raise ProviderRefusedError(
            f"{alpha} has amount rules at Stripe this kiosk does not implement.",
            provider_code="unsupported_currency",
        )
    return code


def numeric_currency(code: str) -> int:
    """Stripe's lowercase code -> ISO 4217 numeric (ValueError if the kiosk does not know it)."""
    for number, (alpha, _digits) in CURRENCIES.items():
        if alpha.lower() == code:
            return number
    raise ValueError(f"currency {code!r} is not configured on this kiosk")


def form_encode(params: Mapping[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    """Stripe's form encoding of nested parameters: ``a[b][0][c]=v``; None is left out."""
    pairs: list[tuple[str, str]] = []
    for key, value in params.items():
        name = f"{prefix}[{key}]" if prefix else str(key)
        if value is None:
            continue
        if isinstance(value, Mapping):
            pairs.extend(form_encode(value, name))
        elif isinstance(value, list | tuple):
            for index, item in enumerate(value):
                item_name = f"{name}[{index}]"
                if isinstance(item, Mapping):
                    pairs.extend(form_encode(item, item_name))
                else:
                    pairs.append((item_name, str(item)))
        elif isinstance(value, bool):
            pairs.append((name, "true" if value else "false"))
        else:
            pairs.append((name, str(value)))
    return pairs


def compute_signature(secret: str, signed_payload: bytes) -> str:
    """Hex HMAC-SHA256 of ``signed_payload`` (``b"{t}." + raw body``) with the endpoint secret,
    as Stripe computes the ``v1`` signature."""
    return hmac.new(secret.encode("utf-8"), signed_payload, hashlib.sha256).hexdigest()


def verify_stripe_signature(
    payload: bytes,
    header: str | None,
    secret: str,
    now: float,
    tolerance_s: int = SIGNATURE_TOLERANCE_S,
) -> None:
    """Check a ``Stripe-Signature`` header against the raw body, as Stripe documents, or raise
    :class:`BadNotificationError` saying why."""
    if not header:
        raise BadNotificationError(f"No {SIGNATURE_HEADER} header: the event is unsigned.")
    timestamp: int | None = None
    signatures: list[str] = []
    for item in header.split(","):
        key, sep, value = item.strip().partition("=")
        if not sep:
            continue
        if key == "t":
            try:
                timestamp = int(value)
            except ValueError:
                timestamp = None
        elif key == SIGNATURE_SCHEME:
            signatures.append(value)
    if timestamp is None:
        raise BadNotificationError(
            f"Unable to extract a timestamp from {SIGNATURE_HEADER} {header[:80]!r}."
        )
    if not signatures:
        raise BadNotificationError(
            f"No signatures with the expected scheme {SIGNATURE_SCHEME} in {SIGNATURE_HEADER}."
        )
    if abs(now - timestamp) > tolerance_s:
        raise BadNotificationError(
            f"Event timestamp {timestamp} is more than {tolerance_s} s from now ({int(now)}): "
            "replayed, or a clock is wrong."
        )
    expected = compute_signature(secret, f"{timestamp}.".encode("ascii") + payload).encode()
    if not any(hmac.compare_digest(expected, s.encode("utf-8", "replace")) for s in signatures):
        raise BadNotificationError("No v1 signature matches the event body for this secret.")


def _int(value: Any, name: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f"{name} is not an integer: {value!r}")
    return value


def session_state(session: Mapping[str, Any], paid_at: dt.datetime | None = None) -> PaymentState:
    """A Checkout Session -> PaymentState (ValueError/KeyError/TypeError if malformed)."""
    status, payment_status = session["status"], session["payment_status"]
    if status == "open":
        state = PaymentStatus.PENDING
    elif status == "complete":
        # "complete" with payment_status "unpaid": a delayed method (bank debit…) still running.
        state = (
            PaymentStatus.PAID if payment_status in PAID_PAYMENT_STATUSES else PaymentStatus.PENDING
        )
    elif status == "expired":
        state = PaymentStatus.CLOSED
    else:
        raise ValueError(f"unknown session status {status!r}")
    no = session["client_reference_id"]
    if not isinstance(no, str) or not no:
        raise ValueError("session has no client_reference_id: not a kiosk order")
    return PaymentState(
        out_trade_no=no,
        status=state,
        amount=_int(session["amount_total"], "amount_total"),
        currency=numeric_currency(session["currency"]),
        provider_ref=session["id"],
        paid_at=paid_at if state is PaymentStatus.PAID else None,
    )


class StripeCheckoutProvider(PaymentProvider):
    """Takes kiosk payments through Stripe Checkout.

    ``secret_key`` is the account's ``sk_…`` key, ``webhook_secret`` the endpoint's ``whsec_…``
    signing secret (both from the configuration, never the code). ``success_url`` is where the
    phone's browser goes after paying (a "Paid, return to the kiosk" page). ``statement_tz`` is
    the zone whose calendar day :meth:`statement` covers."""

    name = "stripe"

    def __init__(
        self,
        secret_key: str,
        webhook_secret: str,
        success_url: str,
        cancel_url: str | None = None,
        *,
        api_base: str = STRIPE_API_BASE,
        api_version: str = STRIPE_API_VERSION,
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
        session: requests.Session | None = None,
        tolerance_s: int = SIGNATURE_TOLERANCE_S,
        statement_tz: dt.tzinfo = dt.UTC,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not secret_key or not webhook_secret:
            raise ValueError("Stripe needs a secret key and a webhook signing secret.")
        self._key = secret_key
        self._webhook_secret = webhook_secret
        self._success_url = success_url
        self._cancel_url = cancel_url
        self._base = api_base.rstrip("/")
        self._version = api_version
        self._timeout = timeout
        self._http = session or requests.Session()
        self._tolerance_s = tolerance_s
        self._tz = statement_tz
        self._clock = clock

    # -- PaymentProvider ------------------------------------------------------------------------

    def create(self, order: OrderRequest) -> CreatedPayment:
        currency = stripe_currency(order.currency)
        if len(order.idempotency_key) > MAX_IDEMPOTENCY_KEY:
            raise ProviderRefusedError(f"Idempotency keys are limited to {MAX_IDEMPOTENCY_KEY}.")
        now = dt.datetime.fromtimestamp(self._clock(), dt.UTC)
        # Stripe will not take a lifetime under 30 min: ask for the minimum and let the kiosk
        # close the session earlier with cancel() (the expire endpoint) when its countdown ends.
        lifetime = min(
            max(order.expires_in, SESSION_MIN_LIFETIME + LIFETIME_MARGIN),
            SESSION_MAX_LIFETIME - LIFETIME_MARGIN,
        )
        metadata = {**order.metadata, "out_trade_no": order.out_trade_no}
        params = {
            "mode": "payment",
            "client_reference_id": order.out_trade_no,
            "success_url": self._success_url,
            "cancel_url": self._cancel_url,
            "expires_at": int((now + lifetime).timestamp()),
            "line_items": [
                {
                    "price_data": {
                        "currency": currency,
                        "unit_amount": order.amount,
                        "product_data": {"name": order.description or DEFAULT_PRODUCT_NAME},
                    },
                    "quantity": 1,
                }
            ],
            "metadata": metadata,
            "payment_intent_data": {"metadata": {"out_trade_no": order.out_trade_no}},
        }
        session = self._request(
            "POST", "/v1/checkout/sessions", params, idempotency_key=order.idempotency_key
        )
        try:
            if (
                session["client_reference_id"] != order.out_trade_no
                or session["amount_total"] != order.amount
            ):
                raise ProviderRefusedError(
                    f"Stripe answered with session {session['id']} for "
                    f"{session['client_reference_id']} of {session['amount_total']}, not "
                    f"{order.out_trade_no} of {order.amount}: was the idempotency key reused?"
                )
            url, session_id = session["url"], session["id"]
            if not isinstance(url, str) or not isinstance(session_id, str):
                raise ValueError("no url or id")
            expires_at = dt.datetime.fromtimestamp(
                _int(session["expires_at"], "expires_at"), dt.UTC
            )
        except (KeyError, TypeError, ValueError) as error:
            raise self._malformed(error) from None
        return CreatedPayment(provider_ref=session_id, qr_payload=url, expires_at=expires_at)

    def query(self, out_trade_no: str, provider_ref: str | None = None) -> PaymentState:
        session = self._find(out_trade_no, provider_ref)
        if session is None:
            return PaymentState(out_trade_no, PaymentStatus.UNKNOWN)
        return self._state(session)

    def cancel(self, out_trade_no: str, provider_ref: str | None = None) -> PaymentState:
        session = self._find(out_trade_no, provider_ref)
        if session is None:
            return PaymentState(out_trade_no, PaymentStatus.UNKNOWN)
        if session.get("status") != "open":
            return self._state(session)  # complete (paid: credit it) or expired already
        try:
            expired = self._request("POST", f"/v1/checkout/sessions/{session['id']}/expire")
        except ProviderRefusedError:
            # Stripe refuses to expire a session that is no longer open: the phone completed it
            # between our two calls. Read it again; a paid one is reported, never dropped.
            again = self._retrieve(session["id"])
            if again.get("status") == "open":
                raise  # refused for another reason: say so rather than report "pending"
            return self._state(again)
        return self._state(expired)

    def refund(
        self, out_trade_no: str, refund_no: str, amount: int, provider_ref: str | None = None
    ) -> Refund:
        session = self._find(out_trade_no, provider_ref)
        if session is None:
            raise ProviderRefusedError(
                f"Stripe has no session for {out_trade_no}.", provider_code="order_not_found"
            )
        state = self._state(session)
        payment_intent = session.get("payment_intent")
        if state.status is not PaymentStatus.PAID or not isinstance(payment_intent, str):
            raise ProviderRefusedError(
                f"Order {out_trade_no} is {state.status.value} at Stripe, not paid.",
                provider_code="order_not_paid",
            )
        params = {
            "payment_intent": payment_intent,
            "amount": amount,
            "metadata": {"out_trade_no": out_trade_no, "refund_no": refund_no},
        }
        # The key is namespaced so that a refund_no can never collide with an order's key.
        refund = self._request("POST", "/v1/refunds", params, idempotency_key=f"refund:{refund_no}")
        try:
            status = refund["status"]
            refunded = _int(refund["amount"], "amount")
        except (KeyError, TypeError, ValueError) as error:
            raise self._malformed(error) from None
        if status in ("failed", "canceled"):
            raise ProviderRefusedError(
                f"Stripe reports refund {refund.get('id')} {status}.",
                provider_code=f"refund_{status}",
            )
        done = PaymentStatus.REFUNDED if status == "succeeded" else PaymentStatus.PENDING
        return Refund(refund_no=refund_no, amount=refunded, status=done)

    def verify_notification(self, headers: Mapping[str, str], body: bytes) -> Notification:
        lowered = {name.lower(): value for name, value in headers.items()}
        verify_stripe_signature(
            body,
            lowered.get(SIGNATURE_HEADER.lower()),
            self._webhook_secret,
            self._clock(),
            self._tolerance_s,
        )
        try:
            event = json.loads(body)
            if event["object"] != "event" or not isinstance(event["id"], str):
                raise ValueError("not an event object")
            kind = event["type"]
            if kind not in HANDLED_EVENTS:
                # Signed and genuine, just not about a kiosk payment (an endpoint subscribed to
                # more events than it needs): acknowledged, so Stripe does not retry it for days.
                return Notification(
                    event_id=event["id"],
                    state=PaymentState(out_trade_no="", status=PaymentStatus.UNKNOWN),
                )
            session = event["data"]["object"]
            if session["object"] != "checkout.session":
                raise ValueError(f"{kind} is not about a Checkout Session")
            created = dt.datetime.fromtimestamp(_int(event["created"], "created"), dt.UTC)
            if kind in (EVENT_COMPLETED, EVENT_ASYNC_SUCCEEDED, EVENT_EXPIRED):
                state = session_state(session, paid_at=created)
            elif kind == EVENT_ASYNC_FAILED:
                # The delayed payment failed: the session is complete and can never be paid now.
                state = replace(session_state(session), status=PaymentStatus.CLOSED, paid_at=None)
            else:  # pragma: no cover - HANDLED_EVENTS lists exactly the four above
                raise ValueError(f"event type {kind!r} is not one the kiosk handles")
        except (KeyError, TypeError, ValueError) as error:  # JSONDecodeError is a ValueError
            raise BadNotificationError(f"Signed Stripe event refused: {error}.") from None
        return Notification(event_id=event["id"], state=state)

    def statement(self, day: dt.date) -> list[StatementLine]:
        start = dt.datetime.combine(day, dt.time(), self._tz)
        end = start + dt.timedelta(days=1)
        lines = []
        for session in self._list_sessions(int(start.timestamp()), int(end.timestamp())):
            if not session.get("client_reference_id"):
                continue  # not created by a kiosk (a payment link, another integration)
            state = self._state(session)
            lines.append(
                StatementLine(
                    out_trade_no=state.out_trade_no,
                    amount=state.amount or 0,
                    currency=state.currency or 0,
                    status=state.status,
                )
            )
        return lines

    # -- sessions -------------------------------------------------------------------------------

    def _find(self, out_trade_no: str, provider_ref: str | None) -> dict[str, Any] | None:
        if provider_ref:
            session = self._retrieve(provider_ref)
            if session.get("object") != "checkout.session":
                raise self._malformed(ValueError(f"{provider_ref} is not a checkout.session"))
            if session.get("client_reference_id") != out_trade_no:
                raise ProviderRefusedError(
                    f"Stripe session {provider_ref} belongs to "
                    f"{session.get('client_reference_id')!r}, not {out_trade_no}.",
                    provider_code="reference_mismatch",
                )
            return session
        since = int(self._clock() - LOOKUP_WINDOW.total_seconds())
        found = [
            s
            for s in self._list_sessions(since, None)
            if s.get("client_reference_id") == out_trade_no
        ]
        # One idempotency key per order means one session; if a second exists, the paid one wins.
        found.sort(key=lambda s: (s.get("status") == "complete", s.get("created", 0)))
        return found[-1] if found else None

    def _retrieve(self, session_id: str) -> dict[str, Any]:
        return self._request("GET", f"/v1/checkout/sessions/{requests.utils.quote(session_id)}")

    def _list_sessions(self, gte: int, lt: int | None) -> Iterator[dict[str, Any]]:
        params: dict[str, Any] = {"created": {"gte": gte, "lt": lt}, "limit": LIST_PAGE_LIMIT}
        while True:
            page = self._request("GET", "/v1/checkout/sessions", params)
            try:
                data, has_more = page["data"], page["has_more"]
                if not isinstance(data, list) or not all(
                    isinstance(item, dict) and isinstance(item.get("id"), str) for item in data
                ):
                    raise ValueError("data is not a list of objects with ids")
            except (KeyError, TypeError, ValueError) as error:
                raise self._malformed(error) from None
            yield from data
            if not has_more or not data:
                return
            params["starting_after"] = data[-1]["id"]  # the cursor: the last object seen

    def _state(self, session: Mapping[str, Any]) -> PaymentState:
        try:
            return session_state(session)
        except (KeyError, TypeError, ValueError) as error:
            raise self._malformed(error) from None

    # -- HTTP -----------------------------------------------------------------------------------

    def _request(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any] | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {self._key}", "Stripe-Version": self._version}
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        pairs = form_encode(params or {})
        try:
            response = self._http.request(
                method,
                self._base + path,
                headers=headers,
                params=pairs if method == "GET" else None,
                data=pairs if method != "GET" else None,
                timeout=self._timeout,
            )
        except requests.RequestException as error:
            raise ProviderUnavailableError(
                f"Stripe did not answer ({error}). Retry later with the same key."
            ) from error
        try:
            answer = response.json()
        except ValueError:
            answer = None
        status = response.status_code
        body_error = answer.get("error") if isinstance(answer, dict) else None
        detail = body_error if isinstance(body_error, dict) else {}
        should_retry = response.headers.get("Stripe-Should-Retry")
        # 409: another request with this idempotency key is still running; 429: rate limited.
        if status >= 500 or status in (409, 429) or (status >= 400 and should_retry == "true"):
            raise ProviderUnavailableError(
                f"Stripe could not do {method} {path} now ({status}: "
                f"{detail.get('message') or response.reason}). Retry later with the same key."
            )
        if status >= 400:
            hint = " Check the configured secret key." if status == 401 else ""
            raise ProviderRefusedError(
                f"Stripe refused {method} {path}: {detail.get('message') or response.reason} "
                f"({status}).{hint}",
                provider_code=detail.get("code") or detail.get("type"),
            )
        if not isinstance(answer, dict):
            raise self._malformed(ValueError(f"{method} {path} answered no JSON object"))
        return answer

    @staticmethod
    def _malformed(error: Exception) -> ProviderUnavailableError:
        return ProviderUnavailableError(
            f"Stripe's answer is not what its API documents ({error}). Retry later."
        )
