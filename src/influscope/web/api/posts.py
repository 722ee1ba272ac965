"""/api/v1/posts: sponsored posts with their newest metric snapshot; POST .../metrics adds a snapshot.

Missing metrics are ``null`` (not reported), never 0.
"""

from __future__ import annotations

from typing import Annotated, Literal

import sqlalchemy as sa
from fastapi import APIRouter, Depends, HTTPException, Response
from pydantic import Field

from influscope.auth import audit
from influscope.auth.deps import Principal, db, require
from influscope.db import tables as t
from influscope.events import records as event_records
from influscope.web.api._common import (ERRORS, WRITE_ERRORS, Count, DateTimeIn, Flag, Limit, Model, ObjectId, Offset,
                                        OptionalRef, Ref, Text, UtcDateTime, aware_to_naive_utc, row_or_404,
                                        strict_query)

router = APIRouter(prefix="/api/v1/posts", tags=["posts"], responses=ERRORS, dependencies=[Depends(strict_query)])

Platform = Literal[t.PLATFORMS]  # type: ignore[valid-type]
ContentType = Literal[t.CONTENT_TYPES]  # type: ignore[valid-type]
Stamp = DateTimeIn
METRICS = ("impressions", "reach", "views", "likes", "comments", "shares", "saves", "reactions", "link_clicks")


class Metrics(Model):
    as_of: UtcDateTime
    impressions: int | None = None
    reach: int | None = None
    views: int | None = None
    likes: int | None = None
    comments: int | None = None
    shares: int | None = None
    saves: int | None = None
    reactions: int | None = None
    link_clicks: int | None = None
    watch_time_s: float | None = None
    source: str | None = None


class MetricsIn(Model):
    as_of: Stamp
    impressions: Count | None = None
    reach: Count | None = None
    views: Count | None = None
    likes: Count | None = None
    comments: Count | None = None
    shares: Count | None = None
    saves: Count | None = None
    reactions: Count | None = None
    link_clicks: Count | None = None
    watch_time_s: Annotated[float, Field(ge=0, le=1e15, allow_inf_nan=False, strict=True)] | None = None


class Post(Model):
    id: int
    key: str
    campaign_id: int
    creator_id: int
    platform: str
    content_type: str
    url: str | None
    posted_at: UtcDateTime | None
    sponsored: bool | None
    latest: Metrics | None


class PostIn(Model):
    key: Text(128, 1)
    campaign_id: Ref
    creator_id: Ref
    platform: Platform
    content_type: ContentType = "post"
    url: Annotated[str, Field(max_length=2000, pattern=r"^https?://[^\s]+$")] | None = None
    posted_at: Stamp | None = None
    sponsored: Flag | None = None
    caption: Text(10000) | None = None


def _latest(conn: sa.Connection, post_ids: list[int], workspace_id: int) -> dict[int, Metrics]:
    if not post_ids:
        return {}
    if event_records.enabled():  # the snapshots live in the event store
        return {pid: Metrics(**{k: r[k] for k in Metrics.model_fields})
                for pid, r in event_records.latest_snapshots(workspace_id, post_ids).items()}
    pm = t.post_metrics
    newest = (sa.select(pm.c.post_id, sa.func.max(pm.c.as_of).label("as_of"))
              .where(pm.c.post_id.in_(post_ids)).group_by(pm.c.post_id).subquery())
    rows = conn.execute(sa.select(pm).join(newest, (pm.c.post_id == newest.c.post_id)
                                           & (pm.c.as_of == newest.c.as_of))).mappings()
    return {r["post_id"]: Metrics(**{k: r[k] for k in Metrics.model_fields}) for r in rows}


def _out(conn: sa.Connection, rows: list[dict]) -> list[Post]:
    latest = _latest(conn, [r["id"] for r in rows], rows[0]["workspace_id"] if rows else 0)
    return [Post(id=r["id"], key=r["key"], campaign_id=r["campaign_id"], creator_id=r["creator_id"],
                 platform=r["platform"], content_type=r["content_type"], url=r["url"], posted_at=r["posted_at"],
                 sponsored=r["sponsored"], latest=latest.get(r["id"])) for r in rows]


@router.get("", response_model=list[Post], summary="List posts")
def list_posts(campaign_id: OptionalRef = None, creator_id: OptionalRef = None, limit: Limit = 100,
               offset: Offset = 0, p: Principal = Depends(require("read")),
               engine: sa.Engine = Depends(db)) -> list[Post]:
    q = sa.select(t.posts).where(t.posts.c.workspace_id == p.workspace_id)
    if campaign_id is not None:
        q = q.where(t.posts.c.campaign_id == campaign_id)
    if creator_id is not None:
        q = q.where(t.posts.c.creator_id == creator_id)
    with engine.connect() as conn:
        rows = [dict(r) for r in conn.execute(q.order_by(t.posts.c.posted_at, t.posts.c.id)
                                              .limit(limit).offset(offset)).mappings()]
        return _out(conn, rows)


@router.get("/{post_id}", response_model=Post, summary="Read a post")
def get_post(post_id: ObjectId, p: Principal = Depends(require("read")), engine: sa.Engine = Depends(db)) -> Post:
    with engine.connect() as conn:
        return _out(conn, [row_or_404(conn, t.posts, post_id, p.workspace_id, "post")])[0]


