"""Two source trees of influscope side by side: the KPI engine's time per call and its compile share.

    git archive main src | tar -x -C /tmp/previous          # the tree to compare with
    python bench/kpi/versions.py --db sqlite:///demo1.db --campaign spring-launch \\
        --tree previous=/tmp/previous/src=sqlite:///demo1-previous.db --tree this=src [--rounds 5] [--calls 5]

Each round starts one fresh process per tree (the order alternates from one round to the next), on
the same database (or its own copy, ``NAME=SRC=URL``, for a tree whose schema differs), and in it times ``influscope.kpis(campaign, workspace="demo")``: the first call
(a cold process, as the first page after a server start: every query compiled), then --calls more
calls (a running server: what each page pays), reporting their median. In every call it also adds up
the time Ibis spends turning expressions into SQL (``SQLGlotCompiler.to_sqlglot``) and counts those
compilations. The values of the first call are compared between the trees and must be equal. Prints
a Markdown table of the medians over the rounds.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys

# Runs in the child, with the tree under test first on the path.
_CHILD = r"""
import datetime as dt, json, sys, time
from ibis.backends.sql.compilers.base import SQLGlotCompiler
import influscope
from influscope.db.engine import make_engine

db, campaign, workspace, calls, by = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5] or None
spent = {"s": 0.0, "n": 0}
original = SQLGlotCompiler.to_sqlglot

def to_sqlglot(self, *args, **kwargs):
    t0 = time.perf_counter()
    try:
        return original(self, *args, **kwargs)
    finally:
        spent["s"] += time.perf_counter() - t0
        spent["n"] += 1

SQLGlotCompiler.to_sqlglot = to_sqlglot
engine = make_engine(db)

def one():
    spent.update(s=0.0, n=0)
    t0 = time.perf_counter()
    r = influscope.kpis(campaign, by=by, workspace=workspace, engine=engine, refresh_audience=False)
    return time.perf_counter() - t0, spent["s"], spent["n"], r

first, first_compile, first_n, r = one()
values = {k: (None if o["value"] is None else str(o["value"])) for k, o in r.kpis.items()}
rows = [{k: (None if o["value"] is None else str(o["value"])) for k, o in row["kpis"].items()} for row in r.rows]
later = [one()[:3] for _ in range(calls)]
print(json.dumps({"first": first, "first_compile": first_compile, "first_compilations": first_n,
                  "calls": [c[0] for c in later], "compile": [c[1] for c in later],
                  "compilations": [c[2] for c in later], "values": values, "rows": rows}))
"""


def run_tree(src: str, db: str, args) -> dict:
    env = {**os.environ, "PYTHONPATH": src}
    out = subprocess.run([sys.executable, "-c", _CHILD, db, args.campaign, args.workspace, str(args.calls),
                          args.by or ""], env=env, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise SystemExit(f"{src}: {out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", required=True)
    ap.add_argument("--campaign", required=True)
    ap.add_argument("--workspace", default="demo")
    ap.add_argument("--tree", action="append", required=True,
                    help="NAME=PATH of a src directory, or NAME=PATH=URL with its own database (twice)")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--calls", type=int, default=5)
    ap.add_argument("--by", default=None)
    args = ap.parse_args()
    trees = [(t.split("=") + [args.db])[:3] for t in args.tree]
    results: dict[str, list[dict]] = {name: [] for name, _, _ in trees}
    for i in range(args.rounds):
        order = trees if i % 2 == 0 else trees[::-1]
        for name, src, db in order:
            results[name].append(run_tree(src, db, args))
    first_name = trees[0][0]
    reference = results[first_name][0]
    for name, runs in results.items():
        for r in runs:
            if (r["values"], r["rows"]) != (reference["values"], reference["rows"]):
                diff = sorted(k for k in r["values"] if r["values"][k] != reference["values"].get(k))
                raise SystemExit(f"{name} gives other values than {first_name}: {diff or 'rows differ'}")

    def med(xs):
        return statistics.median(xs)

    print(f"{args.campaign} ({'by ' + args.by if args.by else 'campaign'}), {args.rounds} rounds x {args.calls} calls, "
          f"values equal ({len(reference['values'])} KPIs, {len(reference['rows'])} rows)\n")
    print("| tree | first call in a process | of which compiling (count) | later calls, median | "
          "of which compiling (count) |")
    print("|---|---|---|---|---|")
    for name, runs in results.items():
        first = med([r["first"] for r in runs])
        first_c = med([r["first_compile"] for r in runs])
        first_n = med([r["first_compilations"] for r in runs])
        later = med([med(r["calls"]) for r in runs])
        later_c = med([med(r["compile"]) for r in runs])
        later_n = med([med(r["compilations"]) for r in runs])
        print(f"| {name} | {first:.3f} s | {first_c:.3f} s ({first_n:g}) | {later:.3f} s | {later_c:.3f} s ({later_n:g}) |")


if __name__ == "__main__":
    main()
