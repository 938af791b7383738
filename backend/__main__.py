"""``python -m backend``: run the management platform.

    python -m backend serve --db URL --host 127.0.0.1 --port 8400 --workers 4
    python -m backend migrate --db URL

``serve`` checks the settings (PREPAY_BACKEND_ADMIN_TOKEN, PREPAY_BACKEND_SECRET_KEY; see
backend/settings.py), migrates the database once, then starts uvicorn with ``--workers`` processes
that share nothing but the database.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from backend.errors import SettingsError
from backend.settings import ENV_DB, Settings

EXIT_ERROR = 2


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
    args = parser.parse_args(argv)

    if args.db:
        os.environ[ENV_DB] = args.db  # the workers read their settings from the environment
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        print(f"Settings: {exc.message}", file=sys.stderr)
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
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
