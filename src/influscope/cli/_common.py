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


def existing(db_engine=None, creators_of: Optional[str] = None) -> str:
    """What the database holds, for an error about a missing workspace, campaign or creator.

    Names the workspaces, the campaigns of the current workspace (or of every workspace when it does
    not exist) and, given a campaign slug, that campaign's creators.
    """
    import sqlalchemy as sa

    from influscope.db import tables as t

    db_engine = db_engine or engine()
    workspace = config.get_settings().workspace
    try:
        with db_engine.connect() as conn:
            spaces = dict(conn.execute(sa.select(t.workspaces.c.slug, t.workspaces.c.id)
                                       .order_by(t.workspaces.c.slug)).all())
            q = (sa.select(t.workspaces.c.slug, t.campaigns.c.slug, t.campaigns.c.id)
                 .join_from(t.campaigns, t.workspaces).order_by(t.workspaces.c.slug, t.campaigns.c.slug))
            if workspace in spaces:
                q = q.where(t.workspaces.c.id == spaces[workspace])
            campaigns = conn.execute(q).all()
            creators: list[str] = []
            ids = [c for ws, slug, c in campaigns if slug == creators_of]
            if creators_of and ids:
                creators = list(conn.execute(
                    sa.select(t.creators.c.key).join(t.campaign_creators, t.campaign_creators.c.creator_id == t.creators.c.id)
                    .where(t.campaign_creators.c.campaign_id == ids[0]).order_by(t.creators.c.key)).scalars())
    except sa.exc.SQLAlchemyError:  # no schema yet: nothing to list
        return "the database is empty: run `influscope demo` or `influscope import BUNDLE` first"
    if not spaces:
        return "the database has no workspace yet: run `influscope demo` or `influscope import BUNDLE` first"
    lines = ["workspaces: " + ", ".join(spaces)
             + ("" if workspace in spaces else f" (choose one with --workspace; {workspace!r} does not exist)")]
    if workspace in spaces:
        lines.append(f"campaigns in {workspace!r}: " + (", ".join(s for _, s, _ in campaigns) or "none"))
    else:
        lines.append("campaigns: " + (", ".join(f"{ws}/{s}" for ws, s, _ in campaigns) or "none"))
    if creators:
        shown = ", ".join(creators[:12]) + (f" and {len(creators) - 12} more" if len(creators) > 12 else "")
        lines.append(f"creators of {creators_of!r}: {shown}")
    return "\n".join(lines)


def fail_missing(message: str, db_engine=None, creators_of: Optional[str] = None, code: int = 1) -> "typer.Exit":
    """Fail with MESSAGE followed by what does exist (workspaces, campaigns, creators)."""
    fail(f"{message}\n{existing(db_engine, creators_of)}", code)
