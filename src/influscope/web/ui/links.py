"""Links and codes page: every tracked link with its short URL, QR code and copy button, the
promo codes of each campaign, and forms to create both."""

from __future__ import annotations

import sqlalchemy as sa
from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from influscope.auth.deps import Principal, principal, require
from influscope.db import tables as t
from influscope.ingest import rules
from influscope.web import i18n
from influscope.web.ui._common import engine_of, lang_of, page

router = APIRouter(include_in_schema=False)


def _campaigns(conn, ws: int) -> list[dict]:
    return [dict(r) for r in conn.execute(sa.select(t.campaigns.c.slug, t.campaigns.c.name)
                                          .where(t.campaigns.c.workspace_id == ws)
                                          .order_by(t.campaigns.c.slug)).mappings()]


def _creators(conn, ws: int) -> list[dict]:
    return [dict(r) for r in conn.execute(sa.select(t.creators.c.key, t.creators.c.name)
                                          .where(t.creators.c.workspace_id == ws)
                                          .order_by(t.creators.c.key)).mappings()]


def _codes(conn, ws: int, campaign: str | None) -> list[dict]:
    q = (sa.select(t.codes.c.code, t.codes.c.kind, t.campaigns.c.slug.label("campaign"),
                   t.creators.c.key.label("creator"))
         .select_from(t.codes.join(t.campaigns, t.campaigns.c.id == t.codes.c.campaign_id)
                      .outerjoin(t.creators, t.creators.c.id == t.codes.c.creator_id))
         .where(t.codes.c.workspace_id == ws).order_by(t.campaigns.c.slug, t.codes.c.code))
    if campaign:
        q = q.where(t.campaigns.c.slug == campaign)
    return [dict(r) for r in conn.execute(q).mappings()]


