"""The kiosk's side of the payment simulator: a :class:`PaymentProvider` over its HTTP API.

Errors are mapped once, here: no answer, a timeout, a 5xx or 429, or an answer that is not the
documented JSON -> :class:`ProviderUnavailableError` (retry later with the same key); any other
4xx -> :class:`ProviderRefusedError` carrying the simulator's error code. A 404 on query or cancel
is not an error: the simulator has no such order, so it is not paid (status UNKNOWN).
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable, Mapping
from typing import Any

import requests

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
from kiosk.payments.simulator.notifier import EVENT_TYPE_PAID
from kiosk.payments.simulator.signing import DEFAULT_TOLERANCE_S, verify_signature

#: (connect, read) seconds. Short: the person at the kiosk is waiting, and a retry with the same
#: idempotency key is always safe.
DEFAULT_TIMEOUT = (3.05, 10.0)

STATUSES = {
    "pending": PaymentStatus.PENDING,
    "paid": PaymentStatus.PAID,
    "closed": PaymentStatus.CLOSED,
    "refunded": PaymentStatus.REFUNDED,
}


def _time(value: Any) -> dt.datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"not a time: {value!r}")
    return dt.datetime.fromisoformat(value).astimezone(dt.UTC)


def _int(value: Any, name: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f"{name} is not an integer: {value!r}")
    return value


def _state(order: Mapping[str, Any]) -> PaymentState:
    """An order as the simulator returns it -> PaymentState (ValueError/KeyError if malformed)."""
    status = STATUSES[order["status"]]
    no = order["out_trade_no"]
    if not isinstance(no, str):
        raise ValueError(f"out_trade_no is not text: {no!r}")
    return PaymentState(
        out_trade_no=no,
        status=status,
        amount=_int(order["amount"], "amount"),
        currency=_int(order["currency"], "currency"),
        provider_ref=order.get("provider_ref"),
        paid_at=_time(order.get("paid_at")),
    )


class SimulatorProvider(PaymentProvider):
    """Pays through the local payment simulator at ``base_url``.

    ``secret`` must be the simulator's signing secret. ``notify_url``, if given, is sent with each
    order (else the simulator's default is used). ``clock`` (Unix seconds) is for tests of the
    freshness check."""

    name = "simulator"

    def __init__(
        self,
        base_url: str,
        secret: str,
        notify_url: str | None = None,
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
        session: requests.Session | None = None,
        tolerance_s: int = DEFAULT_TOLERANCE_S,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not secret:
            raise ValueError("SimulatorProvider needs the simulator's signing secret.")
        self.base_url = base_url.rstrip("/")
        self._secret = secret
        self._notify_url = notify_url
        self._timeout = timeout
        self._session = session or requests.Session()
        self._tolerance_s = tolerance_s
        self._clock = clock

    # -- PaymentProvider ------------------------------------------------------------------------

    def create(self, order: OrderRequest) -> CreatedPayment:
        expires_in = int(order.expires_in.total_seconds())
        if expires_in < 1:
            raise ProviderRefusedError("An order must stay payable for at least one second.")
        body: dict[str, Any] = {
            "out_trade_no": order.out_trade_no,
            "amount": order.amount,
            "currency": order.currency,
            "description": order.description,
            "expires_in": expires_in,
            "metadata": dict(order.metadata),
        }
        if self._notify_url:
            body["notify_url"] = self._notify_url
        answer = self._call(
            "POST", "/v1/orders", body, headers={"Idempotency-Key": order.idempotency_key}
        )
        try:
            if answer["out_trade_no"] != order.out_trade_no or answer["amount"] != order.amount:
                raise ProviderRefusedError(
                    f"The simulator answered for order {answer['out_trade_no']} of "
                    f"{answer['amount']}, not {order.out_trade_no} of {order.amount}."
                )
            expires_at = _time(answer["expires_at"])
            if expires_at is None or not isinstance(answer["pay_url"], str):
                raise ValueError("no expires_at or pay_url")
            return CreatedPayment(answer["provider_ref"], answer["pay_url"], expires_at)
        except (KeyError, TypeError, ValueError) as error:
            raise self._malformed(error) from None

    def query(self, out_trade_no: str, provider_ref: str | None = None) -> PaymentState:
        return self._order_call("GET", f"/v1/orders/{self._quote(out_trade_no)}", out_trade_no)

    def cancel(self, out_trade_no: str, provider_ref: str | None = None) -> PaymentState:
        return self._order_call(
            "POST", f"/v1/orders/{self._quote(out_trade_no)}/cancel", out_trade_no
        )

    def refund(
        self, out_trade_no: str, refund_no: str, amount: int, provider_ref: str | None = None
    ) -> Refund:
        answer = self._call(
            "POST",
            f"/v1/orders/{self._quote(out_trade_no)}/refunds",
            {"refund_no": refund_no, "amount": amount},
        )
        try:
            return Refund(
                refund_no=answer["refund_no"],
                amount=_int(answer["amount"], "amount"),
                status=STATUSES[answer["status"]],
            )
        except (KeyError, TypeError, ValueError) as error:
            raise self._malformed(error) from None

    def verify_notification(self, headers: Mapping[str, str], body: bytes) -> Notification:
        verify_signature(self._secret, headers, body, self._clock(), self._tolerance_s)
        try:
            event = json.loads(body)
            if event["type"] != EVENT_TYPE_PAID:
                raise ValueError(f"unknown event type {event['type']!r}")
            event_id = event["event_id"]
            if not isinstance(event_id, str) or not event_id:
                raise ValueError("no event_id")
            return Notification(event_id=event_id, state=_state(event["order"]))
        except (KeyError, TypeError, ValueError) as error:  # JSONDecodeError is a ValueError
            raise BadNotificationError(
                f"Signed notification is not a simulator event: {error}."
            ) from None

    def statement(self, day: dt.date) -> list[StatementLine]:
        answer = self._call("GET", "/v1/statement", params={"day": day.isoformat()})
        try:
            return [
                StatementLine(
                    out_trade_no=line["out_trade_no"],
                    amount=_int(line["amount"], "amount"),
                    currency=_int(line["currency"], "currency"),
                    status=STATUSES[line["status"]],
                    paid_at=_time(line.get("paid_at")),
                )
                for line in answer["lines"]
            ]
        except (KeyError, TypeError, ValueError) as error:
            raise self._malformed(error) from None

    # -- HTTP -----------------------------------------------------------------------------------

    @staticmethod
    def _quote(out_trade_no: str) -> str:
        return requests.utils.quote(out_trade_no, safe="")

    def _order_call(self, method: str, path: str, out_trade_no: str) -> PaymentState:
        try:
            answer = self._call(method, path)
        except ProviderRefusedError as error:
            if error.provider_code == "order_not_found":
                return PaymentState(out_trade_no, PaymentStatus.UNKNOWN)
            raise
        try:
            return _state(answer)
        except (KeyError, TypeError, ValueError) as error:
            raise self._malformed(error) from None

    def _call(
        self,
        method: str,
        path: str,
        body: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        url = self.base_url + path
        try:
            response = self._session.request(
                method,
                url,
                json=body,
                headers=dict(headers or {}),
                params=params,
                timeout=self._timeout,
            )
        except requests.RequestException as error:
            raise ProviderUnavailableError(
                f"The payment simulator at {self.base_url} did not answer ({error}). "
                "Retry later; nothing is lost."
            ) from error
        try:
            answer = response.json()
        except ValueError:
            answer = None
        if response.status_code >= 500 or response.status_code == 429:
            raise ProviderUnavailableError(
                f"The payment simulator failed ({response.status_code}). Retry later."
            )
        if response.status_code >= 400:
            detail = answer.get("error") if isinstance(answer, dict) else None
            code = detail.get("code") if isinstance(detail, dict) else None
            message = detail.get("message") if isinstance(detail, dict) else None
            raise ProviderRefusedError(
                f"The payment simulator refused {method} {path}: "
                f"{message or response.reason} ({response.status_code}).",
                provider_code=code if isinstance(code, str) else None,
            )
        if not isinstance(answer, dict):
            raise self._malformed(ValueError(f"{method} {path} answered no JSON object"))
        return answer

    def _malformed(self, error: Exception) -> ProviderUnavailableError:
        return ProviderUnavailableError(
            f"The payment simulator's answer is not what its API documents ({error}). "
            "Retry later; nothing is lost."
        )
