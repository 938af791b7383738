"""The administrator's routes (bearer token): enrolling kiosks, editing the reference data the
kiosks pull, blacklisting cards, and reading what the kiosks sent. The dashboard's pages (backend/
web) are built on the same functions."""

from __future__ import annotations

import datetime as dt
import hmac
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel
from sqlalchemy import select

from backend import enrolment, kiosk_status, queries, reference
from backend.admin_schemas import (
    AuditOut,
    BalanceOut,
    BlacklistIn,
    CardIn,
    CardOut,
    Deleted,
    EnrolIn,
    EnrolledOut,
    HolidayIn,
    HolidayOut,
    KioskOut,
    KioskReportOut,
    MeterIn,
    MeterOut,
    NoticeOut,
    OrderOut,
    SiteIn,
    SiteOut,
    StaffIn,
    StaffOut,
    TariffIn,
    TariffOut,
    TenantDetailOut,
    TenantIn,
    TenantOut,
)
from backend.context import Backend, backend
from backend.db.models import KioskReportRow, KioskRow, SiteRow, StaffRow, TenantRow
from backend.errors import AdminAuthError, NotFoundError
from backend.fields import CARD_UID_PATTERN
from backend.reference import RefType
from kiosk.db.models.cards import CardStatus
from kiosk.sync_protocol import KIOSK_ID_PATTERN

_bearer = HTTPBearer(
    auto_error=False, description="the administrator's token (PREPAY_BACKEND_ADMIN_TOKEN)"
)


def require_admin(
    ctx: Annotated[Backend, Depends(backend)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> None:
    if credentials is None:
        raise AdminAuthError("no administrator token: send Authorization: Bearer <token>")
    if not hmac.compare_digest(credentials.credentials.encode(), ctx.settings.admin_token.encode()):
        raise AdminAuthError("wrong administrator token")


ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "no or wrong administrator token"},
    404: {"description": "no such row"},
    409: {"description": "a conflict with what is stored (the message says what)"},
    422: {"description": "a malformed request"},
}
router = APIRouter(
    prefix="/api/v1/admin", tags=["admin"], dependencies=[Depends(require_admin)], responses=ERRORS
)

Ctx = Annotated[Backend, Depends(backend)]
IdPath = Annotated[int, Path(ge=1, le=2**31 - 1)]
UidPath = Annotated[str, Path(pattern=CARD_UID_PATTERN, description="the card UID in hex")]
SiteFilter = Annotated[int | None, Query(ge=1, le=2**31 - 1)]
WithDeleted = Annotated[bool, Query(description="tombstones too")]


def _created(response: Response, created: bool) -> None:
    response.status_code = 201 if created else 200


def _row(model: type[BaseModel], row: Any, **extra: Any) -> Any:
    fields = {name: getattr(row, name) for name in model.model_fields if hasattr(row, name)}
    return model(**{**fields, **extra})


# -- kiosks ----------------------------------------------------------------------------------------


def _kiosk(row: KioskRow, **extra: Any) -> dict[str, Any]:
    return {
        "kiosk_id": row.id,
        "site_id": row.site_id,
        "name": row.name,
        "secret_version": row.secret_version,
        "enrolled_at": row.enrolled_at,
        "rotated_at": row.rotated_at,
        "last_seen_at": row.last_seen_at,
        "acked_seq": row.acked_seq,
        "max_seq": row.max_seq,
        **extra,
    }


@router.post("/kiosks", response_model=EnrolledOut, status_code=201, summary="enrol a kiosk")
def enrol(
    body: EnrolIn,
    ctx: Ctx,
    rotate: Annotated[bool, Query(description="issue a new secret to an enrolled kiosk")] = False,
) -> EnrolledOut:
    """The reply holds the kiosk's secret: it is shown this once."""
    with ctx.db.session() as s:
        row, secret = enrolment.enrol(s, ctx.box, body, rotate)
        return EnrolledOut(**_kiosk(row, secret=secret))


@router.get("/kiosks", response_model=list[KioskOut], summary="enrolled kiosks and their sync")
def list_kiosks(ctx: Ctx) -> list[KioskOut]:
    with ctx.db.session() as s:
        reports = kiosk_status.reports(s)
        return [
            KioskOut(**_kiosk(row, report=_report(reports.get(row.id))))
            for row in queries.kiosks(s)
        ]


def _report(row: KioskReportRow | None) -> KioskReportOut | None:
    return None if row is None else _row(KioskReportOut, row)


# -- sites -----------------------------------------------------------------------------------------


@router.put("/sites/{site_id}", response_model=SiteOut, summary="create or update a site")
def put_site(site_id: IdPath, body: SiteIn, ctx: Ctx, response: Response) -> SiteOut:
    with ctx.db.session() as s:
        row, created = reference.put_site(s, site_id, body)
        _created(response, created)
        return _row(SiteOut, row)


