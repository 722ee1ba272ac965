"""Turning a campaign's facts into every KPI of the catalogue.

Counts are Python ints, money is Decimal (raw ten-thousandths summed as integers, converted at the
end), ratios are computed from those exact inputs, so the result does not depend on the backend
the facts came from. A KPI that cannot be computed is ``None`` with a reason, never 0.
"""

from __future__ import annotations

import bisect
import datetime as dt
import statistics
from dataclasses import dataclass, field, replace
from decimal import Decimal, localcontext
from typing import Any, cast

from influscope.db.types import MONEY_SCALE
from influscope.kpi import methodology
from influscope.kpi.catalogue import KPIS, TERMS
from influscope.kpi.facts import Facts
from influscope.metrics.expr import Operand, Unknown, evaluate

Q = Decimal("0.0001")


@dataclass
class Value:
    value: Any = None  # int | Decimal | float | None
    reason: str | None = None
    estimated: bool = False
    detail: dict | None = None


def _money(raw_sum: int) -> Decimal:
    return Decimal(raw_sum) / MONEY_SCALE


def _q(d: Decimal | None) -> Decimal | None:
    return None if d is None else d.quantize(Q)


def _div(n, d) -> Decimal | None:
    if n is None or d is None or d == 0:
        return None
    with localcontext() as ctx:
        ctx.prec = 50
        return Decimal(n) / Decimal(d)


def _float(d: Decimal | None) -> float | None:
    return None if d is None else float(d)


@dataclass
class Context:
    facts: Facts
    settings: dict
    scope: str = "campaign"  # campaign | creator | post | platform | content_type | day
    today: dt.date | None = None
    emv_table: Any = None
    notes: dict[str, str] = field(default_factory=dict)


class FxMissing(Exception):
    pass


def _rate_day(rate: tuple[dt.date, Decimal, int]) -> dt.date:
    return rate[0]


def rate_on(facts: Facts, currency: str, on: dt.date) -> tuple[Decimal, Any]:
    """The latest CURRENCY rate on or before ON, with whether the campaign currency's amount is the
    amount divided by it (else multiplied); FxMissing when there is none."""
    rates = facts.fx.get(currency, [])
    i = bisect.bisect_right(rates, on, key=_rate_day)  # rates are sorted by day: the last one on or before ON
    if not i:
        raise FxMissing(f"no {currency}->{facts.campaign.currency} exchange rate on or before {on.isoformat()}")
    return rates[i - 1][1], rates[i - 1][2]


def convert_at(raw: int, rate: tuple[Decimal, Any]) -> Decimal:
    """RAW (ten-thousandths) at RATE (:func:`rate_on`), to 50 significant digits."""
    with localcontext() as ctx:
        ctx.prec = 50
        amount = Decimal(raw) / MONEY_SCALE
        return amount / rate[0] if rate[1] else amount * rate[0]


def convert(facts: Facts, raw: int, currency: str, on: dt.date) -> Decimal:
    """RAW (ten-thousandths of CURRENCY) in the campaign currency at the latest rate on or before ON."""
    if currency == facts.campaign.currency:
        return _money(raw)
    return convert_at(raw, rate_on(facts, currency, on))


# ----------------------------------------------------------------------------------------- measures

def _psum(posts: list[dict], metric: str) -> tuple[int | None, int]:
    vals = [p[metric] for p in posts if p.get(metric) is not None]
    return (sum(int(v) for v in vals) if vals else None), len(vals)


def _engagements(post: dict, components: tuple[str, ...]) -> int | None:
    vals: list[Any] = [post.get("link_clicks" if c == "clicks" else c) for c in components]
    vals = [int(v) for v in vals if v is not None]
    return sum(vals) if vals else None


def _denominator(post: dict, settings: dict) -> int | None:
    name = methodology.er_denominator_for(settings, post.get("platform"))
    value = post.get("followers_at_post") if name == "followers" else post.get(name)
    return None if value is None else int(value)


