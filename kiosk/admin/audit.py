"""The audit log as admin mode writes and reads it: who did what, to what, and why.

Entries are written in the transaction of the change they report (or in their own, for attempts
that change nothing, such as a refused PIN), and never carry a PIN, a key or a full card dump.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk.admin.errors import InvalidInputError
from kiosk.admin.messages import say
from kiosk.db import Database
from kiosk.db.models import AuditEntry

MAX_ROWS = 1000


def staff_actor(staff_id: int) -> str:
    return f"staff:{staff_id}"


def card_actor(uid: str) -> str:
    return f"card:{uid}"


def record(
    session: Session,
    actor: str,
    action: str,
    subject: str = "",
    detail: dict[str, Any] | None = None,
    at: dt.datetime | None = None,
) -> None:
    entry = AuditEntry(actor=actor, action=action, subject=subject[:128], detail=detail or {})
    if at is not None:
        entry.at = at
    session.add(entry)


@dataclass(frozen=True)
class AuditRow:
    id: int
    at: dt.datetime
    actor: str
    action: str
    subject: str
    detail: dict[str, Any]


def audit_log(
    db: Database,
    limit: int = 100,
    *,
    actor: str | None = None,
    action: str | None = None,
    subject: str | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> list[AuditRow]:
    """The newest entries first, at most ``limit`` (1..1000), filtered by exact actor, action and
    subject and by time (``since`` inclusive, ``until`` exclusive, aware datetimes)."""
    if not 1 <= limit <= MAX_ROWS:
        raise InvalidInputError(say("audit_limit", max=MAX_ROWS, n=limit))
    for name, value in (("since", since), ("until", until)):
        if value is not None and value.tzinfo is None:
            raise InvalidInputError(say("audit_time_zone", name=name))
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if actor:
        query = query.where(AuditEntry.actor == actor)
    if action:
        query = query.where(AuditEntry.action == action)
    if subject:
        query = query.where(AuditEntry.subject == subject)
    if since is not None:
        query = query.where(AuditEntry.at >= since)
    if until is not None:
        query = query.where(AuditEntry.at < until)
    with db.session() as s:
        return [
            AuditRow(e.id, e.at, e.actor, e.action, e.subject, dict(e.detail or {}))
            for e in s.scalars(query)
        ]
