"""The payment simulator and SimulatorProvider, through real HTTP on 127.0.0.1.

A small receiver server plays the kiosk's notification endpoint; the simulator POSTs signed
notifications to it, and the tests check them with SimulatorProvider.verify_notification.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests

from kiosk.payments.provider import (
    BadNotificationError,
    OrderRequest,
    PaymentStatus,
    ProviderRefusedError,
    ProviderUnavailableError,
)
from kiosk.payments.simulator import PaymentSimulator, SimulatorProvider
from kiosk.payments.simulator.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, signed_headers

SECRET = "test-simulator-secret"
DEADLINE_S = 10.0  # every wait for an asynchronous notification ends by then, or the test fails
CNY = 156
JPY = 392


# -- helpers ------------------------------------------------------------------------------------


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    at: float  # time.monotonic() on arrival


class Receiver:
    """The kiosk's notification endpoint: records what arrives; answers ``statuses`` in turn
    (then 200)."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.statuses: list[int] = []
        self._cond = threading.Condition()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with outer._cond:
                    status = outer.statuses.pop(0) if outer.statuses else 200
                    if status == 200:
                        outer.received.append(
                            Received(dict(self.headers.items()), body, time.monotonic())
                        )
                    outer._cond.notify_all()
                self.send_response(status)
                self.send_header("Content-Length", "7")
                self.end_headers()
                self.wfile.write(b"success")

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/notify"
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        )
        self._thread.start()

    def wait_for(self, count: int) -> list[Received]:
        """The first ``count`` notifications, waiting up to DEADLINE_S for them."""
        with self._cond:
            if not self._cond.wait_for(lambda: len(self.received) >= count, DEADLINE_S):
                pytest.fail(f"{len(self.received)} notification(s) arrived, expected {count}")
            return list(self.received[:count])

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


class FakeClock:
    def __init__(self, start: float) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


def wait_until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + DEADLINE_S
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.02)


def order(
    no: str, amount: int = 1234, key: str | None = None, expires_s: int = 120, currency: int = CNY
) -> OrderRequest:
    return OrderRequest(
        out_trade_no=no,
        idempotency_key=key or f"key-{no}",
        amount=amount,
        currency=currency,
        description="Electricity top-up",
        expires_in=dt.timedelta(seconds=expires_s),
        metadata={"card": "04A1B2C3"},
    )


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    rec = Receiver()
    yield rec
    rec.close()


@pytest.fixture
def sim(receiver: Receiver) -> Iterator[PaymentSimulator]:
    with PaymentSimulator(SECRET, notify_url=receiver.url) as simulator:
        yield simulator


@pytest.fixture
def provider(sim: PaymentSimulator) -> SimulatorProvider:
    return SimulatorProvider(sim.url, SECRET)


def control(sim: PaymentSimulator, path: str, body: Any = None) -> requests.Response:
    return requests.post(f"{sim.url}/control/{path}", json=body, timeout=5)


# -- orders -------------------------------------------------------------------------------------


def test_create_is_idempotent_per_key(provider: SimulatorProvider, sim: PaymentSimulator) -> None:
    first = provider.create(order("K-1"))
    again = provider.create(order("K-1"))
    assert again == first
    assert first.qr_payload == f"{sim.url}/pay/K-1"
    left = first.expires_at - dt.datetime.now(dt.UTC)
    assert dt.timedelta(seconds=100) < left <= dt.timedelta(seconds=120)
    state = provider.query("K-1")
    assert (state.status, state.amount, state.currency) == (PaymentStatus.PENDING, 1234, CNY)
    assert state.provider_ref == first.provider_ref


def test_same_key_with_another_body_is_refused(provider: SimulatorProvider) -> None:
    provider.create(order("K-2", amount=1000, key="shared"))
    with pytest.raises(ProviderRefusedError) as caught:
        provider.create(order("K-2", amount=2000, key="shared"))
    assert caught.value.provider_code == "idempotency_conflict"
    assert provider.query("K-2").amount == 1000