def _spend(ctx: Context) -> tuple[Decimal | None, str | None]:
    f = ctx.facts
    if ctx.scope in ("post", "platform", "content_type"):
        return None, f"costs are recorded per creator, not per {ctx.scope.replace('_', ' ')}"
    if not f.costs:
        return None, "no costs recorded"
    total = Decimal(0)
    try:
        for c in f.costs:
            total += convert(f, int(c["amount"]), c["currency"], c["incurred_on"])
    except FxMissing as exc:
        return None, str(exc)
    return _q(total), None


def _revenue(ctx: Context, orders: list[dict]) -> tuple[Decimal | None, str | None]:
    """Revenue of ORDERS (order buckets: sums per currency and day) in the campaign currency."""
    f = ctx.facts
    gross = ctx.settings["revenue_basis"] == "gross"
    if all(o["currency"] == f.campaign.currency for o in orders):  # no conversion: the exact sum at once
        return _q(_money(sum(int(o["subtotal"]) + (int(o["discounts"]) if gross else -int(o["refunded"]))
                             for o in orders))), None
    total = Decimal(0)
    try:
        for o in orders:
            raw = int(o["subtotal"]) + (int(o["discounts"]) if gross else -int(o["refunded"]))
            total += convert(f, raw, o["currency"], o["day"])
    except FxMissing as exc:
        return None, str(exc)
    return _q(total), None


def counted_orders(ctx: Context) -> list[dict]:
    """The order buckets that count under the revenue basis (gross: all but cancelled)."""
    if ctx.settings["revenue_basis"] == "gross":
        return [o for o in ctx.facts.orders if o["status"] != "cancelled"]
    return [o for o in ctx.facts.orders if o["counted"]]


# ------------------------------------------------------------------------------------------ compute

