"""What a property manager reads on the dashboard, from what a kiosk pushed through the signed sync
API: a building's overview (today's top-ups with their count and sum, each tenant's balances and
meter credit, consumption over 30 days, who is low on credit), a tenant's page with its
consumption chart (inline SVG) and transactions, and the kiosks' health. On SQLite and PostgreSQL.

The helpers here build what a kiosk's outbox sends, stamped at a given time (the conftest's
payloads are stamped on a fixed day, and "today" is the real today)."""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET

import pytest
from fastapi.testclient import TestClient

from backend.db import Database
from tests.backend.conftest import (
    Admin,
    SignedKiosk,
    enrol,
    ledger_payload,
    message,
    meter_state_payload,
    order_payload,
)
from tests.backend.test_dashboard_auth import signed_in, use_cheap_hashes, visible_text

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(autouse=True)
def cheap_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_hashes(monkeypatch)


@pytest.fixture()
def manager(client: TestClient, backend_db: Database, admin: Admin) -> TestClient:
    return signed_in(client, backend_db)


def iso(at: dt.datetime) -> str:
    return at.isoformat()


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def order(local_id: int, amount: int, tenant: int, at: dt.datetime, state: str = "done") -> dict:
    """A top-up order as the kiosk reports it, paid at ``at``."""
    payload = order_payload(local_id, state=state, amount=amount, tenant=tenant)
    payload.update(created_at=iso(at), updated_at=iso(at), paid_at=iso(at))
    return payload


def entry(local_id: int, amount: int, account: str, tenant: int, at: dt.datetime) -> dict:
    payload = ledger_payload(local_id, amount, account, tenant=tenant)
    payload["created_at"] = iso(at)
    return payload


def reading(local_id: int, meter: int, wh: int, credit: int, at: dt.datetime) -> dict:
    payload = meter_state_payload(local_id, credit, meter=meter)
    payload.update(reading=wh, at=iso(at), recorded_at=iso(at))
    return payload


def building(admin: Admin) -> None:
    """Test Tower in Shanghai: Unit 7 (wallet card), Unit 8 (card meter 42), Unit 9 (nothing)."""
    admin.ok("PUT", "/sites/17", {"name": "Test Tower", "currency": 156,
                                  "timezone": "Asia/Shanghai"})  # fmt: skip
    admin.ok("PUT", "/tenants/7", {"site_id": 17, "name": "Lotus Café", "unit": "G-02"})
    admin.ok("PUT", "/tenants/8", {"site_id": 17, "name": "Zhang & Partners", "unit": "8F"})
    admin.ok("PUT", "/tenants/9", {"site_id": 17, "name": "Empty Unit", "unit": "9F"})
    admin.ok("PUT", "/meters/42", {"site_id": 17, "tenant_id": 8, "kind": "card",
                                   "utility": "electricity", "tariff_code": "ELEC"})  # fmt: skip


def push(kiosk: SignedKiosk, *messages: dict) -> None:
    reply = kiosk.push(*messages)
    assert reply.status_code == 200, reply.text
    assert reply.json()["missing_from"] is None


def a_day_of_business(kiosk: SignedKiosk) -> None:
    """Two top-ups today for Unit 7 (30.00 and 20.50 on its card), one yesterday, one refunded,
    and card meter 42 read three times: 5.00 and 3.50 kWh used between readings, 12.00 left."""
    t = now()
    push(
        kiosk,
        message(1, "order", order(1, 30_00, 7, t - dt.timedelta(minutes=5))),
        message(2, "ledger_entry", entry(1, 30_00, "on_card", 7, t)),
        message(3, "order", order(2, 20_50, 7, t)),
        message(4, "ledger_entry", entry(2, 20_50, "on_card", 7, t)),
        message(5, "order", order(3, 99_00, 7, t - dt.timedelta(days=2))),
        message(6, "order", order(4, 10_00, 8, t, state="refunded")),
        message(7, "meter_state", reading(1, 42, 100_000, 90_00, t - dt.timedelta(days=10))),
        message(8, "meter_state", reading(2, 42, 105_000, 50_00, t - dt.timedelta(days=6))),
        message(9, "meter_state", reading(3, 42, 108_500, 12_00, t - dt.timedelta(days=2))),
    )