def test_another_key_for_an_existing_order_is_refused(provider: SimulatorProvider) -> None:
    provider.create(order("K-3", key="first"))
    with pytest.raises(ProviderRefusedError) as caught:
        provider.create(order("K-3", key="second"))
    assert caught.value.provider_code == "duplicate_out_trade_no"


def test_pay_page_pays_and_the_signed_notification_verifies(
    provider: SimulatorProvider, receiver: Receiver
) -> None:
    created = provider.create(order("K-4", amount=5000))
    page = requests.get(created.qr_payload, timeout=5)
    assert page.status_code == 200
    assert "50.00 CNY" in page.text and "Electricity top-up" in page.text
    assert '<form method="post" action="/pay/K-4">' in page.text

    paid = requests.post(created.qr_payload, timeout=5)
    assert paid.status_code == 200 and "Paid." in paid.text

    state = provider.query("K-4")
    assert state.status is PaymentStatus.PAID and state.paid_at is not None
    (note,) = receiver.wait_for(1)
    notification = provider.verify_notification(note.headers, note.body)
    assert notification.event_id.startswith("evt_")
    assert notification.state.out_trade_no == "K-4"
    assert notification.state.status is PaymentStatus.PAID
    assert (notification.state.amount, notification.state.currency) == (5000, CNY)
    assert notification.state.provider_ref == created.provider_ref


def test_control_pay_is_as_if_the_phone_paid(
    provider: SimulatorProvider, sim: PaymentSimulator, receiver: Receiver
) -> None:
    provider.create(order("K-5", amount=300, currency=JPY))
    answer = control(sim, "K-5/pay")
    assert answer.status_code == 200 and answer.json()["status"] == "paid"
    assert provider.query("K-5").status is PaymentStatus.PAID
    (note,) = receiver.wait_for(1)
    assert provider.verify_notification(note.headers, note.body).state.amount == 300


def test_query_of_an_unknown_order_is_unknown(provider: SimulatorProvider) -> None:
    state = provider.query("never-created")
    assert state.status is PaymentStatus.UNKNOWN and state.amount is None


def test_cancel_closes_an_unpaid_order_which_can_then_not_be_paid(
    provider: SimulatorProvider, sim: PaymentSimulator
) -> None:
    created = provider.create(order("K-6"))
    assert provider.cancel("K-6").status is PaymentStatus.CLOSED
    assert provider.query("K-6").status is PaymentStatus.CLOSED
    page = requests.post(created.qr_payload, timeout=5)
    assert page.status_code == 409 and "closed (cancelled)" in page.text
    answer = control(sim, "K-6/pay")
    assert answer.status_code == 409 and answer.json()["error"]["code"] == "order_closed"
    assert provider.cancel("never-created").status is PaymentStatus.UNKNOWN


def test_cancel_of_a_paid_order_says_paid(
    provider: SimulatorProvider, sim: PaymentSimulator
) -> None:
    provider.create(order("K-7"))
    control(sim, "K-7/pay")
    assert provider.cancel("K-7").status is PaymentStatus.PAID
    assert provider.query("K-7").status is PaymentStatus.PAID


def test_refunds_are_idempotent_and_never_exceed_the_payment(
    provider: SimulatorProvider, sim: PaymentSimulator
) -> None:
    provider.create(order("K-8", amount=1000))
    with pytest.raises(ProviderRefusedError) as unpaid:
        provider.refund("K-8", "R-0", 100)
    assert unpaid.value.provider_code == "order_not_paid"
    control(sim, "K-8/pay")

    first = provider.refund("K-8", "R-1", 600)
    assert (first.refund_no, first.amount, first.status) == ("R-1", 600, PaymentStatus.REFUNDED)
    assert provider.refund("K-8", "R-1", 600) == first  # a retry refunds nothing more
    with pytest.raises(ProviderRefusedError) as changed:
        provider.refund("K-8", "R-1", 500)
    assert changed.value.provider_code == "idempotency_conflict"
    with pytest.raises(ProviderRefusedError) as over:
        provider.refund("K-8", "R-2", 401)
    assert over.value.provider_code == "refund_exceeds_paid"
    assert provider.query("K-8").status is PaymentStatus.PAID  # 600 of 1000 refunded

    provider.refund("K-8", "R-2", 400)
    assert provider.query("K-8").status is PaymentStatus.REFUNDED
    with pytest.raises(ProviderRefusedError) as gone:
        provider.refund("never-created", "R-3", 1)
    assert gone.value.provider_code == "order_not_found"


