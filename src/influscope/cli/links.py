"""``influscope links``: tracking links (create, bulk import, list, QR codes, stats)."""

from __future__ import annotations

import csv
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Optional

import typer

from influscope.cli import _common

links_app = typer.Typer(help="Tracking links: short URLs with UTM tags and a click id, QR codes, click stats.",
                        no_args_is_help=True)


def _run(fn, *, writes: bool = True, campaign: Optional[str] = None):
    from influscope.tracking.links import LinkError

    try:
        return fn()
    except LinkError as exc:
        for problem in exc.problems[:-1] if not writes else exc.problems:
            typer.echo(str(problem), err=True)
        message = (f"rejected: {len(exc.problems)} problem(s); nothing was written" if writes
                   else str(exc.problems[-1]))
        if any(p.field in ("workspace", "campaign", "creator") for p in exc.problems):
            _common.fail_missing(message, creators_of=campaign)
        _common.fail(message)


@links_app.command("create")
def create(
    campaign: str = typer.Option(..., "--campaign", "-c", help="Campaign id (slug)."),
    platform: str = typer.Option(..., "--platform", "-p", help="Where the link is published (utm_source)."),
    destination: str = typer.Option(..., "--destination", "-d", help="Landing page URL (query and fragment are kept)."),
    creator: Optional[str] = typer.Option(None, "--creator", "-k", help="Creator id (utm_content is their handle)."),
    post: Optional[str] = typer.Option(None, "--post", help="Post id the link belongs to."),
    paid: bool = typer.Option(False, "--paid", help="Paid / whitelisted placement (utm_medium=paid_influencer)."),
    slug: Optional[str] = typer.Option(None, "--slug", help="Your own slug, unique in the workspace; its short URL is /l/<workspace>/<slug> (default: a random, unguessable 12-character one at /l/<slug>)."),
    as_json: bool = typer.Option(False, "--json", help="Print the link as JSON."),
    db: Optional[str] = _common.DbOption,
    workspace: Optional[str] = _common.WorkspaceOption,
) -> None:
    """Create a tracking link and print its short URL."""
    from influscope.tracking.links import create_link

    engine = _common.engine(db, workspace)
    link = _run(lambda: create_link(engine, campaign=campaign, destination=destination, platform=platform,
                                    creator=creator, post=post, paid=paid, slug=slug,
                                    workspace=_common.apply().workspace), campaign=campaign)
    if as_json:
        typer.echo(json.dumps(link.as_dict(), indent=2))
    else:
        typer.echo(link.short_url)
        typer.echo(f"-> {link.tagged_url}  (each visit also gets its click id, isc=...)", err=True)


@links_app.command("hosts")
def hosts(
    host: list[str] = typer.Argument(None, help="Hosts links may send visitors to (each allows its subdomains)."),
    clear: bool = typer.Option(False, "--clear", help="Remove the allow-list: any public host is accepted."),
    db: Optional[str] = _common.DbOption,
    workspace: Optional[str] = _common.WorkspaceOption,
) -> None:
    """Show or set the workspace's allow-list of link destination hosts (empty: any public host)."""
    from influscope.ingest.canonical import ensure_workspace
    from influscope.tracking.destinations import allowed_hosts, set_allowed_hosts

    engine = _common.engine(db, workspace)
    with engine.begin() as conn:
        ws = ensure_workspace(conn, _common.apply().workspace)
    if host or clear:
        try:
            set_allowed_hosts(engine, ws, host or [])
        except ValueError as exc:
            _common.fail(str(exc))
    with engine.connect() as conn:
        listed = allowed_hosts(conn, ws)
    typer.echo("\n".join(listed) if listed else "any public host (no allow-list)")


