"""StripeCheckoutProvider: webhook signatures on published vectors, and its HTTP against a local
fake of the Stripe API on 127.0.0.1.

Signature vectors, and where they come from:

- stripe/stripe-node ``test/crypto/helpers.ts``: fixed HMAC-SHA256 hex results of Stripe's
  ``computeHMACSignature`` (secret ``test_secret``) for three payloads.
- typeclasses/stripe ``stripe-signature/test/test.hs``: a fixed full vector (secret ``secret``,
  ``t=123``, body ``hello`` -> ``v1=f89c0a0e…``), and the example ``Stripe-Signature`` header of
  Stripe's webhook documentation (``t=1492774577,v1=5257a869…,v0=6ffbb59b…``), whose secret and
  body are not published: it checks only that the documented header shape is parsed.
- stripe/stripe-python ``tests/test_webhook.py`` and stripe/stripe-go ``webhook/client_test.go``:
  the secret ``whsec_test_secret``, the event body, and the cases (extra bad ``v1`` accepted,
  ``v0`` only refused, bad signature refused, outside tolerance refused, rolled secrets). Those
  suites compute their signatures at run time with the documented scheme; so do these tests.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

import kiosk.money
from kiosk.payments import stripe as stripe_module
from kiosk.payments.provider import (
    BadNotificationError,
    OrderRequest,
    PaymentStatus,
    ProviderRefusedError,
    ProviderUnavailableError,
)
from kiosk.payments.stripe import (
    StripeCheckoutProvider,
    compute_signature,
    verify_stripe_signature,
)

USD, JPY = 840, 392

# -- published vectors --------------------------------------------------------------------------

NODE_SECRET = "test_secret"
NODE_VECTORS = [  # stripe-node test/crypto/helpers.ts
    (b"", "f7f9bd47fb987337b5796fdc1fdb9ba221d0d5396814bfcaf9521f43fd8927fd"),
    (
        json.dumps({"obj1": "hello", "obj2": "world"}, separators=(",", ":")).encode(),
        "bebb1a643997f419b315ddba19e6f5411e1ce7f810ba6d3617ce72823092f363",
    ),
    ("\U0001f600".encode(), "837da296d05c4fe31f61d5d7ead035099d9585a5bcde87de952012a78f0b0c43"),
]
HASKELL_VECTOR = (  # typeclasses/stripe stripe-signature/test/test.hs: secret, t, body, v1
    "secret",
    123,
    b"hello",
    "f89c0a0e96fa6304a7ebd5ecaf13bc1beb859577cd7cafb7bdbc43c3bc2f6afa",
)
DOCS_EXAMPLE_HEADER = (
    "t=1492774577,v1=5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd,"
    "v0=6ffbb59b2300aae63f272406069a9788598b792a944a07aba816edb039989a39"
)
SDK_SECRET = "whsec_test_secret"  # stripe-python, stripe-go, stripe-node webhook tests
SDK_PAYLOAD = b"""{
  "id": "evt_test_webhook",
  "object": "event",
  "data": { "object": { "id": "rdr_123", "object": "terminal.reader" } }
}"""  # stripe-python tests/test_webhook.py DUMMY_WEBHOOK_PAYLOAD


def header(payload: bytes, secret: str, timestamp: int | None = None, scheme: str = "v1") -> str:
    """A Stripe-Signature header, built as the SDKs' test helpers build it."""
    t = int(time.time()) if timestamp is None else timestamp
    return f"t={t},{scheme}={compute_signature(secret, f'{t}.'.encode() + payload)}"


@pytest.mark.parametrize(("payload", "expected"), NODE_VECTORS)
def test_hmac_matches_stripe_node_vectors(payload: bytes, expected: str) -> None:
    assert compute_signature(NODE_SECRET, payload) == expected


def test_full_published_vector_verifies_and_a_changed_body_does_not() -> None:
    secret, t, body, v1 = HASKELL_VECTOR
    verify_stripe_signature(body, f"t={t},v1={v1}", secret, now=t)
    verify_stripe_signature(body, f"t={t},v1=whatever,v1={v1}", secret, now=t)  # any v1 may match
    with pytest.raises(BadNotificationError, match="No v1 signature matches"):
        verify_stripe_signature(body + b"!", f"t={t},v1={v1}", secret, now=t)
    with pytest.raises(BadNotificationError, match="more than 300 s"):
        verify_stripe_signature(body, f"t={t},v1={v1}", secret, now=t + 301)


