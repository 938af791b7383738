"""What a property manager changes on the dashboard reaches the kiosks: a card blocked with a reason
(or reinstated) is in the next pull of the signed sync API; a tariff version published from its
JSON is too. Every mistake -- no reason, an unknown card, JSON that is not JSON, a field
kiosk.tariffs refuses, new prices under an old version -- is a sentence on the page, keeps what
was typed, and changes nothing. On SQLite and PostgreSQL."""

from __future__ import annotations

import html
import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from backend.db import Database
from tests.backend.conftest import Admin, SignedKiosk
from tests.backend.test_dashboard_auth import csrf_of, signed_in, use_cheap_hashes, visible_text

UID = "a1b2c3d4"
TARIFF = json.loads(
    (Path(__file__).resolve().parents[2] / "docs/examples/tariff-elec-std.json").read_text()
)


@pytest.fixture(autouse=True)
def cheap_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_hashes(monkeypatch)


@pytest.fixture()
def manager(client: TestClient, backend_db: Database, admin: Admin) -> TestClient:
    admin.ok("PUT", "/tenants/7", {"site_id": 17, "name": "Lotus Café"})
    admin.ok("PUT", f"/cards/{UID}", {"site_id": 17, "role": "wallet", "serial": 1001,
                                      "tenant_id": 7})  # fmt: skip
    return signed_in(client, backend_db)


def changes(kiosk: SignedKiosk, cursor: int) -> tuple[list[dict], int]:
    reply = kiosk.pull(cursor).json()
    return reply["changes"], reply["cursor"]


# -- blocking and reinstating cards ----------------------------------------------------------------


def test_a_card_blocked_on_the_dashboard_reaches_the_kiosks_next_pull_and_so_does_reinstating(
    manager: TestClient, kiosk: SignedKiosk
):
    _, cursor = changes(kiosk, 0)
    page = manager.get("/dashboard/sites/17/cards")
    assert f"{UID} 1001 wallet Lotus Café active" in visible_text(page.text)

    blocked = manager.post(
        f"/dashboard/sites/17/cards/{UID}/blacklist",
        data={"reason": "  reported   lost ", "csrf_token": csrf_of(page)},
    )
    assert blocked.status_code == 200 and str(blocked.url).endswith(f"/cards?q={UID}")
    shown = visible_text(blocked.text)
    assert f"Card {UID} is blocked (reported lost). Every kiosk of the building refuses it" in shown
    assert f"{UID} 1001 wallet Lotus Café blocked: reported lost" in shown
    (change,), cursor = changes(kiosk, cursor)
    assert change["type"] == "card" and change["id"] == UID
    assert (change["data"]["status"], change["data"]["status_reason"]) == (
        "blacklisted",
        "reported lost",
    )

    reinstated = manager.post(
        f"/dashboard/sites/17/cards/{UID}/reinstate",
        data={"reason": "found in the lobby", "csrf_token": csrf_of(blocked)},
    )
    assert f"Card {UID} is reinstated." in visible_text(reinstated.text)
    (change,), cursor = changes(kiosk, cursor)
    assert change["data"]["status"] == "active"


def test_blocking_needs_a_reason_and_changes_nothing_without_one(
    manager: TestClient, kiosk: SignedKiosk
):
    _, cursor = changes(kiosk, 0)
    token = csrf_of(manager.get("/dashboard/sites/17/cards"))
    for reason in ("", "   ", "x" * 256):
        reply = manager.post(
            f"/dashboard/sites/17/cards/{UID}/blacklist",
            data={"reason": reason, "csrf_token": token},
        )
        assert reply.status_code == 422
        said = visible_text(reply.text)
        assert ("Say why the card is blocked" in said) or (
            "The reason is too long: at most 255 characters." in said
        )
    assert changes(kiosk, cursor)[0] == []


def test_a_card_of_another_building_or_none_at_all_is_named(
    manager: TestClient, admin: Admin, kiosk: SignedKiosk
):
    admin.ok("PUT", "/sites/18", {"name": "River Court", "currency": 156})
    token = csrf_of(manager.get("/dashboard/sites/17/cards"))
    for site, uid in ((18, UID), (17, "deadbeef")):
        reply = manager.post(
            f"/dashboard/sites/{site}/cards/{uid}/blacklist",
            data={"reason": "lost", "csrf_token": token},
        )
        assert reply.status_code == 404
        assert f"There is no card {uid} in building {site}." in visible_text(reply.text)
    assert changes(kiosk, 0)[0][-1]["data"]["status"] == "active"


def test_the_card_search_finds_by_uid_serial_or_tenant(manager: TestClient, admin: Admin):
    admin.ok("PUT", "/tenants/8", {"site_id": 17, "name": "Zhang & Partners"})
    admin.ok("PUT", "/cards/b1b2c3d4", {"site_id": 17, "role": "wallet", "serial": 2002,
                                        "tenant_id": 8})  # fmt: skip
    for query, found, not_found in (
        ("zhang", "b1b2c3d4", UID),
        ("1001", UID, "b1b2c3d4"),
        ("A1B2", UID, "b1b2c3d4"),
    ):
        shown = visible_text(manager.get(f"/dashboard/sites/17/cards?q={query}").text)
        assert found in shown and not_found not in shown
    assert "No card matches “nobody”." in visible_text(
        manager.get("/dashboard/sites/17/cards?q=nobody").text
    )


