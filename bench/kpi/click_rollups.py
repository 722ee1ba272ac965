"""What the click rollups kept at ingest buy at read time and cost at import time, side by side.

    python bench/kpi/build.py clicks --clicks 1000000 --out clicks1m.db      # once
    influscope db upgrade --db sqlite:///clicks1m.db                        # fills the rollups
    python bench/kpi/click_rollups.py --db sqlite:///clicks1m.db [--campaign SLUG] [--rounds 5] [--import-rows 200000]

In rounds whose order rotates, on the same SQLite store and in the same process, it times:

(a) the campaign KPI set, ``influscope.kpis(campaign)``, reading the clicks from the rollups (as
    now) and from the raw clicks (the path taken when the rollups are in another zone, and the only
    path before them), against the hand-written DuckDB reference (bench/kpi/reference.py) on an
    in-memory copy of the canonical tables;
(b) the clicks query alone: the rollup rows against the grouped query over the raw clicks (both
    checked equal first);
(c) a fresh bundle import of IMPORT_ROWS clicks on 50 links (bench/import/clicks_1m.py's bundle)
    into a new SQLite file, keeping the rollups (as now) and with the rollup step left out (as
    before them).

and prints Markdown tables of the medians.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from unittest import mock

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parents[1]))

import reference  # noqa: E402


def _timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def _rotate(cases: dict, rounds: int) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {k: [] for k in cases}
    names = list(cases)
    for r in range(rounds):
        order = names[r % len(names):] + names[:r % len(names)]
        for name in order:
            out[name].append(cases[name]())
    return out


@contextlib.contextmanager
def _raw_clicks():
    """The facts loader as before the rollups: every click row through the grouped raw query."""
    from influscope.metrics import click_rollups

    with mock.patch.object(click_rollups, "in_zone", lambda rows, zone: None):
        yield


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", required=True)
    ap.add_argument("--workspace", default="demo")
    ap.add_argument("--campaign")
    ap.add_argument("--rounds", type=int, default=5, help="rounds of the read side (0: the import only)")
    ap.add_argument("--import-rows", type=int, default=200_000)
    ap.add_argument("--import-rounds", type=int, default=3)
    args = ap.parse_args()

    import sqlalchemy as sa

    import influscope
    from influscope.db import tables as t
    from influscope.db.engine import get_engine
    from influscope.kpi import facts, methodology
    from influscope.kpi.backends import connect, fetch, table

    engine = get_engine(args.db)
    with engine.connect() as conn:
        q = (sa.select(t.campaigns.c.slug, sa.func.count(t.clicks.c.id)).join(t.links, t.links.c.campaign_id == t.campaigns.c.id)
             .join(t.clicks, t.clicks.c.link_id == t.links.c.id).group_by(t.campaigns.c.slug))
        clicks = dict(conn.execute(q).all())
    slug = args.campaign or max(clicks, key=lambda s: clicks[s])
    con_ref = reference.copy_from_sqlite(reference._sqlite_path(args.db))
    print(f"{Path(reference._sqlite_path(args.db)).name}, campaign {slug} ({clicks[slug]:,} clicks); "
          f"load average at start {os.getloadavg()[0]:.1f}", flush=True)

    # (b) equal first
    camp = facts.load_campaign(engine, slug, args.workspace)
    settings = methodology.resolve()
    con = connect(engine)
    with engine.connect() as conn:
        links = sorted(conn.execute(sa.select(t.links.c.id).where(t.links.c.campaign_id == camp.id)).scalars())
    kept = facts._click_rows(con, camp, links, settings)
    raw = fetch(con, facts.click_buckets(table(con, "clicks"), camp.workspace_id, links, settings, camp.timezone,
                                         facts._years(camp)))

    def key(r):
        return r["link_id"], r["is_bot"], r["day"]

    assert sorted(kept, key=key) == sorted(({**r, "u": int(r["u"] or 0)} for r in raw), key=key), "rollups differ"
    ours = influscope.kpis(slug, workspace=args.workspace, engine=engine, refresh_audience=False).to_dict()
    with _raw_clicks():
        before = influscope.kpis(slug, workspace=args.workspace, engine=engine, refresh_audience=False).to_dict()
    assert ours["kpis"] == before["kpis"], "KPIs differ between the two click paths"
    reference.check(engine, con_ref, args.workspace, slug, None)

    def kpis_rollups():
        return _timed(lambda: influscope.kpis(slug, workspace=args.workspace, engine=engine, refresh_audience=False))

    def kpis_raw():
        with _raw_clicks():
            return _timed(lambda: influscope.kpis(slug, workspace=args.workspace, engine=engine,
                                                  refresh_audience=False))

    def kpis_ref():
        return _timed(lambda: reference.kpis(con_ref, args.workspace, slug, None))

    def rows_rollups():
        return _timed(lambda: facts._click_rows(con, camp, links, settings))

    def rows_raw():
        return _timed(lambda: fetch(con, facts.click_buckets(table(con, "clicks"), camp.workspace_id, links, settings,
                                                             camp.timezone, facts._years(camp))))

    if not args.rounds:  # the import only
        _imports(args.import_rows, args.import_rounds)
        return
    res = _rotate({"kpis_rollups": kpis_rollups, "kpis_raw": kpis_raw, "kpis_ref": kpis_ref,
                   "rows_rollups": rows_rollups, "rows_raw": rows_raw}, args.rounds)
    med = {k: statistics.median(v) for k, v in res.items()}
    print(f"\nRead side, median of {args.rounds} rotated rounds\n")
    print("| what | clicks from the rollups | clicks from the raw clicks (before) | DuckDB reference | "
          "rollups / reference | raw / reference |")
    print("|---|---:|---:|---:|---:|---:|")
    print(f"| `kpis({slug})` | {med['kpis_rollups']:.3f} s | {med['kpis_raw']:.3f} s | {med['kpis_ref']:.3f} s "
          f"| {med['kpis_rollups'] / med['kpis_ref']:.1f}x | {med['kpis_raw'] / med['kpis_ref']:.1f}x |")
    print(f"| the clicks query ({len(kept):,} rows back) | {med['rows_rollups'] * 1000:.1f} ms "
          f"| {med['rows_raw'] * 1000:.0f} ms | | | |")
    for k, v in res.items():
        print(f"- {k}: " + ", ".join(f"{x:.3f}" for x in v))

    # (c) the importer
    if args.import_rows:
        _imports(args.import_rows, args.import_rounds)


def _imports(rows: int, rounds: int) -> None:
    import shutil

    from influscope.db.engine import get_engine
    from influscope.ingest import canonical
    from influscope.metrics import click_rollups

    sys.path.insert(0, str(HERE.parent / "import"))
    from clicks_1m import make_bundle

    tmp = Path(tempfile.mkdtemp(prefix="influscope-bench-rollups-"))
    bundle = make_bundle(tmp / "bundle", rows)
    template = tmp / "empty.db"
    get_engine(f"sqlite:///{template}").dispose()  # migrated once, copied for every run
    runs = {"with": 0}

    def one(keep: bool) -> float:
        runs["with"] += 1
        db = tmp / f"run{runs['with']}.db"
        shutil.copy(template, db)
        engine = get_engine(f"sqlite:///{db}")
        patches = contextlib.ExitStack()
        if not keep:
            patches.enter_context(mock.patch.object(click_rollups, "rebuild", lambda *a, **k: 0))
            patches.enter_context(mock.patch.object(click_rollups, "follow_zones", lambda *a, **k: []))
            patches.enter_context(mock.patch.object(click_rollups, "tally_columns", lambda *a, **k: {}))
            patches.enter_context(mock.patch.object(click_rollups, "apply_sqlite", lambda *a, **k: None))
        with patches:
            took = _timed(lambda: canonical.import_bundle(engine, bundle))
        with engine.connect() as conn:
            kept = conn.exec_driver_sql("SELECT coalesce(sum(hits), 0) FROM click_days").scalar()
        assert kept == (rows if keep else 0), kept
        engine.dispose()
        db.unlink()
        return took

    res = _rotate({"with": lambda: one(True), "without": lambda: one(False)}, rounds)
    med = {k: statistics.median(v) for k, v in res.items()}
    print(f"\nImport of a fresh bundle of {rows:,} clicks on 50 links into a new SQLite file, median of {rounds} "
          f"rotated rounds\n")
    print("| import | wall time | clicks per second | vs without |")
    print("|---|---:|---:|---:|")
    print(f"| keeping the click rollups | {med['with']:.2f} s | {rows / med['with']:,.0f} | "
          f"{med['with'] / med['without']:.2f}x |")
    print(f"| without the rollup step (before) | {med['without']:.2f} s | {rows / med['without']:,.0f} | 1.00x |")
    for k, v in res.items():
        print(f"- {k}: " + ", ".join(f"{x:.2f}" for x in v))
    print(f"\nLoad average at the end {os.getloadavg()[0]:.1f}.")
    shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
