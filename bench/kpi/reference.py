"""A hand-written DuckDB reference for the core KPI set, checked against influscope's values.

    python bench/kpi/reference.py CAMPAIGN --workspace demo --db sqlite:///demo.db [--by creator]
    python bench/kpi/reference.py --copy-to demo.duckdb --db sqlite:///demo.db
    python bench/kpi/reference.py CAMPAIGN --workspace demo --duckdb demo.duckdb [--by creator]
    python bench/kpi/reference.py CAMPAIGN --workspace demo --db sqlite:///demo.db --check [--by creator]

What a data engineer would write by hand: the canonical tables in DuckDB (copied from the SQLite
store, since DuckDB's sqlite extension is not in the wheel and cannot be downloaded here; the copy
time is reported apart, or the copy is made once into a DuckDB file with --copy-to) and one grouped
statement per source (posts, costs, clicks, orders) that returns one row per breakdown key. Python
only turns those integer sums into the KPIs with exact Decimal arithmetic, as influscope does.

The KPIs (default methodology settings; the script refuses a workspace or campaign that overrides
them): impressions, reach, engagements, engagement_rate, spend, cpm, cpe, clicks, bot_clicks,
unique_clicks, ctr, orders, revenue, aov, conversion_rate, roas, roi. The definitions, from
influscope's engine and crediting rules:

- posts: the latest snapshot (max as_of) of each of the campaign's posts; a sum is NULL when no
  post reports the metric; engagements = likes + comments + shares + saves over the components a
  post reports; engagement rate = sum of engagements / sum of followers at post time x 100 over
  posts with both (followers > 0), the followers being the account's latest follower snapshot on
  or before the posting day in the campaign's time zone, else the account's follower count;
- spend: every cost of the campaign (of the creator, by creator) in the campaign currency, each
  at the latest exchange rate on or before the day it was incurred;
- clicks on the campaign's links: human hits (bots excluded), bot hits, and unique clicks = hits
  whose ``unique_1h`` flag says they open a visitor's one-hour window on the link;
- orders placed from the campaign start (00:00 in its time zone) to the end plus 30 days, each
  credited to one creator by the first rule that matches: an affiliate code on the order (the
  first listed), else the click whose id it carries if that click was at most 30 days before it,
  else utm_content of the landing URL equal to an account handle (the account on utm_source's
  platform first); counted unless cancelled or refunded; revenue = subtotal - refunded, converted
  at the rate on the order's day; a creator outside the campaign gets no credit;
- CPM, CPE, AOV rounded half-even to 0.0001; CTR, conversion rate, ROAS and ROI as exact ratios.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import sqlite3
import sys
import time
from decimal import Decimal, localcontext
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb

KPI_IDS = ("impressions", "reach", "engagements", "engagement_rate", "spend", "cpm", "cpe", "clicks", "bot_clicks",
           "unique_clicks", "ctr", "orders", "revenue", "aov", "conversion_rate", "roas", "roi")
RATIOS = ("engagement_rate", "ctr", "conversion_rate", "roas", "roi")  # floats: compared to 1e-9 relative
WINDOW_DAYS = 30
Q = Decimal("0.0001")

# The columns the reference reads, with the DuckDB type each is cast to (SQLite keeps times as ISO
# text, booleans as 0/1 and money as integer ten-thousandths, rates as integer hundred-millionths).
TABLES: dict[str, dict[str, str]] = {
    "workspaces": {"id": "INTEGER", "slug": "VARCHAR", "methodology": "VARCHAR"},
    "campaigns": {"id": "INTEGER", "workspace_id": "INTEGER", "slug": "VARCHAR", "start_date": "DATE",
                  "end_date": "DATE", "timezone": "VARCHAR", "currency": "VARCHAR", "methodology": "VARCHAR"},
    "creators": {"id": "INTEGER", "key": "VARCHAR", "name": "VARCHAR"},
    "campaign_creators": {"campaign_id": "INTEGER", "creator_id": "INTEGER"},
    "creator_accounts": {"workspace_id": "INTEGER", "creator_id": "INTEGER", "platform": "VARCHAR",
                         "handle": "VARCHAR", "followers": "BIGINT"},
    "follower_snapshots": {"workspace_id": "INTEGER", "platform": "VARCHAR", "handle": "VARCHAR", "date": "DATE",
                           "followers": "BIGINT"},
    "posts": {"id": "INTEGER", "workspace_id": "INTEGER", "campaign_id": "INTEGER", "creator_id": "INTEGER",
              "platform": "VARCHAR", "posted_at": "TIMESTAMP"},
    "post_metrics": {"post_id": "INTEGER", "as_of": "TIMESTAMP", "impressions": "BIGINT", "reach": "BIGINT",
                     "likes": "BIGINT", "comments": "BIGINT", "shares": "BIGINT", "saves": "BIGINT"},
    "costs": {"workspace_id": "INTEGER", "campaign_id": "INTEGER", "creator_id": "INTEGER", "amount": "BIGINT",
              "currency": "VARCHAR", "incurred_on": "DATE"},
    "fx_rates": {"workspace_id": "INTEGER", "date": "DATE", "base": "VARCHAR", "currency": "VARCHAR",
                 "rate": "BIGINT"},
    "codes": {"workspace_id": "INTEGER", "code": "VARCHAR", "creator_id": "INTEGER", "kind": "VARCHAR"},
    "links": {"id": "INTEGER", "workspace_id": "INTEGER", "campaign_id": "INTEGER", "creator_id": "INTEGER"},
    "clicks": {"workspace_id": "INTEGER", "key": "VARCHAR", "link_id": "INTEGER", "ts": "TIMESTAMP",
               "is_bot": "BOOLEAN", "unique_1h": "BOOLEAN"},
    "orders": {"id": "INTEGER", "workspace_id": "INTEGER", "created_at": "TIMESTAMP", "currency": "VARCHAR",
               "subtotal": "BIGINT", "refunded": "BIGINT", "status": "VARCHAR", "discount_codes": "VARCHAR",
               "landing_url": "VARCHAR", "click_id": "VARCHAR"},
}


# ------------------------------------------------------------------------------------------- copy

def copy_from_sqlite(sqlite_path: str | Path, target: str = ":memory:") -> duckdb.DuckDBPyConnection:
    """Copy the columns the reference reads from the SQLite store into DuckDB (memory or a file)."""
    import pyarrow as pa

    src = sqlite3.connect(f"file:{sqlite_path}?mode=ro", uri=True)
    con = duckdb.connect(target)
    try:
        for name, cols in TABLES.items():
            cur = src.execute(f'SELECT {", ".join(cols)} FROM "{name}"')
            chunks = []
            while rows := cur.fetchmany(200_000):
                columns = list(zip(*rows))
                chunks.append(pa.table({c: pa.array(v, type=_arrow_type(cols[c])) for c, v in zip(cols, columns)}))
            if chunks:
                arrow = pa.concat_tables(chunks)
            else:
                arrow = pa.table({c: pa.array([], type=_arrow_type(t)) for c, t in cols.items()})
            con.register("_copy", arrow)
            casts = ", ".join(f"CAST({c} AS {t}) AS {c}" for c, t in cols.items())
            con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT {casts} FROM _copy")
            con.unregister("_copy")
    finally:
        src.close()
    return con


def _arrow_type(duck: str):
    import pyarrow as pa

    return {"INTEGER": pa.int64(), "BIGINT": pa.int64(), "BOOLEAN": pa.int64()}.get(duck, pa.string())


# -------------------------------------------------------------------------------------------- SQL

POSTS = """
WITH p AS (
    SELECT id, creator_id, platform,
           CAST((posted_at AT TIME ZONE 'UTC') AT TIME ZONE $tz AS DATE) AS day
    FROM posts WHERE workspace_id = $ws AND campaign_id = $cid),
