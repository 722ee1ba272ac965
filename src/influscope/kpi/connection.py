"""The KPI engine's connection to the operational store (SQLite or PostgreSQL), Ibis only on demand.

The engine runs its queries as compiled SQL on a DB-API connection (:mod:`influscope.kpi.prepared`);
Ibis is needed only to build and compile a query the first time, or for the few expressions run
directly. :class:`Connection` opens the DB-API connection the way Ibis's own backend would (same
driver, same connection settings) and stands in for that backend: ``name`` and ``con`` are its own,
and any other attribute (``table``, ``compiler``, ``compile``, ``create_table``...) opens the Ibis
backend on the same DB-API connection and is taken from it. A process whose queries are all in the
compiled-query cache therefore never imports Ibis.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa


class Connection:
    """Stands in for ``ibis.sqlite.connect(...)`` / ``ibis.postgres.connect(...)`` on URL's database."""

    def __init__(self, url: sa.URL):
        backend = url.get_backend_name()
        if backend == "sqlite":
            import sqlite3

            self.name = "sqlite"
            self.con: Any = sqlite3.connect(url.database or ":memory:")
            # as Ibis's SQLite backend sets it: LIKE compares case-sensitively
            self.con.execute("PRAGMA case_sensitive_like = ON")
        elif backend == "postgresql":
            import psycopg

            self.name = "postgres"
            self.con = psycopg.connect(host=url.host or "localhost", port=url.port or 5432, user=url.username,
                                       password=url.password, dbname=url.database, autocommit=True)
            with self.con.cursor() as cur, self.con.transaction():  # as Ibis's PostgreSQL backend does
                cur.execute("SET TIMEZONE = UTC")
        else:
            raise ValueError(f"no KPI backend for {backend!r} databases")
        self._backend: Any = None

    @property
    def backend(self):
        """The Ibis backend on this connection's DB-API connection, opened on first use."""
        if self._backend is None:
            import ibis

            module = ibis.sqlite if self.name == "sqlite" else ibis.postgres
            self._backend = module.from_connection(self.con)
        return self._backend

    @property
    def has_backend(self) -> bool:
        """Whether the Ibis backend was opened (so Ibis imported)."""
        return self._backend is not None

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("__") or attr in ("_backend", "name", "con"):
            raise AttributeError(attr)
        return getattr(self.backend, attr)

    def builtin_functions(self) -> frozenset[str]:
        """The SQL functions the SQLite library on this connection has (lower case)."""
        found = self.__dict__.get("_builtin_functions")
        if found is None:
            found = frozenset(r[0].lower() for r in self.con.execute("SELECT name FROM pragma_function_list()"))
            self.__dict__["_builtin_functions"] = found
        return found

    def table_names(self) -> list[str]:
        """The tables and views of the store (temporary ones included), as Ibis's ``list_tables()``."""
        if self.name == "sqlite":
            sql = ("SELECT name FROM pragma_table_list() WHERE schema IN ('main', 'temp') AND type IN ('table', 'view') "
                   "AND name NOT IN ('sqlite_schema', 'sqlite_master', 'sqlite_temp_schema', 'sqlite_temp_master')")
            return [r[0] for r in self.con.execute(sql).fetchall()]
        sql = ("SELECT DISTINCT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
               "AND table_catalog = current_database() UNION ALL SELECT DISTINCT table_name "
               "FROM information_schema.tables WHERE table_type = 'LOCAL TEMPORARY' AND current_schema() = 'public'")
        with self.con.cursor() as cur, self.con.transaction():
            return [r[0] for r in cur.execute(sql).fetchall()]

    def disconnect(self) -> None:
        """Close the DB-API connection (and with it the Ibis backend, if one was opened)."""
        self.con.close()

    def __repr__(self) -> str:
        return f"<influscope Connection {self.name}{' with Ibis' if self.has_backend else ''}>"
