"""Tenants and meters reported by a kiosk (backend/reference_reports.py), on SQLite and PostgreSQL,
over the sync API as a kiosk's outbox sends them: a tenant and meter created at the kiosk with a
card are created in the kiosk's site before the card, so the manager sees the tenant and can block
its card, and the site's other kiosks pull all three; one the backend knows stays as the manager
has it; another site's, or bad data, changes nothing and never fails the push."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from backend.db import Database
from backend.reference_reports import apply_meter_report, apply_tenant_report
from backend.sync_schemas import MeterPayload, TenantPayload
from tests.backend.conftest import SITE, Admin, SignedKiosk, enrol, message
from tests.backend.test_card_reports import card
from tests.backend.test_dashboard_auth import csrf_of, signed_in, use_cheap_hashes, visible_text

UID = "04a1b2c3d4e5f6"


@pytest.fixture(autouse=True)
def cheap_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_hashes(monkeypatch)


@pytest.fixture()
def site(admin: Admin) -> Admin:
    """Site 17 with tenant 7 ("Unit 7"), another site 18 with tenant 9 and meter 99."""
    admin.ok("PUT", "/tenants/7", {"site_id": SITE, "name": "Unit 7", "unit": "7F"})
    admin.ok("PUT", "/sites/18", {"name": "Other Tower", "currency": 156})
    admin.ok("PUT", "/tenants/9", {"site_id": 18, "name": "Unit 9"})
    meter = {"site_id": 18, "kind": "card", "utility": "water", "tariff_code": "WATER"}
    admin.ok("PUT", "/meters/99", meter)
    return admin


def tenant(**changes: Any) -> dict[str, Any]:
    """A tenant row as a kiosk's outbox reports it (kiosk/outbox.py snapshot)."""
    return {
        "id": 3001,
        "site_id": SITE,
        "name": "Acme Ltd",
        "unit": "30F",
        "keep_power": False,
        "created_at": "2026-11-24T09:30:00+00:00",
        **changes,
    }


def meter(**changes: Any) -> dict[str, Any]:
    """A meter row as a kiosk's outbox reports it."""
    return {
        "id": 4242,
        "site_id": SITE,
        "tenant_id": 3001,
        "kind": "card",
        "utility": "electricity",
        "tariff_code": "ELEC-STD",
        "label": "",
        **changes,
    }


def meter_card(**changes: Any) -> dict[str, Any]:
    return card(role="meter", serial=3001, tenant_id=3001, meter_id=4242, **changes)


def pushed(kiosk: SignedKiosk, *messages: dict[str, Any]) -> dict[str, Any]:
    """Push ``messages``; the reply, which must acknowledge all of them."""
    reply = kiosk.push(*messages)
    assert reply.status_code == 200, reply.text
    body: dict[str, Any] = reply.json()
    assert body["acked_seq"] == messages[-1]["seq"], body
    return body


def by_id(rows: list[dict[str, Any]], key: str = "id") -> dict[Any, dict[str, Any]]:
    return {row[key]: row for row in rows}


def pulled(kiosk: SignedKiosk, cursor: int = 0) -> list[tuple[str, Any]]:
    reply = kiosk.pull(cursor)
    assert reply.status_code == 200, reply.text
    return [(c["type"], c["id"]) for c in reply.json()["changes"]]


def test_a_card_issued_for_a_new_tenant_and_meter_reaches_the_manager_and_the_other_kiosks(
    site: Admin, client: TestClient, backend_db: Database
):
    k1 = enrol(site, "K1")
    k2 = enrol(site, "K2")
    cursor = k2.pull().json()["cursor"]
    # as K1's outbox writes one issue: tenant, meter, card, audit entry -- in one push
    pushed(
        k1,
        message(1, "tenant", tenant()),
        message(2, "meter", meter()),
        message(3, "card", meter_card()),
    )
    acme = site.ok("GET", "/tenants/3001")
    assert (acme["site_id"], acme["name"], acme["unit"]) == (SITE, "Acme Ltd", "30F")
    listed = by_id(site.ok("GET", "/meters"))[4242]
    assert (listed["tenant_id"], listed["utility"], listed["tariff_code"]) == (
        3001,
        "electricity",
        "ELEC-STD",
    )
    listed_card = by_id(site.ok("GET", "/cards"), "uid")[UID]
    assert (listed_card["tenant_id"], listed_card["meter_id"], listed_card["status"]) == (
        3001,
        4242,
        "active",
    )
    # K2 pulls them, what a card refers to first
    assert pulled(k2, cursor) == [("tenant", 3001), ("meter", 4242), ("card", UID)]

    # the manager finds the card on the dashboard, under the tenant's name, and blocks it
    manager = signed_in(client, backend_db)
    page = manager.get(f"/dashboard/sites/{SITE}/cards?q=acme")
    assert f"{UID} 3001 meter Acme Ltd active" in visible_text(page.text)
    blocked = manager.post(
        f"/dashboard/sites/{SITE}/cards/{UID}/blacklist",
        data={"reason": "tenant moved out", "csrf_token": csrf_of(page)},
    )
    assert blocked.status_code == 200, blocked.text
    reply = k1.pull().json()
    (change,) = [c for c in reply["changes"] if c["id"] == UID]
    assert change["data"]["status"] == "blacklisted"


