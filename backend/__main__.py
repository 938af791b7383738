"""``python -m backend``: run the management platform.

    python -m backend serve --db URL --host 127.0.0.1 --port 8400 --workers 4
    python -m backend migrate --db URL
    python -m backend user add|list|disable|enable|password …       (backend/cli_users.py)

``serve`` checks the settings (PREPAY_BACKEND_ADMIN_TOKEN, PREPAY_BACKEND_SECRET_KEY; see
backend/settings.py), migrates the database once, then starts uvicorn with ``--workers`` processes
that share nothing but the database.

``user …`` manages the property managers' dashboard accounts; it needs only the database.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from backend import cli_users
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
    cli_users.add_parser(sub)
    args = parser.parse_args(argv)

    if args.command == "user":
        return cli_users.run(args, args.db or os.environ.get(ENV_DB) or DEFAULT_DB)
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


if __name__ == "__main__":
    sys.exit(main())
