"""The bundle's doors into the event store: a bundle's ``clicks.csv`` goes to ClickHouse when an
event store is configured (:func:`influscope.ingest.canonical.import_bundle` calls this last in
its transaction, so that a failure here rolls the operational records back), and ``influscope
export`` reads a campaign's clicks back from there."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import sqlalchemy as sa

from influscope.events import clicks, schema, store


def enabled() -> bool:
    return store.configured() is not None


def write_bundle_clicks(parsed: Any, link_ids: dict[str, int], report: Any, *, ws: int,
                        conn: sa.Connection | None = None, progress: Callable[[int], None] | None = None) -> None:
    """Write the parsed clicks file PARSED (``ParsedFile``) of workspace WS; count into REPORT.

    CONN is the operational store's connection whose transaction holds the rest of the import: the
    clicks are written last in it, and taken back out of the event store (:func:`clicks.undo`) when
    that transaction rolls back instead of committing (a failure after this call, or of the commit
    itself), so that the two stores keep all of the import or none of it. PROGRESS is told the rows
    written."""
    table = parsed.table
    header = parsed.columns
    slugs = sorted(link_ids)
    link = pc.take(pa.array([link_ids[s] for s in slugs], pa.int64()),
                   pc.index_in(table.column("link_id"), value_set=pa.array(slugs, table.column("link_id").type)))
    is_bot = table.column("is_bot") if "is_bot" in header else pa.nulls(len(table), pa.bool_())
    present = [o for o in clicks.OPTIONAL if o in header]
    new = pa.table({"key": table.column("click_id"), "link_id": link, "ts": table.column("ts"), "is_bot": is_bot,
                    **{o: table.column(o) for o in present}})
    where = store.configured()
    assert where is not None
    with store.session(where) as client:
        written = clicks.import_clicks(client, where, ws, new, present)
    if written.undo is not None and conn is not None:
        _undo_on_rollback(conn, where, written.undo)
    if progress:
        progress(len(new))
    report.inserted += written.inserted
    report.updated += written.updated
    report.unchanged += written.unchanged


def _undo_on_rollback(conn: sa.Connection, where: store.EventStoreURL, what: clicks.Undo) -> None:
    """Take WHAT back if CONN's transaction rolls back (a COMMIT that fails is followed by a
    rollback); forget it when CONN begins another transaction (this one committed)."""

    def rolled_back(_conn: Any) -> None:
        forget()
        with store.session(where) as client:
            clicks.undo(client, where, what)

    def forget(*_: Any) -> None:
        for name, fn in (("rollback", rolled_back), ("begin", forget)):
            if sa.event.contains(conn, name, fn):
                sa.event.remove(conn, name, fn)

    sa.event.listen(conn, "rollback", rolled_back)
    sa.event.listen(conn, "begin", forget)


def campaign_clicks(ws: int, link_keys: dict[int, str]) -> Iterator[dict[str, Any]]:
    """The clicks of workspace WS on the links LINK_KEYS (id -> bundle link_id), in time order, as
    rows of the bundle's ``clicks.csv`` (for ``influscope export``)."""
    where = store.configured()
    assert where is not None
    if not link_keys:
        return
    columns = ("key", "link_id", "ts", "is_bot", *clicks.OPTIONAL)
    sql = (f"SELECT {', '.join(columns)} FROM {schema.write_table(where, 'clicks')} WHERE workspace_id = {int(ws)} "
           f"AND link_id IN {clicks._list(sorted(link_keys))} ORDER BY ts, key")
    with store.session(where) as client:
        table = clicks._conform(clicks._query_arrow(client, where, sql))
    for i in range(0, len(table), 50_000):
        for r in table.slice(i, 50_000).to_pylist():
            r["click_id"] = r.pop("key")
            r["link_id"] = link_keys[r["link_id"]]
            yield r
