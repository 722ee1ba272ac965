"""Unique-click windows, kept on each click when it is written.

A visitor's hit on a link opens a window when no window of theirs on that link is open: the first
hit does, and the next hit at or after the opening plus the window length does again (DESIGN
section 5, ``unique_click_window``). Hits without a visitor hash each open their own window. The
count of unique clicks is then the count of hits that open a window, which any engine sums per
link and day.

Which hits open a window depends only on the same visitor's earlier hits on the same link, so it
is decided when a hit is written, for each window preset and for both ``bot_clicks`` settings:
``unique_<w>`` over human hits only (always false on a bot hit) and ``unique_<w>_with_bots`` over
every hit. The redirect's SQLite writer asks :func:`flags_for_new_sqlite` for the flags of a batch
before it inserts it (its raw connection, one query per link of the batch); the other writers call
:func:`derive` (SQLAlchemy) in the transaction that wrote the hits; hits that arrive late (an
import of older clicks) re-derive the later hits of the same visitor and link. :func:`rebuild`
recomputes every flag from the raw hits.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from influscope.db import tables as t
from influscope.db.types import sqlite_timestamp

if TYPE_CHECKING:
    import numpy as np

WINDOWS: dict[str, int] = {"30m": 1800, "1h": 3600, "1d": 86400}  # preset -> seconds
FLAG_COLUMNS: tuple[str, ...] = tuple(
    f"unique_{w}{suffix}" for suffix in ("", "_with_bots") for w in WINDOWS)
_LONGEST = dt.timedelta(seconds=max(WINDOWS.values()))


def flag_column(window: str, bots_included: bool) -> str:
    """The column that says whether a hit opens a WINDOW-preset window under the bot setting."""
    if window not in WINDOWS:
        raise ValueError(f"unknown unique click window {window!r} (one of {', '.join(WINDOWS)})")
    return f"unique_{window}{'_with_bots' if bots_included else ''}"


Pair = tuple[int, str]  # (link_id, visitor_hash)


def _flags(rows: Sequence[Sequence[Any]], since: dt.datetime | None) -> list[tuple[Any, tuple[bool, ...]]]:
    """New flags for the ROWS of one visitor on one link at or after SINCE.

    ROWS: (id, ts, key, is_bot, *current flags in FLAG_COLUMNS order), every hit of the pair from
    SINCE minus the longest window on, in any order. Rows before SINCE keep their flags and only
    tell which windows are open at SINCE. Returns (id, flags) for rows whose flags change.
    """
    ordered = sorted(rows, key=lambda r: (r[1], r[2]))
    n = len(WINDOWS)
    lengths = [dt.timedelta(seconds=s) for s in WINDOWS.values()] * 2
    opened: list[dt.datetime | None] = [None] * (2 * n)
    changed = []
    for r in ordered:
        ts, bot = r[1], bool(r[3])
        current = tuple(bool(x) if x is not None else None for x in r[4:4 + 2 * n])
        if since is not None and ts < since:  # settled: only say which windows it opened
            for i, flag in enumerate(current):
                if flag:
                    opened[i] = ts
            continue
        new = []
        for i in range(2 * n):
            human_only = i < n
            if human_only and bot:
                new.append(False)
                continue
            last = opened[i]
            opens = last is None or ts >= last + lengths[i]
            if opens:
                opened[i] = ts
            new.append(opens)
        if tuple(new) != current:
            changed.append((r[0], tuple(new)))
    return changed


def _single_hit_flags(is_bot: bool) -> tuple[bool, ...]:
    n = len(WINDOWS)
    return (not is_bot,) * n + (True,) * n


# --------------------------------------------------------------------------------- SQLAlchemy

def derive(conn: sa.Connection, pairs: dict[Pair, dt.datetime | None], no_visitor_ids: Iterable[int] = (),
           changes: list | None = None) -> int:
    """Set the flags of the hits of PAIRS at or after each pair's time (None: all of the pair's
    hits) and of the hits NO_VISITOR_IDS (no visitor hash); returns how many hits changed.

    CHANGES, when given, gets (link_id, ts, is_bot, old flags, new flags) of each changed hit (what
    the click rollups of :mod:`influscope.metrics.click_rollups` move by)."""
    c = t.clicks
    cols = [c.c.id, c.c.ts, c.c.key, c.c.is_bot, *(c.c[f] for f in FLAG_COLUMNS)]
    n_flags = len(FLAG_COLUMNS)
    updates: list[dict[str, Any]] = []
    for (link_id, visitor), since in pairs.items():
        q = sa.select(*cols).where(c.c.link_id == link_id, c.c.visitor_hash == visitor)
        if since is not None:
            q = q.where(c.c.ts >= since - _LONGEST)
        rows = conn.execute(q).all()
        changed = _flags(rows, since)
        if changes is not None and changed:
            by_id = {r[0]: r for r in rows}
            changes.extend((link_id, by_id[cid][1], bool(by_id[cid][3]), tuple(by_id[cid][4:4 + n_flags]), flags)
                           for cid, flags in changed)
        for cid, flags in changed:
            updates.append({"cid": cid, **dict(zip(FLAG_COLUMNS, flags))})
    ids = list(no_visitor_ids)
    for i in range(0, len(ids), 500):
        for r in conn.execute(sa.select(*cols, c.c.link_id).where(c.c.id.in_(ids[i:i + 500]))):
            flags = _single_hit_flags(r.is_bot)
            old = tuple(r[4:4 + n_flags])
            if old != flags:
                updates.append({"cid": r.id, **dict(zip(FLAG_COLUMNS, flags))})
                if changes is not None:
                    changes.append((r.link_id, r.ts, bool(r.is_bot), old, flags))
    if updates:
        stmt = c.update().where(c.c.id == sa.bindparam("cid")).values(
            {f: sa.bindparam(f) for f in FLAG_COLUMNS})
        conn.execute(stmt, updates)
    return len(updates)


def derive_for_keys(conn: sa.Connection, workspace_id: int, keys: Iterable[str], changes: list | None = None) -> int:
    """Derive the flags for the hits with KEYS (just written) and every later hit they affect
    (CHANGES: as :func:`derive`)."""
    c = t.clicks
    keys = list(keys)
    pairs: dict[Pair, dt.datetime | None] = {}
    lone: list[int] = []
    for i in range(0, len(keys), 500):
        q = sa.select(c.c.id, c.c.link_id, c.c.visitor_hash, c.c.ts).where(
            c.c.workspace_id == workspace_id, c.c.key.in_(keys[i:i + 500]))
        for r in conn.execute(q):
            if r.visitor_hash is None:
                lone.append(r.id)
                continue
            k = (r.link_id, r.visitor_hash)
            pairs[k] = min(pairs[k], r.ts) if pairs.get(k) is not None else r.ts
    return derive(conn, pairs, lone, changes)


def derive_after(conn: sa.Connection, workspace_id: int, since: dt.datetime) -> int:
    """Re-derive the hits in the longest window after SINCE, after the hits before it were deleted."""
    c = t.clicks
    q = (sa.select(c.c.link_id, c.c.visitor_hash).distinct()
         .where(c.c.workspace_id == workspace_id, c.c.visitor_hash.is_not(None), c.c.ts >= since,
                c.c.ts < since + _LONGEST))
    return derive(conn, {(r[0], r[1]): since for r in conn.execute(q)})


def rebuild(conn: sa.Connection, workspace_id: int | None = None, link_ids: Iterable[int] | None = None) -> int:
    """Recompute every flag (of one workspace, or all; of LINK_IDS only when given) from the raw
    hits, in one ordered pass; returns how many hits changed."""
    c = t.clicks
    q = sa.select(c.c.id, c.c.ts, c.c.key, c.c.is_bot, *(c.c[f] for f in FLAG_COLUMNS), c.c.link_id,
                  c.c.visitor_hash).order_by(c.c.link_id, c.c.visitor_hash, c.c.ts, c.c.key)
    if link_ids is None:
        lq = sa.select(c.c.link_id).distinct()
        if workspace_id is not None:
            lq = lq.where(c.c.workspace_id == workspace_id)
        link_ids = [r[0] for r in conn.execute(lq)]
    if workspace_id is not None:
        q = q.where(c.c.workspace_id == workspace_id)
    links = sorted(set(link_ids))
    stmt = c.update().where(c.c.id == sa.bindparam("cid")).values({f: sa.bindparam(f) for f in FLAG_COLUMNS})
    n_flags = len(FLAG_COLUMNS)
    changed = 0
    updates: list[dict[str, Any]] = []
    group: list = []
    pair: Pair | None = None

    def settle() -> None:
        nonlocal changed
        for cid, flags in _flags(group, None):
            updates.append({"cid": cid, **dict(zip(FLAG_COLUMNS, flags))})
        if len(updates) >= 20_000:
            conn.execute(stmt, updates)
            changed += len(updates)
            updates.clear()

    rows = (r for i in range(0, len(links), 50)
            for r in conn.execute(q.where(c.c.link_id.in_(links[i:i + 50]))).all())
    for r in rows:
        row, link_id, visitor = tuple(r[:4 + n_flags]), r[4 + n_flags], r[5 + n_flags]
        if visitor is None:
            flags = _single_hit_flags(bool(row[3]))
            if tuple(None if x is None else bool(x) for x in row[4:]) != flags:
                updates.append({"cid": row[0], **dict(zip(FLAG_COLUMNS, flags))})
            continue
        if (link_id, visitor) != pair:
            if group:
                settle()
            group, pair = [], (link_id, visitor)
        group.append(row)
    if group:
        settle()
    if updates:
        conn.execute(stmt, updates)
        changed += len(updates)
    return changed


def recompute(conn: sa.Connection, workspace_id: int) -> dict[int, tuple[bool, ...]]:
    """Every hit's flags as a full recomputation gives them, without writing (for checks)."""
    c = t.clicks
    rows = conn.execute(sa.select(c.c.id, c.c.ts, c.c.key, c.c.is_bot, c.c.link_id, c.c.visitor_hash)
                        .where(c.c.workspace_id == workspace_id)).all()
    by_pair: dict[Pair, list] = {}
    out: dict[int, tuple[bool, ...]] = {}
    blank = (None,) * len(FLAG_COLUMNS)
    for r in rows:
        if r.visitor_hash is None:
            out[r.id] = _single_hit_flags(r.is_bot)
        else:
            by_pair.setdefault((r.link_id, r.visitor_hash), []).append((r.id, r.ts, r.key, r.is_bot, *blank))
    for pair_rows in by_pair.values():
        out.update(dict(_flags(pair_rows, None)))
    return out


