"""The payment provider interface every implementation (simulator, gateways) satisfies.

A kiosk order is paid by the tenant's phone scanning a dynamic QR code. The kiosk persists its own
order reference (``out_trade_no``) and idempotency key *before* calling :meth:`create`, and reuses
them on every retry, so a crash or a timeout never makes a second charge. The provider's word is
final: a local timeout never marks an order failed on its own -- :meth:`query` and the day's
:meth:`statement` settle it.
"""

from __future__ import annotations

import abc
import datetime as dt
import enum
from collections.abc import Mapping
from dataclasses import dataclass, field


class PaymentError(Exception):
    """Root of kiosk.payments errors; ``code`` is stable, the message says what to do."""

    code = "payment_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ProviderUnavailableError(PaymentError):
    """The provider did not answer (network, timeout, 5xx): retry with the same key later."""

    code = "provider_unavailable"


class ProviderRefusedError(PaymentError):
    """The provider answered with a refusal (bad request, unknown order, limits).

    ``provider_code`` is the provider's own machine-readable reason when it gave one
    (``refund_exceeds_paid``, ``resource_missing``, …), for logs and for tests."""

    code = "provider_refused"

    def __init__(self, message: str, provider_code: str | None = None) -> None:
        super().__init__(message)
        self.provider_code = provider_code


class BadNotificationError(PaymentError):
    """A notification failed its signature, freshness or shape check; it is logged and ignored."""

    code = "bad_notification"


class PaymentStatus(enum.Enum):
    PENDING = "pending"  # created, not paid yet (WAIT_BUYER_PAY, NOTPAY, open session)
    PAID = "paid"  # the money is taken
    CLOSED = "closed"  # cancelled or expired unpaid: it can no longer be paid
    REFUNDED = "refunded"  # paid, then refunded in full
    UNKNOWN = "unknown"  # the provider has no such order (yet): not paid as far as it knows


@dataclass(frozen=True)
class CreatedPayment:
    provider_ref: str  # the provider's own id for the payment
    qr_payload: str  # exactly what the QR code encodes
    expires_at: dt.datetime  # aware, UTC


@dataclass(frozen=True)
class PaymentState:
    out_trade_no: str
    status: PaymentStatus
    amount: int | None = None  # minor units the provider says were paid
    currency: int | None = None
    provider_ref: str | None = None
    paid_at: dt.datetime | None = None


@dataclass(frozen=True)
class Notification:
    """A verified notification: the provider says this order is now in this state."""

    event_id: str  # the provider's id for the event (dedupe on it)
    state: PaymentState


@dataclass(frozen=True)
class Refund:
    refund_no: str  # the kiosk's unique id for this refund (idempotent per refund_no)
    amount: int
    status: PaymentStatus


@dataclass(frozen=True)
class StatementLine:
    out_trade_no: str
    amount: int
    currency: int
    status: PaymentStatus
    paid_at: dt.datetime | None = None


@dataclass(frozen=True)
class OrderRequest:
    out_trade_no: str  # the kiosk's order reference, unique, persisted before create()
    idempotency_key: str
    amount: int  # minor units
    currency: int  # ISO 4217 numeric
    description: str
    expires_in: dt.timedelta
    metadata: Mapping[str, str] = field(default_factory=dict)


class PaymentProvider(abc.ABC):
    """One payment method the kiosk can take (a gateway, the simulator)."""

    #: short stable name stored on orders and shown on the Z report ("simulator", "stripe", …)
    name: str

    @abc.abstractmethod
    def create(self, order: OrderRequest) -> CreatedPayment:
        """Create (or, with the same idempotency key, return again) a payment for ``order``."""

    # ``provider_ref`` is what :meth:`create` returned, as the kiosk stored it. Providers that
    # can look a payment up by ``out_trade_no`` ignore it; some (Stripe Checkout) cannot, and use
    # it to avoid a slow search. None means "not known" (create timed out), never "no payment".

    @abc.abstractmethod
    def query(self, out_trade_no: str, provider_ref: str | None = None) -> PaymentState:
        """Ask the provider where the payment stands."""

    @abc.abstractmethod
    def cancel(self, out_trade_no: str, provider_ref: str | None = None) -> PaymentState:
        """Close an unpaid payment. If it was paid meanwhile, say so (status PAID): the caller
        then credits it, never drops it."""

    @abc.abstractmethod
    def refund(
        self, out_trade_no: str, refund_no: str, amount: int, provider_ref: str | None = None
    ) -> Refund:
        """Refund ``amount`` of a paid payment; idempotent per ``refund_no``."""

    @abc.abstractmethod
    def verify_notification(self, headers: Mapping[str, str], body: bytes) -> Notification:
        """Check a notification's signature and freshness and parse it, or raise
        :class:`BadNotificationError`."""

    @abc.abstractmethod
    def statement(self, day: dt.date) -> list[StatementLine]:
        """The provider's record of the day's payments, for reconciliation."""
