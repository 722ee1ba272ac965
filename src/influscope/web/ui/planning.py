"""Planning pages: candidate lists valued side by side, and the budget split with a slider.

- ``/planning``: the workspace's candidate lists.
- ``/planning/{slug}?budget=&objective=``: the candidate table (expected results per deliverable
  with their interval, quoted fee, fair range, credibility) and the split for the budget; the
  slider reloads only the split (htmx, ``/planning/{slug}/split``).
- ``/planning/{slug}/plan.xlsx`` and ``plan-csv.zip``: the candidates and the split for the client.
- ``/campaigns/{slug}/plan-review``: once a planned campaign runs, each creator's results per post
  beside the plan's expectation (a panel of the campaign page; empty when no list plans it).

Fees are costs: the pages need an account that may see costs.
"""

from __future__ import annotations

import io
import zipfile
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import sqlalchemy as sa
from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from influscope.auth.deps import Principal, principal, require
from influscope.planning.notes import localize, localize_all
from influscope.reports import build
from influscope.reports.model import Column, Table
from influscope.web import i18n
from influscope.web.i18n.data_texts import tier_name
from influscope.web.ui._common import engine_of, lang_of, page

router = APIRouter(include_in_schema=False)

SHOWN = ("reach", "impressions", "engagements", "clicks", "orders", "revenue", "emv")
KPI_OF = {"reach": "reach", "impressions": "impressions", "views": "video_views", "engagements": "engagements",
          "clicks": "clicks", "orders": "conversions", "revenue": "revenue", "emv": "emv"}
OBJECTIVES = ("reach", "impressions", "views", "engagements", "emv", "clicks", "orders", "revenue")


def _lookup(fn, *args, **kw):
    try:
        return fn(*args, **kw)
    except LookupError as exc:
        raise HTTPException(404, str(exc)) from None
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from None


@router.get("/planning", response_class=HTMLResponse)
def planning_index(request: Request, p: Principal = Depends(require("costs"))) -> HTMLResponse:
    return _index(request, p)


def _index(request: Request, p: Principal, problems: list[str] | None = None, form: dict | None = None,
           status: int = 200) -> HTMLResponse:
    from influscope.db import tables as t
    from influscope.db.planning import candidate_lists, candidates

    with engine_of(request).connect() as conn:
        n = (sa.select(candidates.c.list_id, sa.func.count().label("n")).group_by(candidates.c.list_id).subquery())
        rows = [dict(r) for r in conn.execute(
            sa.select(candidate_lists.c.slug, candidate_lists.c.name, t.campaigns.c.slug.label("campaign"),
                      t.campaigns.c.name.label("campaign_name"), sa.func.coalesce(n.c.n, 0).label("n"))
            .select_from(candidate_lists.outerjoin(t.campaigns, t.campaigns.c.id == candidate_lists.c.campaign_id)
                         .outerjoin(n, n.c.list_id == candidate_lists.c.id))
            .where(candidate_lists.c.workspace_id == p.workspace_id).order_by(candidate_lists.c.slug)).mappings()]
    return page(request, "planning_index.html", principal=p, active="planning", lists=rows, problems=problems or [],
                form=form or {}, status=status, goals=("tofu", "mofu", "bofu"))