def compute(ctx: Context) -> dict[str, Value]:
    """Every KPI of the catalogue for the facts in CTX."""
    f, s = ctx.facts, ctx.settings
    out: dict[str, Value] = {}
    posts = f.posts
    measured = [p for p in posts if p["has_metrics"]]

    def put(kid: str, value, reason: str | None = None, **kw) -> None:
        out[kid] = Value(value, None if value is not None else (reason or "not available"), **kw)

    # -- content and reach
    put("posts", len(posts) if posts else None, "no posts recorded")
    active = {p["creator_id"] for p in posts}
    put("creators_active", len(active) if posts else None, "no posts recorded")
    first_post: dict[tuple, dict] = {}
    for p in sorted(posts, key=lambda p: (p["posted_at"] or dt.datetime.max, p["id"])):
        first_post.setdefault((p["creator_id"], p["platform"]), p)
    fol = [p["followers_at_post"] for p in first_post.values() if p["followers_at_post"] is not None]
    put("potential_reach", sum(int(x) for x in fol) if fol else None,
        "no follower counts for the activated accounts" if posts else "no posts recorded")
    no_metrics = "no post metrics recorded" if posts else "no posts recorded"
    sums = {}
    for metric, kid in (("reach", "reach"), ("impressions", "impressions"), ("views", "video_views"),
                        ("likes", "likes"), ("comments", "comments"), ("shares", "shares"), ("saves", "saves"),
                        ("reactions", "reactions")):
        total, n = _psum(measured, metric)
        sums[kid] = total
        put(kid, total, f"no {metric} recorded" if measured else no_metrics)
    both = [p for p in measured if p["impressions"] is not None and p["reach"] is not None]
    ri = sum(int(p["reach"]) for p in both)
    put("frequency", _float(_div(sum(int(p["impressions"]) for p in both), ri)),
        no_metrics if not measured else ("no post reports both impressions and reach" if not both else "reach is 0"))

    comps = s["engagement_components"]
    per_post = [(p, _engagements(p, comps)) for p in measured]
    eng_posts = [(p, e) for p, e in per_post if e is not None]
    engagements = sum(e for _, e in eng_posts) if eng_posts else None
    put("engagements", engagements, f"no {', '.join(comps)} recorded" if measured else no_metrics)
    pairs = [(e, _denominator(p, s)) for p, e in eng_posts]
    pairs = [(e, d) for e, d in pairs if d is not None and d > 0]
    if not measured:
        put("engagement_rate", None, no_metrics)
    elif not pairs:
        put("engagement_rate", None, "no post has both engagements and its denominator "
            f"({s['er_denominator'] if isinstance(s['er_denominator'], str) else 'per platform'})")
    elif s["er_aggregation"] == "ratio_of_sums":
        put("engagement_rate", _float(_div(sum(e for e, _ in pairs) * 100, sum(d for _, d in pairs))))
    else:
        rates = cast(list[Decimal], [_div(e * 100, d) for e, d in pairs])  # d > 0: never None
        agg = (sum(rates, Decimal(0)) / len(rates)) if s["er_aggregation"] == "mean_of_posts" else statistics.median(rates)
        put("engagement_rate", _float(agg))

    # -- money in
    spend, spend_reason = _spend(ctx)
    put("spend", spend, spend_reason)


    # -- clicks
    has_links = bool(f.links) or bool(f.click_buckets)
    human = sum(b["n"] for b in f.click_buckets if not b["is_bot"])
    bots = sum(b["n"] for b in f.click_buckets if b["is_bot"])
    clicks = human + (bots if s["bot_clicks"] == "included" else 0)
    no_links = "no tracking links" if not has_links else None
    put("clicks", clicks if has_links else None, no_links)
    put("unique_clicks", sum(b["unique"] for b in f.click_buckets) if has_links else None, no_links)
    put("bot_clicks", bots if has_links else None, no_links)

    # -- site traffic
    c = f.campaign
    traffic_scope = ctx.scope in ("campaign", "day")
    in_campaign = [r for r in f.traffic if c.start <= r["day"] <= c.end]

    def tsum(rows, key):
        vals = [int(r[key]) for r in rows if r.get(key) is not None]
        return sum(vals) if vals else None

    if not traffic_scope:
        for kid in ("sessions", "new_users", "returning_users", "pageviews", "pages_per_session", "avg_session_duration_s",
                    "bounce_rate", "traffic_lift"):
            put(kid, None, f"site traffic is not split by {ctx.scope.replace('_', ' ')}")
    else:
        no_traffic = "no site traffic recorded for the campaign days"
        sessions = tsum(in_campaign, "sessions")
        put("sessions", sessions, no_traffic)
        put("new_users", tsum(in_campaign, "new_users"), no_traffic)
        out["returning_users"] = _returning_users(in_campaign, no_traffic)
        put("pageviews", tsum(in_campaign, "pageviews"), no_traffic)
        put("pages_per_session", _float(_div(tsum(in_campaign, "pageviews"), tsum(in_campaign, "sessions_p"))),
            no_traffic)
        dur = [r for r in in_campaign if r.get("duration") is not None]
        put("avg_session_duration_s", _float(_div(Decimal(repr(sum(float(r["duration"]) for r in dur))) if dur else None,
                                                  tsum(in_campaign, "sessions_d"))), "no session durations recorded")
        se = tsum(in_campaign, "sessions_e")
        eng = tsum(in_campaign, "engaged")
        put("bounce_rate", _float(_div((se - eng) * 100, se)) if se and eng is not None else None,
            "no engaged sessions recorded")
        if ctx.scope != "campaign":
            put("traffic_lift", None, "lift compares whole periods")
        elif not (c.baseline_start and c.baseline_end):
            put("traffic_lift", None, "no baseline period set")
        else:
            def daily_mean(lo, hi):
                days: dict[dt.date, int] = {}
                for r in f.traffic:
                    if lo <= r["day"] <= hi and r.get("sessions") is not None:
                        days[r["day"]] = days.get(r["day"], 0) + int(r["sessions"])
                return _div(sum(days.values()), len(days)) if days else None
            cm, bm = daily_mean(c.start, c.end), daily_mean(c.baseline_start, c.baseline_end)
            if cm is None or bm is None:
                put("traffic_lift", None, "no sessions recorded in the " + ("campaign" if cm is None else "baseline")
                    + " period")
            elif bm == 0:
                put("traffic_lift", None, "baseline sessions are 0")
            else:
                put("traffic_lift", _float((cm - bm) * 100 / bm))
    handles = {a["handle"] for cr in f.creators.values() for a in cr["accounts"].values()}
    if ctx.scope not in ("campaign", "day", "creator"):
        put("referral_sessions", None, f"site traffic is not split by {ctx.scope.replace('_', ' ')}")
    elif ctx.scope == "creator":  # the partition holds only this creator's referral rows
        put("referral_sessions", tsum(in_campaign, "sessions"), "no sessions with this creator's handle as utm_content")
    elif not in_campaign:
        put("referral_sessions", None, "no site traffic recorded for the campaign days")
    else:
        put("referral_sessions", tsum([r for r in in_campaign if r["content"] in handles], "sessions") or 0)

    # -- leads
    leads = f.leads
    if not f.leads_seen:
        for kid in ("leads", "leads_by_type"):
            put(kid, None, "no leads recorded in the attribution window")
    else:
        by_type: dict[str, int] = {}
        for ld in leads:
            by_type[ld["type"]] = by_type.get(ld["type"], 0) + ld["n"]
        n_leads = sum(by_type.values())
        put("leads", n_leads)
        out["leads_by_type"] = Value(n_leads, detail=dict(sorted(by_type.items())))

    # -- orders
    orders = counted_orders(ctx)
    n_orders = sum(o["n"] for o in orders)
    no_orders = None if f.orders_seen else "no orders recorded in the attribution window"
    revenue, rev_reason = _revenue(ctx, orders) if not no_orders else (None, no_orders)
    put("orders", n_orders if not no_orders else None, no_orders)
    by_rule: dict[str, int] = {}
    for o in orders:
        by_rule[o["rule"]] = by_rule.get(o["rule"], 0) + o["n"]
    if no_orders:
        put("conversions", None, no_orders)
    else:
        code_and_click = sum(o["code_and_click"] for o in orders)
        out["conversions"] = Value(n_orders, detail={**{r: by_rule.get(r, 0) for r in ("code", "click", "utm")},
                                                     "code_and_click": code_and_click})
    put("revenue", revenue, rev_reason)
    if no_orders:
        put("conversion_rate", None, no_orders)
    elif not has_links:
        put("conversion_rate", None, no_links)
    elif clicks == 0:
        put("conversion_rate", None, "no clicks recorded")
    else:
        put("conversion_rate", _float(_div(n_orders * 100, clicks)))
    ref_sessions = out["referral_sessions"].value
    if out["conversion_rate"].value is not None and ref_sessions:
        out["conversion_rate"].detail = {"per_referral_session": _float(_div(n_orders * 100, ref_sessions))}
    codes: dict[str, int] = {}
    for o in orders:
        if o["rule"] == "code":
            codes[o["code"]] = codes.get(o["code"], 0) + o["n"]
    if no_orders:
        put("code_redemptions", None, no_orders)
    else:
        out["code_redemptions"] = Value(sum(codes.values()), detail=dict(sorted(codes.items())))
    reported = [o for o in orders if o["units_n"]]
    put("units", sum(int(o["units"]) for o in reported) if reported else None,
        no_orders or ("no attributed orders" if not orders else "orders do not report units"))
    nc_known = sum(o["new_customer_n"] for o in orders)
    put("new_customer_share",
        _float(_div(sum(int(o["new_customers"] or 0) for o in orders) * 100, nc_known)) if nc_known else None,
        no_orders or ("no attributed orders" if not orders else "orders do not say whether the customer is new"))

    # -- earned media value
    emv, emv_reason, emv_detail = _emv(ctx, measured, sums["impressions"])
    out["emv"] = Value(emv, None if emv is not None else emv_reason, estimated=True, detail=emv_detail)

    # -- brand followers
    _followers(ctx, put)

    # -- audience
    _audience(ctx, put, out)

    # -- metrics declared as expressions over the KPIs above (cost per result, rates, returns)
    derive(ctx, out)

    # sales_forecast and goal_attainment are added by the API (they need the whole campaign and targets)
    return out


