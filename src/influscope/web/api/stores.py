"""/api/v1/stores: the shops and payment accounts whose webhooks are received (as ``influscope stores``),
and /api/v1/code-leaks: promo-code leak findings of a campaign.

Through the API a store's secret can only be given literally (it is then kept in the database);
secrets read from the server's environment or files are configured on the server with the CLI.
Secrets are never returned.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import sqlalchemy as sa
from fastapi import APIRouter, Depends, HTTPException, Path, Response
from pydantic import Field

from influscope.auth import audit
from influscope.auth.deps import Principal, db, require
from influscope.db import tables as t
from influscope.web.api._common import ERRORS, WRITE_ERRORS, Model, ObjectId, row_or_404, strict_query

router = APIRouter(tags=["stores"], responses=ERRORS, dependencies=[Depends(strict_query)])

StoreName = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9_-]*$")]


class StoreOut(Model):
    name: str
    kind: str
    workspace: str
    secret: str = Field(description="Where the secret lives: database, env:NAME, file:PATH or none (never the secret).")
    active: bool
    webhook_path: str


class StoreIn(Model):
    kind: Literal["shopify", "woocommerce", "stripe", "web"]
    name: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9_-]*$")]
    secret: Annotated[str, Field(min_length=8, max_length=500)] | None = Field(
        None, description="Signing secret (required except for web); kept in the database.")


class Finding(Model):
    id: str
    severity: str
    code: str
    creator: str | None
    figures: dict[str, Any]
    message: dict[str, str]


@router.get("/api/v1/stores", response_model=list[StoreOut], summary="List stores")
def list_stores(p: Principal = Depends(require("read")), engine: sa.Engine = Depends(db)) -> list[StoreOut]:
    from influscope.ingest.commerce.stores import list_stores as _list

    return [StoreOut(**s.as_dict()) for s in _list(engine, p.workspace_slug)]


@router.post("/api/v1/stores", response_model=StoreOut, status_code=201, summary="Configure a store",
             responses=WRITE_ERRORS)
def add_store(body: StoreIn, p: Principal = Depends(require("write")), engine: sa.Engine = Depends(db)) -> StoreOut:
    from influscope.ingest.commerce.stores import StoreError, add_store as _add, get_store

    if get_store(engine, body.kind, body.name) is not None or _name_taken(engine, body.name):
        raise HTTPException(409, f"a store named {body.name!r} exists already")
    try:
        store = _add(engine, body.kind, body.name, workspace=p.workspace_slug, secret=body.secret)
    except StoreError as exc:
        raise HTTPException(422, str(exc)) from None
    with engine.begin() as conn:
        audit.record_for(conn, p, "store.create", object_type="store", object_id=store.id,
                         detail={"name": store.name, "kind": store.kind})
    return StoreOut(**store.as_dict())


def _name_taken(engine: sa.Engine, name: str) -> bool:
    from influscope.db.commerce import stores

    with engine.connect() as conn:
        return conn.execute(sa.select(stores.c.id).where(stores.c.name == name)).first() is not None


@router.delete("/api/v1/stores/{name}", status_code=204, summary="Remove a store (its orders stay)",
               responses=WRITE_ERRORS)
def remove_store(name: StoreName, p: Principal = Depends(require("write")), engine: sa.Engine = Depends(db)) -> Response:
    from influscope.ingest.commerce.stores import remove_store as _remove

    if not _remove(engine, name, p.workspace_slug):
        raise HTTPException(404, f"no store named {name!r}")
    with engine.begin() as conn:
        audit.record_for(conn, p, "store.delete", object_type="store", object_id=name, detail={"name": name})
    return Response(status_code=204)


@router.get("/api/v1/code-leaks/{campaign_id}", response_model=list[Finding], tags=["codes"],
            summary="Promo-code leak findings of a campaign (no-click redemptions, bursts, coupon sites)")
def code_leaks(campaign_id: ObjectId, p: Principal = Depends(require("read")),
               engine: sa.Engine = Depends(db)) -> list[Finding]:
    from influscope.ingest.commerce.codes import leaks

    with engine.connect() as conn:
        camp = row_or_404(conn, t.campaigns, campaign_id, p.workspace_id, "campaign")
    return [Finding(**f.as_dict()) for f in leaks(engine, camp["slug"], workspace=p.workspace_slug)]
