"""Clicks rolled up per link, local day and bot flag, kept when clicks are written.

The ``click_days`` table (:mod:`influscope.db.tracking`) holds, per workspace, link, day and bot
flag, the number of hits and how many of them open a unique-click window under each of the six
flags of :mod:`influscope.metrics.unique_windows`. The day is in the time zone of the link's
campaign, and the zone is kept on the row: a reader uses the rows only when every row of its links
is in the campaign's current zone, and counts from the raw clicks otherwise, so a stale zone never
gives a wrong number.

Every writer keeps the rows exact in the transaction that writes the clicks:

- the redirect's click sink adds each batch (:func:`record_sqlite` on its raw SQLite connection,
  :func:`record` through SQLAlchemy), with the flag changes of stored hits that a late hit caused;
- the bundle importer, bot reclassification, click retention and ``influscope db rebuild``
  recompute the rows of the links they touched from the raw clicks (:func:`rebuild`);
- forgetting a creator deletes the rows of their links (and deleting a link or campaign cascades);
- a campaign whose time zone changed, or a link moved to a campaign in another zone, gets its rows
  made again in the new zone (:func:`follow_zones`, called by the writers of campaigns and links).

Days come from the same schedule of UTC offsets as the KPI queries (:mod:`influscope.metrics.timezones`),
in Python for the sink (:func:`day_number`) and in SQL for a rebuild, exact from 1970 to 2100.
:func:`recompute` gives every row from the raw clicks in Python, for checks.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import sqlite3
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from influscope.db import tables as t
from influscope.db.tracking import click_days
from influscope.metrics import timezones
from influscope.metrics.unique_windows import FLAG_COLUMNS

EPOCH = dt.date(1970, 1, 1)
_EPOCH_TS = dt.datetime(1970, 1, 1)
SPAN = (1970, 2100)  # years in which a rebuild's days are exact (beyond, the outermost offsets hold)
MEASURES = ("hits", *FLAG_COLUMNS)
KEY = ("link_id", "zone", "day", "is_bot")  # the primary key

Key = tuple[int, int, str, int, bool]  # (workspace_id, link_id, zone, day number, is_bot)
Tally = dict[Key, list[int]]  # key -> [hits, *flag counts in FLAG_COLUMNS order]
Change = tuple[int, dt.datetime, bool, Sequence[Any], Sequence[Any]]  # (link_id, ts, is_bot, old flags, new flags)


@functools.lru_cache(maxsize=256)
def usable_zone(zone: str | None) -> str:
    """ZONE when it names a time zone, else ``UTC``: rows of a campaign whose zone is unknown are
    kept in UTC, which is not the campaign's zone, so readers count from the raw clicks."""
    name = zone or "UTC"
    try:
        ZoneInfo(name)
    except (ValueError, LookupError):  # ZoneInfoNotFoundError is a KeyError
        return "UTC"
    return name


@functools.lru_cache(maxsize=512)
def _year_schedule(zone: str, year: int) -> tuple[list[int], list[int]]:
    schedule = timezones.offsets(zone, year, year)
    return [s for s, _ in schedule], [o for _, o in schedule]


def epoch_seconds(ts: dt.datetime) -> int:
    """Whole seconds since 1970 of a naive UTC time (rounded down, as the databases do)."""
    delta = ts - _EPOCH_TS
    return delta.days * 86400 + delta.seconds


def day_number(ts: dt.datetime, zone: str) -> int:
    """Days since 1970-01-01 of TS (naive UTC) in ZONE, from the offsets the KPI queries use."""
    s = epoch_seconds(ts)
    starts, offs = _year_schedule(zone, min(max(ts.year, SPAN[0]), SPAN[1]))
    return (s + offs[max(bisect.bisect_right(starts, s) - 1, 0)]) // timezones.DAY_S


def day_of(number: int) -> dt.date:
    return EPOCH + dt.timedelta(days=number)


def _add(tally: Tally, key: Key, hits: int, flags: Sequence[Any], sign: int = 1) -> None:
    row = tally.get(key)
    if row is None:
        row = tally[key] = [0] * len(MEASURES)
    row[0] += hits
    for i, f in enumerate(flags, start=1):
        if f:
            row[i] += sign


