"""/api/v1/campaigns/{id}/audience: comment sentiment over time, credibility reasons, brand mentions.

The KPI values themselves come from /api/v1/campaigns/{id}/kpis; this route gives the detail behind
them: comments per day and label (days in the campaign's time zone, by comment time), each creator
account's credibility checks with their messages in en, zh-Hant and ar, and mentions per term.
It only reads: comments are analysed when they arrive or by the background job, and
``comments_waiting`` says how many of the campaign's comments that job has still to analyse.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from fastapi import APIRouter, Depends
from pydantic import BaseModel

from influscope.auth.deps import Principal, db, require
from influscope.db import audience as at
from influscope.db import tables as t
from influscope.web.api._common import ERRORS, ObjectId, row_or_404, strict_query

router = APIRouter(prefix="/api/v1", tags=["audience"], responses=ERRORS, dependencies=[Depends(strict_query)])


class SentimentDay(BaseModel):
    day: str
    pos: int
    neu: int
    neg: int
    intent: int
    net_sentiment: float | None  # (pos - neg) / classified x 100


class AccountCredibility(BaseModel):
    creator_id: int
    platform: str
    handle: str
    score: float | None
    computed_at: str | None
    reasons: list[dict[str, Any]]


class MentionCount(BaseModel):
    term: str
    kind: str
    captions: int
    comments: int


class AudienceReport(BaseModel):
    campaign_id: int
    model: str | None
    note: str | None = None  # why the analysis is incomplete
    comments_waiting: int = 0  # comments not yet analysed by the current model
    sentiment_by_day: list[SentimentDay]
    undated_comments: int
    credibility: list[AccountCredibility]
    mentions: list[MentionCount]


@router.get("/campaigns/{campaign_id}/audience", response_model=AudienceReport,
            summary="Sentiment per day, credibility reasons and mentions of a campaign")
def campaign_audience(campaign_id: ObjectId, p: Principal = Depends(require("read")),
                      engine: sa.Engine = Depends(db)) -> AudienceReport:
    with engine.connect() as conn:
        camp = row_or_404(conn, t.campaigns, campaign_id, p.workspace_id, "campaign")
    from influscope.audience.refresh import pending_comments
    from influscope.audience.sentiment import current_model_name

    model = current_model_name()
    waiting = pending_comments(engine, p.workspace_id, campaign_id, model)
    note = f"{waiting:,} comments waiting for analysis" if waiting else None
    try:
        tz = ZoneInfo(camp["timezone"] or "UTC")
    except Exception:
        tz = ZoneInfo("UTC")
    c, lab, posts = t.comments, at.comment_labels, t.posts
    with engine.connect() as conn:
        labelled = conn.execute(
            sa.select(c.c.ts, lab.c.label, lab.c.intent)
            .join(lab, lab.c.comment_id == c.c.id).join(posts, posts.c.id == c.c.post_id)
            .where(c.c.workspace_id == p.workspace_id, posts.c.campaign_id == campaign_id)).all()
        ca = t.creator_accounts
        cred = conn.execute(
            sa.select(ca.c.creator_id, ca.c.platform, ca.c.handle, at.account_credibility.c.score,
                      at.account_credibility.c.computed_at, at.account_credibility.c.reasons)
            .join(at.account_credibility, at.account_credibility.c.creator_account_id == ca.c.id)
            .where(ca.c.workspace_id == p.workspace_id,
                   ca.c.creator_id.in_(sa.union(
                       sa.select(t.campaign_creators.c.creator_id).where(t.campaign_creators.c.campaign_id == campaign_id),
                       sa.select(posts.c.creator_id).where(posts.c.campaign_id == campaign_id))))
            .order_by(ca.c.handle, ca.c.platform)).all()
        m = at.mentions
        mentions = conn.execute(
            sa.select(m.c.term, m.c.kind, sa.func.count(m.c.comment_id).label("comments"),
                      (sa.func.count() - sa.func.count(m.c.comment_id)).label("captions"))
            .where(m.c.workspace_id == p.workspace_id, m.c.campaign_id == campaign_id)
            .group_by(m.c.term, m.c.kind).order_by(m.c.kind, m.c.term)).all()
    days: dict[dt.date, dict[str, int]] = {}
    undated = 0
    for ts, label, intent in labelled:
        if ts is None:
            undated += 1
            continue
        day = ts.replace(tzinfo=dt.timezone.utc).astimezone(tz).date()
        d = days.setdefault(day, {"pos": 0, "neu": 0, "neg": 0, "intent": 0})
        d[label] += 1
        d["intent"] += int(bool(intent))
    series = []
    for day in sorted(days):
        d = days[day]
        n = d["pos"] + d["neu"] + d["neg"]
        series.append(SentimentDay(day=day.isoformat(), **d,
                                   net_sentiment=round((d["pos"] - d["neg"]) * 100 / n, 2) if n else None))
    return AudienceReport(
        campaign_id=campaign_id, model=model, note=note, comments_waiting=waiting, sentiment_by_day=series, undated_comments=undated,
        credibility=[AccountCredibility(creator_id=r.creator_id, platform=r.platform, handle=r.handle, score=r.score,
                                        computed_at=r.computed_at.isoformat() if r.computed_at else None,
                                        reasons=list(r.reasons or [])) for r in cred],
        mentions=[MentionCount(term=r.term, kind=r.kind, captions=r.captions, comments=r.comments) for r in mentions],
    )
