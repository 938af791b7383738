"""Reference data: the property manager's edits, and the change feed the kiosks pull.

Every change of a tenant, staff member, meter, card, tariff version or holiday takes the next
number from the ``reference`` counter and stores it on the row (``rev``). A pull returns the rows
of the kiosk's site changed after its cursor, in number order, tombstones included: a deleted row is
kept, marked ``deleted``, so that a kiosk offline for days still hears of the deletion. A PUT that
changes nothing takes no number.

Each function works in the caller's transaction and raises a :class:`backend.errors.BackendError`
with a sentence for the administrator.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from backend import events
from backend.admin_schemas import (
    CardIn,
    HolidayIn,
    MeterIn,
    SiteIn,
    StaffIn,
    TariffIn,
    TenantIn,
)
from backend.db.base import utcnow
from backend.db.models import (
    CardRow,
    Counter,
    HolidayRow,
    MeterRow,
    SiteRow,
    StaffRow,
    TariffRow,
    TenantRow,
)
from backend.errors import ConflictError, InvalidRequestError, NotFoundError
from kiosk.db.models.cards import CardRole, CardStatus
from kiosk.money import AmountError, exponent
from kiosk.outbox import jsonable
from kiosk.tariffs import Tariff, TariffError

REFERENCE = "reference"


class RefType(enum.Enum):
    """The kinds of reference data, in the order a kiosk applies them (what a card refers to comes
    before the card)."""

    TENANT = "tenant"
    STAFF = "staff"
    METER = "meter"
    CARD = "card"
    TARIFF = "tariff"
    HOLIDAY = "holiday"


MODELS: dict[RefType, Any] = {
    RefType.TENANT: TenantRow,
    RefType.STAFF: StaffRow,
    RefType.METER: MeterRow,
    RefType.CARD: CardRow,
    RefType.TARIFF: TariffRow,
    RefType.HOLIDAY: HolidayRow,
}

#: the columns a kiosk receives of each kind
FIELDS: dict[RefType, tuple[str, ...]] = {
    RefType.TENANT: ("id", "site_id", "name", "unit", "keep_power"),
    RefType.STAFF: ("id", "site_id", "name", "role", "pin_hash", "active"),
    RefType.METER: ("id", "site_id", "tenant_id", "kind", "utility", "tariff_code", "label"),
    RefType.CARD: (
        "uid",
        "site_id",
        "role",
        "serial",
        "tenant_id",
        "meter_id",
        "staff_id",
        "status",
        "status_reason",
    ),
    RefType.TARIFF: ("id", "site_id", "code", "version", "definition", "digest", "valid_from"),
    RefType.HOLIDAY: ("id", "site_id", "day", "name"),
}


@dataclass(frozen=True)
class Change:
    type: RefType
    id: int | str
    rev: int
    deleted: bool
    data: dict[str, Any]


# -- the counter -----------------------------------------------------------------------------------


def next_rev(session: Session) -> int:
    """The next change number, in the caller's transaction (see :class:`Counter`)."""
    bump = update(Counter).where(Counter.name == REFERENCE).values(value=Counter.value + 1)
    if session.execute(bump).rowcount == 0:  # type: ignore[attr-defined]
        _create_counter(session)
        session.execute(bump)
    return int(session.scalar(select(Counter.value).where(Counter.name == REFERENCE)) or 0)


def current_rev(session: Session) -> int:
    return int(session.scalar(select(Counter.value).where(Counter.name == REFERENCE)) or 0)


def _create_counter(session: Session) -> None:
    values = {"name": REFERENCE, "value": 0}
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        session.execute(pg_insert(Counter).values(values).on_conflict_do_nothing())
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        session.execute(sqlite_insert(Counter).values(values).on_conflict_do_nothing())
    else:
        session.execute(insert(Counter).values(values))


def _changed(session: Session, kind: RefType, row: Any, created: bool) -> Any:
    row.rev = next_rev(session)
    row.updated_at = utcnow()
    if created:
        session.add(row)
    session.flush()
    events.publish(
        session,
        [events.Event("reference", kind.value, str(_key(kind, row)), tenant_id=_tenant(row))],
    )
    return row


def _key(kind: RefType, row: Any) -> int | str:
    return row.uid if kind is RefType.CARD else row.id


