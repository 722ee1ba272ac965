"""``influscope campaigns``: list campaigns, create a planned one, start it."""

from __future__ import annotations

import datetime as dt
import json
from typing import Optional

import typer

from influscope.cli import _common

campaigns_app = typer.Typer(help="Campaigns: list them, create a planned campaign, start it.", no_args_is_help=True)


def _date(text: str, name: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        _common.fail(f"{name}: not a date (YYYY-MM-DD): {text!r}")
        raise  # unreachable: fail() exits


@campaigns_app.command("list")
def list_cmd(
    status: Optional[str] = typer.Option(None, "--status", help="Only planned or started campaigns."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    db: Optional[str] = _common.DbOption,
    workspace: Optional[str] = _common.WorkspaceOption,
) -> None:
    """The workspace's campaigns with their status and phase (planned, upcoming, running, ended)."""
    import sqlalchemy as sa

    from influscope.db import tables as t
    from influscope.planning.campaign_state import phase

    if status is not None and status not in t.CAMPAIGN_STATUSES:
        _common.fail(f"--status must be one of {', '.join(t.CAMPAIGN_STATUSES)}, got {status!r}")
    engine = _common.engine(db, workspace)
    ws = _common.apply().workspace
    q = (sa.select(t.campaigns).join(t.workspaces, t.workspaces.c.id == t.campaigns.c.workspace_id)
         .where(t.workspaces.c.slug == ws).order_by(t.campaigns.c.start_date.desc(), t.campaigns.c.slug))
    if status:
        q = q.where(t.campaigns.c.status == status)
    with engine.connect() as conn:
        rows = [dict(r) for r in conn.execute(q).mappings()]
    out = [{"slug": r["slug"], "name": r["name"], "goal": r["goal"], "status": r["status"],
            "phase": phase(r["status"], r["start_date"], r["end_date"]), "start": r["start_date"].isoformat(),
            "end": r["end_date"].isoformat(), "currency": r["currency"],
            "budget": None if r["budget"] is None else str(r["budget"])} for r in rows]
    if as_json:
        typer.echo(json.dumps(out, indent=2, ensure_ascii=False))
        return
    for r in out:
        budget = "" if r["budget"] is None else f"  budget {r['budget']} {r['currency']}"
        typer.echo(f"{r['slug']:24} {r['phase']:9} {r['goal']}  {r['start']} - {r['end']}{budget}  {r['name']}")


@campaigns_app.command("create")
def create_cmd(
    slug: str = typer.Argument(..., help="Short name, unique in the workspace."),
    name: str = typer.Option(..., "--name", help="Display name."),
    goal: str = typer.Option(..., "--goal", help="tofu, mofu or bofu."),
    start: str = typer.Option(..., "--start", help="First day, YYYY-MM-DD."),
    end: str = typer.Option(..., "--end", help="Last day, YYYY-MM-DD."),
    currency: str = typer.Option(..., "--currency", help="ISO 4217 code of every amount."),
    budget: Optional[str] = typer.Option(None, "--budget", help="Planned spend, in the currency."),
    timezone: str = typer.Option("UTC", "--timezone", help="IANA time zone of the campaign's days."),
    brand: Optional[str] = typer.Option(None, "--brand", help="Brand name."),
    target: list[str] = typer.Option([], "--target", help="A target as KPI=VALUE (e.g. roas=3); repeatable."),
    planned: bool = typer.Option(True, "--planned/--started", help="Create it planned (default) or started."),
    db: Optional[str] = _common.DbOption,
    workspace: Optional[str] = _common.WorkspaceOption,
) -> None:
    """Create a campaign, planned by default: candidate lists and the budget split can attach to it."""
    from influscope.planning.campaign_state import CampaignStateError, create_campaign

    targets: dict[str, float] = {}
    for item in target:
        key, sep, value = item.partition("=")
        try:
            targets[key.strip()] = float(value)
        except ValueError:
            sep = ""
        if not sep or not key.strip():
            _common.fail(f"--target: expected KPI=NUMBER, got {item!r}")
    engine = _common.engine(db, workspace)
    try:
        create_campaign(engine, _common.apply().workspace, slug, name=name, goal=goal, start=_date(start, "--start"),
                        end=_date(end, "--end"), currency=currency, budget=budget, timezone=timezone, brand=brand,
                        targets=targets, status="planned" if planned else "started")
    except (CampaignStateError, LookupError) as exc:
        _common.fail(f"error: {exc}")
    typer.echo(f"created {'planned' if planned else 'started'} campaign {slug}")


@campaigns_app.command("start")
def start_cmd(
    slug: str = typer.Argument(..., help="A planned campaign."),
    db: Optional[str] = _common.DbOption,
    workspace: Optional[str] = _common.WorkspaceOption,
) -> None:
    """Start a planned campaign: from now on it is measured, paced and forecast."""
    from influscope.planning.campaign_state import CampaignStateError, start_campaign

    engine = _common.engine(db, workspace)
    try:
        start_campaign(engine, _common.apply().workspace, slug)
    except LookupError as exc:
        _common.fail_missing(f"error: {exc}", engine)
    except CampaignStateError as exc:
        _common.fail(f"error: {exc}")
    typer.echo(f"started campaign {slug}")


def register(app: typer.Typer) -> None:
    app.add_typer(campaigns_app, name="campaigns")
