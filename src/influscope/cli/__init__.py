"""The ``influscope`` command line.

Each module of this package adds its commands with ``register(app)``; they are discovered here so
that a new command group needs no edit of this file.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Optional

import typer

from influscope import config
app = typer.Typer(
    name="influscope",
    help="Measure influencer-marketing campaigns: links, codes, sales, social metrics and every KPI.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root(
    db: Optional[str] = typer.Option(None, "--db", help="Database URL (default: $INFLUSCOPE_DATABASE_URL or sqlite:///influscope.db)."),
    workspace: Optional[str] = typer.Option(None, "--workspace", "-w", help="Workspace slug (default: $INFLUSCOPE_WORKSPACE or 'default')."),
    events: Optional[str] = typer.Option(None, "--events", help="ClickHouse event store URL: chdb:///FOLDER or "
                                         "clickhouse://USER:PASSWORD@HOST:PORT/DB (default: $INFLUSCOPE_EVENTS_URL; "
                                         "none keeps events in the database)."),
) -> None:
    config.reset()  # an invocation never inherits the options of an earlier one in the same process
    config.configure(database_url=db, workspace=workspace, events_url=events)
    if config.get_settings().events_url:
        from influscope.events.store import parse

        try:
            parse(config.get_settings().events_url)
        except ValueError as exc:
            typer.echo(f"--events / INFLUSCOPE_EVENTS_URL: {exc}", err=True)
            raise typer.Exit(2)


def _discover() -> None:
    import influscope.cli as pkg

    for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda i: i.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"influscope.cli.{info.name}")
        register = getattr(module, "register", None)
        if register:
            register(app)


_discover()


def main() -> None:  # console-script entry point
    app()
