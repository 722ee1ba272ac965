"""The migrations build exactly the schema the table modules declare, on SQLite and PostgreSQL."""

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from influscope.db.engine import current_revisions, heads
from influscope.db.schema import load


def test_migrated_schema_matches_tables(any_engine):
    with any_engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": False})
        diff = [d for d in compare_metadata(ctx, load()) if not _ignorable(d) and not _other_dialects(d, conn)]
    assert diff == [], f"tables and migrations drifted apart: {diff}"
    assert current_revisions(any_engine) == heads()


def _ignorable(d) -> bool:
    # SQLite reflects server defaults and some unique constraints loosely; these carry no meaning.
    return isinstance(d, tuple) and d[0] in ("modify_default",)


def _other_dialects(d, conn) -> bool:
    """An index the table modules declare for another dialect only (``Index.ddl_if``)."""
    if not (isinstance(d, tuple) and d[0] == "add_index"):
        return False
    declared = {ix.name: ix for ix in load().tables[d[1].table.name].indexes}  # the diff holds a copy
    only = declared[d[1].name]._ddl_if
    return only is not None and only.dialect is not None and only.dialect != conn.dialect.name


def test_sqlite_runs_in_wal_mode(engine):
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_webhook_deliveries_gain_their_body_hash_in_place(tmp_path):
    """A database made before the body hash upgrades without losing a stored delivery."""
    import datetime as dt

    from influscope.db.engine import get_engine, upgrade

    engine = get_engine(f"sqlite:///{tmp_path / 'old.db'}", migrate=False)
    for head in sorted(heads() - {"0003_commerce_body_hash"}):  # every other area at its newest
        upgrade(engine, head)
    upgrade(engine, "0002_commerce")  # commerce as the previous version left it
    with engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO workspaces (id, slug, name, methodology) VALUES (1, 'w', 'w', '{}')")
        conn.exec_driver_sql("INSERT INTO stores (id, workspace_id, kind, name, active) VALUES (1, 1, 'shopify', 's', 1)")
        conn.execute(sa.text("INSERT INTO webhook_deliveries (workspace_id, store_id, delivery_id, topic, received_at, "
                             "body, status) VALUES (1, 1, 'd-1', 'orders/create', :at, :body, 'pending')"),
                     {"at": dt.datetime(2026, 1, 1), "body": b'{"id": 1}'})
    upgrade(engine)
    assert current_revisions(engine) == heads()
    with engine.connect() as conn:
        row = conn.exec_driver_sql("SELECT delivery_id, body, body_sha256 FROM webhook_deliveries").one()
    assert row == ("d-1", b'{"id": 1}', None)
    engine.dispose()
