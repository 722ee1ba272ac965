"""Ibis connections for the KPI engine.

``connect(engine)`` opens Ibis on the same database a SQLAlchemy engine points to (SQLite or
PostgreSQL). ``copy_canonical(engine, "duckdb" | "clickhouse")`` copies the canonical tables into an
in-process DuckDB or ClickHouse (chdb) database with the same column types, so that the same KPI
expressions can run there (the conformance test and the benchmark use it; a production ClickHouse
is filled by the event pipeline instead).
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from influscope.db import tables as t

if TYPE_CHECKING:
    import ibis.expr.datatypes as dt

# Canonical tables the KPI engine reads (the audience engineer's tables are added when present).
CANONICAL = ("workspaces", "campaigns", "creators", "creator_accounts", "campaign_creators", "posts", "post_metrics",
             "costs", "codes", "links", "clicks", "orders", "leads", "traffic", "follower_snapshots", "comments",
             "audience", "fx_rates")
OPTIONAL = ("comment_labels", "account_credibility", "mentions")


def connect(engine: sa.Engine):
    """A backend on ENGINE's database (with the configured event store's tables, if any:
    :mod:`influscope.events.read`): a :class:`~influscope.kpi.connection.Connection`, which
    runs compiled queries on its own DB-API connection and opens Ibis on that same connection when
    something needs Ibis."""
    from influscope.kpi.connection import Connection

    con = Connection(engine.url)
    from influscope.events.read import attach

    attach(con)
    return con


def ibis_backend(con):
    """The Ibis backend of CON (CON itself unless it is a :class:`~influscope.kpi.connection.Connection`)."""
    from influscope.kpi.connection import Connection

    return con.backend if isinstance(con, Connection) else con


@functools.cache
def _optional_tables() -> dict[str, sa.Table]:
    out = {}
    try:
        from influscope.db import schema  # noqa: F401  (imports every area's tables)
    except Exception:  # pragma: no cover - an area's module may be mid-change
        pass
    for name in OPTIONAL:
        if name in t.metadata.tables:
            out[name] = t.metadata.tables[name]
    return out


def _ibis_type(col: sa.Column, clickhouse: bool) -> dt.DataType:
    import ibis.expr.datatypes as dt

    kind = col.type
    nullable = bool(col.nullable) or not clickhouse
    if isinstance(kind, sa.DateTime):
        return dt.Timestamp(timezone="UTC" if clickhouse else None, nullable=nullable)
    if isinstance(kind, sa.Date):
        return dt.Date(nullable=nullable)
    if isinstance(kind, sa.Boolean):
        return dt.Boolean(nullable=nullable)
    if isinstance(kind, sa.Float):
        return dt.Float64(nullable=nullable)
    if isinstance(kind, (sa.Integer, sa.BigInteger)) or hasattr(kind, "scale"):  # Money / Rate are scaled BIGINT
        return dt.Int64(nullable=nullable)
    return dt.String(nullable=nullable)  # text, JSON (as its text)


def copy_canonical(engine: sa.Engine, target: str = "duckdb"):
    """Copy the canonical tables of ENGINE into a new in-process DuckDB or chdb database; return the Ibis backend."""
    import ibis

    if target == "duckdb":
        con = ibis.duckdb.connect()
        client = None
    elif target == "clickhouse":
        import clickhouse_connect

        # outer joins fill what they miss with NULL, as in standard SQL (ClickHouse fills type defaults)
        client = clickhouse_connect.get_client(dsn="chdb://memory", settings={"join_use_nulls": 1})
        con = ibis.clickhouse.from_connection(client)
    else:
        raise ValueError(f"unknown target {target!r} (duckdb, clickhouse)")
    tables = {name: t.metadata.tables[name] for name in CANONICAL}
    with engine.connect() as conn:
        present = set(sa.inspect(conn).get_table_names())
        tables.update({k: v for k, v in _optional_tables().items() if k in present})
        for name, table in tables.items():
            schema = ibis.schema({c.name: _ibis_type(c, client is not None) for c in table.columns})
            con.create_table(name, schema=schema, overwrite=True)
            # Read raw column values (scaled integers for money, JSON as text) with no type processing.
            cols = ", ".join(f'"{c.name}"' for c in table.columns)
            result = conn.exec_driver_sql(f'SELECT {cols} FROM "{name}"')
            rows = [list(r) for r in result]
            if not rows:
                continue
            names = [c.name for c in table.columns]
            rows = [[_plain(v, table.columns[i]) for i, v in enumerate(r)] for r in rows]
            if client is not None:
                client.insert(name, rows, column_names=names)
            else:
                import pyarrow as pa

                arrow = pa.Table.from_pylist([dict(zip(names, r)) for r in rows], schema=schema.to_pyarrow())
                # straight through DuckDB (ibis 12's insert leaves a pending result on duckdb 2.0)
                con.con.register("_influscope_copy", arrow)
                con.con.execute(f'INSERT INTO "{name}" SELECT * FROM _influscope_copy')
                con.con.unregister("_influscope_copy")
    return con


def _plain(value, col: sa.Column):
    import datetime as _dt
    import json

    if value is None:
        return None
    kind = col.type
    if isinstance(kind, sa.DateTime) and isinstance(value, str):
        return _dt.datetime.fromisoformat(value)
    if isinstance(kind, sa.Date) and isinstance(value, str):
        return _dt.date.fromisoformat(value[:10])
    if isinstance(kind, sa.Boolean):
        return bool(value)
    if isinstance(kind, sa.JSON) and not isinstance(value, str):
        return json.dumps(value)
    return value


def fetch(con, expr) -> list[dict]:
    """Run EXPR and return plain Python rows: ints stay ints (no float NaN), times are naive UTC."""
    from influscope.events.read import reader_of

    events = reader_of(con)
    if events is not None and events.owns(expr):  # over the event store's tables: run there
        return events.fetch(expr, lambda backend: _fetch_arrow(backend, expr))
    if getattr(con, "name", None) == "sqlite":
        return _fetch_sqlite(con, expr)
    return _fetch_arrow(con, expr)


def _fetch_arrow(con, expr) -> list[dict]:
    import datetime as _dt

    table = con.to_pyarrow(expr)
    rows = table.to_pylist()
    for row in rows:
        for k, v in row.items():
            if isinstance(v, _dt.datetime) and v.tzinfo is not None:
                row[k] = v.astimezone(_dt.timezone.utc).replace(tzinfo=None)
            elif isinstance(v, float) and v != v:
                row[k] = None
    return rows


def _fetch_sqlite(con, expr) -> list[dict]:
    """SQLite keeps times as ISO text and booleans as 0/1: convert them by the expression's schema
    (straight from the cursor; the generic path goes through pandas and is several times slower)."""
    schema = expr.schema()
    names = list(schema.names)
    convert = converters(schema)
    sql = con.compile(expr)
    cur = con.con.execute(sql)
    try:
        out = []
        for raw in cur.fetchall():
            out.append({n: (f(v) if f else v) for n, f, v in zip(names, convert, raw)})
        return out
    finally:
        cur.close()


def _timestamp(v):
    if v is None:
        return None
    if not isinstance(v, _dt.datetime):
        return _dt.datetime.fromisoformat(v)
    return v if v.tzinfo is None else v.astimezone(_dt.timezone.utc).replace(tzinfo=None)


def _date(v):
    return v if v is None or isinstance(v, _dt.date) else _dt.date.fromisoformat(v[:10])


def _bool(v):
    return None if v is None else bool(v)


def _int(v):
    return None if v is None else int(v)


def _float(v):
    return None if v is None or v != v else float(v)  # NaN is missing


CONVERTERS: dict[str, Callable[[Any], Any]] = {"timestamp": _timestamp, "date": _date, "boolean": _bool,
                                               "integer": _int, "floating": _float}


def converter_kinds(schema) -> list[str | None]:
    """Per column of an Ibis SCHEMA, the key in :data:`CONVERTERS` of what turns a DB-API value into
    the plain Python value the engine expects (SQLite's ISO text to datetime or date, 0/1 to bool,
    PostgreSQL's numeric sums to int); None where the value is already right."""
    out: list[str | None] = []
    for name in schema.names:
        kind = schema[name]
        if kind.is_timestamp():
            out.append("timestamp")
        elif kind.is_date():
            out.append("date")
        elif kind.is_boolean():
            out.append("boolean")
        elif kind.is_integer():
            out.append("integer")
        elif kind.is_floating():
            out.append("floating")
        else:
            out.append(None)
    return out


def converters(schema) -> list[Callable[[Any], Any] | None]:
    """Per column of an Ibis SCHEMA, the function of :func:`converter_kinds` (None where none is needed)."""
    return [CONVERTERS[k] if k else None for k in converter_kinds(schema)]


@contextlib.contextmanager
def disconnecting(con):
    """Use the Ibis backend CON and close it afterwards (backends without ``disconnect`` stay as they are)."""
    try:
        yield con
    finally:
        disconnect = getattr(con, "disconnect", None)
        if disconnect:
            disconnect()


def first_per(expr, key, *order):
    """The first row of EXPR per KEY (a column name or a list of them) in ORDER, by a window function."""
    import ibis

    rn = ibis.row_number().over(group_by=key, order_by=list(order))
    return expr.mutate(_rn=rn).filter(lambda x: x._rn == 0).drop("_rn")


def table(con, name: str):
    """``con.table(name)``, memoised on the connection (reading a table's schema is a query per call)."""
    cache = con.__dict__.setdefault("_influscope_tables", {})
    if name not in cache:
        from influscope.events.read import reader_of

        events = reader_of(con)
        cache[name] = events.table(name) if events is not None and events.has(name) else con.table(name)
    return cache[name]


def has_table(con, name: str) -> bool:
    """Whether the backend holds table NAME (SQLite and PostgreSQL: one catalog query per connection;
    others by reading the table, as ibis 12's list_tables breaks on duckdb 2.0)."""
    if getattr(con, "name", None) in ("sqlite", "postgres"):
        names = con.__dict__.get("_influscope_names")
        if names is None:
            from influscope.kpi.connection import Connection

            listed = con.table_names() if isinstance(con, Connection) else con.list_tables()
            names = con.__dict__["_influscope_names"] = frozenset(listed)
        return name in names
    try:
        table(con, name)
    except Exception:
        return False
    return True
