"""Load a generated bundle into one store through the public path (``import_bundle``).

    python bench/scale/load.py --work DIR --clicks N --store sqlite|postgres|clickhouse

A bundle split in parts (generate.py) is imported part after part, one ``import_bundle`` each.
The store is made fresh (stores.py says where); the import is timed in this process and its time,
rows/s and this process's peak RSS are appended to ``DIR/loads.jsonl``. For ``postgres`` the
cluster in ``DIR/pg`` is started for the load and stopped after it. ``clickhouse`` is the event
store (chdb folder) with the operational records in a SQLite file, as a one-box install runs it.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import stores  # noqa: E402


def _import(url: str, folder: Path) -> tuple[float, dict]:
    from influscope.db.engine import get_engine
    from influscope.ingest.canonical import import_bundle

    engine = get_engine(url)  # migrated before the clock starts
    parts = [folder, *sorted(folder.glob("part-*"), key=lambda p: int(p.name.split("-")[1]))]
    inserted: dict[str, int] = {}
    t0 = time.perf_counter()
    for part in parts:  # the importer takes at most 5M rows per file: large clicks files come in parts
        report = import_bundle(engine, part, workspace="scale")
        for k, r in report.files.items():
            inserted[k] = inserted.get(k, 0) + r.inserted
    took = time.perf_counter() - t0
    engine.dispose()
    return took, inserted


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--work", required=True, type=Path)
    ap.add_argument("--clicks", required=True, type=int)
    ap.add_argument("--store", required=True, choices=stores.STORES)
    args = ap.parse_args()
    work, n = args.work, args.clicks
    folder = stores.bundle(work, n)
    if not (folder / "orders.csv").exists():
        sys.exit(f"{folder}: no bundle (run generate.py first)")

    from influscope import config

    if args.store == "postgres":
        with stores.postgres(work) as admin:
            took, inserted = _import(stores.create_pg_database(admin, n), folder)
    else:
        url = stores.sqlite_url(work, n, args.store)
        path = Path(url[len("sqlite:///"):])
        for old in path.parent.glob(path.name + "*"):
            old.unlink()
        if args.store == "clickhouse":
            events = stores.events_url(work, n)
            shutil.rmtree(events[len("chdb://"):], ignore_errors=True)
            config.configure(events_url=events)
            from influscope.events import store

            with store.session():  # the event tables exist before the clock starts
                pass
        took, inserted = _import(url, folder)
        if args.store == "clickhouse":
            from influscope.events import store

            store.close_all()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    record = {"clicks": n, "store": args.store, "seconds": round(took, 1), "rows": inserted,
              "clicks_per_s": round(n / took), "peak_rss_mb": round(rss), "load_average": os.getloadavg()[0],
              "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    with (work / "loads.jsonl").open("a") as fh:
        fh.write(json.dumps(record) + "\n")
    print(json.dumps(record), flush=True)


if __name__ == "__main__":
    main()
