"""/api/v1/campaigns: list, read, create, change, start and delete campaigns of the caller's workspace.

A campaign is created ``planned`` (being prepared: candidate lists, the budget split; never paced
or forecast as running) or ``started`` (the default); ``POST /{id}/start`` starts a planned one.

Budgets are returned as ``null`` (with ``budget_hidden: true``) to callers that may not see costs.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

import sqlalchemy as sa
from fastapi import APIRouter, Depends, HTTPException, Response
from pydantic import Field, model_validator

from influscope.auth import audit
from influscope.auth.deps import Principal, db, require
from influscope.db import tables as t
from influscope.web.api._common import (ERRORS, WRITE_ERRORS, Amount, Currency, DateIn, Limit, Model, ObjectId, Offset,
                                        Slug, Text, Timezone, UtcDateTime, row_or_404, strict_query)

router = APIRouter(prefix="/api/v1/campaigns", tags=["campaigns"], responses=ERRORS,
                   dependencies=[Depends(strict_query)])

Goal = Literal["tofu", "mofu", "bofu"]
Status = Literal["planned", "started"]


class Campaign(Model):
    id: int
    slug: str
    name: str
    brand: str | None
    goal: str
    start: dt.date
    end: dt.date
    timezone: str
    currency: str
    budget: Decimal | None
    budget_hidden: bool
    baseline_start: dt.date | None
    baseline_end: dt.date | None
    targets: dict[str, float]
    brand_terms: list[str]
    status: Status
    created_at: UtcDateTime


_Date = DateIn
_Targets = dict[Text(64, 1), Annotated[float, Field(allow_inf_nan=False, ge=-1e12, le=1e12, strict=True)]]


class CampaignIn(Model):
    slug: Slug
    name: Text(200, 1)
    brand: Text(200) | None = None
    goal: Goal
    start: _Date
    end: _Date
    timezone: Timezone = "UTC"
    currency: Currency
    budget: Amount | None = None
    baseline_start: _Date | None = None
    baseline_end: _Date | None = None
    targets: _Targets = Field(default_factory=dict, max_length=100)
    brand_terms: list[Text(200, 1)] = Field(default_factory=list, max_length=200)
    status: Status = "started"

    @model_validator(mode="after")
    def _dates(self):
        if self.end < self.start:
            raise ValueError("end must not be before start")
        if (self.baseline_start is None) != (self.baseline_end is None):
            raise ValueError("baseline_start and baseline_end go together")
        if self.baseline_start and self.baseline_end and self.baseline_end < self.baseline_start:
            raise ValueError("baseline_end must not be before baseline_start")
        return self


class CampaignPatch(Model):
    """Only the fields sent are changed; ``brand`` and ``budget`` may be set to null."""

    name: Text(200, 1) = None  # type: ignore[assignment] - absent means unchanged; null is refused
    brand: Text(200) | None = None
    goal: Goal = None  # type: ignore[assignment]
    start: _Date = None  # type: ignore[assignment]
    end: _Date = None  # type: ignore[assignment]
    timezone: Timezone = None  # type: ignore[assignment]
    currency: Currency = None  # type: ignore[assignment]
    budget: Amount | None = None
    targets: _Targets = Field(default=None, max_length=100)  # type: ignore[assignment]
    brand_terms: list[Text(200, 1)] = Field(default=None, max_length=200)  # type: ignore[assignment]


def _out(row: dict, p: Principal) -> Campaign:
    return Campaign(
        id=row["id"], slug=row["slug"], name=row["name"], brand=row["brand"], goal=row["goal"],
        start=row["start_date"], end=row["end_date"], timezone=row["timezone"], currency=row["currency"],
        budget=row["budget"] if p.can_see_costs else None, budget_hidden=not p.can_see_costs,
        baseline_start=row["baseline_start"], baseline_end=row["baseline_end"],
        targets={k: float(v) for k, v in (row["targets"] or {}).items() if isinstance(v, (int, float))},
        brand_terms=list(row["brand_terms"] or []), status=row["status"], created_at=row["created_at"])


@router.get("", response_model=list[Campaign], summary="List campaigns")
def list_campaigns(limit: Limit = 100, offset: Offset = 0, status: Status | None = None,
                   p: Principal = Depends(require("read")), engine: sa.Engine = Depends(db)) -> list[Campaign]:
    q = sa.select(t.campaigns).where(t.campaigns.c.workspace_id == p.workspace_id)
    if status is not None:
        q = q.where(t.campaigns.c.status == status)
    with engine.connect() as conn:
        rows = conn.execute(q.order_by(t.campaigns.c.start_date.desc(), t.campaigns.c.id)
                            .limit(limit).offset(offset)).mappings()
        return [_out(dict(r), p) for r in rows]


@router.get("/{campaign_id}", response_model=Campaign, summary="Read a campaign")
def get_campaign(campaign_id: ObjectId, p: Principal = Depends(require("read")),
                 engine: sa.Engine = Depends(db)) -> Campaign:
    with engine.connect() as conn:
        return _out(row_or_404(conn, t.campaigns, campaign_id, p.workspace_id, "campaign"), p)


@router.post("", response_model=Campaign, status_code=201, summary="Create a campaign", responses=WRITE_ERRORS)
def create_campaign(body: CampaignIn, p: Principal = Depends(require("write")),
                    engine: sa.Engine = Depends(db)) -> Campaign:
    values = dict(
        workspace_id=p.workspace_id, slug=body.slug, name=body.name, brand=body.brand, goal=body.goal,
        start_date=body.start, end_date=body.end, timezone=body.timezone, currency=body.currency,
        budget=body.budget, baseline_start=body.baseline_start, baseline_end=body.baseline_end,
        targets=body.targets, brand_accounts=[], brand_terms=body.brand_terms, competitor_terms=[], methodology={},
        status=body.status)
    with engine.begin() as conn:
        exists = conn.execute(sa.select(t.campaigns.c.id).where(t.campaigns.c.workspace_id == p.workspace_id,
                                                                t.campaigns.c.slug == body.slug)).first()
        if exists:
            raise HTTPException(409, f"a campaign with slug {body.slug!r} already exists")
        new_id = conn.execute(t.campaigns.insert().values(**values).returning(t.campaigns.c.id)).scalar_one()
        audit.record_for(conn, p, "campaign.create", object_type="campaign", object_id=new_id,
                         detail={"slug": body.slug, "status": body.status})
        return _out(row_or_404(conn, t.campaigns, new_id, p.workspace_id, "campaign"), p)


@router.patch("/{campaign_id}", response_model=Campaign, summary="Change a campaign", responses=WRITE_ERRORS)
def update_campaign(campaign_id: ObjectId, body: CampaignPatch, p: Principal = Depends(require("write")),
                    engine: sa.Engine = Depends(db)) -> Campaign:
    changes = body.model_dump(exclude_unset=True)
    mapping = {"start": "start_date", "end": "end_date"}
    values = {mapping.get(k, k): v for k, v in changes.items()}
    if "budget" in values and not p.can_see_costs:
        raise HTTPException(403, "budgets and costs are not shared with this account")
    for key in ("name", "goal", "timezone", "currency", "targets", "brand_terms", "start_date", "end_date"):
        if key in values and values[key] is None:
            raise HTTPException(422, f"{key}: must not be null")
    with engine.begin() as conn:
        row = row_or_404(conn, t.campaigns, campaign_id, p.workspace_id, "campaign")
        start = values.get("start_date", row["start_date"])
        end = values.get("end_date", row["end_date"])
        if end < start:
            raise HTTPException(422, "end: must not be before start")
        if values:
            conn.execute(t.campaigns.update().where(t.campaigns.c.id == campaign_id).values(**values))
            if "timezone" in values:  # the click rollups' days follow the campaign's zone
                from influscope.metrics import click_rollups

                click_rollups.follow_zones(conn, p.workspace_id)
            audit.record_for(conn, p, "campaign.update", object_type="campaign", object_id=campaign_id,
                             detail={"fields": sorted(changes)})
        return _out(row_or_404(conn, t.campaigns, campaign_id, p.workspace_id, "campaign"), p)


@router.post("/{campaign_id}/start", response_model=Campaign, summary="Start a planned campaign",
             responses=WRITE_ERRORS)
def start(campaign_id: ObjectId, p: Principal = Depends(require("write")),
          engine: sa.Engine = Depends(db)) -> Campaign:
    """From planned to started: from now on the campaign is measured, paced and forecast. 409 when it is not planned."""
    from influscope.planning.campaign_state import CampaignStateError, start_campaign

    with engine.connect() as conn:
        row = row_or_404(conn, t.campaigns, campaign_id, p.workspace_id, "campaign")
    try:
        start_campaign(engine, p.workspace_slug, row["slug"])
    except CampaignStateError as exc:
        raise HTTPException(409, str(exc)) from None
    with engine.begin() as conn:
        audit.record_for(conn, p, "campaign.start", object_type="campaign", object_id=campaign_id,
                         detail={"slug": row["slug"]})
        return _out(row_or_404(conn, t.campaigns, campaign_id, p.workspace_id, "campaign"), p)


@router.delete("/{campaign_id}", status_code=204, summary="Delete a campaign and everything in it",
               responses=WRITE_ERRORS)
def delete_campaign(campaign_id: ObjectId, p: Principal = Depends(require("admin")),
                    engine: sa.Engine = Depends(db)) -> Response:
    with engine.begin() as conn:
        row = row_or_404(conn, t.campaigns, campaign_id, p.workspace_id, "campaign")
        conn.execute(t.campaigns.delete().where(t.campaigns.c.id == campaign_id))
        audit.record_for(conn, p, "campaign.delete", object_type="campaign", object_id=campaign_id,
                         detail={"slug": row["slug"]})
    return Response(status_code=204)
