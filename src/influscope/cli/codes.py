"""``influscope codes``: promo codes per creator (generate, import, export for the shop) and leak checks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import List, Optional

import typer

from influscope.cli import _common

codes_app = typer.Typer(help="Promo codes: generate unambiguous codes per creator, import, export, find leaks.",
                        no_args_is_help=True)


def _run(fn):
    from influscope.ingest.commerce.common import PayloadError

    try:
        return fn()
    except PayloadError as exc:
        if "no campaign" in str(exc) or "no creator" in str(exc) or "workspace" in str(exc):
            _common.fail_missing(f"error: {exc}")
        _common.fail(f"error: {exc}")


@codes_app.command("generate")
def generate(
    campaign: str = typer.Argument(..., help="Campaign id (slug)."),
    creator: Optional[List[str]] = typer.Option(None, "--creator", "-c", help="Creator id (repeatable; default: every creator of the campaign)."),
    pattern: str = typer.Option("{NAME}%%%", "--pattern", help="{NAME} = creator's name, '%' = random digit 2-9, '#' = random unambiguous character, {CREATOR} = creator id; e.g. SPRING-{NAME}%%."),
    per_creator: int = typer.Option(1, "--count", help="Codes per creator."),
    sitewide: bool = typer.Option(False, "--sitewide", help="One sitewide code (credits no creator) instead."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Show the codes without saving them."),
    db: Optional[str] = _common.DbOption,
    workspace: Optional[str] = _common.WorkspaceOption,
) -> None:
    """Issue new codes, unique in the workspace, readable from the creator's name (GRACE352)."""
    from influscope.ingest.commerce import codes

    engine = _common.engine(db, workspace)
    issued = _run(lambda: codes.generate(engine, campaign, workspace=_common.apply().workspace, creators=creator or None,
                                         pattern=pattern, kind="sitewide" if sitewide else "affiliate",
                                         per_creator=per_creator, dry_run=dry_run))
    for c in issued:
        typer.echo(f"{c.code}\t{c.creator_id or '(sitewide)'}")
    typer.echo(f"{len(issued)} code(s) {'would be ' if dry_run else ''}issued", err=True)


@codes_app.command("import")
def import_(
    campaign: str = typer.Argument(..., help="Campaign id (slug)."),
    path: Path = typer.Argument(..., exists=True, dir_okay=False, help="CSV with code, creator_id, kind."),
    db: Optional[str] = _common.DbOption,
    workspace: Optional[str] = _common.WorkspaceOption,
) -> None:
    """Import existing codes (all or nothing)."""
    from influscope.ingest.commerce import codes

    engine = _common.engine(db, workspace)
    done = _run(lambda: codes.import_codes(engine, campaign, path, workspace=_common.apply().workspace))
    new = sum(1 for c in done if c.new)
    typer.echo(f"{new} new, {len(done) - new} already present")


@codes_app.command("export")
def export(
    campaign: str = typer.Argument(..., help="Campaign id (slug)."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="File to write (default: standard output)."),
    db: Optional[str] = _common.DbOption,
    workspace: Optional[str] = _common.WorkspaceOption,
) -> None:
    """Write the campaign's codes as CSV (code, creator_id, creator_name, kind, campaign) for the shop."""
    from influscope.ingest.commerce import codes

    engine = _common.engine(db, workspace)
    text = _run(lambda: codes.export_codes(engine, campaign, workspace=_common.apply().workspace))
    if output:
        output.write_text(text, encoding="utf-8")
        typer.echo(f"wrote {output}", err=True)
    else:
        typer.echo(text, nl=False)


@codes_app.command("leaks")
def leaks(
    campaign: str = typer.Argument(..., help="Campaign id (slug)."),
    lang: str = typer.Option("en", "--lang", help="en, zh-Hant or ar."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON (all languages and figures)."),
    min_redemptions: int = typer.Option(5, "--min-redemptions", help="Redemptions a code needs before the no-click share is judged."),
    db: Optional[str] = _common.DbOption,
    workspace: Optional[str] = _common.WorkspaceOption,
) -> None:
    """Find leaked codes: redemptions without the creator's clicks, bursts, coupon-site referrers."""
    from influscope.ingest.commerce import codes

    engine = _common.engine(db, workspace)
    found = _run(lambda: codes.leaks(engine, campaign, workspace=_common.apply().workspace,
                                     min_redemptions=min_redemptions))
    if as_json:
        typer.echo(json.dumps([f.as_dict() for f in found], indent=2, ensure_ascii=False))
        return
    if not found:
        typer.echo("no leak signals")
    for f in found:
        typer.echo(f"[{f.severity}] {f.message.get(lang, f.message['en'])}")


def register(app: typer.Typer) -> None:
    app.add_typer(codes_app, name="codes")
