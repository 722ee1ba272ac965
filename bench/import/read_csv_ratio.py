"""The canonical importer against DuckDB's read_csv of the same files, per file type and overall.

    python bench/import/read_csv_ratio.py [--clicks 1000000] [--rounds 3] [--only clicks.csv,orders.csv]

A generated bundle with 1,000,000 clicks (and orders, leads, comments, post snapshots, traffic and
follower counts in proportion) is imported into a fresh SQLite file with
``influscope.ingest.canonical.import_bundle``: every cell checked, every reference checked, the
unique-click windows derived, one transaction. The reference, in the same run, is what a data
engineer would type to load the same file into a database: DuckDB's
``CREATE TABLE t AS SELECT * FROM read_csv('file')`` into a fresh DuckDB file (types inferred, no
checks beyond the types). For each file type, a bundle holding that file (plus the small files its
references need) is timed; "all files" is the whole bundle against DuckDB loading every file.
The two take turns, ROUNDS times; medians are reported.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "src"))

import duckdb  # noqa: E402

from influscope.db.engine import get_engine  # noqa: E402
from influscope.ingest.canonical import import_bundle  # noqa: E402

CAMPAIGN = "id: bench\nname: Bench\ngoal: bofu\nstart: 2026-03-01\nend: 2026-03-31\ntimezone: Asia/Taipei\ncurrency: TWD\n"
SUPPORT = ("campaign.yaml", "creators.csv", "links.csv", "posts.csv")


def _write(path: Path, header: list[str], rows) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


def make_bundle(path: Path, clicks: int) -> dict[str, int]:
    """A campaign's bundle scaled to CLICKS; returns the data rows per file."""
    rng = random.Random(1)
    path.mkdir(parents=True, exist_ok=True)
    (path / "campaign.yaml").write_text(CAMPAIGN)
    t0 = dt.datetime(2026, 3, 1)

    def when() -> str:
        return (t0 + dt.timedelta(seconds=rng.randrange(30 * 86400))).isoformat() + "Z"

    n_creators, n_links = 200, 400
    n_posts = max(clicks // 1000, 10)
    sizes = {"clicks.csv": clicks, "orders.csv": clicks // 10, "leads.csv": clicks // 20,
             "comments.csv": clicks // 10, "posts.csv": n_posts * 10, "traffic.csv": clicks // 100,
             "followers.csv": clicks // 100}
    _write(path / "creators.csv", ["creator_id", "platform", "handle", "name", "followers", "country"],
           ([f"c{i}", "instagram", f"creator.{i}", f"Creator {i}", rng.randrange(1000, 10**6), "TW"]
            for i in range(n_creators)))
    _write(path / "links.csv", ["link_id", "creator_id", "platform", "destination_url"],
           ([f"l{i}", f"c{i % n_creators}", "instagram", "https://shop.example.com/spring"] for i in range(n_links)))
    _write(path / "posts.csv", ["post_id", "creator_id", "platform", "content_type", "posted_at", "as_of", "views",
                                "likes", "comments", "shares", "saves", "watch_time_s"],
           ([f"p{i // 10}", f"c{(i // 10) % n_creators}", "instagram", "reel", "2026-03-02T10:00:00+08:00",
             (t0 + dt.timedelta(days=i % 10 + 1)).isoformat() + "Z", rng.randrange(10**5), rng.randrange(10**4),
             rng.randrange(500), rng.randrange(200), rng.randrange(300), round(rng.random() * 10**5, 1)]
            for i in range(sizes["posts.csv"])))
    visitors = ["%016x" % rng.getrandbits(64) for _ in range(clicks // 3)]  # visitors come back
    _write(path / "clicks.csv", ["click_id", "link_id", "ts", "is_bot", "visitor_hash", "country", "device",
                                 "referrer"],
           ([f"k{i:08d}", f"l{rng.randrange(n_links)}", when(), "true" if rng.random() < 0.1 else "false",
             rng.choice(visitors), rng.choice(("TW", "US", "AE")), rng.choice(("mobile", "desktop")),
             rng.choice(("https://l.instagram.com/", "", "https://www.tiktok.com/"))] for i in range(clicks)))
    _write(path / "orders.csv", ["order_id", "created_at", "currency", "subtotal", "discounts", "tax", "shipping",
                                 "total", "status", "discount_codes", "click_id", "customer_id", "new_customer", "units"],
           ([f"o{i}", when(), "TWD", f"{rng.randrange(100, 5000)}.{rng.randrange(100):02d}", "0", "90", "60",
             "1950", rng.choice(("paid", "paid", "refunded")), rng.choice(("", "MEILIN15", "VIP SPRING")),
             f"k{rng.randrange(clicks):08d}", f"cust-{rng.randrange(clicks // 20)}", rng.choice(("true", "false")),
             rng.randrange(1, 5)] for i in range(sizes["orders.csv"])))
    _write(path / "leads.csv", ["lead_id", "type", "ts", "click_id", "utm_content", "value", "currency"],
           ([f"L{i}", rng.choice(("signup", "newsletter", "demo")), when(), f"k{rng.randrange(clicks):08d}",
             f"creator.{rng.randrange(n_creators)}", "50", "TWD"] for i in range(sizes["leads.csv"])))
    _write(path / "comments.csv", ["comment_id", "post_id", "author", "text", "ts", "likes"],
           ([f"m{i}", f"p{rng.randrange(n_posts)}", f"user_{rng.randrange(10**5)}",
             rng.choice(("Love this! 😍", "Where can I buy it?", "太可愛了", "رائع جدا", "meh, \"ok\" I guess")),
             when(), rng.randrange(50)] for i in range(sizes["comments.csv"])))
    _write(path / "traffic.csv", ["date", "source", "medium", "campaign", "content", "sessions", "new_users",
                                  "engaged_sessions", "pageviews", "session_duration_s"],
           ([(dt.date(2020, 1, 1) + dt.timedelta(days=i // 50)).isoformat(), "instagram", "influencer", "bench",
             f"creator.{i % 50}", rng.randrange(1000), rng.randrange(500), rng.randrange(400), rng.randrange(3000),
             rng.randrange(10**5)] for i in range(sizes["traffic.csv"])))
    _write(path / "followers.csv", ["platform", "handle", "date", "followers"],
           (["instagram", f"creator.{i % n_creators}", (dt.date(2000, 1, 1) + dt.timedelta(days=i // n_creators)).isoformat(),
             rng.randrange(1000, 10**6)] for i in range(sizes["followers.csv"])))
    return sizes


def only(bundle: Path, dest: Path, name: str | None) -> Path:
    """A bundle with NAME and the small files its references need (None: every file)."""
    dest.mkdir(parents=True, exist_ok=True)
    for f in bundle.iterdir():
        if name is None or f.name == name or f.name in SUPPORT[:3] or (f.name == "posts.csv" and name == "comments.csv"):
            shutil.copy(f, dest / f.name)
    return dest


def time_import(bundle: Path, tmp: Path) -> float:
    for old in tmp.glob("influscope-*.db*"):
        old.unlink()
    db = tmp / f"influscope-{time.monotonic_ns()}.db"  # a new file each time (engines are cached by URL)
    engine = get_engine(f"sqlite:///{db}")
    with engine.connect():  # migrations run on first use, before the clock starts
        pass
    start = time.perf_counter()
    import_bundle(engine, bundle)
    took = time.perf_counter() - start
    engine.dispose()
    return took


def time_duckdb(files: list[Path], tmp: Path) -> float:
    db = tmp / "reference.duckdb"
    db.unlink(missing_ok=True)
    con = duckdb.connect(str(db))
    start = time.perf_counter()
    for i, f in enumerate(files):
        con.execute(f"CREATE TABLE t{i} AS SELECT * FROM read_csv('{f}')")
    con.close()
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--clicks", type=int, default=1_000_000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--only", default="", help="comma-separated file names (default: each file type, then all)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        sizes = make_bundle(tmp / "bundle", args.clicks)
        cases: list[tuple[str, Path, list[Path], int]] = []
        names = args.only.split(",") if args.only else [*sizes, "all files"]
        for name in names:
            sub = only(tmp / "bundle", tmp / f"case-{len(cases)}", None if name == "all files" else name)
            files = sorted(sub.glob("*.csv")) if name == "all files" else [sub / name]
            rows = sum(sizes.values()) if name == "all files" else sizes[name]
            cases.append((name, sub, files, rows))
        # warm-up: load the importer's modules and DuckDB's reader once, outside the clock
        warm = only(tmp / "bundle", tmp / "warm", "traffic.csv")
        time_import(warm, tmp)
        time_duckdb([warm / "traffic.csv"], tmp)
        times: dict[str, tuple[list[float], list[float]]] = {c[0]: ([], []) for c in cases}
        for r in range(args.rounds):
            for name, sub, files, _rows in cases:
                ours, ref = times[name]
                if r % 2:
                    ref.append(time_duckdb(files, tmp))
                    ours.append(time_import(sub, tmp))
                else:
                    ours.append(time_import(sub, tmp))
                    ref.append(time_duckdb(files, tmp))
                print(f"round {r + 1} {name}: import {ours[-1]:.2f} s, read_csv {ref[-1]:.2f} s", file=sys.stderr)
    print(f"clicks.csv with {args.clicks:,} rows; {args.rounds} rounds, medians")
    print("| file | rows | import (s) | import rows/s | DuckDB read_csv (s) | read_csv rows/s | import / read_csv |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, _sub, _files, rows in cases:
        ours, ref = (statistics.median(x) for x in times[name])
        print(f"| {name} | {rows:,} | {ours:.2f} | {rows / ours:,.0f} | {ref:.2f} | {rows / ref:,.0f} | {ref / ours:.2f} |")


if __name__ == "__main__":
    main()
