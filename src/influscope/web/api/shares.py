"""/api/v1/shares (manage share links, admin) and /api/v1/shared/{token} (the shared report, public)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Depends, HTTPException, Path, Response
from pydantic import BaseModel, Field

from influscope.auth import shares
from influscope.auth.deps import Principal, db, require
from influscope.db import tables as t
from influscope.web.api._common import (ERRORS, WRITE_ERRORS, Flag, Model, ObjectId, OptionalRef, Ref, UtcDateTime,
                                        _responses, strict_query)

router = APIRouter(prefix="/api/v1", tags=["shares"], dependencies=[Depends(strict_query)])


class Share(BaseModel):
    id: int
    campaign_id: int
    prefix: str
    show_budget: bool
    expires_at: UtcDateTime | None
    revoked_at: UtcDateTime | None
    last_used_at: UtcDateTime | None
    created_by: int | None
    created_at: UtcDateTime


class ShareIn(Model):
    campaign_id: Ref
    show_budget: Flag = False
    expires_in_days: Annotated[int, Field(ge=1, le=3650)] | None = Field(
        30, description="Days until the link stops working; null for a link that never expires.")


class ShareCreated(BaseModel):
    id: int
    prefix: str
    token: str = Field(description="The secret token; shown only this once.")
    path: str
    api_path: str
    expires_at: UtcDateTime | None


class SharedCampaign(BaseModel):
    slug: str
    name: str
    brand: str | None
    goal: str
    start: dt.date
    end: dt.date
    currency: str
    budget: str | None


class SharedReport(BaseModel):
    campaign: SharedCampaign
    budget_shown: bool
    expires_at: UtcDateTime | None
    report: dict[str, Any] | None
    report_error: str | None = None


@router.get("/shares", response_model=list[Share], summary="List share links", responses=ERRORS)
def list_shares(campaign_id: OptionalRef = None, p: Principal = Depends(require("admin")),
                engine: sa.Engine = Depends(db)) -> list[Share]:
    with engine.connect() as conn:
        return [Share(**{k: r[k] for k in Share.model_fields}) for r in shares.list_shares(conn, p.workspace_id, campaign_id)]


@router.post("/shares", response_model=ShareCreated, status_code=201, summary="Create a share link",
             responses=WRITE_ERRORS)
def create_share(body: ShareIn, p: Principal = Depends(require("admin")), engine: sa.Engine = Depends(db)) -> ShareCreated:
    try:
        new = shares.create_share(engine, p.workspace_id, body.campaign_id, show_budget=body.show_budget,
                                  expires_in=dt.timedelta(days=body.expires_in_days) if body.expires_in_days else None,
                                  user_id=p.user_id, api_key_id=p.api_key_id)
    except LookupError:
        raise HTTPException(422, f"campaign_id: no such object in this workspace: {body.campaign_id}") from None
    return ShareCreated(id=new.id, prefix=new.prefix, token=new.token, path=f"/share/{new.token}",
                        api_path=f"/api/v1/shared/{new.token}", expires_at=new.expires_at)


@router.delete("/shares/{share_id}", status_code=204, summary="Revoke a share link", responses=WRITE_ERRORS)
def revoke_share(share_id: ObjectId, p: Principal = Depends(require("admin")), engine: sa.Engine = Depends(db)) -> Response:
    if not shares.revoke_share(engine, p.workspace_id, share_id, user_id=p.user_id):
        raise HTTPException(404, f"no active share link with id {share_id}")
    return Response(status_code=204)


@router.get("/shared/{token}", response_model=SharedReport, summary="A shared campaign report (no login)",
            responses=_responses(404, 422, 429))
def shared_report(token: Annotated[str, Path(max_length=200)], engine: sa.Engine = Depends(db)) -> SharedReport:
    grant = shares.resolve_share(engine, token)
    if grant is None:
        raise HTTPException(404, "this share link does not exist, has expired or was revoked")
    with engine.connect() as conn:
        row = conn.execute(sa.select(t.campaigns).where(t.campaigns.c.id == grant.campaign_id,
                                                        t.campaigns.c.workspace_id == grant.workspace_id)
                           ).mappings().one()
    campaign = SharedCampaign(slug=row["slug"], name=row["name"], brand=row["brand"], goal=row["goal"],
                              start=row["start_date"], end=row["end_date"], currency=row["currency"],
                              budget=str(row["budget"]) if grant.show_budget and row["budget"] is not None else None)
    report, error = None, None
    try:
        from influscope.web.api.kpis import report_for

        report = report_for(engine, dict(row), grant.workspace_slug, grant.show_budget)
    except HTTPException as exc:
        error = str(exc.detail)
    return SharedReport(campaign=campaign, budget_shown=grant.show_budget, expires_at=grant.expires_at,
                        report=report, report_error=error)

