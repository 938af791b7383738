"""Opening the database: SQLite with WAL and synchronous=FULL (NORMAL can lose the last commits on
power loss, and a kiosk is unplugged more often than a server), or PostgreSQL by URL; migrating
it with the project's Alembic scripts."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).with_name("migrations")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def _begin_immediate(connection: Any) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        # pysqlite's own transaction handling is switched off so that every transaction starts
        # with BEGIN IMMEDIATE: two writers (a payment notification and a poll) then queue on
        # the write lock instead of one failing on a stale snapshot half-way.
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "isolation_level": None}
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _begin_immediate)
        return engine
    return create_engine(url, pool_pre_ping=True)


class Database:
    """The engine, a session factory, and migrations for one database URL.

    With a ``kiosk_id`` every transaction also writes the outbox rows of the changes it makes
    (:mod:`kiosk.outbox`), numbered per kiosk; without one (tools, tests of other parts) nothing
    is written to the outbox."""

    def __init__(self, url: str, kiosk_id: str | None = None) -> None:
        self.url = url
        self.kiosk_id = kiosk_id
        self.engine = make_engine(url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        if kiosk_id is not None:
            from kiosk.outbox import OutboxWriter  # imported here: it needs the models loaded

            OutboxWriter(kiosk_id).attach(self.sessions)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One transaction: committed when the block ends, rolled back if it raises."""
        with self.sessions() as session, session.begin():
            yield session

    def migrate(self, revision: str = "head") -> None:
        from alembic import command
        from alembic.config import Config

        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        cfg.attributes["connection"] = None
        with self.engine.begin() as connection:
            cfg.attributes["connection"] = connection
            command.upgrade(cfg, revision)

    def dispose(self) -> None:
        self.engine.dispose()
