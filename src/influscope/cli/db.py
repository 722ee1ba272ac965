"""``influscope db``: schema migrations."""

from __future__ import annotations

from typing import Optional

import typer

from influscope.cli import _common

db_app = typer.Typer(help="Database schema: migrate and inspect.", no_args_is_help=True)


@db_app.command("upgrade")
def upgrade(db: Optional[str] = _common.DbOption, revision: str = typer.Argument("heads")) -> None:
    """Migrate the database to the newest schema (or to REVISION)."""
    from influscope.db.engine import get_engine, upgrade as do_upgrade

    settings = _common.apply(db)
    do_upgrade(get_engine(settings.database_url, migrate=False), revision)
    typer.echo(f"database at {revision}: {settings.database_url}")
    from influscope.events import schema, store

    events = store.configured()
    if events is not None:  # the event store's own migrations (influscope.events.schema)
        with store.session(events) as client:
            have = schema.applied(client)
        typer.echo(f"event store at migration {max(have)}: {events.describe()}")


@db_app.command("current")
def current(db: Optional[str] = _common.DbOption) -> None:
    """Print the schema revisions the database is at, and the newest ones."""
    from influscope.db.engine import current_revisions, get_engine, heads

    settings = _common.apply(db)
    have = current_revisions(get_engine(settings.database_url, migrate=False))
    typer.echo(f"current: {', '.join(sorted(have)) or '(empty)'}")
    typer.echo(f"newest:  {', '.join(sorted(heads()))}")


@db_app.command("rebuild")
def rebuild(db: Optional[str] = _common.DbOption,
            workspace: Optional[str] = typer.Option(None, "--workspace", "-w",
                                                    help="Only this workspace (default: every workspace).")) -> None:
    """Recompute what is kept when records are written (unique-click windows, clicks per link and
    local day, the utm values of orders' landing URLs, the click each order and lead carries, the
    creator each code list and utm pair names) from the raw records."""
    import sqlalchemy as sa

    from influscope.db import slugs
    from influscope.db import tables as t
    from influscope.db.engine import get_engine, refresh_statistics
    from influscope.attribution import carried, landing, matched
    from influscope.metrics import click_rollups, unique_windows

    settings = _common.apply(db)
    engine = get_engine(settings.database_url)
    with engine.begin() as conn:
        ws = None
        if workspace is not None:
            ws = slugs.workspace_id(conn, workspace)
            if ws is None:
                known = ", ".join(conn.execute(sa.select(t.workspaces.c.slug).order_by(t.workspaces.c.slug)).scalars())
                _common.fail(f"no workspace {workspace!r} (workspaces: {known or 'none'})")
        changed = unique_windows.rebuild(conn, ws)
        rollup_rows = click_rollups.rebuild(conn, ws)
        utm_changed = landing.rebuild(conn, ws)
        carried.ensure(conn)  # triggers a table rebuild dropped are made again
        carried_changed = carried.rebuild(conn, ws)
        matched.ensure(conn)
        matched_rows = matched.rebuild(conn, ws)
    refresh_statistics(engine)
    typer.echo(f"unique-click windows: {changed} clicks changed")
    typer.echo(f"clicks per link and day: {rollup_rows} rows made from the raw clicks")
    from influscope.events import clicks as event_clicks, store

    events = store.configured()
    if events is not None:
        with store.session(events) as client:
            typer.echo(f"unique-click windows in the event store: {event_clicks.rebuild(client, events, ws)} "
                       "clicks changed")
    typer.echo(f"landing-URL utm values: {utm_changed} orders changed")
    typer.echo(f"carried clicks of orders and leads: {carried_changed} changed")
    if conn.dialect.name == "sqlite":
        typer.echo(f"code lists and utm pairs matched to creators: {matched_rows} rows made from the raw records")


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")
