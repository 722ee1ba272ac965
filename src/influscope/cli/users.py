"""``influscope users``, ``influscope keys`` and ``influscope shares``: accounts and access.

Passwords are never command-line arguments (they would show in the process list and the shell
history): they are asked for on the terminal, or read from standard input with ``--password-stdin``.
API keys and share-link tokens are printed once, when they are created.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from typing import Optional

import sqlalchemy as sa
import typer

from influscope.cli import _common

users_app = typer.Typer(help="User accounts and their roles in workspaces.", no_args_is_help=True)
keys_app = typer.Typer(help="API keys of a workspace (shown once, stored hashed).", no_args_is_help=True)
shares_app = typer.Typer(help="Share links to one campaign's report.", no_args_is_help=True)

ROLE_HELP = "owner, admin, analyst or viewer"


def _password(password_stdin: bool, *, confirm: bool = True) -> str:
    if password_stdin:
        value = sys.stdin.readline().rstrip("\r\n")
        if not value:
            _common.fail("no password on standard input")
        return value
    return typer.prompt("Password", hide_input=True, confirmation_prompt=confirm)


def _ws_id(engine, workspace: str, *, create: bool = False) -> int:
    from influscope.auth.users import UserError, workspace_id

    try:
        with engine.begin() as conn:
            return workspace_id(conn, workspace, create=create)
    except UserError as exc:
        _common.fail(str(exc))
        raise


def _when(value: dt.datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else "-"


@users_app.command("create")
def create(
    email: str = typer.Argument(..., help="E-mail address (the login name)."),
    role: str = typer.Option("owner", "--role", help=ROLE_HELP),
    name: Optional[str] = typer.Option(None, "--name", help="Display name."),
    can_see_costs: bool = typer.Option(False, "--can-see-costs", help="Let a viewer see budgets and costs."),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="Read the password from standard input."),
    db: Optional[str] = _common.DbOption,
    workspace: Optional[str] = _common.WorkspaceOption,
) -> None:
    """Create a user with ROLE in the workspace (created if needed). The first user should be an owner."""
    from influscope.auth.passwords import PasswordPolicyError
    from influscope.auth.users import UserError, create_user

    engine = _common.engine(db, workspace)
    ws = _common.apply().workspace
    password = _password(password_stdin)
    try:
        create_user(engine, email, password, workspace=ws, role=role, name=name, can_see_costs=can_see_costs)
    except (UserError, PasswordPolicyError) as exc:
        _common.fail(str(exc))
    from influscope.config import get_settings

    typer.echo(f"created {email.strip().lower()} as {role} of workspace {ws!r}; "
               f"log in at {get_settings().public_base_url}/login")


@users_app.command("list")
def list_(as_json: bool = typer.Option(False, "--json"), db: Optional[str] = _common.DbOption,
          workspace: Optional[str] = _common.WorkspaceOption) -> None:
    """List the members of the workspace."""
    from influscope.auth.users import members

    engine = _common.engine(db, workspace)
    ws = _ws_id(engine, _common.apply().workspace)
    with engine.connect() as conn:
        rows = members(conn, ws)
    if as_json:
        typer.echo(json.dumps(rows, default=str, indent=2))
        return
    for m in rows:
        costs = " (sees costs)" if m["role"] == "viewer" and m["can_see_costs"] else ""
        typer.echo(f"{m['email']:40} {m['role']}{costs}  last login {_when(m['last_login_at'])}")


@users_app.command("set-role")
def set_role(email: str, role: str = typer.Argument(..., help=ROLE_HELP),
             can_see_costs: bool = typer.Option(False, "--can-see-costs", help="Let a viewer see budgets and costs."),
             db: Optional[str] = _common.DbOption, workspace: Optional[str] = _common.WorkspaceOption) -> None:
    """Give an existing user ROLE in the workspace."""
    from influscope.auth.users import UserError, set_membership

    engine = _common.engine(db, workspace)
    try:
        set_membership(engine, email, _common.apply().workspace, role, can_see_costs=can_see_costs)
    except UserError as exc:
        _common.fail(str(exc))
    typer.echo(f"{email} is now {role} of {_common.apply().workspace!r}")


@users_app.command("remove")
def remove(email: str, db: Optional[str] = _common.DbOption, workspace: Optional[str] = _common.WorkspaceOption) -> None:
    """Remove a user from the workspace (the account stays; its sessions there end)."""
    from influscope.auth.users import get_user, remove_membership

    engine = _common.engine(db, workspace)
    ws = _ws_id(engine, _common.apply().workspace)
    with engine.connect() as conn:
        user = get_user(conn, email)
    if user is None or not remove_membership(engine, user["id"], ws):
        _common.fail(f"{email} is not a member of {_common.apply().workspace!r}")
    typer.echo(f"removed {email} from {_common.apply().workspace!r}")


@users_app.command("set-password")
def set_password(email: str, password_stdin: bool = typer.Option(False, "--password-stdin"),
                 db: Optional[str] = _common.DbOption) -> None:
    """Set a user's password (ends all their sessions)."""
    from influscope.auth.passwords import PasswordPolicyError
    from influscope.auth.users import UserError, get_user
    from influscope.auth.users import set_password as do_set

    engine = _common.engine(db)
    with engine.connect() as conn:
        user = get_user(conn, email)
    if user is None:
        _common.fail(f"no user with e-mail {email}")
    try:
        do_set(engine, user["id"], _password(password_stdin))
    except (UserError, PasswordPolicyError) as exc:
        _common.fail(str(exc))
    typer.echo(f"password of {email} changed; their sessions were ended")


# ----------------------------------------------------------------------------------------- keys

