"""A 1M-click bundle imported with the ClickHouse event store (chdb) against SQLite alone and
against what a data engineer would type to load the same file.

    python bench/events/import_clicks.py [--clicks 1000000] [--rounds 3]

The bundle is bench/import/read_csv_ratio.py's clicks file (400 links, returning visitors, 10 %
bots) with the campaign, creators and links it references. Each round, in turn:

- ``import_bundle`` into a fresh SQLite file (every cell and reference checked, unique-click
  windows derived, one transaction);
- the same with ``INFLUSCOPE_EVENTS_URL=chdb:///...`` (a fresh folder): operational records into
  SQLite, clicks into ClickHouse with their flags;
- DuckDB: ``CREATE TABLE t AS SELECT * FROM read_csv('clicks.csv')`` into a fresh file;
- chdb: ``CREATE TABLE t ENGINE = MergeTree ORDER BY tuple() AS SELECT * FROM file('clicks.csv')``
  into a fresh folder.

Then the campaign's KPIs (``kpis(campaign)``, every KPI, no breakdown) are read from each of the
two influscope stores. Order alternates between rounds; medians are reported, with each import's
ratio to both references (reference seconds / import seconds: 1.0 = as fast as the reference).

``--src DIR`` imports influscope from another checkout's ``src`` (the code before a change), so
that two trees can be timed alternately on the same files; ``--bundle DIR`` keeps the generated
files in DIR and reuses them on the next run. ``--only sqlite,events`` leaves the other imports out.
"""

from __future__ import annotations

import argparse
import gc
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _source() -> Path:
    """The influscope source tree named by ``--src`` (read before influscope is imported)."""
    for i, arg in enumerate(sys.argv):
        if arg == "--src" and i + 1 < len(sys.argv):
            return Path(sys.argv[i + 1]).resolve()
        if arg.startswith("--src="):
            return Path(arg.split("=", 1)[1]).resolve()
    return ROOT / "src"


sys.path.insert(0, str(_source()))
sys.path.insert(0, str(ROOT / "bench" / "import"))

import duckdb  # noqa: E402

from influscope import config  # noqa: E402
from influscope.db.engine import get_engine  # noqa: E402
from influscope.events import store  # noqa: E402
from influscope.ingest.canonical import import_bundle  # noqa: E402
from influscope.kpi.api import kpis  # noqa: E402
from read_csv_ratio import make_bundle, only  # noqa: E402


def _fresh(path: Path) -> Path:
    if path.is_dir():
        shutil.rmtree(path)
    for old in path.parent.glob(path.name + "*"):
        old.unlink()
    return path


_CPU: list[float] = []  # CPU seconds (every thread of this process) of the last step


def _cpu_of(step):
    """STEP's wall seconds with its CPU seconds kept in _CPU."""
    def timed():
        cpu = time.process_time()
        out = step()
        _CPU.append(time.process_time() - cpu)
        return out
    return timed


def influscope_import(bundle: Path, tmp: Path, events: bool) -> tuple[float, float]:
    """(import seconds, campaign KPI seconds)."""
    for old in tmp.glob("store-*.db*"):
        old.unlink()
    db = tmp / f"store-{time.monotonic_ns()}.db"  # a new file each time (engines are cached by URL)
    folder = _fresh(tmp / "events")
    config.configure(events_url=f"chdb://{folder}" if events else "")
    engine = get_engine(f"sqlite:///{db}")
    if events:
        with store.session():  # the event store's tables exist before the clock starts
            pass
    start, cpu = time.perf_counter(), time.process_time()
    import_bundle(engine, bundle)
    took = time.perf_counter() - start
    _CPU.append(time.process_time() - cpu)
    start = time.perf_counter()
    result = kpis("bench", engine=engine, workspace="default", diagnostics=False)
    read = time.perf_counter() - start
    assert result.kpis["clicks"]["value"] or not (bundle / "clicks.csv").exists(), "no clicks counted"
    engine.dispose()
    store.close_all()  # release the folder: chdb holds one path per process
    config.configure(events_url="")
    return took, read