def test_orders_expire_and_the_statement_lists_the_day() -> None:
    clock = FakeClock(dt.datetime(2024, 5, 1, 23, 0, tzinfo=dt.UTC).timestamp())
    with PaymentSimulator(SECRET, clock=clock) as simulator:
        provider = SimulatorProvider(simulator.url, SECRET, clock=clock)
        provider.create(order("D-1", amount=100, expires_s=60))
        provider.create(order("D-2", amount=200, expires_s=60))
        control(simulator, "D-2/pay")
        clock.now += 61
        assert provider.query("D-1").status is PaymentStatus.CLOSED
        assert "closed (expired)" in requests.get(f"{simulator.url}/pay/D-1", timeout=5).text
        clock.now += 3600  # the next day, UTC
        provider.create(order("D-3", amount=300))

        lines = provider.statement(dt.date(2024, 5, 1))
        assert [(x.out_trade_no, x.amount, x.currency, x.status) for x in lines] == [
            ("D-1", 100, CNY, PaymentStatus.CLOSED),
            ("D-2", 200, CNY, PaymentStatus.PAID),
        ]
        assert lines[1].paid_at == dt.datetime(2024, 5, 1, 23, 0, tzinfo=dt.UTC)
        assert [x.out_trade_no for x in provider.statement(dt.date(2024, 5, 2))] == ["D-3"]
        assert provider.statement(dt.date(2024, 4, 30)) == []


# -- notifications ------------------------------------------------------------------------------


@pytest.fixture
def delivered(provider: SimulatorProvider, sim: PaymentSimulator, receiver: Receiver) -> Received:
    """One genuine notification, as it arrived."""
    provider.create(order("N-1", amount=888))
    control(sim, "N-1/pay")
    return receiver.wait_for(1)[0]


def test_tampered_notification_is_refused(provider: SimulatorProvider, delivered: Received) -> None:
    body = delivered.body.replace(b'"amount":888', b'"amount":88800')
    assert body != delivered.body
    with pytest.raises(BadNotificationError, match="does not match"):
        provider.verify_notification(delivered.headers, body)
    forged = dict(delivered.headers, **{SIGNATURE_HEADER: "0" * 64})
    with pytest.raises(BadNotificationError, match="does not match"):
        provider.verify_notification(forged, delivered.body)
    non_ascii = dict(delivered.headers, **{SIGNATURE_HEADER: "é" * 64})
    with pytest.raises(BadNotificationError):
        provider.verify_notification(non_ascii, delivered.body)


def test_notification_signed_with_another_secret_is_refused(
    sim: PaymentSimulator, delivered: Received
) -> None:
    other = SimulatorProvider(sim.url, "another-secret")
    with pytest.raises(BadNotificationError, match="does not match"):
        other.verify_notification(delivered.headers, delivered.body)


@pytest.mark.parametrize("skew_s", [-301, 301])
def test_stale_or_future_notification_is_refused(
    sim: PaymentSimulator, delivered: Received, skew_s: int
) -> None:
    later = SimulatorProvider(sim.url, SECRET, clock=lambda: time.time() + skew_s)
    with pytest.raises(BadNotificationError, match="more than 300 s"):
        later.verify_notification(delivered.headers, delivered.body)


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {TIMESTAMP_HEADER: "1700000000"},
        {SIGNATURE_HEADER: "ab" * 32},
        {TIMESTAMP_HEADER: "yesterday", SIGNATURE_HEADER: "ab" * 32},
    ],
    ids=["unsigned", "no-signature", "no-timestamp", "bad-timestamp"],
)
def test_unsigned_notification_is_refused(
    provider: SimulatorProvider, delivered: Received, headers: dict[str, str]
) -> None:
    with pytest.raises(BadNotificationError):
        provider.verify_notification(headers, delivered.body)


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[]",
        b'{"event_id": "evt_1", "type": "order.refunded", "order": {}}',
        b'{"event_id": "evt_1", "type": "order.paid", "order": {"status": "paid"}}',
        b'{"event_id": "evt_1", "type": "order.paid", "order": {"out_trade_no": "x",'
        b' "status": "paid", "amount": "12.34", "currency": 156}}',
    ],
    ids=["not-json", "not-object", "other-type", "no-order-fields", "text-amount"],
)
def test_signed_but_malformed_notification_is_refused(
    provider: SimulatorProvider, body: bytes
) -> None:
    headers = signed_headers(SECRET, int(time.time()), body)
    with pytest.raises(BadNotificationError, match="not a simulator event"):
        provider.verify_notification(headers, body)


