"""Signing in to the dashboard: a right password opens it and signing out closes it; a wrong one
and an unknown address get the same sentence (no user enumeration); every page sends a stranger
to the sign-in form and back; a form without its CSRF token changes nothing; ``python -m backend
user add`` creates the account, reading the password from stdin. On SQLite and PostgreSQL.

The helpers here (a signed-in client, the CSRF token of a page) are used by the other dashboard
tests too."""

from __future__ import annotations

import html
import io
import os
import re
import subprocess
import sys

import pytest
from argon2 import PasswordHasher, profiles
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import select, update

from backend.__main__ import main as backend_main
from backend.app import create_app
from backend.db import Database
from backend.db.models import UserRow
from backend.errors import SettingsError
from backend.settings import Settings
from backend.web import passwords
from backend.web.users import add_user
from tests.backend.conftest import Admin, SignedKiosk, settings_for
from tests.backend.server import ROOT

EMAIL = "ann.li@example.com"
PASSWORD = "correct horse battery 42"
WRONG = "Wrong e-mail address or password."


def use_cheap_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2's cheapest parameters for the tests' own hashes: the production cost (64 MiB, three
    passes) is what a server pays per sign-in, not what a test suite should pay per test.
    test_passwords_are_stored_as_argon2id checks the real parameters."""
    monkeypatch.setattr(passwords, "_hasher", PasswordHasher.from_parameters(profiles.CHEAPEST))


@pytest.fixture(autouse=True)
def cheap_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_hashes(monkeypatch)


def create_manager(db: Database, email: str = EMAIL, password: str = PASSWORD) -> None:
    with db.session() as s:
        add_user(s, email, "Ann Li", password)


def csrf_of(page: Response) -> str:
    """The CSRF token in a page's forms."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found, f"no form with a CSRF token on {page.url}"
    return found.group(1)


def sign_in(client: TestClient, email: str = EMAIL, password: str = PASSWORD, **extra) -> Response:
    token = csrf_of(client.get("/dashboard/login"))
    return client.post(
        "/dashboard/login",
        data={"email": email, "password": password, "csrf_token": token, **extra},
        follow_redirects=False,
    )


def signed_in(client: TestClient, db: Database) -> TestClient:
    """``client`` signed in as a new property manager."""
    create_manager(db)
    assert sign_in(client).status_code == 303
    return client


@pytest.fixture()
def manager(client: TestClient, backend_db: Database, admin: Admin) -> TestClient:
    """The test client, signed in as a property manager (site 17 exists)."""
    return signed_in(client, backend_db)


