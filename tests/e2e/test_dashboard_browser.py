"""The dashboard in a real browser: headless Chromium (Debian's /usr/bin/chromium driven by
Playwright) against the backend under uvicorn on 127.0.0.1 with a temporary SQLite database.

A property manager signs in and opens the building's overview; at the lobby kiosk (a real kiosk:
emulated card reader, the payment simulator, the outbox synced over signed HTTP) a tenant tops up
by QR, and the top-up appears in "Today's top-ups", with the tenant's new balance, without the
page being reloaded. The manager then downloads the month's transactions as CSV. Last,
``python -m backend.screenshots`` takes its pictures into a temporary directory."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PIL import Image
from playwright.sync_api import Page, expect, sync_playwright

from backend.screenshots import launch_chromium, sign_in
from kiosk.payments.simulator.client import SimulatorProvider
from kiosk.payments.simulator.server import PaymentSimulator
from kiosk.topup.states import OrderState
from tests import cards
from tests.backend.kiosk_side import SyncingKiosk, make_syncing_kiosk
from tests.backend.server import ROOT, BackendServer

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

EMAIL, PASSWORD = "mei.lin@example.com", "a long test passphrase"
SIMULATOR_SECRET = "e2e-simulator-secret"
SHANGHAI = ZoneInfo("Asia/Shanghai")
#: how long the browser waits for what it expects: a bound against hanging, not a measurement
WAIT_MS = 30_000


@dataclass
class Rig:
    server: BackendServer
    kiosk: SyncingKiosk
    simulator: PaymentSimulator


@pytest.fixture()
def rig(tmp_path: Path) -> Iterator[Rig]:
    """The backend with kiosk K1 enrolled at Test Tower (Shanghai), tenant 7 whose wallet card
    the kiosk's reader holds, and a manager account made with ``python -m backend user add``."""
    db_url = f"sqlite:///{tmp_path / 'backend.db'}"
    with BackendServer(db_url) as server, PaymentSimulator(SIMULATOR_SECRET) as simulator:
        secret = server.enrol("K1", cards.SITE_ID)
        server.admin("PUT", f"/sites/{cards.SITE_ID}", {"name": "Test Tower", "currency": 156,
                                                        "timezone": "Asia/Shanghai"})  # fmt: skip
        server.admin("PUT", "/tenants/7", {"site_id": cards.SITE_ID, "name": "Lotus Café",
                                           "unit": "G-02"})  # fmt: skip
        made = subprocess.run(
            [sys.executable, "-m", "backend", "user", "add", "--email", EMAIL, "--name",
             "Mei Lin", "--db", db_url],
            input=PASSWORD + "\n", env={**os.environ, "PYTHONPATH": str(ROOT)},
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert made.returncode == 0, made.stderr
        provider = SimulatorProvider(simulator.url, SIMULATOR_SECRET)
        kiosk = make_syncing_kiosk(tmp_path / "kiosk", provider, server.url, secret)
        yield Rig(server, kiosk, simulator)
        kiosk.close()


@pytest.fixture()
def page(tmp_path: Path) -> Iterator[Page]:
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright, tmp_path / "chromium-profile")
        try:
            yield browser.new_page()
        finally:
            browser.close()  # before the server stops: it sees the event stream end


def qr_topup(rig: Rig, amount: int) -> str:
    """The tenant taps, chooses, pays with the phone; the card is credited at the next tap. The
    order's number."""
    k = rig.kiosk
    tap = k.tap()
    items, quoted = k.topup.items_for(tap, amount)
    order = k.topup.request_payment(k.topup.choose(tap, items, quoted=quoted).id)
    rig.simulator.pay(order.out_trade_no)
    assert k.topup.check_payment(order.id).state is OrderState.PAID
    assert [o.state for o in k.tap().delivered] == [OrderState.DONE]
    return order.out_trade_no


def test_a_kiosk_topup_appears_live_and_the_csv_export_holds_it(
    rig: Rig, page: Page, tmp_path: Path
):
    base = rig.server.url
    sign_in(page, base, EMAIL, PASSWORD)
    page.goto(f"{base}/dashboard/sites/{cards.SITE_ID}")
    expect(page.locator("body")).to_have_attribute("data-live", "on", timeout=WAIT_MS)
    expect(page.locator("#topups-today")).to_contain_text("No top-ups yet today.")
    expect(page.locator("#tenant-7 .on-card")).to_have_text("—")
    page.evaluate("window.loadedOnce = true")  # gone if the page were reloaded

    order_no = qr_topup(rig, 50_00)
    report = rig.kiosk.syncer.run_once()  # over signed HTTP, like the kiosk's sync worker
    assert report.ok, report.summary()

    row = page.locator(f'#topups-today tr[data-order="{order_no}"]')
    expect(row).to_be_visible(timeout=WAIT_MS)
    expect(row).to_contain_text("Lotus Café")
    expect(row).to_contain_text("50.00 CNY")
    expect(page.locator("#topup-count")).to_have_text("1")
    expect(page.locator("#topup-total")).to_have_text("50.00 CNY")
    expect(page.locator("#tenant-7 .on-card")).to_have_text("50.00 CNY", timeout=WAIT_MS)
    assert page.evaluate("window.loadedOnce") is True  # the same page, never reloaded

    today = dt.datetime.now(SHANGHAI).date().isoformat()
    page.goto(f"{base}/dashboard/export")
    page.select_option("select[name=site]", str(cards.SITE_ID))
    page.fill("input[name=from]", today)
    page.fill("input[name=to]", today)
    with page.expect_download(timeout=WAIT_MS) as download_info:
        page.click("#export button[type=submit]")
    download = download_info.value
    assert download.suggested_filename == f"transactions-site-17-{today}-to-{today}.csv"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    (row_data,) = csv.DictReader(io.StringIO(saved.read_text(encoding="utf-8-sig"), newline=""))
    assert (row_data["order_no"], row_data["tenant"], row_data["state"]) == (
        order_no,
        "Lotus Café",
        "done",
    )
    assert (row_data["amount_minor"], row_data["amount"], row_data["time_zone"]) == (
        "5000",
        "50.00 CNY",
        "Asia/Shanghai",
    )


def test_the_screenshot_script_pictures_the_overview_a_tenant_and_the_kiosks(tmp_path: Path):
    out = tmp_path / "shots"
    made = subprocess.run(
        [sys.executable, "-m", "backend.screenshots", str(out)],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert made.returncode == 0, made.stderr
    names = ("dashboard-overview.png", "dashboard-tenant.png", "dashboard-kiosks.png")
    for name in names:
        with Image.open(out / name) as picture:
            assert picture.format == "PNG"
            width, height = picture.size
            assert width == 1280 and height >= 800  # the whole page, not a blank corner
            assert (
                len(picture.getcolors(maxcolors=1 << 16) or ()) > 50 or picture.getcolors() is None
            )
    assert made.stdout.split() == [str(out / name) for name in names]
