"""The backend's settings, from the environment (or built directly by tests and the CLI).

Secrets have no defaults (DESIGN.md §3): a missing admin token or secret key stops the server at
start-up with a sentence naming the variable.

    PREPAY_BACKEND_DB                 database URL (default: sqlite:///backend.db in the current
                                      directory; postgresql+psycopg://… in production)
    PREPAY_BACKEND_ADMIN_TOKEN        the administrator's bearer token (at least 16 characters)
    PREPAY_BACKEND_SECRET_KEY         64 hex digits: the AES-256 key kiosk secrets are sealed with
    PREPAY_BACKEND_LOW_CREDIT         low-credit notice threshold, minor units (default 2000)
    PREPAY_BACKEND_NOTIFY_WEBHOOK     optional: notices are also POSTed there, signed with
    PREPAY_BACKEND_NOTIFY_WEBHOOK_SECRET
    PREPAY_BACKEND_SESSION_SECRET     optional: signs the dashboard's session cookies (at least 32
                                      characters, the same on every worker); by default a key
                                      derived from PREPAY_BACKEND_SECRET_KEY
    PREPAY_BACKEND_SECURE_COOKIES     1: the session cookie is sent over HTTPS only (set it
                                      behind a TLS-terminating load balancer); default 0
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from backend.errors import SettingsError
from meters.notify import FanOut, LogNotifier, Notifier, WebhookNotifier

ENV_DB = "PREPAY_BACKEND_DB"
ENV_ADMIN_TOKEN = "PREPAY_BACKEND_ADMIN_TOKEN"
ENV_SECRET_KEY = "PREPAY_BACKEND_SECRET_KEY"
ENV_LOW_CREDIT = "PREPAY_BACKEND_LOW_CREDIT"
ENV_WEBHOOK = "PREPAY_BACKEND_NOTIFY_WEBHOOK"
ENV_WEBHOOK_SECRET = "PREPAY_BACKEND_NOTIFY_WEBHOOK_SECRET"
ENV_SESSION_SECRET = "PREPAY_BACKEND_SESSION_SECRET"
ENV_SECURE_COOKIES = "PREPAY_BACKEND_SECURE_COOKIES"

DEFAULT_DB = "sqlite:///backend.db"
MIN_TOKEN = 16
MIN_SESSION_SECRET = 32


@dataclass(frozen=True)
class Settings:
    admin_token: str = field(repr=False)
    #: 32 bytes: kiosk secrets are stored sealed under it (backend.secretbox)
    secret_key: bytes = field(repr=False)
    database_url: str = DEFAULT_DB
    #: a card meter's credit below this (minor units) is a low-credit notice
    low_credit: int = 20_00
    webhook_url: str = ""
    webhook_secret: str = field(default="", repr=False)
    #: signs the dashboard's session cookies; empty: derived from ``secret_key`` (session_key)
    session_secret: str = field(default="", repr=False)
    #: the session cookie only over HTTPS (production, behind TLS)
    secure_cookies: bool = False

    def __post_init__(self) -> None:
        if len(self.admin_token) < MIN_TOKEN:
            raise SettingsError(
                f"the admin token must be at least {MIN_TOKEN} characters: set {ENV_ADMIN_TOKEN}"
            )
        if len(self.secret_key) != 32:
            raise SettingsError(
                f"the secret key must be 32 bytes (64 hex digits): set {ENV_SECRET_KEY}"
            )
        if not self.database_url.startswith(("sqlite", "postgresql")):
            raise SettingsError(
                f"the database URL must be sqlite:///… or postgresql+psycopg://…, not "
                f"{self.database_url!r} ({ENV_DB} or --db)"
            )
        if self.low_credit < 0:
            raise SettingsError(f"{ENV_LOW_CREDIT} must be 0 or more minor units")
        if self.webhook_url:
            if urlsplit(self.webhook_url).scheme not in ("http", "https"):
                raise SettingsError(f"{ENV_WEBHOOK} must be an http(s):// URL")
            if not self.webhook_secret:
                raise SettingsError(f"the notification webhook needs {ENV_WEBHOOK_SECRET}")
        if self.session_secret and len(self.session_secret) < MIN_SESSION_SECRET:
            raise SettingsError(
                f"{ENV_SESSION_SECRET} must be at least {MIN_SESSION_SECRET} characters "
                '(python -c "import secrets; print(secrets.token_hex(32))")'
            )

    @property
    def session_key(self) -> str:
        """What signs the dashboard's session cookies. Without its own secret, a key derived from
        the secret key under a label of its own: every worker derives the same one, and a cookie
        signature reveals nothing of the key that seals the kiosks' secrets."""
        if self.session_secret:
            return self.session_secret
        return hmac.new(self.secret_key, b"prepay dashboard session v1", hashlib.sha256).hexdigest()

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        token = env.get(ENV_ADMIN_TOKEN, "")
        if not token:
            raise SettingsError(
                f"no admin token: set {ENV_ADMIN_TOKEN} (at least {MIN_TOKEN} characters)"
            )
        raw_key = env.get(ENV_SECRET_KEY, "")
        if not raw_key:
            raise SettingsError(
                f"no secret key for the kiosk secrets: set {ENV_SECRET_KEY} to 64 hex digits "
                '(python -c "import secrets; print(secrets.token_hex(32))")'
            )
        try:
            key = bytes.fromhex(raw_key)
        except ValueError:
            raise SettingsError(f"{ENV_SECRET_KEY} must be 64 hex digits") from None
        low = env.get(ENV_LOW_CREDIT, "2000")
        if not low.isdigit():
            raise SettingsError(f"{ENV_LOW_CREDIT} must be a whole number of minor units")
        secure = env.get(ENV_SECURE_COOKIES, "0").strip().lower()
        if secure not in ("0", "1", "true", "false", "yes", "no", ""):
            raise SettingsError(f"{ENV_SECURE_COOKIES} must be 1 or 0")
        return cls(
            admin_token=token,
            secret_key=key,
            database_url=env.get(ENV_DB) or DEFAULT_DB,
            low_credit=int(low),
            webhook_url=env.get(ENV_WEBHOOK, ""),
            webhook_secret=env.get(ENV_WEBHOOK_SECRET, ""),
            session_secret=env.get(ENV_SESSION_SECRET, ""),
            secure_cookies=secure in ("1", "true", "yes"),
        )

    def notifier(self) -> Notifier:
        """Where notices go: the log always, the webhook when one is set."""
        notifiers: list[Notifier] = [LogNotifier()]
        if self.webhook_url:
            notifiers.append(WebhookNotifier(self.webhook_url, self.webhook_secret.encode()))
        return notifiers[0] if len(notifiers) == 1 else FanOut(notifiers)
