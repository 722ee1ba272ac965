"""/api/v1 planning and reference data: benchmarks, EMV tables, creator valuation, budget allocation.

- ``GET /api/v1/benchmarks``: tier presets, CTR baselines, ER bands, each with its source and year.
- ``GET /api/v1/emv/tables``: the shipped EMV rate tables (versions, currency, rates, source).
- ``POST /api/v1/plan/value``: :func:`influscope.planning.valuation.value_creator`.
- ``POST /api/v1/plan/allocate``: :func:`influscope.planning.allocation.allocate`.
- ``GET /api/v1/creators/{id}/value``: a stored creator's value from their own history
  (:func:`influscope.planning.creator_value.value_of`).
- ``POST /api/v1/plan/lists``, ``POST /api/v1/plan/lists/{slug}/creators``,
  ``POST /api/v1/plan/lists/{slug}/prospects`` (CSV body), ``PATCH /api/v1/plan/lists/{slug}/candidates/{id}``,
  ``GET /api/v1/plan/lists/{slug}`` (valued candidates), ``GET /api/v1/plan/lists/{slug}/split?budget=``:
  candidate lists and the budget split (:mod:`influscope.planning.candidates`); for a BOFU list the
  split carries ``expected_revenue``: the creators' values as the headline, the sales forecast beside
  them (:mod:`influscope.planning.revenue`).

Planning answers are about fees, so they need an account that may see costs. The ``plan``
endpoints compute from the request body only; they read no workspace data. Only shipped EMV tables can be
named here, never a file on the server.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal

import sqlalchemy as sa
from fastapi import APIRouter, Depends, HTTPException, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from influscope.auth.deps import Principal, db, require
from influscope.db import tables as t
from influscope.web.api._common import ERRORS, Amount, ObjectId, Slug, row_or_404

router = APIRouter(prefix="/api/v1", tags=["planning"], responses=ERRORS)

Metric = Annotated[int, Field(ge=0, le=10**13)]
Rate = Annotated[Decimal, Field(ge=0, le=Decimal("1e9"), max_digits=20, decimal_places=8)]


class Post(BaseModel):
    model_config = ConfigDict(extra="forbid")
    impressions: Metric | None = None
    reach: Metric | None = None
    views: Metric | None = None
    likes: Metric | None = None
    comments: Metric | None = None
    shares: Metric | None = None
    saves: Metric | None = None
    link_clicks: Metric | None = None


class ValueRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    followers: Annotated[int, Field(ge=1, le=10**10)]
    platform: Slug
    posts: Annotated[list[Post], Field(max_length=200)] = []
    deliverables: Annotated[int, Field(ge=1, le=1000)] = 1
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] = "USD"
    fx_rate: Rate | None = None
    cpm_low: Amount | None = None
    cpm_high: Amount | None = None
    cpe_low: Amount | None = None
    cpe_high: Amount | None = None
    emv_table: Slug = "default"
    tiers: Slug = "default"


class CandidateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: Annotated[str, Field(min_length=1, max_length=128)]
    label: Annotated[str, Field(max_length=200)] | None = None
    fee: Annotated[Decimal, Field(gt=0, le=Decimal("1e12"), max_digits=17, decimal_places=4)]
    outcome: Annotated[float, Field(ge=0, le=1e15, allow_inf_nan=False)]
    min_fee: Amount | None = None
    max_fee: Amount | None = None


class AllocateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    budget: Amount
    goal: Literal["tofu", "mofu", "bofu"] = "bofu"
    objective: Literal["reach", "impressions", "engagements", "clicks", "leads", "revenue", "emv"] | None = None
    alpha: Annotated[float, Field(gt=0, le=1)] = 0.5
    step: Amount | None = None
    candidates: Annotated[list[CandidateIn], Field(min_length=1, max_length=500)]


def _pair(low, high, name):
    if low is None and high is None:
        return None
    if low is None or high is None:
        raise HTTPException(422, f"{name}_low and {name}_high go together")
    return (low, high)


@router.get("/benchmarks")
def benchmarks_index(p: Principal = Depends(require("read"))) -> dict[str, Any]:
    """Tier presets, CTR baselines and engagement-rate bands, each with its source and year."""
    from influscope.kpi import benchmarks as bm

    bands = {}
    for platform in ("instagram", "tiktok"):
        seen = []
        for followers in (1_000, 5_000, 10_000, 50_000, 100_000, 500_000, 1_000_000):
            b = bm.er_band(platform, followers)
            if b is not None:
                seen.append(b.to_dict())
        bands[platform] = seen
    return {
        "tiers": {name: [{"id": t.id, "min": t.min, "max": t.max} for t in bm.tiers(name)] for name in bm.tier_presets()},
        "ctr": {"default": bm.ctr_baseline().to_dict(),
                "platforms": {pl: bm.ctr_baseline(pl).to_dict() for pl in ("facebook", "instagram", "linkedin", "tiktok")},
                "alternatives": [b.to_dict() for b in bm.ctr_alternatives()]},
        "er_bands": bands,
        "er_points": [b.to_dict() for b in bm.er_points()],
        "other": {k: bm.for_kpi(k).to_dict() for k in ("credibility_score", "roas")},
        "cpm": [b.to_dict() for b in bm.cpm_bands()],
    }


@router.get("/emv/tables")
def emv_tables(p: Principal = Depends(require("read"))) -> list[dict[str, Any]]:
    """The shipped EMV rate tables. EMV is an estimate, not revenue."""
    from influscope.kpi import emv

    out = []
    for info in emv.list_tables():
        t = emv.load_table(info.name)
        out.append({**t.to_dict(), "versions": list(info.versions), "default": info.default})
    return out


@router.post("/plan/value")
def plan_value(body: ValueRequest, p: Principal = Depends(require("costs"))) -> dict[str, Any]:
    """Expected results of a creator's next posts and a fair fee range, with the formulas."""
    from influscope.kpi import emv
    from influscope.planning.valuation import value_creator

    try:
        v = value_creator(body.followers, body.platform, [post.model_dump() for post in body.posts],
                          deliverables=body.deliverables, preset=body.tiers, emv_table=emv.load_table(body.emv_table),
                          cpm_range=_pair(body.cpm_low, body.cpm_high, "cpm"),
                          cpe_range=_pair(body.cpe_low, body.cpe_high, "cpe"),
                          currency=body.currency, fx_rate=body.fx_rate)
    except (ValueError, LookupError) as exc:
        raise HTTPException(422, str(exc)) from None
    return v.to_dict()


