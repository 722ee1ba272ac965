"""/api/v1/codes: promo codes (stored upper case; matching is case-insensitive)."""

from __future__ import annotations

from typing import Annotated, Literal

import sqlalchemy as sa
from fastapi import APIRouter, Depends, HTTPException, Response
from pydantic import AfterValidator, Field

from influscope.auth import audit
from influscope.auth.deps import Principal, db, require
from influscope.db import tables as t
from influscope.ingest import rules
from influscope.web.api._common import (ERRORS, WRITE_ERRORS, Limit, Model, ObjectId, Offset, OptionalRef, Ref,
                                        UtcDateTime, check_ref, row_or_404, strict_query)

router = APIRouter(prefix="/api/v1/codes", tags=["codes"], responses=ERRORS, dependencies=[Depends(strict_query)])



class Code(Model):
    id: int
    code: str
    campaign_id: int
    creator_id: int | None
    kind: str
    created_at: UtcDateTime


class CodeIn(Model):
    code: Annotated[str, Field(min_length=1, max_length=rules.MAX_CODE + 2), AfterValidator(rules.check_code)]
    campaign_id: Ref
    creator_id: Ref | None = None
    kind: Literal["affiliate", "sitewide"] = "affiliate"


def _out(r) -> Code:
    return Code(id=r["id"], code=r["code"], campaign_id=r["campaign_id"], creator_id=r["creator_id"], kind=r["kind"],
                created_at=r["created_at"])


@router.get("", response_model=list[Code], summary="List promo codes")
def list_codes(campaign_id: OptionalRef = None, limit: Limit = 100, offset: Offset = 0,
               p: Principal = Depends(require("read")), engine: sa.Engine = Depends(db)) -> list[Code]:
    q = sa.select(t.codes).where(t.codes.c.workspace_id == p.workspace_id)
    if campaign_id is not None:
        q = q.where(t.codes.c.campaign_id == campaign_id)
    with engine.connect() as conn:
        return [_out(r) for r in conn.execute(q.order_by(t.codes.c.code).limit(limit).offset(offset)).mappings()]


@router.get("/{code_id}", response_model=Code, summary="Read a promo code")
def get_code(code_id: ObjectId, p: Principal = Depends(require("read")), engine: sa.Engine = Depends(db)) -> Code:
    with engine.connect() as conn:
        return _out(row_or_404(conn, t.codes, code_id, p.workspace_id, "code"))


@router.post("", response_model=Code, status_code=201, summary="Create a promo code", responses=WRITE_ERRORS)
def create_code(body: CodeIn, p: Principal = Depends(require("write")), engine: sa.Engine = Depends(db)) -> Code:
    code = body.code.upper()
    with engine.begin() as conn:
        check_ref(conn, t.campaigns, body.campaign_id, p.workspace_id, "campaign_id")
        check_ref(conn, t.creators, body.creator_id, p.workspace_id, "creator_id")
        if conn.execute(sa.select(t.codes.c.id).where(t.codes.c.workspace_id == p.workspace_id,
                                                      t.codes.c.code == code)).first():
            raise HTTPException(409, f"the code {code} already exists")
        new_id = conn.execute(t.codes.insert().values(
            workspace_id=p.workspace_id, campaign_id=body.campaign_id, code=code, creator_id=body.creator_id,
            kind=body.kind).returning(t.codes.c.id)).scalar_one()
        audit.record_for(conn, p, "code.create", object_type="code", object_id=new_id, detail={"code": code})
        return _out(row_or_404(conn, t.codes, new_id, p.workspace_id, "code"))


@router.delete("/{code_id}", status_code=204, summary="Delete a promo code", responses=WRITE_ERRORS)
def delete_code(code_id: ObjectId, p: Principal = Depends(require("write")), engine: sa.Engine = Depends(db)) -> Response:
    with engine.begin() as conn:
        row = row_or_404(conn, t.codes, code_id, p.workspace_id, "code")
        conn.execute(t.codes.delete().where(t.codes.c.id == code_id))
        audit.record_for(conn, p, "code.delete", object_type="code", object_id=code_id, detail={"code": row["code"]})
    return Response(status_code=204)