def tally_changes(tally: Tally, changes: Iterable[Change], links: dict[int, tuple[int, str]]) -> None:
    """Add to TALLY what flag CHANGES of stored hits move (LINKS: link -> (workspace, zone))."""
    for link_id, ts, is_bot, old, new in changes:
        ws, zone = links[link_id]
        key = (ws, link_id, zone, day_number(ts, zone), bool(is_bot))
        _add(tally, key, 0, old, -1)
        _add(tally, key, 0, new, 1)


# ----------------------------------------------------------------------------- zones

def zones(conn: sa.Connection, link_ids: Iterable[int]) -> dict[int, tuple[int, str]]:
    """link -> (workspace, the zone its rows are kept in: its campaign's, see :func:`usable_zone`)."""
    ids = sorted(set(link_ids))
    out: dict[int, tuple[int, str]] = {}
    lk, ca = t.links, t.campaigns
    for i in range(0, len(ids), 500):
        q = (sa.select(lk.c.id, lk.c.workspace_id, ca.c.timezone).join_from(lk, ca, ca.c.id == lk.c.campaign_id)
             .where(lk.c.id.in_(ids[i:i + 500])))
        out.update({r[0]: (r[1], usable_zone(r[2])) for r in conn.execute(q)})
    return out


def follow_zones(conn: sa.Connection, workspace_id: int | None = None, link_ids: Iterable[int] | None = None) -> list[int]:
    """Make the rows again of the links (of WORKSPACE_ID, or LINK_IDS) kept in another zone than
    their campaign's (after a campaign's time zone changed or a link moved to another campaign);
    returns those links."""
    d, lk, ca = click_days, t.links, t.campaigns
    q = (sa.select(d.c.link_id, d.c.zone, ca.c.timezone).distinct()
         .join_from(d, lk, lk.c.id == d.c.link_id).join(ca, ca.c.id == lk.c.campaign_id))
    if workspace_id is not None:
        q = q.where(d.c.workspace_id == workspace_id)
    stale: set[int] = set()
    if link_ids is not None:
        ids = sorted(set(link_ids))
        for i in range(0, len(ids), 500):
            stale.update(r[0] for r in conn.execute(q.where(d.c.link_id.in_(ids[i:i + 500])))
                         if r[1] != usable_zone(r[2]))
    else:
        stale.update(r[0] for r in conn.execute(q) if r[1] != usable_zone(r[2]))
    if stale:
        rebuild(conn, link_ids=stale)
    return sorted(stale)


# ----------------------------------------------------------------------------- writing rows

def _rows(tally: Tally) -> list[dict[str, Any]]:
    # in key order, so that concurrent writers lock rows in the same order (PostgreSQL)
    return [{"workspace_id": k[0], "link_id": k[1], "zone": k[2], "day": day_of(k[3]), "is_bot": k[4],
             **dict(zip(MEASURES, v))} for k, v in sorted(tally.items(), key=lambda kv: kv[0][1:]) if any(v)]


def apply(conn: sa.Connection, tally: Tally) -> None:
    """Add TALLY to the stored rows (new rows for new keys); drop rows left without hits."""
    rows = _rows(tally)
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif conn.dialect.name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert  # type: ignore[assignment]
    else:  # pragma: no cover - the operational store is SQLite or PostgreSQL
        raise ValueError(f"no click rollups on {conn.dialect.name!r}")
    stmt = insert(click_days)
    stmt = stmt.on_conflict_do_update(index_elements=list(KEY),
                                      set_={m: click_days.c[m] + stmt.excluded[m] for m in MEASURES})
    for i in range(0, len(rows), 5000):
        conn.execute(stmt, rows[i:i + 5000])
    if any(r["hits"] < 0 for r in rows):  # hits taken away: rows left with none go
        links = sorted({r["link_id"] for r in rows})
        for i in range(0, len(links), 500):
            conn.execute(click_days.delete().where(click_days.c.link_id.in_(links[i:i + 500]), click_days.c.hits <= 0))


def record(conn: sa.Connection, hits: Iterable[tuple[int, dt.datetime, bool]], changes: Sequence[Change] = ()) -> None:
    """Add new HITS ((link_id, ts, is_bot) each, just inserted) and the flag CHANGES of hits (the
    new hits' own flags included, from None) to the rows, through SQLAlchemy."""
    hits = list(hits)
    links = zones(conn, {h[0] for h in hits} | {c[0] for c in changes})
    tally: Tally = {}
    none = ()
    for link_id, ts, is_bot in hits:
        ws, zone = links[link_id]
        _add(tally, (ws, link_id, zone, day_number(ts, zone), bool(is_bot)), 1, none)
    tally_changes(tally, changes, links)
    apply(conn, tally)