snap AS (  -- the latest snapshot of each post
    SELECT m.post_id, m.impressions, m.reach,
           CASE WHEN m.likes IS NULL AND m.comments IS NULL AND m.shares IS NULL AND m.saves IS NULL THEN NULL
                ELSE coalesce(m.likes, 0) + coalesce(m.comments, 0) + coalesce(m.shares, 0) + coalesce(m.saves, 0)
           END AS eng
    FROM post_metrics m JOIN p ON m.post_id = p.id
    QUALIFY m.as_of = max(m.as_of) OVER (PARTITION BY m.post_id)),
pa AS (
    SELECT p.*, a.handle, a.followers AS account_followers
    FROM p LEFT JOIN creator_accounts a
      ON a.workspace_id = $ws AND a.creator_id = p.creator_id AND a.platform = p.platform),
fs AS (SELECT platform, handle, date, followers FROM follower_snapshots WHERE workspace_id = $ws),
pf AS (  -- followers at post time: the latest snapshot on or before the posting day, else the account's count
    SELECT pa.id, pa.creator_id,
           CASE WHEN pa.handle IS NOT NULL THEN coalesce(fs.followers, pa.account_followers) END AS followers
    FROM pa ASOF LEFT JOIN fs ON fs.platform = pa.platform AND fs.handle = pa.handle AND pa.day >= fs.date)