def test_duplicate_notifications_share_one_event_id(
    provider: SimulatorProvider, sim: PaymentSimulator, receiver: Receiver
) -> None:
    assert control(sim, "settings", {"notify_copies": 3}).json()["notify_copies"] == 3
    provider.create(order("N-2"))
    control(sim, "N-2/pay")
    notes = receiver.wait_for(3)
    events = {provider.verify_notification(n.headers, n.body).event_id for n in notes}
    assert len(events) == 1  # three deliveries, one event: the kiosk credits once

    assert control(sim, "N-2/notify").status_code == 202  # and a resend, as gateways retry
    fourth = receiver.wait_for(6)[3]
    assert provider.verify_notification(fourth.headers, fourth.body).event_id in events


def test_delayed_notification_arrives_after_the_delay(
    provider: SimulatorProvider, sim: PaymentSimulator, receiver: Receiver
) -> None:
    control(sim, "settings", {"notify_delay_s": 0.5})
    provider.create(order("N-3"))
    paid_at = time.monotonic()
    control(sim, "N-3/pay")
    assert provider.query("N-3").status is PaymentStatus.PAID  # paid at once, told later
    (note,) = receiver.wait_for(1)
    assert note.at - paid_at >= 0.5
    assert provider.verify_notification(note.headers, note.body).state.status is PaymentStatus.PAID


def test_dropped_notifications_are_not_sent(
    provider: SimulatorProvider, sim: PaymentSimulator, receiver: Receiver
) -> None:
    control(sim, "settings", {"drop_notifications": True})
    provider.create(order("N-4"))
    control(sim, "N-4/pay")
    log = requests.get(f"{sim.url}/control/notifications", timeout=5).json()["deliveries"]
    assert [(d["out_trade_no"], d["result"]) for d in log] == [("N-4", "dropped")]
    assert provider.query("N-4").status is PaymentStatus.PAID  # polling still finds it

    control(sim, "settings", {"drop_notifications": False})
    provider.create(order("N-5"))
    control(sim, "N-5/pay")
    (note,) = receiver.wait_for(1)  # deliveries are in order: N-4's would have come first
    assert provider.verify_notification(note.headers, note.body).state.out_trade_no == "N-5"


def test_late_payment_of_an_expired_order_is_notified(
    provider: SimulatorProvider, sim: PaymentSimulator, receiver: Receiver
) -> None:
    provider.create(order("N-6"))
    assert control(sim, "N-6/expire").json()["status"] == "closed"
    assert provider.query("N-6").status is PaymentStatus.CLOSED
    assert control(sim, "N-6/pay").status_code == 409  # not without being told to

    answer = control(sim, "N-6/pay", {"late": True}).json()
    assert answer["status"] == "paid" and answer["paid_late"] is True
    (note,) = receiver.wait_for(1)
    late = provider.verify_notification(note.headers, note.body)
    assert late.state.status is PaymentStatus.PAID and late.state.out_trade_no == "N-6"
    assert provider.query("N-6").status is PaymentStatus.PAID


def test_accept_late_payment_lets_the_pay_page_pay_a_cancelled_order(
    provider: SimulatorProvider, sim: PaymentSimulator, receiver: Receiver
) -> None:
    created = provider.create(order("N-7"))
    provider.cancel("N-7")
    control(sim, "settings", {"accept_late_payment": True})
    assert requests.post(created.qr_payload, timeout=5).status_code == 200
    (note,) = receiver.wait_for(1)
    assert provider.verify_notification(note.headers, note.body).state.status is PaymentStatus.PAID


