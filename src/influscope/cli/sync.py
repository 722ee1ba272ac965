"""``influscope sync``: run the configured platform connectors once or on a schedule.

``influscope sync add NAME --platform P --account-id ID --token env:VAR`` configures an account
(the token stays in the environment or a file); ``influscope sync list`` shows them.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
import time
from typing import List, Optional

import typer

from influscope.cli import _common

sync_app = typer.Typer(help="Fetch post metrics, followers, audience, comments and traffic from the platforms.",
                       invoke_without_command=True)


def _when(value: Optional[str]) -> Optional[dt.datetime]:
    if not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise typer.BadParameter(f"not an ISO 8601 date-time: {value!r}") from None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return parsed


def _interval(value: str) -> float:
    m = re.fullmatch(r"(\d+)\s*([smhd])", value.strip())
    if not m:
        raise typer.BadParameter("use e.g. 30m, 1h, 1d")
    return int(m.group(1)) * {"s": 1, "m": 60, "h": 3600, "d": 86400}[m.group(2)]


@sync_app.callback()
def run(
    ctx: typer.Context,
    account: Optional[List[str]] = typer.Option(None, "--account", "-a", help="Only these accounts (repeatable)."),
    since: Optional[str] = typer.Option(None, help="Window start (ISO 8601, UTC); default: where the last run stopped."),
    until: Optional[str] = typer.Option(None, help="Window end and as_of of the snapshots (default: this hour, UTC)."),
    every: Optional[str] = typer.Option(None, help="Run on a schedule, e.g. 1h or 30m (stop with Ctrl-C)."),
    times: int = typer.Option(0, help="With --every: stop after this many runs (0 = forever)."),
    as_json: bool = typer.Option(False, "--json", help="Print the results as JSON."),
    db: Optional[str] = _common.DbOption,
    workspace: Optional[str] = _common.WorkspaceOption,
) -> None:
    """Run every configured connector once (or --every INTERVAL). Safe to re-run: the same window changes nothing."""
    if ctx.invoked_subcommand is not None:
        return
    from influscope.ingest.connectors.sync import list_accounts, sync_all

    engine = _common.engine(db, workspace)
    ws = _common.apply().workspace
    wait = _interval(every) if every else None
    n = 0
    failed = False
    while True:
        names = account or None
        todo = [a for a in list_accounts(engine, ws) if a["enabled"] and (not names or a["name"] in names)]
        if not todo and not names:  # nothing configured yet is not a failure: say how to start
            typer.echo("nothing to sync: no connector accounts configured (see `influscope sync add --help`)", err=True)
            return
        if not todo:
            _common.fail(f"no connector account named {', '.join(names)} (see `influscope sync list`)")
        with typer.progressbar(length=len(todo), label="sync", file=sys.stderr) as bar:
            results = sync_all(engine, workspace=ws, names=names, since=_when(since), until=_when(until),
                               on_done=lambda _r: bar.update(1))
        if as_json:
            typer.echo(json.dumps([r.as_dict() for r in results], indent=2, default=str))
        else:
            for r in results:
                status = f"error: {r.error}" if r.error else f"{r.changes} change(s)"
                typer.echo(f"{r.name:20} {r.platform:10} {r.since:%Y-%m-%d %H:%M} .. {r.until:%Y-%m-%d %H:%M}  {status}")
                for note in r.notes:
                    if note["kind"] == "retired_metric":
                        typer.echo(f"{'':22}retired metric {note['metric']} dropped"
                                   + (f", using {note['replacement']}" if note.get("replacement") else ""))
                    elif note["kind"] == "rate_limited":
                        typer.echo(f"{'':22}rate limited on {note['path']}: waited {note['wait_s']} s")
        failed = failed or any(r.error for r in results)
        n += 1
        if wait is None or (times and n >= times):
            break
        since = until = None  # later runs continue from where each account stopped
        time.sleep(wait)
    if failed:
        raise typer.Exit(1)


@sync_app.command("add")
def add(
    name: str = typer.Argument(..., help="Your name for this account."),
    platform: str = typer.Option(..., help="instagram, tiktok, youtube, facebook, x or ga4."),
    account_id: str = typer.Option(..., "--account-id", help="The platform's id: IG user id, TikTok business id, "
                                                            "channel id, Page id, X user id, GA4 property id."),
    token: Optional[str] = typer.Option(None, help="Where the access token is: env:VAR or file:PATH (never the token "
                                                   "itself). Not needed for a GA4 BigQuery export_url."),
    handle: Optional[str] = typer.Option(None, help="Account handle (filled from the platform when omitted)."),
    campaign: Optional[str] = typer.Option(None, help="Campaign the account's posts belong to."),
    creator: Optional[str] = typer.Option(None, help="Creator (creator_id) who owns the account."),
    option: Optional[List[str]] = typer.Option(None, "--option", "-o", help="KEY=VALUE (JSON value), e.g. api=\"business\"."),
    db: Optional[str] = _common.DbOption,
    workspace: Optional[str] = _common.WorkspaceOption,
) -> None:
    """Configure (or update) a connector account."""
    from influscope.ingest.connectors.base import ConnectorError
    from influscope.ingest.connectors.sync import add_account

    if token is not None and not re.match(r"^(env|file):.+", token):
        _common.fail("--token must be env:VAR or file:PATH; the token itself is never stored")
    options = {}
    for item in option or []:
        key, _, value = item.partition("=")
        try:
            options[key] = json.loads(value)
        except json.JSONDecodeError:
            options[key] = value
    engine = _common.engine(db, workspace)
    try:
        add_account(engine, name, platform, account_id, token_ref=token, handle=handle, campaign=campaign,
                    creator=creator, options=options, workspace=_common.apply().workspace)
    except ConnectorError as exc:
        _common.fail(str(exc))
    typer.echo(f"connector account {name!r} ({platform}) saved")


@sync_app.command("list")
def list_(as_json: bool = typer.Option(False, "--json"), db: Optional[str] = _common.DbOption,
          workspace: Optional[str] = _common.WorkspaceOption) -> None:
    """Show the configured connector accounts and where each last stopped."""
    from influscope.ingest.connectors.sync import list_accounts

    engine = _common.engine(db, workspace)
    accounts = list_accounts(engine, _common.apply().workspace)
    if as_json:
        typer.echo(json.dumps(accounts, indent=2, default=str))
        return
    for a in accounts:
        last = a["last_until"].isoformat() + "Z" if a["last_until"] else "never"
        typer.echo(f"{a['name']:20} {a['platform']:10} {a['account_id']:24} campaign={a['campaign'] or '-'} "
                   f"token={a['token_ref']} last={last}")


def register(app: typer.Typer) -> None:
    app.add_typer(sync_app, name="sync")
