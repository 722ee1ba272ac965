"""Write normalised records (from a connector run or a native export) into the canonical store.

A :class:`Batch` collects what one run or one file produced: posts and their metric snapshots,
follower counts, audience shares, comments, site traffic, account-level daily metrics and the raw
payloads. :func:`write_batch` upserts all of it in the caller's transaction, keyed by platform,
object id, metric and as_of, so that writing the same batch twice changes nothing.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from influscope.db import connectors as ct
from influscope.db import tables as t
from influscope.events import records as event_records
from influscope.ingest.canonical import BundleError, FileReport, ImportReport, Problem, ensure_workspace

POST_METRICS = ("impressions", "reach", "views", "likes", "comments", "shares", "saves", "reactions",
                "link_clicks", "watch_time_s")
POST_ATTRS = ("content_type", "url", "posted_at", "sponsored", "caption")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


@dataclass
class Batch:
    """Canonical records of one source, before they are written."""

    source: str  # what wrote them: instagram_api, tiktok_studio, ...
    posts: dict[str, dict[str, Any]] = field(default_factory=dict)  # post key -> attributes
    snapshots: list[dict[str, Any]] = field(default_factory=list)  # post_key, as_of, metrics, reasons, raw
    post_days: list[dict[str, Any]] = field(default_factory=list)  # post_key, date, metric, value, reason
    metric_fields: set[str] = field(default_factory=set)  # post metrics this source reports (NULL = hidden)
    creators: dict[str, dict[str, Any]] = field(default_factory=dict)  # UGC authors: key -> platform, handle, name
    followers: list[dict[str, Any]] = field(default_factory=list)
    audience: list[dict[str, Any]] = field(default_factory=list)
    comments: list[dict[str, Any]] = field(default_factory=list)
    traffic: list[dict[str, Any]] = field(default_factory=list)
    account_metrics: list[dict[str, Any]] = field(default_factory=list)
    raw: list[dict[str, Any]] = field(default_factory=list)
    notes: list[dict[str, Any]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def add_post(self, key: str, *, platform: str, campaign_id: int | None = None, creator_id: int | None = None,
                 creator_key: str | None = None, line: tuple[str, int] | None = None, **attrs: Any) -> None:
        post = self.posts.setdefault(key, {"platform": platform})
        post.update({k: v for k, v in attrs.items() if v is not None})
        for k, v in (("campaign_id", campaign_id), ("creator_id", creator_id), ("creator_key", creator_key),
                     ("_line", line)):
            if v is not None:
                post[k] = v

    def add_snapshot(self, post_key: str, as_of: dt.datetime, metrics: dict[str, Any], *,
                     reasons: dict[str, str] | None = None, raw: Any = None) -> None:
        for name in metrics:
            if name not in POST_METRICS:
                raise ValueError(f"unknown post metric {name!r}")
        self.metric_fields.update(metrics)
        self.snapshots.append({"post_key": post_key, "as_of": as_of, "metrics": metrics,
                               "reasons": reasons or {}, "raw": raw})

    def add_post_day(self, post_key: str, date: dt.date, metric: str, value: Any, reason: str | None = None) -> None:
        """What the post got on DATE (that day's views, not a running total)."""
        self.post_days.append({"post_key": post_key, "date": date, "metric": metric,
                               "value": None if value is None else float(value),
                               "reason": reason if value is None else None})

    def add_account_metric(self, platform: str, handle: str, date: dt.date, metric: str, value: Any,
                           reason: str | None = None) -> None:
        self.account_metrics.append({"platform": platform, "handle": handle, "date": date, "metric": metric,
                                     "value": None if value is None else float(value),
                                     "reason": reason if value is None else None})

    def add_raw(self, platform: str, kind: str, object_id: str, as_of: dt.datetime, payload: Any) -> None:
        self.raw.append({"platform": platform, "kind": kind, "object_id": str(object_id), "as_of": as_of,
                         "payload": payload})

    def note(self, kind: str, **details: Any) -> None:
        entry = {"kind": kind, **details}
        if entry not in self.notes:
            self.notes.append(entry)

    def count_mention(self, platform: str, terms: list[str]) -> None:
        """One note per platform: how many UGC posts were collected, per matching term."""
        entry = next((n for n in self.notes if n["kind"] == "mentions" and n["platform"] == platform), None)
        if entry is None:
            entry = {"kind": "mentions", "platform": platform, "posts": 0, "terms": {}}
            self.notes.append(entry)
        entry["posts"] += 1
        for term in terms:
            entry["terms"][term] = entry["terms"].get(term, 0) + 1


def upsert(conn: sa.Connection, table: sa.Table, rows: list[dict[str, Any]], key: tuple[str, ...],
           scope: sa.ColumnElement, report: FileReport, columns: list[str], want_ids: bool = False) -> dict[tuple, int]:
    """Upsert ROWS on KEY within SCOPE comparing COLUMNS; count inserted/updated/unchanged in REPORT.

    Rows equal to what is stored are not written at all. With WANT_IDS, returns {key: id} for the
    rows given.
    """
    fetch = list(dict.fromkeys([*key, *columns]))
    existing: dict[tuple, Any] = {}
    for rec in conn.execute(sa.select(table.c.id, *[table.c[c] for c in fetch]).where(scope)):
        m = rec._mapping
        existing[tuple(m[k] for k in key)] = m
    inserts, updates, ids = [], [], {}
    for row in rows:
        k = tuple(row[c] for c in key)
        old = existing.get(k)
        if old is None:
            inserts.append({c: row[c] for c in fetch})
            continue
        ids[k] = old["id"]
        if any(old[c] != row[c] for c in columns if c not in key):
            updates.append({"_id": old["id"], **{c: row[c] for c in columns if c not in key}})
        else:
            report.unchanged += 1
    _insert_rows(conn, table, inserts)
    if updates:
        upd_cols = [c for c in columns if c not in key]
        stmt = table.update().where(table.c.id == sa.bindparam("_id")).values({c: sa.bindparam(c) for c in upd_cols})
        conn.execute(stmt, updates)
    report.inserted += len(inserts)
    report.updated += len(updates)
    if want_ids and inserts:
        for rec in conn.execute(sa.select(table.c.id, *[table.c[c] for c in key]).where(scope)):
            m = rec._mapping
            ids.setdefault(tuple(m[k] for k in key), m["id"])
    return ids


def _insert_rows(conn: sa.Connection, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    """Insert ROWS through the driver (executemany on SQLite, COPY on PostgreSQL), each value passed
    through its column type's bind processor, so it is stored exactly as SQLAlchemy would store it
    without SQLAlchemy's per-row parameter processing."""
    if not rows:
        return
    dialect = conn.dialect.name
    if dialect not in ("sqlite", "postgresql"):
        conn.execute(table.insert(), rows)
        return
    cols = list(rows[0])
    procs = []
    for c in cols:
        typ = table.c[c].type
        if dialect == "postgresql" and isinstance(typ, sa.JSON):
            procs.append(lambda v: None if v is None else json.dumps(v, default=str))
        else:
            procs.append(typ.dialect_impl(conn.dialect).bind_processor(conn.dialect))
    values = ([p(r[c]) if p else r[c] for c, p in zip(cols, procs)] for r in rows)
    names = ", ".join(f'"{c}"' for c in cols)
    cur = conn.connection.driver_connection.cursor()
    try:
        if dialect == "sqlite":
            cur.executemany(f'INSERT INTO "{table.name}" ({names}) VALUES ({", ".join("?" * len(cols))})', values)
        else:
            with cur.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
                for v in values:
                    copy.write_row(v)
    finally:
        cur.close()


def _narrow(table: sa.Table, ws: int, rows: list[dict[str, Any]], column: str) -> sa.ColumnElement:
    """Workspace scope, narrowed to the values of COLUMN that ROWS carry (when they are few)."""
    scope = table.c.workspace_id == ws
    values = {r[column] for r in rows}
    if len(values) <= 2000:
        scope = scope & table.c[column].in_(sorted(values, key=str))
    return scope


def _dedupe(rows: list[dict[str, Any]], key: tuple[str, ...]) -> list[dict[str, Any]]:
    """Last row wins for rows with the same key (a source may repeat a day at a page boundary)."""
    out: dict[tuple, dict[str, Any]] = {}
    for r in rows:
        out[tuple(r[k] for k in key)] = r
    return list(out.values())


def write_batch(conn: sa.Connection, workspace: str, batch: Batch, report: ImportReport | None = None,
                file: str = "-") -> ImportReport:
    """Upsert BATCH into WORKSPACE within the open transaction of CONN.

    Raises :class:`BundleError` (before writing anything) when a value breaks the record rules of the
    bundle (:func:`~influscope.ingest.connectors.checks.check_batch`) or a new post has no campaign or
    creator.
    """
    from influscope.ingest.connectors.checks import check_batch

    refused = check_batch(batch, None if file == "-" else file)
    if refused:
        raise BundleError(refused)
    ws = ensure_workspace(conn, workspace)
    report = report or ImportReport(workspace, None)
    problems = list(batch.problems)

    # UGC authors found by mention searches: creators without campaign membership
    if batch.creators:
        people = [{"workspace_id": ws, "key": k, "name": v.get("name")} for k, v in batch.creators.items()]
        existing = dict(conn.execute(sa.select(t.creators.c.key, t.creators.c.id).where(
            t.creators.c.workspace_id == ws, t.creators.c.key.in_(list(batch.creators)))).all())
        new = [p for p in people if p["key"] not in existing]
        if new:
            conn.execute(t.creators.insert(), new)
        ids = dict(conn.execute(sa.select(t.creators.c.key, t.creators.c.id).where(
            t.creators.c.workspace_id == ws, t.creators.c.key.in_(list(batch.creators)))).all())
        have = {r[0] for r in conn.execute(sa.select(t.creator_accounts.c.creator_id).where(
            t.creator_accounts.c.creator_id.in_(list(ids.values()))))}
        accounts = [{"workspace_id": ws, "creator_id": ids[k], "platform": v["platform"], "handle": v["handle"]}
                    for k, v in batch.creators.items() if ids[k] not in have]
        if accounts:
            conn.execute(t.creator_accounts.insert(), accounts)
        for post in batch.posts.values():
            if post.get("creator_key") in ids and not post.get("creator_id"):
                post["creator_id"] = ids[post["creator_key"]]

    # posts: existing ones keep their campaign and creator; unknown ones may be matched by URL
    post_ids: dict[str, int] = {}
    if batch.posts:
        cols = [t.posts.c.id, t.posts.c.key, t.posts.c.campaign_id, t.posts.c.creator_id, t.posts.c.platform,
                *[t.posts.c[a] for a in POST_ATTRS]]
        existing = {r.key: r._mapping for r in conn.execute(sa.select(*cols).where(t.posts.c.workspace_id == ws))}
        by_url = {m["url"]: k for k, m in existing.items() if m["url"]}
        rename: dict[str, str] = {}
        rows = []
        for key, post in batch.posts.items():
            old = existing.get(key)
            if old is None and post.get("url") in by_url:
                rename[key] = by_url[post["url"]]
                old = existing[rename[key]]
            if old is not None:
                row = {"workspace_id": ws, "key": old["key"], "campaign_id": old["campaign_id"],
                       "creator_id": old["creator_id"], "platform": old["platform"]}
                for a in POST_ATTRS:
                    row[a] = post.get(a) if post.get(a) is not None else old[a]
                rows.append(row)
                continue
            where = post.get("_line") or (file, 0)
            if not post.get("creator_id"):
                problems.append(Problem(where[0], where[1], "post", f"post {key!r} is new and its creator is unknown: "
                                        "name the account (SOURCE@HANDLE) of a creator listed in a campaign bundle"))
                continue
            if not post.get("campaign_id"):
                problems.append(Problem(where[0], where[1], "post", f"post {key!r} is new and the creator is in no "
                                        "single campaign: name the campaign"))
                continue
            row = {"workspace_id": ws, "key": key, "campaign_id": post["campaign_id"], "creator_id": post["creator_id"],
                   "platform": post["platform"]}
            for a in POST_ATTRS:
                row[a] = post.get(a)
            row["content_type"] = row["content_type"] or "post"
            rows.append(row)
        if problems:
            raise BundleError(problems[:200], max(0, len(problems) - 200))
        rep = report.files.setdefault("posts.csv", FileReport())
        ids = upsert(conn, t.posts, rows, ("workspace_id", "key"), _narrow(t.posts, ws, rows, "key"), FileReport(),
                     ["workspace_id", "campaign_id", "key", "creator_id", "platform", *POST_ATTRS], want_ids=True)
        post_ids = {k[1]: v for k, v in ids.items()}
        for new_key, old_key in rename.items():
            post_ids[new_key] = post_ids[old_key]
        if batch.snapshots:
            metrics = [m for m in POST_METRICS if m in batch.metric_fields]
            snaps = []
            for s in _dedupe(batch.snapshots, ("post_key", "as_of")):
                raw = {"source": batch.source, "payload": s["raw"]}
                if s["reasons"]:
                    raw["missing"] = dict(sorted(s["reasons"].items()))
                snaps.append({"post_id": post_ids[s["post_key"]], "as_of": s["as_of"], "source": batch.source,
                              "raw": raw, **{m: s["metrics"].get(m) for m in metrics}})
            if event_records.enabled():  # into the event store when the transaction commits
                event_records.defer(conn, "post_metrics", ws, snaps, ["source", "raw", *metrics], rep)
            else:
                pids = sorted({s["post_id"] for s in snaps})
                scope = t.post_metrics.c.post_id.in_(pids) if len(pids) <= 2000 else \
                    t.post_metrics.c.post_id.in_(sa.select(t.posts.c.id).where(t.posts.c.workspace_id == ws))
                upsert(conn, t.post_metrics, snaps, ("post_id", "as_of"), scope, rep,
                       ["post_id", "as_of", "source", "raw", *metrics])
        if batch.post_days:
            days = _dedupe([{"workspace_id": ws, "post_id": post_ids[d["post_key"]], "date": d["date"],
                             "metric": d["metric"], "value": d["value"], "reason": d["reason"], "source": batch.source}
                            for d in batch.post_days], ("post_id", "date", "metric"))
            pids = sorted({d["post_id"] for d in days})
            scope = ct.post_daily_metrics.c.post_id.in_(pids) if len(pids) <= 2000 else \
                ct.post_daily_metrics.c.workspace_id == ws
            upsert(conn, ct.post_daily_metrics, days, ("post_id", "date", "metric"), scope,
                   report.files.setdefault("post_daily_metrics", FileReport()), list(days[0]))
    elif problems:
        raise BundleError(problems[:200], max(0, len(problems) - 200))

    def simple(name: str, table: sa.Table, rows: list[dict[str, Any]], key: tuple[str, ...]) -> None:
        if not rows:
            return
        rows = _dedupe([{"workspace_id": ws, **r} for r in rows], key)
        if table.name in event_records.KINDS and event_records.enabled():  # into the event store at the commit
            event_records.defer(conn, table.name, ws, rows, list(rows[0]), report.files.setdefault(name, FileReport()))
            return
        upsert(conn, table, rows, key, _narrow(table, ws, rows, key[1]), report.files.setdefault(name, FileReport()),
               list(rows[0].keys()))

    simple("followers.csv", t.follower_snapshots, batch.followers, ("workspace_id", "platform", "handle", "date"))
    simple("audience.csv", t.audience, batch.audience,
           ("workspace_id", "platform", "handle", "date", "dimension", "bucket"))
    if batch.comments:
        comments = []
        for c in batch.comments:
            pid = post_ids.get(c["post_key"])
            if pid is None:
                pid = conn.execute(sa.select(t.posts.c.id).where(t.posts.c.workspace_id == ws,
                                                                 t.posts.c.key == c["post_key"])).scalar()
            if pid is None:
                continue
            comments.append({"key": c["key"], "post_id": pid, "author": c.get("author"), "text": c.get("text") or "",
                             "ts": c.get("ts"), "likes": c.get("likes")})
        simple("comments.csv", t.comments, comments, ("workspace_id", "key"))
    traffic = [{"source": "", "medium": "", "campaign": "", "content": "", **r} for r in batch.traffic]
    simple("traffic.csv", t.traffic, traffic, ("workspace_id", "date", "source", "medium", "campaign", "content"))
    simple("account_metrics", ct.account_metrics, [{**r, "source": batch.source} for r in batch.account_metrics],
           ("workspace_id", "platform", "handle", "date", "metric"))
    simple("raw payloads", ct.connector_raw, batch.raw, ("workspace_id", "platform", "kind", "object_id", "as_of"))
    return report
