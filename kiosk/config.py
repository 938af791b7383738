"""Kiosk configuration: a TOML file, with secrets allowed to come from the environment instead.

Secrets never have defaults. A missing or malformed one stops the program at start-up with a
sentence that names the setting and where to put it.
"""

from __future__ import annotations

import datetime as dt
import os
import tomllib
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cardlib.crypto.keys import KeyRing

ENV_CONFIG = "PREPAY_KIOSK_CONFIG"
ENV_SITE_KEY = "PREPAY_SITE_KEY"  # hex, 16 bytes: key version 1's site master key
ENV_METER_KEY = "PREPAY_METER_KEY"  # hex, 16 bytes: key version 1's meter master key
ENV_WEBHOOK_SECRET = "PREPAY_NOTIFY_WEBHOOK_SECRET"  # the notification webhook's HMAC secret
ENV_STRIPE_WEBHOOK_SECRET = "PREPAY_WEBHOOK_SECRET"  # Stripe's endpoint secret (payments)
ENV_RECEIPT_KEY = "PREPAY_RECEIPT_KEY"  # hex, >= 16 bytes: signs the receipts' verification links
ENV_SYNC_SECRET = "PREPAY_SYNC_SECRET"  # the kiosk's HMAC secret for the backend (enrolment)

#: the touchscreen's preset top-ups, in major units of the site currency
DEFAULT_PRESETS_MAJOR = (20, 50, 100, 200)
PRINTER_KINDS = ("none", "file", "network")
#: receipt widths in printer columns: 58 mm and 80 mm paper (kiosk.receipts.text)
PRINTER_WIDTHS = (32, 48)


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


@dataclass(frozen=True)
class ControlMeterConfig:
    """One networked meter the control loop drives: its id in the database, where it answers."""

    id: int
    #: Modbus: tcp://host:port/<device id> or rtu:///dev/ttyUSB0/<device id>; DL/T 645:
    #: dlt645:///dev/ttyUSB0/<meter address> or dlt645+tcp://host:port/<meter address>
    address: str
    #: a Modbus register profile name (meters/profiles) or a .toml path; "dlt645" for DL/T 645
    profile: str

    @property
    def dlt645(self) -> bool:
        return urlsplit(self.address).scheme in DLT645_SCHEMES


#: address schemes of DL/T 645-2007 meters (meters/dlt645); the rest are Modbus
DLT645_SCHEMES = ("dlt645", "dlt645+tcp")


@dataclass
class NotifyConfig:
    log: bool = True
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_from: str = ""
    smtp_to: list[str] = field(default_factory=list)
    webhook_url: str = ""
    #: from $PREPAY_NOTIFY_WEBHOOK_SECRET preferably (never the payment webhook's secret)
    webhook_secret: str = ""


@dataclass
class PolicyConfig:
    """The low-credit policy of every networked meter (meters.policy.Policy), amounts in minor
    units of the site currency; keep-power comes from the tenant."""

    low: int = 20_00
    very_low: int = 5_00
    emergency: int = 0
    reconnect: int = 1_00
    friendly: list[tuple[dt.time, dt.time]] = field(default_factory=list)
    timezone: str = "UTC"
    holidays: list[dt.date] = field(default_factory=list)


@dataclass
class ControlConfig:
    poll_interval_s: float = 60.0
    #: consecutive failures before a silent meter is reported
    report_after: int = 3
    meters: list[ControlMeterConfig] = field(default_factory=list)
    policy: PolicyConfig = field(default_factory=PolicyConfig)
    notify: NotifyConfig = field(default_factory=NotifyConfig)


@dataclass
class SessionConfig:
    """The tenant's touchscreen session (``[kiosk]``): timeouts in seconds, presets in minor units
    of the site currency."""

    #: back to the attract screen after this long without a touch (account, amount, done, message)
    idle_timeout: float = 60.0
    #: how long a card pulled away mid-write is waited for before its credit is left pending
    card_away_timeout: float = 60.0
    presets: tuple[int, ...] = tuple(major * 100 for major in DEFAULT_PRESETS_MAJOR)