def test_documented_header_shape_is_parsed() -> None:
    # Parsed: t and the v1 are found (the v0 is ignored), so the refusal is "no match", not
    # "cannot parse". The docs do not publish the secret and body behind this header.
    with pytest.raises(BadNotificationError, match="No v1 signature matches"):
        verify_stripe_signature(SDK_PAYLOAD, DOCS_EXAMPLE_HEADER, SDK_SECRET, now=1492774577)


def test_sdk_cases() -> None:
    now = time.time()
    good = header(SDK_PAYLOAD, SDK_SECRET)
    verify_stripe_signature(SDK_PAYLOAD, good, SDK_SECRET, now)
    verify_stripe_signature(SDK_PAYLOAD, good + ",v1=bad_signature", SDK_SECRET, now)
    rolled = good + ",v1=" + header(SDK_PAYLOAD, SDK_SECRET + "_rolled_key").split("v1=")[1]
    verify_stripe_signature(SDK_PAYLOAD, rolled, SDK_SECRET, now)
    verify_stripe_signature(SDK_PAYLOAD, rolled, SDK_SECRET + "_rolled_key", now)
    refusals = {
        "bad_header": "Unable to extract a timestamp",
        "i'm not even a real signature header": "Unable to extract a timestamp",
        "t=,v1=abc": "Unable to extract a timestamp",
        header(SDK_PAYLOAD, SDK_SECRET, scheme="v0"): "No signatures with the expected scheme",
        f"t={int(now)},v1=bad_signature": "No v1 signature matches",
        header(SDK_PAYLOAD, SDK_SECRET, int(now) - 15): "more than 10 s",
    }
    for bad, reason in refusals.items():
        with pytest.raises(BadNotificationError, match=reason):
            verify_stripe_signature(SDK_PAYLOAD, bad, SDK_SECRET, now, tolerance_s=10)


def test_tampered_payload_wrong_secret_old_timestamp_missing_v1_and_no_header() -> None:
    now = time.time()
    good = header(SDK_PAYLOAD, SDK_SECRET)
    cases: list[tuple[bytes, str | None, str, float]] = [
        (SDK_PAYLOAD.replace(b"rdr_123", b"rdr_999"), good, SDK_SECRET, now),
        (SDK_PAYLOAD, good, "whsec_wrong", now),
        (SDK_PAYLOAD, header(SDK_PAYLOAD, SDK_SECRET, int(now) - 301), SDK_SECRET, now),
        (SDK_PAYLOAD, f"t={int(now)}", SDK_SECRET, now),
        (SDK_PAYLOAD, None, SDK_SECRET, now),
        (SDK_PAYLOAD, "", SDK_SECRET, now),
        (SDK_PAYLOAD, f"t={int(now)},v1={'é' * 64}", SDK_SECRET, now),
    ]
    for payload, sig, secret, at in cases:
        with pytest.raises(BadNotificationError):
            verify_stripe_signature(payload, sig, secret, at)


# -- events -------------------------------------------------------------------------------------

WEBHOOK_SECRET = "whsec_kiosk_test"
SECRET_KEY = "sk_test_kiosk"


def checkout_session(**changes: Any) -> dict[str, Any]:
    """A Checkout Session shaped like the API reference's example object (trimmed)."""
    session = {
        "id": "cs_test_a11YYufWQzNY63zpQ6QSNRQhkUpVph4WRmzW0zWJO2znZKdVujZ0N0S22u",
        "object": "checkout.session",
        "amount_subtotal": 2198,
        "amount_total": 2198,
        "client_reference_id": "K-1",
        "created": 1679600215,
        "currency": "usd",
        "expires_at": 1679686615,
        "livemode": False,
        "metadata": {"out_trade_no": "K-1"},
        "mode": "payment",
        "payment_intent": "pi_3MtwBwLkdIwHu7ix28a3tqPa",
        "payment_status": "paid",
        "status": "complete",
        "success_url": "https://kiosk.example/paid",
        "url": None,
    }
    session.update(changes)
    return session


