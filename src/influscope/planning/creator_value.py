"""A stored creator's value before signing, from their own history in the store.

    value_of(engine, "mei-eats", workspace="acme", campaign="autumn", deliverables=2) -> CreatorValue

For every account of the creator (see docs/planning.md for the formulas):

- **expected results per deliverable** with an interval (default 80 %): reach, impressions,
  views, engagements and EMV from the account's latest posts (:mod:`influscope.planning.forecast`:
  the creator's own posts weighed against the peers of the same platform and tier in the
  workspace); clicks, orders and revenue per post from the creator's past campaigns (the KPI
  engine's per-creator results), weighed against the other creators of those campaigns. Every
  figure says how many posts or campaigns it rests on. A creator without history gets
  followers x the peers' median rate, and says so.
- **what they actually cost per result** in past campaigns: CPM, CPE, CPC, CPA and ROAS from the
  summed spend, impressions, engagements, clicks, orders and revenue (converted to the currency).
- **the tier's benchmarks** (published CPM band, ER band, CTR baseline, ROAS band).
- **a fair fee range** for ``deliverables`` posts: each target cost per result (the planned
  campaign's targets, else the latest targets of the workspace's campaigns in that currency)
  times the expected results: ``target CPM x impressions / 1000``, ``target CPE x engagements``,
  ``target CPC x clicks``, ``target CPA x orders``. The goal's basis (TOFU CPM, MOFU CPC/CPE,
  BOFU CPA) sets the range, from the interval's low to its high end; without targets the tier's
  published CPM band is used.
- **credibility** (the audience checks' score and reasons); below the audit threshold (75) the
  fee range is multiplied by ``score / 100``.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal

import sqlalchemy as sa

from influscope.db import slugs
from influscope.db import tables as t
from influscope.kpi import benchmarks as bm
from influscope.kpi import emv as emv_mod
from influscope.planning import forecast, history
from influscope.planning.notes import N_, Benchmark, Note, Num, Range, metric_word, note

__all__ = ["GOAL_BASIS", "AccountValue", "Context", "CreatorValue", "load_context", "resolve_creator", "value_of"]

# The tiers (ids of the benchmarks) as a note names them.
TIER_WORDS = {"nano": N_("nano"), "micro": N_("micro"), "mid": N_("mid"), "macro": N_("macro"), "mega": N_("mega")}

GOAL_BASIS = {"tofu": ("cpm", "cpe"), "mofu": ("cpc", "cpe", "cpm"), "bofu": ("cpa", "cpc", "cpm")}
BASIS_METRIC = {"cpm": ("impressions", 1000.0), "cpe": ("engagements", 1.0), "cpc": ("clicks", 1.0),
                "cpa": ("orders", 1.0)}
AUDIT_THRESHOLD = 75.0
EXPECTED = ("reach", "impressions", "views", "engagements", "clicks", "orders", "revenue", "emv")
_CENT = Decimal("0.01")


def _money(x: float | None) -> Decimal | None:
    return None if x is None or not math.isfinite(x) else Decimal(repr(x)).quantize(_CENT, rounding=ROUND_HALF_EVEN)


def _plain(x):
    """JSON-ready: money Decimals as strings, containers walked."""
    if isinstance(x, Decimal):
        return str(x)
    if isinstance(x, dict):
        return {k: _plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_plain(v) for v in x]
    return x


@dataclass
class AccountValue:
    platform: str
    handle: str
    followers: int | None
    tier: str | None
    posts_used: int
    campaigns_used: int
    expected: dict[str, forecast.Estimate]
    actual: dict[str, float | None]
    benchmarks: dict[str, dict]
    fee: dict
    credibility: dict | None
    from_history: bool
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"platform": self.platform, "handle": self.handle, "followers": self.followers, "tier": self.tier,
                "posts_used": self.posts_used, "campaigns_used": self.campaigns_used,
                "from_history": self.from_history,
                "expected_per_deliverable": {k: v.to_dict() for k, v in self.expected.items()},
                "actual_cost_per_result": self.actual, "benchmarks": self.benchmarks,
                "fee": _plain(self.fee),
                "credibility": self.credibility, "notes": list(self.notes), "estimate": True}


@dataclass
class CreatorValue:
    creator: str
    name: str | None
    currency: str
    deliverables: int
    coverage: float
    goal: str
    campaign: str | None
    accounts: list[AccountValue]
    campaigns: list[str]
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"creator": self.creator, "name": self.name, "currency": self.currency,
                "deliverables": self.deliverables, "coverage": self.coverage, "goal": self.goal,
                "campaign": self.campaign, "campaigns": list(self.campaigns),
                "accounts": [a.to_dict() for a in self.accounts], "notes": list(self.notes)}


def resolve_creator(conn, workspace_id: int, ref: str) -> dict:
    """A creator by key, by an account handle (with or without '@') or by numeric id."""
    c = t.creators
    row = conn.execute(sa.select(c).where(c.c.workspace_id == workspace_id, c.c.key == ref)).mappings().first()
    if row is None:
        handle = ref.lstrip("@").lower()
        cid = conn.execute(sa.select(t.creator_accounts.c.creator_id).where(
            t.creator_accounts.c.workspace_id == workspace_id, t.creator_accounts.c.handle == handle)).scalar()
        if cid is None and ref.isdigit():
            cid = int(ref)
        if cid is not None:
            row = conn.execute(sa.select(c).where(c.c.workspace_id == workspace_id, c.c.id == cid)).mappings().first()
    if row is None:
        raise LookupError(f"no creator {ref!r} (key, handle or id) in this workspace")
    return dict(row)


@dataclass
class Context:
    """What every valuation in one workspace shares: peers, past campaign results, targets."""

    workspace: str
    workspace_id: int
    currency: str
    goal: str
    campaign: str | None
    campaign_id: int | None
    targets: dict[str, float]
    target_source: str
    emv_table: emv_mod.EmvTable
    emv_fx: float | None
    peers: list[history.PeerAccount]
    rows: list[history.CampaignRow]
    campaigns: list[dict]
    fx: dict[str, float | None]
    before: dt.datetime | None
    preset: str
    notes: list[str] = field(default_factory=list)

    def to_currency(self, amount: float | None, currency: str) -> float | None:
        rate = self.fx.get(currency)
        return None if amount is None or rate is None else amount * rate


def load_context(engine, workspace: str, *, campaign: str | None = None, currency: str | None = None,
                 goal: str | None = None, before: dt.datetime | None = None, emv_table="default",
                 preset: str = "default", outcome_campaigns: int = 6) -> Context:
    """Load the shared inputs. ``before``: only posts and campaigns that started before it."""
    with engine.connect() as conn:
        ws = slugs.workspace_id(conn, workspace)
        if ws is None:
            raise LookupError(f"no workspace {workspace!r}")
        camp = None
        if campaign is not None:
            camp = slugs.campaign(conn, ws, campaign)
            if camp is None:
                raise LookupError(f"no campaign {campaign!r} in workspace {workspace!r}")
        q = sa.select(t.campaigns).where(t.campaigns.c.workspace_id == ws).order_by(t.campaigns.c.start_date.desc())
        if before is not None:
            q = q.where(t.campaigns.c.start_date < before.date())
        past = [dict(r) for r in conn.execute(q).mappings() if camp is None or r["id"] != camp["id"]]
        cur = (currency or (camp["currency"] if camp else None) or (past[0]["currency"] if past else "USD")).upper()
        goal = goal or (camp["goal"] if camp else None) or "tofu"
        targets, source = {}, "none"
        for c in ([dict(camp)] if camp else []) + past:
            if c["currency"] != cur:
                continue
            found = {k: float(v) for k, v in (c["targets"] or {}).items() if k in BASIS_METRIC and v is not None}
            for k, v in found.items():
                targets.setdefault(k, v)
            if found and source == "none":
                source = note(N_("targets of campaign %(campaign)s"), campaign=c["slug"])
        table = emv_table if isinstance(emv_table, emv_mod.EmvTable) else emv_mod.load_table(emv_table)
        currencies = {c["currency"] for c in past} | {table.currency, "USD", cur}
        fx = {c: history.fx_rate(conn, ws, c, cur) for c in currencies}
        peers = history.peer_accounts(conn, ws, before=before, emv_rates=table.rates,
                                      exclude_campaign=camp["id"] if camp else None)
    ctx_rows, errors = history.campaign_rows(engine, workspace, past[:outcome_campaigns]) if outcome_campaigns else ([], [])
    notes = [note(N_("campaign not computed: %(error)s"), error=e) for e in errors]
    for slug, factor in sorted({(r.campaign, r.revenue_factor) for r in ctx_rows if r.revenue_factor}):
        notes.append(note(N_("%(campaign)s is still running: its creators' revenue is projected to its end by its "
                             "sales forecast (x %(factor)s)"), campaign=slug, factor=Num(factor, ".2f")))
    if fx.get(table.currency) is None:
        notes.append(note(N_("EMV is in %(emv_currency)s: import an exchange rate to %(currency)s to see it in "
                             "%(currency)s"), emv_currency=table.currency, currency=cur))
    return Context(workspace, ws, cur, goal, campaign, camp["id"] if camp else None, targets, source, table, fx.get(table.currency), peers,
                   ctx_rows, past, fx, before, preset, notes)


def _tier(followers: int | None, preset: str) -> str | None:
    if not followers:
        return None
    try:
        return bm.tier(followers, preset).id
    except ValueError:
        return None


def _post_prior(ctx: Context, platform: str, tier: str | None, metric: str, exclude: int,
                followers: int | None = None) -> forecast.Prior:
    """Peers of the same platform and tier (else the platform, else every account) reporting METRIC.

    With no peer at all, engagements fall back to the published engagement-rate band of the
    platform and follower count (its midpoint; the between-creator spread a default).
    """
    def rows(match, platforms: dict | None = None):
        out = []
        for a in ctx.peers:
            if a.creator_id == exclude or not a.followers or not match(a):
                continue
            n, s, q = a.sums[metric]
            if n == 0:
                continue
            lm, ls = forecast.log_stats(s / n, q / n, n)
            out.append((float(a.followers), n, lm, ls))
            if platforms is not None:
                platforms.setdefault(a.platform, []).append(lm - math.log(a.followers))
        return out

    for match, scope in (
            (lambda a: a.platform == platform and _tier(a.followers, ctx.preset) == tier,
             note(N_("%(platform)s %(tier)s accounts in this workspace"), platform=platform,
                  tier=note(TIER_WORDS[tier]) if tier in TIER_WORDS else tier)),
            (lambda a: a.platform == platform, note(N_("%(platform)s accounts in this workspace"), platform=platform))):
        found = rows(match)
        if len(found) >= 3:
            return forecast.prior_from_accounts(found, scope)
    by_platform: dict[str, list[float]] = {}
    found = rows(lambda a: True, by_platform)
    if len(found) >= 3:
        return _across_platforms(forecast.prior_from_accounts(found, note(N_("accounts in this workspace"))), by_platform,
                                 platform)
    if not found and metric == "engagements" and followers:
        band = bm.er_band(platform, followers) or bm.for_kpi("engagement_rate", platform)
        if band is not None and band.value:
            return forecast.Prior(math.log(band.value / 100), forecast.DEFAULT_TAU, forecast.DEFAULT_SIGMA, 0,
                                  note(N_("published engagement rate %(rate)s %% (%(scope)s; %(source)s)"),
                                       rate=Num(band.value, "g"), scope=Benchmark(band.scope),
                                       source=Benchmark(band.source.cite())))
    return forecast.prior_from_accounts(found, note(N_("accounts in this workspace")))


def _across_platforms(prior: forecast.Prior, by_platform: dict[str, list[float]], platform: str) -> forecast.Prior:
    """A prior from other platforms' accounts: their rates differ by platform, so that spread is added.

    ``tau^2 + s^2``, with ``s`` the deviation between the platforms' median log rates (platforms with
    two or more accounts), or ``DEFAULT_TAU`` when fewer than two platforms say so. Without it a
    prospect on X or Facebook valued from Instagram peers gets an interval as narrow as theirs.
    """
    import statistics

    medians = [statistics.median(v) for v in by_platform.values() if len(v) >= 2]
    spread = statistics.pstdev(medians) if len(medians) >= 2 else forecast.DEFAULT_TAU
    spread = max(spread, forecast.DEFAULT_TAU / 2)
    tau = math.sqrt(prior.tau ** 2 + spread ** 2)
    return forecast.Prior(prior.log_rate, tau, prior.sigma, prior.accounts,
                          note(N_("%(scope)s (no %(platform)s peers: the spread between platforms is added)"),
                               scope=prior.scope, platform=platform))


def _per_post(row: history.CampaignRow, metric: str, ctx: Context) -> float | None:
    v, posts = row.values.get(metric), row.values.get("posts")
    if v is None or not posts:
        return None
    if metric == "revenue":
        v = ctx.to_currency(v, row.currency)
        if v is None:
            return None
    return v / posts


def _outcome_prior(ctx: Context, metric: str, exclude: str, followers_of: dict[str, int]) -> forecast.Prior:
    """Clicks, orders or revenue per post of the recent campaigns' creators, as a prior with its calibration.

    Campaigns of the plan's goal (TOFU, MOFU, BOFU) when they hold 3 or more creators reporting the
    metric, else the campaigns of every goal. Revenue in other currencies is converted with the
    workspace's exchange rates (through USD when no direct rate is stored). The no-history interval
    is calibrated by leaving each campaign out in turn (:func:`influscope.planning.forecast.calibrate`);
    with a single campaign of another goal an assumed spread between campaigns is added.
    """
    goal_of = {c["slug"]: c.get("goal") for c in ctx.campaigns}
    values: dict[tuple[str, str], list[float]] = {}
    for r in ctx.rows:
        if r.creator == exclude or not followers_of.get(r.creator):
            continue
        v = _per_post(r, metric, ctx)
        if v is not None:
            values.setdefault((r.campaign, r.creator), []).append(v)
    same = {k: v for k, v in values.items() if goal_of.get(k[0]) == ctx.goal}
    if len({c for _, c in same}) >= 3:
        chosen, scope = same, note(N_("creators of the recent %(goal)s campaigns"), goal=ctx.goal.upper())
    else:
        chosen = values
        scope = (note(N_("creators of the recent campaigns (no %(goal)s campaign yet: every goal)"),
                      goal=ctx.goal.upper()) if values else note(N_("creators of the recent campaigns")))
    by_creator: dict[str, list[float]] = {}
    per_campaign = []
    for (camp, key), vals in chosen.items():
        by_creator.setdefault(key, []).extend(vals)
        f = float(followers_of[key])
        mean = sum(vals) / len(vals)
        per_campaign.append((camp, f, 1, math.log(mean + 1), None))
    found = []
    for key, vals in by_creator.items():
        n = len(vals)
        mean = sum(vals) / n
        lm, ls = forecast.log_stats(mean, sum(v * v for v in vals) / n, n)
        found.append((float(followers_of[key]), n, lm, ls))
    prior = forecast.prior_from_accounts(found, scope)
    other_stage = any(goal_of.get(c) != ctx.goal for c, _ in chosen)
    calibration = forecast.calibrate(per_campaign, scope,
                                     assumed_between=forecast.STAGE_SPREAD if other_stage else 0.0)
    return forecast.with_calibration(prior, calibration)


def _followers_by_key(engine, ctx: Context) -> dict[str, int]:
    with engine.connect() as conn:
        q = (sa.select(t.creators.c.key, sa.func.sum(t.creator_accounts.c.followers))
             .join(t.creator_accounts, t.creator_accounts.c.creator_id == t.creators.c.id)
             .where(t.creators.c.workspace_id == ctx.workspace_id).group_by(t.creators.c.key))
        return {k: int(f) for k, f in conn.execute(q) if f}


def _benchmarks(platform: str, followers: int | None, preset: str) -> dict[str, dict]:
    out: dict[str, dict] = {}
    cpm = bm.for_kpi("cpm", platform, followers, preset=preset, currency="USD") if followers else None
    if cpm is not None:
        out["cpm"] = cpm.to_dict()
    er = bm.er_band(platform, followers) if followers else None
    if er is not None:
        out["engagement_rate"] = er.to_dict()
    out["ctr"] = bm.ctr_baseline(platform).to_dict()
    roas = bm.for_kpi("roas")
    if roas is not None:
        out["roas"] = roas.to_dict()
    return out


def _actual(rows: list[history.CampaignRow], ctx: Context) -> dict[str, float | None]:
    tot = {k: 0.0 for k in ("spend", "impressions", "engagements", "clicks", "orders", "revenue")}
    have = {k: False for k in tot}
    for r in rows:
        rate = ctx.fx.get(r.currency)
        if not r.values.get("spend") or rate is None:
            continue  # a campaign without costs (or in a currency without a rate) says nothing about cost
        for k in tot:
            v = r.values.get(k)
            if v is None:
                continue
            if k in ("spend", "revenue"):
                if rate is None:
                    continue
                v *= rate
            tot[k] += v
            have[k] = True

    spend = tot["spend"] if have["spend"] and tot["spend"] > 0 else None
    out: dict[str, float | None] = {"spend": spend}
    for kid, metric, scale in (("cpm", "impressions", 1000.0), ("cpe", "engagements", 1.0), ("cpc", "clicks", 1.0),
                               ("cpa", "orders", 1.0)):
        out[kid] = spend / tot[metric] * scale if spend and have[metric] and tot[metric] > 0 else None
    out["roas"] = tot["revenue"] / spend if spend and have["revenue"] else None
    return out


def _credibility(conn, account_id: int) -> dict | None:
    from influscope.db.audience import account_credibility as ac
    try:
        row = conn.execute(sa.select(ac.c.score, ac.c.reasons).where(ac.c.creator_account_id == account_id)).first()
    except sa.exc.DBAPIError:
        return None
    if row is None:
        return None
    score = row.score
    fired = [r for r in (row.reasons or []) if isinstance(r, dict) and r.get("fired")]
    factor = score / 100 if score is not None and score < AUDIT_THRESHOLD else 1.0
    return {"score": score, "fired": [{"id": r.get("id"), "message": r.get("message")} for r in fired],
            "fee_factor": factor,
            "discount": None if factor == 1.0 else note(N_("score %(score)s < %(threshold)s: fee x %(factor)s"),
                                                        score=Num(score, ".0f"), threshold=Num(AUDIT_THRESHOLD, ".0f"),
                                                        factor=Num(factor, ".2f"))}


def _no_tier_cpm(ctx: Context, followers: int | None, cpm: bm.Benchmark | None,
                 impressions: forecast.Estimate | None) -> Note:
    """What keeps the tier's published CPM band CPM (None: the tier has none) from pricing the
    account, named."""
    from influscope.web.i18n.data_texts import TIER_NAMES

    if not followers:
        return note(N_("no follower count to place the account in a tier"))
    if cpm is None:
        tier = bm.tier(followers, ctx.preset).id
        return note(N_("no published CPM band for the %(tier)s tier"), tier=note(TIER_NAMES.get(tier, tier)))
    if impressions is None or impressions.value is None:
        return note(N_("no expected impressions to price the tier's published CPM band with"))
    return note(N_("no USD to %(currency)s exchange rate to convert the tier's published CPM band (in USD)"),
                currency=ctx.currency)


def _fee(ctx: Context, platform: str, followers: int | None, expected: dict[str, forecast.Estimate],
         deliverables: int, credibility: dict | None) -> dict:
    bases = {}
    formulas = []
    for kid, (metric, scale) in BASIS_METRIC.items():
        target = ctx.targets.get(kid)
        e = expected.get(metric)
        if target is None or e is None or e.value is None:
            continue
        lo, mid, hi = (x * deliverables * target / scale for x in (e.low, e.value, e.high))
        bases[kid] = {"target": target, "low": _money(lo), "mid": _money(mid), "high": _money(hi)}
        formulas.append(note(
            N_("%(basis)s: %(metric)s %(value)s (%(range)s) x %(deliverables)s x target %(target)s / 1000 = "
               "%(fee)s (%(fee_range)s) %(currency)s") if scale != 1 else
            N_("%(basis)s: %(metric)s %(value)s (%(range)s) x %(deliverables)s x target %(target)s = "
               "%(fee)s (%(fee_range)s) %(currency)s"),
            basis=kid, metric=metric_word(metric), value=Num(e.value), range=Range(Num(e.low), Num(e.high)),
            deliverables=Num(deliverables, "d"), target=Num(target, "g"), fee=Num(_money(mid), ","),
            fee_range=Range(Num(_money(lo), ","), Num(_money(hi), ",")), currency=ctx.currency))
    chosen = next((b for b in GOAL_BASIS.get(ctx.goal, ()) if b in bases), None) or next(iter(bases), None)
    basis_text = note(N_("target %(basis)s (%(source)s)"), basis=chosen.upper(), source=ctx.target_source) if chosen else ""
    why = None
    if chosen is None:
        cpm = bm.for_kpi("cpm", platform, followers, preset=ctx.preset, currency="USD") if followers else None
        e = expected.get("impressions")
        rate = ctx.fx.get("USD")
        if cpm is not None and e is not None and e.value is not None and rate is not None:
            lo, hi = (e.value * deliverables * c * rate / 1000 for c in (cpm.low, cpm.high))
            bases["tier_cpm"] = {"target": None, "low": _money(lo), "mid": _money((lo + hi) / 2), "high": _money(hi)}
            chosen = "tier_cpm"
            cpm_range = Range(Num(cpm.low, "g"), Num(cpm.high, "g"))
            basis_text = note(N_("%(scope)s, USD %(cpm)s (%(source)s)"), scope=Benchmark(cpm.scope), cpm=cpm_range,
                              source=Benchmark(cpm.source.cite()))
            formulas.append(note(N_("tier CPM: impressions %(impressions)s x %(deliverables)s x %(cpm)s USD x "
                                    "%(rate)s / 1000 = %(fee)s %(currency)s"),
                                 impressions=Num(e.value), deliverables=Num(deliverables, "d"), cpm=cpm_range,
                                 rate=Num(rate, "g"), fee=Range(Num(_money(lo), ","), Num(_money(hi), ",")),
                                 currency=ctx.currency))
        else:
            why = note(N_("no target CPM, CPE, CPC or CPA in %(currency)s (set one on the campaign), and "
                          "%(lack)s"), currency=ctx.currency, lack=_no_tier_cpm(ctx, followers, cpm, e))
    out = {"currency": ctx.currency, "basis": chosen, "basis_text": basis_text, "bases": bases,
           "low": None, "mid": None, "high": None, "formulas": formulas, "why": why}
    if chosen:
        factor = Decimal(repr((credibility or {}).get("fee_factor", 1.0)))
        b = bases[chosen]
        for k in ("low", "mid", "high"):
            out[k] = (b[k] * factor).quantize(_CENT) if b[k] is not None else None
        if factor != 1:
            formulas.append(note(N_("credibility discount: x %(factor)s"), factor=Num(factor, ".2f")))
    return out


def value_of(engine, creator: str, *, workspace: str, campaign: str | None = None, deliverables: int = 1,
             coverage: float = 0.8, recent: int = 12, currency: str | None = None, goal: str | None = None,
             before: dt.datetime | None = None, emv_table="default", preset: str = "default",
             context: Context | None = None) -> CreatorValue:
    """Value the stored creator ``creator`` (key, handle or id); see the module docstring."""
    if deliverables < 1:
        raise ValueError(f"deliverables must be at least 1, got {deliverables}")
    if not 0 < coverage < 1:
        raise ValueError(f"coverage must be between 0 and 1, got {coverage}")
    ctx = context or load_context(engine, workspace, campaign=campaign, currency=currency, goal=goal, before=before,
                                  emv_table=emv_table, preset=preset)
    followers_of = _followers_by_key(engine, ctx)
    with engine.connect() as conn:
        c = resolve_creator(conn, ctx.workspace_id, creator)
        accounts = [dict(r) for r in conn.execute(sa.select(t.creator_accounts).where(
            t.creator_accounts.c.creator_id == c["id"]).order_by(t.creator_accounts.c.platform)).mappings()]
        own_rows = [r for r in ctx.rows if r.creator == c["key"]]
        outcome_priors = {m: _outcome_prior(ctx, m, c["key"], followers_of) for m in history.OUTCOMES}
        creator_followers = sum(a["followers"] or 0 for a in accounts) or None
        outcome_obs = {m: [v for r in own_rows if (v := _per_post(r, m, ctx)) is not None] for m in history.OUTCOMES}
        out = []
        for a in accounts:
            followers = history.latest_followers(conn, ctx.workspace_id, a["platform"], a["handle"], a["followers"],
                                                 ctx.before.date() if ctx.before else None)
            tier = _tier(followers, preset)
            obs, n_camp = history.recent_posts(conn, ctx.workspace_id, c["id"], a["platform"], recent=recent,
                                               before=ctx.before, emv_rates=ctx.emv_table.rates,
                                               exclude_campaign=ctx.campaign_id)
            expected: dict[str, forecast.Estimate] = {}
            for m in history.POST_METRICS:
                expected[m] = forecast.estimate(followers, obs[m], _post_prior(ctx, a["platform"], tier, m, c["id"], followers),
                                                coverage=coverage)
            e = expected["emv"]
            if ctx.emv_fx is not None and e.value is not None:
                expected["emv"] = forecast.Estimate(e.value * ctx.emv_fx, e.low * ctx.emv_fx, e.high * ctx.emv_fx,
                                                    e.observations, e.basis,
                                                    note(N_("%(note)s; table %(table)s"), note=e.note,
                                                         table=ctx.emv_table.label()))
            else:
                expected["emv"] = forecast.Estimate(None, None, None, e.observations, "none",
                                                    note(N_("EMV table is in %(emv_currency)s; no rate to %(currency)s"),
                                                         emv_currency=ctx.emv_table.currency, currency=ctx.currency))
            # campaign outcomes are the creator's (all accounts); scaled to this account's share of followers
            share = (followers or 0) / creator_followers if creator_followers and len(accounts) > 1 else 1.0
            for m in history.OUTCOMES:
                est = forecast.estimate(creator_followers, outcome_obs[m], outcome_priors[m], coverage=coverage,
                                        unit="campaign")
                if share != 1.0 and est.value is not None:
                    est = forecast.Estimate(est.value * share, est.low * share, est.high * share, est.observations,
                                            est.basis, note(N_("%(note)s; x %(share)s, this account's share of the "
                                                               "followers"), note=est.note, share=Num(share, ".2f")))
                expected[m] = est
            n_posts = max((len(v) for v in obs.values()), default=0)
            with_history = n_posts > 0 or bool(own_rows)
            cred = _credibility(conn, a["id"])
            notes = []
            if not with_history:
                notes.append(note(N_("no history in the store: followers x the platform and tier rates of the "
                                     "workspace's creators (a benchmark, not this creator's record)")))
            if cred and cred["discount"]:
                notes.append(note(N_("the audience looks bought: %(discount)s"), discount=cred["discount"]))
            out.append(AccountValue(
                platform=a["platform"], handle=a["handle"], followers=followers, tier=tier, posts_used=n_posts,
                campaigns_used=max(n_camp, len(own_rows)), expected=expected, actual=_actual(own_rows, ctx),
                benchmarks=_benchmarks(a["platform"], followers, preset),
                fee=_fee(ctx, a["platform"], followers, expected, deliverables, cred), credibility=cred,
                from_history=with_history, notes=notes))
    return CreatorValue(c["key"], c.get("name"), ctx.currency, deliverables, coverage, ctx.goal, ctx.campaign, out,
                        [r.campaign for r in own_rows], list(ctx.notes))


PROSPECT_METRICS = ("impressions", "reach", "views", "likes", "comments", "shares", "saves", "link_clicks")


def value_prospect(engine, ctx: Context, platform: str, followers: int | None, metrics: dict | None = None, *,
                   coverage: float = 0.8, deliverables: int = 1,
                   followers_of: dict[str, int] | None = None) -> tuple[dict[str, forecast.Estimate], dict, str | None]:
    """Expected results per deliverable and the fee of an account not in the store.

    ``metrics``: a typical recent post (reach, impressions, views, likes, comments, shares, saves,
    link_clicks), counted as one observation of the account; clicks, orders and revenue come from
    the peers alone. Returns (expected, fee, tier).
    """
    metrics = {k: v for k, v in (metrics or {}).items() if v is not None}
    tier = _tier(followers, ctx.preset)
    obs: dict[str, list[float]] = {m: [] for m in history.POST_METRICS}
    for k in ("reach", "impressions", "views"):
        if k in metrics:
            obs[k].append(float(metrics[k]))
    parts = [metrics[k] for k in ("likes", "comments", "shares", "saves") if k in metrics]
    if parts:
        obs["engagements"].append(float(sum(parts)))
    rates = ctx.emv_table.rates.get(platform, {})
    priced = [(a, r) for a, r in rates.items() if metrics.get("link_clicks" if a == "clicks" else a) is not None]
    if priced:
        obs["emv"].append(sum(float(r) * float(metrics["link_clicks" if a == "clicks" else a]) for a, r in priced))
    expected: dict[str, forecast.Estimate] = {}
    for m in history.POST_METRICS:
        expected[m] = forecast.estimate(followers, obs[m], _post_prior(ctx, platform, tier, m, -1, followers),
                                        coverage=coverage)
    e = expected["emv"]
    if ctx.emv_fx is not None and e.value is not None:
        expected["emv"] = forecast.Estimate(e.value * ctx.emv_fx, e.low * ctx.emv_fx, e.high * ctx.emv_fx,
                                            e.observations, e.basis, e.note)
    else:
        expected["emv"] = forecast.Estimate(None, None, None, 0, "none",
                                            note(N_("no rate from %(emv_currency)s"), emv_currency=ctx.emv_table.currency))
    followers_of = followers_of if followers_of is not None else _followers_by_key(engine, ctx)
    for m in history.OUTCOMES:
        prior = _outcome_prior(ctx, m, "", followers_of)
        expected[m] = forecast.estimate(followers, [], prior, coverage=coverage, unit="campaign")
    return expected, _fee(ctx, platform, followers, expected, deliverables, None), tier