def _tenant(row: Any) -> int | None:
    if isinstance(row, TenantRow):
        return row.id
    return getattr(row, "tenant_id", None)


def _apply(row: Any, values: dict[str, Any]) -> bool:
    """Set ``values`` on ``row``; whether anything changed."""
    changed = False
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    return changed


def _upsert(
    session: Session, kind: RefType, key: int | str, values: dict[str, Any]
) -> tuple[Any, bool]:
    """Create or update the row of ``kind`` with ``key``; (row, created). A deleted row comes back
    to life; a PUT with the same values takes no change number."""
    model = MODELS[kind]
    row = session.get(model, key)
    if row is None:
        key_name = "uid" if kind is RefType.CARD else "id"
        return _changed(
            session, kind, model(**{key_name: key}, deleted=False, **values), True
        ), True
    changed = _apply(row, values)
    if row.deleted:
        row.deleted, changed = False, True
    if changed:
        _changed(session, kind, row, False)
    return row, False


def _delete(session: Session, kind: RefType, key: int | str) -> Any:
    row = session.get(MODELS[kind], key)
    if row is None or row.deleted:
        raise NotFoundError(f"no {kind.value} {key}")
    row.deleted = True
    return _changed(session, kind, row, False)


def _live(session: Session, kind: RefType, key: int | str) -> Any:
    row = session.get(MODELS[kind], key)
    if row is None or row.deleted:
        raise NotFoundError(f"no {kind.value} {key}")
    return row


# -- sites -----------------------------------------------------------------------------------------


