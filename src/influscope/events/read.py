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
from typing import TYPE_CHECKING, Any

from influscope.events import schema
from influscope.events.store import EventStoreURL, session

if TYPE_CHECKING:
    import pyarrow as pa

EVENT_TABLES: dict[str, dict[str, str]] = {"clicks": schema.CLICK_COLUMNS, "post_metrics": schema.POST_METRIC_COLUMNS,
                                           "traffic": schema.TRAFFIC_COLUMNS,
                                           "follower_snapshots": schema.FOLLOWER_COLUMNS}
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
        self.shapes: dict[tuple, tuple[Any, dict] | None] = {}  # builder, shape -> expression over the store

    def has(self, name: str) -> bool:
        return name in EVENT_TABLES

    def table(self, name: str):
        import ibis.expr.operations as ops

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


def holds(con, name: str) -> bool:
    """Whether the table NAME of the KPI backend CON lives in the event store."""
    reader = reader_of(con)
    return reader is not None and reader.has(name)


_compiled: dict[tuple, tuple[str, dict, tuple, tuple] | None] = {}


def rows(con, build, *shape, **values) -> list[dict]:
    """:func:`influscope.kpi.prepared.rows` for a builder whose tables may live in the event store:
    a query over event tables only runs on ClickHouse, any other through the operational store's
    cached SQL. As there, the ClickHouse SQL of a builder is compiled once per shape with a token
    for each slot, and each run writes the values in as literals."""
    from influscope.kpi import prepared
    from influscope.kpi.backends import converters

    reader = reader_of(con)
    if reader is None:
        return prepared.rows(con, build, *shape, **values)
    key = (reader.store.cluster, build, shape)
    if key not in _compiled:
        p = prepared.Slots()
        expr = build(con, p, *shape)
        if reader.owns(expr):
            compiler = prepared._binding_compiler(type(reader.backend.compiler), False)
            sql = compiler.to_sqlglot(expr).sql(dialect=compiler.dialect, copy=False)
            schema_ = expr.schema()
            _compiled[key] = (sql, dict(p.types), tuple(schema_.names), tuple(converters(schema_)))
        else:
            _compiled[key] = None
    hit = _compiled[key]
    if hit is None:
        return prepared.rows(con, build, *shape, **values)
    sql, slots, names, convert = hit
    if set(slots) != set(values):
        raise TypeError(f"{build.__qualname__}: values for slots {sorted(slots)}; got {sorted(values)}")
    for name, value in values.items():
        sql = sql.replace(prepared._token(name), _sql_literal(value, slots[name]))
    with session(reader.store) as client:
        found = client.query(sql).result_rows
    return [{n: (f(v) if f else v) for n, f, v in zip(names, convert, r)} for r in found]


def _sql_literal(value: Any, dtype) -> str:
    """VALUE as a ClickHouse literal of the slot type DTYPE."""
    if value is None:
        return "NULL"
    if dtype.is_integer():
        return str(int(value))
    if dtype.is_floating():
        return repr(float(value))
    if dtype.is_boolean():
        return "true" if value else "false"
    if dtype.is_timestamp():
        return f"toDateTime64('{_naive(value).isoformat(' ')}', 6, 'UTC')"
    if dtype.is_date():
        return f"toDate32('{value.isoformat()}')"
    if dtype.is_string():
        return _quoted([str(value)])[1:-1]
    raise TypeError(f"no ClickHouse literal for {value!r} as {dtype}")


_METRICS = ("impressions", "reach", "views", "likes", "comments", "shares", "saves", "reactions", "link_clicks",
            "watch_time_s")


