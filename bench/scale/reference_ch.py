"""A hand-written ClickHouse reference for the core KPI set (bench/kpi/reference.py's DuckDB
statements, translated), run on the event store's own ClickHouse.

    python bench/scale/reference_ch.py --work DIR --clicks N [--by creator] [--copy]

What a data engineer would write on ClickHouse: the events are read where they live, the event
store's ``clicks``, ``post_metrics`` and ``follower_snapshots`` tables (``FINAL``: merged rows, as
influscope reads them); the operational tables the KPIs need (campaign, creators and accounts,
posts, costs, fx rates, codes, links, orders) are copied once into a database ``ref`` of the same ClickHouse (chdb's
``sqlite()`` table function reads the SQLite file; ``--copy`` does it, timed apart). Then one
statement per source (posts, costs, clicks, orders), each grouped by creator (or by nothing for
the campaign), returns integer sums; Python turns them into the KPIs with the same exact Decimal
arithmetic as bench/kpi/reference.py (its ``_values``), and adds the creator rows up for the
campaign row of ``--by creator``.

The KPI definitions are bench/kpi/reference.py's (default methodology; 17 KPIs).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "kpi"))

import reference as duck_reference  # noqa: E402  (the KPI arithmetic and the comparison)
import stores  # noqa: E402

KPI_IDS = duck_reference.KPI_IDS
WINDOW_DAYS = duck_reference.WINDOW_DAYS
DB = "ref"
SETTINGS = " SETTINGS join_use_nulls = 1"

# table -> (column -> ClickHouse type); the ORDER BY of the copy
TABLES: dict[str, tuple[dict[str, str], str]] = {
    "workspaces": ({"id": "Int64", "slug": "String", "methodology": "String"}, "id"),
    "campaigns": ({"id": "Int64", "workspace_id": "Int64", "slug": "String", "start_date": "Date",
                   "end_date": "Date", "timezone": "String", "currency": "String", "methodology": "String"}, "id"),
    "creators": ({"id": "Int64", "key": "String"}, "id"),
    "campaign_creators": ({"campaign_id": "Int64", "creator_id": "Int64"}, "campaign_id"),
    "creator_accounts": ({"workspace_id": "Int64", "creator_id": "Int64", "platform": "String", "handle": "String",
                          "followers": "Nullable(Int64)"}, "(workspace_id, creator_id)"),
    "posts": ({"id": "Int64", "workspace_id": "Int64", "campaign_id": "Int64", "creator_id": "Int64",
               "platform": "String", "posted_at": "Nullable(DateTime64(6, 'UTC'))"}, "(workspace_id, campaign_id, id)"),
    "costs": ({"workspace_id": "Int64", "campaign_id": "Int64", "creator_id": "Nullable(Int64)", "amount": "Int64",
               "currency": "String", "incurred_on": "Date"}, "(workspace_id, campaign_id)"),
    "fx_rates": ({"workspace_id": "Int64", "date": "Date", "base": "String", "currency": "String", "rate": "Int64"},
                 "(workspace_id, date)"),
    "codes": ({"workspace_id": "Int64", "code": "String", "creator_id": "Nullable(Int64)", "kind": "String"},
              "(workspace_id, code)"),
    "links": ({"id": "Int64", "workspace_id": "Int64", "campaign_id": "Nullable(Int64)",
               "creator_id": "Nullable(Int64)"}, "(workspace_id, id)"),
    "orders": ({"id": "Int64", "workspace_id": "Int64", "created_at": "DateTime64(6, 'UTC')", "currency": "String",
                "subtotal": "Int64", "refunded": "Nullable(Int64)", "status": "String",
                "discount_codes": "Nullable(String)", "landing_url": "Nullable(String)",
                "click_id": "Nullable(String)"}, "(workspace_id, created_at)"),
}


def _cast(col: str, kind: str) -> str:
    inner = kind.removeprefix("Nullable(").removesuffix(")") if kind.startswith("Nullable(") else kind
    if inner.startswith("DateTime64"):
        expr = f"parseDateTime64BestEffort{'OrNull' if kind != inner else ''}(toString({col}), 6, 'UTC')"
    elif inner == "Date":
        expr = f"toDate(toString({col}))"
    else:
        expr = f"CAST({col} AS {kind})"
    return f"{expr} AS {col}"


def copy_from_sqlite(client: Any, sqlite_path: str) -> None:
    """(Re)create database ``ref`` with the operational tables the KPIs read, from SQLITE_PATH."""
    client.command(f"DROP DATABASE IF EXISTS {DB}")
    client.command(f"CREATE DATABASE {DB}")
    for name, (cols, order) in TABLES.items():
        columns = ", ".join(f"{c} {k}" for c, k in cols.items())
        client.command(f"CREATE TABLE {DB}.{name} ({columns}) ENGINE = MergeTree ORDER BY {order}")
        select = ", ".join(_cast(c, k) for c, k in cols.items())
        client.command(f"INSERT INTO {DB}.{name} SELECT {select} FROM sqlite('{sqlite_path}', '{name}')")


# -------------------------------------------------------------------------------------------- SQL

def _lit(value: Any) -> str:
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dt.datetime):
        return f"toDateTime64('{value.isoformat(' ', 'microseconds')}', 6, 'UTC')"
    return "'" + str(value).replace("\\", "\\\\").replace("'", "\\'") + "'"


POSTS = """
WITH p AS (
    SELECT id, creator_id, platform, toDate(posted_at, {tz}) AS day
    FROM ref.posts WHERE workspace_id = {ws} AND campaign_id = {cid}),
