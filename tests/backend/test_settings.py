"""The backend's settings: a missing or malformed secret stops ``python -m backend`` at start-up
with a sentence naming the variable (DESIGN.md §3), never a silent default."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from backend.errors import SettingsError
from backend.settings import Settings
from tests.backend.server import ROOT

GOOD = {"PREPAY_BACKEND_ADMIN_TOKEN": "a" * 20, "PREPAY_BACKEND_SECRET_KEY": "ab" * 32}


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"PREPAY_BACKEND_ADMIN_TOKEN": ""}, "PREPAY_BACKEND_ADMIN_TOKEN"),
        ({"PREPAY_BACKEND_ADMIN_TOKEN": "short"}, "at least 16 characters"),
        ({"PREPAY_BACKEND_SECRET_KEY": ""}, "PREPAY_BACKEND_SECRET_KEY"),
        ({"PREPAY_BACKEND_SECRET_KEY": "xyz"}, "64 hex digits"),
        ({"PREPAY_BACKEND_SECRET_KEY": "ab" * 16}, "32 bytes"),
        ({"PREPAY_BACKEND_DB": "mysql://db"}, "sqlite:///"),
        ({"PREPAY_BACKEND_LOW_CREDIT": "-5"}, "PREPAY_BACKEND_LOW_CREDIT"),
        ({"PREPAY_BACKEND_NOTIFY_WEBHOOK": "http://hooks"}, "PREPAY_BACKEND_NOTIFY_WEBHOOK_SECRET"),
    ],
)
def test_a_bad_setting_is_named(env, named):
    with pytest.raises(SettingsError, match=named):
        Settings.from_env({**GOOD, **env})


def test_good_settings_have_sqlite_by_default():
    settings = Settings.from_env(GOOD)
    assert settings.database_url == "sqlite:///backend.db"
    assert settings.secret_key == bytes.fromhex("ab" * 32)
    assert "a" * 20 not in repr(settings) and "abab" not in repr(settings)  # never logged


def test_the_server_refuses_to_start_without_its_secrets(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREPAY_BACKEND_")}
    result = subprocess.run(
        [sys.executable, "-m", "backend", "serve", "--db", f"sqlite:///{tmp_path / 'b.db'}"],
        env={**env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "PREPAY_BACKEND_ADMIN_TOKEN" in result.stderr
    assert not (tmp_path / "b.db").exists()  # nothing was created
