"""/api/v1/creators: creators with their social accounts; DELETE forgets a creator entirely
(see :mod:`influscope.auth.privacy`)."""

from __future__ import annotations

from typing import Annotated, Literal

import sqlalchemy as sa
from fastapi import APIRouter, Depends, HTTPException
from pydantic import Field, model_validator

from influscope.auth import audit, privacy
from influscope.auth.deps import Principal, db, require
from influscope.db import tables as t
from influscope.ingest import rules
from influscope.ingest.rules import normalise_handle
from influscope.web.api._common import (
    ERRORS,
    WRITE_ERRORS,
    Count,
    Limit,
    Model,
    ObjectId,
    Offset,
    OptionalRef,
    Ref,
    Text,
    UtcDateTime,
    row_or_404,
    strict_query,
)

router = APIRouter(prefix="/api/v1/creators", tags=["creators"], responses=ERRORS,
                   dependencies=[Depends(strict_query)])

Platform = Literal[t.PLATFORMS]  # type: ignore[valid-type]
Handle = Annotated[str, Field(min_length=1, max_length=rules.MAX_HANDLE + 1)]


class Account(Model):
    """An account as written: the handle is checked for its platform (see influscope.ingest.rules)."""

    platform: Platform
    handle: Handle
    followers: Count | None = None
    following: Count | None = None

    @model_validator(mode="after")
    def _handle_fits_platform(self) -> Account:
        self.handle = rules.check_handle(self.handle, self.platform)
        return self


class AccountOut(Model):
    """An account as stored: shown as it is (every value any door accepted)."""

    platform: str
    handle: str
    followers: int | None = None
    following: int | None = None


class Creator(Model):
    id: int
    key: str
    name: str | None
    country: str | None
    language: str | None
    accounts: list[AccountOut]
    campaign_ids: list[int]
    created_at: UtcDateTime