@router.post("/plan/allocate")
def plan_allocate(body: AllocateRequest, p: Principal = Depends(require("costs"))) -> dict[str, Any]:
    """Split a budget across candidate creators to maximise the goal's objective."""
    from influscope.planning.allocation import Candidate, allocate

    cands = [Candidate(id=c.id, fee=c.fee, outcome=c.outcome, min_fee=c.min_fee, max_fee=c.max_fee, label=c.label)
             for c in body.candidates]
    try:
        result = allocate(cands, body.budget, goal=body.goal, objective=body.objective, alpha=body.alpha,
                          step=body.step if body.step else None)
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from None
    return result.to_dict()


@router.get("/creators/{creator_id}/value")
def creator_value(creator_id: ObjectId,
                  campaign: Annotated[Slug | None, Query(description="Planned campaign: currency, goal, targets.")] = None,
                  deliverables: Annotated[int, Query(ge=1, le=1000)] = 1,
                  coverage: Annotated[float, Query(ge=0.5, le=0.99)] = 0.8,
                  goal: Literal["tofu", "mofu", "bofu"] | None = None,
                  currency: Annotated[str | None, Query(pattern=r"^[A-Z]{3}$")] = None,
                  p: Principal = Depends(require("costs")), engine: sa.Engine = Depends(db)) -> dict[str, Any]:
    """A stored creator's expected results per deliverable (with intervals), past cost per result,
    tier benchmarks, credibility and a fair fee range. Estimates, not guarantees."""
    from influscope.planning.creator_value import value_of

    with engine.connect() as conn:
        row = row_or_404(conn, t.creators, creator_id, p.workspace_id, "creator")
    try:
        v = value_of(engine, row["key"], workspace=p.workspace_slug, campaign=campaign, deliverables=deliverables,
                     coverage=coverage, goal=goal, currency=currency)
    except LookupError as exc:
        raise HTTPException(404, str(exc)) from None
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from None
    return v.to_dict()


class ListIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    slug: Slug
    name: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    campaign: Slug | None = None


class ListCreatorsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    creators: Annotated[list[Annotated[str, Field(min_length=1, max_length=128)]], Field(min_length=1, max_length=500)]
    platform: Slug | None = None
    fee: Annotated[Decimal, Field(gt=0, le=Decimal("1e12"), max_digits=17, decimal_places=4)] | None = None
    min_deliverables: Annotated[int, Field(ge=1, le=100)] = 1
    max_deliverables: Annotated[int, Field(ge=1, le=100)] = 1
    choice: Literal["auto", "include", "exclude"] = "auto"


class CandidatePatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    choice: Literal["auto", "include", "exclude"] | None = None
    quoted_fee: Annotated[Decimal, Field(gt=0, le=Decimal("1e12"), max_digits=17, decimal_places=4)] | None = None
    min_deliverables: Annotated[int, Field(ge=1, le=100)] | None = None
    max_deliverables: Annotated[int, Field(ge=1, le=100)] | None = None


def _planning_errors(fn, *args, **kw):
    from influscope.planning.candidates import ProspectFileError

    try:
        return fn(*args, **kw)
    except ProspectFileError as exc:
        raise HTTPException(422, {"problems": exc.problems}) from None
    except LookupError as exc:
        raise HTTPException(404, str(exc)) from None
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from None


@router.post("/plan/lists", status_code=201)
def create_candidate_list(body: ListIn, p: Principal = Depends(require("write")),
                          engine: sa.Engine = Depends(db)) -> dict[str, Any]:
    """Start a candidate list, optionally for a planned campaign."""
    from influscope.planning.candidates import create_list

    list_id = _planning_errors(create_list, engine, p.workspace_slug, body.slug, name=body.name, campaign=body.campaign)
    return {"id": list_id, "slug": body.slug}


@router.post("/plan/lists/{slug}/creators")
def add_list_creators(slug: Slug, body: ListCreatorsIn, p: Principal = Depends(require("write")),
                      engine: sa.Engine = Depends(db)) -> dict[str, Any]:
    """Put store creators (key, handle or id) on the list."""
    from influscope.planning.candidates import add_creators

    n = _planning_errors(add_creators, engine, p.workspace_slug, slug, body.creators, platform=body.platform,
                         fee=body.fee, min_deliverables=body.min_deliverables,
                         max_deliverables=max(body.max_deliverables, body.min_deliverables), choice=body.choice)
    return {"added": n}


@router.post("/plan/lists/{slug}/prospects", openapi_extra={
    "requestBody": {"required": True, "content": {"text/csv": {"schema": {"type": "string"}}}}})
async def import_list_prospects(slug: Slug, request: Request, p: Principal = Depends(require("write")),
                                engine: sa.Engine = Depends(db)) -> dict[str, Any]:
    """Add prospects from a CSV body (all or nothing; problems name the line and column)."""
    import tempfile
    from pathlib import Path

    from fastapi.concurrency import run_in_threadpool

    from influscope.planning.candidates import import_prospects

    raw = await request.body()
    if len(raw) > 5_000_000:
        raise HTTPException(413, "prospects CSV larger than 5 MB")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "prospects.csv"
        path.write_bytes(raw)
        n = await run_in_threadpool(_planning_errors, import_prospects, engine, p.workspace_slug, slug, path)
    return {"imported": n}


