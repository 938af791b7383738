"""``python -m backend user …``: the property managers' dashboard accounts.

    python -m backend user add --email EMAIL --name NAME [--site N …] [--db URL]  (password: stdin)
    python -m backend user list [--db URL]
    python -m backend user sites --email EMAIL (--site N … | --all) [--db URL]
    python -m backend user disable|enable --email EMAIL [--db URL]
    python -m backend user password --email EMAIL [--db URL]          (password from stdin)

They need only the database (no secrets) and migrate it first. A password is asked twice at a
terminal, or read as one line of standard input when that is a pipe (for scripts); only its
argon2id hash is stored. A user added without ``--site`` sees every building; with ``--site``
(repeated), only those; ``sites`` changes that from the user's next page on. ``disable`` stops the
user's sessions at their next page; ``password`` stops the sessions signed in with the old
password and lifts a sign-in throttle on the address.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable

from sqlalchemy.orm import Session

from backend.settings import DEFAULT_DB, ENV_DB

EXIT_ERROR = 2


def add_parser(sub: argparse._SubParsersAction) -> None:
    user = sub.add_parser("user", help="dashboard users")
    user_sub = user.add_subparsers(dest="user_command", metavar="ACTION", required=True)
    db_help = f"database URL (default: ${ENV_DB} or {DEFAULT_DB})"
    add = user_sub.add_parser("add", help="create a dashboard user (password from stdin)")
    add.add_argument("--email", required=True, help="what they sign in with")
    add.add_argument("--name", required=True, help="shown on the pages")
    site_help = "a building the user may see (repeat for more; none: every building)"
    add.add_argument("--site", type=int, action="append", help=site_help)
    listing = user_sub.add_parser("list", help="every dashboard user")
    sites = user_sub.add_parser("sites", help="choose the buildings a user sees")
    sites.add_argument("--email", required=True)
    which = sites.add_mutually_exclusive_group(required=True)
    which.add_argument("--site", type=int, action="append", help="a building (repeat for more)")
    which.add_argument("--all", action="store_true", help="every building")
    disable = user_sub.add_parser("disable", help="switch a user off (their sessions end)")
    enable = user_sub.add_parser("enable", help="switch a user on again")
    password = user_sub.add_parser("password", help="set a new password (from stdin)")
    for action in (disable, enable, password):
        action.add_argument("--email", required=True)
    for action in (add, listing, sites, disable, enable, password):
        action.add_argument("--db", help=db_help)


def run(args: argparse.Namespace, database_url: str) -> int:
    if not database_url.startswith(("sqlite", "postgresql")):
        print(f"the database URL must be sqlite:///… or postgresql+psycopg://…, not "
              f"{database_url!r}", file=sys.stderr)  # fmt: skip
        return EXIT_ERROR
    from backend.web import users

    command, email = args.user_command, getattr(args, "email", "")
    if command == "list":
        return _with_db(database_url, _list, "Failed")
    if command == "sites":
        chosen = None if args.all else list(args.site)

        def choose(s: Session) -> str:
            row = users.set_sites(s, email, chosen)
            return f"User {row.email} sees {_buildings(users.sites_of(s, row))}."

        return _with_db(database_url, choose, "Nothing changed")
    if command in ("disable", "enable"):
        active = command == "enable"

        def switch(s: Session) -> str:
            row = users.set_active(s, email, active)
            if active:
                return f"User {row.email} is switched on again."
            return f"User {row.email} is switched off; their sessions have ended."

        return _with_db(database_url, switch, "Nothing changed")
    password = _password(email)
    if password is None:
        return EXIT_ERROR
    if command == "add":

        def add(s: Session) -> str:
            row = users.add_user(s, email, args.name, password, args.site)
            seen = _buildings(users.sites_of(s, row))
            return f"User {row.email} ({row.name}) can now sign in to the dashboard; sees {seen}."

        return _with_db(database_url, add, "No user created")

    def reset(s: Session) -> str:
        row = users.set_password(s, email, password)
        return f"User {row.email} has a new password; sessions signed in with the old one ended."

    return _with_db(database_url, reset, "No password changed")


def _list(session: Session) -> str:
    from backend.web import users

    rows = users.list_users(session)
    if not rows:
        return "No dashboard users yet: python -m backend user add --email … --name …"
    lines = []
    for row in rows:
        last = row.last_login_at.strftime("%Y-%m-%d %H:%M UTC") if row.last_login_at else "never"
        state = "active" if row.active else "switched off"
        seen = _buildings(users.sites_of(session, row))
        lines.append(f"{row.email:<40} {row.name:<30} {state:<12} last sign-in {last}; {seen}")
    return "\n".join(lines)


def _buildings(sites: frozenset[int] | None) -> str:
    if sites is None:
        return "every building"
    word = "building" if len(sites) == 1 else "buildings"
    return f"{word} {', '.join(map(str, sorted(sites)))}"


def _password(email: str) -> str | None:
    if sys.stdin.isatty():
        password = getpass.getpass(f"Password for {email}: ")
        if getpass.getpass("The same password again: ") != password:
            print("The two passwords differ: nothing was changed.", file=sys.stderr)
            return None
        return password
    return sys.stdin.readline().rstrip("\r\n")


def _with_db(database_url: str, work: Callable[[Session], str], failed: str) -> int:
    """Run ``work(session)`` in one transaction on the migrated database; print what it says."""
    from backend.db import Database
    from backend.web.users import UserError

    db = Database(database_url)
    try:
        db.migrate()
        with db.session() as s:
            said = work(s)
    except UserError as exc:
        print(f"{failed}: {exc}", file=sys.stderr)
        return EXIT_ERROR
    finally:
        db.dispose()
    print(said)
    return 0
