"""Shareable read-only report links: create and revoke them on the campaign page (admins), and
the public page ``/share/{token}`` (no login; budget and costs only if the link allows it)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from influscope.auth.deps import Principal, require
from influscope.db import tables as t
from influscope.reports import build
from influscope.web.ui._common import campaign_or_404, engine_of, lang_of, page

router = APIRouter(include_in_schema=False)


def list_shares(request: Request, p: Principal, campaign_id: int) -> list[dict]:
    if not p.allows("admin"):
        return []
    from influscope.auth import shares

    with engine_of(request).connect() as conn:
        return [s for s in shares.list_shares(conn, p.workspace_id, campaign_id) if s.get("revoked_at") is None]


@router.post("/campaigns/{slug}/share", response_class=HTMLResponse)
async def create(slug: str, request: Request, p: Principal = Depends(require("admin"))) -> HTMLResponse:
    from influscope.auth import shares

    form = await request.form()
    try:
        days = int(form.get("days") or 30)
    except ValueError:
        raise HTTPException(422, "days: not a whole number") from None
    if not 1 <= days <= 365:
        raise HTTPException(422, "days: between 1 and 365")
    engine = engine_of(request)
    with engine.connect() as conn:
        camp = campaign_or_404(conn, p.workspace_id, slug)
    new = shares.create_share(engine, p.workspace_id, camp["id"], show_budget=form.get("show_budget") == "1",
                              expires_in=dt.timedelta(days=days), user_id=p.user_id)
    url = str(request.base_url).rstrip("/") + f"/share/{new.token}"
    return page(request, "share_created.html", principal=p, url=url, new=new, campaign=camp)


@router.post("/campaigns/{slug}/share/{share_id}/revoke")
def revoke(slug: str, share_id: int, request: Request, p: Principal = Depends(require("admin"))) -> Response:
    from influscope.auth import shares

    if not shares.revoke_share(engine_of(request), p.workspace_id, share_id, user_id=p.user_id):
        raise HTTPException(404, f"no active share link {share_id}")
    return RedirectResponse(f"/campaigns/{slug}#share", status_code=303)


def _grant(request: Request, token: str):
    from influscope.auth import shares

    engine = engine_of(request)
    grant = shares.resolve_share(engine, token)
    if grant is None:
        raise HTTPException(404, "this share link is unknown, expired or revoked")
    with engine.connect() as conn:
        slug = conn.execute(sa.select(t.campaigns.c.slug).where(t.campaigns.c.id == grant.campaign_id,
                                                                t.campaigns.c.workspace_id == grant.workspace_id)).scalar()
    if slug is None:
        raise HTTPException(404, "this share link is unknown, expired or revoked")
    return grant, slug


@router.get("/share/{token}", response_class=HTMLResponse)
def shared_report(token: str, request: Request) -> HTMLResponse:
    grant, slug = _grant(request, token)
    report = build.build_report(engine_of(request), grant.workspace_slug, slug, lang=lang_of(request),
                                compare="previous", show_costs=grant.show_budget, parts=("daily", "posts"))
    from influscope.web.ui.campaigns import chart_options, sort_table, _default_sort
    from influscope.reports.pdf import stage_names

    board = report.tables.get("creators")
    board = sort_table(board, _default_sort(board), "desc") if board is not None else None
    return page(request, "shared.html", principal=None, lang=report.lang, report=report, board=board,
                charts=chart_options(report), stages=stage_names(report.lang), token=token,
                headers={"Cache-Control": "private, no-store", "X-Robots-Tag": "noindex"})


@router.get("/share/{token}/report.pdf")
def shared_pdf(token: str, request: Request) -> Response:
    from influscope.reports.pdf import FontsMissing, render_pdf

    grant, slug = _grant(request, token)
    report = build.build_report(engine_of(request), grant.workspace_slug, slug, lang=lang_of(request),
                                compare="previous", show_costs=grant.show_budget)
    try:
        data = render_pdf(report)
    except FontsMissing as exc:
        raise HTTPException(503, str(exc)) from None
    return Response(data, media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{slug}-{report.lang}.pdf"',
                             "Cache-Control": "private, no-store"})
