"""``python -m backend``: run the management platform.

    python -m backend serve --db URL --host 127.0.0.1 --port 8400 --workers 4
    python -m backend migrate --db URL
    python -m backend user add --email EMAIL --name NAME [--db URL]   (password from stdin)

``serve`` checks the settings (PREPAY_BACKEND_ADMIN_TOKEN, PREPAY_BACKEND_SECRET_KEY; see
backend/settings.py), migrates the database once, then starts uvicorn with ``--workers`` processes
that share nothing but the database.

``user add`` creates a property manager's dashboard account. It needs only the database (no
secrets): it migrates it first, asks for the password twice at a terminal, or reads one line from
standard input when that is a pipe (for scripts), and stores only its argon2id hash.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Sequence

from backend.errors import SettingsError
from backend.settings import DEFAULT_DB, ENV_DB, Settings

EXIT_ERROR = 2
#: after SIGTERM, requests still running after this long are cancelled: the dashboard's event
#: streams never end by themselves, and without a limit uvicorn would wait for them for ever
GRACEFUL_SHUTDOWN_S = 5


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m backend", description="run the management platform"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    serve = sub.add_parser("serve", help="migrate the database, then serve the API")
    serve.add_argument("--db", help=f"database URL (default: ${ENV_DB} or sqlite:///backend.db)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8400)
    serve.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    serve.add_argument("--log-level", default="info")
    migrate = sub.add_parser("migrate", help="bring the database to the newest schema")
    migrate.add_argument("--db", help=f"database URL (default: ${ENV_DB})")
    user = sub.add_parser("user", help="dashboard users")
    user_sub = user.add_subparsers(dest="user_command", metavar="ACTION", required=True)
    add = user_sub.add_parser("add", help="create a dashboard user (password from stdin)")
    add.add_argument("--email", required=True, help="what they sign in with")
    add.add_argument("--name", required=True, help="shown on the pages")
    add.add_argument("--db", help=f"database URL (default: ${ENV_DB} or {DEFAULT_DB})")
    args = parser.parse_args(argv)

    if args.command == "user":
        return add_user(args.db or os.environ.get(ENV_DB) or DEFAULT_DB, args.email, args.name)
    if args.db:
        os.environ[ENV_DB] = args.db  # the workers read their settings from the environment
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        print(f"Settings: {exc.message}", file=sys.stderr)
        return EXIT_ERROR
    if args.command == "serve" and args.workers > 1 and settings.database_url.startswith("sqlite"):
        print(
            f"--workers {args.workers} needs PostgreSQL: SQLite takes one writer at a time, so "
            "the backend runs one worker on it (that worker serves many kiosks at once). Use "
            "--db postgresql+psycopg://… for several workers.",
            file=sys.stderr,
        )
        return EXIT_ERROR
    from backend.db import Database

    db = Database(settings.database_url)
    try:
        db.migrate()
    finally:
        db.dispose()
    if args.command == "migrate":
        print(f"{settings.database_url}: at the newest schema.")
        return 0
    if args.workers < 1:
        print("--workers must be 1 or more", file=sys.stderr)
        return EXIT_ERROR

    import uvicorn

    uvicorn.run(
        "backend.app:app_from_env",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level=args.log_level,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_S,
    )
    return 0


def add_user(database_url: str, email: str, name: str) -> int:
    """``user add``: the password from the terminal (twice) or one line of standard input."""
    if not database_url.startswith(("sqlite", "postgresql")):
        print(f"the database URL must be sqlite:///… or postgresql+psycopg://…, not "
              f"{database_url!r}", file=sys.stderr)  # fmt: skip
        return EXIT_ERROR
    if sys.stdin.isatty():
        password = getpass.getpass(f"Password for {email}: ")
        if getpass.getpass("The same password again: ") != password:
            print("The two passwords differ: nothing was created.", file=sys.stderr)
            return EXIT_ERROR
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    from backend.db import Database
    from backend.web.users import UserError, add_user

    db = Database(database_url)
    try:
        db.migrate()
        with db.session() as s:
            row = add_user(s, email, name, password)
            created = f"User {row.email} ({row.name}) can now sign in to the dashboard."
    except UserError as exc:
        print(f"No user created: {exc}", file=sys.stderr)
        return EXIT_ERROR
    finally:
        db.dispose()
    print(created)
    return 0


if __name__ == "__main__":
    sys.exit(main())
