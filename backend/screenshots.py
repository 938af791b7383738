"""``python -m backend.screenshots OUT_DIR``: pictures of the dashboard for the docs.

Builds a demo building (:mod:`backend.web.demo`) in a temporary SQLite database, serves the
backend on a free port of 127.0.0.1 (uvicorn, in this process), signs in with headless Chromium
(Debian's /usr/bin/chromium driven by Playwright, in a temporary profile) and saves
OUT_DIR/dashboard-overview.png, OUT_DIR/dashboard-tenant.png and OUT_DIR/dashboard-kiosks.png.
The secrets and the password are made up for the run and gone with it. :func:`launch_chromium` is
how the end-to-end tests start the browser too: the flags a root user on a machine without
internet needs are in one place.
"""

from __future__ import annotations

import logging
import secrets
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from backend.settings import Settings

if TYPE_CHECKING:
    from fastapi import FastAPI
    from playwright.sync_api import BrowserContext, Page, Playwright

CHROMIUM = "/usr/bin/chromium"
#: --no-sandbox: Chromium refuses to run as root with its sandbox; the rest keep it from reaching
#: for the internet (updates, sync, field trials, QUIC) on a machine that has none (DESIGN.md §9)
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
)
VIEWPORT = {"width": 1280, "height": 860}
TENANT = 101  # the tenant whose page is pictured
#: how long the pictures wait for a page (a bound against hanging, not a measure), milliseconds
WAIT_MS = 30_000
EXIT_ERROR = 2


def launch_chromium(playwright: Playwright, profile: Path) -> BrowserContext:
    """Headless Chromium with a throw-away profile directory ``profile`` (downloads allowed)."""
    return playwright.chromium.launch_persistent_context(
        str(profile),
        executable_path=CHROMIUM,
        args=list(CHROMIUM_ARGS),
        headless=True,
        viewport=VIEWPORT,  # type: ignore[arg-type]
        accept_downloads=True,
    )


def sign_in(page: Page, base_url: str, email: str, password: str) -> None:
    page.goto(f"{base_url}/dashboard/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_selector("form.logout", timeout=WAIT_MS)


@contextmanager
def serving(app: FastAPI) -> Iterator[str]:
    """``app`` under uvicorn on a free port of 127.0.0.1, in a thread; its base URL."""
    import uvicorn

    from kiosk.db.pgserver import free_port

    port = free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", timeout_graceful_shutdown=2
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="dashboard-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + WAIT_MS / 1000
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"the backend did not start on 127.0.0.1:{port}")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(15)


def take(out_dir: Path) -> list[Path]:
    """The pictures, into ``out_dir``; their paths."""
    from playwright.sync_api import sync_playwright

    from backend.app import create_app
    from backend.db import Database
    from backend.secretbox import SecretBox
    from backend.web import demo
    from meters.notify import LogNotifier

    out_dir.mkdir(parents=True, exist_ok=True)
    password = secrets.token_urlsafe(16)
    with tempfile.TemporaryDirectory(prefix="dashboard-screenshots-") as tmp:
        settings = Settings(
            admin_token=secrets.token_hex(16),
            secret_key=secrets.token_bytes(32),
            database_url=f"sqlite:///{Path(tmp) / 'dashboard.db'}",
        )
        db = Database(settings.database_url)
        try:
            db.migrate()
            quiet = logging.getLogger("backend.screenshots.notices")
            quiet.propagate = False  # the demo's notices are for the pictures, not the terminal
            quiet.addHandler(logging.NullHandler())
            demo.seed(db, SecretBox(settings.secret_key), LogNotifier(quiet), password,
                      settings.low_credit)  # fmt: skip
            pages = {
                "dashboard-overview.png": f"/dashboard/sites/{demo.SITE}",
                "dashboard-tenant.png": f"/dashboard/tenants/{TENANT}",
                "dashboard-kiosks.png": "/dashboard/kiosks",
            }
            shots = [out_dir / name for name in pages]
            with serving(create_app(settings, db=db)) as base, sync_playwright() as playwright:
                browser = launch_chromium(playwright, Path(tmp) / "chromium-profile")
                try:
                    page = browser.new_page()
                    sign_in(page, base, demo.EMAIL, password)
                    for shot, path in zip(shots, pages.values(), strict=True):
                        page.goto(base + path)
                        # live: the event stream is open and the parts fetched once
                        page.wait_for_selector('body[data-live="on"]', timeout=WAIT_MS)
                        page.screenshot(path=str(shot), full_page=True)
                finally:
                    browser.close()
        finally:
            db.dispose()
    return shots


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1 or args[0].startswith("-"):
        print("usage: python -m backend.screenshots OUT_DIR", file=sys.stderr)
        return EXIT_ERROR
    for path in take(Path(args[0])):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
