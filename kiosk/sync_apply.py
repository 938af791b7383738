"""Applying the reference data pulled from the backend to the kiosk's database: tenants, staff,
meters, cards (their status is the blacklist: a blacklisted card is refused at its next tap),
tariff versions and holidays, with tombstones for what was deleted.

Everything one pull brought is applied in ONE transaction together with the new cursor, so a
crash half-way applies nothing and the next pull starts again from the old cursor. What a row
refers to is applied before the row (tenants before their meters and cards); deletions go the other
way round. Nothing here deletes history: a deleted tenant, meter or card that orders or cards
still refer to is kept (and logged); deleted staff are made inactive. Tenants, meters and cards
changed here are not reported back to the backend (they are its own data:
:func:`kiosk.outbox.applying_backend_data`).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kiosk import outbox, tariff_store
from kiosk.db.base import utcnow
from kiosk.db.models import (
    AuditEntry,
    Card,
    CardRole,
    CardStatus,
    Holiday,
    Meter,
    MeterKind,
    Staff,
    SyncState,
    Tenant,
)
from kiosk.tariffs import Tariff, TariffError

log = logging.getLogger(__name__)

#: the order upserts are applied in; deletions are applied in the reverse order
ORDER = ("tenant", "staff", "meter", "card", "tariff", "holiday")


@dataclass
class ApplyReport:
    #: rows created or updated, per type
    applied: dict[str, int] = field(default_factory=dict)
    #: tombstones applied, per type
    deleted: dict[str, int] = field(default_factory=dict)
    #: what could not be applied, for the technician (each also an audit entry)
    problems: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.applied.values()) + sum(self.deleted.values())


def newest(changes: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """One change per row, the newest: a row changed again between two pages appears twice."""
    latest: dict[tuple[str, str], dict[str, Any]] = {}
    for change in changes:
        key = (str(change["type"]), str(change["id"]))
        if key not in latest or change["rev"] > latest[key]["rev"]:
            latest[key] = change
    return sorted(latest.values(), key=lambda c: c["rev"])


def apply_changes(
    session: Session, kiosk_id: str, site_id: int, changes: list[dict[str, Any]], cursor: int
) -> ApplyReport:
    """Apply ``changes`` and save ``cursor`` in the caller's transaction. The cards written here
    are the backend's own: the outbox does not report them back."""
    with outbox.applying_backend_data(session):
        return _apply_changes(session, kiosk_id, site_id, changes, cursor)


def _apply_changes(
    session: Session, kiosk_id: str, site_id: int, changes: list[dict[str, Any]], cursor: int
) -> ApplyReport:
    report = ApplyReport()
    rows = newest(changes)
    upserts = [c for c in rows if not c["deleted"]]
    tombstones = [c for c in rows if c["deleted"]]
    for kind in ORDER:
        for change in (c for c in upserts if c["type"] == kind):
            try:
                with session.begin_nested():  # one bad row must not hold up all the others
                    _upsert(session, kind, change["data"], site_id, report)
            except (IntegrityError, KeyError, ValueError, TypeError) as exc:
                _problem(
                    session,
                    report,
                    f"{kind} {change['id']}",
                    f"{kind} {change['id']} not applied: {type(exc).__name__}: {exc}"[:250],
                )
    for kind in reversed(ORDER):
        for change in (c for c in tombstones if c["type"] == kind):
            _tombstone(session, kind, change["id"], report)
    for change in rows:
        if change["type"] not in ORDER:
            report.problems.append(f"unknown reference type {change['type']!r} (newer backend?)")
    state = session.get(SyncState, kiosk_id)
    if state is None:
        state = SyncState(kiosk_id=kiosk_id, cursor=0, clock_offset=0, last_error="")
        session.add(state)
    state.cursor = cursor
    state.last_pull_at = utcnow()
    session.flush()
    return report


def _count(table: dict[str, int], kind: str) -> None:
    table[kind] = table.get(kind, 0) + 1


def _problem(session: Session, report: ApplyReport, subject: str, text: str) -> None:
    log.warning("sync: %s", text)
    report.problems.append(text)
    session.add(
        AuditEntry(
            actor="sync",
            action="reference_not_applied",
            subject=subject[:128],
            detail={"problem": text},
        )
    )


