"""API keys: random, shown once, stored as a SHA-256 digest, scoped read or read+write, revocable.

A key looks like ``isk_1a2b3c4d_<43 random characters>``. The part up to the second underscore is
the ``prefix``: stored in clear and shown in listings so people can tell their keys apart. The
whole key is 32 random bytes of entropy, so a plain SHA-256 digest (no salt, no slow hash) is
enough to make the stored value useless to a thief while keeping verification one index lookup.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

import sqlalchemy as sa

from influscope.auth import audit
from influscope.auth._util import digest, new_token, utcnow
from influscope.auth.roles import parse_scopes
from influscope.db.auth import api_keys
from influscope.db.tables import workspaces

KEY_PREFIX = "isk_"
LAST_USED_RESOLUTION = dt.timedelta(seconds=60)  # last_used_at is written at most once a minute per key


@dataclass(frozen=True)
class NewKey:
    id: int
    key: str  # the secret: show it once, it cannot be recovered
    prefix: str
    scopes: frozenset[str]


@dataclass(frozen=True)
class KeyInfo:
    id: int
    workspace_id: int
    workspace_slug: str
    user_id: int | None
    scopes: frozenset[str]
    can_see_costs: bool


def create_key(engine: sa.Engine, workspace_id: int, *, scopes="read", name: str = "",
               user_id: int | None = None, can_see_costs: bool = False,
               expires_at: dt.datetime | None = None) -> NewKey:
    scope_set = parse_scopes(scopes)
    prefix = KEY_PREFIX + secrets.token_hex(4)
    key = f"{prefix}_{new_token(32)}"
    with engine.begin() as conn:
        key_id = conn.execute(api_keys.insert().values(
            workspace_id=workspace_id, user_id=user_id, name=name or "", prefix=prefix, key_hash=digest(key),
            scopes=" ".join(sorted(scope_set)), can_see_costs=bool(can_see_costs), expires_at=expires_at,
        ).returning(api_keys.c.id)).scalar_one()
        audit.record(conn, "api_key.create", workspace_id=workspace_id, user_id=user_id, object_type="api_key",
                     object_id=key_id, detail={"prefix": prefix, "scopes": sorted(scope_set), "name": name})
    return NewKey(key_id, key, prefix, scope_set)


def verify_key(engine: sa.Engine, key: str) -> KeyInfo | None:
    """The key's grant, or None when it is unknown, revoked or expired. Touches last_used_at."""
    if not key or not key.startswith(KEY_PREFIX) or len(key) > 200:
        return None
    now = utcnow()
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(api_keys, workspaces.c.slug.label("workspace_slug"))
            .join(workspaces, workspaces.c.id == api_keys.c.workspace_id)
            .where(api_keys.c.key_hash == digest(key))
        ).mappings().first()
    if row is None or row["revoked_at"] is not None or (row["expires_at"] is not None and row["expires_at"] <= now):
        return None
    if row["last_used_at"] is None or now - row["last_used_at"] >= LAST_USED_RESOLUTION:
        with engine.begin() as conn:
            conn.execute(api_keys.update().where(api_keys.c.id == row["id"]).values(last_used_at=now))
    return KeyInfo(row["id"], row["workspace_id"], row["workspace_slug"], row["user_id"],
                   parse_scopes(row["scopes"]), bool(row["can_see_costs"]))


def revoke_key(engine: sa.Engine, workspace_id: int, key_id_or_prefix: int | str, *,
               user_id: int | None = None) -> bool:
    """Revoke a key of WORKSPACE by id or prefix. False when there is no such (unrevoked) key there."""
    cond = (api_keys.c.prefix == key_id_or_prefix) if isinstance(key_id_or_prefix, str) and not str(
        key_id_or_prefix).isdigit() else (api_keys.c.id == int(key_id_or_prefix))
    with engine.begin() as conn:
        key_id = conn.execute(sa.select(api_keys.c.id).where(cond, api_keys.c.workspace_id == workspace_id,
                                                             api_keys.c.revoked_at.is_(None))).scalar()
        if key_id is None:
            return False
        conn.execute(api_keys.update().where(api_keys.c.id == key_id).values(revoked_at=utcnow()))
        audit.record(conn, "api_key.revoke", workspace_id=workspace_id, user_id=user_id, object_type="api_key",
                     object_id=key_id)
    return True


def list_keys(conn: sa.Connection, workspace_id: int) -> list[dict]:
    cols = [api_keys.c.id, api_keys.c.name, api_keys.c.prefix, api_keys.c.scopes, api_keys.c.can_see_costs,
            api_keys.c.user_id, api_keys.c.created_at, api_keys.c.expires_at, api_keys.c.revoked_at,
            api_keys.c.last_used_at]
    rows = conn.execute(sa.select(*cols).where(api_keys.c.workspace_id == workspace_id).order_by(api_keys.c.id))
    return [dict(r) for r in rows.mappings()]
