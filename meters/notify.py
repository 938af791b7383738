"""Notifications to tenants and staff: low credit, disconnection, reconnection, a silent meter.

One small interface (:class:`Notifier`) and its implementations: a log line, an e-mail (SMTP), a
webhook (JSON POST signed with HMAC-SHA256), and a fan-out to several. A notifier that cannot
deliver raises :class:`NotifyError` (a :class:`meters.errors.MeterError`), so the caller logs it and
goes on: a failed e-mail never stops the control loop. The fan-out delivers to every notifier it
can and then reports the ones that failed in one NotifyError.
"""

from __future__ import annotations

import abc
import datetime as dt
import enum
import hashlib
import hmac
import json
import logging
import smtplib
import socket
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any

from meters.errors import MeterError

log = logging.getLogger(__name__)

#: the webhook's signature header: "sha256=" + hex HMAC-SHA256 of the raw body
SIGNATURE_HEADER = "X-Prepay-Signature"


class NoticeKind(enum.Enum):
    LOW_CREDIT = "low_credit"
    VERY_LOW_CREDIT = "very_low_credit"
    EMERGENCY_CREDIT = "emergency_credit"
    CREDIT_EXHAUSTED = "credit_exhausted"  # out of credit, supply kept (friendly hours, keep-power)
    DISCONNECTED = "disconnected"
    RECONNECTED = "reconnected"
    METER_UNREACHABLE = "meter_unreachable"
    METER_BACK = "meter_back"  # an unreachable meter answers again
    RELAY_FAILED = "relay_failed"  # a relay command was not confirmed


#: the subject line of each kind (the body carries the details)
SUBJECTS = {
    NoticeKind.LOW_CREDIT: "Low credit: please top up",
    NoticeKind.VERY_LOW_CREDIT: "Very low credit: top up soon to keep the supply",
    NoticeKind.EMERGENCY_CREDIT: "Running on emergency credit",
    NoticeKind.CREDIT_EXHAUSTED: "Credit exhausted: the supply is kept on, debt accrues",
    NoticeKind.DISCONNECTED: "Supply disconnected: credit exhausted",
    NoticeKind.RECONNECTED: "Supply reconnected",
    NoticeKind.METER_UNREACHABLE: "Meter not answering",
    NoticeKind.METER_BACK: "Meter answering again",
    NoticeKind.RELAY_FAILED: "Relay command not confirmed",
}


@dataclass(frozen=True)
class Notice:
    kind: NoticeKind
    tenant_id: int | None
    meter: str  # the meter's id and address, as a technician reads it
    message: str  # one or two sentences for a person
    at: dt.datetime  # aware UTC
    detail: dict[str, Any] = field(default_factory=dict)  # credit, alarm, attempts…

    @property
    def subject(self) -> str:
        return SUBJECTS[self.kind]

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "tenant_id": self.tenant_id,
            "meter": self.meter,
            "message": self.message,
            "at": self.at.isoformat(),
            "detail": self.detail,
        }


class NotifyError(MeterError):
    """A notification could not be delivered; the message says where and why."""

    code = "notify_failed"


class Notifier(abc.ABC):
    @abc.abstractmethod
    def notify(self, notice: Notice) -> None:
        """Deliver ``notice``, or raise NotifyError."""


class LogNotifier(Notifier):
    """A log line per notice (WARNING for what needs action, INFO for the rest)."""

    QUIET = frozenset({NoticeKind.RECONNECTED, NoticeKind.METER_BACK, NoticeKind.LOW_CREDIT})

    def __init__(self, logger: logging.Logger | None = None) -> None:
        self.logger = logger or log

    def notify(self, notice: Notice) -> None:
        level = logging.INFO if notice.kind in self.QUIET else logging.WARNING
        self.logger.log(
            level,
            "%s: tenant %s, meter %s: %s",
            notice.kind.value,
            notice.tenant_id,
            notice.meter,
            notice.message,
        )


