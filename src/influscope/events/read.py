"""How the KPI engine reads the event store.

:func:`influscope.kpi.backends.connect` gives the Ibis backend of the operational store an
:class:`EventReader` when an event store is configured. Then ``table(con, name)`` answers the
tables that live in the event store (:data:`EVENT_TABLES`) with Ibis tables bound to ClickHouse,
and ``fetch(con, expr)`` runs an expression over them on ClickHouse, inside a session
(:func:`influscope.events.store.session`): the click buckets per link, bot flag and local day,
and the link statistics, are computed there, and only their sums come back.

Where a query joins events with operational records, one side is handed to the other. Crediting
(:mod:`influscope.attribution.credit`) joins the window's orders and leads (operational store)
with the clicks they carry: :func:`stage_crediting_clicks` copies just those clicks from ClickHouse (by
key, plus for ``first_click`` the same visitors' human clicks in the window) and gives them to
the operational store as a temporary table of this connection. See docs/scale.md for why, and for
what changes when orders move to the event store too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import ibis
import ibis.expr.operations as ops
import pyarrow as pa
import pyarrow.compute as pc

from influscope.events import schema
from influscope.events.store import EventStoreURL, session

EVENT_TABLES: dict[str, dict[str, str]] = {"clicks": schema.CLICK_COLUMNS}
_CREDIT_COLUMNS = ("workspace_id", "key", "link_id", "ts", "is_bot", "visitor_hash")


class EventReader:
    """The event store as the KPI engine sees it: Ibis tables bound to a ClickHouse backend whose
    client is lent by a session for each query."""

    def __init__(self, store: EventStoreURL):
        from ibis.backends.clickhouse import Backend

        self.store = store
        self.backend = Backend()
        self.backend._can_reconnect = False
        self.backend.__dict__["_influscope_event_reader"] = self

    def has(self, name: str) -> bool:
        return name in EVENT_TABLES

    def table(self, name: str):
        columns = {c: k for c, k in EVENT_TABLES[name].items() if c != "version"}
        return ops.DatabaseTable(name=schema.write_table(self.store, name), schema=schema.ibis_schema(columns),
                                 source=self.backend).to_expr()

    def owns(self, expr) -> bool:
        try:
            return expr._find_backend(use_default=False) is self.backend
        except Exception:  # an expression over several backends, or none
            return False

    def fetch(self, expr, run: Callable[[Any], list[dict]]) -> list[dict]:
        """RUN(backend) with the backend connected for the duration."""
        with session(self.store) as client:
            self.backend.con = client
            try:
                return run(self.backend)
            finally:
                self.backend.con = None


def reader_of(con) -> EventReader | None:
    return getattr(con, "__dict__", {}).get("_influscope_events")


def attach(con) -> None:
    """Give the Ibis backend CON of the operational store the configured event store, if any."""
    from influscope.events.store import configured

    store = configured()
    if store is not None:
        con.__dict__["_influscope_events"] = EventReader(store)


def _clicks_where(client, store: EventStoreURL, cols: str, where: str, values: list[str], column: str) -> pa.Table:
    """COLS of the clicks matching WHERE whose COLUMN is one of VALUES, one row per click (the
    newest version), in one query: VALUES go to a uniquely named Memory table of the event store
    for the query (chdb takes no external tables) and are matched with ``IN``. Read without
    ``FINAL``, which would merge the whole table in sorting-key order for a look-up by another
    column; ``LIMIT 1 BY key`` after ``ORDER BY version DESC`` keeps each click's newest row,
    what ``FINAL`` gives (deleted rows are gone either way). On a cluster the table is sent to the
    shards with ``GLOBAL IN``."""
    import uuid

    name = f"influscope_lookup_{uuid.uuid4().hex}"
    source = schema.write_table(store, "clicks")
    client.command(f"CREATE TABLE {name} (v String) ENGINE = Memory")
    try:
        client.insert_arrow(name, pa.table({"v": pa.array(values, pa.string())}))
        return client.query_arrow(
            f"SELECT {cols} FROM {source} WHERE {where} AND {column} {'GLOBAL IN' if store.cluster else 'IN'} "
            f"(SELECT v FROM {name}) "
            f"ORDER BY key, version DESC LIMIT 1 BY key", settings={"final": 0})
    finally:
        client.command(f"DROP TABLE IF EXISTS {name}")


def stage_crediting_clicks(con, keys: list[str], workspace_id: int, start: dt.datetime, end: dt.datetime,
                           window_s: int, first_click: bool) -> str:
    """Copy from the event store into a temporary table of CON (the operational store) the clicks
    crediting needs: those with KEYS (the clicks the orders or leads of [start, end) carry) and, for
    FIRST_CLICK, the human clicks of the same visitors from WINDOW_S before START to END. Returns
    the table's name (a name the compiled crediting query is keyed on): the same arguments on the
    same connection give the same table, staged once, and the names a connection hands out are
    numbered in order, so the same sequence of reads on a new connection compiles no new query;
    :func:`staged_clicks` gives the table."""
    reader = reader_of(con)
    assert reader is not None, "no event store configured"
    done = con.__dict__.setdefault("_influscope_staged_by", {})
    ask = (tuple(keys), int(workspace_id), start, end, int(window_s), bool(first_click))
    if ask in done:
        return done[ask]
    if not keys:
        done[ask] = _temporary_clicks(con, pa.table({c: pa.array([], t) for c, t in _CREDIT_ARROW.items()}))
        return done[ask]
    cols = ", ".join(_CREDIT_COLUMNS)
    ws = f"workspace_id = {int(workspace_id)}"
    with session(reader.store) as client:
        found = _clicks_where(client, reader.store, cols, ws, list(keys), "key")
        parts = [found]
        visitors = pc.unique(found.column("visitor_hash").drop_null()) if len(found) else pa.array([], pa.string())
        if first_click and len(visitors):
            since = (start - dt.timedelta(seconds=window_s)).isoformat(" ")
            until = end.isoformat(" ")
            parts.append(_clicks_where(
                client, reader.store, cols,
                f"{ws} AND NOT is_bot AND ts >= toDateTime64('{since}', 6, 'UTC') AND ts < toDateTime64('{until}', 6, "
                f"'UTC')", visitors.to_pylist(), "visitor_hash"))
    rows = pa.concat_tables([_credit_arrow(p) for p in parts])
    if len(parts) > 1:  # a click found both ways: once
        first = pc.equal(pc.index_in(rows.column("key"), value_set=rows.column("key")),
                         pa.array(range(len(rows)), pa.int32()))
        rows = rows.filter(first)
    done[ask] = _temporary_clicks(con, rows)
    return done[ask]


_CREDIT_ARROW = {"workspace_id": pa.int64(), "key": pa.string(), "link_id": pa.int64(), "ts": pa.timestamp("us"),
                 "is_bot": pa.bool_(), "visitor_hash": pa.string()}


def _credit_arrow(table: pa.Table) -> pa.Table:
    """TABLE's crediting columns in plain types (times naive UTC)."""
    arrays = []
    for name, kind in _CREDIT_ARROW.items():
        arr = table.column(name)
        if pa.types.is_timestamp(arr.type) and arr.type.tz is not None:
            arr = pc.cast(arr, pa.timestamp("us", tz="UTC")).cast(pa.int64()).cast(pa.timestamp("us"))
        arrays.append(pc.cast(arr, kind))
    return pa.table(arrays, names=list(_CREDIT_ARROW))


