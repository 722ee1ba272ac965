"""Records found by the short names people type (slugs): one query each, used by every door.

Callers decide what a missing record means for them (a located import error, a 404, a CLI message);
these functions only answer ``None``.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from influscope.db import tables as t


def workspace_id(conn: sa.Connection, slug: str) -> int | None:
    """The id of the workspace called SLUG, or None."""
    return conn.execute(sa.select(t.workspaces.c.id).where(t.workspaces.c.slug == slug)).scalar()


def create_workspace(conn: sa.Connection, slug: str, name: str | None = None) -> int:
    """A new workspace called SLUG (its name defaults to the slug), with default methodology."""
    return conn.execute(t.workspaces.insert().values(
        slug=slug, name=name or slug, methodology={},
        created_at=dt.datetime.now(dt.timezone.utc).replace(tzinfo=None))).inserted_primary_key[0]


def campaign(conn: sa.Connection, workspace_id: int, slug: str) -> sa.RowMapping | None:
    """The campaign row called SLUG in the workspace, or None."""
    return conn.execute(sa.select(t.campaigns).where(t.campaigns.c.workspace_id == workspace_id,
                                                     t.campaigns.c.slug == slug)).mappings().first()
