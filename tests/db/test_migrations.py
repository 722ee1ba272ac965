"""The migrations build exactly the schema the table modules declare, on SQLite and PostgreSQL."""

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from influscope.db.engine import current_revisions, heads
from influscope.db.schema import load


def test_migrated_schema_matches_tables(any_engine):
    with any_engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": False})
        diff = [d for d in compare_metadata(ctx, load()) if not _ignorable(d)]
    assert diff == [], f"tables and migrations drifted apart: {diff}"
    assert current_revisions(any_engine) == heads()


def _ignorable(d) -> bool:
    # SQLite reflects server defaults and some unique constraints loosely; these carry no meaning.
    return isinstance(d, tuple) and d[0] in ("modify_default",)


def test_sqlite_runs_in_wal_mode(engine):
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
