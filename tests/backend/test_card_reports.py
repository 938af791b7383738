"""Cards reported by a kiosk (backend/card_reports.py), on SQLite and PostgreSQL: a card issued at
a kiosk joins the site's card list and reaches the other kiosks' pull; a block at a kiosk wins; a
kiosk never lifts the manager's blacklist; a report the backend cannot take changes nothing, and
never fails the push."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from backend.card_reports import CardReportOutcome, apply_card_report, hold_reason
from backend.db import Database
from backend.sync_schemas import CardPayload
from tests.backend.conftest import SITE, Admin, SignedKiosk, enrol, message

UID = "04a1b2c3d4e5f6"
ISSUED = "2026-11-24T09:30:00+00:00"


@pytest.fixture()
def site(admin: Admin) -> Admin:
    """Site 17 with tenant 7 and card meter 42 of tenant 8, another site 18 with tenant 9."""
    admin.ok("PUT", "/tenants/7", {"site_id": SITE, "name": "Unit 7"})
    admin.ok("PUT", "/tenants/8", {"site_id": SITE, "name": "Unit 8"})
    meter = {"site_id": SITE, "tenant_id": 8, "kind": "card", "utility": "electricity"}
    admin.ok("PUT", "/meters/42", {**meter, "tariff_code": "ELEC-STD"})
    admin.ok("PUT", "/sites/18", {"name": "Other Tower", "currency": 156})
    admin.ok("PUT", "/tenants/9", {"site_id": 18, "name": "Unit 9"})
    return admin


def card(**changes: Any) -> dict[str, Any]:
    """A card row as a kiosk's outbox reports it (kiosk/outbox.py snapshot)."""
    payload: dict[str, Any] = {
        "id": 3,
        "uid": UID,
        "role": "wallet",
        "serial": 1001,
        "site_id": SITE,
        "tenant_id": 7,
        "staff_id": None,
        "meter_id": None,
        "status": "active",
        "issued_at": ISSUED,
        "held_for_replacement": False,
        "replaced_by": None,
        "reason": "",
    }
    payload.update(changes)
    return payload


def report(db: Database, kiosk_id: str = "K1", **changes: Any) -> CardReportOutcome:
    with db.session() as s:
        return apply_card_report(s, kiosk_id, CardPayload.model_validate(card(**changes)))


def cards_listed(admin: Admin, **query: str) -> dict[str, dict[str, Any]]:
    params = "&".join(f"{k}={v}" for k, v in query.items())
    return {c["uid"]: c for c in admin.ok("GET", f"/cards?{params}")}


def pulled_cards(kiosk: SignedKiosk) -> dict[str, dict[str, Any]]:
    reply = kiosk.pull()
    assert reply.status_code == 200, reply.text
    return {c["id"]: c for c in reply.json()["changes"] if c["type"] == "card"}


def test_a_card_issued_at_a_kiosk_joins_the_site_and_reaches_its_other_kiosks(
    site: Admin, backend_db: Database
):
    enrol(site, "K1")
    k2 = enrol(site, "K2")
    outcome = report(backend_db, serial=1001)
    assert outcome.changes == ["created"] and outcome.applied
    listed = cards_listed(site)[UID]
    assert (listed["role"], listed["serial"], listed["tenant_id"], listed["status"]) == (
        "wallet",
        1001,
        7,
        "active",
    )
    (change,) = pulled_cards(k2).values()
    assert change["data"]["tenant_id"] == 7 and change["data"]["status"] == "active"
    # the same report again (a retry, a snapshot with nothing new for the backend) takes no
    # change number: the kiosks do not pull it again
    rev = listed["rev"]
    assert report(backend_db).changes == []
    assert cards_listed(site)[UID]["rev"] == rev


def test_a_meter_card_and_a_staff_card_are_created_with_what_they_belong_to(
    site: Admin, backend_db: Database
):
    enrol(site, "K1")
    site.ok("PUT", "/staff/4", {"site_id": SITE, "name": "Li Wei"})
    report(backend_db, uid="a1b2c3d4", role="meter", serial=2001, tenant_id=8, meter_id=42)
    report(backend_db, uid="5a000004", role="staff", serial=9004, tenant_id=None, staff_id=4)
    listed = cards_listed(site)
    assert (listed["a1b2c3d4"]["meter_id"], listed["a1b2c3d4"]["tenant_id"]) == (42, 8)
    assert listed["5a000004"]["staff_id"] == 4


