"""The hardware check: each part of the kiosk asked whether it works, with a sentence for staff.

Every check catches its own part's errors and turns them into a PROBLEM line, so one dead part
never hides the others. A part the kiosk was not set up with (no printer, no networked meters, no
sync backend yet) is NOT_CONFIGURED, said as such -- not passed off as working.
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
import os
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, text
from sqlalchemy.exc import SQLAlchemyError

from cardlib.errors import CardError
from cardlib.reader.base import Reader
from kiosk.admin import audit
from kiosk.db import Database
from kiosk.db.models import OutboxMessage
from kiosk.payments.provider import PaymentError, PaymentProvider, ProviderRefusedError
from kiosk.receipts.model import ReceiptError
from kiosk.receipts.printer import ReceiptPrinter
from meters.base import NetworkedMeter
from meters.errors import MeterError

log = logging.getLogger(__name__)

#: the networked meters to ask, by meter id, or a callable that builds them when the check runs
#: (e.g. ``lambda: kiosk.app.build_control_loop(kiosk, buses).meters``)
MeterSource = Mapping[int, NetworkedMeter] | Callable[[], Mapping[int, NetworkedMeter]]


class CheckStatus(enum.StrEnum):
    OK = "ok"
    PROBLEM = "problem"
    NOT_CONFIGURED = "not_configured"


@dataclass(frozen=True)
class HardwareCheck:
    component: str
    ok: bool
    detail: str
    status: CheckStatus


def _ok(component: str, detail: str) -> HardwareCheck:
    return HardwareCheck(component, True, detail, CheckStatus.OK)


def _problem(component: str, detail: str) -> HardwareCheck:
    return HardwareCheck(component, False, detail, CheckStatus.PROBLEM)


def _absent(component: str, detail: str) -> HardwareCheck:
    return HardwareCheck(component, False, detail, CheckStatus.NOT_CONFIGURED)


def check_reader(reader: Reader | None) -> HardwareCheck:
    if reader is None:
        return _problem("reader", "No card reader is connected: cards cannot be read or written.")
    try:
        present = reader.card_present()
    except CardError as exc:
        return _problem("reader", f"{reader.name}: {exc.message}")
    card = "a card is on it" if present else "no card on it"
    return _ok("reader", f"{reader.name} answers; {card}.")


def check_printer(printer: ReceiptPrinter | None) -> HardwareCheck:
    if printer is None:
        return _absent("printer", "No receipt printer is set up: receipts are shown on screen.")
    try:
        return _ok("printer", printer.check())
    except ReceiptError as exc:
        return _problem("printer", exc.message)


def check_provider(provider: PaymentProvider) -> HardwareCheck:
    """A query for an order nobody made: the cheapest question every provider answers."""
    name = f"payments ({provider.name})"
    try:
        provider.query(f"healthcheck-{uuid.uuid4().hex[:12]}")
    except ProviderRefusedError as exc:
        return _ok(name, f"{provider.name} answers (it refused the test query: {exc.message}).")
    except PaymentError as exc:
        return _problem(name, f"{provider.name} cannot be reached: {exc.message}")
    return _ok(name, f"{provider.name} answers.")


def check_meters(meters: MeterSource | None) -> list[HardwareCheck]:
    if meters is None:
        return [_absent("networked meters", "No networked meters are set up on this kiosk.")]
    try:
        found = meters() if callable(meters) else meters
    except Exception as exc:  # noqa: BLE001 - any failure to set the meters up is the finding
        return [_problem("networked meters", f"The meters could not be set up: {exc}")]
    if not found:
        return [_absent("networked meters", "No networked meters are registered.")]
    checks = []
    for meter_id, meter in sorted(found.items()):
        component = f"meter {meter_id}"
        try:
            reading = meter.read()
        except MeterError as exc:
            checks.append(_problem(component, f"{meter.address} does not answer: {exc.message}"))
            continue
        checks.append(
            _ok(
                component,
                f"{meter.address} answers: {reading.energy_wh} Wh, relay {reading.relay.value}.",
            )
        )
    return checks


def check_database(db: Database, actor: str, now: dt.datetime) -> HardwareCheck:
    """Written to (the check's own audit entry is the test write) and measured."""
    try:
        with db.session() as s:
            audit.record(s, actor, "hardware_check", "", {}, now)
        size = _database_size(db)
    except SQLAlchemyError as exc:
        return _problem("database", f"The database cannot be written: {exc.__class__.__name__}.")
    except OSError as exc:
        return _problem("database", f"Written to, but its size cannot be read: {exc.strerror}.")
    return _ok("database", f"Writable; {size / 1_000_000:.1f} MB.")


def _database_size(db: Database) -> int:
    url = db.engine.url
    if url.get_backend_name() == "sqlite":
        path = url.database or ""
        return sum(os.path.getsize(p) for p in (path, f"{path}-wal") if os.path.exists(p))
    with db.engine.connect() as conn:
        return int(conn.execute(text("select pg_database_size(current_database())")).scalar_one())


@dataclass(frozen=True)
class SyncStatus:
    #: False until the sync backend is set up ([sync] url): nothing is sent yet
    configured: bool
    unsent: int
    oldest_unsent: dt.datetime | None
    detail: str
    #: configured, the last run had no error and nothing has waited longer than SYNC_STALE
    healthy: bool = False


#: a backlog older than this means the kiosk has not reached the backend for too long
SYNC_STALE = dt.timedelta(hours=1)


def sync_status(
    db: Database,
    timezone: str = "UTC",
    backend_url: str | None = None,
    now: dt.datetime | None = None,
) -> SyncStatus:
    """The outbox backlog and, with a backend configured (``backend_url``), what the last sync
    runs did: a technician's first look when the dashboard misses a kiosk's top-ups."""
    from kiosk.db.models import SyncState

    with db.session() as s:
        unsent, oldest = s.execute(
            select(func.count(OutboxMessage.id), func.min(OutboxMessage.created_at)).where(
                OutboxMessage.sent_at.is_(None)
            )
        ).one()
        state = s.scalar(select(SyncState).limit(1))
        last_push = state.last_push_at if state else None
        last_error = state.last_error if state else ""
    zone = ZoneInfo(timezone)
    if unsent:
        oldest_aware = oldest if oldest.tzinfo else oldest.replace(tzinfo=dt.UTC)
        local = oldest_aware.astimezone(zone)
        plural = "s" if unsent != 1 else ""
        waiting = f"{unsent} message{plural} wait, the oldest from {local:%Y-%m-%d %H:%M}"
    else:
        oldest_aware, waiting = None, "nothing waits"
    if backend_url is None:
        return SyncStatus(
            configured=False,
            unsent=int(unsent),
            oldest_unsent=oldest_aware,
            detail=f"No sync backend is configured yet: {waiting}.",
        )
    parts = [f"Backend {backend_url}: {waiting}"]
    if last_push is not None:
        pushed = last_push if last_push.tzinfo else last_push.replace(tzinfo=dt.UTC)
        parts.append(f"last sent {pushed.astimezone(zone):%Y-%m-%d %H:%M}")
    else:
        parts.append("nothing sent yet")
    if last_error:
        parts.append(f"last error: {last_error}")
    now = now or dt.datetime.now(dt.UTC)
    stale = oldest_aware is not None and now - oldest_aware > SYNC_STALE
    return SyncStatus(
        configured=True,
        unsent=int(unsent),
        oldest_unsent=oldest_aware,
        detail="; ".join(parts) + ".",
        healthy=not last_error and not stale,
    )


def check_sync(
    db: Database, timezone: str = "UTC", backend_url: str | None = None
) -> HardwareCheck:
    status = sync_status(db, timezone, backend_url)
    if not status.configured:
        return _absent("sync", status.detail)
    return _ok("sync", status.detail) if status.healthy else _problem("sync", status.detail)


def run_checks(
    *,
    db: Database,
    provider: PaymentProvider,
    reader: Reader | None,
    printer: ReceiptPrinter | None,
    meters: MeterSource | None,
    actor: str,
    now: dt.datetime,
    timezone: str = "UTC",
    backend_url: str | None = None,
) -> list[HardwareCheck]:
    checks = [check_reader(reader), check_printer(printer), check_provider(provider)]
    checks += check_meters(meters)
    checks += [check_database(db, actor, now), check_sync(db, timezone, backend_url)]
    for c in checks:
        if c.status is CheckStatus.PROBLEM:
            log.warning("hardware check: %s: %s", c.component, c.detail)
    return checks
