"""Writing clicks into the event store, with their unique-window flags.

``clicks`` is a ReplacingMergeTree sorted by (workspace_id, link_id, ts, key): a click written
again (a re-import, a journal batch forwarded twice after a crash) replaces its earlier row, the one
with the highest ``version`` winning, and readers see merged rows (``final = 1``). A click whose
link or time changed is deleted under its old sorting key first.

The unique-window flags are kept at write, as on the SQL stores
(:mod:`influscope.metrics.unique_windows`): which hits open a window depends only on the same
visitor's earlier hits on the same link, so each writer reads the stored hits its new hits can
affect, computes the flags, and writes the new hits together with the stored hits whose flags
changed (under a higher version).

- :func:`import_clicks` (the bundle importer): every stored hit of the links the file touches,
  and the flags of all of them from whole columns (:func:`unique_windows.flags_of`).
- :func:`forward_clicks` (the redirect's journal): the stored hits of the batch's visitors on the
  batch's links from the longest window before its first hit, and the flags pair by pair.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from influscope.events import schema
from influscope.events.store import EventStoreURL
from influscope.metrics import unique_windows as uw

FLAGS = uw.FLAG_COLUMNS
OPTIONAL = ("bot_reason", "visitor_hash", "country", "device", "os", "browser", "app", "referrer", "user_agent",
            "request_hints")
ROW = ("workspace_id", "key", "link_id", "ts", "is_bot", *OPTIONAL, *FLAGS)  # stored columns but the version
ARROW = pa.schema([
    ("workspace_id", pa.int64()), ("key", pa.string()), ("link_id", pa.int64()), ("ts", pa.timestamp("us")),
    ("is_bot", pa.bool_()), *((o, pa.string()) for o in OPTIONAL), *((f, pa.bool_()) for f in FLAGS),
    ("version", pa.uint64())])
_LONGEST = dt.timedelta(seconds=max(uw.WINDOWS.values()))


@dataclass
class Written:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    reflagged: int = 0  # stored hits written again because their flags changed
    undo: Undo | None = None  # how to take the write back (None: nothing was written)


def _version() -> int:
    return time.time_ns()


def _list(values: Sequence[Any]) -> str:
    """A ClickHouse literal list of ints or strings."""
    out = []
    for v in values:
        if isinstance(v, (int, np.integer)):
            out.append(str(int(v)))
        else:
            out.append("'" + str(v).replace("\\", "\\\\").replace("'", "\\'") + "'")
    return "(" + ", ".join(out) + ")" if out else "(NULL)"


def _stored(client: Any, store: EventStoreURL, where: str, *, version: bool = False) -> pa.Table:
    cols = ", ".join((*ROW, "version") if version else ROW)
    table = _query_arrow(client, store, f"SELECT {cols} FROM {schema.write_table(store, 'clicks')} WHERE {where}")
    out = _conform(table)
    if version:
        found = table.column("version") if "version" in table.column_names else pa.nulls(len(table), pa.uint64())
        out = out.append_column("version", pc.cast(found, pa.uint64()))
    return out


def _query_arrow(client: Any, store: EventStoreURL, sql: str) -> pa.Table:
    """SQL's rows as Arrow, read as merged (``final = 1``); straight from chdb on an embedded store."""
    from influscope.events.store import READ_SETTINGS, engine

    native = engine(store)
    if native is None:
        return client.query_arrow(sql)
    settings = ", ".join(f"{k} = {v}" for k, v in READ_SETTINGS.items())
    return native.query(f"{sql} SETTINGS {settings}", "ArrowTable")


def _conform(table: pa.Table) -> pa.Table:
    """TABLE's columns of ROW in the writer's types (times naive UTC)."""
    arrays = []
    for name in ROW:
        field = ARROW.field(name)
        arr = table.column(name) if name in table.column_names else pa.nulls(len(table), field.type)
        if pa.types.is_timestamp(arr.type) and arr.type.tz is not None:
            arr = pc.cast(arr, pa.timestamp("us", tz="UTC")).cast(pa.int64()).cast(pa.timestamp("us"))
        arrays.append(pc.cast(arr, field.type))
    return pa.table(arrays, names=list(ROW))