def row_of(html: str, element_id: str) -> str:
    found = re.search(rf'<tr id="{element_id}".*?</tr>', html, re.S)
    assert found, f"no row {element_id}"
    return visible_text(found.group(0))


def section(html: str, element_id: str) -> str:
    found = re.search(rf'<section id="{element_id}".*?</section>', html, re.S)
    assert found, f"no section {element_id}"
    return visible_text(found.group(0))


# -- the overview ----------------------------------------------------------------------------------


def test_the_overview_shows_todays_topups_balances_consumption_and_who_is_low(
    manager: TestClient, admin: Admin, kiosk: SignedKiosk
):
    building(admin)
    a_day_of_business(kiosk)
    page = manager.get("/dashboard/sites/17").text

    today = section(page, "topups-today")
    assert "2 top-ups, 50.50 CNY" in today  # not yesterday's, not the refunded one
    assert today.count("Lotus Café") == 2 and "99.00" not in today and "10.00" not in today

    assert row_of(page, "tenant-7") == "Lotus Café G-02 — — 50.50 CNY — — — —"
    # meter credit at the newest reading, and 8.50 kWh used since the reading 10 days ago
    assert row_of(page, "tenant-8") == "Zhang & Partners 8F 12.00 CNY — — — — 8.50 kWh —"
    assert "used over the last 30 days: 8.50 kWh" in visible_text(page)

    low = section(page, "low-balance")
    assert "Zhang & Partners (8F): meter 42 had 12.00 CNY left at its last reading" in low
    assert "Lotus" not in low and "Empty Unit" not in low
    assert 'class="low"' in re.search(r'<tr id="tenant-8"[^>]*>', page).group(0)


def test_a_building_with_nothing_yet_says_so(manager: TestClient):
    page = manager.get("/dashboard/sites/17").text
    assert "0 top-ups, 0.00 CNY" in section(page, "topups-today")
    assert "No top-ups yet today." in page and "No tenants yet." in page
    assert "Nobody is low on credit." in page and "no meter readings yet" in page


def test_the_parts_the_page_fetches_again_show_the_newest_figures(
    manager: TestClient, admin: Admin, kiosk: SignedKiosk
):
    building(admin)
    before = manager.get("/dashboard/sites/17/parts/topups").text
    assert "0 top-ups" in visible_text(before)
    push(kiosk, message(1, "order", order(1, 42_00, 7, now())),
         message(2, "ledger_entry", entry(1, 42_00, "on_card", 7, now())))  # fmt: skip
    part = manager.get("/dashboard/sites/17/parts/topups")
    assert part.text.startswith('<section id="topups-today"')
    assert "1 top-up, 42.00 CNY" in visible_text(part.text)
    row = manager.get("/dashboard/sites/17/parts/tenant/7").text
    assert row.startswith('<tr id="tenant-7"') and "42.00 CNY" in visible_text(row)


def test_paid_credit_not_yet_on_a_card_is_listed_with_where_it_waits(
    manager: TestClient, admin: Admin, kiosk: SignedKiosk
):
    building(admin)
    assert "Every paid top-up is on its card." in section(
        manager.get("/dashboard/sites/17").text, "owed"
    )
    t = now()
    push(
        kiosk,
        message(1, "order", order(1, 30_00, 7, t - dt.timedelta(hours=2), "credit_pending")),
        message(2, "order", order(2, 20_00, 8, t, "done")),
        message(3, "order", order(3, 15_00, 8, t, "expired")),  # never paid: owed nothing
    )
    owed = section(manager.get("/dashboard/sites/17").text, "owed")
    assert "1 top-up, 30.00 CNY" in owed
    assert "Lotus Café 30.00 CNY a1b2c3d4 K1 waiting for the card's next tap" in owed
    assert "20.00" not in owed and "15.00" not in owed
    # the card came back to the kiosk: the order's next snapshot is done, and the list empties
    push(kiosk, message(4, "order", order(1, 30_00, 7, t - dt.timedelta(hours=2), "done")))
    part = manager.get("/dashboard/sites/17/parts/owed")
    assert part.text.startswith('<section id="owed"')
    assert "Every paid top-up is on its card." in visible_text(part.text)


def test_with_several_buildings_the_home_page_lists_them(manager: TestClient, admin: Admin):
    assert manager.get("/dashboard", follow_redirects=False).headers["location"] == (
        "/dashboard/sites/17"
    )
    admin.ok("PUT", "/sites/18", {"name": "River Court", "currency": 156})
    home = visible_text(manager.get("/dashboard").text)
    assert "Test Tower" in home and "River Court" in home