SELECT {key} AS k,
       sum(s.impressions) AS impressions, sum(s.reach) AS reach, sum(s.eng) AS engagements,
       sum(s.eng) FILTER (WHERE pf.followers > 0) AS er_num, sum(pf.followers) FILTER (
           WHERE s.eng IS NOT NULL AND pf.followers > 0) AS er_den, count(*) AS measured
FROM snap s JOIN pf ON pf.id = s.post_id
GROUP BY {grouping}
"""

FX = """
fx AS (  -- units of the campaign currency per unit of another currency, as quoted (inverse = quoted the other way)
    SELECT CASE WHEN base = $cur THEN currency ELSE base END AS other, date, rate,
           CASE WHEN base = $cur THEN 0 ELSE 1 END AS inverse
    FROM fx_rates
    WHERE workspace_id = $ws AND ((base = $cur AND currency <> $cur) OR (currency = $cur AND base <> $cur)))"""

COSTS = """
WITH """ + FX + """,
c AS (SELECT creator_id, amount, currency, incurred_on AS day FROM costs WHERE workspace_id = $ws AND campaign_id = $cid),
cx AS (
    SELECT c.creator_id, c.amount, CASE WHEN c.currency = $cur THEN 0 ELSE fx.rate END AS rate,
           coalesce(fx.inverse, 0) AS inverse, c.currency <> $cur AND fx.rate IS NULL AS miss
    FROM c ASOF LEFT JOIN fx ON fx.other = c.currency AND c.day >= fx.date)
SELECT {key} AS k, rate, inverse, sum(amount) AS raw, count(*) FILTER (WHERE miss) AS missing, count(*) AS n
FROM cx
GROUP BY GROUPING SETS ({grouping_sets})
"""

CLICKS = """
WITH lk AS (SELECT id, creator_id FROM links WHERE workspace_id = $ws AND campaign_id = $cid),
hits AS (
    SELECT {key} AS k, count(*) FILTER (WHERE NOT c.is_bot) AS human, count(*) FILTER (WHERE c.is_bot) AS bots,
           count(*) FILTER (WHERE c.unique_1h) AS uniq
    FROM clicks c JOIN lk ON c.link_id = lk.id
    WHERE c.workspace_id = $ws
    GROUP BY {grouping}),
nl AS (SELECT {key} AS k, count(*) AS links FROM lk GROUP BY {grouping})
SELECT coalesce(hits.k, nl.k) AS k, hits.human, hits.bots, hits.uniq, nl.links
FROM hits FULL JOIN nl ON hits.k IS NOT DISTINCT FROM nl.k
"""

ORDERS = """
WITH """ + FX + """,
o AS (
    SELECT id, created_at, currency, subtotal, refunded, status, discount_codes, landing_url, click_id,
           CAST((created_at AT TIME ZONE 'UTC') AT TIME ZONE $tz AS DATE) AS day
    FROM orders WHERE workspace_id = $ws AND created_at >= $lo AND created_at < $hi),