def test_failed_delivery_is_retried(
    provider: SimulatorProvider, sim: PaymentSimulator, receiver: Receiver
) -> None:
    receiver.statuses = [500]
    provider.create(order("N-8"))
    control(sim, "N-8/pay")
    (note,) = receiver.wait_for(1)
    assert provider.verify_notification(note.headers, note.body).state.out_trade_no == "N-8"

    def deliveries() -> list[dict[str, Any]]:
        answer = requests.get(f"{sim.url}/control/notifications", timeout=5)
        return list(answer.json()["deliveries"])

    # The receiver may see the retry before the simulator has logged its answer.
    wait_until(lambda: len(deliveries()) == 2, "the second delivery to be logged")
    assert [(d["attempt"], d["result"], d["status"]) for d in deliveries()] == [
        (1, "refused", 500),
        (2, "delivered", 200),
    ]


# -- bad input ----------------------------------------------------------------------------------

GOOD: dict[str, Any] = {
    "out_trade_no": "B-1",
    "amount": 100,
    "currency": CNY,
    "description": "x",
    "expires_in": 60,
}


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"{not json", "malformed_json"),
        (b"[1, 2]", "malformed_json"),
        (b"", "malformed_json"),
        (dict(GOOD, amount="1.00"), "bad_request"),
        (dict(GOOD, amount=1.5), "bad_request"),
        (dict(GOOD, amount=True), "bad_request"),
        (dict(GOOD, amount=0), "bad_request"),
        (dict(GOOD, amount=-5), "bad_request"),
        (dict(GOOD, currency=999), "unsupported_currency"),
        (dict(GOOD, currency="CNY"), "unsupported_currency"),
        (dict(GOOD, expires_in=0), "bad_request"),
        (dict(GOOD, out_trade_no="has space"), "bad_request"),
        (dict(GOOD, notify_url="ftp://x"), "bad_request"),
        (dict(GOOD, metadata={"n": 1}), "bad_request"),
        (dict(GOOD, colour="red"), "bad_request"),
        ({k: v for k, v in GOOD.items() if k != "amount"}, "bad_request"),
    ],
)
def test_bad_create_requests_get_a_clear_400(
    sim: PaymentSimulator, body: bytes | dict[str, Any], code: str
) -> None:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    answer = requests.post(
        f"{sim.url}/v1/orders",
        data=data,
        headers={"Idempotency-Key": "k", "Content-Type": "application/json"},
        timeout=5,
    )
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == code
    assert answer.json()["error"]["message"]


def test_other_bad_requests_get_clear_errors(sim: PaymentSimulator) -> None:
    url = sim.url
    missing_key = requests.post(f"{url}/v1/orders", json=GOOD, timeout=5)
    assert (missing_key.status_code, missing_key.json()["error"]["code"]) == (
        400,
        "missing_idempotency_key",
    )
    long_key = requests.post(
        f"{url}/v1/orders", json=GOOD, headers={"Idempotency-Key": "k" * 256}, timeout=5
    )
    assert long_key.status_code == 400
    huge = requests.post(
        f"{url}/v1/orders", data=b"x" * (65 * 1024), headers={"Idempotency-Key": "k"}, timeout=5
    )
    assert huge.status_code == 413
    assert requests.get(f"{url}/v1/orders/nope", timeout=5).status_code == 404
    assert requests.get(f"{url}/pay/nope", timeout=5).status_code == 404
    assert requests.get(f"{url}/v1/nothing", timeout=5).json()["error"]["code"] == "not_found"
    bad_day = requests.get(f"{url}/v1/statement", params={"day": "1 May"}, timeout=5)
    assert bad_day.status_code == 400 and "YYYY-MM-DD" in bad_day.json()["error"]["message"]
    for settings in ({"notify_copies": 0}, {"notify_delay_s": "soon"}, {"volume": 11}):
        assert control(sim, "settings", settings).status_code == 400
    assert control(sim, "nope/pay").status_code == 404
    assert control(sim, "nope/notify").status_code == 404