class CreatorIn(Model):
    key: Text(128, 1)
    name: Text(200) | None = None
    country: Annotated[str, Field(pattern=r"^[A-Z]{2}$")] | None = None
    language: Annotated[str, Field(pattern=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$", max_length=16)] | None = None
    accounts: list[Account] = Field(default_factory=list, max_length=20)
    campaign_ids: list[Ref] = Field(default_factory=list, max_length=100)


class CreatorPatch(Model):
    name: Text(200) | None = None
    country: Annotated[str, Field(pattern=r"^[A-Z]{2}$")] | None = None
    language: Annotated[str, Field(pattern=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$", max_length=16)] | None = None


class Forgotten(Model):
    id: int
    deleted: dict[str, int]


def _load(conn: sa.Connection, rows: list[dict]) -> list[Creator]:
    ids = [r["id"] for r in rows]
    accounts: dict[int, list[AccountOut]] = {i: [] for i in ids}
    camps: dict[int, list[int]] = {i: [] for i in ids}
    if ids:
        for a in conn.execute(sa.select(t.creator_accounts).where(t.creator_accounts.c.creator_id.in_(ids))
                              .order_by(t.creator_accounts.c.platform)).mappings():
            accounts[a["creator_id"]].append(AccountOut(platform=a["platform"], handle=a["handle"],
                                                     followers=a["followers"], following=a["following"]))
        for cid, camp in conn.execute(sa.select(t.campaign_creators.c.creator_id, t.campaign_creators.c.campaign_id)
                                      .where(t.campaign_creators.c.creator_id.in_(ids))
                                      .order_by(t.campaign_creators.c.campaign_id)):
            camps[cid].append(camp)
    return [Creator(id=r["id"], key=r["key"], name=r["name"], country=r["country"], language=r["language"],
                    accounts=accounts[r["id"]], campaign_ids=camps[r["id"]], created_at=r["created_at"]) for r in rows]


@router.get("", response_model=list[Creator], summary="List creators")
def list_creators(campaign_id: OptionalRef = None, limit: Limit = 100, offset: Offset = 0,
                  p: Principal = Depends(require("read")), engine: sa.Engine = Depends(db)) -> list[Creator]:
    q = sa.select(t.creators).where(t.creators.c.workspace_id == p.workspace_id)
    if campaign_id is not None:
        q = q.where(t.creators.c.id.in_(sa.select(t.campaign_creators.c.creator_id)
                                        .where(t.campaign_creators.c.campaign_id == campaign_id)))
    with engine.connect() as conn:
        rows = [dict(r) for r in conn.execute(q.order_by(t.creators.c.key).limit(limit).offset(offset)).mappings()]
        return _load(conn, rows)


@router.get("/{creator_id}", response_model=Creator, summary="Read a creator")
def get_creator(creator_id: ObjectId, p: Principal = Depends(require("read")),
                engine: sa.Engine = Depends(db)) -> Creator:
    with engine.connect() as conn:
        return _load(conn, [row_or_404(conn, t.creators, creator_id, p.workspace_id, "creator")])[0]


@router.post("", response_model=Creator, status_code=201, summary="Create a creator", responses=WRITE_ERRORS)
def create_creator(body: CreatorIn, p: Principal = Depends(require("write")),
                   engine: sa.Engine = Depends(db)) -> Creator:
    platforms = [a.platform for a in body.accounts]
    if len(set(platforms)) != len(platforms):
        raise HTTPException(422, "accounts: one account per platform")
    with engine.begin() as conn:
        if conn.execute(sa.select(t.creators.c.id).where(t.creators.c.workspace_id == p.workspace_id,
                                                         t.creators.c.key == body.key)).first():
            raise HTTPException(409, f"a creator with key {body.key!r} already exists")
        for camp in body.campaign_ids:
            row_or_404(conn, t.campaigns, camp, p.workspace_id, "campaign")
        new_id = conn.execute(t.creators.insert().values(
            workspace_id=p.workspace_id, key=body.key, name=body.name, country=body.country, language=body.language,
        ).returning(t.creators.c.id)).scalar_one()
        for a in body.accounts:
            conn.execute(t.creator_accounts.insert().values(
                workspace_id=p.workspace_id, creator_id=new_id, platform=a.platform,
                handle=normalise_handle(a.handle), followers=a.followers, following=a.following))
        for camp in sorted(set(body.campaign_ids)):
            conn.execute(t.campaign_creators.insert().values(campaign_id=camp, creator_id=new_id))
        audit.record_for(conn, p, "creator.create", object_type="creator", object_id=new_id)
        return _load(conn, [row_or_404(conn, t.creators, new_id, p.workspace_id, "creator")])[0]


@router.patch("/{creator_id}", response_model=Creator, summary="Change a creator", responses=WRITE_ERRORS)
def update_creator(creator_id: ObjectId, body: CreatorPatch, p: Principal = Depends(require("write")),
                   engine: sa.Engine = Depends(db)) -> Creator:
    changes = body.model_dump(exclude_unset=True)
    with engine.begin() as conn:
        row_or_404(conn, t.creators, creator_id, p.workspace_id, "creator")
        if changes:
            conn.execute(t.creators.update().where(t.creators.c.id == creator_id).values(**changes))
            audit.record_for(conn, p, "creator.update", object_type="creator", object_id=creator_id,
                             detail={"fields": sorted(changes)})
        return _load(conn, [row_or_404(conn, t.creators, creator_id, p.workspace_id, "creator")])[0]


@router.delete("/{creator_id}", response_model=Forgotten, summary="Forget a creator and everything personal about them",
               responses=WRITE_ERRORS)
def forget_creator(creator_id: ObjectId, p: Principal = Depends(require("admin")),
                   engine: sa.Engine = Depends(db)) -> Forgotten:
    try:
        counts = privacy.forget_creator(engine, p.workspace_id, creator_id, user_id=p.user_id,
                                        api_key_id=p.api_key_id)
    except privacy.NotFound:
        raise HTTPException(404, f"no creator with id {creator_id}") from None
    return Forgotten(id=creator_id, deleted={k: v for k, v in counts.items() if v})