class SmtpNotifier(Notifier):
    """An e-mail per notice through an SMTP server (STARTTLS and login when configured)."""

    def __init__(
        self,
        host: str,
        port: int,
        sender: str,
        recipients: Sequence[str],
        *,
        starttls: bool = False,
        username: str | None = None,
        password: str | None = None,
        timeout: float = 10.0,
        site_name: str = "Prepay Kiosk",
    ) -> None:
        if not recipients:
            raise ValueError("SmtpNotifier needs at least one recipient")
        self.host, self.port = host, port
        self.sender, self.recipients = sender, list(recipients)
        self.starttls, self.username, self.password = starttls, username, password
        self.timeout, self.site_name = timeout, site_name

    def message(self, notice: Notice) -> EmailMessage:
        msg = EmailMessage()
        msg["Subject"] = f"[{self.site_name}] {notice.subject} (meter {notice.meter})"
        msg["From"] = self.sender
        msg["To"] = ", ".join(self.recipients)
        msg["Date"] = format_datetime(notice.at)
        msg["Message-ID"] = make_msgid(domain="prepay-kiosk.local")
        lines = [
            notice.message,
            "",
            f"Meter: {notice.meter}",
            f"Tenant: {notice.tenant_id if notice.tenant_id is not None else '-'}",
            f"Time (UTC): {notice.at.astimezone(dt.UTC):%Y-%m-%d %H:%M:%S}",
        ]
        lines += [
            f"{key.replace('_', ' ').capitalize()}: {value}" for key, value in notice.detail.items()
        ]
        msg.set_content("\n".join(lines) + "\n")
        return msg

    def notify(self, notice: Notice) -> None:
        where = f"SMTP server {self.host}:{self.port}"
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                if self.starttls:
                    smtp.starttls()
                if self.username:
                    smtp.login(self.username, self.password or "")
                smtp.send_message(self.message(notice))
        except (smtplib.SMTPException, OSError) as exc:
            raise NotifyError(
                f"e-mail '{notice.subject}' not sent through {where}: {_describe(exc)}"
            ) from exc


class WebhookNotifier(Notifier):
    """POST the notice as JSON, signed: header ``X-Prepay-Signature: sha256=<hex HMAC of body>``.

    The receiver recomputes the HMAC-SHA256 of the raw body with the shared secret and compares
    in constant time (:func:`verify_signature`). Any answer other than 2xx is a failure."""

    def __init__(self, url: str, secret: bytes, timeout: float = 10.0) -> None:
        if not secret:
            raise ValueError("WebhookNotifier needs a secret (from the configuration)")
        self.url, self.secret, self.timeout = url, secret, timeout

    def notify(self, notice: Notice) -> None:
        body = json.dumps(notice.to_json(), sort_keys=True, separators=(",", ":")).encode()
        request = urllib.request.Request(
            self.url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                SIGNATURE_HEADER: sign(self.secret, body),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                status = response.status
        except urllib.error.HTTPError as exc:
            raise NotifyError(
                f"webhook {self.url} refused '{notice.kind.value}': HTTP {exc.code} {exc.reason}"
            ) from exc
        except (urllib.error.URLError, OSError) as exc:
            reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
            raise NotifyError(
                f"webhook {self.url} not reached for '{notice.kind.value}': {_describe(reason)}"
            ) from exc
        if not 200 <= status < 300:
            raise NotifyError(f"webhook {self.url} answered HTTP {status} to '{notice.kind.value}'")


def sign(secret: bytes, body: bytes) -> str:
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


def verify_signature(secret: bytes, body: bytes, header: str | None) -> bool:
    return header is not None and hmac.compare_digest(sign(secret, body), header)


class FanOut(Notifier):
    """Every notice to every notifier; failures are collected, never stop the others."""

    def __init__(self, notifiers: Sequence[Notifier]) -> None:
        self.notifiers = list(notifiers)

    def notify(self, notice: Notice) -> None:
        failures: list[str] = []
        for notifier in self.notifiers:
            try:
                notifier.notify(notice)
            except NotifyError as exc:
                failures.append(exc.message)
        if failures:
            raise NotifyError(
                f"{len(failures)} of {len(self.notifiers)} notifiers failed: " + "; ".join(failures)
            )


def _describe(exc: object) -> str:
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused (is the server running on that port?)"
    if isinstance(exc, socket.timeout | TimeoutError):
        return "timed out"
    return f"{type(exc).__name__}: {exc}" if isinstance(exc, BaseException) else str(exc)
