"""Users and their workspace memberships.

``create_user(engine, email, password, workspace="acme", role="owner")`` creates the account (with an
argon2id hash) and its membership; the workspace is created when it does not exist yet.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from influscope.auth import audit
from influscope.auth._util import utcnow
from influscope.auth.passwords import check_policy, hash_password, verify_password
from influscope.auth.roles import ROLES
from influscope.db import slugs
from influscope.db.auth import login_sessions, memberships, users
from influscope.db.tables import workspaces


class UserError(ValueError):
    """A user operation was refused; the message says why."""


@dataclass(frozen=True)
class Membership:
    user_id: int
    email: str
    workspace_id: int
    workspace_slug: str
    role: str
    can_see_costs: bool


def normalise_email(email: str) -> str:
    email = (email or "").strip().lower()
    if "@" not in email or email.startswith("@") or email.endswith("@") or len(email) > 254 or " " in email:
        raise UserError(f"not an e-mail address: {email!r}")
    return email


def _check_role(role: str) -> str:
    if role not in ROLES:
        raise UserError(f"unknown role {role!r} (expected one of {', '.join(ROLES)})")
    return role


def workspace_id(conn: sa.Connection, workspace: str | int, *, create: bool = False) -> int:
    """The id of a workspace given by slug or id; created (slug = name) when asked to."""
    if isinstance(workspace, int):
        found = conn.execute(sa.select(workspaces.c.id).where(workspaces.c.id == workspace)).scalar()
    else:
        found = slugs.workspace_id(conn, workspace)
        if found is None and create:
            return slugs.create_workspace(conn, workspace)
    if found is None:
        raise UserError(f"no workspace {workspace!r}")
    return found


def create_user(engine: sa.Engine, email: str, password: str, *, workspace: str | int | None = None,
                role: str = "owner", name: str | None = None, can_see_costs: bool = False) -> int:
    """Create a user (and, given a workspace, its membership with ROLE). Returns the user id.

    Raises :class:`UserError` when the e-mail is taken or invalid, and
    :class:`~influscope.auth.passwords.PasswordPolicyError` when the password is too weak.
    """
    email = normalise_email(email)
    _check_role(role)
    check_policy(password, email=email)
    pw_hash = hash_password(password)
    with engine.begin() as conn:
        if conn.execute(sa.select(users.c.id).where(users.c.email == email)).scalar() is not None:
            raise UserError(f"a user with e-mail {email} already exists")
        user_id = conn.execute(users.insert().values(
            email=email, name=name, password_hash=pw_hash, is_active=True, password_changed_at=utcnow(),
        ).returning(users.c.id)).scalar_one()
        ws = None
        if workspace is not None:
            ws = workspace_id(conn, workspace, create=True)
            conn.execute(memberships.insert().values(user_id=user_id, workspace_id=ws, role=role,
                                                     can_see_costs=bool(can_see_costs)))
        audit.record(conn, "user.create", workspace_id=ws, user_id=user_id, object_type="user",
                     object_id=user_id, detail={"email": email, "role": role if ws else None})
    return user_id


def get_user(conn: sa.Connection, email: str) -> dict | None:
    row = conn.execute(sa.select(users).where(users.c.email == email.strip().lower())).mappings().first()
    return dict(row) if row else None


def set_membership(engine: sa.Engine, email: str, workspace: str | int, role: str, *,
                   can_see_costs: bool = False, actor_user_id: int | None = None) -> None:
    """Give an existing user ROLE in WORKSPACE (insert or update)."""
    _check_role(role)
    with engine.begin() as conn:
        user = get_user(conn, email)
        if user is None:
            raise UserError(f"no user with e-mail {email}")
        ws = workspace_id(conn, workspace, create=True)
        key = (memberships.c.user_id == user["id"]) & (memberships.c.workspace_id == ws)
        if conn.execute(sa.select(memberships.c.role).where(key)).first():
            conn.execute(memberships.update().where(key).values(role=role, can_see_costs=bool(can_see_costs)))
        else:
            conn.execute(memberships.insert().values(user_id=user["id"], workspace_id=ws, role=role,
                                                     can_see_costs=bool(can_see_costs)))
        audit.record(conn, "membership.set", workspace_id=ws, user_id=actor_user_id, object_type="user",
                     object_id=user["id"], detail={"role": role, "can_see_costs": bool(can_see_costs)})


def remove_membership(engine: sa.Engine, user_id: int, workspace_id_: int, *, actor_user_id: int | None = None) -> bool:
    with engine.begin() as conn:
        key = (memberships.c.user_id == user_id) & (memberships.c.workspace_id == workspace_id_)
        done = conn.execute(memberships.delete().where(key)).rowcount > 0
        conn.execute(login_sessions.delete().where((login_sessions.c.user_id == user_id)
                                                   & (login_sessions.c.workspace_id == workspace_id_)))
        if done:
            audit.record(conn, "membership.remove", workspace_id=workspace_id_, user_id=actor_user_id,
                         object_type="user", object_id=user_id)
        return done


def memberships_of(conn: sa.Connection, user_id: int) -> list[Membership]:
    q = (sa.select(memberships.c.user_id, users.c.email, memberships.c.workspace_id, workspaces.c.slug,
                   memberships.c.role, memberships.c.can_see_costs)
         .join(users, users.c.id == memberships.c.user_id)
         .join(workspaces, workspaces.c.id == memberships.c.workspace_id)
         .where(memberships.c.user_id == user_id).order_by(workspaces.c.slug))
    return [Membership(*row) for row in conn.execute(q)]


def members(conn: sa.Connection, workspace_id_: int) -> list[dict]:
    q = (sa.select(users.c.id, users.c.email, users.c.name, users.c.is_active, users.c.last_login_at,
                   memberships.c.role, memberships.c.can_see_costs)
         .join(memberships, memberships.c.user_id == users.c.id)
         .where(memberships.c.workspace_id == workspace_id_).order_by(users.c.email))
    return [dict(r) for r in conn.execute(q).mappings()]


def change_password(engine: sa.Engine, user_id: int, current: str, new: str, *,
                    keep_session_id: int | None = None) -> None:
    """Check CURRENT, set NEW and end every other login session of the user."""
    with engine.connect() as conn:
        row = conn.execute(sa.select(users.c.email, users.c.password_hash).where(users.c.id == user_id)).first()
    if row is None:
        raise UserError("no such user")
    ok, _ = verify_password(row.password_hash, current)
    if not ok:
        raise UserError("the current password is wrong")
    check_policy(new, email=row.email)
    set_password(engine, user_id, new, keep_session_id=keep_session_id)


def set_password(engine: sa.Engine, user_id: int, new: str, *, keep_session_id: int | None = None) -> None:
    with engine.connect() as conn:
        email = conn.execute(sa.select(users.c.email).where(users.c.id == user_id)).scalar()
    if email is None:
        raise UserError("no such user")
    check_policy(new, email=email)
    pw_hash = hash_password(new)
    with engine.begin() as conn:
        conn.execute(users.update().where(users.c.id == user_id)
                     .values(password_hash=pw_hash, password_changed_at=utcnow()))
        q = login_sessions.delete().where(login_sessions.c.user_id == user_id)
        if keep_session_id is not None:
            q = q.where(login_sessions.c.id != keep_session_id)
        conn.execute(q)
        audit.record(conn, "user.password_change", user_id=user_id, object_type="user", object_id=user_id)