def _upsert(
    session: Session, kind: str, data: dict[str, Any], site_id: int, report: ApplyReport
) -> None:
    if data.get("site_id") != site_id:
        _problem(
            session,
            report,
            f"{kind} {data.get('id', data.get('uid'))}",
            f"{kind} of site {data.get('site_id')} sent to a kiosk of site {site_id}",
        )
        return
    if kind == "tariff":
        _tariff(session, data, report)
        return
    apply = _APPLY.get(kind)
    if apply is None:
        return
    session.add(apply(session, data, site_id))
    session.flush()
    _count(report.applied, kind)


def _tenant(session: Session, data: dict[str, Any], site_id: int) -> Tenant:
    row = session.get(Tenant, data["id"]) or Tenant(id=data["id"])
    row.site_id, row.name = site_id, data["name"]
    row.unit, row.keep_power = data.get("unit", ""), bool(data.get("keep_power", False))
    return row


def _staff(session: Session, data: dict[str, Any], site_id: int) -> Staff:
    row = session.get(Staff, data["id"]) or Staff(id=data["id"])
    row.site_id, row.name = site_id, data["name"]
    row.role, row.active = data.get("role", "operator"), bool(data.get("active", True))
    # the PIN is set centrally; the lockout counters stay this kiosk's own
    if data.get("pin_hash"):
        row.pin_hash = data["pin_hash"]
    return row


def _meter(session: Session, data: dict[str, Any], site_id: int) -> Meter:
    row = session.get(Meter, data["id"]) or Meter(id=data["id"])
    row.site_id, row.tenant_id = site_id, data.get("tenant_id")
    row.kind, row.utility = MeterKind(data["kind"]), data["utility"]
    row.tariff_code = data["tariff_code"]
    # a networked meter's address lives in its local label (`meter register`): kept unless the
    # backend says otherwise
    if data.get("label") or row.label is None:
        row.label = data.get("label", "")
    return row


def _card(session: Session, data: dict[str, Any], site_id: int) -> Card:
    row = session.scalar(select(Card).where(Card.uid == data["uid"])) or Card(uid=data["uid"])
    row.site_id, row.role, row.serial = site_id, CardRole(data["role"]), data["serial"]
    row.tenant_id, row.meter_id = data.get("tenant_id"), data.get("meter_id")
    row.staff_id, row.status = data.get("staff_id"), CardStatus(data["status"])
    return row


def _holiday(session: Session, data: dict[str, Any], site_id: int) -> Holiday:
    day = dt.date.fromisoformat(data["day"])
    # the same day under another id (deleted and set again on the backend): one row per day
    session.execute(
        delete(Holiday).where(
            Holiday.site_id == site_id, Holiday.day == day, Holiday.id != data["id"]
        )
    )
    row = session.get(Holiday, data["id"]) or Holiday(id=data["id"])
    row.site_id, row.day, row.name = site_id, day, data.get("name", "")
    row.updated_at = utcnow()
    return row


#: how each type's row is created or updated from its data (tariffs go through tariff_store)
_APPLY: dict[str, Callable[[Session, dict[str, Any], int], object]] = {
    "tenant": _tenant,
    "staff": _staff,
    "meter": _meter,
    "card": _card,
    "holiday": _holiday,
}


def _tariff(session: Session, data: dict[str, Any], report: ApplyReport) -> None:
    try:
        tariff = Tariff.from_dict(data["definition"])
        valid_from = dt.datetime.fromisoformat(data["valid_from"])
        tariff_store.publish(session, tariff, created_by="backend", valid_from=valid_from)
    except (TariffError, ValueError, KeyError) as exc:
        # e.g. this kiosk published the same version with other prices while offline
        _problem(
            session,
            report,
            f"tariff {data.get('code')} v{data.get('version')}",
            f"tariff {data.get('code')} v{data.get('version')} not applied: {exc}",
        )
        return
    _count(report.applied, "tariff")


def _tombstone(session: Session, kind: str, key: Any, report: ApplyReport) -> None:
    if kind == "staff":
        row = session.get(Staff, key)
        if row is not None:
            row.active = False
            _count(report.deleted, kind)
        return
    target: Any = {
        "tenant": lambda: session.get(Tenant, key),
        "meter": lambda: session.get(Meter, key),
        "card": lambda: session.scalar(select(Card).where(Card.uid == key)),
        "holiday": lambda: session.get(Holiday, key),
        "tariff": lambda: None,  # tariff versions are never deleted: orders keep theirs
    }[kind]()
    if target is None:
        return
    try:
        with session.begin_nested():
            session.delete(target)
        _count(report.deleted, kind)
    except IntegrityError:
        # still referred to here (orders, cards of this kiosk): kept, so history stays whole
        log.info("sync: %s %s deleted on the backend is kept here: still referred to", kind, key)