# ----------------------------------------------------------------------------- raw SQLite (the redirect)

_FIRST_HUMAN, _FIRST_BOT = _single_hit_flags(False), _single_hit_flags(True)
_SQLITE_UPDATE = "UPDATE clicks SET " + ", ".join(f"{f} = ?" for f in FLAG_COLUMNS) + " WHERE id = ?"


def flags_for_new_sqlite(conn: sqlite3.Connection, hits: Sequence[Any],
                         changes: list | None = None) -> list[tuple[bool, ...]]:
    """The flags of HITS (objects with workspace_id, key, link_id, visitor_hash, is_bot and ts, about to
    be inserted in the open transaction of CONN), in the order of HITS; CHANGES, when given, gets
    (link_id, ts, is_bot, old flags, new flags) of each stored hit whose flags this changed.

    Same flags as inserting the hits and then calling :func:`derive_for_keys`, at one query per link
    of the batch instead of a query and an update per hit: the stored hits of the batch's visitors
    are read once, the new hits get their flags before they are written, and only stored hits whose
    flags change (later hits of the same visitor and link, written by another process or an import)
    are updated here.
    """
    out: list[Any] = [None] * len(hits)
    pairs: dict[Pair, list[int]] = {}
    for i, h in enumerate(hits):
        if h.visitor_hash is None:
            out[i] = _FIRST_BOT if h.is_bot else _FIRST_HUMAN
        else:
            pairs.setdefault((h.link_id, h.visitor_hash), []).append(i)
    if not pairs:
        return out
    stored = _stored_sqlite(conn, hits, pairs)
    blank = (None,) * len(FLAG_COLUMNS)
    for pair, indexes in pairs.items():
        before = stored.get(pair)
        if before is None and len(indexes) == 1:  # the common case: a visitor's first hit on the link
            out[indexes[0]] = _FIRST_BOT if hits[indexes[0]].is_bot else _FIRST_HUMAN
            continue
        # the new hits get negative ids -1, -2, ... (index + 1), which no stored row has
        rows = [(-(i + 1), hits[i].ts, hits[i].key, hits[i].is_bot, *blank) for i in indexes]
        since = min(r[1] for r in rows)
        for cid, flags in _flags(rows + (before or []), since):
            if cid < 0:
                out[-cid - 1] = flags
            else:
                conn.execute(_SQLITE_UPDATE, (*(int(f) for f in flags), cid))
                if changes is not None:
                    old = next(r for r in before or () if r[0] == cid)
                    changes.append((pair[0], old[1], bool(old[3]), tuple(old[4:]), flags))
    return out


