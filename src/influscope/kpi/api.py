"""The KPI engine's Python API: ``influscope.kpis(campaign, by=None, settings=None)``.

    >>> import influscope
    >>> result = influscope.kpis("spring-launch", by="creator", settings={"er_denominator": "reach"})
    >>> result.to_dict()["kpis"]["roas"]
    {'value': 3.2, 'unit': 'x', 'estimated': False, 'reason': None, 'target': 3.0, ...}
    >>> result.to_frame()          # one row per KPI (or per breakdown key and KPI)

Values: counts are ints, money is Decimal in the campaign currency (``to_dict`` gives numbers),
percentages are in percent units (2.5 means 2.5 %), ratios such as ROAS in times.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any, Mapping, Sequence, cast

import sqlalchemy as sa

from influscope.attribution import credit
from influscope.db import tables as t
from influscope.kpi import methodology
from influscope.kpi.catalogue import KPIS, LANGS, RANK_BY, STAGE_DEFAULTS, ordered_ids
from influscope.kpi.engine import BREAKDOWNS, Context, Value, compute, counted_orders, label, partition
from influscope.kpi.facts import Campaign, Facts, load, load_campaign

SCHEMA_VERSION = 1


@dataclass
class KpiResult:
    campaign: Campaign
    settings: dict
    kpis: dict[str, dict]  # id -> KPI object (JSON-ready except money Decimals)
    rows: list[dict] = field(default_factory=list)
    by: str | None = None
    diagnostics: list[dict] = field(default_factory=list)
    start: dt.date | None = None
    end: dt.date | None = None
    emv_table: dict | None = None

    @property
    def currency(self) -> str:
        return self.campaign.currency

    def value(self, kpi_id: str):
        return self.kpis[kpi_id]["value"]

    def to_dict(self) -> dict[str, Any]:
        c = self.campaign
        return {
            "schema_version": SCHEMA_VERSION,
            "campaign": c.slug,
            "name": c.name,
            "workspace": c.workspace,
            "goal": c.goal,
            "currency": c.currency,
            "period": {"start": (self.start or c.start).isoformat(), "end": (self.end or c.end).isoformat(),
                       "timezone": c.timezone},
            "stage_kpis": STAGE_DEFAULTS.get(c.goal, []),
            "settings": methodology.describe(self.settings),
            "by": self.by,
            "kpis": {k: _jsonable(v) for k, v in self.kpis.items()},
            "rows": [{**{k: v for k, v in r.items() if k != "kpis"}, "kpis": {k: _jsonable(v) for k, v in r["kpis"].items()}}
                     for r in self.rows],
            "diagnostics": self.diagnostics,
            "emv_table": self.emv_table,
        }

    def to_frame(self):
        """One row per KPI (campaign level), or per breakdown key and KPI when ``by`` was given."""
        import pandas as pd

        records = []
        sources = [({}, self.kpis)] if not self.by else [(r["key"], r["kpis"]) for r in self.rows]
        for key, kpis in sources:
            for kid, obj in kpis.items():
                records.append({**({self.by: key.get(self.by)} if self.by else {}), "kpi": kid,
                                "name": KPIS[kid].name["en"], **{k: obj.get(k) for k in (
                                    "value", "unit", "estimated", "reason", "target", "attainment", "benchmark")}})
        return pd.DataFrame.from_records(records)


def _jsonable(obj: dict) -> dict:
    out = dict(obj)
    for k in ("value", "target", "benchmark"):
        if isinstance(out.get(k), Decimal):
            out[k] = float(out[k])
    if out.get("detail") is not None:
        out["detail"] = _plain(out["detail"])
    if out.get("pacing") is not None:
        out["pacing"] = _plain(out["pacing"])
    return out


def _plain(x):
    if isinstance(x, Decimal):
        return float(x)
    if isinstance(x, dict):
        return {str(k): _plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_plain(v) for v in x]
    if isinstance(x, (dt.date, dt.datetime)):
        return x.isoformat()
    return x


def _obj(kid: str, v: Value) -> dict[str, Any]:
    d = KPIS[kid]
    obj = {"value": v.value, "unit": d.unit, "estimated": bool(v.estimated or d.estimated),
           "reason": v.reason if v.value is None else None, "target": None, "attainment": None, "benchmark": None}
    if v.detail is not None:
        obj["detail"] = v.detail
    return obj


def _benchmark(kid: str, platform: str | None = None, followers: int | None = None, currency: str | None = None):
    from influscope.kpi import benchmarks
    try:
        b = benchmarks.for_kpi(kid, platform=platform, followers=followers, currency=currency)
    except (LookupError, ValueError):
        return None
    if b is None:
        return None
    return b


def _decorate(kpis: dict[str, dict], campaign: Campaign, *, platform: str | None = None,
              followers: int | None = None, targets: bool = True, today: dt.date | None = None) -> None:
    """Add targets, attainment, pacing and benchmarks to KPI objects."""
    from influscope.kpi import goals

    today = today or dt.date.today()
    for kid, obj in kpis.items():
        b = _benchmark(kid, platform, followers, campaign.currency)
        if b is not None and b.value is not None:
            obj["benchmark"] = float(b.value)
            src = b.source
            obj["benchmark_source"] = {"name": src.name, "url": src.url, "year": src.year, "scope": b.scope,
                                       "low": b.low, "high": b.high}
        if not targets or kid not in campaign.targets:
            continue
        target = campaign.targets[kid]
        try:
            target_d = Decimal(str(target))
        except Exception:
            continue
        obj["target"] = float(target_d)
        direction = cast(goals.Direction, KPIS[kid].direction)  # the catalogue admits only these
        value = obj["value"]
        if value is not None and direction != "none":
            obj["attainment"] = goals.attainment(value if not isinstance(value, float) else Decimal(repr(value)),
                                                 target_d, direction)
        kind = KPIS[kid].pacing  # cumulative for sums, rate for ratios and projections
        if direction in ("up", "down") and value is not None:
            p = goals.pacing(value if not isinstance(value, float) else Decimal(repr(value)), target_d,
                             campaign.start, campaign.end, today, kind=kind, direction=direction)
            obj["pacing"] = p.to_dict()


def _forecast(facts: Facts, ctx: Context, today: dt.date) -> Value:
    from influscope.kpi import forecast
    from influscope.kpi.engine import FxMissing, _q, _revenue, convert_at, rate_on

    daily: dict[dt.date, Decimal] = {}
    same: dict[dt.date, int] = {}  # buckets in the campaign currency: raw sums, exact without conversion
    gross = ctx.settings["revenue_basis"] == "gross"
    rates: dict[tuple[str, dt.date], tuple[Decimal, Any]] = {}  # each currency's rate of each day, found once
    for o in counted_orders(ctx):
        raw = int(o["subtotal"]) + (int(o["discounts"]) if gross else -int(o["refunded"]))
        if o["currency"] == facts.campaign.currency:
            same[o["day"]] = same.get(o["day"], 0) + raw
            continue
        on = (o["currency"], o["day"])
        rate = rates.get(on)
        if rate is None:
            try:
                rate = rates[on] = rate_on(facts, *on)
            except FxMissing as exc:
                return Value(None, str(exc), estimated=True)
        # what _revenue gives for the bucket alone: converted, added to 0, to the engine's precision
        daily[o["day"]] = daily.get(o["day"], Decimal(0)) + cast(Decimal, _q(Decimal(0) + convert_at(raw, rate)))
    for day, raw in same.items():  # what _revenue gives for them one by one, added up
        exact, _ = _revenue(ctx, [{"subtotal": raw, "discounts": 0, "refunded": 0, "currency": facts.campaign.currency,
                                   "day": day}])
        daily[day] = daily.get(day, Decimal(0)) + (exact or Decimal(0))
    c = facts.campaign
    fc = forecast.sales_forecast(sorted(daily.items()), c.start, c.end, today, horizon_days=30)
    if fc.to_end is None:
        return Value(None, fc.reason or "no forecast", estimated=True)
    return Value(fc.to_end, estimated=True, detail={k: (str(v) if isinstance(v, Decimal) else v)
                                                    for k, v in fc.to_dict().items()})


def _goal_attainment(kpis: dict[str, dict], campaign: Campaign) -> dict:
    rows = {k: {"target": o["target"], "value": o["value"], "attainment": o["attainment"],
                "pacing": o.get("pacing")} for k, o in kpis.items() if o.get("target") is not None}
    vals = [r["attainment"] for r in rows.values() if r["attainment"] is not None]
    obj = {"value": (sum(vals) / len(vals)) if vals else None, "unit": "%", "estimated": False,
           "reason": None if vals else ("no targets set" if not campaign.targets else "no targeted KPI has a value"),
           "target": None, "attainment": None, "benchmark": None, "detail": rows}
    return obj


def _emv_table(settings: dict, on: dt.date):
    if settings["emv_model"] != "per_action":
        return None, None
    from influscope.kpi import emv
    try:
        return emv.load_table(settings["emv_table"], on=on), None
    except (LookupError, ValueError) as exc:
        return None, str(exc)


AUDIENCE_KPIS = ("sentiment_positive_pct", "sentiment_negative_pct", "net_sentiment", "purchase_intent_pct")


def _audience_waiting(engine: sa.Engine, campaign: Campaign) -> int | None:
    """How many of the campaign's comments wait for analysis (reads only; None without the extra)."""
    from influscope.audience.refresh import pending_comments
    try:
        return pending_comments(engine, campaign.workspace_id, campaign.id)
    except (sa.exc.SQLAlchemyError, OSError):  # e.g. no audience tables: the KPIs say what is missing
        return None


