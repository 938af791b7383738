"""The backend as the kiosks meet it: ``python -m backend serve`` in a subprocess on a free port
of 127.0.0.1 (uvicorn, real HTTP), on a temporary SQLite database unless given a URL; started,
stopped, killed (SIGKILL) and started again on the same port and database by the tests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType
from typing import Any

import requests

from kiosk.db.pgserver import free_port
from kiosk.faults import ENV as CRASH_ENV

ROOT = Path(__file__).resolve().parents[2]
ADMIN_TOKEN = "test-admin-token-0123456789"
SECRET_KEY = "5e" * 32


class BackendServer:
    def __init__(self, db_url: str, port: int | None = None, workers: int = 1) -> None:
        self.db_url, self.workers = db_url, workers
        self.port = port or free_port()
        self.process: subprocess.Popen[str] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, crash_at: str | None = None, timeout: float = 30.0) -> BackendServer:
        """Start it (``crash_at``: a kiosk.faults crash point where it kills itself)."""
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "PREPAY_BACKEND_ADMIN_TOKEN": ADMIN_TOKEN,
            "PREPAY_BACKEND_SECRET_KEY": SECRET_KEY,
        }
        env.pop(CRASH_ENV, None)
        if crash_at:
            env[CRASH_ENV] = crash_at
        self.process = subprocess.Popen(
            [
                sys.executable, "-m", "backend", "serve", "--db", self.db_url,
                "--host", "127.0.0.1", "--port", str(self.port),
                "--workers", str(self.workers), "--log-level", "warning",
            ],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )  # fmt: skip
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                out = self.process.stdout.read() if self.process.stdout else ""
                raise RuntimeError(f"the backend exited ({self.process.returncode}):\n{out}")
            try:
                if requests.get(f"{self.url}/health", timeout=1).ok:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.05)
        self.kill()
        raise RuntimeError(f"the backend did not answer on {self.url} within {timeout} s")

    def stop(self) -> None:
        """SIGTERM and wait (a clean shutdown)."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self._close()

    def kill(self) -> None:
        """SIGKILL: the server dies wherever it is."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
        self._close()

    def wait_dead(self, timeout: float = 15.0) -> int | None:
        """Wait for a server that is to kill itself (a crash point); its return code."""
        if self.process is None:
            return None
        try:
            return self.process.wait(timeout)
        finally:
            self._close()

    def _close(self) -> None:
        if self.process is not None and self.process.stdout is not None:
            self.process.stdout.close()

    def __enter__(self) -> BackendServer:
        return self.start() if self.process is None else self

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # -- the administrator's API -------------------------------------------------------------------

    def admin(self, method: str, path: str, json: Any = None, expect: int | None = None) -> Any:
        response = requests.request(
            method,
            f"{self.url}/api/v1/admin{path}",
            json=json,
            headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
            timeout=10,
        )
        if expect is not None:
            assert response.status_code == expect, response.text
        elif not response.ok:
            raise AssertionError(f"{method} {path}: {response.status_code} {response.text}")
        return response.json()

    def enrol(self, kiosk_id: str, site_id: int, name: str = "Lobby kiosk") -> str:
        """Create the site if needed, enrol the kiosk; its secret."""
        self.admin("PUT", f"/sites/{site_id}", {"name": "Test Tower", "currency": 156})
        reply = self.admin(
            "POST", "/kiosks", {"kiosk_id": kiosk_id, "site_id": site_id, "name": name}
        )
        return str(reply["secret"])

    def enrol_offline(self, kiosk_id: str, site_id: int) -> str:
        """Enrol straight into the (stopped) server's database, as ``enrol`` would over HTTP:
        saves starting the server just for that."""
        from backend.admin_schemas import EnrolIn, SiteIn
        from backend.db import Database
        from backend.enrolment import enrol
        from backend.reference import put_site
        from backend.secretbox import SecretBox

        db = Database(self.db_url)
        try:
            db.migrate()
            with db.session() as s:
                put_site(s, site_id, SiteIn(name="Test Tower", currency=156))
                body = EnrolIn(kiosk_id=kiosk_id, site_id=site_id, name="Lobby kiosk")
                _row, secret = enrol(s, SecretBox(bytes.fromhex(SECRET_KEY)), body, rotate=False)
        finally:
            db.dispose()
        return secret