def staged_clicks(con, name: str):
    """The Ibis table of the clicks :func:`stage_crediting_clicks` staged as NAME on CON."""
    return con.__dict__["_influscope_staged"][name]


def _temporary_clicks(con, rows: pa.Table) -> str:
    staged = con.__dict__.setdefault("_influscope_staged", {})
    name = f"influscope_event_clicks_{len(staged)}"
    if getattr(con, "name", None) == "sqlite":
        raw = con.con
        raw.execute(f'CREATE TEMP TABLE "{name}" (id INTEGER PRIMARY KEY, workspace_id INTEGER NOT NULL, '
                    f'key VARCHAR(64) NOT NULL, link_id INTEGER NOT NULL, ts DATETIME NOT NULL, '
                    f'is_bot BOOLEAN NOT NULL, visitor_hash VARCHAR(64))')
        # times as SQLAlchemy writes them in SQLite ('YYYY-MM-DD HH:MM:SS.ffffff': arrow's %S has the fraction)
        columns = [rows.column("workspace_id").to_pylist(), rows.column("key").to_pylist(),
                   rows.column("link_id").to_pylist(), pc.strftime(rows.column("ts"), "%Y-%m-%d %H:%M:%S").to_pylist(),
                   pc.cast(rows.column("is_bot"), pa.int64()).to_pylist(), rows.column("visitor_hash").to_pylist()]
        raw.executemany(f'INSERT INTO "{name}" (workspace_id, key, link_id, ts, is_bot, visitor_hash) '
                        f'VALUES (?, ?, ?, ?, ?, ?)', zip(*columns))
        staged[name] = con.table(name, database="temp")
        return name
    staged[name] = con.create_table(name, ibis.memtable(rows), temp=True)
    return name


def with_click_creators(conn, workspace_id: int, rows: list) -> list:
    """ROWS (with ``click_id`` and ``click_creator``, the creator of the link the click id names,
    joined in the operational store) with ``click_creator`` read through the event store's clicks
    when one is configured (the operational store then holds none); ROWS as they are otherwise.
    The rows given back are named tuples with the same fields."""
    import collections

    import sqlalchemy as sa

    from influscope.db import tables as t
    from influscope.events.store import configured

    where = configured()
    keys = sorted({r.click_id for r in rows if r.click_id})
    if where is None or not keys:
        return rows
    with session(where) as client:
        found = _clicks_where(client, where, "key, link_id", f"workspace_id = {int(workspace_id)}", keys, "key")
    link_of = dict(zip(found.column("key").to_pylist(), found.column("link_id").to_pylist()))
    links = sorted(set(link_of.values()))
    creator_of = dict(conn.execute(sa.select(t.links.c.id, t.links.c.creator_id).where(t.links.c.id.in_(links))).all()) \
        if links else {}
    fields = tuple(rows[0]._fields)
    at, key_at = fields.index("click_creator"), fields.index("click_id")
    row = collections.namedtuple("ClickCreatorRow", fields)  # type: ignore[misc]
    creator_of_key = {k: creator_of.get(link) for k, link in link_of.items()}
    return [row(*r[:at], creator_of_key.get(r[key_at]), *r[at + 1:]) for r in rows]