@router.post("/planning/campaigns", response_class=HTMLResponse)
async def create_planned_form(request: Request, p: Principal = Depends(require("analyst")),
                              _costs: Principal = Depends(require("costs"))) -> Response:
    """A new planned campaign and its candidate list (same slug), then its planning page."""
    import datetime as dt

    from fastapi.responses import RedirectResponse

    from influscope.planning.campaign_state import CampaignStateError, create_campaign
    from influscope.planning.candidates import create_list

    form = {k: str(v).strip() for k, v in (await request.form()).items() if k != "csrf_token"}
    problems = []
    dates = {}
    for name in ("start", "end"):
        try:
            dates[name] = dt.date.fromisoformat(form.get(name, ""))
        except ValueError:
            problems.append(f"{name}: not a date (YYYY-MM-DD): {form.get(name, '')!r}")
    slug = form.get("slug", "")
    from influscope.db.planning import candidate_lists

    with engine_of(request).connect() as conn:  # checked first, so a campaign is never left without its list
        if conn.execute(sa.select(candidate_lists.c.id).where(candidate_lists.c.workspace_id == p.workspace_id,
                                                              candidate_lists.c.slug == slug)).scalar():
            problems.append(f"slug: a candidate list {slug!r} exists already")
    if not problems:
        try:
            create_campaign(engine_of(request), p.workspace_slug, slug, name=form.get("name") or slug,
                            goal=form.get("goal", ""), start=dates["start"], end=dates["end"],
                            currency=form.get("currency", ""), budget=form.get("budget") or None, status="planned")
            create_list(engine_of(request), p.workspace_slug, slug, name=form.get("name") or slug, campaign=slug)
        except (CampaignStateError, ValueError, LookupError) as exc:
            problems.append(str(exc))
    if problems:
        return _index(request, p, problems=problems, form=form, status=422)
    return RedirectResponse(f"/planning/{slug}", status_code=303)


def _budget_bounds(lv) -> tuple[Decimal, Decimal]:
    top = sum(((c.fee or 0) * c.max_deliverables for c in lv.candidates if c.choice != "exclude"), Decimal(0))
    top = max(top, Decimal(1))
    return top, (top / 2).quantize(Decimal(1), rounding=ROUND_HALF_UP)


def _state(request: Request, p: Principal, slug: str):
    from influscope.planning.candidates import split_list, value_list

    engine = engine_of(request)
    lv = _lookup(value_list, engine, p.workspace_slug, slug)
    top, default = _budget_bounds(lv)
    raw = request.query_params.get("budget")
    try:
        budget = Decimal(raw) if raw else default
    except ArithmeticError:
        raise HTTPException(422, f"budget: not an amount: {raw!r}") from None
    if not 0 <= budget <= Decimal("1e12"):
        raise HTTPException(422, "budget: must be between 0 and 10^12")
    objective = request.query_params.get("objective") or None
    if objective is not None and objective not in OBJECTIVES:
        raise HTTPException(422, f"objective: one of {', '.join(OBJECTIVES)}")
    _, sp = _lookup(split_list, engine, p.workspace_slug, slug, budget, objective=objective, valued=lv)
    return lv, sp, budget, top


def _revenue(request: Request, p: Principal, lv, sp):
    from influscope.planning.revenue import expected_revenue

    return expected_revenue(engine_of(request), p.workspace_slug, lv, sp, alpha=sp.alpha)