def test_a_tenant_the_backend_knows_keeps_the_managers_name(site: Admin, backend_db: Database):
    k1 = enrol(site, "K1")
    rev = site.ok("GET", "/tenants/7")["rev"]
    # K1 had not pulled tenant 7 when staff issued a card for it, and typed another name
    pushed(
        k1,
        message(1, "tenant", tenant(id=7, name="Someone Else", unit="")),
        message(2, "card", card(tenant_id=7)),
    )
    kept = site.ok("GET", "/tenants/7")
    assert (kept["name"], kept["unit"], kept["rev"]) == ("Unit 7", "7F", rev)
    assert by_id(site.ok("GET", "/cards"), "uid")[UID]["tenant_id"] == 7
    # the same for a meter: the manager's tariff stays
    site.ok("PUT", "/meters/42", {"site_id": SITE, "tenant_id": 7, "kind": "card",
                                  "utility": "electricity", "tariff_code": "ELEC-STD"})  # fmt: skip
    pushed(k1, message(3, "meter", meter(id=42, tenant_id=7, tariff_code="OTHER")))
    assert by_id(site.ok("GET", "/meters"))[42]["tariff_code"] == "ELEC-STD"


def test_a_tenant_or_meter_the_manager_deleted_stays_deleted(site: Admin, backend_db: Database):
    enrol(site, "K1")
    site.ok("PUT", "/tenants/3001", {"site_id": SITE, "name": "Acme Ltd"})
    site.ok("PUT", "/meters/4242", {"site_id": SITE, "kind": "card", "utility": "electricity",
                                    "tariff_code": "ELEC-STD"})  # fmt: skip
    site.ok("DELETE", "/meters/4242")
    site.ok("DELETE", "/tenants/3001")
    with backend_db.session() as s:
        tenant_outcome = apply_tenant_report(s, "K1", TenantPayload.model_validate(tenant()))
        meter_outcome = apply_meter_report(
            s, "K1", MeterPayload.model_validate(meter(tenant_id=None))
        )
    assert "the deletion stands" in tenant_outcome.problems[0]
    assert "the deletion stands" in meter_outcome.problems[0]
    assert site.ok("GET", "/tenants/3001")["deleted"] is True
    assert by_id(site.ok("GET", "/meters?include_deleted=true"))[4242]["deleted"] is True


@pytest.mark.parametrize(
    ("kind", "payload", "why"),
    [
        ("tenant", tenant(site_id=18), "a tenant of site 18, from a kiosk of site 17"),
        ("tenant", tenant(id=9), "the backend has this tenant at site 18"),
        ("tenant", tenant(unit="x" * 51), "unit"),
        ("tenant", tenant(id=3_000_000_000), "the backend's ids go up to 2147483647"),
        ("meter", meter(site_id=18), "a meter of site 18, from a kiosk of site 17"),
        ("meter", meter(id=99, tenant_id=None), "the backend has this meter at site 18"),
        ("meter", meter(tenant_id=9), "belongs to site 18"),
        ("meter", meter(tenant_id=70), "there is no tenant 70"),
        ("meter", meter(tenant_id=None, utility="gas"), "utility"),
        ("meter", meter(tenant_id=None, tariff_code=""), "tariff_code"),
        ("meter", meter(tenant_id=None, kind="steam"), "kind"),
    ],
)
def test_a_report_the_backend_cannot_take_changes_nothing_and_does_not_fail_the_push(
    site: Admin, backend_db: Database, kind: str, payload: dict[str, Any], why: str
):
    k1 = enrol(site, "K1")
    k2 = enrol(site, "K2")
    cursor = k2.pull().json()["cursor"]
    with backend_db.session() as s:
        if kind == "tenant":
            outcome = apply_tenant_report(s, "K1", TenantPayload.model_validate(payload))
        else:
            outcome = apply_meter_report(s, "K1", MeterPayload.model_validate(payload))
        assert not outcome.applied and why in outcome.problems[0], outcome.problems
    # over the sync API: stored and acknowledged, nothing changed, and the next message of the
    # same push is applied (the push's transaction stays whole, PostgreSQL's too)
    pushed(
        k1,
        message(1, kind, payload),
        message(2, "tenant", tenant(id=3002, name="Next Tenant")),
    )
    assert pulled(k2, cursor) == [("tenant", 3002)]
    assert by_id(site.ok("GET", "/tenants?include_deleted=true")).keys() == {7, 9, 3002}
    assert site.ok("GET", "/tenants/9")["name"] == "Unit 9"
    assert by_id(site.ok("GET", "/meters?include_deleted=true")).keys() == {99}