snap AS (  -- the latest snapshot of each post (argMax of a tuple: NULL metrics are kept)
    SELECT post_id, argMax(tuple(impressions, reach, likes, comments, shares, saves), as_of) AS s
    FROM default.post_metrics FINAL WHERE workspace_id = {ws} AND post_id IN (SELECT id FROM p) GROUP BY post_id),
pa AS (
    SELECT p.id AS id, p.creator_id AS creator_id, p.platform AS platform, p.day AS day, a.handle AS handle,
           a.followers AS account_followers
    FROM p LEFT JOIN (SELECT creator_id, platform, handle, followers FROM ref.creator_accounts
                      WHERE workspace_id = {ws}) AS a ON a.creator_id = p.creator_id AND a.platform = p.platform),
fol AS (  -- followers at post time: the latest snapshot on or before the posting day
    SELECT pa.id AS id, argMax(fs.followers, fs.date) AS followers
    FROM pa JOIN (SELECT platform, handle, date, followers FROM default.follower_snapshots FINAL
                WHERE workspace_id = {ws}) AS fs
      ON fs.platform = pa.platform AND fs.handle = pa.handle
    WHERE fs.date <= pa.day GROUP BY pa.id),
pf AS (
    SELECT pa.id AS id, pa.creator_id AS creator_id,
           if(pa.handle IS NOT NULL, coalesce(fol.followers, pa.account_followers), NULL) AS followers
    FROM pa LEFT JOIN fol ON fol.id = pa.id),
m AS (
    SELECT snap.post_id AS post_id, tupleElement(s, 1) AS impressions, tupleElement(s, 2) AS reach,
           if(tupleElement(s, 3) IS NULL AND tupleElement(s, 4) IS NULL AND tupleElement(s, 5) IS NULL
              AND tupleElement(s, 6) IS NULL, NULL,
              coalesce(tupleElement(s, 3), 0) + coalesce(tupleElement(s, 4), 0) + coalesce(tupleElement(s, 5), 0)
              + coalesce(tupleElement(s, 6), 0)) AS eng
    FROM snap)
SELECT {key} AS k, sum(m.impressions), sum(m.reach), sum(m.eng), sumIf(m.eng, pf.followers > 0),
       sumIf(pf.followers, m.eng IS NOT NULL AND pf.followers > 0), count()
FROM m JOIN pf ON pf.id = m.post_id
GROUP BY k
"""

FX = """
fx AS (  -- units of the campaign currency per unit of another currency, as quoted (inverse = quoted the other way)
    SELECT if(base = {cur}, currency, base) AS other, date, rate, if(base = {cur}, 0, 1) AS inverse
    FROM ref.fx_rates
    WHERE workspace_id = {ws} AND ((base = {cur} AND currency != {cur}) OR (currency = {cur} AND base != {cur})))"""

COSTS = """
WITH """ + FX + """,
c AS (SELECT creator_id, amount, currency, incurred_on AS day FROM ref.costs
      WHERE workspace_id = {ws} AND campaign_id = {cid})
SELECT {key} AS k, if(c.currency = {cur}, 0, fx.rate) AS rate, coalesce(fx.inverse, 0) AS inverse,
       sum(c.amount), countIf(c.currency != {cur} AND fx.rate IS NULL), count()
FROM c ASOF LEFT JOIN fx ON fx.other = c.currency AND c.day >= fx.date
GROUP BY k, rate, inverse
"""

CLICKS = """
WITH lk AS (SELECT id, creator_id FROM ref.links WHERE workspace_id = {ws} AND campaign_id = {cid}),
hits AS (
    SELECT link_id, countIf(NOT is_bot) AS human, countIf(is_bot) AS bots, countIf(unique_1h) AS uniq
    FROM default.clicks FINAL
    WHERE workspace_id = {ws} AND link_id IN (SELECT id FROM lk)
    GROUP BY link_id)
