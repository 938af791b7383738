"""The receipt of a finished order, built from what the database recorded at the time of sale."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk.db.models import ItemKind, Order, Site, TariffVersion, Tenant
from kiosk.receipts.model import Receipt, ReceiptItem, mask_uid
from kiosk.tariffs import Tariff, Utility


def build_receipt(session: Session, order: Order, kiosk_id: str, site_id: int) -> Receipt:
    site = session.get(Site, site_id)
    tenant = session.get(Tenant, order.tenant_id) if order.tenant_id is not None else None
    utility = _utility(session, order)
    items = tuple(
        ReceiptItem(
            description=item.description or item.kind.value.replace("_", " "),
            amount=item.amount,
            units=item.units if (item.kind is ItemKind.CARD_CREDIT and utility) else None,
            utility=utility
            if (item.kind is ItemKind.CARD_CREDIT and item.units is not None)
            else None,
        )
        for item in order.items
    )
    return Receipt(
        receipt_no=f"{kiosk_id}-{order.id:08d}",
        kiosk_id=kiosk_id,
        site_name=site.name if site else f"Site {site_id}",
        issued_at=order.updated_at,
        display_tz=site.timezone if site else "UTC",
        tenant=(f"{tenant.name} {tenant.unit}".strip() if tenant else f"Tenant {order.tenant_id}"),
        card_serial=str(order.card_serial) if order.card_serial is not None else "-",
        card_uid_masked=mask_uid(order.card_uid),
        items=items,
        total=order.amount,
        currency=order.currency,
        payment_method=order.method,
        provider_ref=order.provider_ref,
        tariff_code=order.tariff_code,
        tariff_version=order.tariff_version,
    )


def _utility(session: Session, order: Order) -> Utility | None:
    if order.tariff_code is None:
        return None
    row = session.scalar(
        select(TariffVersion).where(
            TariffVersion.code == order.tariff_code, TariffVersion.version == order.tariff_version
        )
    )
    if row is None:
        return None
    utility = Tariff.from_dict(row.definition).utility
    return None if utility is Utility.SERVICE else utility


def receipt_to_json(receipt: Receipt) -> dict:
    from dataclasses import asdict

    data = asdict(receipt)
    data["issued_at"] = receipt.issued_at.isoformat()
    data["items"] = [
        {**asdict(i), "utility": i.utility.value if i.utility else None} for i in receipt.items
    ]
    return data