_SQLITE_STORED = ("SELECT visitor_hash, id, ts, key, is_bot, " + ", ".join(FLAG_COLUMNS) +
                  " FROM clicks WHERE link_id = ? AND ts >= ? AND visitor_hash IN ({})")
_IN_CHUNK = 500  # visitors per query: stays under SQLite's oldest parameter limit (999)


def _stored_sqlite(conn: sqlite3.Connection, hits: Sequence[Any], pairs: dict[Pair, list[int]]) -> dict[Pair, list]:
    """The stored hits of PAIRS from the longest window before each link's earliest new hit on."""
    by_link: dict[int, tuple[dt.datetime, list[str]]] = {}
    for (link_id, visitor), indexes in pairs.items():
        first = min(hits[i].ts for i in indexes)
        entry = by_link.get(link_id)
        if entry is None:
            by_link[link_id] = (first, [visitor])
        else:
            entry[1].append(visitor)
            if first < entry[0]:
                by_link[link_id] = (first, entry[1])
    stored: dict[Pair, list] = {}
    for link_id, (first, visitors) in by_link.items():
        low = sqlite_timestamp(first - _LONGEST)
        for i in range(0, len(visitors), _IN_CHUNK):
            chunk = visitors[i:i + _IN_CHUNK]
            sql = _SQLITE_STORED.format(", ".join("?" * len(chunk)))
            for r in conn.execute(sql, (link_id, low, *chunk)):
                stored.setdefault((link_id, r[0]), []).append((r[1], dt.datetime.fromisoformat(r[2]), *r[3:]))
    return stored