SELECT {key} AS k, sum(hits.human), sum(hits.bots), sum(hits.uniq), count()
FROM lk LEFT JOIN hits ON hits.link_id = lk.id
GROUP BY k
"""

ORDERS = """
WITH """ + FX + """,
o AS (
    SELECT id, created_at, currency, subtotal, refunded, status, discount_codes, landing_url, click_id,
           toDate(created_at, {tz}) AS day
    FROM ref.orders WHERE workspace_id = {ws} AND created_at >= {lo} AND created_at < {hi}),
tok AS (  -- the order's codes, in the order listed
    SELECT id, code, i
    FROM (SELECT id, splitByRegexp('\\\\s+', replaceRegexpAll(discount_codes, '^\\\\s+|\\\\s+$', '')) AS l
          FROM o WHERE discount_codes IS NOT NULL)
    ARRAY JOIN l AS code, arrayEnumerate(l) AS i),
by_code AS (
    SELECT tok.id AS id, argMin(cd.creator_id, tok.i) AS creator_id
    FROM tok JOIN (SELECT upper(code) AS code, creator_id FROM ref.codes
                   WHERE workspace_id = {ws} AND kind = 'affiliate' AND creator_id IS NOT NULL) AS cd
      ON cd.code = upper(tok.code)
    GROUP BY tok.id),
by_click AS (
    SELECT o.id AS id, l.creator_id AS creator_id
    FROM o JOIN (SELECT key, link_id, ts FROM default.clicks FINAL
                 WHERE workspace_id = {ws} AND key IN (SELECT click_id FROM o WHERE click_id IS NOT NULL)) AS c
           ON c.key = o.click_id
         JOIN (SELECT id, creator_id FROM ref.links WHERE workspace_id = {ws}) AS l ON l.id = c.link_id
    WHERE l.creator_id IS NOT NULL AND c.ts <= o.created_at AND c.ts >= o.created_at - INTERVAL {window} DAY),
q AS (  -- the query of the landing URL (before any fragment)
    SELECT id, concat('&', substring(splitByChar('#', landing_url)[1],
                                     position(splitByChar('#', landing_url)[1], '?') + 1)) AS q
    FROM o WHERE landing_url IS NOT NULL AND position(splitByChar('#', landing_url)[1], '?') > 0),
u AS (
    SELECT id,
           nullIf(lower(replaceRegexpOne(replaceRegexpAll(decodeURLComponent(replaceAll(
               extract(q, '&utm_content=([^&]+)'), '+', ' ')), '^\\\\s+|\\\\s+$', ''), '^@+', '')), '') AS content,
           nullIf(lower(decodeURLComponent(replaceAll(extract(q, '&utm_source=([^&]+)'), '+', ' '))), '') AS source
    FROM q),
by_utm AS (
    SELECT u.id AS id, argMin(a.creator_id, tuple(if(a.platform = u.source, 0, 1), a.creator_id, a.platform))
               AS creator_id
    FROM u JOIN (SELECT creator_id, platform, lower(handle) AS handle FROM ref.creator_accounts
                 WHERE workspace_id = {ws}) AS a ON a.handle = u.content
    GROUP BY u.id),
credited AS (
    SELECT o.currency AS currency, o.subtotal - coalesce(o.refunded, 0) AS net, o.day AS day, o.status AS status,
           coalesce(bc.creator_id, bk.creator_id, bu.creator_id) AS creator_id
    FROM o LEFT JOIN by_code AS bc ON bc.id = o.id LEFT JOIN by_click AS bk ON bk.id = o.id
         LEFT JOIN by_utm AS bu ON bu.id = o.id),
counted AS (
    SELECT assumeNotNull(creator_id) AS creator_id, currency, net, day FROM credited
    WHERE creator_id IN (SELECT creator_id FROM ref.campaign_creators WHERE campaign_id = {cid})
      AND status NOT IN ('cancelled', 'refunded'))
SELECT {key} AS k, if(counted.currency = {cur}, 0, fx.rate) AS rate, coalesce(fx.inverse, 0) AS inverse,
       sum(counted.net), countIf(counted.currency != {cur} AND fx.rate IS NULL), count()
