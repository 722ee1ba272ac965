"""What keeping the orders' carried clicks costs the writers of clicks.

    python bench/kpi/carried_click_cost.py [--clicks 200000] [--orders 36000] [--rounds 3]

Each round imports a fresh bundle of CLICKS clicks (bench/import/clicks_1m.py's bundle) with
``import_bundle`` into a new SQLite store that already holds ORDERS orders, every 28th click id
named by one of them, once with the triggers of ``influscope.attribution.carried`` and once with
them dropped (the order of the two alternates by round), and prints the medians: the triggers look
up, for each inserted click, whether an order or lead names it, and update those that do.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench" / "import"))

from clicks_1m import make_bundle  # noqa: E402

from influscope.attribution import carried  # noqa: E402
from influscope.db import tables as t  # noqa: E402
from influscope.db.engine import make_engine, upgrade  # noqa: E402
from influscope.ingest.canonical import import_bundle  # noqa: E402


def _store(path: Path, orders: int, triggers: bool):
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with engine.begin() as conn:
        if not triggers:
            carried.uninstall(conn)
        ws = conn.execute(t.workspaces.insert().values(slug="default", name="default", methodology={},
                                                       created_at=dt.datetime(2026, 3, 1))).inserted_primary_key[0]
        conn.execute(t.orders.insert(), [
            {"workspace_id": ws, "source": "", "key": f"o{i}", "created_at": dt.datetime(2026, 3, 20),
             "currency": "USD", "subtotal": 1, "status": "paid", "click_id": f"k{i * 28:08d}"} for i in range(orders)])
    return engine


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clicks", type=int, default=200_000)
    ap.add_argument("--orders", type=int, default=36_000)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        bundle = make_bundle(tmp / "bundle", args.clicks)
        times: dict[bool, list[float]] = {True: [], False: []}
        for r in range(args.rounds):
            for triggers in (True, False) if r % 2 == 0 else (False, True):
                db = tmp / f"r{r}-{triggers}.db"
                engine = _store(db, args.orders, triggers)
                t0 = time.perf_counter()
                import_bundle(engine, bundle)
                times[triggers].append(time.perf_counter() - t0)
                engine.dispose()
                db.unlink()
    with_, without = statistics.median(times[True]), statistics.median(times[False])
    print(f"{args.clicks:,} clicks into a store with {args.orders:,} orders, median of {args.rounds} rounds\n")
    print("| import | seconds | clicks per second | vs without |\n|---|---:|---:|---:|")
    print(f"| with the carried-click triggers | {with_:.2f} | {args.clicks / with_:,.0f} | {with_ / without:.2f}x |")
    print(f"| triggers dropped | {without:.2f} | {args.clicks / without:,.0f} | 1.00x |")


if __name__ == "__main__":
    main()