def derive(ctx: Context, out: dict[str, Value]) -> None:
    """Evaluate every catalogue metric that its declaration computes from other KPIs, exactly."""
    budget = ctx.facts.campaign.budget
    env: dict[str, Operand] = {k: Operand(v.value, v.reason, v.estimated) for k, v in out.items()}
    env["budget"] = (Operand(None, "the budget is set for the whole campaign") if ctx.scope != "campaign"
                     else Operand(budget if budget else None, "no budget set"))
    for kid, node in _computed_order(ctx.settings):
        try:
            value, estimated = evaluate(node, env, _label)
        except Unknown as exc:
            out[kid] = Value(None, exc.reason, estimated=KPIS[kid].estimated)
        else:
            out[kid] = Value(_q(value) if KPIS[kid].unit == "money" else float(value), estimated=estimated)
        env[kid] = Operand(out[kid].value, out[kid].reason, out[kid].estimated)


def _computed_order(settings: dict) -> list[tuple[str, Any]]:
    """The computed metrics with their expressions, each after the metrics it reads."""
    nodes = {k: d.computed(settings) for k, d in KPIS.items()}
    nodes = {k: n for k, n in nodes.items() if n is not None}
    done: list[tuple[str, Any]] = []
    seen: set[str] = set()

    def visit(k: str) -> None:
        if k in seen:
            return
        seen.add(k)
        for r in sorted(nodes[k].refs()):
            if r in nodes:
                visit(r)
        done.append((k, nodes[k]))

    for k in nodes:
        visit(k)
    return done


