"""Login sessions and the login procedure (with brute-force throttling and audit records).

The session cookie holds a random token; the database keeps only its SHA-256 digest, the user,
the workspace the session works in, a per-session CSRF token and the expiry. Sessions expire
after ``IDLE_TIMEOUT`` without use and at most ``MAX_AGE`` after login; logout deletes the row.

Brute force: every login attempt is recorded under a digest of the e-mail address and the client's
address together (no IP address is stored). When ``MAX_FAILURES`` failures of the same address
from the same client happened within ``WINDOW``, further attempts from that client are refused
without checking the password until the window has passed. Failures elsewhere never lock the
account's owner out: a login from another client is checked as usual (the way back in), and the
refusal ends by itself after ``WINDOW``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from influscope.auth import audit
from influscope.auth._util import digest, new_token, utcnow
from influscope.auth.passwords import verify_password
from influscope.db.auth import login_attempts, login_sessions, memberships, users
from influscope.db.tables import workspaces

IDLE_TIMEOUT = dt.timedelta(hours=12)
MAX_AGE = dt.timedelta(days=7)
TOUCH_RESOLUTION = dt.timedelta(minutes=5)
MAX_FAILURES = 10
WINDOW = dt.timedelta(seconds=60)


class LoginFailed(Exception):
    """Wrong e-mail or password (deliberately not saying which)."""


class LoginThrottled(Exception):
    """Too many failed attempts for this account in the last minute."""

    def __init__(self, retry_after: int):
        super().__init__(f"too many failed logins; try again in {retry_after} s")
        self.retry_after = retry_after


@dataclass(frozen=True)
class SessionInfo:
    id: int
    user_id: int
    email: str
    workspace_id: int
    workspace_slug: str
    role: str
    can_see_costs: bool
    csrf_token: str


@dataclass(frozen=True)
class NewSession:
    token: str  # the cookie value
    csrf_token: str
    info: SessionInfo


def _subject(email: str, client: str | None = None) -> str:
    who = "login:" + (email or "").strip().lower()
    return digest(who if client is None else who + "\n" + client)


def throttle_state(conn: sa.Connection, email: str, now: dt.datetime | None = None, *,
                   client: str | None = None) -> int:
    """0 when a login may be attempted (from CLIENT), else the seconds to wait."""
    now = now or utcnow()
    since = now - WINDOW
    rows = conn.execute(
        sa.select(login_attempts.c.ts).where(login_attempts.c.subject == _subject(email, client),
                                             login_attempts.c.ts > since, login_attempts.c.success.is_(False))
        .order_by(login_attempts.c.ts.desc()).limit(MAX_FAILURES)
    ).scalars().all()
    if len(rows) < MAX_FAILURES:
        return 0
    oldest = min(rows)
    return max(1, int((oldest + WINDOW - now).total_seconds()) + 1)


def login(engine: sa.Engine, email: str, password: str, workspace: str | None = None, *,
          client: str | None = None) -> NewSession:
    """Check the credentials and open a session in WORKSPACE (default: the user's first workspace).

    CLIENT is the address the attempt comes from (throttling counts per account and client).
    Raises :class:`LoginThrottled` (checked before the password) or :class:`LoginFailed`.
    """
    email = (email or "").strip().lower()[:254]
    now = utcnow()
    with engine.connect() as conn:
        wait = throttle_state(conn, email, now, client=client)
        user = conn.execute(sa.select(users).where(users.c.email == email)).mappings().first()
    if wait:
        with engine.begin() as conn:
            audit.record(conn, "login_throttled", user_id=user["id"] if user else None,
                         detail={"email": email})
        raise LoginThrottled(wait)
    ok, upgraded = verify_password(user["password_hash"] if user else None, password)
    ms = _pick_membership(engine, user["id"], workspace) if (ok and user and user["is_active"]) else None
    with engine.begin() as conn:
        conn.execute(login_attempts.insert().values(subject=_subject(email, client), ts=now, success=ms is not None))
        conn.execute(login_attempts.delete().where(login_attempts.c.ts < now - dt.timedelta(days=1)))
        if ms is None:
            audit.record(conn, "login_failed", user_id=user["id"] if user else None,
                         workspace_id=None, detail={"email": email})
    if ms is None:  # raised outside the transaction, so that the failure is recorded
        raise LoginFailed("wrong e-mail or password")
    with engine.begin() as conn:
        values = {"last_login_at": now}
        if upgraded:
            values["password_hash"] = upgraded
        conn.execute(users.update().where(users.c.id == user["id"]).values(**values))
        audit.record(conn, "login", workspace_id=ms[0], user_id=user["id"])
    return open_session(engine, user["id"], ms[0])


def _pick_membership(engine: sa.Engine, user_id: int, workspace: str | None) -> tuple[int, str] | None:
    with engine.connect() as conn:
        q = (sa.select(memberships.c.workspace_id, workspaces.c.slug)
             .join(workspaces, workspaces.c.id == memberships.c.workspace_id)
             .where(memberships.c.user_id == user_id).order_by(workspaces.c.slug))
        rows = conn.execute(q).all()
    if not rows:
        return None
    if workspace:
        for row in rows:
            if row.slug == workspace:
                return row.workspace_id, row.slug
    return rows[0].workspace_id, rows[0].slug


def open_session(engine: sa.Engine, user_id: int, workspace_id: int) -> NewSession:
    token, csrf = new_token(32), new_token(32)
    now = utcnow()
    with engine.begin() as conn:
        conn.execute(login_sessions.delete().where(login_sessions.c.expires_at < now))
        conn.execute(login_sessions.insert().values(
            token_hash=digest(token), user_id=user_id, workspace_id=workspace_id, csrf_token=csrf,
            expires_at=now + IDLE_TIMEOUT, last_seen_at=now))
    info = lookup(engine, token)
    assert info is not None
    return NewSession(token, csrf, info)


def lookup(engine: sa.Engine, token: str | None) -> SessionInfo | None:
    """The live session for a cookie value (sliding the idle expiry), or None."""
    if not token or len(token) > 200:
        return None
    now = utcnow()
    q = (sa.select(login_sessions.c.id, login_sessions.c.user_id, users.c.email, login_sessions.c.workspace_id,
                   workspaces.c.slug, memberships.c.role, memberships.c.can_see_costs, login_sessions.c.csrf_token,
                   login_sessions.c.expires_at, login_sessions.c.last_seen_at, login_sessions.c.created_at,
                   users.c.is_active)
         .join(users, users.c.id == login_sessions.c.user_id)
         .join(workspaces, workspaces.c.id == login_sessions.c.workspace_id)
         .join(memberships, (memberships.c.user_id == login_sessions.c.user_id)
               & (memberships.c.workspace_id == login_sessions.c.workspace_id))
         .where(login_sessions.c.token_hash == digest(token)))
    with engine.connect() as conn:
        row = conn.execute(q).first()
    if row is None or not row.is_active or row.expires_at <= now or row.created_at + MAX_AGE <= now:
        return None
    if row.last_seen_at is None or now - row.last_seen_at >= TOUCH_RESOLUTION:
        with engine.begin() as conn:
            conn.execute(login_sessions.update().where(login_sessions.c.id == row.id)
                         .values(last_seen_at=now, expires_at=min(now + IDLE_TIMEOUT, row.created_at + MAX_AGE)))
    return SessionInfo(row.id, row.user_id, row.email, row.workspace_id, row.slug, row.role,
                       bool(row.can_see_costs), row.csrf_token)


def switch_workspace(engine: sa.Engine, session_id: int, user_id: int, workspace: str) -> bool:
    with engine.begin() as conn:
        ws = conn.execute(
            sa.select(workspaces.c.id).join(memberships, memberships.c.workspace_id == workspaces.c.id)
            .where(workspaces.c.slug == workspace, memberships.c.user_id == user_id)).scalar()
        if ws is None:
            return False
        conn.execute(login_sessions.update().where(login_sessions.c.id == session_id).values(workspace_id=ws))
    return True


def logout(engine: sa.Engine, token: str | None) -> None:
    if not token:
        return
    with engine.begin() as conn:
        row = conn.execute(sa.select(login_sessions.c.user_id, login_sessions.c.workspace_id)
                           .where(login_sessions.c.token_hash == digest(token))).first()
        if row is not None:
            conn.execute(login_sessions.delete().where(login_sessions.c.token_hash == digest(token)))
            audit.record(conn, "logout", workspace_id=row.workspace_id, user_id=row.user_id)
