"""`prepay-kiosk staff …`: staff members and their PINs, from the command line of the kiosk itself
(until the management platform syncs staff). Only the database is opened: no reader, no payment
provider.

    prepay-kiosk staff add --id 3 --name "Li Wei" --role manager
    prepay-kiosk staff pin --id 3                  # asks twice, without echo
    echo 5831 | prepay-kiosk staff pin --id 3 --pin-stdin
    prepay-kiosk staff card --id 3 --serial 9003   # issue and record a staff card on the reader
    prepay-kiosk staff list

`staff card` is how the first manager gets a card (admin mode needs one to open); after that,
managers issue staff cards from admin mode.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from cardlib.errors import CardError
from cardlib.reader.spec import open_reader
from cardlib.service import CardService
from kiosk import config as config_mod
from kiosk.admin import directory
from kiosk.admin.auth import StaffAuth
from kiosk.admin.errors import AdminError, InvalidInputError
from kiosk.admin.issuing import Issuer, card_problem
from kiosk.admin.roles import StaffRole
from kiosk.card_counters import DbCounterStore
from kiosk.db import Database
from kiosk.db.base import utcnow

EXIT_ERROR = 2
ACTOR = "cli"


def add_parsers(sub: argparse._SubParsersAction) -> None:
    staff = sub.add_parser("staff", help="staff members and their PINs").add_subparsers(
        metavar="ACTION"
    )
    add = staff.add_parser("add", help="add a staff member (then set a PIN, issue a staff card)")
    add.add_argument("--id", type=int, required=True, help="the staff id (written on their card)")
    add.add_argument("--name", required=True)
    add.add_argument("--role", choices=[r.value for r in StaffRole], required=True)
    add.set_defaults(run=_add)
    pin = staff.add_parser("pin", help="set a staff member's PIN (4-8 digits)")
    pin.add_argument("--id", type=int, required=True)
    pin.add_argument(
        "--pin-stdin", action="store_true", help="read the PIN from the first line of stdin"
    )
    pin.set_defaults(run=_pin)
    card = staff.add_parser("card", help="issue a staff card on the reader and record it")
    card.add_argument("--id", type=int, required=True)
    card.add_argument("--serial", type=int, required=True, help="the number printed on the card")
    card.add_argument("--reader", help="pcsc, pcsc:NAME, nfc:PATH or emulated:FILE")
    card.add_argument("--wait", type=float, default=10.0, help="seconds to wait for a card")
    card.set_defaults(run=_card)
    staff.add_parser("list", help="every staff member").set_defaults(run=_list)


def _database(args: argparse.Namespace) -> tuple[Database, int]:
    db, config = _open(args)
    return db, config.site_id


def _open(args: argparse.Namespace) -> tuple[Database, config_mod.Config]:
    from kiosk.app import open_database

    config = config_mod.load(args.config)
    # the kiosk's own database with its outbox: staff changes reach the backend like any other
    return open_database(config), config


def _refused(exc: AdminError) -> int:
    print(f"{exc.message} [{exc.code}]", file=sys.stderr)
    return EXIT_ERROR


def _add(args: argparse.Namespace) -> int:
    db, site_id = _database(args)
    try:
        member = directory.add_staff(
            db, args.id, args.name, args.role, site_id, actor=ACTOR, now=utcnow()
        )
    except AdminError as exc:
        return _refused(exc)
    finally:
        db.dispose()
    print(
        f"Staff {member.id}: {member.name}, {member.role.value}. Next: staff pin --id {member.id}"
    )
    return 0


def _read_pin(args: argparse.Namespace) -> str:
    if args.pin_stdin:
        return sys.stdin.readline().strip()
    first = getpass.getpass("New PIN: ")
    if getpass.getpass("The same PIN again: ") != first:
        raise InvalidInputError("The two PINs differ: nothing was changed.")
    return first


def _pin(args: argparse.Namespace) -> int:
    db, _site = _database(args)
    try:
        StaffAuth(db).set_pin(args.id, _read_pin(args), actor=ACTOR)
    except AdminError as exc:
        return _refused(exc)
    finally:
        db.dispose()
    print(f"PIN set for staff {args.id}.")
    return 0


def _card(args: argparse.Namespace) -> int:
    db, config = _open(args)
    cards = CardService(
        config.keys, config.site_id, DbCounterStore(db), key_version=config.current_key_version
    )
    reader = open_reader(args.reader or config.reader.spec)
    try:
        print(f"Reader: {reader.name}. Waiting for a blank card…", file=sys.stderr)
        with reader.connect_when_present(args.wait) as conn:
            issued = Issuer(db, cards, config.currency).issue_staff(
                conn, args.id, args.serial, actor=ACTOR
            )
    except AdminError as exc:
        return _refused(exc)
    except CardError as exc:
        return _refused(card_problem(exc, "it was being issued"))
    finally:
        reader.close()
        db.dispose()
    print(f"Staff card {args.serial} ({issued.card_type}) issued to staff {args.id}.")
    return 0


def _list(args: argparse.Namespace) -> int:
    db, _site = _database(args)
    try:
        for m in directory.list_staff(db):
            state = "active" if m.active else "inactive"
            pin = "PIN set" if m.has_pin else "no PIN"
            locked = f", locked until {m.locked_until:%H:%M} UTC" if m.locked_until else ""
            print(f"{m.id:>5}  {m.name}  {m.role.value}  {state}, {pin}{locked}")
    finally:
        db.dispose()
    return 0
