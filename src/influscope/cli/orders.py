"""``influscope orders import``: a shop's own order CSV export into the canonical orders."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from influscope.cli import _common

orders_app = typer.Typer(help="Orders from the shops' own CSV exports (Shopify, WooCommerce).", no_args_is_help=True)


@orders_app.command("import")
def import_(
    path: Path = typer.Argument(..., exists=True, dir_okay=False, help="Shopify orders export or WooCommerce Analytics > Orders download."),
    fmt: Optional[str] = typer.Option(None, "--format", help="shopify or woocommerce (default: from the header)."),
    source: Optional[str] = typer.Option(None, "--source", help="Store name the orders belong to (use the webhook store's name to merge with it)."),
    currency: Optional[str] = typer.Option(None, "--currency", help="Currency of a WooCommerce export (it has no currency column)."),
    timezone: str = typer.Option("UTC", "--timezone", help="Time zone of a WooCommerce export's dates (the site's), e.g. Europe/Berlin."),
    as_json: bool = typer.Option(False, "--json", help="Print the counts and the file's report as JSON."),
    db: Optional[str] = _common.DbOption,
    workspace: Optional[str] = _common.WorkspaceOption,
) -> None:
    """Import orders, all or nothing; problems name the file, line and column."""
    from influscope.ingest.commerce.common import PayloadError
    from influscope.ingest.commerce.exports import import_orders

    engine = _common.engine(db, workspace)
    try:
        report = import_orders(engine, path, workspace=_common.apply().workspace, fmt=fmt, source=source,
                               currency=currency, timezone=timezone)
    except PayloadError as exc:
        typer.echo(str(exc), err=True)
        _common.fail("rejected: nothing was written")
    if as_json:
        typer.echo(json.dumps(report.as_dict()))
        return
    reading = report.reading
    typer.echo(f"{report.file} ({report.source}): {reading.rows_read} row(s) read, {reading.rows_stored} order(s) stored")
    typer.echo(f"columns used:    {', '.join(reading.used) or '-'}")
    typer.echo(f"columns ignored: {', '.join(reading.ignored) or '-'} (kept with each order, personal data left out)")
    for warning in reading.warnings:
        typer.echo(f"warning: {warning}")
    typer.echo(json.dumps({"source": report.source, **report.counts}))  # the counts, as before


def register(app: typer.Typer) -> None:
    app.add_typer(orders_app, name="orders")
