"""Expected revenue of a BOFU plan: the creators' values, with the sales forecast beside them.

    expected_revenue(engine, workspace, lv, sp, *, alpha=0.7) -> RevenueExpectation | None

Two estimates of the revenue the booked deliverables will bring, each saying what it rests on (see
docs/planning.md); the first is the headline, the second is shown beside it:

1. **From the creators' values** (bottom-up): each booked creator's expected revenue per
   deliverable (their own past campaigns' code and link sales per post, weighed against comparable
   creators; a past campaign still running counts with its revenue projected to its end by its
   sales forecast) x ``d ^ alpha`` for ``d`` deliverables, summed; the interval is the split's
   simulation of the sum (one log-normal draw per creator).
2. **From the sales forecast** (top-down): the workspace's recent BOFU campaigns in the same
   currency (any goal when there is none), each with its final attributed revenue, i.e. the sales
   forecast's projection to its end date while it runs (:func:`influscope.kpi.forecast.sales_forecast`
   through the ``sales_forecast`` KPI), or its revenue once over, divided by the creator fees it
   paid (costs of kind ``fee``): revenue per unit of creator fees. The plan's fees x the pooled
   ratio is the estimate. Its log-normal spread adds the campaigns' scatter around the pooled ratio
   (the sample deviation of ``log(ratio)`` from 3 campaigns on, else ``FEW_CAMPAIGNS_SD``), the
   uncertainty of the pooled ratio (``/ n``) and the forecast intervals of campaigns still running.
**The headline** is the creators' values whenever a booked creator has an expected revenue, else the
sales forecast. In the backtest (bench/planning/backtest.py, generated campaigns, three seeds) the
creators' values came closer to what each campaign sold than the sales forecast, and closer than a
precision-weighted combination of the two (which an earlier version showed as the headline): the
sales forecast's ratio of revenue to fees drifts with the mix of creators booked, and a combination
with weights from the stated spreads leaned on it too much. (``expected.headline`` says which one.)

Only for a list whose goal is BOFU (revenue); otherwise ``None``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal
from statistics import NormalDist, stdev

import sqlalchemy as sa

from influscope.db import tables as t
from influscope.planning.notes import N_, Num, note

__all__ = ["FEW_CAMPAIGNS_SD", "Estimate", "RevenueExpectation", "expected_revenue"]

# the sales forecast's method (``influscope.kpi.forecast.METHOD``), for the message catalogues
N_("Theil-Sen trend on daily revenue; bootstrap (days resampled, residuals added) interval")
FEW_CAMPAIGNS_SD = 0.6  # log-space scatter of revenue per fee between campaigns, assumed with fewer than 3
REFERENCE_CAMPAIGNS = 6


@dataclass
class Estimate:
    value: float | None
    low: float | None
    high: float | None
    rests_on: list[str] = field(default_factory=list)
    detail: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"value": self.value, "low": self.low, "high": self.high, "rests_on": list(self.rests_on),
                **self.detail}


@dataclass
class RevenueExpectation:
    currency: str
    coverage: float
    fees: Decimal
    headline: str  # "creators" or "forecast": which estimate ``expected`` is
    creators: Estimate
    forecast: Estimate
    notes: list[str] = field(default_factory=list)

    @property
    def expected(self) -> Estimate:
        return self.creators if self.headline == "creators" else self.forecast

    def to_dict(self) -> dict:
        return {"currency": self.currency, "coverage": self.coverage, "fees": str(self.fees),
                "expected": {**self.expected.to_dict(), "headline": self.headline},
                "from_creators": self.creators.to_dict(), "from_sales_forecast": self.forecast.to_dict(),
                "notes": list(self.notes), "estimate": True}


def _z(coverage: float) -> float:
    return NormalDist().inv_cdf(0.5 + coverage / 2)


def from_creators(lv, sp, alpha: float, coverage: float) -> Estimate:
    """The booked deliverables' expected revenue from each creator's value, with the simulated interval."""
    from influscope.planning.split import Option, outcome_interval, response

    options, booked, notes = [], {}, []
    with_history = from_peers = 0
    campaigns: set[str] = set()
    for c in lv.candidates:
        d = sp.booked.get(str(c.id), 0)
        if not d:
            continue
        e = c.expected.get("revenue")
        if e is None or e.value is None:
            notes.append(note(N_("%(candidate)s: no expected revenue, left out of this sum"), candidate=c.label))
            continue
        options.append(Option(str(c.id), c.label, c.fee or Decimal(1), e.value, e.low, e.high))
        booked[str(c.id)] = d
        if e.observations:
            with_history += 1
        else:
            from_peers += 1
        campaigns.update(c.campaigns)
    if not options:
        return Estimate(None, None, None, notes or [note(N_("nobody booked"))])
    value = sum(response(o, booked[o.id], alpha) for o in options)
    low, high = outcome_interval(options, booked, alpha, coverage)
    rests = [note(N_("%(creators)s booked creator(s): %(history)s from their own past campaigns' code and link sales, "
                     "%(peers)s from comparable creators' revenue per post"), creators=Num(len(options), "d"),
                  history=Num(with_history, "d"), peers=Num(from_peers, "d")),
             note(N_("d deliverables bring d ^ %(alpha)s times one"), alpha=alpha)]
    if campaigns:
        rests.append(note(N_("past campaigns: %(campaigns)s"), campaigns=", ".join(sorted(campaigns))))
    return Estimate(value, low, high, rests + notes, {"creators": len(options), "with_history": with_history,
                                                      "past_campaigns": sorted(campaigns), "alpha": alpha})


def _fees(conn, ws: int, campaign_id: int, currency: str) -> float | None:
    from influscope.planning.history import fx_rate

    total, seen = 0.0, False
    for cur, amount in conn.execute(sa.select(t.costs.c.currency, sa.func.sum(t.costs.c.amount))
                                    .where(t.costs.c.campaign_id == campaign_id, t.costs.c.kind == "fee")
                                    .group_by(t.costs.c.currency)):
        rate = fx_rate(conn, ws, cur, currency)
        if rate is None or amount is None:
            continue
        total += float(amount) * rate
        seen = True
    return total if seen and total > 0 else None


def _references(conn, ws: int, currency: str, planned: dict | None) -> tuple[list[dict], str]:
    q = (sa.select(t.campaigns).where(t.campaigns.c.workspace_id == ws, t.campaigns.c.currency == currency,
                                      t.campaigns.c.status == "started")
         .order_by(t.campaigns.c.start_date.desc(), t.campaigns.c.slug))
    if planned is not None:
        q = q.where(t.campaigns.c.id != planned["id"], t.campaigns.c.start_date < planned["start_date"])
    rows = [dict(r) for r in conn.execute(q).mappings()]
    bofu = [r for r in rows if r["goal"] == "bofu"]
    return (bofu, "bofu") if bofu else (rows, "any")


def from_forecast(engine, workspace: str, currency: str, fees: Decimal, coverage: float,
                  planned: dict | None = None) -> Estimate:
    """The plan's fees x the revenue per unit of creator fees of recent campaigns, projected to their end."""
    from influscope.planning.history import revenue_projection
    from influscope.reports import build

    with engine.connect() as conn:
        ws = conn.execute(sa.select(t.workspaces.c.id).where(t.workspaces.c.slug == workspace)).scalar_one()
        refs, goal_scope = _references(conn, ws, currency, planned)
        fee_of = {r["id"]: _fees(conn, ws, r["id"], currency) for r in refs}
    z = _z(coverage)
    used, notes = [], []
    for r in refs:
        if len(used) == REFERENCE_CAMPAIGNS:
            break
        if fee_of[r["id"]] is None:
            notes.append(note(N_("%(campaign)s: no creator fees recorded in %(currency)s, left out"),
                              campaign=r["slug"], currency=currency))
            continue
        try:
            result = build.compute(engine, workspace, r["slug"], by="creator")
        except Exception as exc:  # noqa: BLE001 - one campaign that cannot be computed must not hide the rest
            notes.append(note(N_("%(campaign)s: not computed (%(error)s)"), campaign=r["slug"], error=str(exc)))
            continue
        kp = result.get("kpis") or {}
        revenue = (kp.get("revenue") or {}).get("value")
        if revenue is None or float(revenue) <= 0:
            notes.append(note(N_("%(campaign)s: no attributed code or link sales, left out"), campaign=r["slug"]))
            continue
        fc = kp.get("sales_forecast") or {}
        detail = fc.get("detail") or {}
        final, low, high, projected = float(revenue), float(revenue), float(revenue), False
        if revenue_projection(result) is not None:  # still running: its sales projected to its end date
            final, low, high = (float(detail[k]) for k in ("to_end", "to_end_low", "to_end_high"))
            projected = True
        elif fc.get("reason") and r["end_date"] >= _today():
            notes.append(note(N_("%(campaign)s: still running and no forecast yet (%(reason)s); its revenue to date is "
                                 "used"), campaign=r["slug"], reason=fc["reason"]))
        fees_r = fee_of[r["id"]]
        sd = (math.log(max(high, 1e-9)) - math.log(max(low, 1e-9))) / (2 * z) if projected else 0.0
        used.append({"campaign": r["slug"], "revenue_to_date": float(revenue), "final_revenue": final,
                     "low": low, "high": high, "projected": projected, "fees": fees_r,
                     "revenue_per_fee": final / fees_r, "forecast_days": detail.get("days_used"), "_sd": sd})
    if not refs:
        return Estimate(None, None, None, [note(N_("no earlier campaign in %(currency)s"), currency=currency)])
    if not used:
        none = (N_("no earlier BOFU campaigns in %(currency)s with creator fees and attributed sales")
                if goal_scope == "bofu" else
                N_("no earlier campaigns of any goal (no BOFU campaign yet) in %(currency)s with creator fees and "
                   "attributed sales"))
        return Estimate(None, None, None, [note(none, currency=currency)] + notes)
    total_rev = sum(u["final_revenue"] for u in used)
    ratio = total_rev / sum(u["fees"] for u in used)
    n = len(used)
    logs = [math.log(u["revenue_per_fee"]) for u in used]
    between = stdev(logs) if n >= 3 else FEW_CAMPAIGNS_SD
    forecast_sd = math.sqrt(sum((u["final_revenue"] / total_rev * u["_sd"]) ** 2 for u in used))
    sd = math.sqrt(between ** 2 * (1 + 1 / n) + forecast_sd ** 2)
    value = float(fees) * ratio
    if value <= 0:
        return Estimate(0.0, 0.0, 0.0, [note(N_("no creator fees booked"))])
    from influscope.kpi.forecast import METHOD

    pooled = (N_("%(n)s earlier BOFU campaign(s) in %(currency)s: revenue per unit of creator fees %(ratio)s (pooled)")
              if goal_scope == "bofu" else
              N_("%(n)s earlier campaign(s) of any goal (no BOFU campaign yet) in %(currency)s: revenue per unit of "
                 "creator fees %(ratio)s (pooled)"))
    rests = [note(pooled, n=Num(n, "d"), currency=currency, ratio=Num(ratio, ",.2f")),
             *[note(N_("%(campaign)s: %(revenue)s revenue / %(fees)s fees (projected to its end from %(days)s days of "
                       "sales)") if u["projected"] else N_("%(campaign)s: %(revenue)s revenue / %(fees)s fees"),
                    campaign=u["campaign"], revenue=Num(u["final_revenue"]), fees=Num(u["fees"]),
                    days=u["forecast_days"])
               for u in used],
             note(N_("sales forecast: %(method)s"), method=note(METHOD))]
    if n < 3:
        rests.append(note(N_("fewer than 3 campaigns: their scatter is assumed (%(sd)s in log space)"),
                          sd=FEW_CAMPAIGNS_SD))
    for u in used:
        u.pop("_sd")
    return Estimate(value, value * math.exp(-z * sd), value * math.exp(z * sd), rests + notes,
                    {"revenue_per_fee": ratio, "campaigns": used, "scope": goal_scope,
                     "assumed_scatter": FEW_CAMPAIGNS_SD if n < 3 else None, "log_sd": sd})