def _mark_waiting(objs: dict[str, dict], waiting: int, note: str | None = None) -> None:
    """The audience KPIs say how many comments are still waiting for analysis.

    The comment KPIs keep the value of the comments analysed so far; mentions and credibility,
    which the same job computes, are unknown (not 0) until it has run.
    """
    reason = f"{waiting:,} comments waiting for analysis"
    if note:  # the analysis was asked for and could not run
        reason = f"{note}; {reason}"
    for kid in AUDIENCE_KPIS + ("brand_mentions", "hashtag_posts", "share_of_voice", "credibility_score"):
        obj = objs.get(kid)
        if obj is None:
            continue
        obj["detail"] = {**(obj.get("detail") or {}), "comments_waiting": waiting}
        if kid not in AUDIENCE_KPIS and not obj["value"]:
            obj["value"] = None
        if obj["value"] is None:
            obj["reason"] = reason


def _refresh_audience(engine: sa.Engine, campaign: Campaign) -> str | None:
    from influscope import audience
    refresh = getattr(audience, "refresh", None)
    if refresh is None:
        return "audience analysis (sentiment, mentions, credibility) is not installed"
    try:
        refresh(engine, campaign.workspace_id, campaign.id)
    except Exception as exc:  # the KPIs that need it say why they are empty
        return f"audience analysis failed: {exc}"
    return None


