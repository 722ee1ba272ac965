"""``influscope import`` and ``influscope export``: the canonical bundle."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from influscope.cli import _common


def import_(
    path: Path = typer.Argument(..., help="Bundle folder (campaign.yaml + CSV files) or a native export file."),
    source: Optional[str] = typer.Option(None, "--source", help="Native export format of a single file (see `influscope sources`)."),
    year: Optional[int] = typer.Option(None, "--year", help="Year for exports whose dates have none (TikTok Studio)."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
    db: Optional[str] = _common.DbOption,
    workspace: Optional[str] = _common.WorkspaceOption,
) -> None:
    """Load a canonical bundle in one transaction: every problem is reported, and nothing is written unless all is well."""
    from influscope.ingest.canonical import BundleError, import_bundle

    engine = _common.engine(db, workspace)
    ws = _common.apply().workspace
    try:
        if path.is_file() or source:
            from influscope.ingest.exports import import_export_file

            report = import_export_file(engine, path, source=source, workspace=ws, year=year)
        else:
            report = import_bundle(engine, path, workspace=ws)
    except BundleError as exc:
        for problem in exc.problems:
            typer.echo(str(problem), err=True)
        if exc.truncated:
            typer.echo(f"... and {exc.truncated} more problems", err=True)
        typer.echo(f"rejected: {len(exc.problems) + exc.truncated} problem(s); nothing was written", err=True)
        raise typer.Exit(1)
    if as_json:
        typer.echo(json.dumps(report.as_dict(), indent=2))
        return
    for name, r in report.files.items():
        typer.echo(f"{name:16} {r.inserted:>8} new {r.updated:>8} changed {r.unchanged:>8} unchanged")
    typer.echo(f"{report.changes} change(s) in workspace {report.workspace!r}")


def export(
    path: Path = typer.Argument(..., help="Folder to write the bundle to."),
    campaign: str = typer.Option(..., "--campaign", "-c", help="Campaign id (slug)."),
    everything: bool = typer.Option(False, "--all", help="Also write every order, lead, traffic, follower, "
                                    "audience and rate row of the workspace (other campaigns' included)."),
    db: Optional[str] = _common.DbOption,
    workspace: Optional[str] = _common.WorkspaceOption,
) -> None:
    """Write a campaign back as a canonical bundle: only what the campaign owns (the orders and leads
    credited to its creators, its posts, links, codes, costs and clicks), unless --all is given."""
    from influscope.ingest.canonical import export_bundle

    engine = _common.engine(db, workspace)
    try:
        counts = export_bundle(engine, campaign, path, workspace=_common.apply().workspace, everything=everything)
    except LookupError as exc:
        _common.fail(str(exc))
    for name, n in counts.items():
        typer.echo(f"{name:16} {n:>8} rows")


def register(app: typer.Typer) -> None:
    app.command("import")(import_)
    app.command("export")(export)