def _label(key: str) -> str:
    """How a reason names an input: the KPI's English name in lower case, or the term."""
    if key in KPIS:
        return KPIS[key].name["en"].lower() if not KPIS[key].name["en"].isupper() else KPIS[key].name["en"]
    return TERMS[key]["en"] if key in TERMS else key


def _returning_users(rows: list[dict], no_traffic: str) -> Value:
    """Returning users as the source reports them; where it reports only sessions and new users,
    sessions minus new users (an estimate: a returning user may have several sessions)."""
    reported = [int(r["returning"]) for r in rows if r.get("returning") is not None]
    if reported:
        return Value(sum(reported), detail={"basis": "returning_users"})
    paired = [r for r in rows if r.get("sessions_n") is not None and r.get("new_users") is not None]
    if not paired:
        return Value(None, no_traffic if not rows else "no new-user counts recorded")
    sessions = sum(int(r["sessions_n"]) for r in paired)
    new = sum(int(r["new_users"]) for r in paired)
    return Value(max(sessions - new, 0), estimated=True, detail={"basis": "sessions_minus_new_users"})


def _emv(ctx: Context, measured: list[dict], impressions: int | None):
    s, f = ctx.settings, ctx.facts
    if not measured:
        return None, "no post metrics recorded", None
    if s["emv_model"] == "cpm":
        if impressions is None:
            return None, "no impressions recorded", None
        return _q(Decimal(impressions) * s["emv_cpm"] / 1000), None, {
            "model": "cpm", "cpm": str(s["emv_cpm"]), "currency": f.campaign.currency}
    table = ctx.emv_table
    if table is None:
        return None, ctx.notes.get("emv", "no EMV rate table available"), None
    from influscope.kpi import emv as emv_mod

    total = Decimal(0)
    any_value = False
    skipped: set[str] = set()
    for p in measured:
        counts = {a: p.get("link_clicks" if a == "clicks" else a) for a in emv_mod.ACTIONS
                  if a in ("impressions", "reach", "views", "likes", "comments", "shares", "saves", "reactions",
                           "clicks")}
        try:
            v = emv_mod.value(table, p["platform"], {k: (int(x) if x is not None else None) for k, x in counts.items()})
        except LookupError:
            skipped.add(p["platform"])
            continue
        if v is None:
            continue
        try:
            on = p["day"] or f.campaign.start
            total += v if table.currency == f.campaign.currency else convert(
                f, int((v * MONEY_SCALE).to_integral_value()), table.currency, on)
        except FxMissing as exc:
            return None, str(exc), None
        any_value = True
    detail = {"model": "per_action", "table": table.label(), "source": table.source.get("name") if isinstance(
        table.source, dict) else str(table.source)}
    if skipped:
        detail["platforms_without_rates"] = sorted(skipped)
    if not any_value:
        return None, "no counts the rate table prices", detail
    return _q(total), None, detail


