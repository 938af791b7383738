"""Notices to tenants and staff raised by what the kiosks report, through the same interface as the
control loop's (:class:`meters.notify.Notifier`): low credit and emergency credit from the state a
card meter wrote back on its card; disconnection, reconnection and a relay that did not answer
from the relay commands of networked meters.

A notice is recorded (``notices``) in the transaction that applies the message, so the same message
never raises it twice, and only a crossing raises one (a meter already low when read again is not
noticed again). It is delivered after the commit: a failed e-mail or webhook is recorded on the
notice for staff, and never refuses the kiosk's push.

A networked meter's wallet running low is noticed where its control loop runs, at the kiosk
(kiosk.metering.loop, through the kiosk's own notifier): the backend raises it only for card meters,
whose state nobody else sees, and for the relay commands the kiosks report.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from sqlalchemy.orm import Session

from backend.db import Database
from backend.db.base import utcnow
from backend.db.models import (
    KioskRow,
    MeterRow,
    MeterStateRecord,
    NoticeRecord,
    RelayRecord,
    SiteRow,
)
from kiosk.money import format_amount
from meters.notify import Notice, NoticeKind, Notifier, NotifyError

log = logging.getLogger(__name__)

#: ISO 4217 156 (CNY): the currency of a site the backend cannot find (it always can in practice)
DEFAULT_CURRENCY = 156


def after_meter_state(
    session: Session,
    state: MeterStateRecord,
    previous: MeterStateRecord | None,
    low_credit: int,
) -> list[int]:
    """Low credit when a meter's credit falls below ``low_credit``, emergency credit when it goes
    below zero -- each when crossed, not at every reading."""
    before = previous.credit if previous is not None else None
    meter = f"card meter {state.meter_id}"
    credit = format_amount(state.credit, _currency(session, state))
    if state.credit < 0 and (before is None or before >= 0):
        return [
            _record(
                session,
                NoticeKind.EMERGENCY_CREDIT,
                state,
                meter,
                f"Meter {state.meter_id} is running on emergency credit ({credit}): top up now "
                "or the supply will be cut.",
                {"credit": state.credit, "reading": state.reading},
            )
        ]
    if 0 <= state.credit < low_credit and (before is None or before >= low_credit):
        return [
            _record(
                session,
                NoticeKind.LOW_CREDIT,
                state,
                meter,
                f"Meter {state.meter_id} has {credit} of credit left: please top up.",
                {"credit": state.credit, "reading": state.reading, "threshold": low_credit},
            )
        ]
    return []


def _currency(session: Session, state: MeterStateRecord) -> int:
    """The currency of the meter's site, or else of the reporting kiosk's site (a meter the
    backend was not told of yet)."""
    meter = session.get(MeterRow, state.meter_id) if state.meter_id < 2**31 else None
    site_id = meter.site_id if meter is not None else None
    if site_id is None:
        kiosk = session.get(KioskRow, state.kiosk_id)
        site_id = kiosk.site_id if kiosk is not None else None
    site = session.get(SiteRow, site_id) if site_id is not None else None
    return site.currency if site is not None else DEFAULT_CURRENCY


def after_relay_command(session: Session, relay: RelayRecord, was_confirmed: bool) -> list[int]:
    """Disconnected / reconnected when the meter confirmed the command; relay failed when the
    command came back with an error."""
    meter = f"meter {relay.meter_id}"
    if relay.confirmed and not was_confirmed:
        kind = NoticeKind.RECONNECTED if relay.closed else NoticeKind.DISCONNECTED
        what = "reconnected" if relay.closed else "disconnected"
        return [
            _record(
                session,
                kind,
                relay,
                meter,
                f"Meter {relay.meter_id} was {what}: {relay.reason}.",
                {"reason": relay.reason},
            )
        ]
    if relay.error and not relay.confirmed:
        return [
            _record(
                session,
                NoticeKind.RELAY_FAILED,
                relay,
                meter,
                f"Meter {relay.meter_id} did not confirm its relay command: {relay.error}.",
                {"reason": relay.reason, "error": relay.error},
            )
        ]
    return []


def _record(
    session: Session,
    kind: NoticeKind,
    source: MeterStateRecord | RelayRecord,
    meter: str,
    message: str,
    detail: dict,
) -> int:
    meter_row = session.get(MeterRow, source.meter_id) if source.meter_id < 2**31 else None
    notice = NoticeRecord(
        at=utcnow(),
        kind=kind.value,
        tenant_id=meter_row.tenant_id if meter_row is not None else None,
        meter=meter,
        message=message,
        detail={**detail, "meter_id": source.meter_id},
        kiosk_id=source.kiosk_id,
        seq=source.seq,
    )
    session.add(notice)
    session.flush()
    return notice.id


def deliver(db: Database, notifier: Notifier, notice_ids: Sequence[int]) -> None:
    """Send the recorded notices; record on each whether it went out."""
    for notice_id in notice_ids:
        with db.session() as s:
            row = s.get(NoticeRecord, notice_id)
            if row is None or row.delivered:
                continue
            notice = Notice(
                kind=NoticeKind(row.kind),
                tenant_id=row.tenant_id,
                meter=row.meter,
                message=row.message,
                at=row.at,
                detail=dict(row.detail),
            )
        try:
            notifier.notify(notice)
            delivered, error = True, ""
        except NotifyError as exc:
            log.warning("notice %s not delivered: %s", notice_id, exc.message)
            delivered, error = False, exc.message[:255]
        with db.session() as s:
            row = s.get(NoticeRecord, notice_id)
            if row is not None:
                row.delivered, row.error = delivered, error