def _delete(client: Any, store: EventStoreURL, workspace_id: int, keys: list[str]) -> None:
    target = schema.local_table(store, "clicks")
    for i in range(0, len(keys), 10_000):
        client.command(f"DELETE FROM {target}{schema.on_cluster(store)} WHERE workspace_id = {int(workspace_id)} "
                       f"AND key IN {_list(keys[i:i + 10_000])}")


# Rows of one insert never share a sorting key (a writer sends a click once), so the insert need not
# look for rows to collapse (ReplacingMergeTree's ``optimize_on_insert``, which costs about as much
# as the rest of the insert); merges and reads with FINAL still keep the newest version of a click.
_INSERT_SETTINGS = {"optimize_on_insert": 0}


def _insert(client: Any, store: EventStoreURL, rows: pa.Table, version: int | None = None) -> int:
    """Write ROWS (columns of ROW) under VERSION (default: now); returns the version."""
    version = _version() if version is None else version
    if not len(rows):
        return version
    rows = rows.append_column("version", pa.array(np.full(len(rows), version, dtype=np.uint64)))
    _insert_rows(client, store, rows.cast(pa.schema([ARROW.field(c) for c in rows.column_names])))
    return version


# An embedded store's large insert is split into slices written side by side, one thread and one
# engine connection each (the engine lets go of the interpreter while it writes).
_SLICE_ROWS = 250_000
_INSERT_THREADS = max(1, min(4, os.cpu_count() or 1))