@dataclass
class PrinterConfig:
    """The receipt printer (``[printer]``): none, an ESC/POS device file, or a network printer."""

    kind: str = "none"
    #: kind "file": the device file (/dev/usb/lp0) or any file
    path: str = ""
    #: kind "network": the printer's address and raw port
    host: str = ""
    port: int = 9100
    #: printer columns: 32 on 58 mm paper, 48 on 80 mm
    width: int = 32


@dataclass
class ReceiptsConfig:
    """The receipts' signed verification link (``[receipts]``); no link when ``verify_url`` is
    empty. The key comes from $PREPAY_RECEIPT_KEY preferably."""

    verify_url: str = ""
    key: bytes = b""


@dataclass
class SyncConfig:
    """Sync with the management platform (``[sync]``); off while ``url`` is empty. The secret
    comes from $PREPAY_SYNC_SECRET preferably."""

    url: str = ""
    secret: str = field(default="", repr=False)
    #: seconds between runs while they succeed (failures back off on their own)
    interval_s: float = 60.0
    #: seconds a request may take
    timeout_s: float = 10.0
    #: outbox messages per push
    batch: int = 200

    @property
    def enabled(self) -> bool:
        return bool(self.url)


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
    control: ControlConfig = field(default_factory=ControlConfig)
    session: SessionConfig = field(default_factory=SessionConfig)
    printer: PrinterConfig = field(default_factory=PrinterConfig)
    receipts: ReceiptsConfig = field(default_factory=ReceiptsConfig)
    sync: SyncConfig = field(default_factory=SyncConfig)

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
    payments.webhook_secret = os.environ.get(ENV_STRIPE_WEBHOOK_SECRET, payments.webhook_secret)
    if payments.provider not in ("simulator", "stripe"):
        raise ConfigError(f"{source}: [payments] provider must be 'simulator' or 'stripe'.")
    if payments.provider == "stripe" and not payments.secret:
        raise ConfigError(
            f"{source}: Stripe needs its secret key: [payments] secret or PREPAY_PAYMENTS_SECRET."
        )
    currency = int(site.get("currency", 156))
    control = _control(data.get("control", {}), currency, source)
    kiosk_table = _table(data.get("kiosk", {}), "[kiosk]", source)
    _only(kiosk_table, {"id", "idle_timeout", "card_away_timeout", "presets"}, "[kiosk]", source)
    return Config(
        site_id=site_id,
        keys=ring,
        current_key_version=current,
        currency=currency,
        reader=reader,
        source=source,
        kiosk_id=str(kiosk_table.get("id", "K1")),
        database_url=str(data.get("database", {}).get("url", "")),
        payments=payments,
        control=control,
        session=_session(kiosk_table, currency, source),
        printer=_printer(data.get("printer", {}), source),
        receipts=_receipts(data.get("receipts", {}), source),
        sync=_sync(data.get("sync", {}), source),
    )


# -- [kiosk], [printer], [receipts] ----------------------------------------------------------------