def _followers(ctx: Context, put) -> None:
    f = ctx.facts
    c = f.campaign
    if ctx.scope != "campaign":
        for kid in ("follower_growth", "follower_growth_pct", "follower_lift"):
            put(kid, None, "brand follower growth is measured for the whole campaign")
        return
    if not c.brand_accounts:
        for kid in ("follower_growth", "follower_growth_pct", "follower_lift"):
            put(kid, None, "no brand accounts set")
        return

    def growth(lo: dt.date, hi: dt.date):
        start = end = 0
        n = 0
        for acc in c.brand_accounts:
            on = f.followers.get((acc["platform"], acc["handle"]), {})
            a, b = on.get(lo), on.get(hi)
            if a is not None and b is not None:
                start, end, n = start + a, end + b, n + 1
        return (start, end) if n else None

    g = growth(c.start, c.end)
    if g is None:
        for kid in ("follower_growth", "follower_growth_pct", "follower_lift"):
            put(kid, None, "no brand follower counts on or before the campaign start and end")
        return
    put("follower_growth", g[1] - g[0])
    put("follower_growth_pct", _float(_div((g[1] - g[0]) * 100, g[0])), "brand followers at the start are 0")
    if not (c.baseline_start and c.baseline_end):
        put("follower_lift", None, "no baseline period set")
        return
    b = growth(c.baseline_start, c.baseline_end)
    if b is None:
        put("follower_lift", None, "no brand follower counts for the baseline period")
        return
    cg = _div(g[1] - g[0], max((c.end - c.start).days, 1))
    bg = _div(b[1] - b[0], max((c.baseline_end - c.baseline_start).days, 1))
    if bg is None or bg == 0:
        put("follower_lift", None, "brand followers did not change in the baseline period")
        return
    assert cg is not None  # its divisor is at least 1
    put("follower_lift", _float((cg - bg) * 100 / abs(bg)))


