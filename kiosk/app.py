"""The composition root: the kiosk's parts built from its configuration, once, for the command line
and (later) the touchscreen. Dependencies are passed in here and nowhere looked up."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from cardlib.reader.base import Reader
from cardlib.reader.spec import open_reader
from cardlib.service import CardService
from kiosk.card_counters import DbCounterStore
from kiosk.config import Config, ConfigError
from kiosk.db import Database
from kiosk.db.models import Site
from kiosk.payments.provider import PaymentProvider
from kiosk.topup.service import TopUpService


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


def build(config: Config) -> Kiosk:
    db = Database(config.db_url)
    db.migrate()
    with db.session() as s:
        if s.get(Site, config.site_id) is None:
            s.add(Site(id=config.site_id, name=f"Site {config.site_id}", currency=config.currency))
    cards = CardService(
        config.keys, config.site_id, DbCounterStore(db), key_version=config.current_key_version
    )
    provider, simulator = _provider(config)
    topup = TopUpService(db, cards, provider, config.kiosk_id)
    return Kiosk(config, db, cards, provider, topup, simulator)


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
