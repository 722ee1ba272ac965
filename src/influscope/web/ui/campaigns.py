"""The workspace home (campaign list) and the campaign page with its downloads.

Every number comes from the KPI engine through :func:`influscope.reports.build.build_report`;
the page formats and arranges them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from influscope.auth.deps import Principal, principal, require
from influscope.db import tables as t
from influscope.reports import build, charts
from influscope.reports.model import Report, Table
from influscope.web import i18n
from influscope.web.ui._common import campaign_or_404, engine_of, lang_of, page

router = APIRouter(include_in_schema=False)

HEADLINE = {"tofu": "reach", "mofu": "leads", "bofu": "roas"}


def _date(value: str | None, name: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise HTTPException(422, f"{name}: not a date (YYYY-MM-DD): {value!r}") from None


def _period(request: Request) -> tuple[dt.date | None, dt.date | None]:
    start = _date(request.query_params.get("start"), "start")
    end = _date(request.query_params.get("end"), "end")
    if start and end and end < start:
        raise HTTPException(422, "end: the end date is before the start date")
    return start, end


@router.get("/", response_class=HTMLResponse)
def home(request: Request, p: Principal = Depends(principal)) -> HTMLResponse:
    """The campaigns of the workspace; each row's KPI cells are loaded by htmx (one engine call each)."""
    lang = lang_of(request)
    with engine_of(request).connect() as conn:
        rows = [dict(r) for r in conn.execute(
            sa.select(t.campaigns).where(t.campaigns.c.workspace_id == p.workspace_id)
            .order_by(t.campaigns.c.start_date.desc(), t.campaigns.c.slug)).mappings()]
        planned = [c for c in rows if c["status"] == "planned"]
        lists = _lists_of(conn, [c["id"] for c in planned])
    from influscope.reports.pdf import stage_names

    fmt = i18n.Formatter(lang)
    # planned campaigns are listed apart and load no KPI: they are not running, whatever their dates
    return page(request, "home.html", principal=p, active="home", lang=lang,
                items=[{"c": c, "loaded": False} for c in rows if c["status"] != "planned"],
                planned=[{"c": c, "lists": lists.get(c["id"], []),
                          "budget": fmt.money(c["budget"], c["currency"]) if p.can_see_costs and c["budget"] is not None
                          else "–"} for c in planned],
                stages=stage_names(lang))


def _lists_of(conn, campaign_ids: list[int]) -> dict[int, list[dict]]:
    """The candidate lists attached to each of the campaigns."""
    from influscope.db.planning import candidate_lists

    out: dict[int, list[dict]] = {}
    if not campaign_ids:
        return out
    for r in conn.execute(sa.select(candidate_lists.c.campaign_id, candidate_lists.c.slug, candidate_lists.c.name)
                          .where(candidate_lists.c.campaign_id.in_(campaign_ids))
                          .order_by(candidate_lists.c.slug)).mappings():
        out.setdefault(r["campaign_id"], []).append({"slug": r["slug"], "name": r["name"]})
    return out


@router.post("/campaigns/{slug}/start")
def start_form(slug: str, request: Request, p: Principal = Depends(require("analyst"))) -> Response:
    """The home page's Start button: a planned campaign becomes started (measured, paced, forecast)."""
    from fastapi.responses import RedirectResponse

    from influscope.auth import audit
    from influscope.planning.campaign_state import CampaignStateError, start_campaign

    try:
        row = start_campaign(engine_of(request), p.workspace_slug, slug)
    except LookupError as exc:
        raise HTTPException(404, str(exc)) from None
    except CampaignStateError as exc:
        raise HTTPException(409, str(exc)) from None
    with engine_of(request).begin() as conn:
        audit.record_for(conn, p, "campaign.start", object_type="campaign", object_id=row["id"], detail={"slug": slug})
    return RedirectResponse(f"/campaigns/{slug}", status_code=303)


def campaign_summary(request: Request, p: Principal, c: dict, lang: str) -> dict[str, Any]:
    fmt = i18n.Formatter(lang)
    item: dict[str, Any] = {"c": c, "loaded": True, "headline": None, "spend": "–", "budget": "–", "used": None,
                            "error": None}
    if p.can_see_costs and c["budget"] is not None:
        item["budget"] = fmt.money(c["budget"], c["currency"])
    try:
        # the campaign KPIs only: no breakdown, no diagnostics (the cheapest engine call)
        k = build.compute(engine_of(request), p.workspace_slug, c["slug"], diagnostics=False).get("kpis", {})
    except Exception as exc:  # noqa: BLE001 - one broken campaign must not hide the others
        item["error"] = str(exc)
        return item
    hid = HEADLINE.get(c["goal"], "reach")
    if not p.can_see_costs and hid in build.COST_KPIS:
        hid = "revenue"
    if hid in k:
        item["headline"] = (build.kpi_name(hid, lang), build.fmt_kpi(fmt, k[hid], c["currency"]))
    if p.can_see_costs:
        item["spend"] = build.fmt_kpi(fmt, k.get("spend"), c["currency"])
        used = (k.get("budget_used") or {}).get("value")
        item["used"] = None if used is None else max(0.0, min(float(used), 100.0))
        item["used_display"] = fmt.percent(used, 0) if used is not None else ""
    return item


