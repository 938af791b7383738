"""Reference data (docs/sync-api.md "Pull", "Enrolment"): what the administrator edits and what a
kiosk pulls -- paged, in change order, per site, with tombstones -- and every refusal with its
sentence. On SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from backend.db import Database
from backend.db.models import StaffRow
from tests.backend.conftest import Admin, SignedKiosk, enrol

TARIFF = json.loads(
    (Path(__file__).resolve().parents[2] / "docs/examples/tariff-elec-std.json").read_text()
)


def pull_all(kiosk: SignedKiosk, cursor: int = 0, limit: int = 500) -> tuple[list[dict], int]:
    changes: list[dict] = []
    while True:
        page = kiosk.pull(cursor, limit)
        assert page.status_code == 200, page.text
        body = page.json()
        changes += body["changes"]
        cursor = body["cursor"]
        if not body["more"]:
            return changes, cursor


def tenant(admin: Admin, tenant_id: int, name: str = "", site: int = 17) -> dict:
    return admin.ok(
        "PUT", f"/tenants/{tenant_id}", {"site_id": site, "name": name or f"Unit {tenant_id}"}
    )


def test_the_administrator_needs_the_token(client: TestClient, admin: Admin):
    assert client.get("/api/v1/admin/tenants").status_code == 401
    wrong = client.get("/api/v1/admin/tenants", headers={"Authorization": "Bearer guess"})
    assert wrong.status_code == 401
    assert wrong.json()["error"] == {
        "code": "admin_unauthorized",
        "message": "wrong administrator token",
    }


def test_a_kiosk_pulls_its_sites_data_in_change_order_then_nothing_new(admin: Admin, kiosk):
    tenant(admin, 7)
    tenant(admin, 8)
    admin.ok("PUT", "/sites/18", {"name": "Other Tower", "currency": 156})
    tenant(admin, 90, site=18)  # another site: not this kiosk's
    admin.ok(
        "PUT", "/cards/A1B2C3D4", {"site_id": 17, "role": "wallet", "serial": 1001, "tenant_id": 7}
    )
    tenant(admin, 7, name="Unit 7, renamed")

    changes, cursor = pull_all(kiosk)
    assert [(c["type"], c["id"]) for c in changes] == [
        ("tenant", 8),
        ("card", "a1b2c3d4"),
        ("tenant", 7),
    ]
    assert changes[-1]["data"]["name"] == "Unit 7, renamed"
    assert changes[1]["data"]["status"] == "active"
    assert pull_all(kiosk, cursor) == ([], cursor)


def test_pages_are_bounded_and_the_cursor_walks_through_them(admin: Admin, kiosk):
    for n in range(1, 8):
        tenant(admin, n)
    first = kiosk.pull(0, 3).json()
    assert len(first["changes"]) == 3 and first["more"] is True
    changes, _ = pull_all(kiosk, 0, 3)
    assert [c["id"] for c in changes] == [1, 2, 3, 4, 5, 6, 7]


def test_a_put_that_changes_nothing_is_not_pulled_again(admin: Admin, kiosk):
    assert tenant(admin, 7)["rev"] == tenant(admin, 7)["rev"]
    _, cursor = pull_all(kiosk)
    tenant(admin, 7)
    assert pull_all(kiosk, cursor)[0] == []


def test_deletions_reach_kiosks_as_tombstones(admin: Admin, kiosk):
    tenant(admin, 7)
    admin.ok(
        "PUT", "/cards/a1b2c3d4", {"site_id": 17, "role": "wallet", "serial": 1, "tenant_id": 7}
    )
    admin.ok("PUT", "/sites/17/holidays/2026-10-01", {"name": "National Day"})
    _, cursor = pull_all(kiosk)
    admin.ok("DELETE", "/cards/a1b2c3d4")
    admin.ok("DELETE", "/sites/17/holidays/2026-10-01")
    changes, _ = pull_all(kiosk, cursor)
    assert [(c["type"], c["deleted"]) for c in changes] == [("card", True), ("holiday", True)]
    assert admin("DELETE", "/cards/a1b2c3d4").status_code == 404


def test_a_tenant_with_cards_cannot_be_deleted(admin: Admin):
    tenant(admin, 7)
    admin.ok(
        "PUT", "/cards/a1b2c3d4", {"site_id": 17, "role": "wallet", "serial": 1, "tenant_id": 7}
    )
    reply = admin("DELETE", "/tenants/7")
    assert reply.status_code == 409
    assert "card a1b2c3d4" in reply.json()["error"]["message"]


def test_a_blacklisted_card_is_pulled_with_its_status_and_reason(admin: Admin, kiosk):
    tenant(admin, 7)
    admin.ok(
        "PUT", "/cards/a1b2c3d4", {"site_id": 17, "role": "wallet", "serial": 1, "tenant_id": 7}
    )
    _, cursor = pull_all(kiosk)
    card = admin.ok("POST", "/cards/a1b2c3d4/blacklist", {"reason": "reported lost"})
    assert card["status"] == "blacklisted"
    (change,), _ = pull_all(kiosk, cursor)
    assert change["data"]["status"] == "blacklisted"
    assert change["data"]["status_reason"] == "reported lost"
    assert admin.ok("POST", "/cards/a1b2c3d4/reinstate")["status"] == "active"


@pytest.mark.parametrize(
    ("body", "sentence"),
    [
        ({"site_id": 17, "role": "wallet", "serial": 1}, "a wallet card needs tenant_id"),
        ({"site_id": 17, "role": "meter", "serial": 1, "tenant_id": 7}, "needs meter_id"),
        ({"site_id": 17, "role": "wallet", "serial": 1, "tenant_id": 70}, "there is no tenant 70"),
        ({"site_id": 17, "role": "wallet", "serial": 1, "tenant_id": 90}, "belongs to site 18"),
        ({"site_id": 17, "role": "wallet", "serial": -1, "tenant_id": 7}, "serial"),
        ({"site_id": 17, "role": "wallet", "serial": 1, "tenant_id": 7, "colour": "red"}, "colour"),
    ],
)
def test_a_card_that_makes_no_sense_is_refused_with_a_reason(admin: Admin, body, sentence):
    tenant(admin, 7)
    admin.ok("PUT", "/sites/18", {"name": "Other Tower", "currency": 156})
    tenant(admin, 90, site=18)
    reply = admin("PUT", "/cards/a1b2c3d4", body)
    assert reply.status_code == 422
    assert sentence in reply.json()["error"]["message"]


def test_a_card_uid_must_be_hex_of_a_real_length(admin: Admin):
    body = {"site_id": 17, "role": "wallet", "serial": 1, "tenant_id": 7}
    assert admin("PUT", "/cards/xyz", body).status_code == 422
    assert admin("PUT", "/cards/a1b2c3", body).status_code == 422


def test_tariffs_are_checked_and_versions_never_change(admin: Admin, kiosk):
    published = admin("POST", "/tariffs", {"site_id": 17, "definition": TARIFF})
    assert published.status_code == 201
    again = admin("POST", "/tariffs", {"site_id": 17, "definition": TARIFF})
    assert again.status_code == 200 and again.json()["id"] == published.json()["id"]

    dearer = json.loads(json.dumps(TARIFF))
    dearer["rate"]["blocks"][0]["price"] = "60.00"
    reply = admin("POST", "/tariffs", {"site_id": 17, "definition": dearer})
    assert reply.status_code == 409
    assert "publish it as version 2" in reply.json()["error"]["message"]

    broken = {**TARIFF, "timezone": "Mars/Olympus_Mons"}
    reply = admin("POST", "/tariffs", {"site_id": 17, "definition": broken})
    assert reply.status_code == 422
    assert "timezone" in reply.json()["error"]["message"]

    (change,), _ = pull_all(kiosk)
    assert change["type"] == "tariff" and change["data"]["code"] == "ELEC-STD"
    assert change["data"]["definition"]["rate"]["blocks"][0]["price"] == "52.83"


def test_staff_pins_are_stored_as_argon2_hashes(admin: Admin, backend_db: Database, kiosk):
    staff = admin.ok("PUT", "/staff/3", {"site_id": 17, "name": "Li Wei", "pin": "482913"})
    assert staff["has_pin"] is True and "pin" not in staff
    with backend_db.session() as s:
        pin_hash = s.scalar(select(StaffRow.pin_hash).where(StaffRow.id == 3))
    assert pin_hash.startswith("$argon2id$") and "482913" not in pin_hash
    rev = staff["rev"]
    assert (
        admin.ok("PUT", "/staff/3", {"site_id": 17, "name": "Li Wei", "pin": "482913"})["rev"]
        == rev
    )
    (change,), _ = pull_all(kiosk)
    assert change["data"]["pin_hash"] == pin_hash
    assert admin("PUT", "/staff/4", {"site_id": 17, "name": "X", "pin": "12"}).status_code == 422


def test_sites_check_their_zone_and_currency(admin: Admin):
    reply = admin("PUT", "/sites/5", {"name": "Tower", "currency": 156, "timezone": "Nowhere/City"})
    assert reply.status_code == 422 and "not an IANA time zone" in reply.json()["error"]["message"]
    reply = admin("PUT", "/sites/5", {"name": "Tower", "currency": 1})
    assert reply.status_code == 422 and "ISO 4217" in reply.json()["error"]["message"]
    reply = admin("PUT", "/tenants/1", {"site_id": 5, "name": "Unit 1"})
    assert (
        reply.status_code == 404 and "PUT /api/v1/admin/sites/5" in reply.json()["error"]["message"]
    )


def test_enrolment_shows_the_secret_once_and_refuses_a_second_enrolment(admin: Admin, client):
    enrolled = admin("POST", "/kiosks", {"kiosk_id": "K1", "site_id": 17, "name": "Lobby"})
    assert enrolled.status_code == 201 and len(enrolled.json()["secret"]) >= 40
    listed = admin.ok("GET", "/kiosks")
    assert [k["kiosk_id"] for k in listed] == ["K1"] and "secret" not in listed[0]
    again = admin("POST", "/kiosks", {"kiosk_id": "K1", "site_id": 17, "name": "Lobby"})
    assert again.status_code == 409
    assert "?rotate=true" in again.json()["error"]["message"]
    unknown_site = admin("POST", "/kiosks", {"kiosk_id": "K2", "site_id": 404, "name": "Gate"})
    assert unknown_site.status_code == 404
    bad_id = admin("POST", "/kiosks", {"kiosk_id": "K 1!", "site_id": 17, "name": "Gate"})
    assert bad_id.status_code == 422 and "kiosk_id" in bad_id.json()["error"]["message"]


def test_kiosks_show_how_far_they_synced(admin: Admin):
    kiosk = enrol(admin)
    assert kiosk.state().status_code == 200
    (row,) = admin.ok("GET", "/kiosks")
    assert row["last_seen_at"] is not None and row["acked_seq"] == 0