tok AS (  -- the order's codes, in the order listed
    SELECT id, unnest(l) AS code, generate_subscripts(l, 1) AS i
    FROM (SELECT id, string_split_regex(regexp_replace(discount_codes, '^\\s+|\\s+$', '', 'g'), '\\s+') AS l
          FROM o WHERE discount_codes IS NOT NULL)),
by_code AS (
    SELECT tok.id, arg_min(cd.creator_id, tok.i) AS creator_id
    FROM tok JOIN codes cd ON cd.workspace_id = $ws AND upper(cd.code) = upper(tok.code)
    WHERE cd.kind = 'affiliate' AND cd.creator_id IS NOT NULL
    GROUP BY tok.id),
by_click AS (
    SELECT o.id, l.creator_id
    FROM o JOIN clicks c ON c.workspace_id = $ws AND c.key = o.click_id
           JOIN links l ON l.workspace_id = $ws AND l.id = c.link_id
    WHERE l.creator_id IS NOT NULL AND c.ts <= o.created_at AND c.ts >= o.created_at - INTERVAL {window} DAY),
q AS (  -- the query of the landing URL (before any fragment)
    SELECT id, '&' || substr(split_part(landing_url, '#', 1), strpos(split_part(landing_url, '#', 1), '?') + 1) AS q
    FROM o WHERE strpos(split_part(landing_url, '#', 1), '?') > 0),
u AS (
    SELECT id,
           nullif(lower(ltrim(regexp_replace(url_decode(replace(
               regexp_extract(q, '&utm_content=([^&]+)', 1), '+', ' ')), '^\\s+|\\s+$', '', 'g'), '@')), '')
               AS content,
           nullif(lower(url_decode(replace(regexp_extract(q, '&utm_source=([^&]+)', 1), '+', ' '))), '') AS source
    FROM q),
by_utm AS (
    SELECT u.id, first(a.creator_id ORDER BY CASE WHEN a.platform = u.source THEN 0 ELSE 1 END, a.creator_id,
                                             a.platform) AS creator_id
    FROM u JOIN creator_accounts a ON a.workspace_id = $ws AND lower(a.handle) = u.content
    GROUP BY u.id),
credited AS (
    SELECT o.*, coalesce(bc.creator_id, bk.creator_id, bu.creator_id) AS creator_id
    FROM o LEFT JOIN by_code bc ON bc.id = o.id LEFT JOIN by_click bk ON bk.id = o.id
         LEFT JOIN by_utm bu ON bu.id = o.id),
counted AS (
    SELECT cr.creator_id, cr.currency, cr.subtotal - coalesce(cr.refunded, 0) AS net, cr.day
    FROM credited cr
    WHERE cr.creator_id IN (SELECT creator_id FROM campaign_creators WHERE campaign_id = $cid)
      AND cr.status NOT IN ('cancelled', 'refunded')),
cx AS (
    SELECT counted.creator_id, counted.net, CASE WHEN counted.currency = $cur THEN 0 ELSE fx.rate END AS rate,
           coalesce(fx.inverse, 0) AS inverse, counted.currency <> $cur AND fx.rate IS NULL AS miss
    FROM counted ASOF LEFT JOIN fx ON fx.other = counted.currency AND counted.day >= fx.date)
SELECT {key} AS k, rate, inverse, sum(net) AS raw, count(*) FILTER (WHERE miss) AS missing, count(*) AS n,
       (SELECT count(*) FROM o) AS seen