@router.get("/sites", response_model=list[SiteOut])
def list_sites(ctx: Ctx) -> list[SiteOut]:
    with ctx.db.session() as s:
        return [_row(SiteOut, row) for row in s.scalars(select(SiteRow).order_by(SiteRow.id))]


# -- tenants ---------------------------------------------------------------------------------------


@router.put("/tenants/{tenant_id}", response_model=TenantOut, summary="create or update a tenant")
def put_tenant(tenant_id: IdPath, body: TenantIn, ctx: Ctx, response: Response) -> TenantOut:
    with ctx.db.session() as s:
        row, created = reference.put_tenant(s, tenant_id, body)
        _created(response, created)
        return _row(TenantOut, row)


@router.get("/tenants", response_model=list[TenantOut])
def list_tenants(
    ctx: Ctx, site_id: SiteFilter = None, include_deleted: WithDeleted = False
) -> list[TenantOut]:
    with ctx.db.session() as s:
        rows = reference.listing(s, RefType.TENANT, site_id, include_deleted)
        return [_row(TenantOut, row) for row in rows]


@router.get(
    "/tenants/{tenant_id}", response_model=TenantDetailOut, summary="a tenant and its balances"
)
def get_tenant(tenant_id: IdPath, ctx: Ctx) -> TenantDetailOut:
    with ctx.db.session() as s:
        row = s.get(TenantRow, tenant_id)
        if row is None:
            raise NotFoundError(f"no tenant {tenant_id}")
        balances = [
            BalanceOut(account_kind=kind, currency=currency, balance=total)
            for kind, currency, total in queries.balances(s, tenant_id)
        ]
        return _row(TenantDetailOut, row, balances=balances)


@router.delete("/tenants/{tenant_id}", response_model=Deleted, summary="delete a tenant")
def delete_tenant(tenant_id: IdPath, ctx: Ctx) -> Deleted:
    """Refused while cards or meters refer to the tenant."""
    with ctx.db.session() as s:
        return Deleted(rev=reference.delete_tenant(s, tenant_id).rev)


# -- staff -----------------------------------------------------------------------------------------


def _staff(row: StaffRow) -> StaffOut:
    return _row(StaffOut, row, has_pin=bool(row.pin_hash))


@router.put("/staff/{staff_id}", response_model=StaffOut, summary="create or update staff")
def put_staff(staff_id: IdPath, body: StaffIn, ctx: Ctx, response: Response) -> StaffOut:
    with ctx.db.session() as s:
        row, created = reference.put_staff(s, staff_id, body)
        _created(response, created)
        return _staff(row)


@router.get("/staff", response_model=list[StaffOut])
def list_staff(
    ctx: Ctx, site_id: SiteFilter = None, include_deleted: WithDeleted = False
) -> list[StaffOut]:
    with ctx.db.session() as s:
        return [_staff(r) for r in reference.listing(s, RefType.STAFF, site_id, include_deleted)]


@router.delete("/staff/{staff_id}", response_model=Deleted, summary="delete a staff member")
def delete_staff(staff_id: IdPath, ctx: Ctx) -> Deleted:
    with ctx.db.session() as s:
        return Deleted(rev=reference.delete_staff(s, staff_id).rev)


# -- meters ----------------------------------------------------------------------------------------


@router.put("/meters/{meter_id}", response_model=MeterOut, summary="create or update a meter")
def put_meter(meter_id: IdPath, body: MeterIn, ctx: Ctx, response: Response) -> MeterOut:
    with ctx.db.session() as s:
        row, created = reference.put_meter(s, meter_id, body)
        _created(response, created)
        return _row(MeterOut, row)


@router.get("/meters", response_model=list[MeterOut])
def list_meters(
    ctx: Ctx, site_id: SiteFilter = None, include_deleted: WithDeleted = False
) -> list[MeterOut]:
    with ctx.db.session() as s:
        rows = reference.listing(s, RefType.METER, site_id, include_deleted)
        return [_row(MeterOut, row) for row in rows]


@router.delete("/meters/{meter_id}", response_model=Deleted, summary="delete a meter")
def delete_meter(meter_id: IdPath, ctx: Ctx) -> Deleted:
    """Refused while cards refer to the meter."""
    with ctx.db.session() as s:
        return Deleted(rev=reference.delete_meter(s, meter_id).rev)


# -- cards -----------------------------------------------------------------------------------------


@router.put("/cards/{uid}", response_model=CardOut, summary="register or update a card")
def put_card(uid: UidPath, body: CardIn, ctx: Ctx, response: Response) -> CardOut:
    with ctx.db.session() as s:
        row, created = reference.put_card(s, uid, body)
        _created(response, created)
        return _row(CardOut, row)