# ----------------------------------------------------------------------------- whole columns (bulk writers)

def _groups(group: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where each run of equal values of GROUP (sorted) starts and ends (exclusive)."""
    import numpy as np

    n = group.size
    if not n:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    first = np.flatnonzero(np.concatenate(([True], group[1:] != group[:-1])))
    return first, np.concatenate((first[1:], [n]))


def _time_unit(ts_us: np.ndarray) -> int:
    """The largest of a second, a millisecond and a microsecond that every time of TS_US is a whole
    number of (times are often whole seconds: fewer bits to sort by)."""
    import numpy as np

    for unit in (1_000_000, 1_000):
        if not np.any(ts_us % unit):
            return unit
    return 1


def _opens(starts: np.ndarray, ts: np.ndarray, ticks: np.ndarray, unit: int, seconds_list: Sequence[int]
           ) -> list[np.ndarray]:
    """Which hits open a window, for each of SECONDS_LIST, for hits sorted by (group, time, key);
    STARTS marks each group's first hit, TS are the times in microseconds and TICKS the same times
    counted in UNIT from the earliest.

    A group's first hit opens a window, and so does a hit at least a window after the hit before it;
    a hit closer than that to the hit before opens one only if the last opening is a window behind,
    which depends on the hits before. Groups with such hits are taken in rounds: each round takes,
    in every group still going, the hit that opens the next window (the first at or after the last
    opening plus the window), by one search over the groups' hits; rounds are as many as the most
    windows any of those groups opens."""
    import numpy as np

    n = ts.size
    out = []
    gap_ok = np.empty(n, dtype=np.int64)
    if n:
        gap_ok[0] = 0
        np.subtract(ts[1:], ts[:-1], out=gap_ok[1:])
    for seconds in seconds_list:
        step = seconds * 1_000_000
        opens = starts | (gap_ok >= step)
        close = ~opens  # hits within a window of the hit before: their groups need the rounds
        if close.any():
            gid = np.cumsum(starts) - 1
            busy = np.zeros(int(gid[-1]) + 1, dtype=bool)
            busy[gid[close]] = True
            rows = np.flatnonzero(busy[gid])  # every hit of the groups that need the rounds
            sub_gid = gid[rows]
            first, ends = _groups(sub_gid)
            sub_ticks = ticks[rows]
            g = np.repeat(np.arange(first.size, dtype=np.int64), ends - first)
            span = int(sub_ticks.max()) + step // unit + 1
            bits = span.bit_length()
            if first.size.bit_length() + bits > 62:
                raise OverflowError("too many hits for one vectorised pass")
            combined = (g << bits) | sub_ticks
            sub = np.zeros(rows.size, dtype=bool)
            cand, cg = first, np.arange(first.size, dtype=np.int64)
            while cand.size:
                sub[cand] = True
                nxt = np.searchsorted(combined, (cg << bits) + sub_ticks[cand] + step // unit, "left")
                going = nxt < ends[cg]
                cand, cg = nxt[going], cg[going]
            opens[rows] = sub
        out.append(opens)
    return out


def flags_of(link_id: "np.ndarray", visitor: Sequence[str | None], ts_us: "np.ndarray", key: Sequence[str],
             is_bot: "np.ndarray") -> "np.ndarray":
    """Every hit's flags (columns in FLAG_COLUMNS order) from whole columns, as :func:`recompute`
    gives them: the hits are all the hits of their links (times as integer microseconds, UTC)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    n = ts_us.size
    flags = np.zeros((n, len(FLAG_COLUMNS)), dtype=bool, order="F")  # written and read a column at a time
    if not n:
        return flags
    visitor_arr = pa.array(visitor) if not isinstance(visitor, (pa.Array, pa.ChunkedArray)) else visitor
    if isinstance(visitor_arr, pa.ChunkedArray):
        visitor_arr = visitor_arr.combine_chunks()
    vcode = np.asarray(pc.fill_null(pc.dictionary_encode(visitor_arr).indices, -1).to_numpy(zero_copy_only=False),
                       dtype=np.int64)
    is_bot = np.asarray(is_bot, dtype=bool)
    link_id = np.asarray(link_id, dtype=np.int64)
    ts_us = np.asarray(ts_us, dtype=np.int64)
    lone = vcode < 0
    k = len(WINDOWS)
    if lone.any():
        flags[lone, :k] = ~is_bot[lone, None]
        flags[lone, k:] = True
        paired = np.flatnonzero(~lone)
        if not paired.size:
            return flags
        unit = _time_unit(ts_us[paired])
        ticks = (ts_us - int(ts_us[paired].min())) // unit
        order = paired[_sorted_hits(link_id[paired], vcode[paired], ticks[paired])]
    else:  # every hit has a visitor (the usual file)
        unit = _time_unit(ts_us)
        ticks = (ts_us - int(ts_us.min())) // unit
        order = _sorted_hits(link_id, vcode, ticks)
    s_link, s_vis, s_ticks = link_id[order], vcode[order], ticks[order]
    new_pair = np.empty(order.size, dtype=bool)
    new_pair[0] = True
    new_pair[1:] = (s_link[1:] != s_link[:-1]) | (s_vis[1:] != s_vis[:-1])
    # hits of one visitor on one link at the same instant: the smaller click id comes first
    tie = ~new_pair[1:] & (s_ticks[1:] == s_ticks[:-1])
    if tie.any():
        keys = key if isinstance(key, (pa.Array, pa.ChunkedArray)) else pa.array(key)
        at = np.flatnonzero(tie)
        cut = np.flatnonzero(np.diff(at) != 1)
        for s, e in zip(np.concatenate(([at[0]], at[cut + 1])), np.concatenate((at[cut], [at[-1]]))):
            run = order[s:e + 2]
            order[s:e + 2] = sorted(run, key=lambda i: keys[int(i)].as_py())
    pair_id = np.cumsum(new_pair)
    seconds = list(WINDOWS.values())
    human = ~is_bot[order]
    for human_only in (True, False):
        sel = order[human] if human_only else order
        if not sel.size:
            continue
        ids = pair_id[human] if human_only else pair_id
        starts = np.empty(sel.size, dtype=bool)
        starts[0] = True
        starts[1:] = ids[1:] != ids[:-1]
        for j, opens in enumerate(_opens(starts, ts_us[sel], ticks[sel], unit, seconds)):
            flags[sel, j if human_only else k + j] = opens
    return flags


def _sorted_hits(link_id: np.ndarray, vcode: np.ndarray, ticks: np.ndarray) -> np.ndarray:
    """The hits' order by (link, visitor, time): one sort of a combined integer when the three fit
    in 63 bits (the link and visitor as one number, or as their pair's rank among the pairs),
    otherwise a sort by the three keys."""
    import numpy as np

    lo = int(link_id.min())
    time_bits = int(ticks.max()).bit_length()
    pair = (link_id - lo) * (int(vcode.max()) + 1) + vcode if lo >= 0 and \
        (int(link_id.max()) - lo + 1).bit_length() + (int(vcode.max()) + 1).bit_length() <= 62 else None
    if pair is not None and int(pair.max()).bit_length() + time_bits > 63:
        pair = np.unique(pair, return_inverse=True)[1].reshape(-1).astype(np.int64)
    if pair is None or int(pair.max()).bit_length() + time_bits > 63:
        return np.lexsort((ticks, vcode, link_id))
    return np.argsort((pair << time_bits) | ticks)


def links_have_hits(conn: sqlite3.Connection, link_ids: Sequence[int]) -> bool:
    """Whether any hit is stored on LINK_IDS (raw SQLite connection)."""
    for i in range(0, len(link_ids), 500):
        part = link_ids[i:i + 500]
        q = f"SELECT 1 FROM clicks WHERE link_id IN ({', '.join('?' * len(part))}) LIMIT 1"
        if conn.execute(q, part).fetchone():
            return True
    return False


def rebuild_sqlite(conn: sqlite3.Connection, link_ids: Sequence[int]) -> int:
    """:func:`rebuild` for LINK_IDS on a raw SQLite connection, with the columns in bulk
    (:func:`flags_of`); returns how many hits changed."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    ids, links, visitors, stamps, keys, bots, stored = [], [], [], [], [], [], []
    n_flags = len(FLAG_COLUMNS)
    for i in range(0, len(link_ids), 500):
        part = list(link_ids[i:i + 500])
        q = (f"SELECT id, link_id, visitor_hash, ts, key, is_bot, {', '.join(FLAG_COLUMNS)} FROM clicks "
             f"WHERE link_id IN ({', '.join('?' * len(part))})")
        for r in conn.execute(q, part):
            ids.append(r[0])
            links.append(r[1])
            visitors.append(r[2])
            stamps.append(r[3])
            keys.append(r[4])
            bots.append(bool(r[5]))
            stored.append(r[6:6 + n_flags])
    if not ids:
        return 0
    ts_us = np.asarray(pc.cast(pc.cast(pa.array(stamps, pa.string()), pa.timestamp("us")), pa.int64()).to_numpy(),
                       dtype=np.int64)
    flags = flags_of(np.asarray(links, dtype=np.int64), pa.array(visitors, pa.string()), ts_us,
                     pa.array(keys, pa.string()), np.asarray(bots, dtype=bool))
    old = np.array([[-1 if x is None else int(x) for x in row] for row in stored], dtype=np.int64)
    changed = np.flatnonzero((old != flags.astype(np.int64)).any(axis=1))
    if changed.size:
        conn.executemany(_SQLITE_UPDATE, ((*(int(f) for f in flags[i]), ids[i]) for i in changed))
    return int(changed.size)