def with_snapshots(con, workspace_id: int, posts: list[dict]) -> list[dict]:
    """POSTS (rows with ``id``, ``platform``, ``handle``, ``q_day``: the local posting day as days
    since 1970-01-01, and ``a_followers``: the account's own count) with their latest snapshot
    (``as_of`` and the metrics) and ``followers_at_post`` (the account's latest follower count on or
    before the posting day, else its own count), from the event store: two queries that return one
    row per post, the snapshots' and the follower counts' as-of look-ups done by ClickHouse."""
    reader = reader_of(con)
    assert reader is not None, "no event store configured"
    where = reader.store
    ws = int(workspace_id)
    ids = sorted({int(p["id"]) for p in posts})
    latest: dict[int, tuple] = {}
    at_post: dict[int, int] = {}
    dated = [p for p in posts if p["q_day"] is not None and p["handle"] is not None]
    with session(where) as client:
        for i in range(0, len(ids), 10_000):
            for r in client.query(
                    f"SELECT post_id, as_of, {', '.join(_METRICS)} FROM {schema.write_table(where, 'post_metrics')} "
                    f"WHERE workspace_id = {ws} AND post_id IN {_quoted(ids[i:i + 10_000])} "
                    f"ORDER BY post_id, as_of DESC LIMIT 1 BY post_id").result_rows:
                latest[int(r[0])] = r[1:]
        for i in range(0, len(dated), 5_000):
            part = dated[i:i + 5_000]
            asked = ", ".join(f"({int(p['id'])}, {_quoted([p['platform']])[1:-1]}, {_quoted([p['handle']])[1:-1]}, "
                              f"{int(p['q_day'])})" for p in part)
            handles = sorted({p["handle"] for p in part})
            for post, followers in client.query(
                    f"SELECT q.post, f.followers FROM values('post Int64, platform String, handle String, day Int32', "
                    f"{asked}) AS q ASOF JOIN (SELECT platform, handle, toInt32(date) AS day, followers "
                    f"FROM {schema.write_table(where, 'follower_snapshots')} WHERE workspace_id = {ws} "
                    f"AND handle IN {_quoted(handles)}) AS f "
                    f"ON q.platform = f.platform AND q.handle = f.handle AND q.day >= f.day").result_rows:
                at_post[int(post)] = int(followers)
    out = []
    for p in posts:
        snap = latest.get(int(p["id"]))
        row = {k: v for k, v in p.items() if k not in ("q_day", "a_followers")}
        row["as_of"] = _naive(snap[0]) if snap else None
        for j, m in enumerate(_METRICS):
            value = snap[1 + j] if snap else None
            row[m] = None if value is None or value != value else value
        row["followers_at_post"] = at_post.get(int(p["id"]), p["a_followers"])
        out.append(row)
    return out


def attach(con) -> None:
    """Give the Ibis backend CON of the operational store the configured event store, if any."""
    from influscope.events.store import configured

    store = configured()
    if store is not None:
        con.__dict__["_influscope_events"] = EventReader(store)


def _quoted(values) -> str:
    from influscope.events.clicks import _list

    return _list(values)


def _naive(ts: dt.datetime) -> dt.datetime:
    return ts.astimezone(dt.timezone.utc).replace(tzinfo=None) if ts.tzinfo else ts