def event(kind: str, session: dict[str, Any], created: int | None = None) -> bytes:
    return json.dumps(
        {
            "id": "evt_1NG8Du2eZvKYlo2CUI79vXWy",
            "object": "event",
            "api_version": "2024-06-20",
            "created": created or int(time.time()),
            "data": {"object": session},
            "livemode": False,
            "type": kind,
        }
    ).encode()


def provider_for(base: str = "http://127.0.0.1:9", **kwargs: Any) -> StripeCheckoutProvider:
    return StripeCheckoutProvider(
        SECRET_KEY, WEBHOOK_SECRET, "https://kiosk.example/paid", api_base=base, **kwargs
    )


def signed(body: bytes) -> dict[str, str]:
    return {"stripe-signature": header(body, WEBHOOK_SECRET), "Content-Type": "application/json"}


@pytest.mark.parametrize(
    ("kind", "changes", "status"),
    [
        ("checkout.session.completed", {}, PaymentStatus.PAID),
        ("checkout.session.completed", {"payment_status": "unpaid"}, PaymentStatus.PENDING),
        (
            "checkout.session.completed",
            {"payment_status": "no_payment_required"},
            PaymentStatus.PAID,
        ),
        ("checkout.session.async_payment_succeeded", {}, PaymentStatus.PAID),
        (
            "checkout.session.async_payment_failed",
            {"payment_status": "unpaid"},
            PaymentStatus.CLOSED,
        ),
        (
            "checkout.session.expired",
            {"status": "expired", "payment_status": "unpaid", "payment_intent": None},
            PaymentStatus.CLOSED,
        ),
    ],
)
def test_checkout_events_become_notifications(
    kind: str, changes: dict[str, Any], status: PaymentStatus
) -> None:
    created = int(time.time())
    body = event(kind, checkout_session(**changes), created)
    note = provider_for().verify_notification(signed(body), body)
    assert note.event_id == "evt_1NG8Du2eZvKYlo2CUI79vXWy"
    assert note.state.status is status
    assert (note.state.out_trade_no, note.state.amount, note.state.currency) == ("K-1", 2198, USD)
    assert note.state.provider_ref == checkout_session()["id"]
    paid_at = dt.datetime.fromtimestamp(created, dt.UTC) if status is PaymentStatus.PAID else None
    assert note.state.paid_at == paid_at


def test_a_genuine_event_of_another_type_is_acknowledged_and_pays_nothing() -> None:
    # answered 2xx by the listener, so Stripe does not retry it for three days
    provider = provider_for()
    body = event("payment_intent.succeeded", checkout_session())
    note = provider.verify_notification(signed(body), body)
    assert note.state.status is PaymentStatus.UNKNOWN and note.state.out_trade_no == ""


@pytest.mark.parametrize(
    "body",
    [
        b"this is not valid JSON",
        event("checkout.session.completed", checkout_session(client_reference_id=None)),
        event("checkout.session.completed", checkout_session(currency="xyz")),
        event("checkout.session.completed", checkout_session(amount_total="21.98")),
        event("checkout.session.completed", {"id": "pi_1", "object": "payment_intent"}),
        SDK_PAYLOAD,
    ],
    ids=["not-json", "not-ours", "currency", "text-amount", "not-session", "reader"],
)
def test_signed_but_unusable_events_are_refused(body: bytes) -> None:
    with pytest.raises(BadNotificationError, match="Signed Stripe event refused"):
        provider_for().verify_notification(signed(body), body)


def test_unsigned_or_stale_event_is_refused() -> None:
    body = event("checkout.session.completed", checkout_session())
    with pytest.raises(BadNotificationError, match="unsigned"):
        provider_for().verify_notification({}, body)
    late = provider_for(clock=lambda: time.time() + 400)
    with pytest.raises(BadNotificationError, match="more than 300 s"):
        late.verify_notification(signed(body), body)


# -- a local Stripe -----------------------------------------------------------------------------


@dataclass
class Seen:
    method: str
    path: str
    query: list[tuple[str, str]]
    form: list[tuple[str, str]]
    headers: dict[str, str]

    def form_dict(self) -> dict[str, str]:
        return dict(self.form)