def _audience(ctx: Context, put, out: dict) -> None:
    f = ctx.facts
    note = f.audience_note or "audience analysis (sentiment, mentions, credibility) is not installed"
    # demographics: shares weighted by followers at post time, from each account's latest breakdown
    # on or before the campaign end; the change compares it with the latest on or before the start
    active = {(p["platform"], p["handle"]): p["followers_at_post"] for p in f.posts if p["handle"]}

    def snapshot(on: dt.date) -> dict[tuple, dict[str, Decimal]]:
        out_: dict[tuple, dict[str, Decimal]] = {}
        for r in f.audience:
            if r["on"] == on and (r["platform"], r["handle"]) in active:
                out_.setdefault((r["platform"], r["handle"], r["dimension"]), {})[r["bucket"]] = Decimal(
                    repr(float(r["share"])))
        return out_

    def weighted(snap: dict[tuple, dict[str, Decimal]], keys) -> dict[str, dict[str, float]]:
        sums: dict[str, dict[str, Decimal]] = {}
        weight: dict[str, Decimal] = {}
        for k in sorted(keys):
            w = Decimal(active[k[:2]] or 1)
            weight[k[2]] = weight.get(k[2], Decimal(0)) + w
            for bucket, share in snap[k].items():
                sums.setdefault(k[2], {})[bucket] = sums.get(k[2], {}).get(bucket, Decimal(0)) + w * share
        return {dim: {b: round(float(v / weight[dim]), 6) for b, v in sorted(buckets.items())}
                for dim, buckets in sorted(sums.items())}

    end_snap = snapshot(f.campaign.end)
    if end_snap:
        start_snap = snapshot(f.campaign.start)
        both = set(end_snap) & set(start_snap)
        now, before = weighted(end_snap, both), weighted(start_snap, both)
        change = {dim: {b: round(now[dim].get(b, 0.0) - before[dim].get(b, 0.0), 6)
                        for b in sorted(set(now[dim]) | set(before[dim]))} for dim in now}
        out["audience_demographics"] = Value(len({k[:2] for k in end_snap}), detail={
            "shares": weighted(end_snap, end_snap.keys()), "change_pp": change})
    else:
        put("audience_demographics", None, "no audience data for the activated accounts")

    if f.comment_stats is None:
        for kid in ("sentiment_positive_pct", "sentiment_negative_pct", "net_sentiment", "purchase_intent_pct"):
            put(kid, None, note)
    else:
        ids = {p["id"] for p in f.posts}
        rows = [r for r in f.comment_stats if r["post_id"] in ids]
        n = sum(int(r["classified"]) for r in rows)
        pos = sum(int(r["pos"] or 0) for r in rows)
        neg = sum(int(r["neg"] or 0) for r in rows)
        intent = sum(int(r["intent"] or 0) for r in rows)
        reason = f.audience_note or "no classified comments"
        put("sentiment_positive_pct", _float(_div(pos * 100, n)), reason)
        put("sentiment_negative_pct", _float(_div(neg * 100, n)), reason)
        put("net_sentiment", _float(_div((pos - neg) * 100, n)), reason)
        put("purchase_intent_pct", _float(_div(intent * 100, n)), reason)
        for kid in ("sentiment_positive_pct", "sentiment_negative_pct", "net_sentiment", "purchase_intent_pct"):
            out[kid].estimated = True

    if f.mentions is None or (f.audience_note and not f.mentions):  # analysis did not run: unknown, not 0
        for kid in ("brand_mentions", "hashtag_posts", "share_of_voice"):
            put(kid, None, note)
    else:
        ids = {p["id"] for p in f.posts}
        rows = f.mentions if ctx.scope == "campaign" else [m for m in f.mentions if m["post_id"] in ids]
        b = [m for m in rows if m["kind"] == "brand"]
        n_brand = sum(m["n"] for m in b)
        n_rival = sum(m["n"] for m in rows if m["kind"] == "competitor")
        brand_terms = f.campaign.brand_terms
        put("brand_mentions", n_brand if brand_terms else None, "no brand terms set")
        tagged = {m["post_id"] for m in b if m["post_id"] is not None and m["on_post"] and m["hashtag"]}
        put("hashtag_posts", len(tagged) if any(x.startswith("#") for x in brand_terms) else None,
            "no brand hashtags set")
        if not f.campaign.competitor_terms:
            put("share_of_voice", None, "no competitor terms set")
        else:
            put("share_of_voice", _float(_div(n_brand * 100, n_brand + n_rival)), "no brand or competitor mentions")

    if f.credibility is None:
        put("credibility_score", None, note)
    else:
        creators = {p["creator_id"] for p in f.posts}
        scores = [Decimal(repr(float(r["score"]))) for r in f.credibility
                  if r["creator_id"] in creators and r["score"] is not None]
        put("credibility_score", _float(_div(sum(scores), len(scores))) if scores else None,
            f.audience_note or "no credibility scores for the activated accounts")


