"""``influscope privacy``: forget a creator; raw-click retention."""

from __future__ import annotations

import json
from typing import Optional

import sqlalchemy as sa
import typer

from influscope.cli import _common

privacy_app = typer.Typer(help="Data protection: forget a creator, retention of raw clicks.", no_args_is_help=True)


def _ws(engine) -> int:
    from influscope.auth.users import UserError, workspace_id

    try:
        with engine.connect() as conn:
            return workspace_id(conn, _common.apply().workspace)
    except UserError as exc:
        _common.fail(str(exc))
        raise


@privacy_app.command("forget-creator")
def forget_creator(
    creator: str = typer.Argument(..., help="The creator's id in your bundles (creator_id)."),
    yes: bool = typer.Option(False, "--yes", help="Do not ask for confirmation."),
    db: Optional[str] = _common.DbOption,
    workspace: Optional[str] = _common.WorkspaceOption,
) -> None:
    """Delete a creator and everything personal about them (posts, metrics, comments, links, codes...)."""
    from influscope.auth import privacy
    from influscope.db.tables import creators

    engine = _common.engine(db, workspace)
    ws = _ws(engine)
    with engine.connect() as conn:
        cid = conn.execute(sa.select(creators.c.id).where(creators.c.workspace_id == ws,
                                                          creators.c.key == creator)).scalar()
    if cid is None:
        _common.fail(f"no creator {creator!r} in {_common.apply().workspace!r}")
    if not yes:
        typer.confirm(f"Delete creator {creator!r} and everything personal about them? This cannot be undone.",
                      abort=True)
    counts = privacy.forget_creator(engine, ws, cid)
    typer.echo(json.dumps({k: v for k, v in counts.items() if v}, indent=2))


@privacy_app.command("retention")
def retention(
    days: Optional[int] = typer.Argument(None, min=1, max=36500, help="Keep raw clicks this many days."),
    off: bool = typer.Option(False, "--off", help="Keep raw clicks forever."),
    db: Optional[str] = _common.DbOption,
    workspace: Optional[str] = _common.WorkspaceOption,
) -> None:
    """Show or set how long raw clicks are kept in the workspace."""
    from influscope.auth import privacy

    engine = _common.engine(db, workspace)
    ws = _ws(engine)
    if days is not None or off:
        privacy.set_click_retention(engine, ws, None if off else days)
    with engine.connect() as conn:
        value = privacy.click_retention(conn, ws)
    typer.echo(f"raw clicks kept {'forever' if value is None else f'{value} days'} in {_common.apply().workspace!r}")


@privacy_app.command("apply-retention")
def apply_retention(db: Optional[str] = _common.DbOption) -> None:
    """Delete raw clicks older than each workspace's retention (run it daily)."""
    from influscope.auth import privacy

    engine = _common.engine(db)
    done = privacy.apply_retention(engine)
    typer.echo(f"deleted {sum(done.values())} click(s) in {len(done)} workspace(s) with a retention setting")


def register(app: typer.Typer) -> None:
    app.add_typer(privacy_app, name="privacy")