FROM cx
GROUP BY GROUPING SETS ({grouping_sets})
"""


# ------------------------------------------------------------------------------------- the values

class ReferenceError_(RuntimeError):
    pass


def _campaign(con, workspace: str, slug: str) -> dict:
    row = con.execute("""
        SELECT c.id, c.workspace_id, c.start_date, c.end_date, c.timezone, c.currency, c.methodology, w.methodology
        FROM campaigns c JOIN workspaces w ON w.id = c.workspace_id WHERE w.slug = $ws AND c.slug = $slug""",
                      {"ws": workspace, "slug": slug}).fetchone()
    if row is None:
        raise ReferenceError_(f"no campaign {slug!r} in workspace {workspace!r}")
    cid, ws, start, end, tz, cur, m1, m2 = row
    for m in (m1, m2):
        if m and json.loads(m):
            raise ReferenceError_(f"{slug}: methodology overrides {m}: the reference implements the defaults only")
    tz = tz or "UTC"
    zone = ZoneInfo(tz)

    def utc(day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(), zone).astimezone(dt.timezone.utc).replace(tzinfo=None)

    creators = dict(con.execute("""SELECT cr.id, cr.key FROM campaign_creators cc JOIN creators cr
                                   ON cr.id = cc.creator_id WHERE cc.campaign_id = $cid""", {"cid": cid}).fetchall())
    return {"id": cid, "ws": ws, "tz": tz, "cur": cur, "creators": creators,
            "lo": utc(start), "hi": utc(end + dt.timedelta(days=1 + WINDOW_DAYS))}


def _exact(n, d) -> Decimal | None:
    if n is None or d is None or d == 0:
        return None
    with localcontext() as ctx:
        ctx.prec = 50
        return Decimal(n) / Decimal(d)


def _ratio(n, d) -> float | None:
    x = _exact(n, d)
    return None if x is None else float(x)


def _money(groups: list[tuple]) -> tuple[Decimal | None, int]:
    """Sum (rate, inverse, raw, missing, n) groups into the campaign currency; (None, n) when a rate is missing."""
    total, n, missing = Decimal(0), 0, 0
    with localcontext() as ctx:
        ctx.prec = 50
        for rate, inverse, raw, miss, count in groups:
            n += count
            missing += miss
            if miss:
                continue
            amount = Decimal(int(raw)) / 10_000
            if rate == 0:
                total += amount
            elif inverse:
                total += amount / (Decimal(int(rate)) / 100_000_000)
            else:
                total += amount * (Decimal(int(rate)) / 100_000_000)
    return (None if missing else total.quantize(Q)), n


def _run(con, sql: str, params: dict) -> list[tuple]:
    """Run SQL with the PARAMS it names (DuckDB refuses unused ones)."""
    return con.execute(sql, {k: v for k, v in params.items() if f"${k}" in sql}).fetchall()


def kpis(con, workspace: str, slug: str, by: str | None = None) -> dict:
    """{"campaign": {kpi: value}, "creators": {creator key: {kpi: value}} (with by="creator")}."""
    if by not in (None, "creator"):
        raise ValueError("by: None or 'creator'")
    camp = _campaign(con, workspace, slug)
    params = {"ws": camp["ws"], "cid": camp["id"], "tz": camp["tz"], "cur": camp["cur"]}
    if by:
        grouping, sets = "GROUPING SETS ((), (creator_id))", "(rate, inverse), (creator_id, rate, inverse)"
        cgrouping = "GROUPING SETS ((), (lk.creator_id))"
    else:
        grouping, sets, cgrouping = "()", "(rate, inverse)", "()"
    # GROUPING() tells the campaign row (all keys rolled up) from a creator's row
    tag = "CASE WHEN grouping(creator_id) = 1 THEN -1 ELSE creator_id END" if by else "-1"
    ctag = "CASE WHEN grouping(lk.creator_id) = 1 THEN -1 ELSE lk.creator_id END" if by else "-1"
    posts = _run(con, POSTS.format(key=tag, grouping=grouping), params)
    costs = _run(con, COSTS.format(key=tag, grouping_sets=sets), params)
    clicks = _run(con, CLICKS.format(key=ctag, grouping=cgrouping), params)
    orders = _run(con, ORDERS.format(key=tag, grouping_sets=sets, window=WINDOW_DAYS),
                  {**params, "lo": camp["lo"], "hi": camp["hi"]})
    seen = orders[0][6] if orders else con.execute(
        "SELECT count(*) FROM orders WHERE workspace_id = $ws AND created_at >= $lo AND created_at < $hi",
        {"ws": camp["ws"], "lo": camp["lo"], "hi": camp["hi"]}).fetchone()[0]

    keys = {-1} | (set(camp["creators"]) if by else set())
    for rows in (posts, costs, clicks, orders):
        keys |= {r[0] for r in rows if r[0] is not None}
    return assemble(camp, by, keys, posts, clicks, costs, orders, seen)


def assemble(camp: dict, by: str | None, keys: set, posts, clicks, costs, orders, seen: int) -> dict:
    """The KPI values of each breakdown key in KEYS (-1: the campaign) from the statements' rows,
    each row led by its key: ``{"campaign": ..., "creators": {name: ...}}``."""
    post_by = {r[0]: r for r in posts}
    click_by = {r[0]: r for r in clicks}
    cost_by: dict = {}
    for r in costs:
        cost_by.setdefault(r[0], []).append(r[1:6])
    order_by: dict = {}
    for r in orders:
        order_by.setdefault(r[0], []).append(r[1:6])
    out: dict = {"campaign": None, "creators": {}}
    for k in keys:
        values = _values(post_by.get(k), click_by.get(k), cost_by.get(k, []), order_by.get(k, []), seen)
        if k == -1:
            out["campaign"] = values
        elif by:
            out["creators"][camp["creators"].get(k, str(k))] = values
    return out


def _values(post, click, cost_groups, order_groups, seen: int) -> dict:
    v: dict = {}
    impressions, reach, engagements, er_num, er_den, _measured = post[1:] if post else (None,) * 6
    v["impressions"], v["reach"], v["engagements"] = impressions, reach, engagements
    v["engagement_rate"] = _ratio(er_num * 100, er_den) if er_num is not None else None
    spend, n_costs = _money(cost_groups)
    spend = spend if n_costs else None

    def cost_per(denom, scale=1):
        if spend is None or not denom:
            return None
        return _exact(spend * scale, denom).quantize(Q)

    v["spend"] = spend
    v["cpm"] = cost_per(impressions, 1000)
    v["cpe"] = cost_per(engagements)
    human, bots, uniq, links = click[1:] if click else (None,) * 4
    has_links = bool(links) or bool((human or 0) + (bots or 0))
    clicks = (human or 0) if has_links else None
    v["clicks"] = clicks
    v["bot_clicks"] = (bots or 0) if has_links else None
    v["unique_clicks"] = (uniq or 0) if has_links else None
    v["ctr"] = _ratio(clicks * 100, impressions) if has_links and impressions else None
    revenue, n_orders = _money(order_groups)
    if not seen:
        revenue = n_orders = None
    v["orders"] = n_orders
    v["revenue"] = revenue
    v["aov"] = _exact(revenue, n_orders).quantize(Q) if revenue is not None and n_orders else None
    v["conversion_rate"] = _ratio(n_orders * 100, clicks) if n_orders is not None and clicks else None
    ok = spend is not None and spend != 0 and revenue is not None
    v["roas"] = _ratio(revenue, spend) if ok else None
    v["roi"] = _ratio((revenue - spend) * 100, spend) if ok else None
    return {k: v[k] for k in KPI_IDS}


# ---------------------------------------------------------------------------------- the check

def influscope_values(engine, workspace: str, slug: str, by: str | None = None) -> dict:
    """The same KPIs from ``influscope.kpis`` in the same shape as :func:`kpis`."""
    import inspect

    import influscope

    kw = {"workspace": workspace, "engine": engine}
    if by:
        kw["by"] = by
    if "refresh_audience" in inspect.signature(influscope.kpis).parameters:
        kw["refresh_audience"] = False
    r = influscope.kpis(slug, **kw)
    out: dict = {"campaign": {k: r.kpis[k]["value"] for k in KPI_IDS}, "creators": {}}
    for row in r.rows if by else ():
        out["creators"][row["key"]["creator"]] = {k: row["kpis"][k]["value"] for k in KPI_IDS}
    return out


def differences(ref: dict, ours: dict) -> list[str]:
    """Every KPI where influscope (OURS) and the reference (REF) disagree: counts and money exactly,
    ratios to 1e-9 relative."""
    out = []
    pairs = [("campaign", ref["campaign"], ours["campaign"])]
    for key in sorted(set(ref["creators"]) | set(ours["creators"])):
        pairs.append((f"creator {key}", ref["creators"].get(key), ours["creators"].get(key)))
    for where, a, b in pairs:
        if a is None or b is None:
            out.append(f"{where}: only in {'influscope' if a is None else 'the reference'}")
            continue
        for k in KPI_IDS:
            x, y = a[k], b[k]
            if x is None or y is None:
                same = x is None and y is None
            elif k in RATIOS:
                same = math.isclose(float(x), float(y), rel_tol=1e-9, abs_tol=0.0)
            else:
                same = Decimal(str(x)) == Decimal(str(y)) and (k in ("spend", "cpm", "cpe", "revenue", "aov") or
                                                                 isinstance(y, int))
            if not same:
                out.append(f"{where}: {k}: reference {x!r}, influscope {y!r}")
    return out


def check(engine, con, workspace: str, slug: str, by: str | None = None) -> int:
    """Raise AssertionError listing every difference; return how many values were compared."""
    ref = kpis(con, workspace, slug, by)
    ours = influscope_values(engine, workspace, slug, by)
    diff = differences(ref, ours)
    if diff:
        raise AssertionError(f"{slug}{' by ' + by if by else ''}: influscope and the DuckDB reference differ:\n  "
                             + "\n  ".join(diff))
    return len(KPI_IDS) * (1 + len(ref["creators"]))


def _plain(x):
    if isinstance(x, Decimal):
        return str(x)
    if isinstance(x, dict):
        return {str(k): _plain(v) for k, v in x.items()}
    return x


def _sqlite_path(url: str) -> str:
    if not url.startswith("sqlite:///"):
        sys.exit("--db: a sqlite:///PATH URL (the reference reads the embedded default store)")
    return url[len("sqlite:///"):]


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("campaign", nargs="?")
    ap.add_argument("--workspace", default="demo")
    ap.add_argument("--db", help="the influscope SQLite store, sqlite:///PATH (copied into DuckDB in memory)")
    ap.add_argument("--duckdb", help="a DuckDB file made with --copy-to (no copy)")
    ap.add_argument("--copy-to", help="copy the store (--db) into this DuckDB file and exit")
    ap.add_argument("--by", choices=("creator",))
    ap.add_argument("--check", action="store_true", help="compare with influscope.kpis on --db; exit 1 on a difference")
    args = ap.parse_args(argv)

    if args.copy_to:
        t0 = time.perf_counter()
        copy_from_sqlite(_sqlite_path(args.db), args.copy_to).close()
        print(f"copied into {args.copy_to} in {time.perf_counter() - t0:.2f} s")
        return
    if not args.campaign:
        ap.error("give a CAMPAIGN")
    if args.duckdb:
        con = duckdb.connect(args.duckdb, read_only=True)
        copy_s = 0.0
    elif args.db:
        t0 = time.perf_counter()
        con = copy_from_sqlite(_sqlite_path(args.db))
        copy_s = time.perf_counter() - t0
    else:
        ap.error("give --db or --duckdb")
    if args.check:
        if not args.db:
            ap.error("--check needs --db (influscope reads it)")
        from influscope.db.engine import get_engine

        try:
            n = check(get_engine(args.db), con, args.workspace, args.campaign, args.by)
        except AssertionError as exc:
            print(exc, file=sys.stderr)
            sys.exit(1)
        print(f"{args.campaign}: {n} values equal (copy {copy_s:.2f} s)")
        return
    result = kpis(con, args.workspace, args.campaign, args.by)
    json.dump(_plain(result), sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