def _render(request: Request, p: Principal, *, problems: list[str] | None = None, created: str | None = None,
            status: int = 200) -> HTMLResponse:
    from influscope.tracking.links import list_links, with_click_counts

    engine = engine_of(request)
    campaign = request.query_params.get("campaign") or None
    query = (request.query_params.get("q") or "").strip()
    # search and page first; the clicks are counted for the links shown, in one grouped query
    found = search_links(list_links(engine, workspace=p.workspace_slug, campaign=campaign, counts=False), query)
    pages = max(1, -(-len(found) // PAGE_SIZE))
    try:
        page_no = min(max(1, int(request.query_params.get("page") or 1)), pages)
    except ValueError:
        page_no = 1
    links = found[(page_no - 1) * PAGE_SIZE: page_no * PAGE_SIZE]
    with engine.connect() as conn:
        links = with_click_counts(conn, p.workspace_id, links)
        campaigns = _campaigns(conn, p.workspace_id)
        creators = _creators(conn, p.workspace_id)
        codes = _codes(conn, p.workspace_id, campaign)
    from influscope.db.tables import PLATFORMS

    return page(request, "links.html", principal=p, active="links", links=links, codes=codes, campaigns=campaigns,
                creators=creators, platforms=PLATFORMS, campaign=campaign, problems=problems or [],
                created=created, status=status, q=query, page_no=page_no, pages=pages, total=len(found),
                page_size=PAGE_SIZE)


PAGE_SIZE = 25


def search_links(links: list, query: str) -> list:
    """The links whose slug, campaign, creator, platform or destination contain every word of QUERY
    (case-insensitive)."""
    words = query.lower().split()
    if not words:
        return links

    def text(link) -> str:
        return " ".join(str(x or "") for x in (link.slug, link.campaign, link.creator, link.platform,
                                               link.destination_url, link.short_url)).lower()

    return [link for link in links if all(w in text(link) for w in words)]


@router.get("/links", response_class=HTMLResponse)
def links_page(request: Request, p: Principal = Depends(principal)) -> HTMLResponse:
    return _render(request, p, created=request.query_params.get("created"))


@router.post("/links", response_class=HTMLResponse)
async def create_link_form(request: Request, p: Principal = Depends(require("analyst"))) -> Response:
    from influscope.tracking.links import LinkError, create_link

    form = await request.form()
    try:
        link = create_link(engine_of(request), campaign=str(form.get("campaign") or ""),
                           destination=str(form.get("destination") or "").strip(),
                           platform=str(form.get("platform") or ""), creator=str(form.get("creator") or "") or None,
                           paid=form.get("paid") == "1", slug=str(form.get("slug") or "").strip() or None,
                           workspace=p.workspace_slug)
    except LinkError as exc:
        return _render(request, p, problems=[str(pr) for pr in exc.problems], status=422)
    return RedirectResponse(f"/links?created={link.slug}", status_code=303)


@router.post("/codes", response_class=HTMLResponse)
async def create_code_form(request: Request, p: Principal = Depends(require("analyst"))) -> Response:
    _ = i18n.gettext_for(lang_of(request))
    form = await request.form()
    campaign = str(form.get("campaign") or "")
    creator = str(form.get("creator") or "") or None
    kind = str(form.get("kind") or "affiliate")
    problems = []
    try:
        code = rules.check_code(str(form.get("code") or ""))
    except ValueError:
        code = ""
        problems.append("code: " + _("letters, digits, - and _ only, at most 64"))
    if kind not in t.CODE_KINDS:
        problems.append(f"kind: {kind!r} is not one of {', '.join(t.CODE_KINDS)}")
    engine = engine_of(request)
    with engine.begin() as conn:
        camp = conn.execute(sa.select(t.campaigns.c.id).where(t.campaigns.c.workspace_id == p.workspace_id,
                                                              t.campaigns.c.slug == campaign)).scalar()
        if camp is None:
            problems.append(f"campaign: no campaign {campaign!r}")
        creator_id = None
        if creator:
            creator_id = conn.execute(sa.select(t.creators.c.id).where(t.creators.c.workspace_id == p.workspace_id,
                                                                       t.creators.c.key == creator)).scalar()
            if creator_id is None:
                problems.append(f"creator: no creator {creator!r}")
        if kind == "affiliate" and not creator:
            problems.append("creator: " + _("an affiliate code belongs to a creator"))
        if code and conn.execute(sa.select(t.codes.c.id).where(t.codes.c.workspace_id == p.workspace_id,
                                                               t.codes.c.code == code)).scalar():
            problems.append(f"code: {code} " + _("already exists"))
        if not problems:
            conn.execute(t.codes.insert().values(workspace_id=p.workspace_id, campaign_id=camp, code=code,
                                                 creator_id=creator_id, kind=kind))
            if creator_id:
                exists = conn.execute(sa.select(t.campaign_creators.c.campaign_id).where(
                    t.campaign_creators.c.campaign_id == camp, t.campaign_creators.c.creator_id == creator_id)).first()
                if not exists:
                    conn.execute(t.campaign_creators.insert().values(campaign_id=camp, creator_id=creator_id))
    if problems:
        return _render(request, p, problems=problems, status=422)
    return RedirectResponse(f"/links?campaign={campaign}", status_code=303)


@router.get("/links/{slug}/qr.svg")
def qr_svg(slug: str, request: Request, p: Principal = Depends(principal)) -> Response:
    from influscope.tracking.links import SLUG_RE, get_link

    found = get_link(engine_of(request), slug, workspace=p.workspace_slug) if SLUG_RE.match(slug) else None
    if found is None:
        raise HTTPException(404, f"no link {slug!r}")
    return Response(qr_code_svg(found.short_url), media_type="image/svg+xml",
                    headers={"Cache-Control": "private, max-age=3600"})


def qr_code_svg(url: str) -> bytes:
    try:
        from influscope.tracking.qr import qr_svg as tracking_qr  # the tracking area's renderer, when present

        out = tracking_qr(url)
        return out.encode() if isinstance(out, str) else out
    except ImportError:
        import io

        import segno

        buf = io.BytesIO()
        segno.make(url, error="m").save(buf, kind="svg", scale=4, border=2, xmldecl=False)
        return buf.getvalue()
