"""``influscope sources``: every connector and native export, with the canonical fields it fills."""

from __future__ import annotations

import json

import typer


def sources(as_json: bool = typer.Option(False, "--json", help="Print as JSON.")) -> None:
    """List every source: platform connectors (`influscope sync`) and native exports (`influscope import FILE --source NAME`)."""
    from influscope.ingest.connectors.catalog import CONNECTORS
    from influscope.ingest.exports import SOURCES

    items = [{"name": name, "kind": "connector", "platform": name, "description": spec["api"],
              "fills": list(spec["fills"])} for name, spec in CONNECTORS.items()]
    items += [{"name": s.name, "kind": "export", "platform": s.platform, "description": s.description,
               "fills": list(s.fills)} for s in SOURCES.values()]
    if as_json:
        typer.echo(json.dumps(items, indent=2, ensure_ascii=False))
        return
    for item in items:
        typer.echo(f"{item['name']:18} {item['kind']:9} {item['description']}")
        for f in item["fills"]:
            typer.echo(f"{'':28}- {f}")


def register(app: typer.Typer) -> None:
    app.command("sources")(sources)
