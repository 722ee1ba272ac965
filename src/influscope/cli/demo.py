"""``influscope demo``: a demo workspace with realistic data, summarised, then served."""

from __future__ import annotations

import datetime as dt
from typing import Optional

import typer

from influscope.cli import _common


def demo(
    scale: float = typer.Option(1.0, "--scale", help="Size of the data relative to the full demo (0.05 = 5 %)."),
    seed: int = typer.Option(7, "--seed", help="Random seed: the same seed and day give the same data."),
    serve: bool = typer.Option(True, "--serve/--no-serve", help="Serve the web app after loading."),
    host: str = typer.Option("127.0.0.1", "--host"),
    port: int = typer.Option(8000, "--port"),
    db: Optional[str] = _common.DbOption,
    workspace: Optional[str] = typer.Option(
        None, "--workspace", "-w",
        help="Workspace to load the demo into (default: the one every command uses, $INFLUSCOPE_WORKSPACE or 'default')."),
) -> None:
    """Create a demo workspace (three campaigns: TOFU, MOFU, BOFU; a fourth planned, with its shortlist) with realistic data, summarise it and serve it."""
    from influscope.demo import create_demo, ensure_demo_login, summarise

    settings = _common.apply(db, workspace)
    workspace = settings.workspace  # the demo lands where `influscope kpi` and friends look by default
    engine = _common.engine()
    typer.echo(f"Generating the demo workspace {workspace!r} in {settings.database_url} ...")
    started = dt.datetime.now()
    summary = create_demo(engine, workspace=workspace, scale=scale, seed=seed)
    seconds = (dt.datetime.now() - started).total_seconds()
    typer.echo(f"Loaded in {seconds:.1f} s ({summary.changes} records written).\n")
    for line in summarise(engine, workspace):
        typer.echo(line)
    email, password = ensure_demo_login(engine, workspace)
    if password:
        typer.echo(f"\nLog in as {email} with password {password}")
    else:
        typer.echo(f"\nLog in as {email} (its password was set on the first demo run)")
    if serve:
        from influscope.audience.background import available, waiting_by_workspace
        from influscope.cli.serve import serve_app

        waiting = sum(waiting_by_workspace(engine).values())
        if waiting and available():
            typer.echo(f"\n{waiting:,} comments are analysed in the background while the dashboard runs; "
                       "campaign pages say how many are still waiting.")

        typer.echo(f"\nDashboard: http://{host}:{port}/  (Ctrl+C to stop)")
        serve_app(host, port)


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
