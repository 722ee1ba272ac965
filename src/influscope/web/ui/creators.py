"""Creator page: accounts, history across campaigns (KPIs from the engine, per campaign),
audience-credibility reasons and the planning module's valuation.

The page itself makes no KPI engine call: each campaign's row of the history and the valuation
are their own requests, made by htmx once the page shows."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse

from influscope.auth.deps import Principal, principal
from influscope.db import tables as t
from influscope.reports import build
from influscope.web import i18n
from influscope.web.i18n.data_texts import benchmark_text, tier_name
from influscope.web.ui._common import engine_of, lang_of, page, plain_number

router = APIRouter(include_in_schema=False)

HISTORY_KPIS = ("posts", "reach", "engagements", "engagement_rate", "clicks", "ctr", "conversions", "revenue",
                "roas", "emv", "credibility_score")


EXPECTED_KPI = {"reach": "reach", "impressions": "impressions", "views": "video_views", "engagements": "engagements",
                "clicks": "clicks", "orders": "conversions", "revenue": "revenue", "emv": "emv"}
MONEY = ("revenue", "emv")
ACTUAL = ("cpm", "cpe", "cpc", "cpa", "roas")


def _valuation(engine, p: Principal, creator: dict, lang: str, currency: str | None = None) -> dict | None:
    """The creator's value from their own history (planning.creator_value), formatted for LANG, in
    CURRENCY (default: that of the workspace's latest campaign)."""
    from influscope.planning.creator_value import value_of
    from influscope.planning.notes import localize, localize_all

    fmt = i18n.Formatter(lang)
    try:
        v = value_of(engine, creator["key"], workspace=p.workspace_slug, currency=currency)
    except (LookupError, ValueError) as exc:
        return {"error": str(exc)}
    cur = v.currency

    def show(name: str, x) -> str:
        if x is None:
            return "–"
        if name in MONEY:
            return fmt.money(x, cur)
        return fmt.number(x, 1 if x < 10 else 0)

    accounts = []
    for a in v.accounts:
        rows = []
        for name, e in a.expected.items():
            if name in MONEY and name == "revenue" and not p.can_see_costs:
                continue
            rows.append({"name": build.kpi_name(EXPECTED_KPI[name], lang), "value": show(name, e.value),
                         "interval": "–" if e.low is None else f"{show(name, e.low)} – {show(name, e.high)}",
                         "basis": e.basis, "observations": e.observations, "note": localize(e.note, lang)})
        actual = [(build.kpi_name(k, lang), fmt.kpi(a.actual[k], "x") if k == "roas" and a.actual[k] is not None
                   else (fmt.money(a.actual[k], cur) if a.actual[k] is not None else "–")) for k in ACTUAL]
        bench = []
        for k, b in a.benchmarks.items():
            if b.get("low") is not None and b.get("high") is not None:
                text = f"{plain_number(b['low'])}–{plain_number(b['high'])}" + (f" {b['currency']}" if b.get("currency") else "") + (
                    " %" if b.get("unit") == "%" else (" x" if b.get("unit") == "x" else ""))
            elif b.get("value") is not None:
                text = plain_number(b["value"]) + (" %" if b.get("unit") == "%" else "")
            else:
                continue
            bench.append((build.kpi_name(k, lang), fmt.ltr(text), benchmark_text(b.get("citation") or "", lang)))
        f = a.fee
        fee = (f"{fmt.money(f['low'], cur)} – {fmt.money(f['high'], cur)}" if f["low"] is not None else "–")
        cred = a.credibility
        accounts.append({
            "name": f"{a.platform} @{a.handle}", "tier": tier_name(a.tier, lang), "followers": fmt.number(a.followers),
            "posts": a.posts_used, "campaigns": a.campaigns_used, "from_history": a.from_history, "rows": rows,
            "actual": actual if p.can_see_costs else [], "benchmarks": bench,
            "fee": fee if p.can_see_costs else None, "fee_mid": fmt.money(f["mid"], cur) if f["mid"] is not None else "–",
            "fee_basis": localize(f["basis_text"] or f["why"], lang),
            "formulas": localize_all(f["formulas"], lang) if p.can_see_costs else [],
            "credibility": None if cred is None else {
                "score": fmt.number(cred["score"], 0) if cred["score"] is not None else "–",
                "discount": localize(cred["discount"], lang) if cred["discount"] else None},
            "notes": localize_all(a.notes, lang)})
    return {"accounts": accounts, "coverage": fmt.percent(v.coverage * 100, 0), "deliverables": v.deliverables,
            "currency": cur, "campaigns": v.campaigns, "notes": localize_all(v.notes, lang)}


def _match(row: dict, key: str) -> bool:
    return str(build.row_key(row).get("creator")) == key


def _creator_or_404(conn, p: Principal, key: str) -> dict:
    creator = conn.execute(sa.select(t.creators).where(t.creators.c.workspace_id == p.workspace_id,
                                                      t.creators.c.key == key)).mappings().first()
    if creator is None:
        raise HTTPException(404, f"no creator {key!r} in this workspace")
    return dict(creator)


def _campaigns_of(conn, p: Principal, creator_id: int, slug: str | None = None) -> list[dict]:
    """The creator's campaigns in this workspace, by start date (only SLUG when given)."""
    q = (sa.select(t.campaigns).join(t.campaign_creators, t.campaign_creators.c.campaign_id == t.campaigns.c.id)
         .where(t.campaign_creators.c.creator_id == creator_id, t.campaigns.c.workspace_id == p.workspace_id)
         .order_by(t.campaigns.c.start_date))
    if slug is not None:
        q = q.where(t.campaigns.c.slug == slug)
    return [dict(r) for r in conn.execute(q).mappings()]


def _columns(p: Principal) -> list[str]:
    return [k for k in HISTORY_KPIS if p.can_see_costs or k not in build.COST_KPIS]


def history_entry(engine, p: Principal, key: str, c: dict, lang: str) -> dict[str, Any]:
    """One campaign's row of the creator's history: the creator's KPIs in it (one engine call,
    shared with the campaign's other creators and with the valuation through the result cache)."""
    fmt = i18n.Formatter(lang)
    entry: dict[str, Any] = {"c": c, "values": {}, "error": None, "loaded": True}
    try:
        rows = build.compute(engine, p.workspace_slug, c["slug"], by="creator", diagnostics=False).get("rows", [])
    except Exception as exc:  # noqa: BLE001 - one campaign that cannot be computed must not hide the rest
        entry["error"] = str(exc)
        return entry
    row = next((r for r in rows if _match(r, key)), None)
    for k in _columns(p):
        e = (row or {}).get("kpis", {}).get(k)
        entry["values"][k] = build.fmt_kpi(fmt, e, c["currency"]) if e else "–"
    return entry


@router.get("/creators/{key}", response_class=HTMLResponse)
def creator_page(key: str, request: Request, p: Principal = Depends(principal)) -> HTMLResponse:
    """The creator's identity, accounts and credibility; each campaign's KPIs and the valuation
    (engine calls) are loaded by htmx after the page shows, one request each."""
    lang = lang_of(request)
    with engine_of(request).connect() as conn:
        creator = _creator_or_404(conn, p, key)
        accounts = [dict(r) for r in conn.execute(sa.select(t.creator_accounts).where(
            t.creator_accounts.c.creator_id == creator["id"]).order_by(t.creator_accounts.c.platform)).mappings()]
        camps = _campaigns_of(conn, p, creator["id"])
        cred = {c["creator_account_id"]: {**c, "checks": build.credibility_checks(c.get("reasons"), lang)}
                for c in _credibility(conn, [a["id"] for a in accounts])}
    cols = _columns(p)
    return page(request, "creator.html", principal=p, active="home", lang=lang, creator=creator, accounts=accounts,
                history=[{"c": c, "loaded": False} for c in camps],
                cols=[(k, build.kpi_name(k, lang)) for k in cols], credibility=cred)


@router.get("/creators/{key}/history/{slug}", response_class=HTMLResponse)
def history_row(key: str, slug: str, request: Request, p: Principal = Depends(principal)) -> HTMLResponse:
    """One row of the creator page's history table (swapped in by htmx)."""
    lang = lang_of(request)
    engine = engine_of(request)
    with engine.connect() as conn:
        creator = _creator_or_404(conn, p, key)
        camps = _campaigns_of(conn, p, creator["id"], slug)
    if not camps:
        raise HTTPException(404, f"creator {key!r} is not in a campaign {slug!r} of this workspace")
    cols = _columns(p)
    return page(request, "partials/creator_history_row.html", principal=p, lang=lang, creator=creator,
                h=history_entry(engine, p, key, camps[0], lang), cols=[(k, build.kpi_name(k, lang)) for k in cols])


@router.get("/creators/{key}/valuation", response_class=HTMLResponse)
def valuation_panel(key: str, request: Request, p: Principal = Depends(principal)) -> HTMLResponse:
    """The creator page's valuation panel (swapped in by htmx; the planning module's engine calls)."""
    lang = lang_of(request)
    engine = engine_of(request)
    with engine.connect() as conn:
        creator = _creator_or_404(conn, p, key)
        camps = _campaigns_of(conn, p, creator["id"])
    # in the currency of the creator's latest campaign: their fees and costs were agreed in it
    return page(request, "partials/creator_valuation.html", principal=p, lang=lang,
                valuation=_valuation(engine, p, creator, lang, camps[-1]["currency"] if camps else None))


def _credibility(conn, account_ids: list[int]) -> list[dict]:
    from influscope.db.audience import account_credibility
    if not account_ids:
        return []
    try:
        rows = conn.execute(sa.select(account_credibility).where(
            account_credibility.c.creator_account_id.in_(account_ids))).mappings().all()
    except sa.exc.DBAPIError:
        return []
    return [dict(r) for r in rows]