@router.get("/cards", response_model=list[CardOut])
def list_cards(
    ctx: Ctx, site_id: SiteFilter = None, include_deleted: WithDeleted = False
) -> list[CardOut]:
    with ctx.db.session() as s:
        rows = reference.listing(s, RefType.CARD, site_id, include_deleted)
        return [_row(CardOut, row) for row in rows]


@router.post("/cards/{uid}/blacklist", response_model=CardOut, summary="blacklist a card")
def blacklist_card(uid: UidPath, body: BlacklistIn, ctx: Ctx) -> CardOut:
    """Lost, stolen or replaced: every kiosk refuses the card once it has pulled the change."""
    with ctx.db.session() as s:
        return _row(CardOut, reference.set_card_status(s, uid, CardStatus.BLACKLISTED, body.reason))


@router.post("/cards/{uid}/reinstate", response_model=CardOut, summary="take a card off the list")
def reinstate_card(uid: UidPath, ctx: Ctx) -> CardOut:
    with ctx.db.session() as s:
        return _row(CardOut, reference.set_card_status(s, uid, CardStatus.ACTIVE, ""))


@router.delete("/cards/{uid}", response_model=Deleted, summary="delete a card")
def delete_card(uid: UidPath, ctx: Ctx) -> Deleted:
    with ctx.db.session() as s:
        return Deleted(rev=reference.delete_card(s, uid).rev)


# -- tariffs and holidays --------------------------------------------------------------------------


@router.post("/tariffs", response_model=TariffOut, summary="publish a tariff version")
def publish_tariff(body: TariffIn, ctx: Ctx, response: Response) -> TariffOut:
    """Checked by kiosk.tariffs. The same version again is a no-op (200); other prices under a
    version already published are refused (409): a new price is a new version."""
    with ctx.db.session() as s:
        row, created = reference.publish_tariff(s, body)
        _created(response, created)
        return _row(TariffOut, row)


@router.get("/tariffs", response_model=list[TariffOut])
def list_tariffs(ctx: Ctx, site_id: SiteFilter = None) -> list[TariffOut]:
    with ctx.db.session() as s:
        rows = reference.listing(s, RefType.TARIFF, site_id, include_deleted=False)
        return [_row(TariffOut, row) for row in rows]


@router.put(
    "/sites/{site_id}/holidays/{day}", response_model=HolidayOut, summary="set a public holiday"
)
def put_holiday(
    site_id: IdPath, day: dt.date, body: HolidayIn, ctx: Ctx, response: Response
) -> HolidayOut:
    with ctx.db.session() as s:
        row, created = reference.put_holiday(s, site_id, day, body)
        _created(response, created)
        return _row(HolidayOut, row)


@router.get("/sites/{site_id}/holidays", response_model=list[HolidayOut])
def list_holidays(site_id: IdPath, ctx: Ctx) -> list[HolidayOut]:
    with ctx.db.session() as s:
        rows = reference.listing(s, RefType.HOLIDAY, site_id, include_deleted=False)
        return [_row(HolidayOut, row) for row in rows]


@router.delete("/sites/{site_id}/holidays/{day}", response_model=Deleted)
def delete_holiday(site_id: IdPath, day: dt.date, ctx: Ctx) -> Deleted:
    with ctx.db.session() as s:
        return Deleted(rev=reference.delete_holiday(s, site_id, day).rev)


# -- what the kiosks sent --------------------------------------------------------------------------


@router.get("/orders", response_model=list[OrderOut], summary="the newest orders")
def list_orders(
    ctx: Ctx,
    tenant_id: Annotated[int | None, Query(ge=1, le=2**63 - 1)] = None,
    kiosk_id: Annotated[str | None, Query(pattern=KIOSK_ID_PATTERN.pattern)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
) -> list[OrderOut]:
    with ctx.db.session() as s:
        rows = queries.orders(s, tenant_id=tenant_id, kiosk_id=kiosk_id, limit=limit)
        return [_row(OrderOut, row) for row in rows]


@router.get("/notices", response_model=list[NoticeOut], summary="the newest notices")
def list_notices(ctx: Ctx, limit: Annotated[int, Query(ge=1, le=1000)] = 50) -> list[NoticeOut]:
    with ctx.db.session() as s:
        return [_row(NoticeOut, row) for row in queries.notices(s, limit)]


@router.get("/audit", response_model=list[AuditOut], summary="the kiosks' audit entries")
def list_audit(
    ctx: Ctx,
    kiosk_id: Annotated[str | None, Query(pattern=KIOSK_ID_PATTERN.pattern)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
) -> list[AuditOut]:
    with ctx.db.session() as s:
        return [_row(AuditOut, row) for row in queries.audit(s, kiosk_id, limit)]