# -- tariffs ---------------------------------------------------------------------------------------


def publish(manager: TestClient, definition: str, valid_from: str = ""):
    token = csrf_of(manager.get("/dashboard/sites/17/tariffs"))
    return manager.post(
        "/dashboard/sites/17/tariffs",
        data={"definition": definition, "valid_from": valid_from, "csrf_token": token},
    )


def test_a_tariff_published_on_the_dashboard_reaches_the_kiosks_next_pull(
    manager: TestClient, kiosk: SignedKiosk
):
    _, cursor = changes(kiosk, 0)
    reply = publish(manager, json.dumps(TARIFF), valid_from="2026-12-01T00:00")
    assert reply.status_code == 200
    shown = visible_text(reply.text)
    assert "ELEC-STD v1 is published. It applies from 01 Dec 2026 00:00 at every kiosk" in shown
    assert "ELEC-STD v1 Standard electricity 01 Dec 2026 00:00" in shown
    (change,), cursor = changes(kiosk, cursor)
    assert change["type"] == "tariff" and change["data"]["code"] == "ELEC-STD"
    assert change["data"]["definition"]["rate"]["blocks"][0]["price"] == "52.83"
    # the site is in UTC here: midnight on the form is midnight UTC
    assert change["data"]["valid_from"].startswith("2026-12-01T00:00:00")

    again = publish(manager, json.dumps(TARIFF))
    assert "ELEC-STD v1 was already published with exactly these prices: nothing changed." in (
        visible_text(again.text)
    )
    assert changes(kiosk, cursor)[0] == []


def test_copy_as_a_new_version_fills_the_form_with_the_next_version(manager: TestClient):
    publish(manager, json.dumps(TARIFF))
    page = manager.get("/dashboard/sites/17/tariffs")
    tariff_id = page.text.split("?copy=")[1].split("#")[0]
    form = manager.get(f"/dashboard/sites/17/tariffs?copy={tariff_id}").text
    text = form.split('name="definition"')[1].split(">", 1)[1].split("</textarea>")[0]
    copied = json.loads(html.unescape(text))
    assert copied == {**TARIFF, "version": 2, "rate": copied["rate"]}
    assert publish(manager, json.dumps({**copied, "name": "Standard 2027"})).status_code == 200


@pytest.mark.parametrize(
    ("definition", "said"),
    [
        ("", "Paste the tariff's JSON into the box to publish it."),
        ('{"code": "ELEC-STD",}', "The tariff is not valid JSON: Expecting property name enclosed "
                                   "in double quotes (line 1, column 21)."),  # fmt: skip
        ("[1, 2]", "The tariff must be a JSON object ({ … }), not a list."),
        (json.dumps({**TARIFF, "rate": {"kind": "tiered", "blocks": [{"up_to": None,
                                                                     "price": "0"}]}}),
         "The tariff was not published: rate.blocks[0].price must be more than zero, got 0."),
        (json.dumps({**TARIFF, "colour": "red"}),
         "The tariff was not published: colour is not a field of this object (a typo?)."),
        (json.dumps({**TARIFF, "currency": 999}),
         "The tariff was not published: currency: Currency 999 is not configured on this kiosk."),
        (json.dumps({k: v for k, v in TARIFF.items() if k != "name"}),
         "The tariff was not published: name is missing."),
    ],
)  # fmt: skip
def test_a_bad_tariff_is_a_sentence_and_the_form_keeps_what_was_typed(
    manager: TestClient, kiosk: SignedKiosk, definition: str, said: str
):
    _, cursor = changes(kiosk, 0)
    reply = publish(manager, definition)
    assert reply.status_code == 422
    shown = visible_text(reply.text)
    assert said in shown
    assert " ".join(definition.split()) in shown  # the form keeps what was typed
    assert changes(kiosk, cursor)[0] == []


def test_new_prices_under_a_published_version_are_refused_with_the_next_version_named(
    manager: TestClient,
):
    publish(manager, json.dumps(TARIFF))
    dearer = {**TARIFF, "rate": {"kind": "flat", "price": "99"}}
    reply = publish(manager, json.dumps(dearer))
    assert reply.status_code == 422
    assert (
        "The tariff was not published: tariff ELEC-STD v1 already exists with other prices: "
        "publish it as version 2" in visible_text(reply.text)
    )


def test_a_start_time_that_is_not_one_is_named(manager: TestClient):
    reply = publish(manager, json.dumps(TARIFF), valid_from="next tuesday")
    assert reply.status_code == 422
    assert "The start time 'next tuesday' is not a date and time (YYYY-MM-DD HH:MM)." in (
        visible_text(reply.text)
    )