def warm_up(engine: sa.Engine) -> str | None:
    """Prepare this process for its first KPI request by computing, reading only, the KPIs of the
    latest campaign that has started (its leaderboard, as a campaign page asks): the query compilers
    load and each query shape is compiled once (:mod:`influscope.kpi.prepared`), so the first page a
    user opens does not pay for it. Returns the campaign's slug, or None when there is none."""
    from influscope.db import tables as t

    with engine.connect() as conn:
        row = conn.execute(sa.select(t.campaigns.c.slug, t.workspaces.c.slug.label("workspace"))
                           .join(t.workspaces, t.workspaces.c.id == t.campaigns.c.workspace_id)
                           .where(t.campaigns.c.status != "planned")
                           .order_by(t.campaigns.c.start_date.desc(), t.campaigns.c.id.desc()).limit(1)).first()
    if row is None:
        return None
    kpis(row.slug, by="creator", workspace=row.workspace, engine=engine)
    return row.slug


def kpis(campaign_id: str | int, by: str | None = None, settings: Mapping[str, Any] | None = None, *,
         workspace: str | None = None, engine: sa.Engine | None = None, start: dt.date | None = None,
         end: dt.date | None = None, backend=None, today: dt.date | None = None,
         refresh_audience: bool = False, diagnostics: bool = True) -> KpiResult:
    """Compute every KPI of the catalogue for a campaign (slug in WORKSPACE, or id).

    ``by``: None or one of creator, post, platform, content_type, day. ``settings``: methodology
    overrides for this call (validated; see :mod:`influscope.kpi.methodology`). ``engine``: the
    SQLAlchemy engine of the store (default: the configured database). ``backend``: an Ibis backend
    holding the same canonical tables (default: Ibis on ``engine``'s database).

    Reading only: comment analysis runs when comments arrive or as a background job; the comment
    KPIs carry ``detail.comments_waiting`` while some are still waiting. ``refresh_audience=True``
    runs that analysis first (it writes; for scripts, never for a read path). ``diagnostics=False``
    skips the diagnostic rules (``result.diagnostics`` stays empty), for callers that only compare
    values, such as a previous period.
    """
    return kpis_by(campaign_id, [by], settings, workspace=workspace, engine=engine, start=start, end=end,
                   backend=backend, today=today, refresh_audience=refresh_audience, diagnostics=diagnostics)[
        None if by == "campaign" else by]


