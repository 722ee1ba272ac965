"""Helpers shared by the command modules."""

from __future__ import annotations

from typing import Optional

import typer

from influscope import config

DbOption = typer.Option(None, "--db", help="Database URL (overrides the global option and the environment).")
WorkspaceOption = typer.Option(None, "--workspace", "-w", help="Workspace slug.")


def apply(db: Optional[str] = None, workspace: Optional[str] = None) -> config.Settings:
    """Apply per-command --db/--workspace over the global ones and return the settings."""
    return config.configure(database_url=db, workspace=workspace)


def engine(db: Optional[str] = None, workspace: Optional[str] = None):
    from influscope.db.engine import get_engine

    settings = apply(db, workspace)
    return get_engine(settings.database_url)


def fail(message: str, code: int = 1) -> "typer.Exit":
    typer.echo(message, err=True)
    raise typer.Exit(code)
