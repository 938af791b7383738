"""The backend's one Alembic migration builds the same schema on SQLite and on PostgreSQL, agrees
with the models (nothing left to autogenerate), and runs twice without harm."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from backend.db import Database
from backend.db.base import Base
from kiosk.db.pgserver import PostgresServer
from tests.integration.test_postgres import schema


@pytest.mark.postgres
def test_the_migration_builds_the_same_schema_on_sqlite_and_postgresql(
    tmp_path, pg_server: PostgresServer
):
    lite = Database(f"sqlite:///{tmp_path / 'backend.db'}")
    pg = Database(pg_server.create_database("backend_schema"))
    try:
        lite.migrate()
        pg.migrate()
        on_sqlite, on_pg = schema(lite.engine), schema(pg.engine)
        assert {"sync_messages", "orders", "ledger_entries", "kiosks", "request_nonces"} <= set(
            on_pg
        )
        assert on_pg == on_sqlite
        for db in (lite, pg):
            with db.engine.connect() as connection:
                context = MigrationContext.configure(connection, opts={"compare_type": True})
                assert compare_metadata(context, Base.metadata) == []
            db.migrate()  # a second run at head is a no-op
    finally:
        lite.dispose()
        pg.dispose()
        pg_server.drop_database("backend_schema")