@dataclass
class FakeStripe:
    """A stand-in for api.stripe.com on 127.0.0.1, built from Stripe's published API reference
    (Checkout Sessions: create, retrieve, list, expire; Refunds: create; Errors; Pagination;
    Idempotent requests). It answers the documented shapes and keeps what the adapter sent in
    ``seen`` for the tests to assert on. It is no more than those pages say: no payment methods,
    no events."""

    clock: Callable[[], float]
    sessions: dict[str, dict[str, Any]] = field(default_factory=dict)
    refunds: dict[str, dict[str, Any]] = field(default_factory=dict)
    seen: list[Seen] = field(default_factory=list)
    replies: dict[str, tuple[tuple[tuple[str, str], ...], dict[str, Any]]] = field(
        default_factory=dict
    )
    fail_next: list[tuple[int, bytes, dict[str, str]]] = field(default_factory=list)
    before_expire: Callable[[dict[str, Any]], None] | None = None

    def add_session(self, **values: Any) -> dict[str, Any]:
        session_id = "cs_test_" + secrets.token_hex(16)
        session = {
            "id": session_id,
            "object": "checkout.session",
            "amount_total": 2198,
            "client_reference_id": None,
            "created": int(self.clock()),
            "currency": "usd",
            "expires_at": int(self.clock()) + 3600,
            "metadata": {},
            "mode": "payment",
            "payment_intent": None,
            "payment_status": "unpaid",
            "status": "open",
            "url": f"https://checkout.stripe.com/c/pay/{session_id}",
        }
        session.update(values)
        self.sessions[session_id] = session
        return session

    def complete(self, session_id: str, payment_status: str = "paid") -> None:
        self.sessions[session_id].update(
            status="complete",
            payment_status=payment_status,
            payment_intent="pi_" + secrets.token_hex(12),
        )

    # -- the API --------------------------------------------------------------------------------

    def handle(self, seen: Seen) -> tuple[int, Any, dict[str, str]]:
        if seen.headers.get("authorization") != f"Bearer {SECRET_KEY}":
            return _error(401, "invalid_request_error", "Invalid API Key provided.")
        if self.fail_next:
            status, body, headers = self.fail_next.pop(0)
            return status, body, headers
        if seen.method == "POST":
            if (
                seen.form
                and seen.headers.get("content-type") != "application/x-www-form-urlencoded"
            ):
                return _error(400, "invalid_request_error", "Form-encode the body.")
            key = seen.headers.get("idempotency-key")
            if key is not None:
                params = tuple(seen.form)
                if key in self.replies:
                    first, answer = self.replies[key]
                    if first != params:
                        return _error(
                            400,
                            "idempotency_error",
                            "Keys for idempotent requests can only be used with the same "
                            "parameters they were first used with.",
                        )
                    return 200, answer, {"Idempotent-Replayed": "true"}
        status, answer, headers = self._route(seen)
        key = seen.headers.get("idempotency-key")
        if seen.method == "POST" and key is not None and status == 200:
            self.replies[key] = (tuple(seen.form), answer)
        return status, answer, headers

    def _route(self, seen: Seen) -> tuple[int, Any, dict[str, str]]:
        parts = seen.path.strip("/").split("/")
        if parts[:3] == ["v1", "checkout", "sessions"]:
            if len(parts) == 3:
                return self._create(seen) if seen.method == "POST" else self._list(seen)
            session = self.sessions.get(parts[3])
            if session is None:
                return _error(
                    404,
                    "invalid_request_error",
                    f"No such checkout.session: '{parts[3]}'",
                    code="resource_missing",
                )
            if len(parts) == 4 and seen.method == "GET":
                return 200, session, {}
            if parts[4:] == ["expire"] and seen.method == "POST":
                if self.before_expire is not None:
                    self.before_expire(session)
                if session["status"] != "open":
                    return _error(
                        400, "invalid_request_error", "Only open Checkout Sessions can be expired."
                    )
                session.update(status="expired")
                return 200, session, {}
        if parts == ["v1", "refunds"] and seen.method == "POST":
            return self._refund(seen)
        return _error(404, "invalid_request_error", f"Unrecognized request URL {seen.path}.")

    def _create(self, seen: Seen) -> tuple[int, Any, dict[str, str]]:
        form = seen.form_dict()
        now = int(self.clock())
        expires_at = int(form["expires_at"])
        if not now + 30 * 60 <= expires_at <= now + 24 * 3600:
            return _error(
                400,
                "invalid_request_error",
                "The `expires_at` timestamp must be between 30 minutes and 24 hours from "
                "Checkout Session creation.",
                param="expires_at",
            )
        unit = int(form["line_items[0][price_data][unit_amount]"])
        quantity = int(form["line_items[0][quantity]"])
        metadata = {
            name[len("metadata[") : -1]: value
            for name, value in seen.form
            if name.startswith("metadata[")
        }
        session = self.add_session(
            amount_total=unit * quantity,
            client_reference_id=form.get("client_reference_id"),
            currency=form["line_items[0][price_data][currency]"],
            expires_at=expires_at,
            metadata=metadata,
            success_url=form["success_url"],
        )
        return 200, session, {}

    def _list(self, seen: Seen) -> tuple[int, Any, dict[str, str]]:
        query = dict(seen.query)
        gte = int(query.get("created[gte]", 0))
        lt = int(query.get("created[lt]", 2**62))
        limit = int(query.get("limit", 10))
        # Stripe lists newest first; ties keep creation order reversed.
        found = [s for s in reversed(self.sessions.values()) if gte <= s["created"] < lt]
        after = query.get("starting_after")
        if after is not None:
            ids = [s["id"] for s in found]
            found = found[ids.index(after) + 1 :]
        page = found[:limit]
        return (
            200,
            {
                "object": "list",
                "url": "/v1/checkout/sessions",
                "has_more": len(found) > limit,
                "data": page,
            },
            {},
        )

    def _refund(self, seen: Seen) -> tuple[int, Any, dict[str, str]]:
        form = seen.form_dict()
        paid = [s for s in self.sessions.values() if s["payment_intent"] == form["payment_intent"]]
        if not paid:
            return _error(
                404,
                "invalid_request_error",
                f"No such payment_intent: '{form['payment_intent']}'",
                code="resource_missing",
            )
        done = sum(
            r["amount"]
            for r in self.refunds.values()
            if r["payment_intent"] == paid[0]["payment_intent"]
        )
        amount = int(form.get("amount", paid[0]["amount_total"] - done))
        if amount > paid[0]["amount_total"] - done:
            return _error(
                400,
                "invalid_request_error",
                f"Refund amount ({amount}) is greater than unrefunded amount on charge "
                f"({paid[0]['amount_total'] - done}).",
                param="amount",
            )
        refund = {
            "id": "re_" + secrets.token_hex(12),
            "object": "refund",
            "amount": amount,
            "currency": paid[0]["currency"],
            "payment_intent": form["payment_intent"],
            "status": "succeeded",
            "metadata": {
                name[len("metadata[") : -1]: value
                for name, value in seen.form
                if name.startswith("metadata[")
            },
            "created": int(self.clock()),
        }
        self.refunds[refund["id"]] = refund
        return 200, refund, {}