def duckdb_read_csv(csv_paths: list[Path], tmp: Path) -> float:
    """The reference: each CSV file into a table of a fresh DuckDB file."""
    db = _fresh(tmp / "reference.duckdb")
    con = duckdb.connect(str(db))
    start = time.perf_counter()
    for i, csv_path in enumerate(csv_paths):
        con.execute(f"CREATE TABLE t{i} AS SELECT * FROM read_csv('{csv_path}')")
    con.close()
    return time.perf_counter() - start


def chdb_file(csv_paths: list[Path], tmp: Path) -> float:
    """The reference: each CSV file into a MergeTree table of a fresh chdb folder, by chdb's own reader."""
    import clickhouse_connect

    gc.collect()
    folder = _fresh(tmp / "reference-chdb")
    client = clickhouse_connect.get_client(dsn=f"chdb://{folder}")
    start = time.perf_counter()
    for i, csv_path in enumerate(csv_paths):
        client.command(f"CREATE TABLE t{i} ENGINE = MergeTree ORDER BY tuple() AS "
                       f"SELECT * FROM file('{csv_path}', CSVWithNames)")
    took = time.perf_counter() - start
    client.close()
    return took


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--clicks", type=int, default=1_000_000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--src", type=Path, default=ROOT / "src", help="the influscope source tree to time")
    ap.add_argument("--bundle", type=Path, help="keep the generated files here (made once, then reused)")
    ap.add_argument("--only", default="sqlite,events", help="the imports to time (sqlite, events)")
    args = ap.parse_args()
    import influscope

    print(f"influscope from {Path(influscope.__file__).parent}", file=sys.stderr)
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        files = args.bundle or tmp
        if not (files / "full" / "clicks.csv").exists() or \
                sum(1 for _ in (files / "full" / "clicks.csv").open("rb")) != args.clicks + 1:
            make_bundle(files / "full", args.clicks)
        bundle = only(files / "full", tmp / "bundle", "clicks.csv")
        csv_path = bundle / "clicks.csv"
        warm = only(files / "full", tmp / "warm", "traffic.csv")  # load the modules once, outside the clock
        imports = args.only.split(",")
        for events in (False, True):
            if ("events" if events else "sqlite") in imports:
                influscope_import(warm, tmp, events)
        steps = {"sqlite": lambda: influscope_import(bundle, tmp, False),
                 "events": lambda: influscope_import(bundle, tmp, True),
                 "duckdb": _cpu_of(lambda: (duckdb_read_csv([csv_path], tmp), 0.0)),
                 "chdb": _cpu_of(lambda: (chdb_file([csv_path], tmp), 0.0))}
        steps = {k: v for k, v in steps.items() if k in imports or k in ("duckdb", "chdb")}
        times: dict[str, list[tuple[float, float]]] = {k: [] for k in steps}
        for r in range(args.rounds):
            order = list(steps) if r % 2 == 0 else list(reversed(steps))
            for name in order:
                times[name].append((*steps[name](), _CPU[-1]))
                print(f"round {r + 1} {name}: {times[name][-1][0]:.2f} s, CPU {times[name][-1][2]:.2f} s "
                      f"(KPIs {times[name][-1][1]:.2f} s)", file=sys.stderr)
    med = {k: (statistics.median(t[0] for t in v), statistics.median(t[1] for t in v),
               statistics.median(t[2] for t in v)) for k, v in times.items()}
    n = args.clicks
    print(f"clicks.csv with {n:,} rows; {args.rounds} rounds, medians")
    print("| load | seconds | rows/s | DuckDB read_csv / this | chdb file() / this | CPU seconds | campaign KPIs (s) |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    labels = {"sqlite": "import_bundle, SQLite alone", "events": "import_bundle, clicks into chdb",
              "duckdb": "DuckDB read_csv (reference)", "chdb": "chdb file() into MergeTree (reference)"}
    for k, (secs, read, cpu) in med.items():
        kpi = f"{read:.2f}" if k in ("sqlite", "events") else "-"
        print(f"| {labels[k]} | {secs:.2f} | {n / secs:,.0f} | {med['duckdb'][0] / secs:.2f} | "
              f"{med['chdb'][0] / secs:.2f} | {cpu:.2f} | {kpi} |")
    print("\nper round, seconds (CPU seconds): " + "; ".join(
        f"{k} " + " / ".join(f"{t[0]:.2f} ({t[2]:.2f})" for t in v) for k, v in times.items()))


if __name__ == "__main__":
    main()
