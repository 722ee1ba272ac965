"""The bundle's doors into the event store: a bundle's ``clicks.csv`` goes to ClickHouse when an
event store is configured (:func:`influscope.ingest.canonical.import_bundle` calls this last in
its transaction, so that a failure here rolls the operational records back), and ``influscope
export`` reads a campaign's clicks back from there."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from influscope.events import clicks, schema, store


def enabled() -> bool:
    return store.configured() is not None


def write_bundle_clicks(parsed: Any, link_ids: dict[str, int], report: Any, *, ws: int) -> None:
    """Write the parsed clicks file PARSED (``ParsedFile``) of workspace WS; count into REPORT."""
    table = parsed.table
    header = parsed.columns
    slugs = sorted(link_ids)
    link = pc.take(pa.array([link_ids[s] for s in slugs], pa.int64()),
                   pc.index_in(table.column("link_id"), value_set=pa.array(slugs, table.column("link_id").type)))
    is_bot = table.column("is_bot") if "is_bot" in header else pa.nulls(len(table), pa.bool_())
    present = [o for o in clicks.OPTIONAL if o in header]
    new = pa.table({"key": table.column("click_id"), "link_id": link, "ts": table.column("ts"), "is_bot": is_bot,
                    **{o: table.column(o) for o in present}})
    new = _in_sorting_order(new)
    where = store.configured()
    assert where is not None
    with store.session(where) as client:
        written = clicks.import_clicks(client, where, ws, new, present)
    report.inserted += written.inserted
    report.updated += written.updated
    report.unchanged += written.unchanged


def _in_sorting_order(new: pa.Table) -> pa.Table:
    """NEW in the order of the clicks table's sorting key (link, time; one workspace): ClickHouse
    sorts each insert by that key, and rows that come in that order cost it a fraction of the CPU
    (measured in bench/RESULTS.md)."""
    if len(new) < 2:
        return new
    link = np.asarray(pc.fill_null(new.column("link_id"), -1).to_numpy(), dtype=np.int64)
    ts = np.asarray(pc.fill_null(pc.cast(new.column("ts"), pa.int64()), 0).to_numpy(), dtype=np.int64)
    order = np.lexsort((ts, link))
    if np.array_equal(order, np.arange(len(order))):
        return new
    return new.take(pa.array(order))


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
        table = clicks._conform(client.query_arrow(sql))
    for i in range(0, len(table), 50_000):
        for r in table.slice(i, 50_000).to_pylist():
            r["click_id"] = r.pop("key")
            r["link_id"] = link_keys[r["link_id"]]
            yield r
