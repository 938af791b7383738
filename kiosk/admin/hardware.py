"""The hardware check: each part of the kiosk asked whether it works, with a sentence for staff
(kiosk.admin.messages: the screen translates it; ``detail`` is the English).

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
from kiosk.admin.messages import Sentence, card_sentence, say, word
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
    #: the part, in English (logs)
    component: str
    ok: bool
    #: what was found, for staff
    said: Sentence
    status: CheckStatus
    #: the part, for staff
    part: Sentence

    @property
    def detail(self) -> str:
        """:attr:`said` in English."""
        return self.said.text


def _check(part: Sentence, said: Sentence, status: CheckStatus) -> HardwareCheck:
    return HardwareCheck(part.text, status is CheckStatus.OK, said, status, part)


def _ok(part: Sentence, said: Sentence) -> HardwareCheck:
    return _check(part, said, CheckStatus.OK)


def _problem(part: Sentence, said: Sentence) -> HardwareCheck:
    return _check(part, said, CheckStatus.PROBLEM)


def _absent(part: Sentence, said: Sentence) -> HardwareCheck:
    return _check(part, said, CheckStatus.NOT_CONFIGURED)


def check_reader(reader: Reader | None) -> HardwareCheck:
    part = say("part_reader")
    if reader is None:
        return _problem(part, say("hw_no_reader"))
    try:
        present = reader.card_present()
    except CardError as exc:
        return _problem(
            part, say("hw_reader_problem", reader=reader.name, problem=card_sentence(exc.code))
        )
    key = "hw_reader_card" if present else "hw_reader_no_card"
    return _ok(part, say(key, reader=reader.name))


def check_printer(printer: ReceiptPrinter | None) -> HardwareCheck:
    part = say("part_printer")
    if printer is None:
        return _absent(part, say("hw_no_printer"))
    try:
        # the printer adapter's own words (kiosk.receipts.printer), framed by the sentence
        return _ok(part, say("hw_printer_state", state=printer.check()))
    except ReceiptError as exc:
        return _problem(part, say("hw_printer_problem", problem=exc.message))


def check_provider(provider: PaymentProvider) -> HardwareCheck:
    """A query for an order nobody made: the cheapest question every provider answers."""
    part = say("part_payments", provider=provider.name)
    try:
        provider.query(f"healthcheck-{uuid.uuid4().hex[:12]}")
    except ProviderRefusedError as exc:
        return _ok(part, say("hw_provider_refused", provider=provider.name, detail=exc.message))
    except PaymentError as exc:
        return _problem(
            part, say("hw_provider_unreachable", provider=provider.name, detail=exc.message)
        )
    return _ok(part, say("hw_provider_ok", provider=provider.name))


def check_meters(meters: MeterSource | None) -> list[HardwareCheck]:
    part = say("part_meters")
    if meters is None:
        return [_absent(part, say("hw_no_meters"))]
    try:
        found = meters() if callable(meters) else meters
    except Exception as exc:  # noqa: BLE001 - any failure to set the meters up is the finding
        return [_problem(part, say("hw_meters_not_set_up", detail=exc))]
    if not found:
        return [_absent(part, say("hw_no_meters_registered"))]
    checks = []
    for meter_id, meter in sorted(found.items()):
        one = say("part_meter", meter=meter_id)
        try:
            reading = meter.read()
        except MeterError as exc:
            checks.append(
                _problem(one, say("hw_meter_silent", address=meter.address, detail=exc.message))
            )
            continue
        said = say(
            "hw_meter_ok",
            address=meter.address,
            energy=reading.energy_wh,
            relay=word("relay", reading.relay.value),
        )
        checks.append(_ok(one, said))
    return checks


def check_database(db: Database, actor: str, now: dt.datetime) -> HardwareCheck:
    """Written to (the check's own audit entry is the test write) and measured."""
    part = say("part_database")
    try:
        with db.session() as s:
            audit.record(s, actor, "hardware_check", "", {}, now)
        size = _database_size(db)
    except SQLAlchemyError as exc:
        return _problem(part, say("hw_db_unwritable", error=exc.__class__.__name__))
    except OSError as exc:
        return _problem(part, say("hw_db_size_unknown", error=exc.strerror))
    return _ok(part, say("hw_db_ok", size=f"{size / 1_000_000:.1f}"))


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
    #: the backend, the backlog, the last run, for staff
    said: Sentence
    #: configured, the last run had no error, nothing has waited longer than SYNC_STALE and the
    #: reference data (blocked cards) was pulled within REFERENCE_STALE
    healthy: bool = False

    @property
    def detail(self) -> str:
        """:attr:`said` in English."""
        return self.said.text


#: a backlog older than this means the kiosk has not reached the backend for too long
SYNC_STALE = dt.timedelta(hours=1)
#: reference data older than this: a card blocked on the dashboard since may still be accepted
REFERENCE_STALE = dt.timedelta(hours=24)


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
        last_pull = state.last_pull_at if state else None
        last_error = state.last_error if state else ""
    zone = ZoneInfo(timezone)
    if unsent:
        oldest_aware = oldest if oldest.tzinfo else oldest.replace(tzinfo=dt.UTC)
        local = oldest_aware.astimezone(zone)
        key = "sync_one_waits" if unsent == 1 else "sync_many_wait"
        waiting = say(key, n=unsent, when=f"{local:%Y-%m-%d %H:%M}")
    else:
        oldest_aware, waiting = None, say("sync_nothing_waits")
    if backend_url is None:
        return SyncStatus(
            configured=False,
            unsent=int(unsent),
            oldest_unsent=oldest_aware,
            said=say("sync_not_configured", waiting=waiting),
        )
    if last_push is not None:
        pushed = last_push if last_push.tzinfo else last_push.replace(tzinfo=dt.UTC)
        sent = say("sync_last_sent", when=f"{pushed.astimezone(zone):%Y-%m-%d %H:%M}")
    else:
        sent = say("sync_nothing_sent")
    pulled_at = None
    if last_pull is not None:
        pulled_at = last_pull if last_pull.tzinfo else last_pull.replace(tzinfo=dt.UTC)
        pulled = say("sync_last_pulled", when=f"{pulled_at.astimezone(zone):%Y-%m-%d %H:%M}")
    else:
        pulled = say("sync_nothing_pulled")
    common = {"url": backend_url, "waiting": waiting, "sent": sent, "pulled": pulled}
    if last_error:
        said = say("sync_backend_error", **common, error=last_error)
    else:
        said = say("sync_backend", **common)
    now = now or dt.datetime.now(dt.UTC)
    # the blacklist is only as fresh as the last pull: never, or a day ago, is worth a look
    stale = pulled_at is None or now - pulled_at > REFERENCE_STALE
    stale = stale or (oldest_aware is not None and now - oldest_aware > SYNC_STALE)
    return SyncStatus(
        configured=True,
        unsent=int(unsent),
        oldest_unsent=oldest_aware,
        said=said,
        healthy=not last_error and not stale,
    )


def check_sync(
    db: Database, timezone: str = "UTC", backend_url: str | None = None
) -> HardwareCheck:
    status = sync_status(db, timezone, backend_url)
    part = say("part_sync")
    if not status.configured:
        return _absent(part, status.said)
    return _ok(part, status.said) if status.healthy else _problem(part, status.said)


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