def test_a_card_blocked_at_a_kiosk_is_blacklisted_for_the_whole_site(
    site: Admin, backend_db: Database
):
    enrol(site, "K1")
    k2 = enrol(site, "K2")
    report(backend_db)
    outcome = report(backend_db, status="blacklisted", reason="reported stolen")
    assert outcome.changes == ["blacklisted"]
    listed = cards_listed(site)[UID]
    assert listed["status"] == "blacklisted"
    assert listed["status_reason"] == "blocked at kiosk K1: reported stolen"
    assert pulled_cards(k2)[UID]["data"]["status"] == "blacklisted"


def test_a_card_first_heard_of_as_blocked_is_created_blacklisted(site: Admin, backend_db: Database):
    enrol(site, "K1")
    report(backend_db, status="blacklisted", reason="lost")
    assert cards_listed(site)[UID]["status"] == "blacklisted"


def test_a_kiosk_block_wins_over_an_active_card_the_manager_registered(
    site: Admin, backend_db: Database
):
    enrol(site, "K1")
    site.ok(
        "PUT", f"/cards/{UID}", {"site_id": SITE, "role": "wallet", "serial": 5, "tenant_id": 7}
    )
    report(backend_db, status="replaced", reason="broken")
    assert cards_listed(site)[UID]["status_reason"] == "replaced at kiosk K1: broken"
    # the kiosk learns the new card's UID later, and says so
    report(backend_db, status="replaced", replaced_by="04FFEEDDCCBBAA", reason="broken")
    listed = cards_listed(site)[UID]
    assert listed["status"] == "replaced"
    assert listed["status_reason"] == "replaced at kiosk K1 by card 04ffeeddccbbaa: broken"
    # the backend's own fields stay: the manager's data is the master copy
    assert listed["serial"] == 5
    # and so do the manager's words: K10's report does not rewrite K1's, nor the manager's
    report(backend_db, kiosk_id="K10", status="replaced", reason="other words")
    assert cards_listed(site)[UID]["status_reason"].startswith("replaced at kiosk K1 by")
    site.ok("POST", f"/cards/{UID}/blacklist", {"reason": "stolen, says the tenant"})
    report(backend_db, status="blacklisted", reason="lost")
    assert cards_listed(site)[UID]["status_reason"] == "stolen, says the tenant"


def test_a_kiosk_reporting_active_never_lifts_the_managers_blacklist(
    site: Admin, backend_db: Database
):
    enrol(site, "K1")
    report(backend_db)
    site.ok("POST", f"/cards/{UID}/blacklist", {"reason": "tenant moved out"})
    outcome = report(backend_db, status="active")  # the kiosk had not pulled the blacklist yet
    assert outcome.changes == [] and outcome.applied
    listed = cards_listed(site)[UID]
    assert (listed["status"], listed["status_reason"]) == ("blacklisted", "tenant moved out")
    # a kiosk's own block is not lifted by a kiosk either: only the manager reinstates
    report(backend_db, status="blacklisted", reason="lost")
    report(backend_db, status="active")
    assert cards_listed(site)[UID]["status"] == "blacklisted"
    site.ok("POST", f"/cards/{UID}/reinstate")
    assert cards_listed(site)[UID]["status"] == "active"


def test_a_replacement_card_is_held_blocked_until_its_kiosk_finishes_it(
    site: Admin, backend_db: Database
):
    enrol(site, "K1")
    k2 = enrol(site, "K2")
    assert report(backend_db, status="blacklisted", held_for_replacement=True).changes == [
        "created",
        "held",
    ]
    listed = cards_listed(site)[UID]
    assert (listed["status"], listed["status_reason"]) == ("blacklisted", hold_reason("K1"))
    # another kiosk cannot lift K1's hold; K1 finishing the replacement does
    report(backend_db, kiosk_id="K2", status="active")
    assert cards_listed(site)[UID]["status"] == "blacklisted"
    assert report(backend_db, status="active").changes == ["hold lifted"]
    assert cards_listed(site)[UID]["status"] == "active"
    assert pulled_cards(k2)[UID]["data"]["status"] == "active"


