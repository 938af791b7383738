"""The composition root: the kiosk's parts built from its configuration, once, for the command line
and (later) the touchscreen. Dependencies are passed in here and nowhere looked up."""

from __future__ import annotations

import dataclasses
import logging
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING

from cardlib.reader.base import Reader
from cardlib.reader.spec import open_reader
from cardlib.service import CardService
from kiosk.card_counters import DbCounterStore
from kiosk.config import Config, ConfigError
from kiosk.db import Database
from kiosk.db.models import Site
from kiosk.payments.provider import PaymentProvider
from kiosk.topup.service import TopUpService

if TYPE_CHECKING:
    from kiosk.metering import ControlLoop
    from kiosk.sync import Syncer
    from meters.modbus.driver import ModbusBuses
    from meters.notify import Notifier
    from meters.policy import Policy

log = logging.getLogger(__name__)

#: how `meter register --kind modbus` records a networked meter's address in Meter.label
MODBUS_LABEL = "modbus {profile} {address}"


@dataclass
class Kiosk:
    config: Config
    db: Database
    cards: CardService
    provider: PaymentProvider
    topup: TopUpService
    #: the payment simulator started in-process when no simulator URL is configured
    simulator: object | None = None

    def reader(self, spec: str | None = None) -> Reader:
        return open_reader(spec or self.config.reader.spec)

    def close(self) -> None:
        if self.simulator is not None:
            self.simulator.stop()  # type: ignore[attr-defined]
        self.db.dispose()


def open_database(config: Config) -> Database:
    """The kiosk's database, migrated, with its site row; every change the backend must hear
    about is written to the outbox under ``[kiosk] id`` (kiosk.outbox)."""
    db = Database(config.db_url, kiosk_id=config.kiosk_id)
    db.migrate()
    with db.session() as s:
        if s.get(Site, config.site_id) is None:
            s.add(Site(id=config.site_id, name=f"Site {config.site_id}", currency=config.currency))
    return db


def build(config: Config) -> Kiosk:
    db = open_database(config)
    cards = CardService(
        config.keys, config.site_id, DbCounterStore(db), key_version=config.current_key_version
    )
    provider, simulator = _provider(config)
    topup = TopUpService(db, cards, provider, config.kiosk_id)
    return Kiosk(config, db, cards, provider, topup, simulator)


def build_syncer(config: Config, db: Database) -> Syncer | None:
    """Sync with the backend per ``[sync]``; None when no backend is configured. Run it with
    ``Syncer.run_once()`` or on a thread: ``SyncWorker(syncer, config.sync.interval_s).start()``."""
    if not config.sync.enabled:
        return None
    from kiosk.sync import Syncer
    from kiosk.sync_client import SyncClient

    client = SyncClient(
        config.sync.url, config.kiosk_id, config.sync.secret, timeout=config.sync.timeout_s
    )
    return Syncer(db, client, config.kiosk_id, config.site_id, batch=config.sync.batch)


def _provider(config: Config) -> tuple[PaymentProvider, object | None]:
    p = config.payments
    if p.provider == "simulator":
        from kiosk.payments.simulator.client import SimulatorProvider

        if p.url:
            if not p.secret:
                raise ConfigError(
                    f"{config.source}: the simulator at {p.url} needs its notification secret: "
                    "[payments] secret or PREPAY_PAYMENTS_SECRET."
                )
            return SimulatorProvider(p.url, p.secret), None
        from kiosk.payments.simulator.server import PaymentSimulator

        secret = secrets.token_hex(16)  # in-process: a throw-away secret nobody else needs
        simulator = PaymentSimulator(secret).start()
        return SimulatorProvider(simulator.url, secret), simulator
    from kiosk.payments.stripe import StripeCheckoutProvider

    return (
        StripeCheckoutProvider(
            p.secret, p.webhook_secret, success_url=p.url or "https://example.invalid/paid"
        ),
        None,
    )