@router.get("/campaigns/{slug}/summary-row", response_class=HTMLResponse)
def summary_row(slug: str, request: Request, p: Principal = Depends(principal)) -> HTMLResponse:
    lang = lang_of(request)
    with engine_of(request).connect() as conn:
        c = campaign_or_404(conn, p.workspace_id, slug)
    from influscope.reports.pdf import stage_names

    return page(request, "partials/campaign_row.html", principal=p, lang=lang,
                it=campaign_summary(request, p, c, lang), stages=stage_names(lang))


def _compare(request: Request) -> str:
    value = request.query_params.get("compare") or "previous"
    if value not in build.COMPARE_CHOICES:
        raise HTTPException(422, f"compare: {value!r} is not one of {', '.join(build.COMPARE_CHOICES)}")
    return value


def _report(request: Request, p: Principal, slug: str, *, parts=("daily", "posts"), board: bool = True,
            compare: str | None = None) -> Report:
    """The campaign's report; a panel (``board=False``) gets only its part, without comparisons."""
    start, end = _period(request)
    if compare is None:
        compare = _compare(request) if board else "none"
    try:
        return build.build_report(engine_of(request), p.workspace_slug, slug, lang=lang_of(request), start=start,
                                  end=end, compare=compare, show_costs=p.can_see_costs, parts=parts, board=board)
    except build.CampaignNotFound as exc:
        raise HTTPException(404, str(exc)) from None


def sort_table(table: Table, key: str | None, direction: str) -> Table:
    if not key or key not in {c.key for c in table.columns}:
        return table
    desc = direction != "asc"
    pairs = list(zip(table.rows, table.display_rows))
    present = [x for x in pairs if x[0].get(key) is not None]
    missing = [x for x in pairs if x[0].get(key) is None]

    def k(x):
        v = x[0][key]
        return (0, float(v)) if isinstance(v, (int, float)) or _is_decimal(v) else (1, str(v).lower())

    present.sort(key=k, reverse=desc)
    ordered = present + missing  # missing values always last
    return Table(table.id, table.title, table.columns, [a for a, _ in ordered], [b for _, b in ordered])


def _is_decimal(v: Any) -> bool:
    from decimal import Decimal

    return isinstance(v, Decimal)


def chart_options(report: Report) -> dict[str, dict]:
    out: dict[str, dict] = {}
    if report.funnel:
        out["funnel"] = charts.echarts_funnel(report.funnel)
    if report.daily:
        out["daily"] = charts.echarts_line(report.daily)
    if report.traffic.get("series"):
        out["traffic"] = charts.echarts_line(report.traffic["series"], hline=report.traffic.get("baseline_mean"),
                                             hline_label=report.traffic.get("baseline_label", ""),
                                             shade=report.period)
    if report.followers.get("series"):
        out["followers"] = charts.echarts_line(report.followers["series"], shade=report.period)
    return out


@router.get("/campaigns/{slug}", response_class=HTMLResponse)
def campaign_page(slug: str, request: Request, sort: str | None = None, dir: str = "desc",
                  p: Principal = Depends(principal)) -> HTMLResponse:
    # the comparison periods, the daily trends and the posts table are loaded by htmx after the
    # page shows (one engine call each): the page itself needs one call
    compare = _compare(request)
    report = _report(request, p, slug, parts=(), compare="none")
    lang = report.lang
    board = report.tables.get("creators")
    if board is not None:
        board = sort_table(board, sort or _default_sort(board), dir)
    from influscope.reports.pdf import stage_names

    with engine_of(request).connect() as conn:
        status = conn.execute(sa.select(t.campaigns.c.status).where(t.campaigns.c.workspace_id == p.workspace_id,
                                                                    t.campaigns.c.slug == slug)).scalar()
        lists = _lists_of(conn, [report.campaign["id"]]).get(report.campaign["id"], []) if status == "planned" else []
    return page(request, "campaign.html", principal=p, active="home", lang=lang, report=report, planned=status == "planned",
                planned_lists=lists if p.can_see_costs else [],
                board=board, sort=sort or _default_sort(board), sort_dir=dir, charts=chart_options(report),
                stages=stage_names(lang), start=request.query_params.get("start", ""),
                end=request.query_params.get("end", ""), compare=compare, slug=slug,
                shares=_shares(request, p, report), qs=_qs(request))