def _today():
    import datetime as dt

    return dt.date.today()


def expected_revenue(engine, workspace: str, lv, sp, *, alpha: float = 0.7) -> RevenueExpectation | None:
    """The plan's expected revenue (see the module docstring); None unless the list's goal is BOFU."""
    if lv.goal != "bofu":
        return None
    planned = None
    if lv.campaign:
        with engine.connect() as conn:
            planned = conn.execute(sa.select(t.campaigns).join(t.workspaces).where(
                t.workspaces.c.slug == workspace, t.campaigns.c.slug == lv.campaign)).mappings().first()
        planned = dict(planned) if planned else None
    creators = from_creators(lv, sp, alpha, lv.coverage)
    forecast = from_forecast(engine, workspace, lv.currency, sp.spent, lv.coverage, planned)
    headline = "creators" if creators.value is not None or forecast.value is None else "forecast"
    notes = []
    if headline == "forecast":
        notes.append(note(N_("no booked creator has an expected revenue: the headline is the sales forecast")))
    if planned is not None and planned["status"] != "planned":
        notes.append(note(N_("campaign %(campaign)s has started: compare with its own sales forecast"),
                          campaign=planned["slug"]))
    return RevenueExpectation(lv.currency, lv.coverage, sp.spent, headline, creators, forecast, notes)