def visible_text(page: str) -> str:
    """What a person reads on a page: tags dropped, entities decoded, whitespace collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


# -- signing in and out ----------------------------------------------------------------------------


def test_the_right_password_opens_the_dashboard_and_signing_out_closes_it(
    client: TestClient, backend_db: Database, admin: Admin
):
    create_manager(backend_db)
    reply = sign_in(client, email="  Ann.Li@Example.COM ")  # as people type it
    assert reply.status_code == 303 and reply.headers["location"] == "/dashboard"
    page = client.get("/dashboard/sites/17")
    assert page.status_code == 200
    assert "Test Tower" in page.text and "Ann Li" in page.text and "Sign out" in page.text
    # no other site can frame the page and have the manager click its buttons
    assert page.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]

    out = client.post(
        "/dashboard/logout", data={"csrf_token": csrf_of(page)}, follow_redirects=False
    )
    assert out.status_code == 303 and out.headers["location"] == "/dashboard/login"
    again = client.get("/dashboard/sites/17", follow_redirects=False)
    assert again.status_code == 303 and again.headers["location"].startswith("/dashboard/login")


def test_a_wrong_password_and_an_unknown_address_get_the_same_answer(
    client: TestClient, backend_db: Database, admin: Admin
):
    create_manager(backend_db)
    wrong_password = sign_in(client, password="correct horse battery 43")
    unknown_user = sign_in(client, email="nobody@example.com")
    for reply in (wrong_password, unknown_user):
        assert reply.status_code == 401
        assert WRONG in visible_text(reply.text)
    # word for word the same page: nothing tells whether the address has an account
    assert visible_text(wrong_password.text) == visible_text(unknown_user.text)
    assert client.get("/dashboard/sites/17", follow_redirects=False).status_code == 303


def test_passwords_are_stored_as_argon2id(backend_db: Database, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.undo()  # the production parameters
    create_manager(backend_db)
    with backend_db.session() as s:
        (row,) = s.scalars(select(UserRow)).all()
    assert row.password_hash.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert PASSWORD not in row.password_hash


def test_an_empty_form_is_asked_to_be_filled(client: TestClient, admin: Admin):
    reply = sign_in(client, email="", password="")
    assert reply.status_code == 422
    assert "Enter your e-mail address and password." in visible_text(reply.text)


def test_a_user_switched_off_is_signed_out_at_the_next_page(
    client: TestClient, backend_db: Database, admin: Admin
):
    create_manager(backend_db)
    assert sign_in(client).status_code == 303
    assert client.get("/dashboard/sites/17").status_code == 200
    with backend_db.session() as s:
        s.execute(update(UserRow).values(active=False))
    reply = client.get("/dashboard/sites/17", follow_redirects=False)
    assert reply.status_code == 303 and reply.headers["location"].startswith("/dashboard/login")
    assert WRONG in visible_text(sign_in(client).text)  # and cannot sign in again


# -- pages need a signed-in user -------------------------------------------------------------------

PAGES = [
    "/dashboard",
    "/dashboard/sites/17",
    "/dashboard/tenants/7",
    "/dashboard/kiosks",
    "/dashboard/sites/17/cards",
    "/dashboard/sites/17/tariffs",
    "/dashboard/export",
    "/dashboard/export.csv?site=17&from=2026-11-01&to=2026-11-30",
]


@pytest.mark.parametrize("path", PAGES)
def test_a_stranger_is_sent_to_the_sign_in_form_and_back(
    client: TestClient, backend_db: Database, admin: Admin, path: str
):
    admin.ok("PUT", "/tenants/7", {"site_id": 17, "name": "Unit 7"})
    reply = client.get(path, follow_redirects=False)
    assert reply.status_code == 303
    assert reply.headers["location"].startswith("/dashboard/login?next=")
    form = client.get(reply.headers["location"])
    assert "Sign in" in form.text and "Test Tower" not in form.text

    create_manager(backend_db)
    back = sign_in(
        client, next=html.unescape(re.search(r'name="next" value="([^"]+)"', form.text).group(1))
    )
    assert back.status_code == 303 and back.headers["location"] == path
    assert client.get(path).status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/dashboard/events",
        "/dashboard/sites/17/parts/topups",
        "/dashboard/tenants/7/parts/balances",
    ],
)
def test_live_parts_and_the_event_stream_answer_401_to_a_stranger(
    client: TestClient, admin: Admin, path: str
):
    reply = client.get(path, follow_redirects=False)
    assert reply.status_code == 401  # the page's script reloads, and meets the sign-in form


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/api/v1/admin"])
def test_signing_in_never_leads_out_of_the_dashboard(
    client: TestClient, backend_db: Database, admin: Admin, target: str
):
    create_manager(backend_db)
    assert sign_in(client, next=target).headers["location"] == "/dashboard"


# -- CSRF ------------------------------------------------------------------------------------------


def test_a_form_without_its_csrf_token_changes_nothing(
    manager: TestClient, admin: Admin, kiosk: SignedKiosk
):
    admin.ok("PUT", "/tenants/7", {"site_id": 17, "name": "Unit 7"})
    admin.ok(
        "PUT", "/cards/a1b2c3d4", {"site_id": 17, "role": "wallet", "serial": 1, "tenant_id": 7}
    )
    cursor = kiosk.pull().json()["cursor"]
    target = "/dashboard/sites/17/cards/a1b2c3d4/blacklist"
    for data in ({"reason": "lost"}, {"reason": "lost", "csrf_token": "forged-" + "x" * 30}):
        reply = manager.post(target, data=data, follow_redirects=False)
        assert reply.status_code == 403
        assert "did not come from this dashboard, so nothing was changed" in visible_text(
            reply.text
        )
    assert kiosk.pull(cursor).json()["changes"] == []  # no kiosk hears of a block
    assert admin.ok("GET", "/cards")[0]["status"] == "active"


def test_a_sign_in_posted_from_elsewhere_is_refused(
    client: TestClient, backend_db: Database, admin: Admin
):
    create_manager(backend_db)
    reply = client.post(
        "/dashboard/login", data={"email": EMAIL, "password": PASSWORD}, follow_redirects=False
    )
    assert reply.status_code == 403
    assert client.get("/dashboard/sites/17", follow_redirects=False).status_code == 303


# -- python -m backend user add --------------------------------------------------------------------


def user_add(db_url: str, email: str, name: str, stdin: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREPAY_BACKEND_")}
    return subprocess.run(
        [sys.executable, "-m", "backend", "user", "add", "--email", email, "--name", name,
         "--db", db_url],
        input=stdin, env={**env, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True,
        timeout=60,
    )  # fmt: skip


def test_user_add_creates_an_account_that_signs_in(db_url: str, client: TestClient, admin: Admin):
    made = user_add(db_url, "Bo.Chen@Example.com", "Bo Chen", "a long passphrase 7\n")
    assert made.returncode == 0, made.stderr
    assert "bo.chen@example.com (Bo Chen) can now sign in" in made.stdout
    assert "a long passphrase" not in made.stdout + made.stderr
    reply = sign_in(client, email="bo.chen@example.com", password="a long passphrase 7")
    assert reply.status_code == 303

    again = user_add(db_url, "bo.chen@example.com", "Bo", "another passphrase\n")
    assert again.returncode == 2
    assert "There is already a user with the e-mail address bo.chen@example.com." in again.stderr


@pytest.mark.parametrize(
    ("email", "name", "password", "said"),
    [
        ("no-at-sign", "Cy", "a long passphrase\n", "'no-at-sign' is not an e-mail address."),
        ("cy@example.com", "  ", "a long passphrase\n", "The name must be 1 to 200 characters."),
        ("cy@example.com", "Cy", "short\n", "The password must be at least 10 characters long."),
        ("cy@example.com", "Cy", "", "The password must be at least 10 characters long."),
        ("cy@example.com", "Cy", " padded passphrase\n", "must not begin or end with a space."),
    ],
)
def test_user_add_refuses_bad_input_with_a_sentence(
    tmp_path, monkeypatch, capsys, email: str, name: str, password: str, said: str
):
    """In-process (the validation is the same on every database; the real command runs above)."""
    monkeypatch.setattr(sys, "stdin", io.StringIO(password))
    url = f"sqlite:///{tmp_path / 'users.db'}"
    assert backend_main(["user", "add", "--email", email, "--name", name, "--db", url]) == 2
    err = capsys.readouterr().err
    assert err.startswith("No user created: ") and said in err


def test_user_add_refuses_a_database_url_it_cannot_use(capsys):
    assert (
        backend_main(["user", "add", "--email", "a@b.cd", "--name", "A", "--db", "mysql://x"]) == 2
    )
    assert "the database URL must be sqlite:///" in capsys.readouterr().err


# -- the session cookie's settings -----------------------------------------------------------------

GOOD_ENV = {"PREPAY_BACKEND_ADMIN_TOKEN": "a" * 20, "PREPAY_BACKEND_SECRET_KEY": "ab" * 32}


@pytest.mark.parametrize(
    ("env", "named"),
    [
        (
            {"PREPAY_BACKEND_SESSION_SECRET": "too-short"},
            "PREPAY_BACKEND_SESSION_SECRET must be at",
        ),
        (
            {"PREPAY_BACKEND_SECURE_COOKIES": "maybe"},
            "PREPAY_BACKEND_SECURE_COOKIES must be 1 or 0",
        ),
    ],
)
def test_a_bad_session_setting_is_named(env: dict[str, str], named: str):
    with pytest.raises(SettingsError, match=named):
        Settings.from_env({**GOOD_ENV, **env})


def test_every_worker_signs_sessions_alike_and_a_session_secret_of_its_own_takes_over():
    derived = Settings.from_env(GOOD_ENV).session_key
    assert derived == Settings.from_env(GOOD_ENV).session_key  # the same on every worker
    assert "ab" * 32 not in derived  # not the key that seals the kiosks' secrets
    own = "s" * 40
    assert Settings.from_env({**GOOD_ENV, "PREPAY_BACKEND_SESSION_SECRET": own}).session_key == own


def test_behind_tls_the_session_cookie_is_sent_over_https_only(db_url: str, backend_db: Database):
    settings = settings_for(db_url, secure_cookies=True)
    with TestClient(create_app(settings, db=backend_db), base_url="https://testserver") as client:
        Admin(client).ok("PUT", "/sites/17", {"name": "Test Tower", "currency": 156})
        create_manager(backend_db)
        cookie = sign_in(client).headers["set-cookie"].lower()
    assert "secure" in cookie and "httponly" in cookie and "path=/dashboard" in cookie
