"""Alembic environment of the backend: runs on the connection Database.migrate() hands over, or on
a URL (``sqlalchemy.url``) when regenerating the migration."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from backend.db import models  # noqa: F401 - registers every table on the metadata
from backend.db.base import Base

config = context.config
target_metadata = Base.metadata


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("no database: pass a connection (Database.migrate) or sqlalchemy.url")
    with create_engine(url).connect() as conn:
        _run(conn)
        conn.commit()


def _run(connection) -> None:  # noqa: ANN001
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters by copying tables
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run()
