"""The bundle's doors into the event store: a bundle's ``clicks.csv`` goes to ClickHouse when an
event store is configured (:func:`influscope.ingest.canonical.import_bundle` calls this last in
its transaction, so that a failure here rolls the operational records back, and wraps the
transaction in :func:`all_or_nothing`, so that a failure after it, the COMMIT included, takes the
clicks back out), and ``influscope export`` reads a campaign's clicks back from there."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from influscope.events import clicks, schema, store


def enabled() -> bool:
    return store.configured() is not None


@dataclass
class Writes:
    """What an import wrote to the event store, to be taken back if the import fails after it."""

    done: list[clicks.Undo] = field(default_factory=list)


@contextlib.contextmanager
def all_or_nothing() -> Iterator[Writes]:
    """Around an import's transaction on the operational store (entered before it, so left after
    its commit or rollback): if anything fails after clicks were written to the event store,
    including the operational store's COMMIT, they are taken back out (:func:`clicks.undo`)."""
    writes = Writes()
    try:
        yield writes
    except BaseException:
        where = store.configured()
        if writes.done and where is not None:
            with store.session(where) as client:
                for what in reversed(writes.done):
                    clicks.undo(client, where, what)
        raise


def write_bundle_clicks(parsed: Any, link_ids: dict[str, int], report: Any, *, ws: int,
                        writes: Writes | None = None, progress: Callable[[int], None] | None = None) -> None:
    """Write the parsed clicks file PARSED (``ParsedFile``) of workspace WS; count into REPORT.

    WRITES (from :func:`all_or_nothing`) keeps how to take the write back if the import fails
    later; PROGRESS is told the rows written."""
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
    if written.undo is not None and writes is not None:
        writes.done.append(written.undo)
    if progress:
        progress(len(new))
    report.inserted += written.inserted
    report.updated += written.updated
    report.unchanged += written.unchanged


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
