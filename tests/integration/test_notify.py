"""Notifications through real servers on 127.0.0.1: an SMTP sink (aiosmtpd) and an HTTP webhook."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from meters.notify import (
    SIGNATURE_HEADER,
    FanOut,
    LogNotifier,
    Notice,
    NoticeKind,
    Notifier,
    NotifyError,
    SmtpNotifier,
    WebhookNotifier,
    verify_signature,
)

SECRET = b"webhook-test-secret"
NOTICE = Notice(
    kind=NoticeKind.VERY_LOW_CREDIT,
    tenant_id=7,
    meter="meter 1001 (tcp://127.0.0.1:5020/3)",
    message="Credit is 4.20: top up soon to keep the supply.",
    at=dt.datetime(2026, 11, 25, 9, 30, tzinfo=dt.UTC),
    detail={"credit": 420, "alarm": "VERY_LOW"},
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Sink:
    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_sink() -> Iterator[tuple[Sink, int]]:
    sink = Sink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield sink, port
    finally:
        controller.stop()


class Hook:
    def __init__(self, status: int = 204) -> None:
        self.status = status
        self.requests: list[tuple[dict[str, str], bytes]] = []


@pytest.fixture
def webhook() -> Iterator[tuple[Hook, str]]:
    hook = Hook()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers["Content-Length"]))
            hook.requests.append((dict(self.headers.items()), body))
            self.send_response(hook.status)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield hook, f"http://127.0.0.1:{server.server_port}/prepay/notices"
    finally:
        server.shutdown()
        server.server_close()


def test_email_arrives_with_a_human_subject_and_body(smtp_sink: tuple[Sink, int]) -> None:
    sink, port = smtp_sink
    SmtpNotifier(
        "127.0.0.1",
        port,
        "kiosk@tower.example",
        ["tenant7@example.com", "ops@tower.example"],
        site_name="Test Tower",
    ).notify(NOTICE)

    assert len(sink.messages) == 1
    sender, recipients, raw = sink.messages[0]
    assert sender == "kiosk@tower.example"
    assert recipients == ["tenant7@example.com", "ops@tower.example"]
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert msg["Subject"] == (
        "[Test Tower] Very low credit: top up soon to keep the supply "
        "(meter meter 1001 (tcp://127.0.0.1:5020/3))"
    )
    body = msg.get_content()
    assert "Credit is 4.20: top up soon to keep the supply." in body
    assert "Tenant: 7" in body
    assert "Time (UTC): 2026-11-25 09:30:00" in body
    assert "Credit: 420" in body


def test_webhook_body_and_signature_verify(webhook: tuple[Hook, str]) -> None:
    hook, url = webhook
    WebhookNotifier(url, SECRET).notify(NOTICE)

    assert len(hook.requests) == 1
    headers, body = hook.requests[0]
    assert headers["Content-Type"] == "application/json"
    assert verify_signature(SECRET, body, headers[SIGNATURE_HEADER])
    assert not verify_signature(b"another secret", body, headers[SIGNATURE_HEADER])
    assert not verify_signature(SECRET, body + b" ", headers[SIGNATURE_HEADER])
    assert json.loads(body) == {
        "kind": "very_low_credit",
        "tenant_id": 7,
        "meter": "meter 1001 (tcp://127.0.0.1:5020/3)",
        "message": "Credit is 4.20: top up soon to keep the supply.",
        "at": "2026-11-25T09:30:00+00:00",
        "detail": {"credit": 420, "alarm": "VERY_LOW"},
    }


def test_webhook_refusal_is_a_notify_error(webhook: tuple[Hook, str]) -> None:
    hook, url = webhook
    hook.status = 500
    with pytest.raises(NotifyError, match=r"refused 'very_low_credit': HTTP 500"):
        WebhookNotifier(url, SECRET).notify(NOTICE)


def test_dead_smtp_server_is_a_clear_error_and_the_others_still_deliver(
    webhook: tuple[Hook, str], caplog: pytest.LogCaptureFixture
) -> None:
    hook, url = webhook
    dead = free_port()  # nothing listens here
    smtp = SmtpNotifier("127.0.0.1", dead, "kiosk@tower.example", ["ops@tower.example"], timeout=2)

    with pytest.raises(NotifyError) as direct:
        smtp.notify(NOTICE)
    assert f"SMTP server 127.0.0.1:{dead}" in direct.value.message
    assert "connection refused" in direct.value.message

    fan: Notifier = FanOut([smtp, LogNotifier(), WebhookNotifier(url, SECRET)])
    with caplog.at_level("INFO", logger="meters.notify"), pytest.raises(NotifyError) as failed:
        fan.notify(NOTICE)
    assert "1 of 3 notifiers failed" in failed.value.message
    assert f"127.0.0.1:{dead}" in failed.value.message
    assert len(hook.requests) == 1  # the webhook after the dead SMTP server still got it
    assert "very_low_credit: tenant 7" in caplog.text