def _revenue_view(rv, fmt, lang: str) -> dict[str, Any] | None:
    """The expected revenue's three estimates, each with what it rests on, in the page's language."""
    if rv is None:
        return None
    from babel.lists import format_list

    _ = i18n.gettext_for(lang)

    def money(x):
        return "–" if x is None else fmt.money(Decimal(repr(x)), rv.currency, digits=0)

    def est(e, rests):
        return {"value": money(e.value), "low": money(e.low), "high": money(e.high), "rests_on": rests,
                "known": e.value is not None}

    c, f = rv.creators.detail, rv.forecast.detail
    if c:
        creators = [_("%(n)s booked creators: %(k)s valued from their own past campaigns' code and link sales, "
                      "%(p)s from comparable creators") % {"n": fmt.number(c["creators"]), "k": fmt.number(c["with_history"]),
                                                           "p": fmt.number(c["creators"] - c["with_history"])},
                    _("Past campaigns: %(names)s") % {
                        "names": format_list([fmt.ltr(x) for x in c["past_campaigns"]], locale=fmt.locale)
                        if c["past_campaigns"] else "–"}]
    else:
        creators = [_("No booked creator has an expected revenue.")]
    if f:
        n = {"currency": fmt.ltr(rv.currency), "n": fmt.number(len(f["campaigns"]))}
        forecast = [_("Earlier BOFU campaigns in %(currency)s: %(n)s") % n if f["scope"] == "bofu" else
                    _("Earlier campaigns in %(currency)s (none of them BOFU): %(n)s") % n,
                    _("Revenue per unit of creator fees: %(ratio)s") % {"ratio": fmt.number(f["revenue_per_fee"], 2)}]
        for u in f["campaigns"]:
            line = _("%(campaign)s: %(revenue)s revenue for %(fees)s of fees") % {
                "campaign": fmt.ltr(u["campaign"]), "revenue": money(u["final_revenue"]), "fees": money(u["fees"])}
            if u["projected"]:
                line += " · " + _("projected to its end by the sales forecast from %(days)s days of sales") % {
                    "days": fmt.number(u["forecast_days"])}
            forecast.append(line)
        if f["assumed_scatter"] is not None:
            forecast.append(_("Fewer than 3 campaigns: the scatter between campaigns is assumed"))
    else:
        forecast = [_("No earlier campaign in %(currency)s with creator fees and attributed sales.")
                    % {"currency": fmt.ltr(rv.currency)}]
    if rv.headline == "creators":
        why = _("The headline is the creators' values: in backtests it came closer to what campaigns sold than "
                "the sales forecast and than a weighted combination of the two. The sales forecast is shown beside "
                "it as a check.")
    else:
        why = _("No booked creator has an expected revenue: the headline is the sales forecast.")
    return {"expected": est(rv.expected, []), "headline": rv.headline, "why": why,
            "creators": est(rv.creators, creators), "forecast": est(rv.forecast, forecast),
            "fees": fmt.money(rv.fees, rv.currency, digits=0), "coverage": fmt.percent(rv.coverage * 100, 0),
            "notes": localize_all(rv.notes, lang)}


def _view(lv, sp, lang: str, rv=None) -> dict[str, Any]:
    fmt = i18n.Formatter(lang)
    cur = lv.currency

    def show(name, x):
        if x is None:
            return "–"
        if name in ("revenue", "emv"):
            return fmt.money(x, cur)
        return fmt.number(x, 1 if x < 10 else 0)

    cands = []
    for c in lv.candidates:
        cells = {}
        for k in SHOWN:
            e = c.expected.get(k)
            cells[k] = {"value": show(k, e.value if e else None),
                        "interval": "" if not e or e.low is None else f"{show(k, e.low)} – {show(k, e.high)}"}
        cands.append({"label": c.label, "name": c.name, "tier": tier_name(c.tier, lang), "followers": fmt.number(c.followers),
                      "history": c.from_history, "cells": cells,
                      "quoted": fmt.money(c.quoted_fee, cur) if c.quoted_fee is not None else "–",
                      "fair": (f"{fmt.money(c.fair_low, cur)} – {fmt.money(c.fair_high, cur)}"
                               if c.fair_low is not None else "–"),
                      "credibility": fmt.number(c.credibility, 0) if c.credibility is not None else "–",
                      "low_credibility": c.credibility is not None and c.credibility < 75,
                      "deliverables": f"{c.min_deliverables}–{c.max_deliverables}", "choice": c.choice,
                      "notes": localize_all(c.notes, lang)})
    obj = sp.objective
    rows = [{"label": r["label"], "deliverables": r["deliverables"], "spend": fmt.money(Decimal(r["spend"]), cur),
             "expected": show(obj, r["expected"]), "choice": r["choice"]} for r in sp.rows]
    nb = sp.next_best
    # a column no candidate has a figure for (e.g. EMV without an exchange rate) is left out
    shown = [k for k in SHOWN if any(c["cells"][k]["value"] != "–" for c in cands)] or list(SHOWN)
    return {"candidates": cands, "cols": [(k, build.kpi_name(KPI_OF[k], lang)) for k in shown],
            "split": {"objective": build.kpi_name(KPI_OF[obj], lang), "objective_id": obj,
                      "budget": fmt.money(sp.budget, cur), "spent": fmt.money(sp.spent, cur),
                      "unspent": fmt.money(sp.budget - sp.spent, cur), "outcome": show(obj, sp.outcome),
                      "low": show(obj, sp.low), "high": show(obj, sp.high),
                      "coverage": fmt.percent(sp.coverage * 100, 0), "rows": rows, "alpha": sp.alpha,
                      "next": None if nb is None else {
                          "label": nb["label"], "deliverables": nb["deliverables"], "adds": show(obj, nb["adds"]),
                          "costs": fmt.money(Decimal(nb["costs"]), cur),
                          "short_by": fmt.money(Decimal(nb["short_by"]), cur) if Decimal(nb["short_by"]) > 0 else None,
                          "book": nb["what"] == "book"},
                      "notes": localize_all(sp.notes, lang)},
            "list_notes": localize_all(lv.notes, lang),
            "revenue": _revenue_view(rv, fmt, lang)}


