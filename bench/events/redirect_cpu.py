#!/usr/bin/env python
"""Server CPU per redirect with the ClickHouse event store, beside the SQLite sink and a do-nothing
ASGI app, in the same rounds.

    python bench/events/redirect_cpu.py [--rounds 3] [--duration 10]

Same method as bench/redirect/cpu.py (whose helpers it uses): one granian worker per target, wrk
pinned to CPU 0 and the server to CPU 1, ``wrk -t1 -c64 --latency -s visitors.lua`` after a 2 s
warm-up, CPU time of every thread of the server's processes per response. Targets:

- the do-nothing ASGI app (the reference);
- ``influscope serve --links-only`` with clicks committed to SQLite (the default sink);
- the same with ``INFLUSCOPE_EVENTS_URL=chdb:///...``: clicks committed to the journal, and the
  server's forwarder moving them into the embedded ClickHouse meanwhile (its CPU is the server's,
  so it is counted).

After each influscope run every redirect's click must be stored (in SQLite; or in ClickHouse plus
what is still in the journal).
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "redirect"))

from cpu import influscope_env, measure_links_tier, run_influscope, run_reference  # noqa: E402
from run import ROOT, seed  # noqa: E402

_COUNT = """
import json, sys
from influscope.events.store import parse, session
with session(parse(sys.argv[1])) as client:
    print(json.dumps(client.query("SELECT count() FROM clicks").result_rows[0][0]))
"""


def run_events(tmp: Path, duration: int, connections: int, server_cpu: int | None, wrk_cpu: int | None) -> dict:
    db = Path(tempfile.mkstemp(dir=tmp, prefix="influscope-", suffix=".db")[1])
    db.unlink()
    folder = Path(tempfile.mkdtemp(dir=tmp, prefix="events-"))
    url, events = f"sqlite:///{db}", f"chdb://{folder}"
    slug = seed(url)
    env = influscope_env(INFLUSCOPE_EVENTS_URL=events)
    result = measure_links_tier(tmp / "influscope-events.log", url, slug, env, duration, connections, server_cpu,
                                wrk_cpu)
    with sqlite3.connect(f"{folder}.journal") as conn:
        waiting = conn.execute("SELECT count(*) FROM journal").fetchone()[0]
    stored = json.loads(subprocess.run([sys.executable, "-c", _COUNT, events], capture_output=True, text=True,
                                       env={**env, "PYTHONPATH": str(ROOT / "src")}, check=True).stdout)
    if stored + waiting < result["requests"]:
        raise RuntimeError(f"{stored} clicks stored and {waiting} waiting for {result['requests']} redirects")
    result.update(stored=stored, waiting=waiting)
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--duration", type=int, default=10)
    ap.add_argument("--connections", type=int, default=64)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    pinned = (os.cpu_count() or 1) >= 2
    server_cpu, wrk_cpu = (1, 0) if pinned else (None, None)
    names = {"reference": "do-nothing ASGI app on granian (reference)",
             "sqlite": "influscope `/l/{slug}`, clicks committed to SQLite",
             "events": "influscope `/l/{slug}`, clicks journaled and forwarded to chdb"}
    rounds: list[dict[str, dict]] = []
    load = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="influscope-bench-") as tmp:
        runners = {
            "reference": lambda: run_reference(args.duration, args.connections, server_cpu, wrk_cpu),
            "sqlite": lambda: run_influscope(Path(tmp), args.duration, args.connections, server_cpu, wrk_cpu),
            "events": lambda: run_events(Path(tmp), args.duration, args.connections, server_cpu, wrk_cpu),
        }
        keys = list(names)
        for i in range(args.rounds):
            order = keys[i % len(keys):] + keys[:i % len(keys)]
            this = {key: runners[key]() for key in order}
            rounds.append(this)
            print(f"round {i + 1}: " + ", ".join(f"{k} {this[k]['cpu_us']:.1f} us p99 {this[k]['p99']:.2f} ms"
                                                  for k in keys), file=sys.stderr, flush=True)
    ref = statistics.median(r["reference"]["cpu_us"] for r in rounds)
    print(f"load average at the start {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f}; {args.rounds} rounds, medians")
    print("| target | server CPU per response | vs do-nothing ASGI | p50 | p99 | req/s |")
    print("|---|---:|---:|---:|---:|---:|")
    for key, name in names.items():
        rs = [r[key] for r in rounds]
        cpu = statistics.median(x["cpu_us"] for x in rs)
        print(f"| {name} | {cpu:.1f} µs | {cpu / ref:.2f}x | {statistics.median(x['p50'] for x in rs):.2f} ms | "
              f"{statistics.median(x['p99'] for x in rs):.2f} ms | {statistics.median(x['rps'] for x in rs):,.0f} |")
    waiting = [r["events"]["waiting"] for r in rounds]
    print(f"\nclicks left in the journal when the event-store server stopped: {waiting}")


if __name__ == "__main__":
    main()
