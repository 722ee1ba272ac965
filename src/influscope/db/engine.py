"""Engines, connections and schema migration for SQLite (WAL) and PostgreSQL."""

from __future__ import annotations

import contextlib
import functools
import weakref
from collections.abc import Iterator
from pathlib import Path

from typing import TYPE_CHECKING

import sqlalchemy as sa

from influscope.config import get_settings

if TYPE_CHECKING:  # Alembic is imported only to migrate or to read the migration scripts
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    # Let SQLAlchemy, not pysqlite, decide where transactions begin (the documented recipe).
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def _sqlite_begin(conn: sa.Connection) -> None:
    # SQLAlchemy's documented recipe: it, not pysqlite, emits BEGIN. A transaction opened by
    # ``engine.begin()`` is for writing and takes the write lock at once (BEGIN IMMEDIATE, waiting
    # by busy_timeout); a deferred one that read first and then wrote would fail with "database is
    # locked" whenever another writer committed in between (two webhooks or beacons at once).
    immediate = conn.get_execution_options().get("sqlite_immediate", False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def _writing_begin(engine: sa.Engine):
    @contextlib.contextmanager
    def begin() -> Iterator[sa.Connection]:
        with engine.connect() as conn:
            conn.execution_options(sqlite_immediate=True)
            with conn.begin():
                yield conn
    return begin


def _normalise_url(url: str) -> str:
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


@functools.lru_cache(maxsize=16)
def _cached_engine(url: str) -> sa.Engine:
    return make_engine(url)


_made: weakref.WeakSet[sa.Engine] = weakref.WeakSet()  # every engine of this process still in use


def make_engine(url: str) -> sa.Engine:
    url = _normalise_url(url)
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        sa.event.listen(engine, "begin", _sqlite_begin)
        engine.begin = _writing_begin(engine)  # type: ignore[method-assign]
    else:
        engine = sa.create_engine(url, pool_pre_ping=True)
    _made.add(engine)
    return engine


def dispose_all() -> None:
    """Close the pooled connections of every engine this process made, as a process does before it
    exits (SQLite folds its write-ahead log into the database file when the last connection closes)."""
    for engine in list(_made):
        engine.dispose()


def get_engine(url: str | None = None, *, migrate: bool = True) -> sa.Engine:
    """The engine for URL (default: the configured database), migrated to the newest schema."""
    url = _normalise_url(url or get_settings().database_url)
    engine = _cached_engine(url)
    if migrate:
        ensure_schema(engine)
    return engine


def alembic_config(engine: sa.Engine) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["engine"] = engine
    return cfg


def heads() -> set[str]:
    """The newest revision of each migration branch, read from the migration scripts."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return set(ScriptDirectory.from_config(cfg).get_heads())


def known_heads() -> set[str]:
    """:func:`heads`, remembered between processes with the compiled queries
    (:mod:`influscope.kpi.query_cache`, whose folder changes with any code change, so with any
    new migration): loading the scripts costs more than a command's own work."""
    from influscope.kpi import query_cache

    entry = query_cache.load("alembic-heads")
    found = entry.get("heads") if entry else None
    if isinstance(found, list) and found and all(isinstance(h, str) for h in found):
        return set(found)
    fresh = heads()
    query_cache.store("alembic-heads", {"heads": sorted(fresh)})
    return fresh


def current_revisions(engine: sa.Engine) -> set[str]:
    """The revisions the database is at: the rows of Alembic's version table (none before the first migration)."""
    with engine.connect() as conn:
        if not sa.inspect(conn).has_table("alembic_version"):
            return set()
        return {r[0] for r in conn.exec_driver_sql("SELECT version_num FROM alembic_version")}


_migrated: set[str] = set()


def ensure_schema(engine: sa.Engine) -> None:
    key = engine.url.render_as_string(hide_password=False)
    if key in _migrated:
        return
    if current_revisions(engine) != known_heads():
        upgrade(engine)
    _migrated.add(key)


def upgrade(engine: sa.Engine, revision: str = "heads") -> None:
    from alembic import command

    command.upgrade(alembic_config(engine), revision)
    from influscope.attribution import carried, matched

    with engine.begin() as conn:  # the triggers that keep what crediting reads, if a table rebuild dropped them
        carried.ensure(conn)
        matched.ensure(conn)
    refresh_statistics(engine)


def refresh_statistics(engine: sa.Engine) -> None:
    """Give the query planner fresh table statistics (after migrations and imports).

    Without them SQLite reads a campaign's clicks through the unique (workspace_id, key) index
    instead of the (link_id, ...) one; a sampled ANALYZE (analysis_limit) costs milliseconds.
    PostgreSQL's autovacuum keeps its own statistics.
    """
    if engine.dialect.name != "sqlite":
        return
    with engine.begin() as conn:
        conn.exec_driver_sql("PRAGMA analysis_limit = 2000")
        conn.exec_driver_sql("ANALYZE")