@router.get("/planning/{slug}", response_class=HTMLResponse)
def planning_page(slug: str, request: Request, p: Principal = Depends(require("costs"))) -> HTMLResponse:
    lang = lang_of(request)
    lv, sp, budget, top = _state(request, p, slug)
    step = max((top / 200).quantize(Decimal(1), rounding=ROUND_HALF_UP), Decimal(1))
    return page(request, "planning.html", principal=p, active="planning", lang=lang, lv=lv, budget=budget,
                top=top, step=step, objectives=[(k, build.kpi_name(KPI_OF[k], lang)) for k in OBJECTIVES],
                objective=sp.objective, **_view(lv, sp, lang, _revenue(request, p, lv, sp)))


@router.get("/planning/{slug}/split", response_class=HTMLResponse)
def planning_split(slug: str, request: Request, p: Principal = Depends(require("costs"))) -> HTMLResponse:
    lang = lang_of(request)
    lv, sp, budget, _ = _state(request, p, slug)
    return page(request, "partials/planning_split.html", principal=p, lang=lang, lv=lv, budget=budget,
                **_view(lv, sp, lang, _revenue(request, p, lv, sp)))


def _tables(lv, sp, rv=None, lang: str = "en") -> list[Table]:
    """The candidates, the split, the expected revenue and the notes, for the client (notes in LANG)."""
    def notes(texts) -> str:
        return " · ".join(localize_all(texts, lang))

    cols = [Column("candidate", "candidate", "text"), Column("name", "name", "text"), Column("tier", "tier", "text"),
            Column("followers", "followers"), Column("from_history", "from_history", "text")]
    for k in SHOWN:
        cols += [Column(k, f"{k}_per_deliverable"), Column(f"{k}_low", f"{k}_low"), Column(f"{k}_high", f"{k}_high")]
    cols += [Column("quoted_fee", "quoted_fee", "money"), Column("fair_fee_low", "fair_fee_low", "money"),
             Column("fair_fee_high", "fair_fee_high", "money"), Column("credibility", "credibility"),
             Column("min_deliverables", "min_deliverables"), Column("max_deliverables", "max_deliverables"),
             Column("choice", "choice", "text"), Column("notes", "notes", "text")]
    rows = []
    for c in lv.candidates:
        row = {"candidate": c.label, "name": c.name, "tier": c.tier, "followers": c.followers,
               "from_history": "yes" if c.from_history else "no", "quoted_fee": c.quoted_fee,
               "fair_fee_low": c.fair_low, "fair_fee_high": c.fair_high, "credibility": c.credibility,
               "min_deliverables": c.min_deliverables, "max_deliverables": c.max_deliverables, "choice": c.choice,
               "notes": notes(c.notes)}
        for k in SHOWN:
            e = c.expected.get(k)
            row[k], row[f"{k}_low"], row[f"{k}_high"] = (None, None, None) if e is None else (
                _round(e.value), _round(e.low), _round(e.high))
        rows.append(row)
    obj = sp.objective
    split_cols = [Column("candidate", "candidate", "text"), Column("deliverables", "deliverables"),
                  Column("fee_per_deliverable", "fee_per_deliverable", "money"), Column("spend", "spend", "money"),
                  Column(f"expected_{obj}", f"expected_{obj}")]
    split_rows = [{"candidate": r["label"], "deliverables": r["deliverables"],
                   "fee_per_deliverable": Decimal(r["fee_per_deliverable"]), "spend": Decimal(r["spend"]),
                   f"expected_{obj}": _round(r["expected"])} for r in sp.rows]
    split_rows.append({"candidate": f"total ({lv.currency}; {sp.coverage:.0%} interval {_round(sp.low)}-{_round(sp.high)})",
                       "deliverables": sum(r["deliverables"] for r in sp.rows), "spend": sp.spent,
                       f"expected_{obj}": _round(sp.outcome)})
    tables = [Table("candidates", "Candidates", cols, rows), Table("split", "Budget split", split_cols, split_rows)]
    if rv is not None:
        rcols = [Column("estimate", "estimate", "text"), Column("revenue", "revenue"), Column("low", "low"),
                 Column("high", "high"), Column("rests_on", "rests_on", "text")]
        rrows = [{"estimate": name, "revenue": _round(e.value), "low": _round(e.low), "high": _round(e.high),
                  "rests_on": notes(e.rests_on)}
                 for name, e in ((f"expected (headline: {rv.headline})", rv.expected),
                                 ("from creators' values", rv.creators), ("from sales forecast", rv.forecast))]
        tables.append(Table("expected_revenue", f"Expected revenue ({rv.currency}, {rv.coverage:.0%} interval)",
                            rcols, rrows))
    general = [*lv.notes, *sp.notes, *(rv.notes if rv is not None else [])]
    if general:
        tables.append(Table("notes", "Notes", [Column("note", "note", "text")],
                            [{"note": localize(n, lang)} for n in general]))
    return tables