def _error(
    status: int, kind: str, message: str, code: str | None = None, param: str | None = None
) -> tuple[int, Any, dict[str, str]]:
    error: dict[str, Any] = {"type": kind, "message": message}
    if code:
        error["code"] = code
    if param:
        error["param"] = param
    return status, {"error": error}, {}


@pytest.fixture
def fake() -> Iterator[tuple[FakeStripe, str]]:
    stripe = FakeStripe(clock=time.time)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            url = urllib.parse.urlsplit(self.path)
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            seen = Seen(
                self.command,
                url.path,
                urllib.parse.parse_qsl(url.query),
                urllib.parse.parse_qsl(raw.decode()),
                {k.lower(): v for k, v in self.headers.items()},
            )
            stripe.seen.append(seen)
            status, answer, headers = stripe.handle(seen)
            data = answer if isinstance(answer, bytes) else json.dumps(answer).encode()
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = _serve  # noqa: N815

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    yield stripe, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def order(no: str = "K-1", amount: int = 2198, currency: int = USD, **kw: Any) -> OrderRequest:
    return OrderRequest(
        out_trade_no=no,
        idempotency_key=kw.get("key", f"order:{no}"),
        amount=amount,
        currency=currency,
        description="Electricity top-up",
        expires_in=kw.get("expires_in", dt.timedelta(minutes=2)),
        metadata={"card": "04A1B2C3"},
    )


