"""Post metric snapshots, traffic and follower counts imported with the ClickHouse event store
(chdb) against SQLite alone and against what a data engineer would type to load the same files.

    python bench/events/import_records.py [--scale 2000000] [--rounds 3]

The bundle is bench/import/read_csv_ratio.py's, scaled as for SCALE clicks, with only its
campaign, creators, links, ``posts.csv`` (ten snapshots per post), ``traffic.csv`` and
``followers.csv``. Each round, in turn:

- ``import_bundle`` into a fresh SQLite file, then the same bundle again (every record unchanged);
- the same two with ``INFLUSCOPE_EVENTS_URL=chdb:///...`` (a fresh folder): posts and the other
  operational records into SQLite, snapshots, traffic and follower counts into ClickHouse;
- DuckDB: ``CREATE TABLE AS SELECT * FROM read_csv(...)`` of the three files into a fresh file;
- chdb: ``CREATE TABLE ... ENGINE = MergeTree ORDER BY tuple() AS SELECT * FROM file(...)`` of the
  three files into a fresh folder.

Then the campaign's KPIs (``kpis(campaign)``, every KPI, no breakdown) are read from each of the
two influscope stores. Order alternates between rounds; medians are reported.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench" / "import"))


from influscope import config  # noqa: E402
from influscope.db.engine import get_engine  # noqa: E402
from influscope.events import store  # noqa: E402
from influscope.ingest.canonical import import_bundle  # noqa: E402
from influscope.kpi.api import kpis  # noqa: E402
from import_clicks import _fresh, chdb_file, duckdb_read_csv  # noqa: E402
from read_csv_ratio import make_bundle  # noqa: E402

FILES = ("posts.csv", "traffic.csv", "followers.csv")
KEEP = ("campaign.yaml", "creators.csv", "links.csv", *FILES)


def influscope_import(bundle: Path, tmp: Path, events: bool) -> tuple[float, float, float]:
    """(import seconds, import-again seconds, campaign KPI seconds)."""
    for old in tmp.glob("store-*.db*"):
        old.unlink()
    db = tmp / f"store-{time.monotonic_ns()}.db"  # a new file each time (engines are cached by URL)
    folder = _fresh(tmp / "events")
    config.configure(events_url=f"chdb://{folder}" if events else "")
    engine = get_engine(f"sqlite:///{db}")
    if events:
        with store.session():  # the event store's tables exist before the clock starts
            pass
    start = time.perf_counter()
    first = import_bundle(engine, bundle)
    took = time.perf_counter() - start
    start = time.perf_counter()
    again = import_bundle(engine, bundle)
    took_again = time.perf_counter() - start
    assert first.changes and not again.changes, (first.as_dict(), again.as_dict())
    start = time.perf_counter()
    result = kpis("bench", engine=engine, workspace="default", diagnostics=False)
    read = time.perf_counter() - start
    assert result.kpis["video_views"]["value"], "no views counted"
    engine.dispose()
    store.close_all()  # release the folder before the next round deletes it
    config.configure(events_url="")
    return took, took_again, read


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", type=int, default=2_000_000, help="the generated bundle's clicks (files in proportion)")
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        sizes = make_bundle(tmp / "full", args.scale)
        bundle = tmp / "bundle"
        bundle.mkdir()
        for name in KEEP:
            shutil.copy(tmp / "full" / name, bundle / name)
        rows = sum(sizes[f] for f in FILES)
        influscope_import(bundle, tmp, False)  # load the modules once, outside the clock
        influscope_import(bundle, tmp, True)
        steps = {"sqlite": lambda: influscope_import(bundle, tmp, False),
                 "events": lambda: influscope_import(bundle, tmp, True),
                 "duckdb": lambda: (duckdb_read_csv([bundle / f for f in FILES], tmp), 0.0, 0.0),
                 "chdb": lambda: (chdb_file([bundle / f for f in FILES], tmp), 0.0, 0.0)}
        times: dict[str, list[tuple[float, float, float]]] = {k: [] for k in steps}
        for r in range(args.rounds):
            order = list(steps) if r % 2 == 0 else list(reversed(steps))
            for name in order:
                times[name].append(steps[name]())
                t = times[name][-1]
                print(f"round {r + 1} {name}: {t[0]:.2f} s (again {t[1]:.2f} s, KPIs {t[2]:.2f} s)", file=sys.stderr)
    med = {k: tuple(statistics.median(t[i] for t in v) for i in range(3)) for k, v in times.items()}
    print(f"{', '.join(f'{f} {sizes[f]:,}' for f in FILES)} rows ({rows:,}); {args.rounds} rounds, medians")
    print("| load | seconds | rows/s | DuckDB read_csv / this | again (s) | campaign KPIs (s) |")
    print("|---|---:|---:|---:|---:|---:|")
    labels = {"sqlite": "import_bundle, SQLite alone", "events": "import_bundle, records into chdb",
              "duckdb": "DuckDB read_csv (reference)", "chdb": "chdb file() into MergeTree (reference)"}
    for k, (secs, again, read) in med.items():
        ours = k in ("sqlite", "events")
        print(f"| {labels[k]} | {secs:.2f} | {rows / secs:,.0f} | {med['duckdb'][0] / secs:.2f} | "
              f"{f'{again:.2f}' if ours else '-'} | {f'{read:.2f}' if ours else '-'} |")


if __name__ == "__main__":
    main()
