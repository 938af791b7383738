"""The backend's database: its own SQLAlchemy models and Alembic migrations, on the kiosk's engine
set-up (SQLite in WAL with BEGIN IMMEDIATE, or PostgreSQL by URL).

SQLite takes one writer at a time, and every transaction here begins IMMEDIATE. Left to SQLite's
busy timeout, dozens of request threads of one worker polling for the write lock at once starve
some past the timeout ("database is locked": a kiosk's push refused under load, measured by
bench/sync_ingest.py). So on SQLite a process-wide lock hands the database to one transaction
after the other, in turn, and only one worker process may use it (``python -m backend serve``
refuses more); PostgreSQL, for several workers, needs no such lock."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from kiosk.db.engine import make_engine

MIGRATIONS = Path(__file__).with_name("migrations")


class Database:
    """The engine and session factory of one backend database URL, and its migrations."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        #: re-entrant: a thread that opens a second session while in one must not wait on itself
        self._turn: AbstractContextManager[object] = (
            threading.RLock() if self.dialect == "sqlite" else nullcontext()
        )

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One transaction: committed when the block ends, rolled back if it raises."""
        with self._turn, self.sessions() as session, session.begin():
            yield session

    def migrate(self, revision: str = "head") -> None:
        from alembic import command
        from alembic.config import Config

        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        with self.engine.begin() as connection:
            cfg.attributes["connection"] = connection
            command.upgrade(cfg, revision)

    def dispose(self) -> None:
        self.engine.dispose()


def is_busy(error: OperationalError) -> bool:
    """Whether ``error`` is SQLite's write lock still taken at the end of the busy timeout (by
    another process): a passing state, answered "try again", not a fault."""
    return "database is locked" in str(error.orig)
