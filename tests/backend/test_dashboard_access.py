"""A building's own manager sees that building and nothing of the others: every page, live part,
form, the kiosk list, the export and the event stream of another building answer as if it did not
exist. A manager of the whole estate sees everything. ``python -m backend user add --site`` and
``user sites`` choose. On SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import sys

import pytest
from fastapi.testclient import TestClient

from backend.__main__ import main as backend_main
from backend.db import Database
from backend.web import users
from backend.web.scope import SiteScope
from tests.backend.conftest import Admin, SignedKiosk, enrol, message
from tests.backend.test_dashboard_auth import (
    PASSWORD,
    create_manager,
    csrf_of,
    sign_in,
    use_cheap_hashes,
    visible_text,
)
from tests.backend.test_dashboard_pages import now, order, push

OTHER = 18
OTHER_TENANT = 801
OTHER_UID = "b1b2c3d4"
LOCAL = "ann.li@example.com"  # the manager of building 17 only


@pytest.fixture(autouse=True)
def cheap_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_hashes(monkeypatch)


@pytest.fixture()
def estate(admin: Admin, kiosk: SignedKiosk) -> SignedKiosk:
    """Test Tower (17: tenant 7, kiosk K1) and Harbour Point (18: tenant 801, kiosk K18), each
    with a card and a top-up today. Kiosk K18, for pushing."""
    admin.ok("PUT", "/tenants/7", {"site_id": 17, "name": "Lotus Café"})
    admin.ok("PUT", f"/sites/{OTHER}", {"name": "Harbour Point", "currency": 156})
    admin.ok("PUT", f"/tenants/{OTHER_TENANT}", {"site_id": OTHER, "name": "Secret Holdings"})
    admin.ok("PUT", "/cards/a1b2c3d4", {"site_id": 17, "role": "wallet", "serial": 1,
                                        "tenant_id": 7})  # fmt: skip
    admin.ok("PUT", f"/cards/{OTHER_UID}", {"site_id": OTHER, "role": "wallet", "serial": 2,
                                            "tenant_id": OTHER_TENANT})  # fmt: skip
    other = enrol(admin, "K18", OTHER)
    push(kiosk, message(1, "order", order(1, 11_00, 7, now())))
    push(other, message(1, "order", order(1, 99_00, OTHER_TENANT, now()), kiosk_id="K18"))
    return other


@pytest.fixture()
def local_manager(client: TestClient, backend_db: Database, estate: SignedKiosk) -> TestClient:
    with backend_db.session() as s:
        users.add_user(s, LOCAL, "Ann Li", PASSWORD, sites=[17])
    assert sign_in(client, email=LOCAL).status_code == 303
    return client


OTHER_PAGES = [
    f"/dashboard/sites/{OTHER}",
    f"/dashboard/sites/{OTHER}/cards",
    f"/dashboard/sites/{OTHER}/tariffs",
    f"/dashboard/tenants/{OTHER_TENANT}",
]
OTHER_PARTS = [
    f"/dashboard/sites/{OTHER}/parts/tenants",
    f"/dashboard/sites/{OTHER}/parts/topups",
    f"/dashboard/sites/17/parts/tenant/{OTHER_TENANT}",  # another building's tenant, via ours
    f"/dashboard/tenants/{OTHER_TENANT}/parts/balances",
    f"/dashboard/tenants/{OTHER_TENANT}/parts/transactions",
]


@pytest.mark.parametrize("path", OTHER_PAGES)
def test_another_buildings_pages_answer_as_if_it_did_not_exist(
    local_manager: TestClient, path: str
):
    page = local_manager.get(path)
    assert page.status_code == 404
    text = visible_text(page.text)
    assert "Harbour Point" not in text and "Secret Holdings" not in text
    assert f"There is no building {OTHER}." in text or f"There is no tenant {OTHER_TENANT}." in text
    # exactly what a building that does not exist gets
    missing = visible_text(local_manager.get(path.replace(str(OTHER), "99")).text)
    assert text.replace(str(OTHER), "N") == missing.replace("99", "N")


@pytest.mark.parametrize("path", OTHER_PARTS)
def test_another_buildings_live_parts_are_not_found(local_manager: TestClient, path: str):
    part = local_manager.get(path)
    assert part.status_code == 404
    assert "Secret Holdings" not in part.text and "99.00" not in part.text


def test_the_home_page_and_the_navigation_show_only_the_managers_building(
    local_manager: TestClient,
):
    home = local_manager.get("/dashboard", follow_redirects=False)
    assert home.status_code == 303 and home.headers["location"] == "/dashboard/sites/17"
    overview = visible_text(local_manager.get("/dashboard/sites/17").text)
    assert "Test Tower" in overview and "Lotus Café" in overview and "11.00" in overview
    assert "Harbour Point" not in overview and "99.00" not in overview


def test_another_buildings_cards_and_tariffs_cannot_be_changed(
    local_manager: TestClient, admin: Admin
):
    token = csrf_of(local_manager.get("/dashboard/sites/17/cards"))
    blocked = local_manager.post(
        f"/dashboard/sites/{OTHER}/cards/{OTHER_UID}/blacklist",
        data={"reason": "stolen", "csrf_token": token},
    )
    assert blocked.status_code == 404
    assert admin.ok("GET", f"/cards?site_id={OTHER}")[0]["status"] == "active"
    published = local_manager.post(
        f"/dashboard/sites/{OTHER}/tariffs",
        data={"definition": "{}", "valid_from": "2026-12-01T00:00", "csrf_token": token},
    )
    assert published.status_code == 404
    assert admin.ok("GET", "/tariffs") == []


def test_kiosk_health_lists_only_the_buildings_kiosks(local_manager: TestClient):
    for path in ("/dashboard/kiosks", "/dashboard/kiosks/parts/table"):
        text = visible_text(local_manager.get(path).text)
        assert "K1 " in text and "K18" not in text and "Harbour Point" not in text


def test_the_export_holds_only_the_buildings_topups(local_manager: TestClient):
    form = visible_text(local_manager.get("/dashboard/export").text)
    assert "Test Tower" in form and "Harbour Point" not in form
    day = now().date().isoformat()
    everything = local_manager.get(f"/dashboard/export.csv?from={day}&to={day}")
    rows = list(csv.DictReader(io.StringIO(everything.text)))
    assert [(r["kiosk_id"], r["site_id"]) for r in rows] == [("K1", "17")]
    refused = local_manager.get(f"/dashboard/export.csv?site={OTHER}&from={day}&to={day}")
    assert refused.status_code == 422
    assert f"There is no building {OTHER}." in visible_text(refused.text)


def test_a_manager_of_the_estate_sees_every_building(
    client: TestClient, backend_db: Database, estate: SignedKiosk
):
    create_manager(backend_db, email="boss@example.com")
    assert sign_in(client, email="boss@example.com").status_code == 303
    for path in OTHER_PAGES:
        assert client.get(path).status_code == 200, path
    assert "K18" in client.get("/dashboard/kiosks").text


def test_the_event_stream_of_a_buildings_manager_carries_only_its_changes(
    backend_db: Database, estate: SignedKiosk
):
    seconds = [0.0]
    scope = SiteScope(backend_db, frozenset({17}), clock=lambda: seconds[0])
    scope.load()
    ours = {"source": "kiosk", "kind": "order", "subject": "1", "kiosk_id": "K1", "seq": 1,
            "tenant_id": 7}  # fmt: skip
    theirs = {**ours, "kiosk_id": "K18", "tenant_id": OTHER_TENANT}
    their_card = {"source": "reference", "kind": "card", "subject": OTHER_UID, "kiosk_id": None,
                  "seq": None, "tenant_id": OTHER_TENANT}  # fmt: skip
    a_tariff = {"source": "reference", "kind": "tariff", "subject": "ELEC", "kiosk_id": None,
                "seq": None, "tenant_id": None}  # fmt: skip
    assert scope.allow(ours) == ours
    assert scope.allow(theirs) is None
    assert scope.allow(their_card) is None
    # names no building: passed on bare, enough for a page to fetch its parts again
    assert scope.allow(a_tariff) == {"source": "reference", "kind": "tariff"}
    # a kiosk enrolled after the stream opened is unknown until the maps are read again
    newcomer = {**ours, "kiosk_id": "K1B"}
    assert scope.allow(newcomer) is None
    assert not scope.wants_reload(newcomer)  # read a moment ago: not again at once
    seconds[0] += 1.5
    assert scope.wants_reload(newcomer)
    assert not scope.wants_reload(ours)  # known: no need
    with backend_db.session() as s:
        from backend.db.models import KioskRow

        s.add(KioskRow(id="K1B", site_id=17, name="Lobby 2", sealed_secret="x"))
    scope.load()
    assert scope.allow(newcomer) == newcomer
    assert not scope.wants_reload(newcomer)


def test_user_commands_choose_the_buildings_and_it_applies_at_the_next_page(
    db_url: str,
    local_manager: TestClient,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
):
    assert local_manager.get(f"/dashboard/sites/{OTHER}").status_code == 404
    assert backend_main(["user", "sites", "--email", LOCAL, "--site", "17", "--site", str(OTHER),
                         "--db", db_url]) == 0  # fmt: skip
    assert f"sees buildings 17, {OTHER}" in capsys.readouterr().out
    assert local_manager.get(f"/dashboard/sites/{OTHER}").status_code == 200
    assert backend_main(["user", "list", "--db", db_url]) == 0
    assert f"buildings 17, {OTHER}" in capsys.readouterr().out
    assert backend_main(["user", "sites", "--email", LOCAL, "--all", "--db", db_url]) == 0
    assert "sees every building" in capsys.readouterr().out

    monkeypatch.setattr(sys, "stdin", io.StringIO("a long passphrase\n"))
    added = backend_main(["user", "add", "--email", "cy@example.com", "--name", "Cy", "--site",
                          "99", "--db", db_url])  # fmt: skip
    assert added == 2
    assert "No user created: There is no building 99." in capsys.readouterr().err
    assert backend_main(["user", "sites", "--email", LOCAL, "--site", "99", "--db", db_url]) == 2
    assert "Nothing changed: There is no building 99." in capsys.readouterr().err
    assert local_manager.get(f"/dashboard/sites/{OTHER}").status_code == 200  # still every one