def _insert_rows(client: Any, store: EventStoreURL, rows: pa.Table) -> None:
    """ROWS (columns of ARROW; a column left out is NULL) into the clicks table: on an embedded store
    through ClickHouse's ``Python()`` table function, which reads the Arrow columns where they are.
    A failure is raised once every slice has finished (the caller then takes the whole write back)."""
    from influscope.events.store import engines

    target = schema.write_table(store, "clicks")
    threads = min(_INSERT_THREADS, max(1, len(rows) // _SLICE_ROWS))
    natives = engines(store, threads)
    if natives:
        size = -(-len(rows) // len(natives))
        parts = [(native, rows.slice(i * size, size)) for i, native in enumerate(natives)]
        if len(parts) == 1:
            _insert_python(parts[0][0], parts[0][1], target)
            return
        with ThreadPoolExecutor(len(parts)) as pool:
            done = [pool.submit(_insert_python, native, part, target) for native, part in parts]
        for future in done:
            future.result()
        return
    settings = {**_INSERT_SETTINGS, **({"insert_distributed_sync": 1} if store.cluster else {})}
    client.insert_arrow(target, rows, settings=settings)


def _insert_python(native: Any, rows: pa.Table, target: str) -> None:
    names = ", ".join(rows.column_names)
    clicks_arrow = rows  # the name the statement gives: chdb finds the table in this frame
    settings = ", ".join(f"{k} = {v}" for k, v in _INSERT_SETTINGS.items())
    native.query(f"INSERT INTO {target} ({names}) SELECT {names} FROM Python(clicks_arrow) SETTINGS {settings}",
                 "TabSeparated")
    del clicks_arrow


def _same(a: pa.ChunkedArray | pa.Array, b: pa.ChunkedArray | pa.Array) -> pa.Array:
    eq = pc.equal(a, b)
    return pc.or_kleene(pc.fill_null(eq, False), pc.and_(pc.is_null(a), pc.is_null(b)))


@dataclass
class Undo:
    """How to take an import's write back: the version its rows were written under, and the stored
    rows (with their own versions) that it replaced or deleted."""

    workspace_id: int
    version: int
    replaced: pa.Table | None = None


def undo(client: Any, store: EventStoreURL, what: Undo) -> None:
    """Take back the write WHAT described: its rows are deleted and the rows it replaced are
    written again under their own versions (a merge may have dropped them meanwhile)."""
    table = schema.local_table(store, "clicks")
    client.command(f"DELETE FROM {table}{schema.on_cluster(store)} WHERE workspace_id = {int(what.workspace_id)} "
                   f"AND version = {int(what.version)}")
    if what.replaced is not None and len(what.replaced):
        _insert_rows(client, store, what.replaced.cast(ARROW))


def _flags_of(table: pa.Table | dict[str, Any]) -> np.ndarray:
    column = table.column if isinstance(table, pa.Table) else table.__getitem__
    return uw.flags_of(np.asarray(column("link_id").to_numpy()), column("visitor_hash"),
                       np.asarray(pc.cast(column("ts"), pa.int64()).to_numpy()), column("key"),
                       np.asarray(column("is_bot").to_numpy(zero_copy_only=False), dtype=bool))


def import_clicks(client: Any, store: EventStoreURL, workspace_id: int, new: pa.Table,
                  present: Sequence[str]) -> Written:
    """Write the bundle's clicks NEW (columns key, link_id, ts, is_bot and the optional columns
    PRESENT in the file) for WORKSPACE_ID; the flags of every hit of the links touched are derived
    again. Returns what was inserted, updated and left as it was, and (``undo``) how to take the
    write back (:func:`undo`).

    The rows go to ClickHouse in the file's order: the insert sorts them by the table's key itself,
    for less than it costs to reorder the columns here (bench/RESULTS.md)."""
    out = Written()
    n = len(new)
    if not n:
        return out
    arrays: dict[str, Any] = {"workspace_id": pa.array(np.full(n, workspace_id, dtype=np.int64)),
                              "key": pc.cast(new.column("key"), pa.string()),
                              "link_id": pc.cast(new.column("link_id"), pa.int64()),
                              "ts": pc.cast(new.column("ts"), pa.timestamp("us")),
                              "is_bot": pc.fill_null(pc.cast(new.column("is_bot"), pa.bool_()), False)}
    touched = sorted(set(pc.unique(arrays["link_id"]).to_pylist()))
    stored = _stored(client, store, f"workspace_id = {int(workspace_id)} AND link_id IN {_list(touched)}",
                     version=True)
    if not len(stored):  # links without hits (a first import): every row is new, flags from the file alone
        for name in present:  # the columns the file lacks are left out of the insert (NULL)
            arrays[name] = pc.cast(new.column(name), pa.string())
        flags = _flags_of({"visitor_hash": pa.nulls(n, pa.string()), **arrays})
        rows = pa.table({**{c: arrays[c] for c in ROW if c in arrays},
                         **{f: pa.array(flags[:, j]) for j, f in enumerate(FLAGS)}})
        out.inserted = n
        out.undo = Undo(workspace_id, _version())
        try:
            _insert(client, store, rows, out.undo.version)
        except BaseException:  # a part may have been written before the failure
            undo(client, store, out.undo)
            raise
        return out
    versions = stored.column("version")
    stored = stored.drop_columns(["version"])
    at = pc.index_in(arrays["key"], value_set=stored.column("key"))  # the stored row of each new key
    existing = pc.is_valid(at)
    old = stored.take(pc.fill_null(at, 0))
    for name in OPTIONAL:  # a column the file lacks keeps the stored value
        if name in present:
            arrays[name] = pc.cast(new.column(name), pa.string())
        else:
            arrays[name] = pc.if_else(existing, old.column(name), pa.nulls(n, pa.string()))
    same = pa.array(np.ones(n, dtype=bool))
    for name in ("link_id", "ts", "is_bot", *OPTIONAL):
        same = pc.and_(same, _same(arrays[name], old.column(name)))
    changed = pc.and_(existing, pc.invert(same))
    moved = pc.and_(existing, pc.invert(pc.and_(_same(arrays["link_id"], old.column("link_id")),
                                                _same(arrays["ts"], old.column("ts")))))
    is_kept = pc.invert(pc.is_in(stored.column("key"), value_set=arrays["key"]))
    kept = stored.filter(is_kept)
    blank = {f: pa.nulls(n, pa.bool_()) for f in FLAGS}
    fresh = pa.table({**arrays, **blank}).select(list(ROW))
    every = pa.concat_tables([kept, fresh])
    flags = _flags_of(every)
    before = np.column_stack([
        np.asarray(pc.fill_null(pa.concat_arrays([kept.column(f).combine_chunks(), old.column(f).combine_chunks()]),
                                False).to_numpy(zero_copy_only=False), dtype=bool) for f in FLAGS])
    known = np.concatenate([np.ones(len(kept), dtype=bool), np.asarray(existing.to_numpy(zero_copy_only=False))])
    reflag = (flags != before).any(axis=1) | ~known
    is_new = np.concatenate([np.zeros(len(kept), dtype=bool), np.ones(n, dtype=bool)])
    changed_np = np.asarray(pc.fill_null(changed, False).to_numpy(zero_copy_only=False), dtype=bool)
    existing_np = np.asarray(existing.to_numpy(zero_copy_only=False), dtype=bool)
    out.inserted = int((~existing_np).sum())
    out.updated = int(changed_np.sum())
    out.unchanged = n - out.inserted - out.updated
    write = reflag.copy()
    write[len(kept):] |= changed_np
    out.reflagged = int((write & ~is_new).sum())
    if not write.any():
        return out
    rows = every.drop_columns(list(FLAGS))
    for j, f in enumerate(FLAGS):
        rows = rows.append_column(f, pa.array(flags[:, j]))
    rows = rows.filter(pa.array(write))
    # the stored rows this write replaces (or deletes, below), kept to take the write back
    replaced = stored.append_column("version", versions)
    replaced = replaced.filter(pc.is_in(replaced.column("key"), value_set=rows.column("key")))
    out.undo = Undo(workspace_id, _version(), replaced)
    moved_keys = pc.filter(arrays["key"], moved).to_pylist()
    try:
        if moved_keys:
            _delete(client, store, workspace_id, moved_keys)
        _insert(client, store, rows, out.undo.version)
    except BaseException:
        undo(client, store, out.undo)
        raise
    return out


def forward_clicks(client: Any, store: EventStoreURL, clicks: Sequence[Any]) -> int:
    """Write CLICKS (tuples in the order of :data:`influscope.tracking.sink.COLUMNS`) with their
    flags; a click already stored under its key (a journal batch sent again: same link and time) is
    replaced. Returns how many rows were written."""
    by_ws: dict[int, list[Any]] = {}
    for c in clicks:
        by_ws.setdefault(c.workspace_id, []).append(c)
    written = 0
    for ws, hits in by_ws.items():
        written += _forward_workspace(client, store, ws, hits)
    return written


_FIRST_HUMAN, _FIRST_BOT = uw._single_hit_flags(False), uw._single_hit_flags(True)
_FLAG_READ = ("link_id", "visitor_hash", "ts", "key", "is_bot", *FLAGS)


def _forward_workspace(client: Any, store: EventStoreURL, ws: int, hits: list[Any]) -> int:
    latest: dict[str, Any] = {}
    for h in hits:  # the same click twice in one batch (a journal row forwarded again): one row
        latest[h.key] = h
    hits = list(latest.values())
    pairs: dict[tuple[int, str], list[int]] = {}
    flags: list[tuple[bool, ...]] = [_FIRST_HUMAN] * len(hits)
    for i, h in enumerate(hits):
        if h.visitor_hash is None:
            flags[i] = _FIRST_BOT if h.is_bot else _FIRST_HUMAN
        else:
            pairs.setdefault((h.link_id, h.visitor_hash), []).append(i)
    by_pair: dict[tuple[int, str], list[tuple]] = {}
    if pairs:
        # the batch's visitors' hits on its links from the longest window before its first hit (one
        # range of the sorting key per link); a click of the batch forwarded before (a journal batch
        # sent again after a crash: same link, time and visitor) is among them and is left out
        since = min(h.ts for h in hits) - _LONGEST
        visitors = sorted({v for _, v in pairs})
        links = sorted({link for link, _ in pairs})
        found = client.query(
            f"SELECT {', '.join(_FLAG_READ)} FROM {schema.write_table(store, 'clicks')} WHERE workspace_id = {int(ws)} "
            f"AND link_id IN {_list(links)} AND ts >= {_ts(since)} AND visitor_hash IN {_list(visitors)}").result_rows
        for r in found:
            if r[3] not in latest:
                ts = r[2].replace(tzinfo=None) if r[2].tzinfo else r[2]
                by_pair.setdefault((r[0], r[1]), []).append((r[3], ts, r[3], bool(r[4]),
                                                             *(bool(x) for x in r[5:])))
    blank = (None,) * len(FLAGS)
    restore: dict[str, tuple[bool, ...]] = {}  # stored hits whose flags a late hit changes
    for pair, indexes in pairs.items():
        old = by_pair.get(pair)
        if old is None and len(indexes) == 1:  # the common case: a visitor's first hit on the link
            flags[indexes[0]] = _FIRST_BOT if hits[indexes[0]].is_bot else _FIRST_HUMAN
            continue
        rows = [(-(i + 1), hits[i].ts, hits[i].key, bool(hits[i].is_bot), *blank) for i in indexes]
        first = min(r[1] for r in rows)
        for ident, new_flags in uw._flags(rows + (old or []), first):
            if isinstance(ident, int):
                flags[-ident - 1] = new_flags
            else:
                restore[ident] = new_flags
    columns: dict[str, Any] = {"workspace_id": [ws] * len(hits), "key": [h.key for h in hits],
                               "link_id": [h.link_id for h in hits], "ts": [h.ts for h in hits],
                               "is_bot": [bool(h.is_bot) for h in hits],
                               **{o: [getattr(h, o) for h in hits] for o in OPTIONAL},
                               **{f: [x[j] for x in flags] for j, f in enumerate(FLAGS)}}
    rows = pa.table(columns, schema=pa.schema([ARROW.field(c) for c in ROW]))
    if restore:  # late hits: the stored hits after them, whole, with their new flags
        again = _stored(client, store, f"workspace_id = {int(ws)} AND key IN {_list(sorted(restore))}")
        again = again.drop_columns(list(FLAGS))
        changed = [restore[k] for k in again.column("key").to_pylist()]
        for j, f in enumerate(FLAGS):
            again = again.append_column(f, pa.array([x[j] for x in changed], pa.bool_()))
        rows = pa.concat_tables([rows, again])
    _insert(client, store, rows)
    return len(rows)


def _ts(value: dt.datetime) -> str:
    return f"toDateTime64('{value.isoformat(' ')}', 6, 'UTC')"


def delete_clicks(client: Any, store: EventStoreURL, workspace_id: int, *, link_ids: Sequence[int] | None = None,
                  before: dt.datetime | None = None) -> int:
    """Delete the clicks of WORKSPACE_ID on LINK_IDS, or older than BEFORE (naive UTC); returns how many.
    After deleting by time, the windows the deleted hits had opened are derived again."""
    where = [f"workspace_id = {int(workspace_id)}"]
    if link_ids is not None:
        if not link_ids:
            return 0
        where.append(f"link_id IN {_list(sorted(link_ids))}")
    if before is not None:
        where.append(f"ts < {_ts(before)}")
    condition = " AND ".join(where)
    n = int(client.query(f"SELECT count() FROM {schema.write_table(store, 'clicks')} WHERE {condition}")
            .result_rows[0][0])
    if n:
        client.command(f"DELETE FROM {schema.local_table(store, 'clicks')}{schema.on_cluster(store)} WHERE {condition}")
        if before is not None:
            rederive_after(client, store, workspace_id, before)
    return n


def rederive_after(client: Any, store: EventStoreURL, workspace_id: int, since: dt.datetime) -> int:
    """Derive the flags again of the visitors' hits from SINCE on whose windows may have been opened
    before it (hits before SINCE were deleted); returns how many hits changed."""
    table = schema.write_table(store, "clicks")
    pairs = client.query(f"SELECT DISTINCT link_id, visitor_hash FROM {table} WHERE workspace_id = {int(workspace_id)} "
                         f"AND visitor_hash IS NOT NULL AND ts >= {_ts(since)} AND ts < {_ts(since + _LONGEST)}"
                         ).result_rows
    changed: list[dict[str, Any]] = []
    for link_id, visitor in pairs:
        rows = _stored(client, store, f"workspace_id = {int(workspace_id)} AND link_id = {int(link_id)} AND "
                                      f"visitor_hash = {_list([visitor])[1:-1]} AND ts >= {_ts(since - _LONGEST)}"
                       ).to_pylist()
        flat = [(j, r["ts"], r["key"], r["is_bot"], *(r[f] for f in FLAGS)) for j, r in enumerate(rows)]
        for j, flags in uw._flags(flat, since):
            changed.append({**rows[j], **dict(zip(FLAGS, flags))})
    if changed:
        _insert(client, store, pa.Table.from_pylist(changed, schema=pa.schema([ARROW.field(c) for c in ROW])))
    return len(changed)


def counts_by_link(workspace_id: int, link_ids: Sequence[int]) -> dict[tuple[int, bool], int] | None:
    """Hits per (link id, bot flag) of LINK_IDS in the configured event store; None without one."""
    from influscope.events.store import configured, session

    where = configured()
    if where is None:
        return None
    if not link_ids:
        return {}
    with session(where) as client:
        rows = client.query(f"SELECT link_id, is_bot, count() FROM {schema.write_table(where, 'clicks')} "
                            f"WHERE workspace_id = {int(workspace_id)} AND link_id IN {_list(list(link_ids))} "
                            "GROUP BY link_id, is_bot").result_rows
    return {(int(link), bool(bot)): int(n) for link, bot, n in rows}


def forget_links(workspace_id: int, link_ids: Sequence[int]) -> int:
    """:func:`delete_clicks` on the configured event store (0 without one): a forgotten creator's clicks."""
    from influscope.events.store import configured, session

    where = configured()
    if where is None:
        return 0
    with session(where) as client:
        return delete_clicks(client, where, workspace_id, link_ids=link_ids)


def apply_retention(workspace_id: int, horizon: dt.datetime) -> int:
    """:func:`delete_clicks` older than HORIZON on the configured event store (0 without one)."""
    from influscope.events.store import configured, session

    where = configured()
    if where is None:
        return 0
    with session(where) as client:
        return delete_clicks(client, where, workspace_id, before=horizon)


def rebuild(client: Any, store: EventStoreURL, workspace_id: int | None = None) -> int:
    """Derive every hit's flags again from the stored hits (of one workspace, or all), links a few
    at a time; write the hits whose flags change. Returns how many changed."""
    table = schema.write_table(store, "clicks")
    scope = f"WHERE workspace_id = {int(workspace_id)}" if workspace_id is not None else ""
    pairs = client.query(f"SELECT DISTINCT workspace_id, link_id FROM {table} {scope} ORDER BY 1, 2").result_rows
    by_ws: dict[int, list[int]] = {}
    for ws, link in pairs:
        by_ws.setdefault(int(ws), []).append(int(link))
    changed = 0
    for ws, links in by_ws.items():
        for i in range(0, len(links), 50):
            stored = _stored(client, store, f"workspace_id = {ws} AND link_id IN {_list(links[i:i + 50])}")
            flags = uw.flags_of(np.asarray(stored.column("link_id").to_numpy()), stored.column("visitor_hash"),
                                np.asarray(pc.cast(stored.column("ts"), pa.int64()).to_numpy()), stored.column("key"),
                                np.asarray(stored.column("is_bot").to_numpy(zero_copy_only=False), dtype=bool))
            before = np.column_stack([np.asarray(pc.fill_null(stored.column(f), False).to_numpy(zero_copy_only=False),
                                                 dtype=bool) for f in FLAGS])
            differs = (flags != before).any(axis=1)
            if differs.any():
                rows = stored.drop_columns(list(FLAGS))
                for j, f in enumerate(FLAGS):
                    rows = rows.append_column(f, pa.array(flags[:, j]))
                _insert(client, store, rows.filter(pa.array(differs)))
                changed += int(differs.sum())
    return changed
