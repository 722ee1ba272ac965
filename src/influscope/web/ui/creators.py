"""Creator page: accounts, history across campaigns (KPIs from the engine, per campaign),
audience-credibility reasons and the planning module's valuation."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse

from influscope.auth.deps import Principal, principal
from influscope.db import tables as t
from influscope.reports import build
from influscope.web import i18n
from influscope.web.ui._common import engine_of, lang_of, page

router = APIRouter(include_in_schema=False)

HISTORY_KPIS = ("posts", "reach", "engagements", "engagement_rate", "clicks", "ctr", "conversions", "revenue",
                "roas", "emv", "credibility_score")


def _usd_rate(engine, workspace_id: int, currency: str) -> Any:
    """The latest stored rate of CURRENCY per 1 USD in the workspace, or None."""
    if currency == "USD":
        return None
    with engine.connect() as conn:
        return conn.execute(sa.select(t.fx_rates.c.rate).where(
            t.fx_rates.c.workspace_id == workspace_id, t.fx_rates.c.base == currency, t.fx_rates.c.currency == "USD")
            .order_by(t.fx_rates.c.date.desc()).limit(1)).scalar()


def _valuation(engine, p: Principal, creator: dict, lang: str, currency: str | None = None) -> dict | None:
    """The planning module's valuation of every account of this creator, formatted for LANG, in
    CURRENCY (the currency of the creator's latest campaign) when the workspace has a USD rate for it."""
    try:
        from influscope.planning.valuation import value_stored_creator
    except ImportError:
        return None
    fmt = i18n.Formatter(lang)
    rate = _usd_rate(engine, p.workspace_id, currency) if currency else None
    money = {"currency": currency, "fx_rate": rate} if rate is not None else {}
    try:
        stored = value_stored_creator(engine, creator["key"], workspace=p.workspace_slug, **money)
    except (LookupError, ValueError) as exc:
        return {"error": str(exc)}
    accounts = []
    for name, v in stored.accounts.items():
        per = {k: (fmt.number(e.value, 0) + (" *" if e.estimated else "")) if e.value is not None else "–"
               for k, e in v.per_post.items()}
        accounts.append({
            "name": name, "tier": v.tier, "followers": fmt.number(v.followers), "posts": v.posts_used,
            "per_post": per, "emv": fmt.money(v.emv, v.currency) if v.emv is not None else "–",
            "fee": (f"{fmt.money(v.fee_low, v.currency)} – {fmt.money(v.fee_high, v.currency)}"
                    if v.fee_low is not None else "–"),
            "formulas": list(v.formulas), "notes": list(v.notes)})
    return {"accounts": accounts, "skipped": dict(stored.skipped)}


def _match(row: dict, key: str) -> bool:
    return str(build.row_key(row).get("creator")) == key


@router.get("/creators/{key}", response_class=HTMLResponse)
def creator_page(key: str, request: Request, p: Principal = Depends(principal)) -> HTMLResponse:
    lang = lang_of(request)
    fmt = i18n.Formatter(lang)
    engine = engine_of(request)
    with engine.connect() as conn:
        creator = conn.execute(sa.select(t.creators).where(t.creators.c.workspace_id == p.workspace_id,
                                                          t.creators.c.key == key)).mappings().first()
        if creator is None:
            raise HTTPException(404, f"no creator {key!r} in this workspace")
        creator = dict(creator)
        accounts = [dict(r) for r in conn.execute(sa.select(t.creator_accounts).where(
            t.creator_accounts.c.creator_id == creator["id"]).order_by(t.creator_accounts.c.platform)).mappings()]
        camps = [dict(r) for r in conn.execute(
            sa.select(t.campaigns).join(t.campaign_creators, t.campaign_creators.c.campaign_id == t.campaigns.c.id)
            .where(t.campaign_creators.c.creator_id == creator["id"], t.campaigns.c.workspace_id == p.workspace_id)
            .order_by(t.campaigns.c.start_date)).mappings()]
        cred = {c["creator_account_id"]: {**c, "checks": build.credibility_checks(c.get("reasons"), lang)}
                for c in _credibility(conn, [a["id"] for a in accounts])}
    history: list[dict[str, Any]] = []
    for c in camps:
        entry: dict[str, Any] = {"c": c, "values": {}, "error": None}
        try:
            rows = build.compute(engine, p.workspace_slug, c["slug"], by="creator").get("rows", [])
        except Exception as exc:  # noqa: BLE001
            entry["error"] = str(exc)
            history.append(entry)
            continue
        row = next((r for r in rows if _match(r, key)), None)
        for k in HISTORY_KPIS:
            if not p.can_see_costs and k in build.COST_KPIS:
                continue
            e = (row or {}).get("kpis", {}).get(k)
            entry["values"][k] = build.fmt_kpi(fmt, e, c["currency"]) if e else "–"
        history.append(entry)
    cols = [k for k in HISTORY_KPIS if p.can_see_costs or k not in build.COST_KPIS]
    return page(request, "creator.html", principal=p, active="home", lang=lang, creator=creator, accounts=accounts,
                history=history, cols=[(k, build.kpi_name(k, lang)) for k in cols], credibility=cred,
                valuation=_valuation(engine, p, creator, lang, camps[-1]["currency"] if camps else None))


def _credibility(conn, account_ids: list[int]) -> list[dict]:
    try:
        from influscope.db.audience import account_credibility
    except ImportError:
        return []
    if not account_ids:
        return []
    try:
        rows = conn.execute(sa.select(account_credibility).where(
            account_credibility.c.creator_account_id.in_(account_ids))).mappings().all()
    except sa.exc.DBAPIError:
        return []
    return [dict(r) for r in rows]