@links_app.command("import")
def import_(
    path: Path = typer.Argument(..., exists=True, dir_okay=False,
                                help="CSV with campaign, creator, platform, destination[, post, paid, slug] "
                                     "(the bundle's links.csv names work too)."),
    campaign: Optional[str] = typer.Option(None, "--campaign", "-c", help="Campaign for rows without one."),
    db: Optional[str] = _common.DbOption,
    workspace: Optional[str] = _common.WorkspaceOption,
) -> None:
    """Create many links from a CSV: all of them, or (naming file, line and field of every problem) none."""
    from influscope.tracking.links import import_links_csv

    engine = _common.engine(db, workspace)
    made = _run(lambda: import_links_csv(engine, path, campaign=campaign, workspace=_common.apply().workspace))
    out = csv.writer(sys.stdout)
    out.writerow(["slug", "short_url", "campaign", "creator", "platform", "tagged_url"])
    for link in made:
        out.writerow([link.slug, link.short_url, link.campaign, link.creator or "", link.platform or "",
                      link.tagged_url])
    typer.echo(f"{len(made)} link(s) created", err=True)


@links_app.command("list")
def list_(
    campaign: Optional[str] = typer.Option(None, "--campaign", "-c", help="Only this campaign."),
    creator: Optional[str] = typer.Option(None, "--creator", "-k", help="Only this creator."),
    fmt: str = typer.Option("table", "--format", "-f", help="table, csv or json."),
    db: Optional[str] = _common.DbOption,
    workspace: Optional[str] = _common.WorkspaceOption,
) -> None:
    """List links with their click counts (bots apart)."""
    from influscope.tracking.links import list_links

    if fmt not in ("table", "csv", "json"):
        _common.fail("--format must be table, csv or json")
    engine = _common.engine(db, workspace)
    found = _run(lambda: list_links(engine, workspace=_common.apply().workspace, campaign=campaign, creator=creator),
                 writes=False)
    if fmt == "json":
        typer.echo(json.dumps([x.as_dict() for x in found], indent=2))
        return
    cols = ["slug", "campaign", "creator", "platform", "paid", "clicks", "bot_clicks", "short_url", "destination_url"]
    rows = [[_cell(getattr(x, c)) for c in cols] for x in found]
    if fmt == "csv":
        out = csv.writer(sys.stdout)
        out.writerow(cols)
        out.writerows(rows)
        return
    if not rows:
        typer.echo("no links", err=True)
        return
    shown = cols[:-1]
    widths = [max(len(c), *(len(r[i]) for r in rows)) for i, c in enumerate(shown)]
    typer.echo("  ".join(c.ljust(w) for c, w in zip(shown, widths)))
    for r in rows:
        typer.echo("  ".join(v.ljust(w) for v, w in zip(r, widths)))


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


@links_app.command("qr")
def qr(
    slug: str = typer.Argument(..., help="The link's slug."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="File to write (.svg or .png; default SLUG.svg)."),
    fmt: Optional[str] = typer.Option(None, "--format", "-f", help="svg or png (default: from --out, else svg)."),
    scale: int = typer.Option(8, "--scale", help="Pixels per module."),
    db: Optional[str] = _common.DbOption,
    workspace: Optional[str] = _common.WorkspaceOption,
) -> None:
    """Write the QR code of a link's short URL as SVG or PNG."""
    from influscope.tracking.links import get_link
    from influscope.tracking.qr import FORMATS, qr_code

    fmt = (fmt or (out.suffix.lstrip(".").lower() if out else "svg")).lower()
    if fmt not in FORMATS:
        _common.fail(f"--format must be svg or png, got {fmt!r}")
    engine = _common.engine(db, workspace)
    link = _run(lambda: get_link(engine, slug, workspace=_common.apply().workspace), writes=False)
    if link is None:
        _common.fail(f"no link {slug!r} in this workspace")
    try:
        data = qr_code(link.short_url, fmt, scale=scale)
    except ValueError as exc:
        _common.fail(str(exc))
    target = out or Path(f"{slug}.{fmt}")
    target.write_bytes(data)
    typer.echo(f"{target} ({link.short_url})")


