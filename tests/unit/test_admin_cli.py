"""`prepay-kiosk staff …`: adding staff and setting their PINs on the kiosk's own command line."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import select

from kiosk import config as config_mod
from kiosk.cli import main
from kiosk.db import Database
from kiosk.db.models import AuditEntry, Staff


@pytest.fixture()
def site(tmp_path: Path) -> Path:
    path = tmp_path / "kiosk.toml"
    path.write_text(
        '[site]\nid = 5\n[keys.1]\nsite = "' + "11" * 16 + '"\nmeter = "' + "22" * 16 + '"\n'
    )
    return path


def run(capsys, *argv: str, stdin: str | None = None, monkeypatch=None) -> tuple[int, str, str]:  # noqa: ANN001
    if stdin is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def staff_row(site: Path, staff_id: int) -> Staff | None:
    db = Database(config_mod.load(site).db_url)
    try:
        with db.session() as s:
            return s.get(Staff, staff_id)
    finally:
        db.dispose()


def test_add_a_manager_and_set_the_pin_from_stdin(site, capsys, monkeypatch):
    base = ("--config", str(site))
    code, out, _ = run(
        capsys, *base, "staff", "add", "--id", "3", "--name", "Li Wei", "--role", "manager"
    )
    assert code == 0 and "Staff 3: Li Wei, manager" in out
    code, out, _ = run(
        capsys,
        *base,
        "staff",
        "pin",
        "--id",
        "3",
        "--pin-stdin",
        stdin="5831\n",
        monkeypatch=monkeypatch,
    )
    assert code == 0 and "PIN set for staff 3" in out
    row = staff_row(site, 3)
    assert row.role == "manager" and row.pin_hash.startswith("$argon2id$")
    assert "5831" not in row.pin_hash
    code, out, _ = run(capsys, *base, "staff", "list")
    assert "    3  Li Wei  manager  active, PIN set" in out
    db = Database(config_mod.load(site).db_url)
    with db.session() as s:
        actions = [
            (e.actor, e.action) for e in s.scalars(select(AuditEntry).order_by(AuditEntry.id))
        ]
    db.dispose()
    assert actions == [("cli", "staff_added"), ("cli", "pin_set")]


def test_the_pin_is_asked_twice_without_echo(site, capsys, monkeypatch):
    base = ("--config", str(site))
    run(capsys, *base, "staff", "add", "--id", "4", "--name", "Ana", "--role", "operator")
    answers = iter(["7395", "7359"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    code, _, err = run(capsys, *base, "staff", "pin", "--id", "4")
    assert code == 2 and "The two PINs differ: nothing was changed. [invalid_input]" in err
    assert staff_row(site, 4).pin_hash == ""
    answers = iter(["7395", "7395"])
    assert run(capsys, *base, "staff", "pin", "--id", "4")[0] == 0
    assert staff_row(site, 4).pin_hash.startswith("$argon2id$")


@pytest.mark.parametrize(
    ("pin", "message"),
    [("1234", "consecutive digits"), ("0000", "one digit repeated"), ("12", "4 to 8 digits")],
)
def test_an_easy_pin_is_refused(site, capsys, monkeypatch, pin, message):
    base = ("--config", str(site))
    run(capsys, *base, "staff", "add", "--id", "4", "--name", "Ana", "--role", "operator")
    code, _, err = run(
        capsys,
        *base,
        "staff",
        "pin",
        "--id",
        "4",
        "--pin-stdin",
        stdin=pin,
        monkeypatch=monkeypatch,
    )
    assert code == 2 and message in err and "[weak_pin]" in err
    assert staff_row(site, 4).pin_hash == ""


def test_refusals_name_the_problem(site, capsys, monkeypatch):
    base = ("--config", str(site))
    run(capsys, *base, "staff", "add", "--id", "4", "--name", "Ana", "--role", "operator")
    code, _, err = run(
        capsys, *base, "staff", "add", "--id", "4", "--name", "Bo", "--role", "operator"
    )
    assert code == 2 and "Staff id 4 is already Ana. [staff_id_taken]" in err
    code, _, err = run(
        capsys, *base, "staff", "add", "--id", "5", "--name", " ", "--role", "operator"
    )
    assert code == 2 and "needs a name" in err
    code, _, err = run(
        capsys,
        *base,
        "staff",
        "pin",
        "--id",
        "77",
        "--pin-stdin",
        stdin="5831",
        monkeypatch=monkeypatch,
    )
    assert code == 2 and "There is no staff member 77. [not_found]" in err
    with pytest.raises(SystemExit):  # argparse: the role must be one of the two
        main([*base, "staff", "add", "--id", "6", "--name", "Cy", "--role", "boss"])


def test_the_first_manager_gets_a_staff_card_and_opens_admin_mode(
    site, tmp_path, capsys, monkeypatch
):
    from cardlib.reader.spec import open_reader
    from kiosk import app
    from kiosk.admin import AdminService

    base = ("--config", str(site))
    card = tmp_path / "staff.json"
    run(capsys, "emulator", "new", "--kind", "sle4442", "--file", str(card))
    run(capsys, *base, "staff", "add", "--id", "3", "--name", "Li Wei", "--role", "manager")
    run(
        capsys,
        *base,
        "staff",
        "pin",
        "--id",
        "3",
        "--pin-stdin",
        stdin="5831",
        monkeypatch=monkeypatch,
    )
    reader = ("--reader", f"emulated:{card}")
    code, out, _ = run(capsys, *base, "staff", "card", "--id", "3", "--serial", "9003", *reader)
    assert code == 0 and "Staff card 9003 (SLE4442 memory card) issued to staff 3" in out
    code, _, err = run(capsys, *base, "staff", "card", "--id", "3", "--serial", "9004", *reader)
    assert code == 2 and "already issued here (staff card, serial 9003" in err
    kiosk = app.build(config_mod.load(site))
    try:
        admin = AdminService(kiosk, open_reader(f"emulated:{card}"))
        session = admin.login("5831")
        assert (session.name, session.role.value) == ("Li Wei", "manager")
    finally:
        kiosk.close()
