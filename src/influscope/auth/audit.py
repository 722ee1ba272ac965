"""The audit log: who did what, when (logins, failed logins, changes). No IP addresses."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from influscope.auth._util import utcnow
from influscope.db.auth import audit_log


def record(conn: sa.Connection, action: str, *, workspace_id: int | None = None, user_id: int | None = None,
           api_key_id: int | None = None, object_type: str | None = None, object_id: Any = None,
           detail: dict | None = None) -> None:
    conn.execute(audit_log.insert().values(
        ts=utcnow(), workspace_id=workspace_id, user_id=user_id, api_key_id=api_key_id, action=action,
        object_type=object_type, object_id=None if object_id is None else str(object_id), detail=detail))


def record_for(conn: sa.Connection, principal, action: str, **kw) -> None:
    """Record an action done by an authenticated principal (see :mod:`influscope.auth.deps`)."""
    record(conn, action, workspace_id=principal.workspace_id, user_id=principal.user_id,
           api_key_id=principal.api_key_id, **kw)


def entries(conn: sa.Connection, workspace_id: int, *, limit: int = 100, before_id: int | None = None) -> list[dict]:
    q = sa.select(audit_log).where(audit_log.c.workspace_id == workspace_id)
    if before_id is not None:
        q = q.where(audit_log.c.id < before_id)
    rows = conn.execute(q.order_by(audit_log.c.id.desc()).limit(limit)).mappings()
    return [dict(r) for r in rows]
