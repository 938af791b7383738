"""The kiosk's database: SQLAlchemy 2 models, Alembic migrations, and the engine set-up.

SQLite (WAL, synchronous=FULL) by default; any SQLAlchemy URL for PostgreSQL. The same Alembic
migrations build both. Nothing is ever deleted: corrections are new rows.
"""

from kiosk.db.engine import Database

__all__ = ["Database"]
