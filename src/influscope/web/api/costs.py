"""/api/v1/costs: spend items. Only callers who may see budgets and costs reach these routes
(viewers without the grant and read keys without ``can_see_costs`` get 403)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

import sqlalchemy as sa
from fastapi import APIRouter, Depends, HTTPException, Response

from influscope.auth import audit
from influscope.auth.deps import Principal, db, require
from influscope.db import tables as t
from influscope.web.api._common import (ERRORS, WRITE_ERRORS, Amount, Currency, DateIn, Limit, Model, ObjectId, Offset,
                                        OptionalRef, Ref, Text, check_ref, row_or_404, strict_query)

router = APIRouter(prefix="/api/v1/costs", tags=["costs"], responses=ERRORS, dependencies=[Depends(strict_query)])

Kind = Literal[t.COST_KINDS]  # type: ignore[valid-type]


class Cost(Model):
    id: int
    key: str
    campaign_id: int
    creator_id: int | None
    kind: str
    amount: Decimal
    currency: str
    incurred_on: dt.date
    note: str | None


class CostIn(Model):
    key: Text(128, 1)
    campaign_id: Ref
    creator_id: Ref | None = None
    kind: Kind
    amount: Amount
    currency: Currency
    incurred_on: DateIn
    note: Text(2000) | None = None


def _out(r) -> Cost:
    return Cost(**{k: r[k] for k in Cost.model_fields})


def _costs(p: Principal = Depends(require("read"))) -> Principal:
    if not p.can_see_costs:
        raise HTTPException(403, "budgets and costs are not shared with this account")
    return p


def _write_costs(p: Principal = Depends(require("write"))) -> Principal:
    if not p.can_see_costs:
        raise HTTPException(403, "budgets and costs are not shared with this account")
    return p


_costs.requirement = "costs"  # for the route-table tests
_write_costs.requirement = "costs"


@router.get("", response_model=list[Cost], summary="List costs")
def list_costs(campaign_id: OptionalRef = None, limit: Limit = 100, offset: Offset = 0,
               p: Principal = Depends(_costs), engine: sa.Engine = Depends(db)) -> list[Cost]:
    q = sa.select(t.costs).where(t.costs.c.workspace_id == p.workspace_id)
    if campaign_id is not None:
        q = q.where(t.costs.c.campaign_id == campaign_id)
    with engine.connect() as conn:
        return [_out(r) for r in conn.execute(q.order_by(t.costs.c.incurred_on, t.costs.c.id)
                                              .limit(limit).offset(offset)).mappings()]


@router.get("/{cost_id}", response_model=Cost, summary="Read a cost item")
def get_cost(cost_id: ObjectId, p: Principal = Depends(_costs), engine: sa.Engine = Depends(db)) -> Cost:
    with engine.connect() as conn:
        return _out(row_or_404(conn, t.costs, cost_id, p.workspace_id, "cost"))


@router.post("", response_model=Cost, status_code=201, summary="Add a cost item", responses=WRITE_ERRORS)
def create_cost(body: CostIn, p: Principal = Depends(_write_costs), engine: sa.Engine = Depends(db)) -> Cost:
    with engine.begin() as conn:
        check_ref(conn, t.campaigns, body.campaign_id, p.workspace_id, "campaign_id")
        check_ref(conn, t.creators, body.creator_id, p.workspace_id, "creator_id")
        if conn.execute(sa.select(t.costs.c.id).where(t.costs.c.campaign_id == body.campaign_id,
                                                      t.costs.c.key == body.key)).first():
            raise HTTPException(409, f"a cost with key {body.key!r} already exists in this campaign")
        new_id = conn.execute(t.costs.insert().values(workspace_id=p.workspace_id, **body.model_dump())
                              .returning(t.costs.c.id)).scalar_one()
        audit.record_for(conn, p, "cost.create", object_type="cost", object_id=new_id,
                         detail={"amount": str(body.amount), "currency": body.currency})
        return _out(row_or_404(conn, t.costs, new_id, p.workspace_id, "cost"))


@router.delete("/{cost_id}", status_code=204, summary="Delete a cost item", responses=WRITE_ERRORS)
def delete_cost(cost_id: ObjectId, p: Principal = Depends(_write_costs), engine: sa.Engine = Depends(db)) -> Response:
    with engine.begin() as conn:
        row_or_404(conn, t.costs, cost_id, p.workspace_id, "cost")
        conn.execute(t.costs.delete().where(t.costs.c.id == cost_id))
        audit.record_for(conn, p, "cost.delete", object_type="cost", object_id=cost_id)
    return Response(status_code=204)