def _seconds(value: Any, name: str, source: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        raise ConfigError(f"{source}: {name} must be a number of seconds > 0, not {value!r}.")
    return float(value)


def _session(table: dict, currency: int, source: str) -> SessionConfig:
    from kiosk.money import exponent

    idle = _seconds(table.get("idle_timeout", 60), "[kiosk] idle_timeout", source)
    away = _seconds(table.get("card_away_timeout", 60), "[kiosk] card_away_timeout", source)
    raw = table.get("presets")
    if raw is None:
        presets = tuple(major * 10 ** exponent(currency) for major in DEFAULT_PRESETS_MAJOR)
    else:
        if not isinstance(raw, list) or not raw:
            raise ConfigError(
                f'{source}: [kiosk] presets must be a list of amounts, e.g. ["20.00", "50.00"].'
            )
        presets = tuple(
            _minor(v, f"[kiosk] presets #{i + 1}", currency, source) for i, v in enumerate(raw)
        )
        if 0 in presets:
            raise ConfigError(f"{source}: [kiosk] presets must be more than zero.")
        if len(set(presets)) != len(presets):
            raise ConfigError(f"{source}: [kiosk] presets lists an amount twice.")
    return SessionConfig(idle_timeout=idle, card_away_timeout=away, presets=presets)


def _printer(data: Any, source: str) -> PrinterConfig:
    p = _table(data, "[printer]", source)
    _only(p, {"kind", "path", "host", "port", "width"}, "[printer]", source)
    kind = _str(p.get("kind", "none"), "[printer] kind", source)
    if kind not in PRINTER_KINDS:
        raise ConfigError(
            f"{source}: [printer] kind must be one of {', '.join(PRINTER_KINDS)}, not {kind!r}."
        )
    config = PrinterConfig(
        kind=kind,
        path=_str(p.get("path", ""), "[printer] path", source),
        host=_str(p.get("host", ""), "[printer] host", source),
        port=_int(p.get("port", 9100), "[printer] port", source, 1),
        width=_int(p.get("width", 32), "[printer] width", source, 1),
    )
    if config.port > 65535:
        raise ConfigError(f"{source}: [printer] port must be 1..65535, not {config.port}.")
    if config.width not in PRINTER_WIDTHS:
        raise ConfigError(
            f"{source}: [printer] width must be 32 (58 mm paper) or 48 (80 mm), not {config.width}."
        )
    if kind == "file" and not config.path:
        raise ConfigError(f'{source}: [printer] kind "file" needs path (e.g. /dev/usb/lp0).')
    if kind == "network" and not config.host:
        raise ConfigError(f'{source}: [printer] kind "network" needs host (the printer\'s IP).')
    return config


def _receipts(data: Any, source: str) -> ReceiptsConfig:
    from kiosk.receipts.qr import MIN_KEY_BYTES

    r = _table(data, "[receipts]", source)
    _only(r, {"verify_url", "key"}, "[receipts]", source)
    url = _str(r.get("verify_url", ""), "[receipts] verify_url", source)
    if not url:
        return ReceiptsConfig()
    if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).netloc:
        raise ConfigError(f"{source}: [receipts] verify_url must be http(s)://…, not {url!r}.")
    key_hex = os.environ.get(ENV_RECEIPT_KEY) or _str(r.get("key", ""), "[receipts] key", source)
    if not key_hex:
        raise ConfigError(
            f"{source}: the receipt verification link needs its key: set {ENV_RECEIPT_KEY} (or "
            f"[receipts] key), {MIN_KEY_BYTES * 2} hex digits or more."
        )
    try:
        key = bytes.fromhex(key_hex)
    except ValueError:
        raise ConfigError(f"{source}: the receipt key is not hex digits.") from None
    if len(key) < MIN_KEY_BYTES:
        raise ConfigError(
            f"{source}: the receipt key must be at least {MIN_KEY_BYTES} bytes "
            f"({MIN_KEY_BYTES * 2} hex digits), got {len(key)}."
        )
    return ReceiptsConfig(verify_url=url, key=key)


# -- [sync] ---------------------------------------------------------------------------------------


def _sync(data: Any, source: str) -> SyncConfig:
    t = _table(data, "[sync]", source)
    _only(t, {"url", "secret", "interval_s", "timeout_s", "batch"}, "[sync]", source)
    url = _str(t.get("url", ""), "[sync] url", source).strip()
    if url and (urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).netloc):
        raise ConfigError(f"{source}: [sync] url must be http(s)://host[:port], not {url!r}.")
    secret = os.environ.get(ENV_SYNC_SECRET) or _str(t.get("secret", ""), "[sync] secret", source)
    if url and not secret:
        raise ConfigError(
            f"{source}: sync with {url} needs the kiosk's secret from its enrolment: set "
            f"{ENV_SYNC_SECRET} (or [sync] secret)."
        )
    batch = _int(t.get("batch", 200), "[sync] batch", source, 1)
    if batch > 500:
        raise ConfigError(f"{source}: [sync] batch must be 500 or less (the backend's limit).")
    return SyncConfig(
        url=url,
        secret=secret,
        interval_s=_seconds(t.get("interval_s", 60), "[sync] interval_s", source),
        timeout_s=_seconds(t.get("timeout_s", 10), "[sync] timeout_s", source),
        batch=batch,
    )


# -- [control] -------------------------------------------------------------------------------------


def _table(value: Any, name: str, source: str) -> dict:
    if not isinstance(value, dict):
        raise ConfigError(f"{source}: {name} must be a table.")
    return value


def _only(table: dict, allowed: set[str], name: str, source: str) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise ConfigError(
            f"{source}: unknown setting {name} {unknown[0]!r} "
            f"(known: {', '.join(sorted(allowed))})."
        )


