"""Kiosk configuration: a TOML file, with secrets allowed to come from the environment instead.

Secrets never have defaults. A missing or malformed one stops the program at start-up with a
sentence that names the setting and where to put it.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from cardlib.crypto.keys import KeyRing

ENV_CONFIG = "PREPAY_KIOSK_CONFIG"
ENV_SITE_KEY = "PREPAY_SITE_KEY"  # hex, 16 bytes: key version 1's site master key
ENV_METER_KEY = "PREPAY_METER_KEY"  # hex, 16 bytes: key version 1's meter master key


class ConfigError(Exception):
    """A setting is missing or wrong; the message says which and where to put it."""


@dataclass
class ReaderConfig:
    #: a reader spec as cardlib.reader.spec.open_reader takes it: pcsc, pcsc:NAME, nfc:PATH,
    #: emulated:FILE
    spec: str = "pcsc"


@dataclass
class PaymentsConfig:
    #: "simulator" (the embedded default) or "stripe"
    provider: str = "simulator"
    #: the simulator's or gateway's base URL; empty for the simulator: start one in-process
    url: str = ""
    #: the simulator's notification secret / Stripe's secret key (from the environment preferably)
    secret: str = ""
    #: Stripe webhook endpoint secret
    webhook_secret: str = ""


@dataclass
class Config:
    site_id: int
    keys: KeyRing
    current_key_version: int
    currency: int = 156
    reader: ReaderConfig = field(default_factory=ReaderConfig)
    source: str = "<defaults>"
    #: where the kiosk keeps its own state (the database by default) -- beside the configuration
    state_dir: Path = field(default_factory=Path.cwd)
    kiosk_id: str = "K1"
    database_url: str = ""
    payments: PaymentsConfig = field(default_factory=PaymentsConfig)

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{self.state_dir / 'kiosk.db'}"


def load(path: str | os.PathLike[str] | None = None) -> Config:
    """Load the configuration from ``path``, ``$PREPAY_KIOSK_CONFIG``, or ``./kiosk.toml``."""
    chosen = path or os.environ.get(ENV_CONFIG) or "kiosk.toml"
    file = Path(chosen)
    if not file.exists():
        raise ConfigError(
            f"No configuration file at {file}. Create one (see docs/operations.md) or set "
            f"{ENV_CONFIG} to its path."
        )
    try:
        data = tomllib.loads(file.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{file} is not valid TOML: {exc}") from exc
    config = from_mapping(data, source=str(file))
    config.state_dir = file.resolve().parent
    return config


def from_mapping(data: dict, source: str = "<mapping>") -> Config:
    site = data.get("site", {})
    if "id" not in site:
        raise ConfigError(f"{source}: [site] id is missing (the site id printed on the cards).")
    try:
        site_id = int(site["id"])
    except (TypeError, ValueError):
        raise ConfigError(f"{source}: [site] id must be a whole number.") from None
    keys_table = dict(data.get("keys", {}))
    if ENV_SITE_KEY in os.environ or ENV_METER_KEY in os.environ:
        v1 = dict(keys_table.get("1", {}))
        v1.setdefault("site", os.environ.get(ENV_SITE_KEY, ""))
        v1.setdefault("meter", os.environ.get(ENV_METER_KEY, ""))
        keys_table["1"] = v1
    if not keys_table:
        raise ConfigError(
            f"{source}: no master keys. Add a [keys.1] table with 'site' and 'meter' (32 hex "
            f"digits each), or set {ENV_SITE_KEY} and {ENV_METER_KEY}."
        )
    try:
        ring = KeyRing.from_mapping(keys_table)
    except ValueError as exc:
        raise ConfigError(f"{source}: {exc}") from exc
    current = int(site.get("key_version", max(int(v) for v in keys_table)))
    try:
        reader = ReaderConfig(**data.get("reader", {}))
    except TypeError as exc:
        raise ConfigError(f"{source}: [reader] takes only 'spec' ({exc}).") from None
    try:
        payments = PaymentsConfig(**data.get("payments", {}))
    except TypeError as exc:
        raise ConfigError(f"{source}: unknown setting in [payments] ({exc}).") from None
    payments.secret = os.environ.get("PREPAY_PAYMENTS_SECRET", payments.secret)
    payments.webhook_secret = os.environ.get("PREPAY_WEBHOOK_SECRET", payments.webhook_secret)
    if payments.provider not in ("simulator", "stripe"):
        raise ConfigError(f"{source}: [payments] provider must be 'simulator' or 'stripe'.")
    if payments.provider == "stripe" and not payments.secret:
        raise ConfigError(
            f"{source}: Stripe needs its secret key: [payments] secret or PREPAY_PAYMENTS_SECRET."
        )
    return Config(
        site_id=site_id,
        keys=ring,
        current_key_version=current,
        currency=int(site.get("currency", 156)),
        reader=reader,
        source=source,
        kiosk_id=str(data.get("kiosk", {}).get("id", "K1")),
        database_url=str(data.get("database", {}).get("url", "")),
        payments=payments,
    )
