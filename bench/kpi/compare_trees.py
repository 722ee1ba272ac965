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


def arguments(doc: str, rounds: int) -> argparse.Namespace:
    """The command line both tree comparisons take (this one and diagnostics_trees.py)."""
    ap = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tree", action="append", required=True, metavar="NAME=SRC:DB",
                    help="a source tree (its src directory) and the SQLite store it reads; give two")
    ap.add_argument("--campaign", default="bench-1m")
    ap.add_argument("--workspace", default="demo")
    ap.add_argument("--rounds", type=int, default=rounds)
    args = ap.parse_args()
    args.trees = {}
    for spec in args.tree:
        name, _, rest = spec.partition("=")
        src, _, db = rest.partition(":")
        if not (name and src and db):
            ap.error(f"--tree {spec!r}: NAME=SRC:DB")
        args.trees[name] = (os.path.abspath(src), os.path.abspath(db))
    if len(args.trees) != 2:
        ap.error("give two trees")
    return args


def alternate(args: argparse.Namespace, worker: str, kinds: tuple[str, ...]
              ) -> tuple[dict[str, list[str]], dict[tuple[str, str], list[float]]]:
    """Start WORKER (Python source reading the store, the campaign and the workspace from its
    arguments, printing ``ready`` and anything it gives, then the seconds of each call named on its
    input) once per tree, and time every kind of KINDS in ARGS.rounds rounds, the trees' order
    flipping every round. Returns what each worker printed after ``ready`` and the times per
    (tree, kind)."""
    workers = {name: subprocess.Popen([sys.executable, "-c", worker, db, args.campaign, args.workspace], text=True,
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                      env={**os.environ, "PYTHONPATH": src})
               for name, (src, db) in args.trees.items()}
    given: dict[str, list[str]] = {}
    times: dict[tuple[str, str], list[float]] = {(n, k): [] for n in workers for k in kinds}
    try:
        for name, w in workers.items():
            first = (w.stdout.readline() if w.stdout else "").split()
            if not first or first[0] != "ready":
                raise SystemExit(f"tree {name}: the worker failed to start")
            given[name] = first[1:]
        names = list(workers)
        for r in range(args.rounds):
            for kind in kinds:
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
    return given, times


def table(first: str, kinds: tuple[str, ...], times: dict[tuple[str, str], list[float]], *, ms: bool = False) -> None:
    """Print the medians (minimums) per kind and tree, and the second tree's median over the first's."""
    names = list(dict.fromkeys(n for n, _ in times))
    print(f"| {first} | {' | '.join(f'{n} median (min)' for n in names)} | {names[1]} / {names[0]} |")
    print(f"|---|{'---|' * len(names)}---|")
    for kind in kinds:
        med = [statistics.median(times[(n, kind)]) for n in names]
        if ms:
            cells = " | ".join(f"{1000 * m:.1f} ms ({1000 * min(times[(n, kind)]):.1f} ms)" for n, m in zip(names, med))
        else:
            cells = " | ".join(f"{m:.3f} s ({min(times[(n, kind)]):.3f} s)" for n, m in zip(names, med))
        print(f"| {kind} | {cells} | {med[1] / med[0]:.2f} |")


def main() -> None:
    args = arguments(__doc__ or "", 10)
    _, times = alternate(args, WORKER, KINDS)
    print(f"{args.campaign}, {args.rounds} rounds, load average at the end {os.getloadavg()[0]:.1f}\n")
    table("KPIs", KINDS, times)


if __name__ == "__main__":
    main()