@keys_app.command("create")
def key_create(
    scope: str = typer.Option("read", "--scope", help="read, or write (which includes read)."),
    name: str = typer.Option("", "--name", help="What the key is for."),
    can_see_costs: bool = typer.Option(False, "--can-see-costs", help="Let the key read budgets and costs."),
    expires_days: Optional[int] = typer.Option(None, "--expires-days", min=1, help="Expire after this many days."),
    db: Optional[str] = _common.DbOption,
    workspace: Optional[str] = _common.WorkspaceOption,
) -> None:
    """Create an API key and print it once (use it as 'Authorization: Bearer KEY')."""
    from influscope.auth import keys
    from influscope.auth._util import utcnow

    engine = _common.engine(db, workspace)
    ws = _ws_id(engine, _common.apply().workspace)
    try:
        new = keys.create_key(engine, ws, scopes=scope, name=name, can_see_costs=can_see_costs,
                              expires_at=utcnow() + dt.timedelta(days=expires_days) if expires_days else None)
    except ValueError as exc:
        _common.fail(str(exc))
    typer.echo(new.key)
    typer.echo(f"API key {new.prefix} ({' '.join(sorted(new.scopes))}) created; it is shown only this once.", err=True)


@keys_app.command("list")
def key_list(db: Optional[str] = _common.DbOption, workspace: Optional[str] = _common.WorkspaceOption) -> None:
    """List the workspace's API keys (prefixes only)."""
    from influscope.auth import keys

    engine = _common.engine(db, workspace)
    ws = _ws_id(engine, _common.apply().workspace)
    with engine.connect() as conn:
        for k in keys.list_keys(conn, ws):
            state = "revoked" if k["revoked_at"] else "active"
            typer.echo(f"{k['id']:>4} {k['prefix']:14} {k['scopes']:11} {state:8} last used {_when(k['last_used_at'])}"
                       f"  {k['name']}")


@keys_app.command("revoke")
def key_revoke(key: str = typer.Argument(..., help="Key id or prefix (isk_...)."),
               db: Optional[str] = _common.DbOption, workspace: Optional[str] = _common.WorkspaceOption) -> None:
    """Revoke an API key at once."""
    from influscope.auth import keys

    engine = _common.engine(db, workspace)
    ws = _ws_id(engine, _common.apply().workspace)
    ident = int(key) if key.isdigit() else "_".join(key.split("_")[:2])  # an id, a prefix or the whole key
    if not keys.revoke_key(engine, ws, ident):
        _common.fail(f"no active key {key} in {_common.apply().workspace!r}")
    typer.echo(f"revoked {key}")


# --------------------------------------------------------------------------------------- shares

@shares_app.command("create")
def share_create(
    campaign: str = typer.Option(..., "--campaign", "-c", help="Campaign id (slug)."),
    show_budget: bool = typer.Option(False, "--show-budget", help="Show the budget and cost-derived KPIs."),
    days: int = typer.Option(30, "--days", min=1, help="Days until the link expires."),
    no_expiry: bool = typer.Option(False, "--no-expiry", help="A link that never expires (revoke it when done)."),
    db: Optional[str] = _common.DbOption,
    workspace: Optional[str] = _common.WorkspaceOption,
) -> None:
    """Create a share link to a campaign report and print its URL once."""
    from influscope.auth import shares
    from influscope.config import get_settings
    from influscope.db.tables import campaigns

    engine = _common.engine(db, workspace)
    ws = _ws_id(engine, _common.apply().workspace)
    with engine.connect() as conn:
        cid = conn.execute(sa.select(campaigns.c.id).where(campaigns.c.workspace_id == ws,
                                                           campaigns.c.slug == campaign)).scalar()
    if cid is None:
        _common.fail(f"no campaign {campaign!r} in {_common.apply().workspace!r}")
    new = shares.create_share(engine, ws, cid, show_budget=show_budget,
                              expires_in=None if no_expiry else dt.timedelta(days=days))
    typer.echo(f"{get_settings().public_base_url}/share/{new.token}")
    typer.echo(f"share link {new.prefix} created (budget {'shown' if show_budget else 'hidden'}, "
               f"expires {_when(new.expires_at) if new.expires_at else 'never'}); shown only this once.", err=True)


@shares_app.command("list")
def share_list(db: Optional[str] = _common.DbOption, workspace: Optional[str] = _common.WorkspaceOption) -> None:
    """List the workspace's share links."""
    from influscope.auth import shares

    engine = _common.engine(db, workspace)
    ws = _ws_id(engine, _common.apply().workspace)
    with engine.connect() as conn:
        for s in shares.list_shares(conn, ws):
            state = "revoked" if s["revoked_at"] else "active"
            typer.echo(f"{s['id']:>4} {s['prefix']:14} campaign {s['campaign_id']:<5} {state:8} "
                       f"budget {'shown' if s['show_budget'] else 'hidden':6} expires {_when(s['expires_at'])}")


@shares_app.command("revoke")
def share_revoke(share_id: int, db: Optional[str] = _common.DbOption,
                 workspace: Optional[str] = _common.WorkspaceOption) -> None:
    """Revoke a share link at once."""
    from influscope.auth import shares

    engine = _common.engine(db, workspace)
    ws = _ws_id(engine, _common.apply().workspace)
    if not shares.revoke_share(engine, ws, share_id):
        _common.fail(f"no active share link {share_id} in {_common.apply().workspace!r}")
    typer.echo(f"revoked share link {share_id}")


def register(app: typer.Typer) -> None:
    app.add_typer(users_app, name="users")
    app.add_typer(keys_app, name="keys")
    app.add_typer(shares_app, name="shares")
