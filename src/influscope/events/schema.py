"""The event store's tables, as a numbered list of ClickHouse migrations.

Alembic drives the operational store; ClickHouse DDL is different enough (engines, sorting keys,
``ON CLUSTER``) to get its own small list: :data:`MIGRATIONS` holds (number, name, statements)
in order, the table ``influscope_event_migrations`` records which numbers a store has applied,
and :func:`ensure` (run by ``influscope db upgrade`` and whenever a process first opens the store)
applies the missing ones. A migration is never edited once released; a change is a new number.

Tables are written for one node (``ReplacingMergeTree``); with ``?cluster=NAME`` on a server URL
each becomes ``<table>_local`` (``ReplicatedReplacingMergeTree`` on every node of the cluster) plus
``<table>``, a ``Distributed`` table over them sharded by ``workspace_id``, all created
``ON CLUSTER NAME`` (docs/scale.md).
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from influscope.events.store import EventStoreURL

if TYPE_CHECKING:
    import ibis.expr.datatypes as dt
    import ibis.expr.schema as sch

_TEXT = "Nullable(String)"
_FLAGS = ("unique_30m", "unique_1h", "unique_1d", "unique_30m_with_bots", "unique_1h_with_bots", "unique_1d_with_bots")

# column -> ClickHouse type, in table order (the operational store's ``clicks`` minus its row id,
# plus ``version``: the row with the highest version of a click wins)
CLICK_COLUMNS: dict[str, str] = {
    "workspace_id": "Int64", "key": "String", "link_id": "Int64", "ts": "DateTime64(6, 'UTC')", "is_bot": "Bool",
    "bot_reason": _TEXT, "visitor_hash": _TEXT, "country": _TEXT, "device": _TEXT, "os": _TEXT, "browser": _TEXT,
    "app": _TEXT, "referrer": _TEXT, "user_agent": _TEXT, "request_hints": _TEXT,
    **{f: "Bool" for f in _FLAGS}, "version": "UInt64",
}

_COUNT = "Nullable(Int64)"
_AMOUNT = "Nullable(Float64)"

# Records that are upserted by a natural key (a snapshot or a traffic day imported again replaces its
# row): the operational store's columns minus its row id, plus ``workspace_id`` where the SQL table
# reaches it through a post, plus ``version``. The sorting key is the record's key, so the newest
# version of a record is the one row a read with FINAL sees.
POST_METRIC_COLUMNS: dict[str, str] = {
    "workspace_id": "Int64", "post_id": "Int64", "as_of": "DateTime64(6, 'UTC')",
    **{m: _COUNT for m in ("impressions", "reach", "views", "likes", "comments", "shares", "saves", "reactions",
                           "link_clicks")},
    "watch_time_s": _AMOUNT, "source": _TEXT, "raw": _TEXT, "version": "UInt64",
}
TRAFFIC_COLUMNS: dict[str, str] = {
    "workspace_id": "Int64", "date": "Date32", "source": "String", "medium": "String", "campaign": "String",
    "content": "String", **{m: _COUNT for m in ("sessions", "new_users", "returning_users", "engaged_sessions",
                                                "pageviews")},
    "session_duration_s": _AMOUNT, "version": "UInt64",
}
FOLLOWER_COLUMNS: dict[str, str] = {
    "workspace_id": "Int64", "platform": "String", "handle": "String", "date": "Date32", "followers": "Int64",
    "version": "UInt64",
}

# (table, columns, engine arguments, PARTITION BY, ORDER BY)
_CLICKS = ("clicks", CLICK_COLUMNS, "version", "toYYYYMM(ts)", "(workspace_id, link_id, ts, key)")
_POST_METRICS = ("post_metrics", POST_METRIC_COLUMNS, "version", "toYYYYMM(as_of)", "(workspace_id, post_id, as_of)")
_TRAFFIC = ("traffic", TRAFFIC_COLUMNS, "version", "toYYYYMM(date)",
            "(workspace_id, date, source, medium, campaign, content)")
_FOLLOWERS = ("follower_snapshots", FOLLOWER_COLUMNS, "version", "toYYYYMM(date)", "(workspace_id, platform, handle, date)")

MIGRATIONS: list[tuple[int, str, list[tuple[str, dict[str, str], str, str, str]]]] = [
    (1, "clicks", [_CLICKS]),
    (2, "post metric snapshots, traffic, follower counts", [_POST_METRICS, _TRAFFIC, _FOLLOWERS]),
]

@functools.cache
def _ibis_types() -> dict[str, dt.DataType]:
    import ibis.expr.datatypes as dt  # only when an event table is read (Ibis is imported lazily)

    return {"Int64": dt.Int64(nullable=False), "String": dt.String(nullable=False),
            "DateTime64(6, 'UTC')": dt.Timestamp(timezone="UTC", scale=6, nullable=False),
            "Bool": dt.Boolean(nullable=False), "UInt64": dt.UInt64(nullable=False), _TEXT: dt.String(),
            "Date32": dt.Date(nullable=False), _COUNT: dt.Int64(), _AMOUNT: dt.Float64()}


def ibis_schema(columns: dict[str, str]) -> sch.Schema:
    import ibis.expr.schema as sch

    types = _ibis_types()
    return sch.Schema({name: types[kind] for name, kind in columns.items()})


def write_table(store: EventStoreURL, name: str) -> str:
    """The table to insert into and read from (the Distributed one on a cluster)."""
    return name


def local_table(store: EventStoreURL, name: str) -> str:
    """The table that holds the rows (deletes go there): ``<name>_local`` on a cluster."""
    return f"{name}_local" if store.cluster else name


def on_cluster(store: EventStoreURL) -> str:
    return f" ON CLUSTER {_ident(store.cluster)}" if store.cluster else ""


def _ident(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def create_statements(store: EventStoreURL, table: tuple[str, dict[str, str], str, str, str]) -> list[str]:
    """CREATE TABLE statements for TABLE on STORE (one node, or local + Distributed on a cluster)."""
    name, columns, version, partition, order = table
    cols = ",\n  ".join(f"{_ident(c)} {kind}" for c, kind in columns.items())
    tail = f"PARTITION BY {partition} ORDER BY {order}"
    if not store.cluster:
        return [f"CREATE TABLE IF NOT EXISTS {_ident(name)} (\n  {cols}\n) "
                f"ENGINE = ReplacingMergeTree({version}) {tail}"]
    local = local_table(store, name)
    replicated = (f"ReplicatedReplacingMergeTree('/clickhouse/tables/{{shard}}/{{database}}/{local}', "
                  f"'{{replica}}', {version})")
    return [
        f"CREATE TABLE IF NOT EXISTS {_ident(local)}{on_cluster(store)} (\n  {cols}\n) ENGINE = {replicated} {tail}",
        f"CREATE TABLE IF NOT EXISTS {_ident(name)}{on_cluster(store)} AS {_ident(local)} "
        f"ENGINE = Distributed({_ident(store.cluster)}, currentDatabase(), {_ident(local)}, workspace_id)",
    ]


_LEDGER = "influscope_event_migrations"


def applied(client: Any) -> set[int]:
    return {int(r[0]) for r in client.query(f"SELECT number FROM {_LEDGER}").result_rows}


def ensure(client: Any, store: EventStoreURL) -> list[int]:
    """Apply the migrations STORE lacks, in order; return their numbers."""
    client.command(f"CREATE TABLE IF NOT EXISTS {_LEDGER}{on_cluster(store)} (number UInt32, name String, "
                   f"applied_at DateTime DEFAULT now()) ENGINE = ReplacingMergeTree ORDER BY number")
    done = applied(client)
    ran = []
    for number, name, tables in MIGRATIONS:
        if number in done:
            continue
        for table in tables:
            for statement in create_statements(store, table):
                client.command(statement)
        client.insert(_LEDGER, [[number, name]], column_names=["number", "name"])
        ran.append(number)
    return ran


def newest() -> int:
    return MIGRATIONS[-1][0]
