"""Guessing a property manager's password by trying is throttled: after 5 failures for one address
(or 20 from one client) within 15 minutes, sign-ins are refused with 429 and a sentence saying
how long to wait -- the right password included -- for addresses with and without an account
alike. A success, or a new password set by an administrator, lifts it. And the administrator's
``python -m backend user list|disable|enable|password``. On SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import io
import sys

import pytest
from fastapi.testclient import TestClient

from backend.__main__ import main as backend_main
from backend.db import Database
from backend.web import clock, throttle
from tests.backend.conftest import Admin
from tests.backend.test_dashboard_auth import (
    EMAIL,
    create_manager,
    csrf_of,
    sign_in,
    use_cheap_hashes,
    visible_text,
)


@pytest.fixture(autouse=True)
def cheap_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_hashes(monkeypatch)


class Clock:
    """The dashboard's clock, moved on by the test."""

    def __init__(self) -> None:
        self.at = dt.datetime.now(dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.at

    def wait(self, **delta: float) -> None:
        self.at += dt.timedelta(**delta)


@pytest.fixture()
def time_passes(monkeypatch: pytest.MonkeyPatch) -> Clock:
    moved = Clock()
    monkeypatch.setattr(clock, "now", moved)
    return moved


@pytest.fixture()
def manager_account(backend_db: Database, admin: Admin) -> None:
    create_manager(backend_db)


def is_signed_in(client: TestClient) -> bool:
    page = client.get("/dashboard/sites/17", follow_redirects=False)
    assert page.status_code == 200 or page.headers["location"].startswith("/dashboard/login")
    return page.status_code == 200


def fail(client: TestClient, times: int, email: str = EMAIL) -> None:
    for _ in range(times):
        assert sign_in(client, email=email, password="not the password").status_code == 401


def test_five_wrong_passwords_lock_the_address_even_for_the_right_one_until_the_window_passes(
    client: TestClient, manager_account: None, time_passes: Clock
):
    fail(client, 3)
    time_passes.wait(minutes=5)
    fail(client, 2)
    locked = sign_in(client)  # the right password, now refused unchecked
    assert locked.status_code == 429
    assert "/dashboard/login" not in locked.headers.get("location", "")
    assert (
        "Too many failed sign-ins for this e-mail address. Try again in 10 minutes, or ask an "
        "administrator to set a new password." in visible_text(locked.text)
    )
    assert int(locked.headers["Retry-After"]) == 10 * 60
    assert not is_signed_in(client)

    time_passes.wait(minutes=10, seconds=1)  # the first failure has left the window
    assert sign_in(client).status_code == 303
    # a success forgets the failures: four more are not yet a lock
    page = client.get("/dashboard/sites/17")
    client.post("/dashboard/logout", data={"csrf_token": csrf_of(page)})
    assert not is_signed_in(client)
    fail(client, 4)
    assert sign_in(client).status_code == 303


def test_an_address_with_no_account_is_throttled_alike(
    client: TestClient, manager_account: None, time_passes: Clock
):
    fail(client, 5, email="nobody@example.com")
    refused = sign_in(client, email="nobody@example.com", password="anything at all")
    assert refused.status_code == 429
    assert "Too many failed sign-ins for this e-mail address" in refused.text
    # another address from the same client still signs in
    assert sign_in(client).status_code == 303


def test_twenty_failures_from_one_client_refuse_it_whatever_address_it_tries(
    client: TestClient, manager_account: None, time_passes: Clock
):
    for n in range(throttle.PER_CLIENT):
        fail(client, 1, email=f"guess{n}@example.com")
    refused = sign_in(client)
    assert refused.status_code == 429
    assert "Too many failed sign-ins from this computer. Try again in 15 minutes." in visible_text(
        refused.text
    )
    time_passes.wait(minutes=15, seconds=1)
    assert sign_in(client).status_code == 303


def test_a_new_password_from_the_administrator_lifts_the_lock_and_ends_old_sessions(
    db_url: str,
    client: TestClient,
    manager_account: None,
    time_passes: Clock,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
):
    with TestClient(client.app) as other_browser:
        assert sign_in(other_browser).status_code == 303
        assert is_signed_in(other_browser)
        fail(client, 5)
        assert sign_in(client).status_code == 429
        monkeypatch.setattr(sys, "stdin", io.StringIO("a brand new passphrase\n"))
        assert backend_main(["user", "password", "--email", EMAIL, "--db", db_url]) == 0
        assert "has a new password" in capsys.readouterr().out
        assert sign_in(client, password="a brand new passphrase").status_code == 303
        # the session signed in with the old password is over
        assert not is_signed_in(other_browser)
        assert sign_in(other_browser).status_code == 401


def test_user_disable_ends_the_sessions_and_enable_lets_them_back(
    db_url: str, client: TestClient, manager_account: None, capsys: pytest.CaptureFixture[str]
):
    assert sign_in(client).status_code == 303 and is_signed_in(client)
    assert backend_main(["user", "disable", "--email", EMAIL.upper(), "--db", db_url]) == 0
    assert "switched off; their sessions have ended" in capsys.readouterr().out
    assert not is_signed_in(client)
    assert sign_in(client).status_code == 401
    assert backend_main(["user", "list", "--db", db_url]) == 0
    listed = capsys.readouterr().out
    assert EMAIL in listed and "switched off" in listed
    assert backend_main(["user", "enable", "--email", EMAIL, "--db", db_url]) == 0
    assert sign_in(client).status_code == 303
    assert backend_main(["user", "list", "--db", db_url]) == 0
    assert "active" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "stdin", "said"),
    [
        (["disable", "--email", "who@example.com"], "", "Nothing changed: There is no user with "
         "the e-mail address who@example.com."),
        (["password", "--email", "who@example.com"], "a long passphrase\n",
         "No password changed: There is no user with the e-mail address who@example.com."),
        (["password", "--email", EMAIL], "short\n",
         "No password changed: The password must be at least 10 characters long."),
    ],
)  # fmt: skip
def test_user_commands_refuse_bad_input_with_a_sentence_and_change_nothing(
    db_url: str,
    client: TestClient,
    manager_account: None,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    stdin: str,
    said: str,
):
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    assert backend_main(["user", *argv, "--db", db_url]) == 2
    assert said in capsys.readouterr().err
    assert sign_in(client).status_code == 303  # the account is as it was


def test_user_list_on_an_empty_database_says_how_to_add_one(tmp_path, capsys):
    assert backend_main(["user", "list", "--db", f"sqlite:///{tmp_path / 'empty.db'}"]) == 0
    assert "No dashboard users yet" in capsys.readouterr().out
