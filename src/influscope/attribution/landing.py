"""What crediting reads from an order's landing URL, kept on the order when it is written.

The ``utm`` rule credits an order whose landing URL carries a creator's handle as ``utm_content``
(``utm_source`` picks the platform when the handle exists on several). Parsing a URL's query is
string work that SQL engines do differently, so every writer of orders stores the two values,
normalised as handles are (no leading '@', lower case), next to the URL; ``influscope db rebuild``
recomputes them from the URLs.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import sqlalchemy as sa

from influscope.db import tables as t

COLUMNS = ("landing_utm_content", "landing_utm_source")


def handle_of(value: str | None) -> str | None:
    """``utm_content`` as a stored handle: trimmed, without leading '@', lower case."""
    if not value:
        return None
    return value.strip().lstrip("@").lower() or None


def landing_utm(url: str | None) -> dict[str, str | None]:
    """``{"landing_utm_content": ..., "landing_utm_source": ...}`` of a landing URL."""
    content = source = None
    if url:
        try:
            query = parse_qs(urlsplit(url).query)
        except ValueError:
            query = {}
        content = handle_of((query.get("utm_content") or [None])[0])
        raw_source = (query.get("utm_source") or [None])[0]
        source = raw_source.lower() if raw_source else None
    return {"landing_utm_content": content, "landing_utm_source": source}


def with_landing_utm(row: dict[str, Any]) -> dict[str, Any]:
    """ROW (an order's column values) with the landing URL's utm values added when it has the URL."""
    if "landing_url" in row:
        row.update(landing_utm(row["landing_url"]))
    return row


def rebuild(conn: sa.Connection, workspace_id: int | None = None) -> int:
    """Recompute the stored utm values of every order (of one workspace); returns how many changed."""
    o = t.orders
    q = sa.select(o.c.id, o.c.landing_url, *(o.c[c] for c in COLUMNS))
    if workspace_id is not None:
        q = q.where(o.c.workspace_id == workspace_id)
    changed = []
    for r in conn.execute(q):
        want = landing_utm(r.landing_url)
        if any(getattr(r, c) != want[c] for c in COLUMNS):
            changed.append({"oid": r.id, **want})
    if changed:
        conn.execute(o.update().where(o.c.id == sa.bindparam("oid")), changed)
    return len(changed)