def _round(x):
    return None if x is None else round(float(x), 2)


@router.get("/planning/{slug}/plan.xlsx")
def planning_xlsx(slug: str, request: Request, p: Principal = Depends(require("costs"))) -> Response:
    from influscope.reports.exports import xlsx_bytes

    lv, sp, _, _ = _state(request, p, slug)
    lang = lang_of(request)
    return Response(xlsx_bytes(_tables(lv, sp, _revenue(request, p, lv, sp), lang), rtl=i18n.text_direction(lang) == "rtl"),
                    media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="plan-{lv.slug}.xlsx"'})


@router.get("/planning/{slug}/plan-csv.zip")
def planning_csv(slug: str, request: Request, p: Principal = Depends(require("costs"))) -> Response:
    from influscope.reports.exports import table_csv

    lv, sp, _, _ = _state(request, p, slug)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for table in _tables(lv, sp, _revenue(request, p, lv, sp), lang_of(request)):
            z.writestr(f"{table.id}.csv", table_csv(table))
    return Response(buf.getvalue(), media_type="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="plan-{lv.slug}-csv.zip"'})


@router.get("/campaigns/{slug}/plan-review", response_class=HTMLResponse)
def plan_review(slug: str, request: Request, p: Principal = Depends(principal)) -> HTMLResponse:
    from influscope.planning.review import REVIEWED, plan_vs_actual

    lang = lang_of(request)
    fmt = i18n.Formatter(lang)
    review = _lookup(plan_vs_actual, engine_of(request), p.workspace_slug, slug)
    cur = review.currency

    def show(m, x):
        if x is None:
            return "–"
        return fmt.money(x, cur) if m == "revenue" else fmt.number(x, 1 if x < 10 else 0)

    rows = []
    for r in review.rows:
        cells = {}
        for m in REVIEWED:
            c = r["metrics"].get(m)
            if c is None:
                cells[m] = None
                continue
            cells[m] = {"actual": show(m, c["actual"]), "expected": show(m, c["expected"]),
                        "interval": "" if c["low"] is None else f"{show(m, c['low'])} – {show(m, c['high'])}",
                        "inside": c["inside"]}
        rows.append({**r, "cells": cells})
    share = review.inside_share
    return page(request, "partials/plan_review.html", principal=p, lang=lang, review=review, rows=rows,
                cols=[(m, build.kpi_name(KPI_OF[m], lang)) for m in REVIEWED],
                inside=None if share is None else fmt.percent(share * 100, 0),
                coverage=fmt.percent(review.coverage * 100, 0))