def test_an_unknown_building_or_tenant_is_a_page_that_says_so(manager: TestClient):
    for path, said in (
        ("/dashboard/sites/99", "There is no building 99."),
        ("/dashboard/tenants/99", "There is no tenant 99."),
        ("/dashboard/no-such-page", "There is no such page."),
        ("/dashboard/tenants/not-a-number", "The request was not understood"),
    ):
        reply = manager.get(path)
        assert reply.status_code in (404, 422) and reply.headers["content-type"].startswith(
            "text/html"
        )
        assert said in visible_text(reply.text)


# -- a tenant --------------------------------------------------------------------------------------


def test_a_tenant_page_charts_the_consumption_between_readings(
    manager: TestClient, admin: Admin, kiosk: SignedKiosk
):
    building(admin)
    a_day_of_business(kiosk)
    page = manager.get("/dashboard/tenants/8").text
    assert "Zhang &amp; Partners" in page
    balances = section(page, "balances")
    assert "Meter credit 12.00 CNY" in balances and "Low on credit" in balances

    svg_text = re.search(r"<svg.*?</svg>", page, re.S).group(0)
    svg = ET.fromstring(svg_text)
    bars = svg.findall(f".//{SVG}rect")
    titles = [bar.find(f"{SVG}title").text for bar in bars]
    assert len(bars) == 2
    assert titles[0].startswith("5.00 kWh from ") and titles[1].startswith("3.50 kWh from ")
    first, second = (float(bar.get("height")) for bar in bars)
    assert first > second > 0  # 5.00 kWh stands taller than 3.50 kWh
    assert svg.find(f"{SVG}title").text == "Meter 42: electricity used between readings"
    axis = [t.text for t in svg.findall(f"{SVG}text") if "kWh" in (t.text or "")]
    assert axis == ["0.00 kWh", "1.25 kWh", "2.50 kWh", "3.75 kWh", "5.00 kWh"]
    consumption = section(page, "consumption")
    assert "8.50 kWh over the last 30 days" in consumption
    assert "108.50 kWh 12.00 CNY" in consumption  # the newest reading in the table


def test_a_tenant_page_lists_its_topups_and_account_entries(
    manager: TestClient, admin: Admin, kiosk: SignedKiosk
):
    building(admin)
    a_day_of_business(kiosk)
    transactions = section(manager.get("/dashboard/tenants/7").text, "transactions")
    for number, amount, state in (
        ("K1-20261124-0000000001", "30.00 CNY", "done"),
        ("K1-20261124-0000000002", "20.50 CNY", "done"),
        ("K1-20261124-0000000003", "99.00 CNY", "done"),
    ):
        assert re.search(rf"{number} K1 a1b2c3d4 simulator {state} {amount}", transactions)
    assert "on card payment K1 30.00 CNY" in transactions
    assert "No charts" not in transactions


def test_a_meter_with_one_reading_says_when_the_chart_will_appear(
    manager: TestClient, admin: Admin, kiosk: SignedKiosk
):
    building(admin)
    push(kiosk, message(1, "meter_state", reading(1, 42, 1000, 80_00, now())))
    consumption = section(manager.get("/dashboard/tenants/8").text, "consumption")
    assert "One reading so far: consumption shows from the second." in consumption
    assert "<svg" not in consumption


# -- kiosks ----------------------------------------------------------------------------------------


def test_kiosk_health_shows_last_contact_and_how_far_messages_are_applied(
    manager: TestClient, admin: Admin, kiosk: SignedKiosk
):
    building(admin)
    enrol(admin, "K2")  # never synced
    push(kiosk, message(1, "order", order(1, 10_00, 7, now())))
    held = kiosk.push(message(3, "order", order(3, 10_00, 7, now())))  # seq 2 went missing
    assert held.json()["missing_from"] == 2
    page = manager.get("/dashboard/kiosks").text
    k1, k2 = row_of(page, "kiosk-K1"), row_of(page, "kiosk-K2")
    assert k1.startswith("K1 Lobby Test Tower in touch just now")
    assert k1.endswith("1 3 1 held, missing from seq 2 not reported yet")
    assert k2 == "K2 Lobby Test Tower never synced never never 0 0 none not reported yet"
