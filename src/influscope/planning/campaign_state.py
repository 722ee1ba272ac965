"""A campaign's status: planned (being prepared) or started (live or over).

    phase(status, start, end, today) -> "planned" | "upcoming" | "running" | "ended"
    kpi_day(status, start, today) -> date      # the "today" a campaign's KPIs are computed as of
    create_campaign(engine, workspace, slug, name=..., goal=..., start=..., end=..., currency=...,
                    status="planned", ...) -> int
    start_campaign(engine, workspace, slug) -> dict     # planned -> started

A planned campaign has dates, a budget, a goal and candidate lists, but it is not measured yet:
it is listed apart from the others, nothing paces it against its targets, no sales forecast runs
for it and no budget-pacing advice fires, whatever its dates say. Starting it is one explicit step
(``influscope campaigns start``, ``POST /api/v1/campaigns/{id}/start``, the button on the home
page, or ``status: started`` in a re-imported ``campaign.yaml``); a started campaign is never
planned again.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa

from influscope.db import slugs
from influscope.db import tables as t
from influscope.db.types import to_decimal

__all__ = ["CampaignStateError", "create_campaign", "kpi_day", "phase", "start_campaign"]

Phase = Literal["planned", "upcoming", "running", "ended"]


class CampaignStateError(ValueError):
    """A campaign cannot be created or started as asked (the message says why)."""


def phase(status: str | None, start: dt.date, end: dt.date, today: dt.date | None = None) -> Phase:
    """Where a campaign stands: planned (whatever its dates), else by its dates."""
    if status == "planned":
        return "planned"
    today = today or dt.date.today()
    if today < start:
        return "upcoming"
    return "running" if today <= end else "ended"


def kpi_day(status: str | None, start: dt.date, today: dt.date) -> dt.date:
    """The day a campaign's KPIs are computed as of: a planned campaign has not started, so the day before its start
    at the latest (no pacing, no sales forecast, no budget-pacing advice)."""
    return min(today, start - dt.timedelta(days=1)) if status == "planned" else today


def _workspace(conn, workspace: str) -> int:
    ws = slugs.workspace_id(conn, workspace)
    if ws is None:
        raise LookupError(f"no workspace {workspace!r}")
    return ws


def _slug(slug: str) -> str:
    if not slug or len(slug) > 64 or not all(c.isalnum() or c in "-_." for c in slug):
        raise CampaignStateError(f"slug: 1-64 letters, digits, '-', '_' or '.', got {slug!r}")
    return slug


def create_campaign(engine, workspace: str, slug: str, *, name: str, goal: str, start: dt.date, end: dt.date,
                    currency: str, budget: Any = None, timezone: str = "UTC", brand: str | None = None,
                    targets: dict[str, float] | None = None, status: str = "planned") -> int:
    """A new campaign of WORKSPACE (created on first use), planned unless ``status="started"``."""
    _slug(slug)
    if status not in t.CAMPAIGN_STATUSES:
        raise CampaignStateError(f"status: one of {', '.join(t.CAMPAIGN_STATUSES)}, got {status!r}")
    if goal not in t.GOALS:
        raise CampaignStateError(f"goal: one of {', '.join(t.GOALS)}, got {goal!r}")
    if not name or len(name) > 200:
        raise CampaignStateError("name: 1-200 characters")
    if end < start:
        raise CampaignStateError(f"end: {end} is before start {start}")
    currency = (currency or "").upper()
    if len(currency) != 3 or not currency.isalpha():
        raise CampaignStateError(f"currency: an ISO 4217 code, got {currency!r}")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise CampaignStateError(f"timezone: unknown time zone {timezone!r}") from None
    amount: Decimal | None = None
    if budget is not None and budget != "":
        try:
            amount = to_decimal(budget, field="budget")
        except ValueError as exc:
            raise CampaignStateError(str(exc)) from None
        if amount < 0:
            raise CampaignStateError("budget: must not be negative")
    from influscope.ingest.canonical import ensure_workspace

    with engine.begin() as conn:
        ws = ensure_workspace(conn, workspace)
        if conn.execute(sa.select(t.campaigns.c.id).where(t.campaigns.c.workspace_id == ws,
                                                          t.campaigns.c.slug == slug)).scalar():
            raise CampaignStateError(f"a campaign {slug!r} exists already")
        return conn.execute(t.campaigns.insert().values(
            workspace_id=ws, slug=slug, name=name, brand=brand, goal=goal, start_date=start, end_date=end,
            timezone=timezone, currency=currency, budget=amount, targets=dict(targets or {}), brand_accounts=[],
            brand_terms=[], competitor_terms=[], methodology={}, status=status)
            .returning(t.campaigns.c.id)).scalar_one()


def start_campaign(engine, workspace: str, slug: str) -> dict:
    """Mark a planned campaign as started (from now on it is measured and paced); its row after the change."""
    with engine.begin() as conn:
        ws = _workspace(conn, workspace)
        row = slugs.campaign(conn, ws, slug)
        if row is None:
            raise LookupError(f"no campaign {slug!r}")
        if row["status"] != "planned":
            raise CampaignStateError(f"campaign {slug!r} is {row['status']}, not planned")
        # only a planned row changes: two concurrent starts cannot both succeed
        done = conn.execute(t.campaigns.update().where(t.campaigns.c.id == row["id"], t.campaigns.c.status == "planned")
                            .values(status="started")).rowcount
        if not done:
            raise CampaignStateError(f"campaign {slug!r} was started meanwhile")
        return {**dict(row), "status": "started"}