def test_create_sends_the_documented_form_and_headers(fake: tuple[FakeStripe, str]) -> None:
    stripe, base = fake
    before = int(time.time())
    created = provider_for(base, cancel_url="https://kiosk.example/cancel").create(order())
    (sent,) = stripe.seen
    assert (sent.method, sent.path) == ("POST", "/v1/checkout/sessions")
    assert sent.headers["authorization"] == f"Bearer {SECRET_KEY}"
    assert sent.headers["idempotency-key"] == "order:K-1"
    assert sent.headers["stripe-version"] == stripe_module.STRIPE_API_VERSION
    assert sent.headers["content-type"] == "application/x-www-form-urlencoded"
    form = sent.form_dict()
    expires_at = int(form.pop("expires_at"))
    assert form == {
        "mode": "payment",
        "client_reference_id": "K-1",
        "success_url": "https://kiosk.example/paid",
        "cancel_url": "https://kiosk.example/cancel",
        "line_items[0][price_data][currency]": "usd",
        "line_items[0][price_data][unit_amount]": "2198",
        "line_items[0][price_data][product_data][name]": "Electricity top-up",
        "line_items[0][quantity]": "1",
        "metadata[card]": "04A1B2C3",
        "metadata[out_trade_no]": "K-1",
        "payment_intent_data[metadata][out_trade_no]": "K-1",
    }
    # Two minutes were asked for; Stripe takes no less than 30: the kiosk expires it itself.
    assert before + 30 * 60 < expires_at <= int(time.time()) + 31 * 60
    session = next(iter(stripe.sessions.values()))
    assert created.provider_ref == session["id"]
    assert created.qr_payload == session["url"]
    assert created.expires_at == dt.datetime.fromtimestamp(expires_at, dt.UTC)


def test_create_is_idempotent(fake: tuple[FakeStripe, str]) -> None:
    stripe, base = fake
    provider = provider_for(base)
    first = provider.create(order())
    assert provider.create(order()) == first
    assert len(stripe.sessions) == 1
    with pytest.raises(ProviderRefusedError) as caught:
        provider.create(order(amount=5000))  # same key, other amount
    assert caught.value.provider_code == "idempotency_error"


def test_zero_decimal_currency_is_sent_in_its_own_unit(fake: tuple[FakeStripe, str]) -> None:
    stripe, base = fake
    provider_for(base).create(order(amount=500, currency=JPY))
    form = stripe.seen[0].form_dict()
    assert form["line_items[0][price_data][currency]"] == "jpy"
    assert form["line_items[0][price_data][unit_amount]"] == "500"
    session_id = next(iter(stripe.sessions))
    assert provider_for(base).query("K-1", session_id).currency == JPY


