"""Transactions as CSV: the orders of a building's kiosks between two local dates, money in minor
units and formatted, names with commas, quotes and line breaks quoted so a spreadsheet reads them
back whole, formulas defused, a file name that says what is in it; filters that cannot be used are
sentences. On SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from fastapi.testclient import TestClient

from backend.db import Database
from backend.web.export import COLUMNS
from tests.backend.conftest import Admin, SignedKiosk, enrol, message
from tests.backend.test_dashboard_auth import signed_in, use_cheap_hashes, visible_text
from tests.backend.test_dashboard_pages import order, push

TRICKY = 'Café "Zhang", Ltd\nUnit 2'
SHANGHAI = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture(autouse=True)
def cheap_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_hashes(monkeypatch)


@pytest.fixture()
def manager(client: TestClient, backend_db: Database, admin: Admin) -> TestClient:
    admin.ok("PUT", "/sites/17", {"name": "Test Tower", "currency": 156,
                                  "timezone": "Asia/Shanghai"})  # fmt: skip
    admin.ok("PUT", "/tenants/7", {"site_id": 17, "name": TRICKY, "unit": "=SUM(A1:A9)"})
    return signed_in(client, backend_db)


def november(kiosk: SignedKiosk) -> None:
    """Orders at Shanghai local times: 1 Nov 00:30 (still 31 Oct in UTC), 15 Nov, a cancelled one
    on 15 Nov, 30 Nov 23:59, and 1 Dec 00:00 (30 Nov in UTC, but December in the building)."""
    at = [
        dt.datetime(2026, 11, 1, 0, 30, tzinfo=SHANGHAI),
        dt.datetime(2026, 11, 15, 12, 0, tzinfo=SHANGHAI),
        dt.datetime(2026, 11, 30, 23, 59, tzinfo=SHANGHAI),
        dt.datetime(2026, 12, 1, 0, 0, tzinfo=SHANGHAI),
    ]
    unpaid = order(5, 7_00, 7, at[1] + dt.timedelta(hours=1), state="cancelled")
    unpaid["paid_at"] = unpaid["paid_amount"] = None
    push(
        kiosk,
        message(1, "order", order(1, 50_00, 7, at[0])),
        message(2, "order", order(2, 1_234_567_89, 7, at[1])),
        message(3, "order", order(3, 20_05, 7, at[2])),
        message(4, "order", order(4, 9_99, 7, at[3])),
        message(5, "order", unpaid),
    )


def download(manager: TestClient, query: str) -> list[dict[str, str]]:
    reply = manager.get(f"/dashboard/export.csv?{query}")
    assert reply.status_code == 200, reply.text
    assert reply.headers["content-type"] == "text/csv; charset=utf-8"
    text = reply.content.decode("utf-8-sig")
    assert text.endswith("\r\n")
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_the_export_has_the_months_orders_with_money_twice_and_names_quoted(
    manager: TestClient, kiosk: SignedKiosk
):
    november(kiosk)
    reply = manager.get("/dashboard/export.csv?site=17&from=2026-11-01&to=2026-11-30")
    assert reply.headers["content-disposition"] == (
        'attachment; filename="transactions-site-17-2026-11-01-to-2026-11-30.csv"'
    )
    assert reply.content.startswith(b"\xef\xbb\xbf")  # spreadsheet programs then read UTF-8
    rows = download(manager, "site=17&from=2026-11-01&to=2026-11-30")
    assert list(rows[0]) == list(COLUMNS)
    assert [(r["created_at"], r["state"], r["amount_minor"], r["amount"]) for r in rows] == [
        ("2026-11-01 00:30:00", "done", "5000", "50.00 CNY"),
        ("2026-11-15 12:00:00", "done", "123456789", "1,234,567.89 CNY"),
        ("2026-11-15 13:00:00", "cancelled", "700", "7.00 CNY"),
        ("2026-11-30 23:59:00", "done", "2005", "20.05 CNY"),
    ]
    first = rows[0]
    assert first["tenant"] == TRICKY  # the comma, the quotes and the line break survive
    assert first["unit"] == "'=SUM(A1:A9)"  # a spreadsheet shows it, never runs it
    assert (first["order_no"], first["kiosk_id"], first["time_zone"]) == (
        "K1-20261124-0000000001",
        "K1",
        "Asia/Shanghai",
    )
    assert (first["paid_minor"], first["paid"], first["paid_at"]) == (
        "5000",
        "50.00 CNY",
        "2026-11-01 00:30:00",
    )
    assert (rows[2]["paid_minor"], rows[2]["paid"], rows[2]["paid_at"]) == ("", "", "")
    raw = reply.content.decode("utf-8-sig")
    assert '"Café ""Zhang"", Ltd\nUnit 2"' in raw  # RFC 4180 quoting, as written


def test_one_day_and_other_buildings(manager: TestClient, admin: Admin, kiosk: SignedKiosk):
    november(kiosk)
    admin.ok("PUT", "/sites/18", {"name": "River Court", "currency": 156})
    other = enrol(admin, "K9", site_id=18)
    other_order = order(1, 3_00, 7, dt.datetime(2026, 11, 15, 1, 0, tzinfo=dt.UTC))
    other_order["kiosk_id"] = "K9"
    push(other, message(1, "order", other_order, kiosk_id="K9"))

    one_day = download(manager, "site=17&from=2026-11-15&to=2026-11-15")
    assert [r["amount_minor"] for r in one_day] == ["123456789", "700"]
    everywhere = download(manager, "site=&from=2026-11-15&to=2026-11-15")
    assert [(r["site_id"], r["amount_minor"]) for r in everywhere] == [
        ("17", "123456789"),
        ("17", "700"),
        ("18", "300"),
    ]
    assert download(manager, "site=18&from=2026-12-01&to=2026-12-31") == []


@pytest.mark.parametrize(
    ("query", "said"),
    [
        ("site=17&from=&to=2026-11-30", "Choose the first day to export."),
        ("site=17&from=2026-11-01", "Choose the last day to export."),
        ("site=17&from=2026-13-01&to=2026-11-30", "The first day '2026-13-01' is not a date"),
        ("site=17&from=2026-11-30&to=2026-11-01",
         "The first day (2026-11-30) is after the last day (2026-11-01)."),
        ("site=99&from=2026-11-01&to=2026-11-30", "There is no building 99."),
        ("site=tower&from=2026-11-01&to=2026-11-30", "'tower' is not a building number."),
    ],
)  # fmt: skip
def test_a_filter_that_cannot_be_used_is_a_sentence_on_the_form(
    manager: TestClient, query: str, said: str
):
    reply = manager.get(f"/dashboard/export.csv?{query}")
    assert reply.status_code == 422
    assert reply.headers["content-type"].startswith("text/html")
    assert said in visible_text(reply.text)
    assert "Download CSV" in reply.text  # the form is there to correct it


def test_the_export_form_offers_every_building_and_this_month(manager: TestClient):
    page = visible_text(manager.get("/dashboard/export").text)
    assert "All buildings Test Tower" in page
    today = dt.datetime.now(dt.UTC).date()
    form = manager.get("/dashboard/export").text
    assert f'value="{today.replace(day=1).isoformat()}"' in form
    assert f'value="{today.isoformat()}"' in form