def tally_columns(links: dict[int, tuple[int, str]], link_id: Any, ts_us: Any, is_bot: Any, flags: Any) -> Tally:
    """The rows of hits given as whole columns (numpy: link ids, UTC times in integer microseconds,
    bot flags, and the window flags in FLAG_COLUMNS order, one row per hit), for LINKS (link ->
    (workspace, zone)); the bulk importer's hits on links that had none."""
    import numpy as np

    tally: Tally = {}
    link_id = np.asarray(link_id, dtype=np.int64)
    if not link_id.size:
        return tally
    epoch = np.asarray(ts_us, dtype=np.int64) // 1_000_000
    is_bot = np.asarray(is_bot, dtype=bool)
    flags = np.asarray(flags)
    ids = np.array(sorted(links), dtype=np.int64)
    zone_names = sorted({z for _, z in links.values()})
    zone_of = np.array([zone_names.index(links[int(i)][1]) for i in ids], dtype=np.int64)
    row_zone = zone_of[np.searchsorted(ids, link_id)]
    for z, zone in enumerate(zone_names):
        sel = row_zone == z
        if not sel.any():
            continue
        e = epoch[sel]
        first, last = (dt.datetime(1970, 1, 1) + dt.timedelta(seconds=int(x)) for x in (e.min(), e.max()))
        schedule = timezones.offsets(zone, min(max(first.year, SPAN[0]), SPAN[1]), min(max(last.year, SPAN[0]), SPAN[1]))
        starts = np.array([s for s, _ in schedule], dtype=np.int64)
        offs = np.array([o for _, o in schedule], dtype=np.int64)
        at = np.clip(np.searchsorted(starts, e, side="right") - 1, 0, None)
        day = (e + offs[at]) // timezones.DAY_S
        # one integer per (link, bot flag, day): a flat unique is many times faster than a unique of rows
        d0 = int(day.min())
        span = int(day.max()) - d0 + 1
        combined = (np.searchsorted(ids, link_id[sel]) * 2 + is_bot[sel]) * span + (day - d0)
        if ids.size * 2 * span <= 4 * combined.size + 1_000_000:  # few (link, bot, day) cells: count into each
            counted = np.bincount(combined, minlength=ids.size * 2 * span)
            uniq = np.flatnonzero(counted)
            hits = counted[uniq]
            sums = [np.bincount(combined, weights=flags[sel, j], minlength=counted.size)[uniq]
                    for j in range(flags.shape[1])]
        else:
            uniq, inverse = np.unique(combined, return_inverse=True)
            inverse = inverse.reshape(-1)
            hits = np.bincount(inverse, minlength=len(uniq))
            chosen = flags[sel]
            sums = [np.bincount(inverse, weights=chosen[:, j], minlength=len(uniq)) for j in range(flags.shape[1])]
        for k, value in enumerate(uniq.tolist()):
            rest, d = divmod(value, span)
            lid = int(ids[rest // 2])
            tally[(links[lid][0], lid, zone, d + d0, bool(rest % 2))] = [int(hits[k]), *(int(col[k]) for col in sums)]
    return tally


# raw SQLite (the redirect's sink)
_SQLITE_COLUMNS = ("workspace_id", *KEY, *MEASURES)
_SQLITE_UPSERT = (f"INSERT INTO click_days ({', '.join(_SQLITE_COLUMNS)}) VALUES ({', '.join('?' * len(_SQLITE_COLUMNS))}) "
                  f"ON CONFLICT ({', '.join(KEY)}) DO UPDATE SET "
                  + ", ".join(f"{m} = {m} + excluded.{m}" for m in MEASURES))
_SQLITE_ZONES = ("SELECT l.id, l.workspace_id, c.timezone FROM links AS l JOIN campaigns AS c ON c.id = l.campaign_id "
                 "WHERE l.id IN ({})")


def record_sqlite(conn: sqlite3.Connection, hits: Sequence[Any], flags: Sequence[Sequence[Any]],
                  changes: Sequence[Change] = ()) -> None:
    """Add HITS (objects with link_id, ts and is_bot, just inserted with FLAGS) and the flag CHANGES
    of stored hits to the rows, in the open transaction of CONN (the redirect's raw connection)."""
    ids = sorted({h.link_id for h in hits} | {c[0] for c in changes})
    links: dict[int, tuple[int, str]] = {}
    for i in range(0, len(ids), 500):
        part = ids[i:i + 500]
        for r in conn.execute(_SQLITE_ZONES.format(", ".join("?" * len(part))), part):
            links[r[0]] = (r[1], usable_zone(r[2]))
    tally: Tally = {}
    for h, f in zip(hits, flags):
        ws, zone = links[h.link_id]
        _add(tally, (ws, h.link_id, zone, day_number(h.ts, zone), bool(h.is_bot)), 1, f)
    tally_changes(tally, changes, links)
    apply_sqlite(conn, tally)


def apply_sqlite(conn: sqlite3.Connection, tally: Tally) -> None:
    """:func:`apply` of rows that only grow (new hits, flag changes) on a raw SQLite connection."""
    conn.executemany(_SQLITE_UPSERT, [(k[0], k[1], k[2], day_of(k[3]).isoformat(), int(k[4]), *v)
                                      for k, v in tally.items() if any(v)])


# ----------------------------------------------------------------------------- from the raw clicks

def _epoch_expr(conn: sa.Connection, ts: sa.ColumnElement) -> sa.ColumnElement:
    if conn.dialect.name == "sqlite":
        return sa.cast(sa.func.strftime("%s", ts), sa.BigInteger)
    return sa.cast(sa.func.floor(sa.extract("epoch", ts)), sa.BigInteger)


def _offset_expr(epoch: sa.ColumnElement, schedule: Sequence[tuple[int, int]]) -> sa.ColumnElement:
    """The offset in force at EPOCH: a balanced tree of CASEs over the transition instants."""
    if len(schedule) == 1:
        return sa.literal_column(str(int(schedule[0][1])), sa.BigInteger)
    mid = len(schedule) // 2
    return sa.case((epoch < sa.literal_column(str(int(schedule[mid][0])), sa.BigInteger), _offset_expr(epoch, schedule[:mid])),
                   else_=_offset_expr(epoch, schedule[mid:]))


def _day_expr(conn: sa.Connection, zone: str) -> sa.ColumnElement:
    epoch = _epoch_expr(conn, t.clicks.c.ts)
    local = epoch + _offset_expr(epoch, timezones.offsets(zone, *SPAN))
    # integer division truncates towards zero: shifted by the days from 1900 to 1970, so that it
    # rounds down for every time since 1900
    shift = 25567
    return ((local + sa.literal_column(str(shift * timezones.DAY_S), sa.BigInteger))
            // sa.literal_column(str(timezones.DAY_S), sa.BigInteger)) - sa.literal_column(str(shift), sa.BigInteger)


def _links_of(conn: sa.Connection, workspace_id: int | None, link_ids: Iterable[int] | None) -> dict[int, tuple[int, str]]:
    if link_ids is not None:
        return zones(conn, link_ids)
    lk, ca = t.links, t.campaigns
    q = sa.select(lk.c.id, lk.c.workspace_id, ca.c.timezone).join_from(lk, ca, ca.c.id == lk.c.campaign_id)
    if workspace_id is not None:
        q = q.where(lk.c.workspace_id == workspace_id)
    return {r[0]: (r[1], usable_zone(r[2])) for r in conn.execute(q)}


def rebuild(conn: sa.Connection, workspace_id: int | None = None, link_ids: Iterable[int] | None = None) -> int:
    """Make the rows of the links (of one workspace, or all; LINK_IDS only when given) again from
    the raw clicks, in their campaigns' zones; returns how many rows were written."""
    links = _links_of(conn, workspace_id, link_ids)
    ids = sorted(links)
    d, c = click_days, t.clicks
    for i in range(0, len(ids), 500):
        conn.execute(d.delete().where(d.c.link_id.in_(ids[i:i + 500])))
    by_zone: dict[str, list[int]] = defaultdict(list)
    for link_id, (_, zone) in links.items():
        by_zone[zone].append(link_id)
    # SQLite: many links are read fastest in one pass over the table, a few through the link index
    # (``link_id + 0`` keeps the planner off the index)
    scan = conn.dialect.name == "sqlite" and 4 * len(ids) >= (conn.execute(sa.select(sa.func.count()).select_from(
        t.links)).scalar() or 0)
    link_col = (c.c.link_id + 0) if scan else c.c.link_id
    written = 0
    for zone, zone_links in sorted(by_zone.items()):
        day = _day_expr(conn, zone).label("day")
        sums = [sa.func.sum(sa.case((c.c[f], 1), else_=0)) for f in FLAG_COLUMNS]
        q = sa.select(link_col, c.c.is_bot, day, sa.func.count(), *sums).group_by(link_col, c.c.is_bot, day)
        zone_links.sort()
        for i in range(0, len(zone_links), 500):
            rows = [{"workspace_id": links[r[0]][0], "link_id": r[0], "zone": zone, "day": day_of(int(r[2])),
                     "is_bot": bool(r[1]), **{m: int(v or 0) for m, v in zip(MEASURES, r[3:])}}
                    for r in conn.execute(q.where(link_col.in_(zone_links[i:i + 500])))]
            for j in range(0, len(rows), 5000):
                conn.execute(d.insert(), rows[j:j + 5000])
            written += len(rows)
    return written


def recompute(conn: sa.Connection, workspace_id: int) -> dict[tuple[int, str, dt.date, bool], tuple[int, ...]]:
    """Every row of WORKSPACE_ID as a full recomputation from the raw clicks gives it, in Python
    with the zone library (for checks): (link, zone, day, is_bot) -> (hits, *flag counts)."""
    lk, ca, c = t.links, t.campaigns, t.clicks
    q = (sa.select(c.c.link_id, c.c.ts, c.c.is_bot, ca.c.timezone, *(c.c[f] for f in FLAG_COLUMNS))
         .join_from(c, lk, lk.c.id == c.c.link_id).join(ca, ca.c.id == lk.c.campaign_id)
         .where(c.c.workspace_id == workspace_id))
    out: dict[tuple[int, str, dt.date, bool], list[int]] = {}
    for r in conn.execute(q):
        zone = usable_zone(r[3])
        day = r[1].replace(tzinfo=dt.timezone.utc).astimezone(ZoneInfo(zone)).date()
        row = out.setdefault((r[0], zone, day, bool(r[2])), [0] * len(MEASURES))
        row[0] += 1
        for i, f in enumerate(r[4:], start=1):
            row[i] += bool(f)
    return {k: tuple(v) for k, v in out.items()}


def stored(conn: sa.Connection, workspace_id: int) -> dict[tuple[int, str, dt.date, bool], tuple[int, ...]]:
    """The stored rows of WORKSPACE_ID in the shape of :func:`recompute`."""
    d = click_days
    q = sa.select(d.c.link_id, d.c.zone, d.c.day, d.c.is_bot, *(d.c[m] for m in MEASURES)).where(
        d.c.workspace_id == workspace_id)
    return {(r[0], r[1], r[2], bool(r[3])): tuple(int(x) for x in r[4:]) for r in conn.execute(q)}


# ----------------------------------------------------------------------------- reading

def buckets(rollups, workspace_id: int, link_ids: list[int], flag: str):
    """An Ibis expression over the ``click_days`` table ROLLUPS: per link, bot flag, day and zone,
    the hits (``n``) and the hits whose FLAG is set (``u``)."""
    r = rollups.filter(rollups.workspace_id == workspace_id, rollups.link_id.isin(link_ids), rollups.hits > 0)
    return r.select("link_id", "is_bot", "day", "zone", n=r.hits, u=r[flag])


def kept_for(con) -> bool:
    """Whether the Ibis backend CON holds rollups of its clicks: the table exists and the clicks are
    not in an event store (which keeps none; the readers then count from the clicks there)."""
    from influscope.events.read import reader_of
    from influscope.kpi.backends import has_table

    events = reader_of(con)
    return has_table(con, "click_days") and not (events is not None and events.has("clicks"))


def in_zone(rows: list[dict], zone: str) -> list[dict] | None:
    """ROWS of :func:`buckets` with ``day`` as days since 1970, as the raw click query gives them;
    None when any row was made in another zone than ZONE (the caller counts from the raw clicks)."""
    if any(r["zone"] != zone for r in rows):
        return None
    return [{"link_id": r["link_id"], "is_bot": r["is_bot"], "day": (r["day"] - EPOCH).days, "n": r["n"], "u": r["u"]}
            for r in rows]
