"""One campaign's KPIs from two source trees, call by call, on a shared machine.

    python bench/kpi/compare_trees.py --tree before=OLD/src:old.db --tree after=src:new.db \
        [--campaign bench-1m] [--workspace demo] [--rounds 10]

Each tree runs in its own long-lived process (its ``src`` first on the path, its own copy of the
store, upgraded by that tree); both warm up (one call of each kind), then the driver alternates
them call by call (the order flips every round): ``kpis(campaign)`` and ``kpis(campaign,
by="creator")``. Calls of the two trees are never concurrent, and each pair runs seconds apart, so
the load of other work on the machine falls on both alike. Prints the medians and minimums and the
ratio of the medians (the last tree against the first).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys

WORKER = """
import sys, time
import sqlalchemy as sa
import influscope

engine = sa.create_engine(f"sqlite:///{sys.argv[1]}")
campaign, workspace = sys.argv[2], sys.argv[3]


def run(by):
    influscope.kpis(campaign, workspace=workspace, engine=engine, by=by, refresh_audience=False)


run(None), run("creator")
print("ready", flush=True)
for line in sys.stdin:
    by = None if line.strip() == "campaign" else "creator"
    t0 = time.perf_counter()
    run(by)
    print(time.perf_counter() - t0, flush=True)
"""

KINDS = ("campaign", "creator")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tree", action="append", required=True, metavar="NAME=SRC:DB",
                    help="a source tree (its src directory) and the SQLite store it reads; give two")
    ap.add_argument("--campaign", default="bench-1m")
    ap.add_argument("--workspace", default="demo")
    ap.add_argument("--rounds", type=int, default=10)
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
        for name, w in workers.items():
            if w.stdout.readline().strip() != "ready":
                raise SystemExit(f"tree {name}: the worker failed to start")
        times: dict[tuple[str, str], list[float]] = {(n, k): [] for n in workers for k in KINDS}
        names = list(workers)
        for r in range(args.rounds):
            for kind in KINDS:
                for name in names if r % 2 == 0 else names[::-1]:
                    workers[name].stdin.write(kind + "\n")
                    workers[name].stdin.flush()
                    times[(name, kind)].append(float(workers[name].stdout.readline()))
    finally:
        for w in workers.values():
            w.stdin.close()
            w.wait()
    load = os.getloadavg()
    print(f"{args.campaign}, {args.rounds} rounds, load average at the end {load[0]:.1f}\n")
    print(f"| KPIs | {' | '.join(f'{n} median (min)' for n in names)} | {names[1]} / {names[0]} |")
    print(f"|---|{'---|' * len(names)}---|")
    for kind in KINDS:
        med = [statistics.median(times[(n, kind)]) for n in names]
        cells = " | ".join(f"{m:.3f} s ({min(times[(n, kind)]):.3f} s)" for n, m in zip(names, med))
        print(f"| {kind} | {cells} | {med[1] / med[0]:.2f} |")


if __name__ == "__main__":
    main()
