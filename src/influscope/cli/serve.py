"""``influscope serve``: the web app, API and redirect under granian."""

from __future__ import annotations

import os
from typing import Optional

import typer

from influscope.cli import _common, long_running


def serve_app(host: str, port: int, *, links_only: bool = False, workers: int = 1) -> None:
    """Run granian in the foreground with the configured database (blocks until stopped)."""
    long_running()  # the server and the workers it starts keep Python's collector thresholds
    from granian import Granian
    from granian.constants import Interfaces, RuntimeModes

    from influscope.config import configure, get_settings
    from influscope.db.engine import get_engine

    # Short links and QR codes name the address served here unless a public base URL is set.
    settings = configure(base_url=get_settings().base_url or f"http://{host}:{port}")
    get_engine(settings.database_url)  # migrate once here, before workers start
    # Worker processes get these settings from the environment (spawned) or inherit them (forked).
    os.environ["INFLUSCOPE_DATABASE_URL"] = settings.database_url
    os.environ["INFLUSCOPE_WORKSPACE"] = settings.workspace
    os.environ["INFLUSCOPE_BASE_URL"] = settings.base_url
    if settings.events_url:
        os.environ["INFLUSCOPE_EVENTS_URL"] = settings.events_url
    # each worker computes one campaign's KPIs in the background as it starts (reading only), so the
    # first page opened does not wait for the KPI queries to be compiled
    os.environ.setdefault("INFLUSCOPE_WARM_UP", "1")
    target = "influscope.web.app:create_links_only" if links_only else "influscope.web.app:create_asgi"
    # One single-threaded Rust runtime per worker (granian's "st" mode) and no websocket handling (nothing
    # here uses websockets): under the redirect bench's load a do-nothing ASGI app needed about 15 % less
    # CPU per request this way than with granian's defaults.
    # Comments are analysed by a background job beside the server, never while KPIs are read.
    from influscope.audience.background import start_watcher

    watcher = None if links_only else start_watcher(settings.database_url)
    try:
        Granian(target, address=host, port=port, interface=Interfaces.ASGI, workers=workers, factory=True,
                runtime_mode=RuntimeModes.st, websockets=False, log_access=False).serve()
    finally:
        if watcher is not None:
            watcher.stop()


def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8000, "--port", help="Port to listen on."),
    links_only: bool = typer.Option(False, "--links-only", help="Serve only the /l/ redirect (a dedicated link tier)."),
    workers: int = typer.Option(1, "--workers", help="Worker processes."),
    db: Optional[str] = _common.DbOption,
    workspace: Optional[str] = _common.WorkspaceOption,
) -> None:
    """Serve the dashboard, the REST API and the tracking redirect."""
    _common.apply(db, workspace)
    typer.echo(f"influscope on http://{host}:{port}/  (Ctrl+C to stop)")
    serve_app(host, port, links_only=links_only, workers=workers)


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