@router.get("/{post_id}/metrics", response_model=list[Metrics], summary="Every metric snapshot of a post")
def post_metrics(post_id: ObjectId, p: Principal = Depends(require("read")),
                 engine: sa.Engine = Depends(db)) -> list[Metrics]:
    with engine.connect() as conn:
        row_or_404(conn, t.posts, post_id, p.workspace_id, "post")
        if event_records.enabled():
            return [Metrics(**{k: r[k] for k in Metrics.model_fields})
                    for r in event_records.snapshots(p.workspace_id, post_id)]
        rows = conn.execute(sa.select(t.post_metrics).where(t.post_metrics.c.post_id == post_id)
                            .order_by(t.post_metrics.c.as_of)).mappings()
        return [Metrics(**{k: r[k] for k in Metrics.model_fields}) for r in rows]


@router.post("", response_model=Post, status_code=201, summary="Create a post", responses=WRITE_ERRORS)
def create_post(body: PostIn, p: Principal = Depends(require("write")), engine: sa.Engine = Depends(db)) -> Post:
    with engine.begin() as conn:
        for table, ref, field in ((t.campaigns, body.campaign_id, "campaign_id"), (t.creators, body.creator_id, "creator_id")):
            if conn.execute(sa.select(table.c.id).where(table.c.id == ref, table.c.workspace_id == p.workspace_id)).first() is None:
                raise HTTPException(422, f"{field}: no such object in this workspace: {ref}")
        if conn.execute(sa.select(t.posts.c.id).where(t.posts.c.workspace_id == p.workspace_id,
                                                      t.posts.c.key == body.key)).first():
            raise HTTPException(409, f"a post with key {body.key!r} already exists")
        new_id = conn.execute(t.posts.insert().values(
            workspace_id=p.workspace_id, campaign_id=body.campaign_id, creator_id=body.creator_id, key=body.key,
            platform=body.platform, content_type=body.content_type, url=body.url,
            posted_at=aware_to_naive_utc(body.posted_at), sponsored=body.sponsored, caption=body.caption,
        ).returning(t.posts.c.id)).scalar_one()
        link = t.campaign_creators
        if not conn.execute(sa.select(link.c.campaign_id).where(link.c.campaign_id == body.campaign_id,
                                                                link.c.creator_id == body.creator_id)).first():
            conn.execute(link.insert().values(campaign_id=body.campaign_id, creator_id=body.creator_id))
        audit.record_for(conn, p, "post.create", object_type="post", object_id=new_id)
        return _out(conn, [row_or_404(conn, t.posts, new_id, p.workspace_id, "post")])[0]


@router.post("/{post_id}/metrics", response_model=Metrics, status_code=201, summary="Add a metric snapshot",
             responses=WRITE_ERRORS)
def add_metrics(post_id: ObjectId, body: MetricsIn, p: Principal = Depends(require("write")),
                engine: sa.Engine = Depends(db)) -> Metrics:
    values = body.model_dump()
    values["as_of"] = aware_to_naive_utc(body.as_of).replace(microsecond=0)
    if event_records.enabled():  # the snapshot goes to the event store when the audit entry commits
        with engine.begin() as conn:
            row_or_404(conn, t.posts, post_id, p.workspace_id, "post")
            event_records.defer(conn, "post_metrics", p.workspace_id, [{"post_id": post_id, **values, "source": "api"}],
                                [*values, "source"])
            audit.record_for(conn, p, "post.metrics", object_type="post", object_id=post_id)
        row = next(r for r in event_records.snapshots(p.workspace_id, post_id) if r["as_of"] == values["as_of"])
        return Metrics(**{k: row[k] for k in Metrics.model_fields})
    with engine.begin() as conn:
        row_or_404(conn, t.posts, post_id, p.workspace_id, "post")
        key = (t.post_metrics.c.post_id == post_id) & (t.post_metrics.c.as_of == values["as_of"])
        if conn.execute(sa.select(t.post_metrics.c.id).where(key)).first():
            conn.execute(t.post_metrics.update().where(key).values(**values, source="api"))
        else:
            conn.execute(t.post_metrics.insert().values(post_id=post_id, **values, source="api"))
        audit.record_for(conn, p, "post.metrics", object_type="post", object_id=post_id)
        row = conn.execute(sa.select(t.post_metrics).where(key)).mappings().one()
        return Metrics(**{k: row[k] for k in Metrics.model_fields})


@router.delete("/{post_id}", status_code=204, summary="Delete a post", responses=WRITE_ERRORS)
def delete_post(post_id: ObjectId, p: Principal = Depends(require("write")), engine: sa.Engine = Depends(db)) -> Response:
    with engine.begin() as conn:
        row_or_404(conn, t.posts, post_id, p.workspace_id, "post")
        conn.execute(t.posts.delete().where(t.posts.c.id == post_id))
        audit.record_for(conn, p, "post.delete", object_type="post", object_id=post_id)
    event_records.delete(p.workspace_id, post_ids=[post_id])  # its snapshots in the event store, if any
    return Response(status_code=204)
