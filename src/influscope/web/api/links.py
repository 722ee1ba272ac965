"""/api/v1/links: tracking links (create one or many, list, read, QR code) and campaign link stats.

Links are addressed by their slug (the ``/l/{slug}`` of the short URL); campaigns, creators and
posts by their keys (``spring-launch``, ``mei-lin``, the platform's post id), as in the bundle.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

import sqlalchemy as sa
from fastapi import APIRouter, Body, Depends, HTTPException, Query, Response
from fastapi.responses import JSONResponse
from pydantic import Field

from influscope.auth import audit
from influscope.auth.deps import Principal, db, require
from influscope.db.tables import PLATFORMS
from influscope.tracking import links as L
from influscope.tracking.qr import FORMATS, qr_code
from influscope.tracking.stats import UNIQUE_WINDOWS, campaign_link_stats
from influscope.web.api._common import ERRORS, WRITE_ERRORS, Flag, Model, Slug, Text, UtcDateTime, strict_query

router = APIRouter(prefix="/api/v1/links", tags=["links"], responses=ERRORS, dependencies=[Depends(strict_query)])

LinkSlug = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
Platform = Literal[PLATFORMS]  # type: ignore[valid-type]
MAX_BULK = 5000


class LinkIn(Model):
    campaign: Slug
    destination: Text(4096, 1)  # type: ignore[valid-type]
    platform: Platform
    creator: Text(128, 1) | None = None  # type: ignore[valid-type]
    post: Text(128, 1) | None = None  # type: ignore[valid-type]
    paid: Flag = False
    slug: LinkSlug | None = None


class Link(Model):
    slug: str
    campaign: str
    creator: str | None
    platform: str | None
    destination_url: str
    post: str | None
    paid: bool
    created_at: UtcDateTime
    short_url: str
    tagged_url: str
    clicks: int | None = None
    bot_clicks: int | None = None


def _out(link: L.Link) -> Link:
    return Link(**{k: v for k, v in link.__dict__.items()})


def _spec(body: LinkIn, line: int | None = None) -> L.LinkSpec:
    return L.LinkSpec(campaign=body.campaign, destination=body.destination, platform=body.platform,
                      creator=body.creator, post=body.post, paid=body.paid, slug=body.slug, line=line)


def _rejected(exc: L.LinkError) -> JSONResponse:
    errors = [{"location": ["body"] + ([p.line - 1] if p.line is not None else []) + [p.field], "message": p.message}
              for p in exc.problems]
    first = errors[0]
    return JSONResponse(status_code=422, content={
        "status": 422, "message": f"invalid request: {first['location'][-1]}: {first['message']}", "errors": errors})


def _create(engine: sa.Engine, p: Principal, specs: list[L.LinkSpec]) -> list[L.Link]:
    def log(conn: sa.Connection, made: list[L.Link]) -> None:
        for link in made:
            audit.record_for(conn, p, "link.create", object_type="link", object_id=link.slug,
                             detail={"campaign": link.campaign, "creator": link.creator})

    return L.create_links(engine, specs, workspace=p.workspace_slug, source="body", on_created=log)


@router.get("", response_model=list[Link], summary="List tracking links with their click counts")
def list_links(campaign: Annotated[str | None, Query(max_length=64)] = None,
               creator: Annotated[str | None, Query(max_length=128)] = None,
               p: Principal = Depends(require("read")), engine: sa.Engine = Depends(db)) -> list[Link]:
    return [_out(x) for x in L.list_links(engine, workspace=p.workspace_slug, campaign=campaign, creator=creator)]


@router.post("", response_model=Link, status_code=201, summary="Create a tracking link", responses=WRITE_ERRORS)
def create_link(body: LinkIn, p: Principal = Depends(require("write")), engine: sa.Engine = Depends(db)):
    try:
        return _out(_create(engine, p, [_spec(body)])[0])
    except L.LinkError as exc:
        return _rejected(exc)


@router.post("/bulk", response_model=list[Link], status_code=201, responses=WRITE_ERRORS,
             summary="Create many tracking links: all of them, or none")
def create_links(body: Annotated[list[LinkIn], Body(min_length=1, max_length=MAX_BULK)],
                 p: Principal = Depends(require("write")), engine: sa.Engine = Depends(db)):
    try:
        return [_out(x) for x in _create(engine, p, [_spec(b, i + 1) for i, b in enumerate(body)])]
    except L.LinkError as exc:
        return _rejected(exc)


@router.get("/stats", summary="Campaign link statistics: clicks, unique clicks, bots; by day, country, device, "
                              "app, referrer, link and bot reason")
def link_stats(campaign: Annotated[str, Query(min_length=1, max_length=64)],
               include_bots: bool = False,
               unique_window: Literal[tuple(UNIQUE_WINDOWS)] = "1h",  # type: ignore[valid-type]
               start: dt.date | None = None, end: dt.date | None = None,
               p: Principal = Depends(require("read")), engine: sa.Engine = Depends(db)) -> dict:
    if start and end and end < start:
        raise HTTPException(422, "end: must not be before start")
    try:
        stats = campaign_link_stats(engine, campaign, workspace=p.workspace_slug, include_bots=include_bots,
                                    unique_window=unique_window, start=start, end=end)
    except L.LinkError as exc:
        raise HTTPException(404, exc.problems[0].message) from None
    return stats.as_dict()


@router.get("/{slug}", response_model=Link, summary="Read a tracking link")
def get_link(slug: str, p: Principal = Depends(require("read")), engine: sa.Engine = Depends(db)) -> Link:
    found = L.get_link(engine, slug, workspace=p.workspace_slug) if L.SLUG_RE.match(slug) else None
    if found is None:
        raise HTTPException(404, f"no link {slug!r}")
    return _out(found)


@router.get("/{slug}/qr.{fmt}", summary="QR code of a link's short URL (SVG or PNG)",
            responses={200: {"content": {m: {} for m in FORMATS.values()}}})
def link_qr(slug: str, fmt: Literal["svg", "png"], scale: Annotated[int, Query(ge=1, le=50)] = 8,
            p: Principal = Depends(require("read")), engine: sa.Engine = Depends(db)) -> Response:
    found = L.get_link(engine, slug, workspace=p.workspace_slug) if L.SLUG_RE.match(slug) else None
    if found is None:
        raise HTTPException(404, f"no link {slug!r}")
    return Response(qr_code(found.short_url, fmt, scale=scale), media_type=FORMATS[fmt],
                    headers={"Content-Disposition": f'inline; filename="{slug}.{fmt}"'})