def test_refund_with_a_bad_amount_is_refused(
    provider: SimulatorProvider, sim: PaymentSimulator
) -> None:
    provider.create(order("B-2"))
    control(sim, "B-2/pay")
    for amount in ("1.00", 0, 1.5):
        with pytest.raises(ProviderRefusedError) as caught:
            provider.refund("B-2", "R-1", amount)  # type: ignore[arg-type]
        assert caught.value.provider_code == "bad_request"


def test_wrong_amount_type_in_an_order_is_refused(provider: SimulatorProvider) -> None:
    with pytest.raises(ProviderRefusedError, match="integer number of minor units"):
        provider.create(order("B-3", amount=12.34))  # type: ignore[arg-type]


# -- unavailability -----------------------------------------------------------------------------


class _Stub(BaseHTTPRequestHandler):
    """Answers every request with the class's status and body."""

    status = 503
    body = b"<html>Bad gateway</html>"

    def do_GET(self) -> None:  # noqa: N802
        self.send_response(self.status)
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    do_POST = do_GET  # noqa: N815

    def log_message(self, *args: Any) -> None:
        pass


@pytest.mark.parametrize(("status", "body"), [(503, b"down"), (429, b"{}"), (200, b"<html>")])
def test_5xx_429_and_garbage_are_unavailable(status: int, body: bytes) -> None:
    handler = type("Stub", (_Stub,), {"status": status, "body": body})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    try:
        provider = SimulatorProvider(f"http://127.0.0.1:{server.server_address[1]}", SECRET)
        with pytest.raises(ProviderUnavailableError):
            provider.query("K-1")
        with pytest.raises(ProviderUnavailableError):
            provider.create(order("K-1"))
    finally:
        server.shutdown()
        server.server_close()


def test_no_simulator_is_unavailable() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Stub)
    port = server.server_address[1]
    server.server_close()  # the port is now (almost certainly) closed
    provider = SimulatorProvider(f"http://127.0.0.1:{port}", SECRET, timeout=(1.0, 1.0))
    with pytest.raises(ProviderUnavailableError, match="did not answer"):
        provider.create(order("K-1"))


# -- as a process -------------------------------------------------------------------------------


def test_runs_as_a_process(receiver: Receiver) -> None:
    env = dict(os.environ, PAYSIM_SECRET=SECRET)
    process = subprocess.Popen(
        [sys.executable, "-m", "kiosk.payments.simulator", "--port", "0"]
        + ["--notify-url", receiver.url],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        stdout = process.stdout
        assert stdout is not None
        first_line: list[str] = []
        reader = threading.Thread(target=lambda: first_line.append(stdout.readline()))
        reader.start()
        reader.join(DEADLINE_S)
        assert first_line and first_line[0].startswith("paysim listening on http://127.0.0.1:")
        url = first_line[0].split()[-1]
        provider = SimulatorProvider(url, SECRET)
        provider.create(order("P-1"))
        requests.post(f"{url}/control/P-1/pay", timeout=5)
        (note,) = receiver.wait_for(1)
        assert provider.verify_notification(note.headers, note.body).state.out_trade_no == "P-1"
    finally:
        process.terminate()
        assert process.wait(DEADLINE_S) == 0


def test_no_secret_is_a_startup_error() -> None:
    with pytest.raises(ValueError, match="signing secret"):
        PaymentSimulator("")
    with pytest.raises(ValueError, match="signing secret"):
        SimulatorProvider("http://127.0.0.1:1", "")
    PaymentSimulator(SECRET).stop()  # never started: stops at once


def test_process_refuses_to_start_without_a_secret() -> None:
    env = {k: v for k, v in os.environ.items() if k != "PAYSIM_SECRET"}
    done = subprocess.run(
        [sys.executable, "-m", "kiosk.payments.simulator", "--port", "0"],
        capture_output=True,
        text=True,
        env=env,
        timeout=DEADLINE_S,
    )
    assert done.returncode == 2
    assert "signing secret is required" in done.stderr