def _clicks_where(client, store: EventStoreURL, cols: str, where: str, values: list[str], column: str) -> pa.Table:
    """COLS of the clicks matching WHERE whose COLUMN is one of VALUES, one row per click (the
    newest version), in one query: VALUES go to a uniquely named Memory table of the event store
    for the query (chdb takes no external tables) and are matched with ``IN``. Read without
    ``FINAL``, which would merge the whole table in sorting-key order for a look-up by another
    column; ``LIMIT 1 BY key`` after ``ORDER BY version DESC`` keeps each click's newest row,
    what ``FINAL`` gives (deleted rows are gone either way). On a cluster the table is sent to the
    shards with ``GLOBAL IN``."""
    import uuid

    import pyarrow as pa

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
    the table's name, :data:`STAGED_CLICKS` at every call, so that the crediting query reading it
    is compiled once per shape (:mod:`influscope.kpi.prepared`): a call replaces the table an
    earlier call staged on CON, unless it asks for the same clicks again (one KPI call credits
    orders and leads over the same keys). :func:`staged_clicks` gives the table."""
    import pyarrow as pa
    import pyarrow.compute as pc

    reader = reader_of(con)
    assert reader is not None, "no event store configured"
    ask = (tuple(keys), int(workspace_id), start, end, int(window_s), bool(first_click))
    if con.__dict__.get("_influscope_staged_ask") == ask:
        return STAGED_CLICKS
    con.__dict__.pop("_influscope_staged_ask", None)
    if not keys:
        _temporary_clicks(con, pa.table({c: pa.array([], t) for c, t in _credit_types().items()}))
        con.__dict__["_influscope_staged_ask"] = ask
        return STAGED_CLICKS
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
    _temporary_clicks(con, rows)
    con.__dict__["_influscope_staged_ask"] = ask
    return STAGED_CLICKS


def _credit_types() -> dict[str, pa.DataType]:
    import pyarrow as pa

    return {"workspace_id": pa.int64(), "key": pa.string(), "link_id": pa.int64(), "ts": pa.timestamp("us"),
            "is_bot": pa.bool_(), "visitor_hash": pa.string()}


def _credit_arrow(table: pa.Table) -> pa.Table:
    """TABLE's crediting columns in plain types (times naive UTC)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arrays = []
    for name, kind in _credit_types().items():
        arr = table.column(name)
        if pa.types.is_timestamp(arr.type) and arr.type.tz is not None:
            arr = pc.cast(arr, pa.timestamp("us", tz="UTC")).cast(pa.int64()).cast(pa.timestamp("us"))
        arrays.append(pc.cast(arr, kind))
    return pa.table(arrays, names=list(_credit_types()))


def staged_clicks(con, name: str):
    """The Ibis table of the clicks :func:`stage_crediting_clicks` staged as NAME on CON."""
    return con.__dict__["_influscope_staged"][name]


STAGED_CLICKS = "influscope_event_clicks"


def _temporary_clicks(con, rows: pa.Table) -> None:
    """ROWS as the temporary table :data:`STAGED_CLICKS` of CON (each connection has its own),
    replacing the one an earlier call staged."""
    import pyarrow as pa
    import pyarrow.compute as pc

    staged = con.__dict__.setdefault("_influscope_staged", {})
    name = STAGED_CLICKS
    if getattr(con, "name", None) == "sqlite":
        raw = con.con
        raw.execute(f'DROP TABLE IF EXISTS temp."{name}"')
        raw.execute(f'CREATE TEMP TABLE "{name}" (id INTEGER PRIMARY KEY, workspace_id INTEGER NOT NULL, '
                    f'key VARCHAR(64) NOT NULL, link_id INTEGER NOT NULL, ts DATETIME NOT NULL, '
                    f'is_bot BOOLEAN NOT NULL, visitor_hash VARCHAR(64))')
        # times as SQLAlchemy writes them in SQLite ('YYYY-MM-DD HH:MM:SS.ffffff': arrow's %S has the fraction)
        columns = [rows.column("workspace_id").to_pylist(), rows.column("key").to_pylist(),
                   rows.column("link_id").to_pylist(), pc.strftime(rows.column("ts"), "%Y-%m-%d %H:%M:%S").to_pylist(),
                   pc.cast(rows.column("is_bot"), pa.int64()).to_pylist(), rows.column("visitor_hash").to_pylist()]
        raw.executemany(f'INSERT INTO "{name}" (workspace_id, key, link_id, ts, is_bot, visitor_hash) '
                        f'VALUES (?, ?, ?, ?, ?, ?)', zip(*columns))
        # crediting finds each order's click by its key: without this index SQLite scans the staged
        # clicks once per order (minutes at 100k orders and 1M clicks)
        raw.execute(f'CREATE INDEX temp."{name}_key" ON "{name}" (workspace_id, key)')
        staged[name] = con.table(name, database="temp")
        return
    import ibis

    staged[name] = con.create_table(name, ibis.memtable(rows), temp=True, overwrite=True)


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
