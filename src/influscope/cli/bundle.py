"""``influscope import`` and ``influscope export``: the canonical bundle."""

from __future__ import annotations

import contextlib
import json
import time
from pathlib import Path
from typing import Optional

import typer

from influscope.cli import _common


def import_(
    path: Path = typer.Argument(..., help="Bundle folder (campaign.yaml + CSV files), a native export file, or the .zip a platform downloads."),
    source: Optional[str] = typer.Option(None, "--source", help="Native export format of a single file (see `influscope sources`)."),
    year: Optional[int] = typer.Option(None, "--year", help="Year for exports whose dates have none (TikTok Studio)."),
    date_range: Optional[str] = typer.Option(None, "--date-range", help="START..END (ISO dates), the period the "
                                             "export covers: days without a year take the year that puts them "
                                             "inside; a YouTube per-video table's counts are those of the period."),
    lifetime: bool = typer.Option(False, "--lifetime", help="The export covers the Lifetime period (a YouTube "
                                  "per-video table exported for Lifetime: its counts are each video's lifetime "
                                  "counts)."),
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

            report = import_export_file(engine, path, source=source, workspace=ws, year=year,
                                        date_range=_date_range(date_range), lifetime=lifetime)
        else:
            with _progress_bar(enabled=not as_json) as progress:
                report = import_bundle(engine, path, workspace=ws, progress=progress)
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
    for part in getattr(report, "parts", None) or ([report] if getattr(report, "reading", None) else []):
        reading = part.reading  # what each file gave (each file of a zip)
        typer.echo(f"{part.file} ({part.source}): {reading.rows_read} row(s) read, {reading.rows_stored} stored")
        typer.echo(f"columns used:    {', '.join(reading.used) or '-'}")
        typer.echo(f"columns ignored: {', '.join(reading.ignored) or '-'}")
        for warning in reading.warnings:
            typer.echo(f"warning: {warning}")
    for name, r in report.files.items():
        typer.echo(f"{name:16} {r.inserted:>8} new {r.updated:>8} changed {r.unchanged:>8} unchanged")
    typer.echo(f"{report.changes} change(s) in workspace {report.workspace!r}")


PHASES = {"reading": "reading", "checking": "checking references", "writing": "writing", "done": "done"}


@contextlib.contextmanager
def _progress_bar(enabled: bool = True):
    """A progress bar on standard error (rows, rows/s, time left) while a bundle imports, when it is
    a terminal; yields the ImportProgress to pass to the importer (None otherwise)."""
    import sys

    from influscope.ingest.canonical import ImportProgress

    if not enabled or not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    bar = Progress(TextColumn("{task.description:20}"), BarColumn(), MofNCompleteColumn(),
                   TextColumn("rows  {task.fields[rate]:>9} rows/s"), TimeRemainingColumn(),
                   console=Console(stderr=True), transient=True)
    task = bar.add_task("reading", total=None, rate="-")
    last = [0.0]

    def show(p: ImportProgress) -> None:
        now = time.monotonic()
        if now - last[0] < 0.1 and p.phase != "done":
            return
        last[0] = now
        bar.update(task, description=PHASES.get(p.phase, p.phase), completed=p.rows, total=p.total or None,
                   rate=f"{p.rate:,.0f}")

    with bar:
        yield ImportProgress(on_change=show)


def _date_range(text: str | None):
    if not text:
        return None
    import datetime as dt

    start, _, end = text.partition("..")
    try:
        return dt.date.fromisoformat(start.strip()), dt.date.fromisoformat(end.strip())
    except ValueError:
        _common.fail(f"--date-range: expected START..END as ISO dates (2025-02-28..2026-02-27), got {text!r}")


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
        _common.fail_missing(str(exc))
    for name, n in counts.items():
        typer.echo(f"{name:16} {n:>8} rows")


def register(app: typer.Typer) -> None:
    app.command("import")(import_)
    app.command("export")(export)