# --------------------------------------------------------------------------------------- breakdowns

BREAKDOWNS = ("creator", "post", "platform", "content_type", "day")


def _key(row: dict, by: str, kind: str, facts: Facts):
    if by == "day":
        return row.get("day")
    if kind == "post":
        return {"creator": row["creator_id"], "post": row["id"], "platform": row["platform"],
                "content_type": row["content_type"]}[by]
    if kind == "click":
        link = facts.links.get(row["link_id"], {})
        return {"creator": link.get("creator_id"), "post": link.get("post_id"), "platform": link.get("platform"),
                "content_type": link.get("content_type")}[by]
    if kind in ("order", "lead"):
        return {"creator": row["creator_id"], "post": row["post_id"], "platform": row["platform"],
                "content_type": row["content_type"]}[by]
    if kind == "cost":
        return row["creator_id"] if by == "creator" else None
    if kind == "traffic":
        return None
    raise AssertionError(kind)


def partition(facts: Facts, by: str) -> dict[Any, Facts]:
    """Split FACTS by a breakdown dimension; rows without that dimension belong to no part."""
    if by not in BREAKDOWNS:
        raise ValueError(f"unknown breakdown {by!r} (one of {', '.join(BREAKDOWNS)})")
    parts: dict[Any, dict[str, list]] = {}

    def add(key, attr, row):
        if key is None:
            return
        parts.setdefault(key, {}).setdefault(attr, []).append(row)

    for p in facts.posts:
        add(_key(p, by, "post", facts), "posts", p)
    for b in facts.click_buckets:
        add(_key(b, by, "click", facts), "click_buckets", b)
    for o in facts.orders:
        add(_key(o, by, "order", facts), "orders", o)
    for ld in facts.leads:
        add(_key(ld, by, "lead", facts), "leads", ld)
    for c in facts.costs:
        add(_key(c, by, "cost", facts), "costs", c)
    if by == "day":
        for r in facts.traffic:
            add(r["day"], "traffic", r)
    if by == "creator":
        handles = {a["handle"]: cid for cid, cr in facts.creators.items() for a in cr["accounts"].values()}
        for r in facts.traffic:
            if r["content"] in handles:
                add(handles[r["content"]], "traffic", r)
        for cid in facts.creators:  # every creator of the campaign gets a row, even without activity
            parts.setdefault(cid, {})
    if by == "post":
        for p in facts.posts:
            parts.setdefault(p["id"], {})
    out = {}
    for key, lists in parts.items():
        sub = replace(facts, posts=lists.get("posts", []), click_buckets=lists.get("click_buckets", []),
                      orders=lists.get("orders", []),
                      leads=lists.get("leads", []), costs=lists.get("costs", []), traffic=lists.get("traffic", []),
                      links={k: v for k, v in facts.links.items() if _key({"link_id": k}, by, "click", facts) == key}
                      if by != "day" else facts.links)
        if by == "creator":
            sub.creators = {key: facts.creators[key]} if key in facts.creators else {}
        out[key] = sub
    return out


def label(facts: Facts, by: str, key) -> dict[str, Any]:
    if by == "creator":
        cr = facts.creators.get(key, {})
        return {"creator": cr.get("key", str(key)), "name": cr.get("name")}
    if by == "post":
        post = next((p for p in facts.posts if p["id"] == key), None)
        return {"post": post["key"] if post else str(key), "platform": post["platform"] if post else None}
    if by == "day":
        return {"day": key.isoformat()}
    return {by: key}

