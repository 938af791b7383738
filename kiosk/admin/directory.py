"""Who and what is known here: cards (for the replacement and blocking pickers) and staff
members (added from the command line until the backend syncs them)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from kiosk.admin import audit
from kiosk.admin.errors import InvalidInputError, RefusedError
from kiosk.admin.messages import say
from kiosk.admin.roles import StaffRole, parse_role
from kiosk.db import Database
from kiosk.db.models import Card, Site, Staff, Tenant

MAX_NAME = 200


@dataclass(frozen=True)
class CardSummary:
    uid: str
    role: str  # "meter", "wallet", "staff"
    serial: int
    status: str  # "active", "blacklisted", "replaced"
    tenant_id: int | None
    tenant_name: str | None
    staff_id: int | None
    meter_id: int | None
    issued_at: dt.datetime


def find_cards(
    db: Database,
    *,
    tenant_id: int | None = None,
    serial: int | None = None,
    uid: str | None = None,
    staff_id: int | None = None,
    limit: int = 50,
) -> list[CardSummary]:
    """Cards matching every criterion given, newest first."""
    if tenant_id is None and serial is None and uid is None and staff_id is None:
        raise InvalidInputError(say("find_cards_criteria"))
    query = (
        select(Card, Tenant.name)
        .outerjoin(Tenant, Tenant.id == Card.tenant_id)
        .order_by(Card.id.desc())
        .limit(limit)
    )
    if tenant_id is not None:
        query = query.where(Card.tenant_id == tenant_id)
    if serial is not None:
        query = query.where(Card.serial == serial)
    if uid is not None:
        query = query.where(Card.uid == uid.strip().lower().replace(" ", "").replace(":", ""))
    if staff_id is not None:
        query = query.where(Card.staff_id == staff_id)
    with db.session() as s:
        return [
            CardSummary(
                c.uid,
                c.role.value,
                c.serial,
                c.status.value,
                c.tenant_id,
                name,
                c.staff_id,
                c.meter_id,
                c.issued_at,
            )
            for c, name in s.execute(query)
        ]


@dataclass(frozen=True)
class StaffMember:
    id: int
    name: str
    role: StaffRole
    active: bool
    has_pin: bool
    locked_until: dt.datetime | None


def _member(staff: Staff) -> StaffMember:
    return StaffMember(
        staff.id,
        staff.name,
        parse_role(staff.role),
        staff.active,
        bool(staff.pin_hash),
        staff.locked_until,
    )


def list_staff(db: Database) -> list[StaffMember]:
    with db.session() as s:
        return [_member(m) for m in s.scalars(select(Staff).order_by(Staff.id))]


def add_staff(
    db: Database,
    staff_id: int,
    name: str,
    role: str,
    site_id: int,
    *,
    actor: str,
    now: dt.datetime,
) -> StaffMember:
    """A new staff member (no PIN yet, no card yet). An id already used is refused."""
    checked_role = parse_role(role)
    name = name.strip()
    if not name or len(name) > MAX_NAME:
        raise InvalidInputError(say("staff_name_length", max=MAX_NAME))
    if staff_id < 1:
        raise InvalidInputError(say("staff_id_range"))
    with db.session() as s:
        if s.get(Site, site_id) is None:
            raise InvalidInputError(say("site_not_set_up", site=site_id))
        existing = s.get(Staff, staff_id)
        if existing is not None:
            raise RefusedError(
                say("staff_id_taken", staff_id=staff_id, name=existing.name), code="staff_id_taken"
            )
        staff = Staff(id=staff_id, site_id=site_id, name=name, role=checked_role.value)
        s.add(staff)
        s.flush()
        audit.record(
            s, actor, "staff_added", audit.staff_actor(staff_id),
            {"name": name, "role": checked_role.value}, now,
        )  # fmt: skip
        return _member(staff)
