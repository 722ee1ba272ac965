"""A workspace's allow-list of tracking-link destination hosts.

Empty (the default): a link may send visitors to any public host (see
:func:`influscope.ingest.rules.check_destination`). With hosts listed, only those hosts and their
subdomains are accepted, through every way a link is made (REST API, dashboard, CLI, bundle import).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import sqlalchemy as sa

from influscope.db.tracking import destination_hosts
from influscope.ingest import rules


def allowed_hosts(conn: sa.Connection, workspace_id: int) -> list[str]:
    """The workspace's allow-list (empty: any public host)."""
    return list(conn.execute(sa.select(destination_hosts.c.host).where(
        destination_hosts.c.workspace_id == workspace_id).order_by(destination_hosts.c.host)).scalars())


def set_allowed_hosts(engine: sa.Engine, workspace_id: int, hosts: Iterable[str],
                      on_saved: Callable[[sa.Connection, list[str]], None] | None = None) -> list[str]:
    """Replace the allow-list with HOSTS (checked host names; none clears it). Returns the new list.

    A host that is not a public host name (an address in a loopback or private range, a local name)
    raises :class:`ValueError` and nothing changes. ON_SAVED runs in the same transaction (an audit
    entry, say).
    """
    clean = rules.parse_host_list(" ".join(hosts))
    with engine.begin() as conn:
        conn.execute(destination_hosts.delete().where(destination_hosts.c.workspace_id == workspace_id))
        if clean:
            conn.execute(destination_hosts.insert(), [{"workspace_id": workspace_id, "host": h} for h in clean])
        if on_saved is not None:
            on_saved(conn, clean)
    return clean