def kpis_by(campaign_id: str | int, breakdowns: Sequence[str | None], settings: Mapping[str, Any] | None = None, *,
            workspace: str | None = None, engine: sa.Engine | None = None, start: dt.date | None = None,
            end: dt.date | None = None, backend=None, today: dt.date | None = None,
            refresh_audience: bool = False, diagnostics: bool = True) -> dict[str | None, KpiResult]:
    """:func:`kpis` for several breakdowns of the same campaign and period (None for none) from one
    read of the store: ``kpis_by(c, ["creator", "day"])["day"]`` equals ``kpis(c, by="day")``. The
    campaign-level KPIs and the diagnostics are computed once and shared by the results."""
    wanted: list[str | None] = []
    for by in breakdowns:
        if by is not None and by != "campaign" and by not in BREAKDOWNS:
            raise ValueError(f"unknown breakdown {by!r} (one of campaign, {', '.join(BREAKDOWNS)})")
        by = None if by == "campaign" else by
        if by not in wanted:
            wanted.append(by)
    if engine is None:
        from influscope.db.engine import get_engine

        engine = get_engine()
    camp = load_campaign(engine, campaign_id, workspace)
    resolved = methodology.resolve(workspace=camp.workspace_methodology, campaign=camp.methodology, call=settings)
    note = _refresh_audience(engine, camp) if refresh_audience else None
    waiting = _audience_waiting(engine, camp)
    if backend is None:
        from influscope.kpi.backends import connect

        backend = connect(engine)
    facts = load(backend, camp, resolved, start=start, end=end)
    if note:
        facts.audience_note = note
    today = today or dt.date.today()
    with engine.connect() as conn:  # a planned campaign is never paced or forecast as running
        from influscope.planning.campaign_state import kpi_day

        today = kpi_day(conn.execute(sa.select(t.campaigns.c.status).where(t.campaigns.c.id == camp.id)).scalar(),
                        camp.start, today)
    table, table_note = _emv_table(resolved, camp.start)
    ctx = Context(facts, resolved, "campaign", today, table, {"emv": table_note} if table_note else {})

    def objects(c: Context, values: dict[str, Value] | None = None) -> dict[str, dict]:
        values = compute(c) if values is None else values
        return {k: _obj(k, values[k]) for k in ordered_ids(camp.goal) if k in values}

    shared: dict[Any, tuple[Facts, dict[str, Value]]] | None = None

    def per_creator() -> dict[Any, tuple[Facts, dict[str, Value]]]:
        """Each creator's facts and KPI values, computed once for the creator rows and the diagnostics."""
        nonlocal shared
        if shared is None:
            shared = {key: (sub, compute(Context(sub, resolved, "creator", today, table, ctx.notes)))
                      for key, sub in partition(facts, "creator").items()}
        return shared

    top = objects(ctx)
    for kid, obj in top.items():  # the formula as the active settings make it
        obj["formula"] = {lang: KPIS[kid].formula_for(resolved, lang) for lang in LANGS}
    if waiting:
        _mark_waiting(top, waiting, note)
    fc = _forecast(facts, ctx, today)
    top["sales_forecast"] = _obj("sales_forecast", fc)
    _decorate(top, camp, today=today)
    top["goal_attainment"] = _goal_attainment(top, camp)
    top = {k: top[k] for k in ordered_ids(camp.goal)}

    results: dict[str | None, KpiResult] = {}
    for by in wanted:
        rows = _breakdown(facts, by, camp, resolved, ctx, table, today, waiting, note, objects, per_creator) \
            if by else []
        results[by] = KpiResult(camp, resolved, top, rows, by, [], start, end,
                                table.to_dict() if table is not None else None)
    found = _diagnostics(results[wanted[0]], facts, resolved, today, table, per_creator(), backend=backend,
                         engine=engine) \
        if diagnostics and wanted else []
    for result in results.values():
        result.diagnostics = found
    return results