@router.patch("/plan/lists/{slug}/candidates/{candidate_id}")
def patch_candidate(slug: Slug, candidate_id: ObjectId, body: CandidatePatch, p: Principal = Depends(require("write")),
                    engine: sa.Engine = Depends(db)) -> dict[str, Any]:
    """Must include or exclude a candidate, or change the quoted fee or the deliverables."""
    from influscope.db.planning import candidates
    from influscope.planning.candidates import set_candidate

    with engine.connect() as conn:
        row = conn.execute(sa.select(candidates.c.platform, candidates.c.handle).where(
            candidates.c.id == candidate_id, candidates.c.workspace_id == p.workspace_id)).first()
    if row is None:
        raise HTTPException(404, f"no candidate {candidate_id}")
    _planning_errors(set_candidate, engine, p.workspace_slug, slug, row.handle, platform=row.platform,
                     **body.model_dump(exclude_none=True))
    return {"id": candidate_id, **body.model_dump(exclude_none=True, mode="json")}


@router.get("/plan/lists/{slug}")
def get_candidate_list(slug: Slug, coverage: Annotated[float, Query(ge=0.5, le=0.99)] = 0.8,
                       p: Principal = Depends(require("costs")), engine: sa.Engine = Depends(db)) -> dict[str, Any]:
    """The list's candidates valued side by side (per deliverable, with intervals, fees and credibility)."""
    from influscope.planning.candidates import value_list

    return _planning_errors(value_list, engine, p.workspace_slug, slug, coverage=coverage).to_dict()


@router.get("/plan/lists/{slug}/split")
def split_candidate_list(slug: Slug,
                         budget: Annotated[Decimal | None, Query(ge=0, le=Decimal("1e12"),
                                                                 description="Required: the budget to split.")] = None,
                         objective: Literal["reach", "impressions", "views", "engagements", "emv", "clicks", "orders",
                                            "revenue"] | None = None,
                         goal: Literal["tofu", "mofu", "bofu"] | None = None,
                         alpha: Annotated[float, Query(gt=0, le=1)] = 0.7,
                         coverage: Annotated[float, Query(ge=0.5, le=0.99)] = 0.8,
                         p: Principal = Depends(require("costs")), engine: sa.Engine = Depends(db)) -> dict[str, Any]:
    """The budget split over the list for the campaign's goal: deliverables per creator, the expected
    outcome with its interval, and what the next best creator would have added. For a BOFU list,
    ``expected_revenue``: from the creators' values (the headline, ``expected``) and from the sales forecast
    of earlier campaigns (revenue per unit of creator fees), each with its interval and what it rests on."""
    from influscope.db.planning import candidate_lists
    from influscope.planning.candidates import split_list

    with engine.connect() as conn:  # an unknown list is 404 before any question about the query
        if conn.execute(sa.select(candidate_lists.c.id).where(candidate_lists.c.workspace_id == p.workspace_id,
                                                              candidate_lists.c.slug == slug)).scalar() is None:
            raise HTTPException(404, f"no candidate list {slug!r}")
    if budget is None:
        raise HTTPException(422, "budget: required")
    from influscope.planning.revenue import expected_revenue

    lv, sp = _planning_errors(split_list, engine, p.workspace_slug, slug, budget, objective=objective, alpha=alpha,
                              coverage=coverage, goal=goal)
    rv = expected_revenue(engine, p.workspace_slug, lv, sp, alpha=alpha)
    return {"list": lv.slug, "currency": lv.currency, "goal": lv.goal, **sp.to_dict(),
            "expected_revenue": None if rv is None else rv.to_dict()}