def put_site(session: Session, site_id: int, body: SiteIn) -> tuple[SiteRow, bool]:
    try:
        ZoneInfo(body.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidRequestError(
            f"timezone {body.timezone!r} is not an IANA time zone (e.g. Asia/Shanghai)"
        ) from None
    try:
        exponent(body.currency)
    except AmountError:
        raise InvalidRequestError(
            f"currency {body.currency} is not an ISO 4217 numeric code this system knows"
        ) from None
    row = session.get(SiteRow, site_id)
    created = row is None
    if row is None:
        row = SiteRow(id=site_id)
        session.add(row)
    row.name, row.timezone, row.currency = body.name, body.timezone, body.currency
    session.flush()
    return row, created


def site(session: Session, site_id: int) -> SiteRow:
    row = session.get(SiteRow, site_id)
    if row is None:
        raise NotFoundError(
            f"no site {site_id}: create it first with PUT /api/v1/admin/sites/{site_id}"
        )
    return row


def _same_site(session: Session, kind: RefType, key: int | None, site_id: int, what: str) -> None:
    if key is None:
        return
    row = session.get(MODELS[kind], key)
    if row is None or row.deleted:
        raise InvalidRequestError(f"{what}: there is no {kind.value} {key}")
    if row.site_id != site_id:
        raise InvalidRequestError(
            f"{what}: {kind.value} {key} belongs to site {row.site_id}, not site {site_id}"
        )


# -- tenants, staff, meters ------------------------------------------------------------------------


def put_tenant(session: Session, tenant_id: int, body: TenantIn) -> tuple[TenantRow, bool]:
    site(session, body.site_id)
    return _upsert(session, RefType.TENANT, tenant_id, body.model_dump())


def delete_tenant(session: Session, tenant_id: int) -> TenantRow:
    _live(session, RefType.TENANT, tenant_id)
    cards = session.scalars(
        select(CardRow.uid).where(CardRow.tenant_id == tenant_id, CardRow.deleted.is_(False))
    ).all()
    meters = session.scalars(
        select(MeterRow.id).where(MeterRow.tenant_id == tenant_id, MeterRow.deleted.is_(False))
    ).all()
    if cards or meters:
        what = [f"card {uid}" for uid in cards[:5]] + [f"meter {m}" for m in meters[:5]]
        raise ConflictError(
            f"tenant {tenant_id} still has {', '.join(what)}: delete or move them first"
        )
    return _delete(session, RefType.TENANT, tenant_id)


def put_staff(session: Session, staff_id: int, body: StaffIn) -> tuple[StaffRow, bool]:
    site(session, body.site_id)
    values = body.model_dump(exclude={"pin"})
    if body.pin is not None:
        existing = session.get(StaffRow, staff_id)
        if existing is None or not _pin_matches(existing.pin_hash, body.pin):
            values["pin_hash"] = hash_pin(body.pin)
    return _upsert(session, RefType.STAFF, staff_id, values)


def delete_staff(session: Session, staff_id: int) -> StaffRow:
    return _delete(session, RefType.STAFF, staff_id)


def hash_pin(pin: str) -> str:
    from argon2 import PasswordHasher

    return PasswordHasher().hash(pin)


def _pin_matches(pin_hash: str, pin: str) -> bool:
    """Whether ``pin`` is the PIN already stored (a PUT repeating it changes nothing)."""
    if not pin_hash:
        return False
    from argon2 import PasswordHasher
    from argon2.exceptions import InvalidHashError, VerificationError

    try:
        return PasswordHasher().verify(pin_hash, pin)
    except (VerificationError, InvalidHashError):
        return False


def put_meter(session: Session, meter_id: int, body: MeterIn) -> tuple[MeterRow, bool]:
    site(session, body.site_id)
    _same_site(session, RefType.TENANT, body.tenant_id, body.site_id, "tenant_id")
    return _upsert(session, RefType.METER, meter_id, body.model_dump())


def delete_meter(session: Session, meter_id: int) -> MeterRow:
    _live(session, RefType.METER, meter_id)
    cards = session.scalars(
        select(CardRow.uid).where(CardRow.meter_id == meter_id, CardRow.deleted.is_(False))
    ).all()
    if cards:
        raise ConflictError(
            f"meter {meter_id} still has cards {', '.join(cards[:5])}: delete them first"
        )
    return _delete(session, RefType.METER, meter_id)


# -- cards and the blacklist -----------------------------------------------------------------------


def put_card(session: Session, uid: str, body: CardIn) -> tuple[CardRow, bool]:
    uid = uid.lower()
    site(session, body.site_id)
    needs = {
        CardRole.METER: ("tenant_id", "meter_id"),
        CardRole.WALLET: ("tenant_id",),
        CardRole.STAFF: ("staff_id",),
    }[body.role]
    for name in needs:
        if getattr(body, name) is None:
            raise InvalidRequestError(f"a {body.role.value} card needs {name}")
    _same_site(session, RefType.TENANT, body.tenant_id, body.site_id, "tenant_id")
    _same_site(session, RefType.METER, body.meter_id, body.site_id, "meter_id")
    _same_site(session, RefType.STAFF, body.staff_id, body.site_id, "staff_id")
    if body.meter_id is not None:
        meter = session.get(MeterRow, body.meter_id)
        if meter is not None and meter.tenant_id not in (None, body.tenant_id):
            raise InvalidRequestError(
                f"meter {body.meter_id} belongs to tenant {meter.tenant_id}, not tenant "
                f"{body.tenant_id}"
            )
    existing = session.get(CardRow, uid)
    values: dict[str, Any] = body.model_dump()
    if existing is None or existing.deleted:
        values.update(status=CardStatus.ACTIVE, status_reason="")
    return _upsert(session, RefType.CARD, uid, values)


def set_card_status(session: Session, uid: str, status: CardStatus, reason: str) -> CardRow:
    """Blacklist a card (lost, stolen, replaced) or reinstate it; every kiosk refuses or accepts
    it again once it has pulled the change."""
    row = _live(session, RefType.CARD, uid.lower())
    if row.status is not status or row.status_reason != reason:
        row.status, row.status_reason = status, reason
        _changed(session, RefType.CARD, row, False)
    return row


def delete_card(session: Session, uid: str) -> CardRow:
    return _delete(session, RefType.CARD, uid.lower())


# -- tariffs and holidays --------------------------------------------------------------------------


def publish_tariff(session: Session, body: TariffIn) -> tuple[TariffRow, bool]:
    """Publish a tariff version, checked by kiosk.tariffs. The same version again with the same
    content is a no-op; with other prices it is refused: a new price is a new version."""
    site(session, body.site_id)
    try:
        tariff = Tariff.from_dict(body.definition)
    except TariffError as exc:
        raise InvalidRequestError(f"tariff definition: {exc}") from None
    except (TypeError, ValueError, ArithmeticError) as exc:  # the checker's own blind spots
        raise InvalidRequestError(f"tariff definition: {exc}") from None
    if tariff.version > 2**31 - 1:
        raise InvalidRequestError("tariff definition: version is too large")
    existing = session.scalar(
        select(TariffRow).where(
            TariffRow.site_id == body.site_id,
            TariffRow.code == tariff.code,
            TariffRow.version == tariff.version,
        )
    )
    if existing is not None:
        if existing.digest == tariff.digest():
            return existing, False
        raise ConflictError(
            f"tariff {tariff.ref} already exists with other prices: publish it as version "
            f"{_next_version(session, body.site_id, tariff.code)}"
        )
    row = TariffRow(
        site_id=body.site_id,
        code=tariff.code,
        version=tariff.version,
        definition=tariff.to_dict(),
        digest=tariff.digest(),
        valid_from=body.valid_from or utcnow(),
        deleted=False,
    )
    return _changed(session, RefType.TARIFF, row, True), True


def _next_version(session: Session, site_id: int, code: str) -> int:
    highest = session.scalar(
        select(func.max(TariffRow.version)).where(
            TariffRow.site_id == site_id, TariffRow.code == code
        )
    )
    return int(highest or 0) + 1


def put_holiday(
    session: Session, site_id: int, day: dt.date, body: HolidayIn
) -> tuple[HolidayRow, bool]:
    site(session, site_id)
    row = session.scalar(
        select(HolidayRow).where(HolidayRow.site_id == site_id, HolidayRow.day == day)
    )
    if row is None:
        row = HolidayRow(site_id=site_id, day=day, name=body.name, deleted=False)
        return _changed(session, RefType.HOLIDAY, row, True), True
    if _apply(row, {"name": body.name}) or row.deleted:
        row.deleted = False
        _changed(session, RefType.HOLIDAY, row, False)
    return row, False


def delete_holiday(session: Session, site_id: int, day: dt.date) -> HolidayRow:
    row = session.scalar(
        select(HolidayRow).where(HolidayRow.site_id == site_id, HolidayRow.day == day)
    )
    if row is None or row.deleted:
        raise NotFoundError(f"no holiday on {day} at site {site_id}")
    row.deleted = True
    return _changed(session, RefType.HOLIDAY, row, False)


# -- the change feed -------------------------------------------------------------------------------


def changes_since(
    session: Session, site_id: int, cursor: int, limit: int
) -> tuple[list[Change], int, bool]:
    """The changes of ``site_id`` after ``cursor``, oldest first, at most ``limit``; the new cursor;
    whether more wait.

    The counter is read first and only rows up to it are returned: a change numbered later may
    still be committing, and a cursor past it would skip it for good."""
    upto = current_rev(session)
    if cursor > upto:
        # a cursor from the future: this database was restored from a backup. Everything again
        # (applying a row twice is harmless) rather than skipping the numbers given out anew.
        cursor = 0
    found: list[Change] = []
    for kind, model in MODELS.items():
        rows = session.scalars(
            select(model)
            .where(model.site_id == site_id, model.rev > cursor, model.rev <= upto)
            .order_by(model.rev)
            .limit(limit + 1)
        )
        found += [
            Change(kind, _key(kind, row), row.rev, row.deleted, row_data(kind, row)) for row in rows
        ]
    found.sort(key=lambda change: change.rev)
    if len(found) > limit:
        page = found[:limit]
        return page, page[-1].rev, True
    return found, max(cursor, upto), False


def count_since(session: Session, site_id: int, cursor: int) -> int:
    """How many of ``site_id``'s reference rows changed after ``cursor``: what a kiosk holding that
    cursor has still to pull (a row changed twice counts once: the kiosk gets its newest)."""
    return sum(
        session.scalar(
            select(func.count())
            .select_from(model)
            .where(model.site_id == site_id, model.rev > cursor)
        )
        or 0
        for model in MODELS.values()
    )


def row_data(kind: RefType, row: Any) -> dict[str, Any]:
    data: dict[str, Any] = jsonable({name: getattr(row, name) for name in FIELDS[kind]})
    return data


def listing(
    session: Session, kind: RefType, site_id: int | None, include_deleted: bool
) -> Sequence[Any]:
    """Rows of ``kind`` for the administrator's lists, by key."""
    model = MODELS[kind]
    query = select(model)
    if site_id is not None:
        query = query.where(model.site_id == site_id)
    if not include_deleted:
        query = query.where(model.deleted.is_(False))
    key = model.uid if kind is RefType.CARD else model.id
    return session.scalars(query.order_by(key)).all()
