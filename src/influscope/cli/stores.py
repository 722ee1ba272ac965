"""``influscope stores``: configure the shops and payment accounts whose webhooks are received."""

from __future__ import annotations

import json
from typing import Optional

import typer

from influscope.cli import _common

stores_app = typer.Typer(help="Shops and payment accounts that send order webhooks (Shopify, WooCommerce, Stripe).",
                         no_args_is_help=True)


@stores_app.command("add")
def add(
    kind: str = typer.Argument(..., help="shopify, woocommerce, stripe, or web (a site running the browser snippet; no secret)."),
    name: str = typer.Argument(..., help="Store name: the {source} of /hooks/{kind}/{source} and the orders' source."),
    secret: Optional[str] = typer.Option(None, "--secret", help="Signing secret, kept in the database."),
    secret_env: Optional[str] = typer.Option(None, "--secret-env", help="Environment variable that holds the secret (only its name is stored)."),
    secret_file: Optional[str] = typer.Option(None, "--secret-file", help="File that holds the secret (only its path is stored)."),
    replace: bool = typer.Option(False, "--replace", help="Change an existing store of this name."),
    db: Optional[str] = _common.DbOption,
    workspace: Optional[str] = _common.WorkspaceOption,
) -> None:
    """Configure a store and print its webhook path."""
    from influscope.ingest.commerce.stores import StoreError, add_store

    engine = _common.engine(db, workspace)
    try:
        store = add_store(engine, kind, name, workspace=_common.apply().workspace, secret=secret,
                          secret_env=secret_env, secret_file=secret_file, replace=replace)
    except StoreError as exc:
        _common.fail(f"error: {exc}")
    typer.echo(f"{store.kind} store {store.name!r} in workspace {store.workspace!r}: POST /hooks/{store.kind}/{store.name}"
               f" (secret: {store.secret_source})")


@stores_app.command("list")
def list_(
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    db: Optional[str] = _common.DbOption,
    workspace: Optional[str] = _common.WorkspaceOption,
) -> None:
    """List the stores of the workspace (secrets are never printed)."""
    from influscope.ingest.commerce.stores import list_stores

    engine = _common.engine(db, workspace)
    found = list_stores(engine, _common.apply().workspace)
    if as_json:
        typer.echo(json.dumps([s.as_dict() for s in found], indent=2))
        return
    if not found:
        typer.echo("no stores configured")
    for s in found:
        typer.echo(f"{s.kind:12} {s.name:24} /hooks/{s.kind}/{s.name}  secret: {s.secret_source}")


@stores_app.command("remove")
def remove(
    name: str = typer.Argument(..., help="Store name."),
    db: Optional[str] = _common.DbOption,
    workspace: Optional[str] = _common.WorkspaceOption,
) -> None:
    """Remove a store (its orders stay)."""
    from influscope.ingest.commerce.stores import remove_store

    engine = _common.engine(db, workspace)
    if not remove_store(engine, name, _common.apply().workspace):
        _common.fail(f"error: no store named {name!r} in this workspace")
    typer.echo(f"removed {name}")


@stores_app.command("process")
def process(
    retry_failed: bool = typer.Option(False, "--retry-failed", help="Also process again the deliveries that failed."),
    db: Optional[str] = _common.DbOption,
    workspace: Optional[str] = _common.WorkspaceOption,
) -> None:
    """Process deliveries still pending (the server does this by itself; use after a crash or for a
    database written by another process)."""
    from influscope.ingest.commerce import sink

    engine = _common.engine(db, workspace)
    if retry_failed:
        sink.retry_failed(engine)
    counts = sink.process_pending(engine)
    typer.echo(json.dumps(counts or {"pending": 0}))


@stores_app.command("prune")
def prune(
    days: int = typer.Option(30, "--days", help="Keep deliveries of the last DAYS days (at least 7)."),
    db: Optional[str] = _common.DbOption,
    workspace: Optional[str] = _common.WorkspaceOption,
) -> None:
    """Delete old processed deliveries (the orders they wrote stay)."""
    from influscope.ingest.commerce import sink

    engine = _common.engine(db, workspace)
    try:
        n = sink.prune(engine, days)
    except ValueError as exc:
        _common.fail(f"error: {exc}")
    typer.echo(f"deleted {n} deliveries older than {days} days")


def register(app: typer.Typer) -> None:
    app.add_typer(stores_app, name="stores")
