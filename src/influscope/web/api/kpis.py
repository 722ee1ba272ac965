"""/api/v1/kpis: the KPI catalogue and a campaign's KPIs, computed by :func:`influscope.kpi.api.kpis`.

KPIs that reveal budgets or spend (spend, CPM, CPC, ROAS, ...) come back as ``null`` with a reason
for callers that may not see costs (see :mod:`influscope.auth.roles`).
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from typing import Annotated, Any, Literal

import sqlalchemy as sa
from fastapi import APIRouter, Depends, HTTPException, Query
from pydantic import BaseModel

from influscope.auth.deps import Principal, db, require
from influscope.auth.roles import cost_kpis, redact_report
from influscope.db import tables as t
from influscope.web.api._common import ERRORS, DateIn, ObjectId, row_or_404, strict_query

router = APIRouter(prefix="/api/v1", tags=["kpis"], responses=ERRORS, dependencies=[Depends(strict_query)])

Breakdown = Literal["campaign", "creator", "post", "platform", "content_type", "day"]


class KpiInfo(BaseModel):
    id: str
    name: dict[str, str]
    formula: dict[str, str]
    unit: str
    direction: str
    stages: list[str]
    description: dict[str, str]
    reveals_costs: bool


class KpiReport(BaseModel):
    campaign: Any = None
    currency: str | None = None
    kpis: dict[str, dict[str, Any]]
    rows: list[dict[str, Any]] = []
    diagnostics: list[Any] = []


def jsonable(value: Any) -> Any:
    """Plain JSON values: Decimals as numbers' strings, non-finite floats as null, dates as ISO text."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [jsonable(v) for v in value]
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Decimal):
        return str(value) if value.is_finite() else None
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if value is None or isinstance(value, (str, int, bool)):
        return value
    if hasattr(value, "to_dict"):
        return jsonable(value.to_dict())
    return str(value)


@router.get("/kpis/catalogue", response_model=list[KpiInfo], summary="Every KPI with its formula")
def catalogue(p: Principal = Depends(require("read"))) -> list[KpiInfo]:
    from influscope.kpi.catalogue import KPIS
    hidden = cost_kpis()
    return [KpiInfo(id=k.id, name=dict(k.name), formula=dict(k.formula), unit=k.unit, direction=k.direction,
                    stages=list(k.stages), description=dict(k.description), reveals_costs=k.id in hidden)
            for k in KPIS.values()]


@router.get("/campaigns/{campaign_id}/kpis", response_model=KpiReport, summary="A campaign's KPIs")
def campaign_kpis(campaign_id: ObjectId, by: Breakdown | None = None,
                  start: Annotated[DateIn | None, Query(description="first day (campaign time zone)")] = None,
                  end: Annotated[DateIn | None, Query(description="last day (campaign time zone)")] = None,
                  p: Principal = Depends(require("read")), engine: sa.Engine = Depends(db)) -> KpiReport:
    with engine.connect() as conn:
        row = row_or_404(conn, t.campaigns, campaign_id, p.workspace_id, "campaign")
    if start and end and end < start:
        raise HTTPException(422, "end: must not be before start")
    return KpiReport(**report_for(engine, row, p.workspace_slug, p.can_see_costs, by=None if by == "campaign" else by,
                                  start=start, end=end))


def report_for(engine: sa.Engine, campaign_row: dict, workspace_slug: str, can_see_costs: bool, *,
               by: str | None = None, start: dt.date | None = None, end: dt.date | None = None) -> dict:
    """The KPI engine's result for a campaign as plain JSON, redacted for callers without cost access."""
    from influscope.kpi.api import kpis
    try:
        result = kpis(campaign_row["slug"], by=by, workspace=workspace_slug, engine=engine, start=start, end=end)
    except (ValueError, LookupError) as exc:
        raise HTTPException(422, str(exc)) from None
    data = jsonable(result.to_dict())
    data.setdefault("kpis", {})
    return redact_report(data, can_see_costs)
