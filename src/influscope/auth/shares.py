"""Share links: a read-only view of one campaign's report for people without an account.

A share link is ``/share/<token>`` (the dashboard's page) or ``/api/v1/shared/<token>`` (JSON).
The token is 32 random bytes; only its SHA-256 digest and a short display prefix are stored.
Links expire (default 30 days; never only when asked explicitly), can be revoked, and either show
or hide the budget and every cost-derived KPI (hidden by default).
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

import sqlalchemy as sa

from influscope.auth import audit
from influscope.auth._util import digest, new_token, utcnow
from influscope.db.auth import share_links
from influscope.db.tables import campaigns, workspaces

DEFAULT_TTL = dt.timedelta(days=30)
TOKEN_PREFIX = "shr_"


@dataclass(frozen=True)
class NewShare:
    id: int
    token: str  # shown once
    prefix: str
    expires_at: dt.datetime | None


@dataclass(frozen=True)
class ShareGrant:
    id: int
    workspace_id: int
    workspace_slug: str
    campaign_id: int
    show_budget: bool
    expires_at: dt.datetime | None


def create_share(engine: sa.Engine, workspace_id: int, campaign_id: int, *, show_budget: bool = False,
                 expires_in: dt.timedelta | None = DEFAULT_TTL, user_id: int | None = None,
                 api_key_id: int | None = None) -> NewShare:
    prefix = TOKEN_PREFIX + secrets.token_hex(4)
    token = f"{prefix}_{new_token(32)}"
    expires = utcnow() + expires_in if expires_in else None
    with engine.begin() as conn:
        ok = conn.execute(sa.select(campaigns.c.id).where(campaigns.c.id == campaign_id,
                                                          campaigns.c.workspace_id == workspace_id)).first()
        if ok is None:
            raise LookupError(f"no campaign with id {campaign_id}")
        share_id = conn.execute(share_links.insert().values(
            workspace_id=workspace_id, campaign_id=campaign_id, prefix=prefix, token_hash=digest(token),
            show_budget=bool(show_budget), expires_at=expires, created_by=user_id,
        ).returning(share_links.c.id)).scalar_one()
        audit.record(conn, "share.create", workspace_id=workspace_id, user_id=user_id, api_key_id=api_key_id,
                     object_type="share", object_id=share_id,
                     detail={"campaign_id": campaign_id, "show_budget": bool(show_budget), "prefix": prefix})
    return NewShare(share_id, token, prefix, expires)


def resolve_share(engine: sa.Engine, token: str | None) -> ShareGrant | None:
    """The grant of a live share token, or None (unknown, revoked or expired)."""
    if not token or not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    now = utcnow()
    with engine.connect() as conn:
        row = conn.execute(sa.select(share_links, workspaces.c.slug)
                           .join(workspaces, workspaces.c.id == share_links.c.workspace_id)
                           .where(share_links.c.token_hash == digest(token))).mappings().first()
    if row is None or row["revoked_at"] is not None or (row["expires_at"] is not None and row["expires_at"] <= now):
        return None
    if row["last_used_at"] is None or now - row["last_used_at"] >= dt.timedelta(minutes=1):
        with engine.begin() as conn:
            conn.execute(share_links.update().where(share_links.c.id == row["id"]).values(last_used_at=now))
    return ShareGrant(row["id"], row["workspace_id"], row["slug"], row["campaign_id"], bool(row["show_budget"]),
                      row["expires_at"])


def revoke_share(engine: sa.Engine, workspace_id: int, share_id: int, *, user_id: int | None = None) -> bool:
    with engine.begin() as conn:
        n = conn.execute(share_links.update().where(share_links.c.id == share_id,
                                                    share_links.c.workspace_id == workspace_id,
                                                    share_links.c.revoked_at.is_(None))
                         .values(revoked_at=utcnow())).rowcount
        if n:
            audit.record(conn, "share.revoke", workspace_id=workspace_id, user_id=user_id, object_type="share",
                         object_id=share_id)
    return bool(n)


def list_shares(conn: sa.Connection, workspace_id: int, campaign_id: int | None = None) -> list[dict]:
    cols = [c for c in share_links.c if c.name != "token_hash"]
    q = sa.select(*cols).where(share_links.c.workspace_id == workspace_id)
    if campaign_id is not None:
        q = q.where(share_links.c.campaign_id == campaign_id)
    return [dict(r) for r in conn.execute(q.order_by(share_links.c.id)).mappings()]