def test_a_manager_blacklisting_a_held_card_is_not_undone_when_the_replacement_finishes(
    site: Admin, backend_db: Database
):
    enrol(site, "K1")
    report(backend_db, status="blacklisted", held_for_replacement=True)
    site.ok("POST", f"/cards/{UID}/blacklist", {"reason": "fraud under investigation"})
    report(backend_db, status="active")
    listed = cards_listed(site)[UID]
    assert (listed["status"], listed["status_reason"]) == (
        "blacklisted",
        "fraud under investigation",
    )


@pytest.mark.parametrize(
    ("changes", "why"),
    [
        ({"tenant_id": 70}, "there is no tenant 70"),
        ({"role": "meter", "tenant_id": 8, "meter_id": 43}, "there is no meter 43"),
        ({"tenant_id": 9}, "belongs to site 18"),
        ({"site_id": 18, "tenant_id": 9}, "a card of site 18, from a kiosk of site 17"),
        ({"serial": 3_000_000_000}, "serial"),
        ({"tenant_id": 2**40}, "tenant_id"),
        ({"uid": "not-a-uid"}, "not a card UID"),
        ({"role": "staff", "tenant_id": None}, "needs staff_id"),
    ],
)
def test_a_report_the_backend_cannot_take_changes_nothing_and_does_not_raise(
    site: Admin, backend_db: Database, changes: dict[str, Any], why: str
):
    enrol(site, "K1")
    k2 = enrol(site, "K2")
    outcome = report(backend_db, **changes)
    assert not outcome.applied and why in outcome.problems[0]
    assert cards_listed(site, include_deleted="true") == {}
    assert pulled_cards(k2) == {}
    # the transaction it ran in stays whole (PostgreSQL aborts one after a failed statement):
    # the next message of the same push is applied and the push commits
    with backend_db.session() as s:
        apply_card_report(s, "K1", CardPayload.model_validate(card(**changes)))
        apply_card_report(s, "K1", CardPayload.model_validate(card(uid="a1b2c3d4")))
    assert list(cards_listed(site)) == ["a1b2c3d4"]


def test_a_kiosk_cannot_touch_a_card_of_another_site(site: Admin, backend_db: Database):
    enrol(site, "K1")
    site.ok("PUT", f"/cards/{UID}", {"site_id": 18, "role": "wallet", "serial": 5, "tenant_id": 9})
    outcome = report(backend_db, status="blacklisted", reason="found")
    assert "at site 18" in outcome.problems[0]
    assert cards_listed(site)[UID]["status"] == "active"


def test_a_card_the_manager_deleted_comes_back_only_when_issued_again_or_blocked(
    site: Admin, backend_db: Database
):
    enrol(site, "K1")
    report(backend_db)
    site.ok("DELETE", f"/cards/{UID}")
    # an old snapshot of the card the manager deleted since: the deletion stands
    outcome = report(backend_db, issued_at=ISSUED)
    assert "deleted" in outcome.problems[0] and cards_listed(site) == {}
    # issued again at the kiosk after the deletion: a new card
    later = (dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1)).isoformat()
    assert report(backend_db, issued_at=later, serial=1002).changes == ["created"]
    assert cards_listed(site)[UID]["serial"] == 1002
    # blocked at a kiosk: better known blacklisted than unknown (a kiosk serves unknown cards)
    site.ok("DELETE", f"/cards/{UID}")
    report(backend_db, issued_at=ISSUED, status="blacklisted", reason="lost")
    assert cards_listed(site)[UID]["status"] == "blacklisted"


def test_a_push_with_a_card_report_the_backend_cannot_take_is_still_acknowledged(
    site: Admin, kiosk: SignedKiosk
):
    """Over the sync API: the batch is stored and acknowledged, so the kiosk's outbox moves on."""
    reply = kiosk.push(
        message(1, "card", card(tenant_id=70)),
        message(2, "card", card(uid="a1b2c3d4", serial=1002)),
    )
    assert reply.status_code == 200, reply.text
    assert reply.json()["acked_seq"] == 2
    assert [r["status"] for r in reply.json()["results"]] == ["stored", "stored"]
