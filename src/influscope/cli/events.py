"""``influscope events``: the ClickHouse event store (``--events`` / ``INFLUSCOPE_EVENTS_URL``)."""

from __future__ import annotations

from typing import Optional

import typer

from influscope.cli import _common

events_app = typer.Typer(help="The ClickHouse event store: its journal and migrations.", no_args_is_help=True)


def _store():
    from influscope.events.store import configured

    try:
        store = configured()
    except ValueError as exc:
        _common.fail(str(exc), 2)
    if store is None:
        _common.fail("no event store is configured: give --events URL or set INFLUSCOPE_EVENTS_URL", 2)
    return store


@events_app.command("status")
def status(db: Optional[str] = _common.DbOption) -> None:
    """Print the event store, its migrations and the clicks waiting in the redirect's journal."""
    from influscope.events import journal, schema
    from influscope.events.store import session

    engine = _common.engine(db)
    store = _store()
    path = journal.journal_path(store, engine)
    with session(store) as client:
        have = schema.applied(client)
    typer.echo(f"event store: {store.describe()}")
    typer.echo(f"migrations: {max(have)} of {schema.newest()}")
    typer.echo(f"journal: {path} ({journal.pending(path)} clicks waiting)")


@events_app.command("forward")
def forward(db: Optional[str] = _common.DbOption) -> None:
    """Send the clicks waiting in the redirect's journal to the event store (a server does this by
    itself; this is for a journal left behind by a server that is not running)."""
    from influscope.events import journal

    engine = _common.engine(db)
    store = _store()
    path = journal.journal_path(store, engine)
    before = journal.pending(path)
    sent = journal.forward(store, path)
    if before and not sent:
        _common.fail(f"another process is forwarding {path}; try again when it is done")
    typer.echo(f"forwarded {sent} clicks from {path}")


def register(app: typer.Typer) -> None:
    app.add_typer(events_app, name="events")