def _breakdown(facts: Facts, by: str, camp: Campaign, resolved: dict, ctx: Context, table, today: dt.date,
               waiting: int | None, note: str | None, objects, per_creator) -> list[dict]:
    """One result row per key of the breakdown BY (ranked), as :func:`kpis` returns them."""
    rows = []
    if by:
        parts = per_creator() if by == "creator" else {key: (sub, None) for key, sub in partition(facts, by).items()}
        for key, (sub, values) in parts.items():
            sub_ctx = Context(sub, resolved, by, today, table, ctx.notes)
            objs = objects(sub_ctx, values)
            objs["sales_forecast"] = _obj("sales_forecast", Value(None, "forecast is made for the whole campaign",
                                                                  estimated=True))
            objs["goal_attainment"] = _obj("goal_attainment", Value(None, "targets are set for the whole campaign"))
            platform, followers, bench_followers = None, None, None
            if by == "platform":
                platform = key
            if by in ("creator", "post"):
                platform, bench_followers, followers = _platform_followers(sub)
            _decorate(objs, camp, platform=platform, followers=bench_followers, targets=False, today=today)
            if waiting:
                _mark_waiting(objs, waiting, note)
            row: dict[str, Any] = {"key": label(facts, by, key), "kpis": {k: objs[k] for k in ordered_ids(camp.goal)}}
            if by in ("creator", "post") and followers is not None:
                row["tier"] = methodology.tier(followers, resolved["tiers"])
            rows.append(row)
        rows = _rank(rows, by, camp.goal)
    return rows


def _platform_followers(facts: Facts) -> tuple[str | None, int | None, int | None]:
    """A creator's (or post's) platform, its followers on that platform and its largest following.

    The platform is the only one its posts are on (None when they span several: their engagement
    rate then mixes platforms and is compared with no single platform's band); the followers on
    the platform are the largest count at posting time there (None without a platform, so that a
    benchmark never pairs one platform with another platform's following); the largest following
    over every platform gives the tier.
    """
    platforms = sorted({p["platform"] for p in facts.posts})
    fol = [p["followers_at_post"] for p in facts.posts if p["followers_at_post"] is not None]
    platform = platforms[0] if len(platforms) == 1 else None
    return platform, (max(fol) if fol and platform else None), (max(fol) if fol else None)


def _rank(rows: list[dict], by: str, goal: str) -> list[dict]:
    if by == "day":
        return sorted(rows, key=lambda r: r["key"]["day"])
    metric = RANK_BY.get(goal, "engagements")

    def sort_key(r):
        v = r["kpis"][metric]["value"]
        return (v is None, -(float(v)) if v is not None else 0, str(r["key"]))

    rows = sorted(rows, key=sort_key)
    for i, r in enumerate(rows, 1):
        r["rank"] = i
        r["rank_by"] = metric
    return rows


def _previous(facts: Facts, settings: dict, today: dt.date, table, backend) -> dict[str, float | None] | None:
    """The campaign-level KPIs over the campaign's baseline period (None when it has none).

    The facts are loaded as for a campaign running over the baseline days (clicks on the
    campaign's links, orders and leads credited in those days, site traffic, posts), so that
    each KPI has the same definition in both periods.
    """
    c = facts.campaign
    if backend is None or not (c.baseline_start and c.baseline_end) or c.baseline_end < c.baseline_start:
        return None
    if not any(c.baseline_start <= d <= c.baseline_end for d in facts.click_days):
        return None  # no tracked click in the baseline days: no conversion rate to compare with
    base = replace(c, start=c.baseline_start, end=c.baseline_end, baseline_start=None, baseline_end=None)
    base_facts = load(backend, base, settings, start=c.baseline_start, end=c.baseline_end)
    values = compute(Context(base_facts, settings, "campaign", today, table))
    return {k: (float(v.value) if v.value is not None else None) for k, v in values.items()}


def _code_leaks(engine: sa.Engine | None, c: Campaign, subjects: dict[str, str]) -> list[dict]:
    """Promo-code leak findings (codes redeemed without the creator's clicks, bursts, coupon
    sites) as diagnostics; the subject is the creator's row key, as for the per-creator rules."""
    if engine is None:
        return []
    from influscope.ingest.commerce import codes
    out = []
    for d in codes.leak_diagnostics(engine, c.slug, workspace=c.workspace):
        item = _plain(d.to_dict())
        if item.get("subject") is not None:
            item["subject"] = subjects.get(item["subject"], item["subject"])
        out.append(item)
    return out


