"""Import throughput of the canonical bundle: a 1,000,000-row clicks.csv into SQLite and PostgreSQL.

    python bench/import/clicks_1m.py [--rows 1000000]

For each backend it times `influscope.ingest.canonical.import_bundle` (parse, validate, check
references, upsert in one transaction) and, as the reference in the same run, the plain driver
loading the same rows with no validation (sqlite3 executemany / PostgreSQL COPY). The ratio says
what the validation and upsert logic cost against the bare database. A re-import (nothing changes)
is timed too.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import random
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from influscope.db.engine import get_engine  # noqa: E402
from influscope.ingest.canonical import import_bundle  # noqa: E402
from tests.support import pgcluster  # noqa: E402

CAMPAIGN = """id: bench\nname: Bench\ngoal: mofu\nstart: 2026-03-01\nend: 2026-03-31\ncurrency: USD\n"""


def make_bundle(path: Path, rows: int) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    (path / "campaign.yaml").write_text(CAMPAIGN)
    (path / "creators.csv").write_text("creator_id,platform,handle\n" + "".join(
        f"c{i},instagram,c{i}\n" for i in range(50)))
    (path / "links.csv").write_text("link_id,creator_id,platform,destination_url\n" + "".join(
        f"l{i},c{i},instagram,https://shop.example/p\n" for i in range(50)))
    rng = random.Random(1)
    t0 = dt.datetime(2026, 3, 1)
    with (path / "clicks.csv").open("w", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["click_id", "link_id", "ts", "is_bot", "visitor_hash", "country", "device"])
        for i in range(rows):
            ts = t0 + dt.timedelta(seconds=rng.randrange(30 * 86400))
            w.writerow([f"k{i:08d}", f"l{rng.randrange(50)}", ts.isoformat() + "Z", "true" if rng.random() < 0.1 else "false",
                        "%016x" % rng.getrandbits(64), rng.choice(("TW", "US", "AE")), rng.choice(("mobile", "desktop"))])
    return path


def reference_sqlite(csv_path: Path, db: Path) -> float:
    con = sqlite3.connect(db)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=NORMAL")
    con.execute("CREATE TABLE clicks (key TEXT UNIQUE, link TEXT, ts TEXT, is_bot INT, visitor_hash TEXT, country TEXT, device TEXT)")
    start = time.perf_counter()
    with csv_path.open() as fh:
        r = csv.reader(fh)
        next(r)
        con.executemany("INSERT INTO clicks VALUES (?,?,?,?,?,?,?)", r)
    con.commit()
    return time.perf_counter() - start


def reference_pg(csv_path: Path, url: str) -> float:
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg", "postgresql")) as con:
        con.execute("CREATE TABLE ref_clicks (key TEXT UNIQUE, link TEXT, ts TIMESTAMP, is_bot BOOL, visitor_hash TEXT, country TEXT, device TEXT)")
        start = time.perf_counter()
        with con.cursor().copy("COPY ref_clicks FROM STDIN WITH (FORMAT csv, HEADER true)") as cp:
            cp.write(csv_path.read_bytes())
        con.commit()
        return time.perf_counter() - start


def timed_import(url: str, bundle: Path) -> tuple[float, float]:
    engine = get_engine(url)
    start = time.perf_counter()
    import_bundle(engine, bundle)
    first = time.perf_counter() - start
    start = time.perf_counter()
    report = import_bundle(engine, bundle)
    again = time.perf_counter() - start
    assert report.changes == 0
    engine.dispose()
    return first, again


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    args = ap.parse_args()
    n = args.rows
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        bundle = make_bundle(tmp / "bundle", n)
        results = []
        ref = reference_sqlite(bundle / "clicks.csv", tmp / "ref.db")
        first, again = timed_import(f"sqlite:///{tmp / 'influscope.db'}", bundle)
        results.append(("SQLite (WAL)", first, again, ref, "sqlite3 executemany, no validation"))
        with pgcluster.cluster() as (admin, _port):
            url = pgcluster.create_database(admin, "bench")
            ref = reference_pg(bundle / "clicks.csv", url)
            first, again = timed_import(url, bundle)
            results.append(("PostgreSQL 15", first, again, ref, "COPY, no validation"))
    print(f"clicks.csv with {n:,} rows")
    print("| backend | import rows/s | re-import (0 changes) rows/s | reference rows/s | import / reference |")
    print("|---|---|---|---|---|")
    for name, first, again, ref, what in results:
        print(f"| {name} | {n / first:,.0f} | {n / again:,.0f} | {n / ref:,.0f} ({what}) | {ref / first:.2f} |")


if __name__ == "__main__":
    main()