@links_app.command("stats")
def stats(
    campaign: str = typer.Option(..., "--campaign", "-c", help="Campaign id (slug)."),
    by: str = typer.Option("day", "--by", help="day, country, device, app, referrer, link or bot_reason."),
    include_bots: bool = typer.Option(False, "--include-bots", help="Count bots and previews as clicks."),
    window: str = typer.Option("1h", "--unique-window", help="Unique click window: 30m, 1h or 1d."),
    start: Optional[str] = typer.Option(None, "--start", help="First day (YYYY-MM-DD, campaign time zone)."),
    end: Optional[str] = typer.Option(None, "--end", help="Last day (YYYY-MM-DD, campaign time zone)."),
    as_json: bool = typer.Option(False, "--json", help="Print everything as JSON."),
    db: Optional[str] = _common.DbOption,
    workspace: Optional[str] = _common.WorkspaceOption,
) -> None:
    """Clicks, unique clicks and bots of a campaign's links, with one breakdown."""
    from influscope.tracking.stats import DIMENSIONS, UNIQUE_WINDOWS, campaign_link_stats

    if by not in DIMENSIONS:
        _common.fail(f"--by must be one of {', '.join(DIMENSIONS)}")
    if window not in UNIQUE_WINDOWS:
        _common.fail(f"--unique-window must be one of {', '.join(UNIQUE_WINDOWS)}")
    days = []
    for name, value in (("--start", start), ("--end", end)):
        try:
            days.append(dt.date.fromisoformat(value) if value else None)
        except ValueError:
            _common.fail(f"{name} must be a date written YYYY-MM-DD, got {value!r}")
    engine = _common.engine(db, workspace)
    result = _run(lambda: campaign_link_stats(engine, campaign, workspace=_common.apply().workspace,
                                              include_bots=include_bots, unique_window=window,
                                              start=days[0], end=days[1]), writes=False)
    if as_json:
        typer.echo(json.dumps(result.as_dict(), indent=2))
        return
    t = result.totals
    typer.echo(f"{campaign}: {t.clicks} clicks, {t.unique_clicks} unique, {t.bot_clicks} bots "
               f"({'included' if include_bots else 'excluded'}), unique window {window}")
    reasons = [f"{r['bot_reason']} {r['bot_clicks']}" for r in result.rows("bot_reason") if r["bot_reason"]]
    if reasons:
        typer.echo(f"bots by reason: {', '.join(reasons)}")
    rows = result.rows(by)
    width = max([len(by)] + [len(_cell(r[by]) or "(unknown)") for r in rows])
    typer.echo(f"{by.ljust(width)}  {'clicks':>8}  {'unique':>8}  {'bots':>8}")
    for r in rows:
        typer.echo(f"{(_cell(r[by]) or '(unknown)').ljust(width)}  {r['clicks']:>8}  {r['unique_clicks']:>8}  "
                   f"{r['bot_clicks']:>8}")


@links_app.command("reclassify")
def reclassify(
    campaign: Optional[str] = typer.Option(None, "--campaign", "-c", help="Only the clicks on this campaign's links."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Count what would change; write nothing."),
    as_json: bool = typer.Option(False, "--json", help="Print the counts as JSON."),
    db: Optional[str] = _common.DbOption,
    workspace: Optional[str] = _common.WorkspaceOption,
) -> None:
    """Apply the current bot rules and lists to the stored clicks again; print what changed."""
    from influscope.tracking.reclassify import reclassify_clicks

    engine = _common.engine(db, workspace)
    report = _run(lambda: reclassify_clicks(engine, workspace=_common.apply().workspace, campaign=campaign,
                                            dry_run=dry_run), writes=False)
    if as_json:
        typer.echo(json.dumps(report.as_dict(), indent=2))
        return
    typer.echo(report.summary() + (" (dry run: nothing written)" if dry_run else ""))
    for (old, new), n in sorted(report.transitions.items(), key=lambda kv: (-kv[1], str(kv[0]))):
        typer.echo(f"  {old or 'human'} -> {new or 'human'}: {n}")


def register(app: typer.Typer) -> None:
    app.add_typer(links_app, name="links")
