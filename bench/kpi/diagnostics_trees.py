"""What the diagnostics cost inside ``influscope.kpis()``, from two source trees, call by call.

    python bench/kpi/diagnostics_trees.py --tree before=OLD/src:old.db --tree after=src:new.db \
        [--campaign bench-1m] [--workspace demo] [--rounds 9]

Each tree runs in its own long-lived process (its ``src`` first on the path, its own copy of the
SQLite store, opened with ``make_engine``). Each first checks what it gives: the campaign's
diagnostics and sales forecast, compared between the trees as JSON (the run stops when they
differ). Then the driver alternates the trees call by call (the order flips every round), for:

- ``kpis``: ``influscope.kpis(campaign)``, everything;
- ``kpis, no diagnostics``: the same with ``diagnostics=False``, so the difference is the rules'
  and the code-leak check's share;
- ``code-leak check``: ``codes.leaks(engine, campaign)`` alone;
- ``sales forecast``: the forecast's part of ``kpis`` (the daily revenue in campaign currency and
  the bootstrap) on facts loaded once.

Prints the medians and minimums and the ratio of the medians (the second tree against the first).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys

WORKER = """
import datetime as dt, hashlib, json, sys, time
import influscope
from influscope.db.engine import make_engine
from influscope.ingest.commerce import codes
from influscope.kpi import api, methodology
from influscope.kpi.backends import connect
from influscope.kpi.engine import Context
from influscope.kpi.facts import load, load_campaign

engine = make_engine(f"sqlite:///{sys.argv[1]}")
campaign, workspace = sys.argv[2], sys.argv[3]
today = dt.date.today()
camp = load_campaign(engine, campaign, workspace)
settings = methodology.resolve(workspace=camp.workspace_methodology, campaign=camp.methodology, call=None)
facts = load(connect(engine), camp, settings)
ctx = Context(facts, settings, "campaign", today)
calls = {
    "kpis": lambda: influscope.kpis(campaign, workspace=workspace, engine=engine),
    "kpis, no diagnostics": lambda: influscope.kpis(campaign, workspace=workspace, engine=engine, diagnostics=False),
    "code-leak check": lambda: codes.leaks(engine, campaign, workspace=workspace),
    "sales forecast": lambda: api._forecast(facts, ctx, today),
}
for call in calls.values():
    call()
result = influscope.kpis(campaign, workspace=workspace, engine=engine)
given = json.dumps([result.diagnostics, result.kpis["sales_forecast"]], sort_keys=True, default=str)
print("ready", hashlib.sha256(given.encode()).hexdigest(), len(result.diagnostics), flush=True)
for line in sys.stdin:
    t0 = time.perf_counter()
    calls[line.strip()]()
    print(time.perf_counter() - t0, flush=True)
"""

KINDS = ("kpis", "kpis, no diagnostics", "code-leak check", "sales forecast")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tree", action="append", required=True, metavar="NAME=SRC:DB",
                    help="a source tree (its src directory) and the SQLite store it reads; give two")
    ap.add_argument("--campaign", default="bench-1m")
    ap.add_argument("--workspace", default="demo")
    ap.add_argument("--rounds", type=int, default=9)
    args = ap.parse_args()
    trees = {}
    for spec in args.tree:
        name, _, rest = spec.partition("=")
        src, _, db = rest.partition(":")
        if not (name and src and db):
            ap.error(f"--tree {spec!r}: NAME=SRC:DB")
        trees[name] = (os.path.abspath(src), os.path.abspath(db))
    if len(trees) != 2:
        ap.error("give two trees")
    workers = {name: subprocess.Popen([sys.executable, "-c", WORKER, db, args.campaign, args.workspace], text=True,
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                      env={**os.environ, "PYTHONPATH": src})
               for name, (src, db) in trees.items()}
    try:
        given = {}
        for name, w in workers.items():
            first = (w.stdout.readline() if w.stdout else "").split()
            if not first or first[0] != "ready":
                raise SystemExit(f"tree {name}: the worker failed to start")
            given[name] = first[1:]
        if len({tuple(v) for v in given.values()}) != 1:
            raise SystemExit(f"the trees give other diagnostics or forecasts: {given}")
        times: dict[tuple[str, str], list[float]] = {(n, k): [] for n in workers for k in KINDS}
        names = list(workers)
        for r in range(args.rounds):
            for kind in KINDS:
                for name in names if r % 2 == 0 else names[::-1]:
                    w = workers[name]
                    assert w.stdin and w.stdout
                    w.stdin.write(kind + "\n")
                    w.stdin.flush()
                    times[(name, kind)].append(float(w.stdout.readline()))
    finally:
        for w in workers.values():
            if w.stdin:
                w.stdin.close()
            w.wait()
    load = os.getloadavg()
    digest, count = next(iter(given.values()))
    print(f"{args.campaign}, {args.rounds} rounds, load average at the end {load[0]:.1f}; both trees give the same "
          f"{count} diagnostics and forecast (sha256 {digest[:12]})\n")
    print(f"| call | {' | '.join(f'{n} median (min)' for n in names)} | {names[1]} / {names[0]} |")
    print(f"|---|{'---|' * len(names)}---|")
    for kind in KINDS:
        med = [statistics.median(times[(n, kind)]) for n in names]
        cells = " | ".join(f"{1000 * m:.1f} ms ({1000 * min(times[(n, kind)]):.1f} ms)" for n, m in zip(names, med))
        print(f"| {kind} | {cells} | {med[1] / med[0]:.2f} |")


if __name__ == "__main__":
    main()