def _int(value: Any, name: str, source: str, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ConfigError(f"{source}: {name} must be a whole number >= {minimum}, not {value!r}.")
    return value


def _str(value: Any, name: str, source: str) -> str:
    if not isinstance(value, str):
        raise ConfigError(f"{source}: {name} must be a string, not {value!r}.")
    return value


def _minor(value: Any, name: str, currency: int, source: str) -> int:
    """An amount ("20.00" or 20) in minor units of ``currency``; zero allowed, negative not."""
    from kiosk.money import exponent

    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ConfigError(f'{source}: {name} must be an amount such as "20.00", not {value!r}.')
    try:
        amount = Decimal(str(value)).scaleb(exponent(currency))
    except InvalidOperation:
        raise ConfigError(f"{source}: {name} is not an amount: {value!r}.") from None
    if not amount.is_finite() or amount < 0 or amount != amount.to_integral_value():
        raise ConfigError(
            f"{source}: {name} must be an amount >= 0 with at most {exponent(currency)} decimals, "
            f"not {value!r}."
        )
    return int(amount)


def _window(value: Any, name: str, source: str) -> tuple[dt.time, dt.time]:
    try:
        start, end = (part.strip() for part in _str(value, name, source).split("-"))
        if not (len(start) == len(end) == 5 and start[2] == end[2] == ":"):
            raise ValueError(value)
        return dt.time.fromisoformat(start), dt.time.fromisoformat(end)
    except ValueError:
        raise ConfigError(f'{source}: {name} must be "HH:MM-HH:MM", not {value!r}.') from None


def _control(data: Any, currency: int, source: str) -> ControlConfig:
    c = _table(data, "[control]", source)
    _only(c, {"poll_interval_s", "report_after", "meters", "policy", "notify"}, "[control]", source)
    interval = c.get("poll_interval_s", 60)
    if isinstance(interval, bool) or not isinstance(interval, int | float) or interval <= 0:
        raise ConfigError(
            f"{source}: [control] poll_interval_s must be a number of seconds > 0, not "
            f"{interval!r}."
        )
    report_after = _int(c.get("report_after", 3), "[control] report_after", source, 1)

    meters: list[ControlMeterConfig] = []
    raw_meters = c.get("meters", [])
    if not isinstance(raw_meters, list):
        raise ConfigError(f"{source}: [control] meters must be a list of [[control.meters]].")
    seen: set[int] = set()
    for i, m in enumerate(raw_meters):
        where = f"[[control.meters]] #{i + 1}"
        m = _table(m, where, source)
        _only(m, {"id", "address", "profile"}, where, source)
        address = _str(m.get("address", ""), f"{where} address", source)
        dlt = urlsplit(address).scheme in DLT645_SCHEMES
        for key in ("id", "address") if dlt else ("id", "address", "profile"):
            if key not in m:
                raise ConfigError(f"{source}: {where} {key} is missing.")
        meter_id = _int(m["id"], f"{where} id", source, 1)
        if meter_id in seen:
            raise ConfigError(f"{source}: {where} id {meter_id} is listed twice.")
        seen.add(meter_id)
        parts = urlsplit(address)
        if dlt:
            from meters.dlt645.driver import Dlt645Buses
            from meters.errors import MeterError

            try:  # parses the address only: nothing is opened until the loop runs
                Dlt645Buses.parse(address)
            except MeterError as exc:
                raise ConfigError(f"{source}: {where} address: {exc.message}") from None
            meters.append(ControlMeterConfig(meter_id, address, "dlt645"))
            continue
        if parts.scheme not in ("tcp", "rtu") or not parts.path.rpartition("/")[2].isdigit():
            raise ConfigError(
                f"{source}: {where} address must be tcp://host:port/<device id> (or "
                f"rtu:///dev/ttyUSB0/<device id>, dlt645:///dev/ttyUSB0/<meter address>), "
                f"not {address!r}."
            )
        profile = _str(m["profile"], f"{where} profile", source)
        from meters.errors import ProfileError
        from meters.modbus.profile import load_profile

        try:
            load_profile(profile)
        except ProfileError as exc:
            raise ConfigError(f"{source}: {where} profile: {exc.message}") from None
        meters.append(ControlMeterConfig(meter_id, address, profile))

    p = _table(c.get("policy", {}), "[control.policy]", source)
    known = {"low", "very_low", "emergency", "reconnect", "friendly", "timezone", "holidays"}
    _only(p, known, "[control.policy]", source)
    defaults = PolicyConfig()
    amounts = {
        key: _minor(p[key], f"[control.policy] {key}", currency, source)
        if key in p
        else getattr(defaults, key)
        for key in ("low", "very_low", "emergency", "reconnect")
    }
    friendly = p.get("friendly", [])
    if isinstance(friendly, str):
        friendly = [friendly]
    if not isinstance(friendly, list):
        raise ConfigError(f'{source}: [control.policy] friendly must be a list of "HH:MM-HH:MM".')
    windows = [_window(w, "[control.policy] friendly", source) for w in friendly]
    timezone = _str(p.get("timezone", "UTC"), "[control.policy] timezone", source)
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"{source}: [control.policy] timezone {timezone!r} is not a time zone (e.g. "
            '"Asia/Shanghai").'
        ) from None
    holidays: list[dt.date] = []
    raw_holidays = p.get("holidays", [])
    if not isinstance(raw_holidays, list):
        raise ConfigError(f"{source}: [control.policy] holidays must be a list of dates.")
    for h in raw_holidays:
        try:
            day = h if isinstance(h, dt.date) and not isinstance(h, dt.datetime) else None
            holidays.append(day or dt.date.fromisoformat(_str(h, "", source)))
        except (ValueError, ConfigError):
            raise ConfigError(
                f"{source}: [control.policy] holidays must hold dates (2026-10-01), not {h!r}."
            ) from None
    policy = PolicyConfig(**amounts, friendly=windows, timezone=timezone, holidays=holidays)
    if policy.very_low > policy.low:
        raise ConfigError(f"{source}: [control.policy] very_low must not be above low.")

    n = _table(c.get("notify", {}), "[control.notify]", source)
    _only(n, {"log", "smtp", "webhook"}, "[control.notify]", source)
    log = n.get("log", True)
    if not isinstance(log, bool):
        raise ConfigError(f"{source}: [control.notify] log must be true or false.")
    notify = NotifyConfig(log=log)
    if "smtp" in n:
        smtp = _table(n["smtp"], "[control.notify.smtp]", source)
        _only(smtp, {"host", "port", "from", "to"}, "[control.notify.smtp]", source)
        for key in ("host", "from", "to"):
            if key not in smtp:
                raise ConfigError(f"{source}: [control.notify.smtp] {key} is missing.")
        notify.smtp_host = _str(smtp["host"], "[control.notify.smtp] host", source)
        notify.smtp_port = _int(smtp.get("port", 25), "[control.notify.smtp] port", source, 1)
        notify.smtp_from = _str(smtp["from"], "[control.notify.smtp] from", source)
        to = smtp["to"]
        to = [to] if isinstance(to, str) else to
        if not isinstance(to, list) or not to or not all(isinstance(a, str) for a in to):
            raise ConfigError(
                f"{source}: [control.notify.smtp] to must be an address or a list of them."
            )
        notify.smtp_to = list(to)
    if "webhook" in n:
        hook = _table(n["webhook"], "[control.notify.webhook]", source)
        _only(hook, {"url", "secret"}, "[control.notify.webhook]", source)
        if "url" not in hook:
            raise ConfigError(f"{source}: [control.notify.webhook] url is missing.")
        notify.webhook_url = _str(hook["url"], "[control.notify.webhook] url", source)
        if urlsplit(notify.webhook_url).scheme not in ("http", "https"):
            raise ConfigError(f"{source}: [control.notify.webhook] url must be http(s)://….")
        notify.webhook_secret = os.environ.get(ENV_WEBHOOK_SECRET) or _str(
            hook.get("secret", ""), "[control.notify.webhook] secret", source
        )
        if not notify.webhook_secret:
            raise ConfigError(
                f"{source}: the notification webhook needs its secret: set {ENV_WEBHOOK_SECRET} "
                "(or [control.notify.webhook] secret)."
            )
    return ControlConfig(
        poll_interval_s=float(interval),
        report_after=report_after,
        meters=meters,
        policy=policy,
        notify=notify,
    )