# -- the control loop for networked meters ---------------------------------------------------------


def modbus_label(address: str, profile: str) -> str:
    """The Meter.label of a networked meter registered from the command line."""
    return MODBUS_LABEL.format(profile=profile, address=address)


def parse_modbus_label(label: str) -> tuple[str, str] | None:
    """(address, profile) from a label written by :func:`modbus_label`, else None."""
    parts = label.split()
    if len(parts) == 3 and parts[0] == "modbus":
        return parts[2], parts[1]
    return None


def control_policy(config: Config) -> Policy:
    from meters.policy import FriendlyWindow, Policy

    p = config.control.policy
    return Policy(
        low_credit=p.low,
        very_low_credit=p.very_low,
        emergency_credit=p.emergency,
        reconnect_threshold=p.reconnect,
        friendly=tuple(FriendlyWindow(start, end) for start, end in p.friendly),
        holidays=frozenset(p.holidays),
        timezone=p.timezone,
    )


def control_notifier(config: Config) -> Notifier:
    from meters.notify import FanOut, LogNotifier, SmtpNotifier, WebhookNotifier

    n = config.control.notify
    notifiers: list[Notifier] = []
    if n.log:
        notifiers.append(LogNotifier())
    if n.smtp_host:
        notifiers.append(SmtpNotifier(n.smtp_host, n.smtp_port, n.smtp_from, n.smtp_to))
    if n.webhook_url:
        notifiers.append(WebhookNotifier(n.webhook_url, n.webhook_secret.encode()))
    return notifiers[0] if len(notifiers) == 1 else FanOut(notifiers)


def build_control_loop(kiosk: Kiosk, buses: ModbusBuses | None = None) -> ControlLoop:
    """The control loop over the kiosk's database: a Modbus driver per networked meter, from
    ``[control] meters`` or else from the address `meter register --kind modbus` recorded; the
    ``[control.policy]`` for every meter (keep-power from the tenant); ``[control.notify]``.

    Pass ``buses`` to close the Modbus connections afterwards (``buses.close()``)."""
    from sqlalchemy import select

    from kiosk.db.models import Holiday, Meter, MeterKind
    from kiosk.metering import ControlLoop
    from meters.buses import MeterBuses
    from meters.errors import MeterError

    config = kiosk.config
    # MeterBuses: Modbus and DL/T 645 meters alike, by their address
    buses = buses if buses is not None else MeterBuses()
    wanted: dict[int, tuple[str, str]] = {
        m.id: (m.address, m.profile) for m in config.control.meters
    }
    with kiosk.db.session() as s:
        rows = list(s.scalars(select(Meter).where(Meter.kind == MeterKind.MODBUS)))
    in_db = {row.id for row in rows}
    for row in rows:
        if row.id not in wanted and (found := parse_modbus_label(row.label)) is not None:
            wanted[row.id] = found
    for meter_id in sorted(set(wanted) - in_db):
        log.warning(
            "[control] meter %s is not a networked meter in the database: register it with "
            "`prepay-kiosk meter register --kind modbus` (not polled until then)",
            meter_id,
        )
    drivers = {}
    for meter_id, (address, profile) in wanted.items():
        try:
            drivers[meter_id] = buses.meter(address, profile)
        except MeterError as exc:
            raise ConfigError(f"{config.source}: meter {meter_id}: {exc.message}") from exc
    policy = control_policy(config)
    with kiosk.db.session() as s:
        # public holidays pulled from the backend count as well as the configured ones (read at
        # start: a holiday synced later applies from the next start of the loop)
        synced = set(s.scalars(select(Holiday.day).where(Holiday.site_id == config.site_id)))
    if synced:
        policy = dataclasses.replace(policy, holidays=policy.holidays | synced)
    return ControlLoop(
        kiosk.db,
        drivers,
        lambda meter, tenant: policy,
        control_notifier(config),
        report_after=config.control.report_after,
    )