FROM counted ASOF LEFT JOIN fx ON fx.other = counted.currency AND counted.day >= fx.date
GROUP BY k, rate, inverse
"""

SEEN = "SELECT count() FROM ref.orders WHERE workspace_id = {ws} AND created_at >= {lo} AND created_at < {hi}"


def _campaign(client: Any, workspace: str, slug: str) -> dict:
    rows = client.query(f"""
        SELECT c.id, c.workspace_id, c.start_date, c.end_date, c.timezone, c.currency, c.methodology, w.methodology
        FROM {DB}.campaigns AS c JOIN {DB}.workspaces AS w ON w.id = c.workspace_id
        WHERE w.slug = {_lit(workspace)} AND c.slug = {_lit(slug)}""").result_rows
    if not rows:
        raise LookupError(f"no campaign {slug!r} in workspace {workspace!r}")
    cid, ws, start, end, tz, cur, m1, m2 = rows[0]
    for m in (m1, m2):
        if m and json.loads(m):
            raise LookupError(f"{slug}: methodology overrides {m}: the reference implements the defaults only")
    zone = ZoneInfo(tz or "UTC")

    def utc(day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(), zone).astimezone(dt.timezone.utc).replace(tzinfo=None)

    creators = dict(client.query(f"SELECT cr.id, cr.key FROM {DB}.campaign_creators AS cc JOIN {DB}.creators AS cr "
                                 f"ON cr.id = cc.creator_id WHERE cc.campaign_id = {int(cid)}").result_rows)
    return {"id": int(cid), "ws": int(ws), "tz": tz or "UTC", "cur": cur, "creators": creators,
            "lo": utc(start), "hi": utc(end + dt.timedelta(days=1 + WINDOW_DAYS))}


def _sum(values) -> Any:
    present = [v for v in values if v is not None]
    return sum(present) if present else None


def kpis(client: Any, workspace: str, slug: str, by: str | None = None) -> dict:
    """{"campaign": {kpi: value}, "creators": {creator key: {kpi: value}} (with by="creator")}."""
    if by not in (None, "creator"):
        raise ValueError("by: None or 'creator'")
    camp = _campaign(client, workspace, slug)
    params = {"ws": _lit(camp["ws"]), "cid": _lit(camp["id"]), "tz": _lit(camp["tz"]), "cur": _lit(camp["cur"]),
              "lo": _lit(camp["lo"]), "hi": _lit(camp["hi"]), "window": WINDOW_DAYS}
    key, lkey = ("creator_id", "lk.creator_id") if by else ("-1", "-1")
    key_of = {"POSTS": "pf.creator_id" if by else "-1", "COSTS": "c.creator_id" if by else "-1",
              "CLICKS": lkey, "ORDERS": "counted.creator_id" if by else "-1"}
    del key

    def run(name: str, sql: str) -> list[tuple]:
        return [tuple(r) for r in client.query(sql.format(key=key_of.get(name, "-1"), **params) + SETTINGS).result_rows]

    posts = run("POSTS", POSTS)
    costs = run("COSTS", COSTS)
    clicks = run("CLICKS", CLICKS)
    orders = run("ORDERS", ORDERS)
    seen = client.query(SEEN.format(**params)).result_rows[0][0]
    if by:  # the campaign row: every creator's sums added up (creators outside, e.g. a cost of no one, included)
        posts.append((-1, *(_sum(r[i] for r in posts) for i in range(1, 7))))
        clicks.append((-1, *(_sum(r[i] for r in clicks) for i in range(1, 5))))
        costs += [(-1, *r[1:]) for r in costs]
        orders += [(-1, *r[1:]) for r in orders]
    keys = {-1} | (set(camp["creators"]) if by else set())
    return duck_reference.assemble(camp, by, keys, posts, clicks, costs, orders, seen)


def check(engine, client: Any, workspace: str, slug: str, by: str | None = None) -> int:
    """Raise AssertionError listing every difference from influscope's values; return how many were compared."""
    ref = kpis(client, workspace, slug, by)
    ours = duck_reference.influscope_values(engine, workspace, slug, by)
    diff = duck_reference.differences(ref, ours)
    if diff:
        raise AssertionError(f"{slug}{' by ' + by if by else ''}: influscope and the ClickHouse reference differ:\n  "
                             + "\n  ".join(diff[:40]))
    return len(KPI_IDS) * (1 + len(ref["creators"]))


def open_store(work: Path, n: int) -> Any:
    """A client on the benchmark's chdb folder for size N (this process must not hold it otherwise)."""
    import clickhouse_connect

    return clickhouse_connect.get_client(dsn=stores.events_url(work, n))


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--work", required=True, type=Path)
    ap.add_argument("--clicks", required=True, type=int)
    ap.add_argument("--workspace", default="scale")
    ap.add_argument("--campaign", default="scale")
    ap.add_argument("--by", choices=("creator",))
    ap.add_argument("--copy", action="store_true", help="copy the operational tables into database ref and exit")
    args = ap.parse_args(argv)
    client = open_store(args.work, args.clicks)
    if args.copy:
        t0 = time.perf_counter()
        copy_from_sqlite(client, stores.sqlite_url(args.work, args.clicks, "clickhouse")[len("sqlite:///"):])
        print(f"copied into {DB} in {time.perf_counter() - t0:.2f} s")
        return
    result = kpis(client, args.workspace, args.campaign, args.by)
    json.dump(duck_reference._plain(result), sys.stdout, indent=1)
    print()
    client.close()


if __name__ == "__main__":
    main()
