"""Time the whole KPI catalogue on the demo data, per backend, as ratios to SQLite.

    python bench/kpi/run.py [--scale 0.25] [--repeat 3] [--no-postgres]

Loads the demo (3 campaigns) into a fresh SQLite file (and, unless --no-postgres, into a throwaway
PostgreSQL cluster started with initdb), runs the audience analysis once, then times
``kpis(campaign)`` and ``kpis(campaign, by="creator")`` for the three campaigns on SQLite,
PostgreSQL, DuckDB and ClickHouse (chdb; DuckDB and chdb get a copy of the canonical tables, whose
time is reported apart). Prints a Markdown table; the best of --repeat runs counts. It also checks
that every backend gave the same campaign-level values as SQLite.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

TODAY = dt.date(2026, 11, 1)


def run_catalogue(engine, campaigns, backend=None):
    from influscope.kpi.api import kpis

    out = {}
    for ws, slug in campaigns:
        for by in (None, "creator"):
            r = kpis(slug, by=by, workspace=ws, engine=engine, backend=backend, today=TODAY, refresh_audience=False)
            out[(slug, by)] = {k: o["value"] for k, o in r.kpis.items()}
    return out


def best(fn, repeat):
    times, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return min(times), result


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", type=float, default=0.25)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-postgres", action="store_true")
    args = ap.parse_args()

    from influscope.db.engine import make_engine, upgrade
    from influscope.demo import create_demo
    from influscope.kpi.api import kpis
    from influscope.kpi.backends import copy_canonical

    tmp = Path(tempfile.mkdtemp(prefix="influscope-bench-kpi-"))
    engine = make_engine(f"sqlite:///{tmp / 'bench.db'}")
    upgrade(engine)
    summary = create_demo(engine, workspace="demo", scale=args.scale, seed=7, today=TODAY)
    campaigns = [("demo", s) for s in summary.campaigns]
    for ws, slug in campaigns:  # the audience analysis once (classification is not part of the KPI time)
        kpis(slug, workspace=ws, engine=engine, today=TODAY)
    counts = {k: summary.counts.get(k) for k in ("posts.csv", "clicks.csv", "orders.csv", "comments.csv")}

    rows = []
    t_sqlite, ref = best(lambda: run_catalogue(engine, campaigns), args.repeat)
    rows.append(("SQLite (reference)", t_sqlite, None))
    if not args.no_postgres:
        from tests.support import pgcluster

        with pgcluster.cluster() as (admin, _port):
            pg = make_engine(pgcluster.create_database(admin, "bench"))
            upgrade(pg)
            create_demo(pg, workspace="demo", scale=args.scale, seed=7, today=TODAY)
            for ws, slug in campaigns:
                kpis(slug, workspace=ws, engine=pg, today=TODAY)
            t, res = best(lambda: run_catalogue(pg, campaigns), args.repeat)
            assert res == ref, "PostgreSQL differs from SQLite"
            rows.append(("PostgreSQL 15", t, None))
            pg.dispose()
    for target, label in (("duckdb", "DuckDB (in-process copy)"), ("clickhouse", "ClickHouse / chdb (in-process copy)")):
        t0 = time.perf_counter()
        con = copy_canonical(engine, target)
        copy = time.perf_counter() - t0
        t, res = best(lambda: run_catalogue(engine, campaigns, con), args.repeat)
        assert res == ref, f"{target} differs from SQLite"
        rows.append((label, t, copy))

    print(f"demo scale {args.scale}: " + ", ".join(f"{v:,} {k[:-4]}" for k, v in counts.items()) +
          f"; 3 campaigns x (campaign + by creator) = 6 catalogue runs of {len(ref[(campaigns[0][1], None)])} KPIs;"
          f" best of {args.repeat}; load average {os.getloadavg()[0]:.1f}")
    print()
    print("| backend | catalogue time (6 runs) | ratio to SQLite | copy of the tables |")
    print("|---|---|---|---|")
    for label, t, copy in rows:
        print(f"| {label} | {t:.2f} s | {t / t_sqlite:.2f} | {'' if copy is None else f'{copy:.2f} s'} |")
    print()
    print("All backends gave the same campaign-level values as SQLite.")


if __name__ == "__main__":
    main()