@router.get("/campaigns/{slug}/comparisons", response_class=HTMLResponse)
def comparisons(slug: str, request: Request, p: Principal = Depends(principal)) -> HTMLResponse:
    """Each card's comparison with the chosen periods, swapped into the campaign page's cards."""
    report = _report(request, p, slug, parts=())
    return page(request, "partials/comparisons.html", principal=p, lang=report.lang, report=report)


def _default_sort(board: Table | None, prefs=("revenue", "conversions", "leads", "engagements", "reach")) -> str | None:
    if board is None:
        return None
    nums = [c.key for c in board.columns if c.unit not in (None, "text")]
    for pref in prefs:
        if pref in nums:
            return pref
    return nums[0] if nums else None


def _qs(request: Request) -> str:
    from urllib.parse import urlencode

    keep = {k: v for k, v in request.query_params.items() if k in ("start", "end", "compare") and v}
    return urlencode(keep)


@router.get("/campaigns/{slug}/daily", response_class=HTMLResponse)
def daily_panel(slug: str, request: Request, p: Principal = Depends(principal)) -> HTMLResponse:
    report = _report(request, p, slug, parts=("daily",), board=False)
    return page(request, "partials/daily.html", principal=p, lang=report.lang, report=report,
                charts=chart_options(report))


@router.get("/campaigns/{slug}/posts", response_class=HTMLResponse)
def posts_panel(slug: str, request: Request, p: Principal = Depends(principal)) -> HTMLResponse:
    report = _report(request, p, slug, parts=("posts",), board=False)
    posts = report.tables.get("posts")
    if posts is not None:
        posts = sort_table(posts, _default_sort(posts, ("reach", "impressions", "engagements")) if not request.query_params.get("sort")
                           else request.query_params["sort"], request.query_params.get("dir", "desc"))
    try:
        limit = min(max(int(request.query_params.get("limit") or POSTS_SHOWN), 1), 200)
    except ValueError:
        limit = POSTS_SHOWN
    return page(request, "partials/posts.html", principal=p, lang=report.lang, posts=posts, limit=limit, slug=slug,
                qs=_qs(request))


POSTS_SHOWN = 20  # the page stays short; the rest is one click away (and in the exports)


@router.get("/campaigns/{slug}/creators", response_class=HTMLResponse)
def leaderboard(slug: str, request: Request, sort: str | None = None, dir: str = "desc",
                p: Principal = Depends(principal)) -> HTMLResponse:
    """The sortable creator leaderboard alone (swapped in by htmx when a column header is clicked)."""
    report = _report(request, p, slug, parts=(), compare="none")
    board = report.tables.get("creators")
    board = sort_table(board, sort, dir) if board is not None else None
    return page(request, "partials/leaderboard.html", principal=p, lang=report.lang, board=board, sort=sort,
                sort_dir=dir, slug=slug, start=request.query_params.get("start", ""),
                end=request.query_params.get("end", ""), compare=_compare(request))


def _filename(report: Report, ext: str) -> str:
    return f"{report.campaign['slug']}-{report.period[0].isoformat()}-{report.period[1].isoformat()}-{report.lang}.{ext}"


@router.get("/campaigns/{slug}/report.pdf")
def campaign_pdf(slug: str, request: Request, p: Principal = Depends(principal)) -> Response:
    from influscope.reports.pdf import FontsMissing, render_pdf

    report = _report(request, p, slug)
    try:
        data = render_pdf(report)
    except FontsMissing as exc:
        raise HTTPException(503, str(exc)) from None
    return Response(data, media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{_filename(report, "pdf")}"'})


@router.get("/campaigns/{slug}/report.xlsx")
def campaign_xlsx(slug: str, request: Request, p: Principal = Depends(principal)) -> Response:
    from influscope.reports.exports import tables_of, xlsx_bytes

    report = _report(request, p, slug)
    return Response(xlsx_bytes(tables_of(report), rtl=report.dir == "rtl"),
                    media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="{_filename(report, "xlsx")}"'})


@router.get("/campaigns/{slug}/report-csv.zip")
def campaign_csv(slug: str, request: Request, p: Principal = Depends(principal)) -> Response:
    from influscope.reports.exports import csv_zip

    report = _report(request, p, slug)
    return Response(csv_zip(report), media_type="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="{_filename(report, "zip")}"'})


def _shares(request: Request, p: Principal, report: Report) -> list[dict]:
    """The campaign's share links (for admins)."""
    from influscope.web.ui.share import list_shares
    return list_shares(request, p, report.campaign["id"])