def test_currencies_stripe_treats_differently_are_refused_before_any_request(
    fake: tuple[FakeStripe, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    stripe, base = fake
    monkeypatch.setitem(kiosk.money.CURRENCIES, 48, ("BHD", 3))
    with pytest.raises(ProviderRefusedError, match="BHD") as caught:
        provider_for(base).create(order(currency=48))
    assert caught.value.provider_code == "unsupported_currency"
    with pytest.raises(ProviderRefusedError, match="not configured"):
        provider_for(base).create(order(currency=999))
    assert stripe.seen == []


def test_a_long_lifetime_is_capped_at_stripes_24_hours(fake: tuple[FakeStripe, str]) -> None:
    stripe, base = fake
    provider_for(base).create(order(expires_in=dt.timedelta(hours=48)))
    assert int(stripe.seen[0].form_dict()["expires_at"]) <= time.time() + 24 * 3600


@pytest.mark.parametrize(
    ("status", "payment_status", "expected"),
    [
        ("open", "unpaid", PaymentStatus.PENDING),
        ("complete", "paid", PaymentStatus.PAID),
        ("complete", "no_payment_required", PaymentStatus.PAID),
        ("complete", "unpaid", PaymentStatus.PENDING),  # a delayed method still settling
        ("expired", "unpaid", PaymentStatus.CLOSED),
    ],
)
def test_query_maps_session_states(
    fake: tuple[FakeStripe, str], status: str, payment_status: str, expected: PaymentStatus
) -> None:
    stripe, base = fake
    session = stripe.add_session(
        client_reference_id="K-1", status=status, payment_status=payment_status
    )
    state = provider_for(base).query("K-1", session["id"])
    assert (state.status, state.amount, state.currency) == (expected, 2198, USD)
    assert stripe.seen[-1].path == f"/v1/checkout/sessions/{session['id']}"


def test_query_without_provider_ref_looks_through_recent_sessions(
    fake: tuple[FakeStripe, str],
) -> None:
    stripe, base = fake
    stripe.add_session(client_reference_id="K-0")
    wanted = stripe.add_session(client_reference_id="K-1")
    stripe.complete(wanted["id"])
    stripe.add_session()  # a payment link's session, no client_reference_id
    provider = provider_for(base)
    state = provider.query("K-1")
    assert (state.status, state.provider_ref) == (PaymentStatus.PAID, wanted["id"])
    query = dict(stripe.seen[-1].query)
    assert int(query["created[gte]"]) <= time.time() - 24 * 3600
    assert provider.query("K-404").status is PaymentStatus.UNKNOWN
    assert provider.cancel("K-404").status is PaymentStatus.UNKNOWN


def test_query_refuses_a_session_of_another_order(fake: tuple[FakeStripe, str]) -> None:
    stripe, base = fake
    session = stripe.add_session(client_reference_id="K-2")
    with pytest.raises(ProviderRefusedError) as caught:
        provider_for(base).query("K-1", session["id"])
    assert caught.value.provider_code == "reference_mismatch"
    with pytest.raises(ProviderRefusedError) as missing:
        provider_for(base).query("K-1", "cs_test_nonexistent")
    assert missing.value.provider_code == "resource_missing"


def test_cancel_expires_an_open_session(fake: tuple[FakeStripe, str]) -> None:
    stripe, base = fake
    created = provider_for(base).create(order())
    state = provider_for(base).cancel("K-1", created.provider_ref)
    assert state.status is PaymentStatus.CLOSED
    assert (stripe.seen[-1].method, stripe.seen[-1].path) == (
        "POST",
        f"/v1/checkout/sessions/{created.provider_ref}/expire",
    )


def test_cancel_racing_a_payment_reports_paid(fake: tuple[FakeStripe, str]) -> None:
    stripe, base = fake
    created = provider_for(base).create(order())
    # The phone completes the session between the adapter's read and its expire call.
    stripe.before_expire = lambda session: stripe.complete(session["id"])
    state = provider_for(base).cancel("K-1", created.provider_ref)
    assert state.status is PaymentStatus.PAID
    assert [s.path.rsplit("/", 1)[-1] for s in stripe.seen[-3:]] == [
        created.provider_ref,
        "expire",
        created.provider_ref,
    ]


def test_cancel_of_a_completed_session_says_paid_without_expiring(
    fake: tuple[FakeStripe, str],
) -> None:
    stripe, base = fake
    session = stripe.add_session(client_reference_id="K-1")
    stripe.complete(session["id"])
    assert provider_for(base).cancel("K-1", session["id"]).status is PaymentStatus.PAID
    assert not any(s.path.endswith("/expire") for s in stripe.seen)


def test_refund_is_idempotent_per_refund_no_and_bounded(fake: tuple[FakeStripe, str]) -> None:
    stripe, base = fake
    provider = provider_for(base)
    session = stripe.add_session(client_reference_id="K-1")
    with pytest.raises(ProviderRefusedError) as unpaid:
        provider.refund("K-1", "R-1", 100, session["id"])
    assert unpaid.value.provider_code == "order_not_paid"
    assert not any(s.path == "/v1/refunds" for s in stripe.seen)

    stripe.complete(session["id"])
    refund = provider.refund("K-1", "R-1", 1000, session["id"])
    assert (refund.refund_no, refund.amount, refund.status) == ("R-1", 1000, PaymentStatus.REFUNDED)
    sent = stripe.seen[-1]
    assert sent.headers["idempotency-key"] == "refund:R-1"
    assert sent.form_dict() == {
        "payment_intent": stripe.sessions[session["id"]]["payment_intent"],
        "amount": "1000",
        "metadata[out_trade_no]": "K-1",
        "metadata[refund_no]": "R-1",
    }
    assert provider.refund("K-1", "R-1", 1000, session["id"]) == refund
    assert len(stripe.refunds) == 1
    with pytest.raises(ProviderRefusedError, match="greater than unrefunded"):
        provider.refund("K-1", "R-2", 1199, session["id"])
    assert provider.refund("K-1", "R-2", 1198, session["id"]).amount == 1198


def test_statement_pages_through_the_day(
    fake: tuple[FakeStripe, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    stripe, base = fake
    monkeypatch.setattr(stripe_module, "LIST_PAGE_LIMIT", 2)
    day = dt.date(2024, 5, 1)
    start = int(dt.datetime(2024, 5, 1, tzinfo=dt.UTC).timestamp())
    stripe.add_session(client_reference_id="K-0", created=start - 1)  # the day before
    for minute, no in enumerate(["K-1", "K-2", "K-3", "K-4"]):
        stripe.add_session(client_reference_id=no, created=start + 60 * minute, amount_total=100)
    stripe.add_session(created=start + 600)  # not a kiosk's
    stripe.add_session(client_reference_id="K-5", created=start + 86400)  # the day after
    stripe.complete(
        next(s["id"] for s in stripe.sessions.values() if s["client_reference_id"] == "K-2")
    )

    lines = provider_for(base).statement(day)
    assert sorted((x.out_trade_no, x.status) for x in lines) == [
        ("K-1", PaymentStatus.PENDING),
        ("K-2", PaymentStatus.PAID),
        ("K-3", PaymentStatus.PENDING),
        ("K-4", PaymentStatus.PENDING),
    ]
    assert all((x.amount, x.currency) == (100, USD) for x in lines)
    pages = [dict(s.query) for s in stripe.seen]
    assert len(pages) == 3  # 5 sessions that day, 2 a page
    assert all(p["created[gte]"] == str(start) for p in pages)
    assert all(p["created[lt]"] == str(start + 86400) for p in pages)
    assert all(p["limit"] == "2" for p in pages)
    assert "starting_after" not in pages[0]
    assert pages[1]["starting_after"] and pages[2]["starting_after"] != pages[1]["starting_after"]


@pytest.mark.parametrize(
    ("status", "body", "headers", "error"),
    [
        (500, b'{"error": {"type": "api_error", "message": "x"}}', {}, ProviderUnavailableError),
        (429, b'{"error": {"type": "invalid_request_error"}}', {}, ProviderUnavailableError),
        (409, b'{"error": {"type": "idempotency_error"}}', {}, ProviderUnavailableError),
        (
            400,
            b'{"error": {"type": "api_error", "message": "lock timeout"}}',
            {"Stripe-Should-Retry": "true"},
            ProviderUnavailableError,
        ),
        (200, b"<html>proxy</html>", {}, ProviderUnavailableError),
        (200, b'{"id": "cs_test_1"}', {}, ProviderUnavailableError),
        (402, b'{"error": {"type": "card_error", "code": "x"}}', {}, ProviderRefusedError),
    ],
)
def test_http_failures_are_mapped_to_one_error_channel(
    fake: tuple[FakeStripe, str],
    status: int,
    body: bytes,
    headers: dict[str, str],
    error: type[Exception],
) -> None:
    stripe, base = fake
    stripe.fail_next.append((status, body, headers))
    with pytest.raises(error):
        provider_for(base).query("K-1", "cs_test_1")


def test_wrong_secret_key_and_no_stripe(fake: tuple[FakeStripe, str]) -> None:
    _stripe, base = fake
    wrong = StripeCheckoutProvider("sk_test_wrong", WEBHOOK_SECRET, "https://x", api_base=base)
    with pytest.raises(ProviderRefusedError, match="Check the configured secret key"):
        wrong.create(order())
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    port = server.server_address[1]
    server.server_close()
    nowhere = provider_for(f"http://127.0.0.1:{port}", timeout=(1.0, 1.0))
    with pytest.raises(ProviderUnavailableError, match="did not answer"):
        nowhere.create(order())


def test_missing_secrets_are_a_startup_error() -> None:
    with pytest.raises(ValueError, match="secret key"):
        StripeCheckoutProvider("", WEBHOOK_SECRET, "https://x")
    with pytest.raises(ValueError, match="secret key"):
        StripeCheckoutProvider(SECRET_KEY, "", "https://x")
