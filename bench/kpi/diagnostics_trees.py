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

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import compare_trees  # noqa: E402

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
    args = compare_trees.arguments(__doc__ or "", 9)
    given, times = compare_trees.alternate(args, WORKER, KINDS)
    if len({tuple(v) for v in given.values()}) != 1:
        raise SystemExit(f"the trees give other diagnostics or forecasts: {given}")
    digest, count = next(iter(given.values()))
    print(f"{args.campaign}, {args.rounds} rounds, load average at the end {os.getloadavg()[0]:.1f}; both trees give "
          f"the same {count} diagnostics and forecast (sha256 {digest[:12]})\n")
    compare_trees.table("call", KINDS, times, ms=True)


if __name__ == "__main__":
    main()
