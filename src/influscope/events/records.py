"""Writing upserted records into the event store: post metric snapshots, site traffic and follower
counts (docs/scale.md).

Each kind is a ``ReplacingMergeTree(version)`` sorted by the record's key, so writing a record again
is an insert with a higher version, and readers (``final = 1``) see the newest. The writers keep the
promises of the SQL upserts they replace:

- A column the source does not report keeps the stored value (a posts file without ``saves`` leaves
  a snapshot's saves as they were); a new record gets NULL there, or the door's default (``source``).
- A record equal to the stored one is not written again and counts as unchanged, so importing the
  same file twice reports 0 changes and writes nothing.
- The rows of one import reach the event store together, when the operational transaction commits
  (:func:`defer`): every door (bundle import, native exports, connector syncs, the API) validates and
  writes its operational records first, and the event rows go last, so a file refused or a write
  failing on the SQL side leaves nothing in ClickHouse, and ClickHouse refusing the rows rolls the SQL
  transaction back.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import time
import weakref
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy import event

from influscope.events import schema, store

if TYPE_CHECKING:
    import pyarrow as pa


@dataclass(frozen=True)
class Kind:
    table: str
    columns: dict[str, str]  # ClickHouse columns (schema.py)
    key: tuple[str, ...]  # the record's key within a workspace

    @functools.cached_property
    def values(self) -> tuple[str, ...]:
        return tuple(c for c in self.columns if c not in ("workspace_id", "version", *self.key))


KINDS: dict[str, Kind] = {
    "post_metrics": Kind("post_metrics", schema.POST_METRIC_COLUMNS, ("post_id", "as_of")),
    "traffic": Kind("traffic", schema.TRAFFIC_COLUMNS, ("date", "source", "medium", "campaign", "content")),
    "follower_snapshots": Kind("follower_snapshots", schema.FOLLOWER_COLUMNS, ("platform", "handle", "date")),
}
TEXT_KEYS = {"source", "medium", "campaign", "content"}  # traffic dimensions: '' is "none", as in the SQL table

@functools.cache
def _arrow_types() -> dict[str, pa.DataType]:
    import pyarrow as pa  # only when records are written (the KPI path never needs it)

    return {"Int64": pa.int64(), "String": pa.string(), "DateTime64(6, 'UTC')": pa.timestamp("us"),
            "Date32": pa.date32(), "UInt64": pa.uint64(), "Nullable(String)": pa.string(),
            "Nullable(Int64)": pa.int64(), "Nullable(Float64)": pa.float64()}


@dataclass
class Counts:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0


def enabled() -> bool:
    return store.configured() is not None


def arrow_schema(kind: Kind) -> pa.Schema:
    import pyarrow as pa

    types = _arrow_types()
    return pa.schema([(c, types[t]) for c, t in kind.columns.items()])


def _plain(value: Any, ch_type: str) -> Any:
    """VALUE as the writer compares it: naive UTC times, dates, ints, floats, JSON as text."""
    if value is None:
        return None
    if ch_type.startswith("DateTime64"):
        if isinstance(value, str):
            value = dt.datetime.fromisoformat(value)
        return value.astimezone(dt.timezone.utc).replace(tzinfo=None) if value.tzinfo else value
    if ch_type == "Date32":
        if isinstance(value, dt.datetime):
            return value.date()
        return dt.date.fromisoformat(value[:10]) if isinstance(value, str) else value
    if ch_type.endswith("(Int64)") or ch_type == "Int64":
        return int(value)
    if ch_type.endswith("(Float64)"):
        return float(value)
    if ch_type.endswith("String)") or ch_type == "String":
        return value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)
    return value


_PLAIN_TYPES = {"Int64": int, "Nullable(Int64)": int, "Nullable(Float64)": float, "String": str,
                "Nullable(String)": str, "Date32": dt.date}


def _converter(ch_type: str):
    """:func:`_plain` for one column type, with a fast path for values already plain."""
    plain = _PLAIN_TYPES.get(ch_type)

    def convert(value: Any) -> Any:
        if value is None or type(value) is plain:
            return value
        if type(value) is dt.datetime and value.tzinfo is None and ch_type.startswith("DateTime64"):
            return value
        return _plain(value, ch_type)

    return convert


def _plain_column(values: list[Any], ch_type: str) -> list[Any]:
    """VALUES (one column) as :func:`_plain` makes them; as they are when they already are."""
    plain = _PLAIN_TYPES.get(ch_type)
    if plain is not None and all(v is None or type(v) is plain for v in values):
        return values
    convert = _converter(ch_type)
    return [convert(v) for v in values]


def _literal(value: Any) -> str:
    if isinstance(value, (int,)) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, dt.datetime):
        return f"toDateTime64('{value.isoformat(' ')}', 6, 'UTC')"
    if isinstance(value, dt.date):
        return f"toDate32('{value.isoformat()}')"
    return "'" + str(value).replace("\\", "\\\\").replace("'", "\\'") + "'"


def _in(values: Iterable[Any]) -> str:
    out = [_literal(v) for v in values]
    return "(" + ", ".join(out) + ")" if out else "(NULL)"


def _stored(client: Any, where: store.EventStoreURL, kind: Kind, ws: int, rows: list[dict[str, Any]]) -> dict:
    """The stored records of WS that ROWS may replace, by key."""
    cols = [*kind.key, *kind.values]
    source = schema.write_table(where, kind.table)
    conditions: list[str] = []
    if kind.table == "post_metrics":
        posts = sorted({r["post_id"] for r in rows})
        conditions = [f"post_id IN {_in(posts[i:i + 10_000])}" for i in range(0, len(posts), 10_000)]
    else:
        days = [r["date"] for r in rows]
        span = f"date >= {_literal(min(days))} AND date <= {_literal(max(days))}"
        if kind.table == "follower_snapshots":
            handles = sorted({r["handle"] for r in rows})
            conditions = [f"{span} AND handle IN {_in(handles[i:i + 10_000])}" for i in range(0, len(handles), 10_000)]
        else:
            conditions = [span]
    out: dict[tuple, dict[str, Any]] = {}
    convert = [(c, _converter(kind.columns[c])) for c in cols]
    for condition in conditions:
        found = client.query(f"SELECT {', '.join(cols)} FROM {source} WHERE workspace_id = {int(ws)} AND {condition}")
        for r in found.result_rows:
            record = {c: f(v) for (c, f), v in zip(convert, r)}
            out[tuple(record[k] for k in kind.key)] = record
    return out


def upsert(client: Any, where: store.EventStoreURL, kind_name: str, ws: int, rows: Sequence[dict[str, Any]],
           present: Sequence[str]) -> Counts:
    """Write ROWS (dicts by column name, without ``workspace_id``) of kind KIND_NAME for workspace WS.
    PRESENT names the value columns the source reports; the other columns of a row apply to a new
    record only. The last row of a key wins. Returns what was inserted, updated and left as it was."""
    kind = KINDS[kind_name]
    counts = Counts()
    latest: dict[tuple, dict[str, Any]] = {}
    names = (*kind.key, *kind.values)
    columns = [_plain_column([r.get(c) for r in rows], kind.columns[c]) for c in names]
    for c in TEXT_KEYS & set(kind.key):
        i = names.index(c)
        columns[i] = [v or "" for v in columns[i]]
    at = [names.index(k) for k in kind.key]
    for values in zip(*columns):
        latest[tuple(values[i] for i in at)] = dict(zip(names, values))
    if not latest:
        return counts
    stored = _stored(client, where, kind, ws, list(latest.values()))
    shown = [c for c in kind.values if c in present]
    write: list[dict[str, Any]] = []
    for key, record in latest.items():
        old = stored.get(key)
        if old is None:
            counts.inserted += 1
            write.append(record)
            continue
        merged = {**old, **{c: record[c] for c in shown}}
        if merged == old:
            counts.unchanged += 1
        else:
            counts.updated += 1
            write.append(merged)
    if write:
        import pyarrow as pa

        version = time.time_ns()
        table = pa.Table.from_pylist([{"workspace_id": ws, **r, "version": version} for r in write],
                                     schema=arrow_schema(kind))
        settings = {"insert_distributed_sync": 1} if where.cluster else None
        client.insert_arrow(schema.write_table(where, kind.table), table, settings=settings)
    return counts


# ------------------------------------------------------------------ writes at the SQL commit

@dataclass
class _Write:
    kind: str
    ws: int
    rows: list[dict[str, Any]]
    present: list[str]
    report: Any  # a FileReport (inserted, updated, unchanged) or None


@dataclass
class _Pending:
    writes: list[_Write] = field(default_factory=list)


_pending: weakref.WeakKeyDictionary[sa.Connection, _Pending] = weakref.WeakKeyDictionary()


def defer(conn: sa.Connection, kind: str, ws: int, rows: Sequence[dict[str, Any]], present: Sequence[str],
          report: Any = None) -> None:
    """Write ROWS (see :func:`upsert`) to the configured event store when CONN's transaction commits,
    just before the SQL commit, counting into REPORT; forget them if it rolls back. A failure of the
    event store makes the commit fail, so the transaction rolls back."""
    if not rows:
        return
    pending = _pending.get(conn)
    if pending is None:
        pending = _pending[conn] = _Pending()
        event.listen(conn, "commit", _flush)
        event.listen(conn, "rollback", _forget)
    pending.writes.append(_Write(kind, ws, list(rows), list(present), report))


def _forget(conn: sa.Connection) -> None:
    pending = _pending.get(conn)
    if pending is not None:
        pending.writes.clear()


def _flush(conn: sa.Connection) -> None:
    pending = _pending.get(conn)
    if pending is None or not pending.writes:
        return
    writes, pending.writes = pending.writes, []
    flush(writes)


def write_pending(conn: sa.Connection) -> None:
    """Write now what CONN's transaction deferred (a caller that needs the counts before it
    commits, such as a connector run recording its changes); a failure raises, and the caller's
    transaction rolls back."""
    _flush(conn)


def flush(writes: list[_Write]) -> None:
    where = store.configured()
    if where is None:
        raise store.EventStoreError("records were queued for the event store, but none is configured")
    with store.session(where) as client:
        for w in writes:
            counts = upsert(client, where, w.kind, w.ws, w.rows, w.present)
            if w.report is not None:
                w.report.inserted += counts.inserted
                w.report.updated += counts.updated
                w.report.unchanged += counts.unchanged


def pending_count(conn: sa.Connection) -> int:
    """Rows queued on CONN for the event store (tests)."""
    pending = _pending.get(conn)
    return sum(len(w.rows) for w in pending.writes) if pending else 0


# ------------------------------------------------------------------ deletes

def delete(workspace_id: int, *, post_ids: Sequence[int] | None = None,
           accounts: Sequence[tuple[str, str]] | None = None) -> dict[str, int]:
    """Delete from the configured event store the snapshots of POST_IDS and the follower counts of
    ACCOUNTS ((platform, handle)) of WORKSPACE_ID (a forgotten creator); how many of each."""
    where = store.configured()
    out = {"post_metrics": 0, "follower_snapshots": 0}
    if where is None:
        return out
    targets: list[tuple[str, str]] = []
    if post_ids:
        ids = sorted({int(p) for p in post_ids})
        targets += [("post_metrics", f"post_id IN {_in(ids[i:i + 10_000])}") for i in range(0, len(ids), 10_000)]
    if accounts:
        pairs = sorted(set(accounts))
        targets += [("follower_snapshots", "(platform, handle) IN (" + ", ".join(
            f"({_literal(p)}, {_literal(h)})" for p, h in pairs[i:i + 5_000]) + ")")
            for i in range(0, len(pairs), 5_000)]
    with store.session(where) as client:
        for table, condition in targets:
            full = f"workspace_id = {int(workspace_id)} AND {condition}"
            n = int(client.query(f"SELECT count() FROM {schema.write_table(where, table)} WHERE {full}")
                    .result_rows[0][0])
            if n:
                client.command(f"DELETE FROM {schema.local_table(where, table)}{schema.on_cluster(where)} WHERE {full}")
                out[table] += n
    return out


# ------------------------------------------------------------------ reads for pages and the API

_SNAPSHOT = tuple(c for c in schema.POST_METRIC_COLUMNS if c not in ("workspace_id", "version"))


def _snapshot_rows(where: store.EventStoreURL, sql: str) -> list[dict[str, Any]]:
    with store.session(where) as client:
        found = client.query(sql).result_rows
    out = []
    for r in found:
        row = {c: _plain(v, schema.POST_METRIC_COLUMNS[c]) for c, v in zip(_SNAPSHOT, r)}
        row["raw"] = json.loads(row["raw"]) if row["raw"] else None
        out.append(row)
    return out


def latest_snapshots(workspace_id: int, post_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """The latest snapshot of each of POST_IDS in the configured event store (one row per post)."""
    where = store.configured()
    assert where is not None, "no event store configured"
    ids = sorted({int(p) for p in post_ids})
    out: dict[int, dict[str, Any]] = {}
    for i in range(0, len(ids), 10_000):
        sql = (f"SELECT {', '.join(_SNAPSHOT)} FROM {schema.write_table(where, 'post_metrics')} "
               f"WHERE workspace_id = {int(workspace_id)} AND post_id IN {_in(ids[i:i + 10_000])} "
               f"ORDER BY post_id, as_of DESC LIMIT 1 BY post_id")
        out.update({r["post_id"]: r for r in _snapshot_rows(where, sql)})
    return out


def snapshots(workspace_id: int, post_id: int) -> list[dict[str, Any]]:
    """Every snapshot of POST_ID in the configured event store, oldest first."""
    where = store.configured()
    assert where is not None, "no event store configured"
    return _snapshot_rows(where, f"SELECT {', '.join(_SNAPSHOT)} FROM {schema.write_table(where, 'post_metrics')} "
                                 f"WHERE workspace_id = {int(workspace_id)} AND post_id = {int(post_id)} ORDER BY as_of")



def exported(kind_name: str, workspace_id: int, *, post_ids: Sequence[int] | None = None,
             campaigns: Sequence[str] | None = None, accounts: Sequence[tuple[str, str]] | None = None
             ) -> list[dict[str, Any]]:
    """The records of kind KIND_NAME of WORKSPACE_ID in the configured event store, in key order, for
    ``influscope export``: the snapshots of POST_IDS, the traffic rows tagged with one of CAMPAIGNS,
    the follower counts of ACCOUNTS (each filter only when given)."""
    where = store.configured()
    assert where is not None, "no event store configured"
    kind = KINDS[kind_name]
    conditions = [f"workspace_id = {int(workspace_id)}"]
    if post_ids is not None:
        conditions.append(f"post_id IN {_in(sorted({int(p) for p in post_ids}))}")
    if campaigns is not None:
        conditions.append(f"campaign IN {_in(sorted(campaigns))}")
    if accounts is not None:
        pairs = sorted(set(accounts))
        conditions.append("(platform, handle) IN (" + ", ".join(f"({_literal(p)}, {_literal(h)})" for p, h in pairs)
                          + ")" if pairs else "0")
    cols = [c for c in kind.columns if c not in ("workspace_id", "version")]
    sql = (f"SELECT {', '.join(cols)} FROM {schema.write_table(where, kind.table)} WHERE {' AND '.join(conditions)} "
           f"ORDER BY {', '.join(kind.key)}")
    with store.session(where) as client:
        found = client.query(sql).result_rows
    return [{c: _plain(v, kind.columns[c]) for c, v in zip(cols, r)} for r in found]


def _sessions_by(column: str, only: str, workspace_id: int, start: dt.date, end: dt.date) -> list[tuple]:
    """(COLUMN, summed sessions) of the workspace's traffic rows from START to END that meet ONLY,
    summed by ClickHouse."""
    where = store.configured()
    assert where is not None, "no event store configured"
    sql = (f"SELECT {column}, sum(sessions) FROM {schema.write_table(where, 'traffic')} "
           f"WHERE workspace_id = {int(workspace_id)} AND date >= {_literal(start)} AND date <= {_literal(end)} "
           f"AND {only} GROUP BY {column} ORDER BY {column}")
    with store.session(where) as client:
        return client.query(sql).result_rows


def daily_sessions(workspace_id: int, start: dt.date, end: dt.date) -> list[tuple[dt.date, float]]:
    """Sessions per day from START to END (days reporting sessions only)."""
    return [(_plain(d, "Date32"), float(s))
            for d, s in _sessions_by("date", "sessions IS NOT NULL", workspace_id, start, end)]


def follower_counts(workspace_id: int, platform: str, handle: str, *, start: dt.date | None = None,
                    end: dt.date | None = None, before: dt.date | None = None,
                    latest: bool = False) -> list[tuple[dt.date, int]]:
    """An account's follower counts by day (from START to END, or before BEFORE), oldest first; with
    LATEST only the newest."""
    where = store.configured()
    assert where is not None, "no event store configured"
    conditions = [f"workspace_id = {int(workspace_id)}", f"platform = {_literal(platform)}",
                  f"handle = {_literal(handle)}"]
    if start is not None:
        conditions.append(f"date >= {_literal(start)}")
    if end is not None:
        conditions.append(f"date <= {_literal(end)}")
    if before is not None:
        conditions.append(f"date < {_literal(before)}")
    order = "ORDER BY date DESC LIMIT 1" if latest else "ORDER BY date"
    sql = (f"SELECT date, followers FROM {schema.write_table(where, 'follower_snapshots')} "
           f"WHERE {' AND '.join(conditions)} {order}")
    with store.session(where) as client:
        return [(_plain(d, "Date32"), int(f)) for d, f in client.query(sql).result_rows]


_staged = iter(range(1, 1 << 62))


def stage_latest_snapshots(conn: sa.Connection, workspace_id: int, *, post_ids: Sequence[int] | None = None
                           ) -> sa.Table:
    """The latest snapshot of every post of WORKSPACE_ID, or of POST_IDS (one row per post, chosen by ClickHouse),
    handed to the operational store as a temporary table of CONN with the columns of
    ``post_metrics``, for the queries there that join posts with their latest metrics (planning's
    history of a creator's posts). Drop it with :func:`unstage` after use."""
    where = store.configured()
    assert where is not None, "no event store configured"
    columns: list[sa.Column] = [
        sa.Column("post_id", sa.Integer, nullable=False), sa.Column("as_of", sa.DateTime, nullable=False),
        *(sa.Column(m, sa.BigInteger) for m in ("impressions", "reach", "views", "likes", "comments", "shares", "saves",
                                                 "reactions", "link_clicks")),
        sa.Column("watch_time_s", sa.Float)]
    table = sa.Table(f"influscope_latest_snapshots_{next(_staged)}", sa.MetaData(), *columns, prefixes=["TEMPORARY"])
    table.create(conn)
    names = [c.name for c in columns]
    scopes = [""]
    if post_ids is not None:
        ids = sorted({int(p) for p in post_ids})
        scopes = [f"AND post_id IN {_in(ids[i:i + 10_000])}" for i in range(0, len(ids), 10_000)]
    found = []
    with store.session(where) as client:
        for scope in scopes:
            found += client.query(f"SELECT {', '.join(names)} FROM {schema.write_table(where, 'post_metrics')} "
                                  f"WHERE workspace_id = {int(workspace_id)} {scope} "
                                  f"ORDER BY post_id, as_of DESC LIMIT 1 BY post_id").result_rows
    rows = [{c: _plain(v, schema.POST_METRIC_COLUMNS[c]) for c, v in zip(names, r)} for r in found]
    for i in range(0, len(rows), 5_000):
        conn.execute(table.insert(), rows[i:i + 5_000])
    return table


def unstage(conn: sa.Connection, table: sa.Table) -> None:
    table.drop(conn)


def sessions_by_content(workspace_id: int, start: dt.date, end: dt.date) -> list[tuple[str, int | None]]:
    """Sessions per utm_content (tagged rows only) from START to END."""
    return [(c, None if s is None else int(s))
            for c, s in _sessions_by("content", "content != ''", workspace_id, start, end)]


def digest(workspace_id: int) -> list[str]:
    """Counts and sums of WORKSPACE_ID's snapshots and follower counts (what the audience refresh's
    fingerprint watches): a change to either changes the digest."""
    where = store.configured()
    assert where is not None, "no event store configured"
    with store.session(where) as client:
        snaps = client.query(f"SELECT count(), max(version), sum(likes), sum(comments) FROM "
                             f"{schema.write_table(where, 'post_metrics')} WHERE workspace_id = {int(workspace_id)}"
                             ).result_rows[0]
        follows = client.query(f"SELECT count(), max(version), sum(followers) FROM "
                               f"{schema.write_table(where, 'follower_snapshots')} "
                               f"WHERE workspace_id = {int(workspace_id)}").result_rows[0]
    return [str(x) for x in (*snaps, *follows)]