def _diagnostics(result: KpiResult, facts: Facts, settings: dict, today: dt.date, table,
                 creators: dict[Any, tuple[Facts, dict[str, Value]]], *, backend=None,
                 engine: sa.Engine | None = None) -> list[dict]:
    """Run the diagnostic rules on the campaign's KPIs and on each creator's, and add the
    promo-code leak findings."""
    from influscope.kpi import diagnostics
    c = result.campaign

    def plain(kpis: dict) -> dict:
        return {k: (float(o["value"]) if o["value"] is not None else None) for k, o in kpis.items()}

    posts_by_platform: dict[str, int] = {}
    for p in facts.posts:
        posts_by_platform[p["platform"]] = posts_by_platform.get(p["platform"], 0) + 1
    platform = max(sorted(posts_by_platform), key=lambda k: posts_by_platform[k]) if posts_by_platform else None
    rows = []
    subjects: dict[str, str] = {}
    for key, (sub, values) in creators.items():
        row_platform, row_followers, _ = _platform_followers(sub)
        row: dict[str, Any] = {"key": label(facts, "creator", key), "label": facts.creators.get(key, {}).get("key"),
               "platform": row_platform, "followers": row_followers,
               "kpis": {k: (float(v.value) if v.value is not None else None) for k, v in values.items()}}
        rows.append(row)
        if row["label"] is not None:
            subjects[row["label"]] = diagnostics._row_key(row)
    try:
        current = plain(result.kpis)
        # The baseline's KPIs serve the traffic-versus-conversion rule, which needs the
        # conversion rate and the traffic lift or sessions: without them, skip the extra load.
        wanted = current.get("conversion_rate") is not None and (
            current.get("traffic_lift") is not None or current.get("sessions") is not None)
        previous = _previous(facts, settings, today, table, backend) if wanted else None
        context = {"goal": c.goal, "platform": platform, "targets": c.targets, "budget": c.budget,
                   "start": c.start, "end": c.end, "today": today, "rows": rows, "previous": previous}
        found = [_plain(d.to_dict()) for d in diagnostics.diagnose(current, context)]
    except Exception as exc:  # a broken rule must not hide the KPIs
        found = [{"id": "diagnostics_error", "severity": "info", "message": {"en": str(exc)}, "figures": {}}]
    try:
        found += _code_leaks(engine, c, subjects)
    except Exception as exc:  # nor hide the other diagnostics
        found.append({"id": "diagnostics_error", "severity": "info", "message": {"en": f"code leak check: {exc}"},
                      "figures": {}})
    order = {"critical": 0, "warning": 1, "info": 2}
    return sorted(found, key=lambda d: order.get(d.get("severity"), 3))


def credited_orders(campaign_id: str | int, settings: Mapping[str, Any] | None = None, *, workspace: str | None = None,
                    engine: sa.Engine | None = None):
    """The campaign's credited orders as a DataFrame, with the ``rule`` that credited each and its
    revenue (net by default) in campaign currency; ``counted`` says whether it counts in the KPIs."""
    import pandas as pd

    from influscope.kpi.backends import connect
    from influscope.kpi.engine import _revenue

    if engine is None:
        from influscope.db.engine import get_engine

        engine = get_engine()
    camp = load_campaign(engine, campaign_id, workspace)
    resolved = methodology.resolve(workspace=camp.workspace_methodology, campaign=camp.methodology, call=settings)
    con = connect(engine)
    facts = load(con, camp, resolved)
    ctx = Context(facts, resolved)
    records = []
    for o in credit.credited_orders(con, camp.workspace_id, *camp.credit_span(resolved), resolved):
        if o["creator_id"] not in facts.creators:
            continue
        money = {"subtotal": o["subtotal"], "discounts": o["discounts"] or 0, "refunded": o["refunded"] or 0,
                 "currency": o["currency"], "day": camp.day(o["created_at"])}
        rev, _ = _revenue(ctx, [money])
        records.append({"order_id": o["key"], "source": o["source"], "created_at": o["created_at"],
                        "status": o["status"], "creator": facts.creators[o["creator_id"]]["key"], "rule": o["rule"],
                        "code": o["code"], "click_id": o["credit_click"], "platform": o["platform"],
                        "counted": o["counted"], "revenue": rev if o["counted"] else Decimal(0)})
    return pd.DataFrame.from_records(records, columns=[
        "order_id", "source", "created_at", "status", "creator", "rule", "code", "click_id", "platform", "counted",
        "revenue"])
