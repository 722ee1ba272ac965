"""Backtest of the creator valuation: value each creator as of a campaign's start, compare with what happened.

Two stores, each a fresh SQLite file:

- ``generated``: a generated history of past campaigns (creators with their own level around their
  tier's rate, reused across campaigns, several posts each), written straight into the tables;
- ``demo``: the demo workspace (``create_demo``); its creators are new in every campaign, so every
  valuation there is the no-history fallback, and the demo adds clicks, orders and revenue per post
  (the KPI engine's per-creator results).

For every campaign in start order, every creator in it is valued from what the store held before the
campaign started (``value_of(..., before=start)``) and every post of the campaign (or, for clicks,
orders and revenue, the creator's per-post average in the campaign) is compared with the stated
80 % interval. Reported per metric: the interval coverage, and the median absolute log error
``|log(1 + expected) - log(1 + actual)|`` of the valuation against the naive estimate (followers x
the median per-follower rate of the same platform and tier, from the same store at the same
moment), side by side in the same run.

- ``generated with sales`` (``--sales``): the same generator with a link, an affiliate code and a fee
  per creator and campaign, link clicks and code orders per post, so clicks, orders and revenue per
  post have a history; and every campaign after the first valued at its start as a BOFU plan
  booking its own creators for the posts they made: the expected revenue from the creators'
  values, from the sales forecast of the earlier campaigns, and combined
  (:mod:`influscope.planning.revenue`), against the campaign's attributed revenue.

Run: python bench/planning/backtest.py [--creators 60] [--campaigns 8] [--demo-scale 0.3] [--sales]
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import random
import statistics
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from statistics import NormalDist

import sqlalchemy as sa

from influscope.db import tables as t
from influscope.db.engine import get_engine
from influscope.planning import creator_value as cv
from influscope.planning import forecast, history

REACH_RATE = {"nano": 0.35, "micro": 0.22, "mid": 0.15, "macro": 0.10, "mega": 0.06}  # reach per follower


def generate(engine, creators: int, campaigns: int, seed: int, sales: bool = False) -> None:
    """A workspace 'past' with CAMPAIGNS monthly campaigns drawing on a pool of CREATORS.

    ``sales``: each creator also gets a tracking link and an affiliate code per campaign, a fee per
    post, link clicks per post (reach x the creator's own click rate) and code orders (clicks x the
    creator's own conversion rate, each order's value around the creator's own basket), so clicks,
    orders and revenue per post have a history too (credited by the KPI engine, as in production).
    """
    from influscope.kpi import benchmarks as bm

    rng = random.Random(seed)
    with engine.begin() as conn:
        ws = conn.execute(t.workspaces.insert().values(slug="past", name="Past").returning(t.workspaces.c.id)).scalar_one()
        pool = []
        for i in range(creators):
            cid = conn.execute(t.creators.insert().values(workspace_id=ws, key=f"c{i:03d}", name=f"Creator {i}")
                               .returning(t.creators.c.id)).scalar_one()
            platform = rng.choice(("instagram", "tiktok"))
            followers = int(min(3_000_000, 2_000 * (1 - rng.random()) ** (-1 / 1.1)))
            conn.execute(t.creator_accounts.insert().values(workspace_id=ws, creator_id=cid, platform=platform,
                                                            handle=f"creator{i}", followers=followers))
            tier = bm.tier(followers).id
            level = math.exp(rng.gauss(0, 0.5))  # this creator's reach relative to the tier
            er = math.exp(rng.gauss(math.log(0.06), 0.4))  # engagements per reached account
            sales_traits = (math.exp(rng.gauss(math.log(0.012), 0.5)),  # clicks per reached account
                            math.exp(rng.gauss(math.log(0.03), 0.4)),  # orders per click
                            math.exp(rng.gauss(math.log(45), 0.3))) if sales else (0.0, 0.0, 0.0)  # basket, USD
            pool.append((cid, platform, followers, tier, level, er, rng.uniform(0.3, 0.6), sales_traits))
        start = dt.date(2025, 1, 6)
        for k in range(campaigns):
            s = start + dt.timedelta(days=35 * k)
            camp = conn.execute(t.campaigns.insert().values(
                workspace_id=ws, slug=f"camp{k}", name=f"Campaign {k}", goal="bofu" if sales else "tofu", start_date=s,
                end_date=s + dt.timedelta(days=27), timezone="UTC", currency="USD", targets={"cpm": 20},
                brand_accounts=[], brand_terms=[], competitor_terms=[], methodology={}).returning(t.campaigns.c.id)).scalar_one()
            chosen = rng.sample(pool, max(3, int(len(pool) * 0.4)))
            for cid, platform, followers, tier, level, er, noise, (ctr, cr, basket) in chosen:
                conn.execute(t.campaign_creators.insert().values(campaign_id=camp, creator_id=cid))
                n_posts = rng.randint(2, 4)
                if sales:
                    link = conn.execute(t.links.insert().values(
                        workspace_id=ws, campaign_id=camp, slug=f"g{k}-{cid}", creator_id=cid, platform=platform,
                        destination_url="https://shop.example/", paid=False).returning(t.links.c.id)).scalar_one()
                    code = f"C{k}X{cid}"
                    conn.execute(t.codes.insert().values(workspace_id=ws, campaign_id=camp, code=code, creator_id=cid,
                                                         kind="affiliate"))
                    fee = Decimal(int(followers * 0.01 * math.exp(rng.gauss(0, 0.3)) * n_posts) + 50)
                    conn.execute(t.costs.insert().values(workspace_id=ws, campaign_id=camp, key=f"fee-{cid}",
                                                         creator_id=cid, kind="fee", amount=fee, currency="USD",
                                                         incurred_on=s))
                for j in range(n_posts):
                    posted = dt.datetime.combine(s, dt.time(12)) + dt.timedelta(days=rng.randint(0, 25), hours=j)
                    pid = conn.execute(t.posts.insert().values(
                        workspace_id=ws, campaign_id=camp, creator_id=cid, key=f"p{k}-{cid}-{j}", platform=platform,
                        content_type="post", posted_at=posted).returning(t.posts.c.id)).scalar_one()
                    reach = followers * REACH_RATE[tier] * level * math.exp(rng.gauss(0, noise))
                    eng = reach * er * math.exp(rng.gauss(0, 0.3))
                    likes = int(eng * 0.9)
                    conn.execute(t.post_metrics.insert().values(
                        post_id=pid, as_of=posted + dt.timedelta(days=7), reach=int(reach),
                        impressions=int(reach * rng.uniform(1.2, 1.8)), likes=likes, comments=int(eng - likes),
                        views=int(reach * rng.uniform(1.5, 3.0)) if platform == "tiktok" else None))
                    if sales:
                        _sales(conn, rng, ws, k, cid, j, link, code, posted, s + dt.timedelta(days=27),
                               reach * ctr * math.exp(rng.gauss(0, 0.4)), cr, basket)


def _sales(conn, rng, ws, k, cid, j, link, code, posted, end, clicks, cr, basket) -> None:
    """One post's link clicks and code orders, within the campaign's days."""
    last = dt.datetime.combine(end, dt.time(23))
    span = max((last - posted).total_seconds(), 3600.0)

    def when():
        return posted + dt.timedelta(seconds=min(rng.expovariate(1 / 86400), span - 1))

    n = int(clicks)
    if n:
        conn.execute(t.clicks.insert(), [
            {"workspace_id": ws, "key": f"k{k}-{cid}-{j}-{i}", "link_id": link, "ts": when(), "is_bot": False,
             "visitor_hash": f"v{rng.getrandbits(40):x}"} for i in range(n)])
    orders = sum(1 for _ in range(n) if rng.random() < cr * math.exp(rng.gauss(0, 0.3)))
    rows = []
    for i in range(orders):
        value = Decimal(str(round(basket * math.exp(rng.gauss(0, 0.3)), 2)))
        rows.append({"workspace_id": ws, "source": "", "key": f"o{k}-{cid}-{j}-{i}", "created_at": when(),
                     "currency": "USD", "subtotal": value, "total": value, "status": "paid", "discount_codes": code})
    if rows:
        conn.execute(t.orders.insert(), rows)


def _hit(low, high, actual) -> bool:
    return low is not None and high is not None and low <= actual <= high


def _err(pred, actual) -> float:
    return abs(math.log1p(max(pred, 0)) - math.log1p(max(actual, 0)))


def backtest(engine, workspace: str, metrics=("reach", "impressions", "views", "engagements", "emv"),
             outcomes: bool = False) -> dict[str, dict]:
    """Per metric: comparisons, coverage, median log error of the valuation and of the naive estimate."""
    stats: dict[str, dict] = {m: {"n": 0, "hits": 0, "err": [], "naive": [], "history": 0, "width": [],
                                  "new_hits": 0} for m in
                              list(metrics) + (list(history.OUTCOMES) if outcomes else [])}
    with engine.connect() as conn:
        ws = conn.execute(sa.select(t.workspaces.c.id).where(t.workspaces.c.slug == workspace)).scalar_one()
        camps = [dict(r) for r in conn.execute(sa.select(t.campaigns).where(t.campaigns.c.workspace_id == ws)
                                              .order_by(t.campaigns.c.start_date)).mappings()]
    for camp in camps:
        before = dt.datetime.combine(camp["start_date"], dt.time())
        ctx = cv.load_context(engine, workspace, before=before, currency=camp["currency"], goal=camp["goal"],
                              outcome_campaigns=6 if outcomes else 0)
        actual_rows = {}
        if outcomes:
            rows, _ = history.campaign_rows(engine, workspace, [camp], project=False)
            actual_rows = {r.creator: r for r in rows}
        followers_of = cv._followers_by_key(engine, ctx)
        with engine.connect() as conn:
            members = conn.execute(sa.select(t.creators.c.id, t.creators.c.key).join(
                t.campaign_creators, t.campaign_creators.c.creator_id == t.creators.c.id)
                .where(t.campaign_creators.c.campaign_id == camp["id"])).all()
            for creator_id, key in members:
                value = cv.value_of(engine, key, workspace=workspace, context=ctx)
                for acc in value.accounts:
                    mine = _campaign_posts(conn, ws, creator_id, acc.platform, camp["id"], ctx)
                    for m in metrics:
                        e = acc.expected[m]
                        if e.value is None:
                            continue
                        prior = cv._post_prior(ctx, acc.platform, acc.tier, m, creator_id, acc.followers)
                        naive = forecast.estimate(acc.followers, [], prior).value
                        scale = ctx.emv_fx if m == "emv" else 1.0
                        for x in mine[m]:
                            x = x * (scale or 1.0)
                            _count(stats[m], e, x)
                            if naive is not None:
                                stats[m]["naive"].append(_err(naive * (scale or 1.0), x))
                if outcomes and key in actual_rows and value.accounts:
                    row = actual_rows[key]
                    for m in history.OUTCOMES:
                        x = cv._per_post(row, m, ctx)
                        if x is None:
                            continue
                        # the creator's outcomes over all accounts: the sum of the accounts' shares
                        accs = value.accounts
                        ests = [a.expected[m] for a in accs]
                        if any(e.value is None for e in ests):
                            continue
                        est = forecast.Estimate(sum(e.value for e in ests), sum(e.low for e in ests),
                                                sum(e.high for e in ests), ests[0].observations, "", "")
                        prior = cv._outcome_prior(ctx, m, key, followers_of)
                        naive = forecast.estimate(followers_of.get(key), [], prior).value
                        s = stats[m]
                        _count(s, est, x)
                        if naive is not None:
                            s["naive"].append(_err(naive, x))
    return stats


def _count(s: dict, e, x: float) -> None:
    hit = _hit(e.low, e.high, x)
    s["n"] += 1
    s["hits"] += hit
    s["err"].append(_err(e.value, x))
    s["history"] += e.observations > 0
    s["new_hits"] += hit and not e.observations
    s["width"].append(math.log1p(e.high) - math.log1p(e.low))


def _campaign_posts(conn, ws, creator_id, platform, campaign_id, ctx) -> dict[str, list[float]]:
    p = t.posts
    m, latest = history._latest_metrics()
    cols = history._metric_columns(m, p, ctx.emv_table.rates)
    q = (sa.select(*[c.label(k) for k, c in cols.items()])
         .select_from(p.join(latest, latest.c.post_id == p.c.id)
                      .join(m, sa.and_(m.c.post_id == latest.c.post_id, m.c.as_of == latest.c.as_of)))
         .where(p.c.workspace_id == ws, p.c.creator_id == creator_id, p.c.platform == platform,
                p.c.campaign_id == campaign_id))
    out: dict[str, list[float]] = {k: [] for k in history.POST_METRICS}
    for row in conn.execute(q).mappings():
        for k in history.POST_METRICS:
            if row[k] is not None:
                out[k].append(float(row[k]))
    return out


def plan_backtest(engine, workspace: str, coverage: float = 0.8) -> list[dict]:
    """Each campaign as a BOFU plan, valued at its start: its creators booked for the posts they made.

    The expected revenue of the booking from the creators' values, from the sales forecast of the
    earlier campaigns (revenue per unit of creator fees x the booking's fees) and the two combined
    (:mod:`influscope.planning.revenue`), against the campaign's attributed revenue. alpha = 1:
    the generated posts bring independent sales (no diminishing returns to model).
    """
    from influscope.planning import revenue
    from influscope.reports import build

    out = []
    with engine.connect() as conn:
        ws = conn.execute(sa.select(t.workspaces.c.id).where(t.workspaces.c.slug == workspace)).scalar_one()
        camps = [dict(r) for r in conn.execute(sa.select(t.campaigns).where(t.campaigns.c.workspace_id == ws)
                                              .order_by(t.campaigns.c.start_date)).mappings()]
    for camp in camps[1:]:
        before = dt.datetime.combine(camp["start_date"], dt.time())
        ctx = cv.load_context(engine, workspace, before=before, currency=camp["currency"], goal="bofu")
        with engine.connect() as conn:
            booked = conn.execute(sa.select(t.creators.c.key, sa.func.count(t.posts.c.id)).join(
                t.posts, t.posts.c.creator_id == t.creators.c.id).where(t.posts.c.campaign_id == camp["id"])
                .group_by(t.creators.c.key)).all()
            fees = conn.execute(sa.select(sa.func.sum(t.costs.c.amount)).where(
                t.costs.c.campaign_id == camp["id"], t.costs.c.kind == "fee")).scalar()
        cands, book = [], {}
        for key, posts in booked:
            v = cv.value_of(engine, key, workspace=workspace, context=ctx, coverage=coverage)
            e = v.accounts[0].expected["revenue"] if v.accounts else None
            cands.append(_Cand(key, e, v.campaigns))
            book[key] = posts
        if any(c.expected["revenue"] is None or c.expected["revenue"].value is None for c in cands):
            continue
        lv = _List(ctx.currency, coverage, cands)
        sp = _Split(book, Decimal(fees or 0))
        creators = revenue.from_creators(lv, sp, 1.0, coverage)
        forecast_ = revenue.from_forecast(engine, workspace, ctx.currency, sp.spent, coverage, camp)
        combined = combine(creators, forecast_, coverage)
        actual = float((build.compute(engine, workspace, camp["slug"], by="creator")["kpis"]["revenue"] or {})
                       .get("value") or 0)
        out.append({"campaign": camp["slug"], "actual": actual, "creators": creators, "forecast": forecast_,
                    "combined": combined, "headline": creators if creators.value is not None else forecast_, "with_history": creators.detail.get("with_history", 0),
                    "booked": len(cands), "references": len(forecast_.detail.get("campaigns", []))})
    return out


def _log_sd(e, coverage: float) -> float | None:
    if e.value is None or e.low is None or e.high is None or min(e.value, e.low, e.high) <= 0:
        return None
    return max(math.log(e.high) - math.log(e.low), 0.0) / (2 * NormalDist().inv_cdf(0.5 + coverage / 2))


def combine(a, b, coverage: float):
    """The alternative measured beside the headline: the two estimates' precision-weighted log-space mean,
    with the spread of the two taken as a mixture with those weights (the shipped headline before)."""
    from influscope.planning.revenue import Estimate

    sa_, sb = _log_sd(a, coverage), _log_sd(b, coverage)
    if not sa_ or not sb:
        one = a if sa_ else b
        return Estimate(one.value, one.low, one.high)
    share = (1 / sa_ ** 2) / (1 / sa_ ** 2 + 1 / sb ** 2)
    ma, mb = math.log(a.value), math.log(b.value)
    mu = share * ma + (1 - share) * mb
    sd = math.sqrt(share * (sa_ ** 2 + (ma - mu) ** 2) + (1 - share) * (sb ** 2 + (mb - mu) ** 2))
    z = NormalDist().inv_cdf(0.5 + coverage / 2)
    return Estimate(math.exp(mu), math.exp(mu - z * sd), math.exp(mu + z * sd))


class _Cand:
    """What :func:`influscope.planning.revenue.from_creators` reads of a candidate."""

    def __init__(self, key, expected, campaigns):
        self.id, self.label, self.fee, self.campaigns = key, key, Decimal(1), campaigns
        self.expected = {"revenue": expected}


class _List:
    def __init__(self, currency, coverage, candidates):
        self.currency, self.coverage, self.candidates, self.goal = currency, coverage, candidates, "bofu"


class _Split:
    def __init__(self, booked, spent):
        self.booked, self.spent = booked, spent


def error_weighted(rows: list[dict]) -> None:
    """The other way to combine: log-space weights from each estimate's error on the campaigns before
    (1 / mean squared log error; from the fourth campaign on, the creators' values alone before)."""
    from influscope.planning.revenue import Estimate

    for i, r in enumerate(rows):
        prev = [q for q in rows[:i] if q["creators"].value and q["forecast"].value and q["actual"] > 0]
        a, b = r["creators"], r["forecast"]
        if len(prev) < 3 or not a.value or not b.value:
            r["error-weighted"] = a if a.value else b
            continue
        ea = statistics.fmean(math.log(q["creators"].value / q["actual"]) ** 2 for q in prev)
        eb = statistics.fmean(math.log(q["forecast"].value / q["actual"]) ** 2 for q in prev)
        w = (1 / ea) / (1 / ea + 1 / eb)
        mu = w * math.log(a.value) + (1 - w) * math.log(b.value)
        sd = math.sqrt(w * ea + (1 - w) * eb)
        z = NormalDist().inv_cdf(0.9)
        r["error-weighted"] = Estimate(math.exp(mu), math.exp(mu - z * sd), math.exp(mu + z * sd))


def plan_report(rows: list[dict]) -> None:
    print(f"\nBOFU plans, each campaign valued at its start ({len(rows)} campaigns)")
    print(f"{'estimate':22} {'80% coverage':>13} {'med |log err|':>14} {'median width x':>15}")
    error_weighted(rows)
    for name in ("creators", "forecast", "combined", "error-weighted", "headline"):
        have = [r for r in rows if r[name].value is not None and r[name].low]
        if not have:
            print(f"{name:22} n/a")
            continue
        hits = sum(_hit(r[name].low, r[name].high, r["actual"]) for r in have)
        err = statistics.median(_err(r[name].value, r["actual"]) for r in have)
        width = statistics.median(r[name].high / r[name].low for r in have)
        print(f"{name:22} {hits / len(have):>12.1%} {err:>14.3f} {width:>15.2f}   ({len(have)} campaigns)")
    for r in rows:
        c = r["combined"]
        print(f"  {r['campaign']:8} actual {r['actual']:>12,.0f}  creators {r['creators'].value:>12,.0f}  "
              f"forecast {r['forecast'].value or 0:>12,.0f}  combined {c.value:>12,.0f} ({c.low:,.0f}-{c.high:,.0f})"
              f"  {r['with_history']}/{r['booked']} with history, {r['references']} reference campaign(s)")


def report(name: str, stats: dict[str, dict]) -> None:
    print(f"\n{name}")
    print(f"{'metric':12} {'compared':>8} {'w/ history':>10} {'80% coverage':>13} {'no-history cov':>15} "
          f"{'width x':>8} {'med |log err|':>14} {'naive':>8} {'ratio':>6}")
    for m, s in stats.items():
        if not s["n"]:
            continue
        err = statistics.median(s["err"])
        naive = statistics.median(s["naive"]) if s["naive"] else float("nan")
        new = s["n"] - s["history"]
        new_cov = f"{s['new_hits'] / new:.1%} of {new}" if new else "-"
        # width: the median of (1 + high) / (1 + low), how many times the low end the high end is
        width = math.exp(statistics.median(s["width"]))
        print(f"{m:12} {s['n']:>8} {s['history']:>10} {s['hits'] / s['n']:>12.1%} {new_cov:>15} {width:>8.1f} "
              f"{err:>14.3f} {naive:>8.3f} {err / naive if naive else float('nan'):>6.2f}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--creators", type=int, default=60)
    ap.add_argument("--campaigns", type=int, default=8)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--demo-scale", type=float, default=0.3)
    ap.add_argument("--sales", action="store_true",
                    help="generated campaigns with links, codes, fees, clicks and orders: clicks, orders and revenue "
                         "per post with history, and each campaign as a BOFU plan (expected revenue)")
    ap.add_argument("--only-sales", action="store_true", help="only the --sales store")
    ap.add_argument("--only-demo", action="store_true", help="only the demo store")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if not args.only_sales and not args.only_demo:
            engine = get_engine(f"sqlite:///{Path(tmp) / 'past.db'}")
            generate(engine, args.creators, args.campaigns, args.seed)
            t0 = time.perf_counter()
            stats = backtest(engine, "past")
            report(f"generated: {args.creators} creators, {args.campaigns} campaigns "
                   f"({time.perf_counter() - t0:.1f} s)", stats)
            engine.dispose()
        if (args.sales or args.only_sales) and not args.only_demo:
            engine = get_engine(f"sqlite:///{Path(tmp) / 'sales.db'}")
            t0 = time.perf_counter()
            generate(engine, args.creators, args.campaigns, args.seed, sales=True)
            print(f"\ngenerated with sales in {time.perf_counter() - t0:.1f} s")
            t0 = time.perf_counter()
            stats = backtest(engine, "past", outcomes=True)
            report(f"generated with sales: {args.creators} creators, {args.campaigns} campaigns "
                   f"({time.perf_counter() - t0:.1f} s)", stats)
            t0 = time.perf_counter()
            plan_report(plan_backtest(engine, "past"))
            print(f"({time.perf_counter() - t0:.1f} s)")
            engine.dispose()
        if args.only_sales:
            return
        if args.demo_scale:
            from influscope.demo import create_demo

            engine = get_engine(f"sqlite:///{Path(tmp) / 'demo.db'}")
            create_demo(engine, scale=args.demo_scale, today=dt.date(2026, 6, 1))
            t0 = time.perf_counter()
            stats = backtest(engine, "demo", outcomes=True)
            report(f"demo, scale {args.demo_scale} (every creator is new: the fallback) "
                   f"({time.perf_counter() - t0:.1f} s)", stats)
            engine.dispose()


if __name__ == "__main__":
    main()
