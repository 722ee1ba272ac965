"""Cold server time of every dashboard page and of the PDFs, for two source trees side by side.

    python bench/dashboard/cold_pages.py --db sqlite:///demo1.db --tree before=OLD/src --tree after=src \\
        [--rounds 3] [--json out.json]

Each tree (a ``src`` folder holding the ``influscope`` package, e.g. ``git archive`` of an older
commit) is run in its own process per round, the trees alternating which goes first; medians of
the rounds are printed. In each process, after the server's start-up (a tree that warms its KPI
engine then, as `influscope serve` asks, has finished) and one warm-up request (imports, templates,
fonts: a server is a long-lived process), every page is requested in process (ASGI, no network) with the
KPI result cache empty, and the time spent inside the KPI engine (``influscope.kpi.api``: the
outermost ``kpis``/``kpis_by`` call) is recorded beside the page's total: the rest is the page's
own cost (store reads, templates, charts, PDF layout). The reference is the one engine call a
campaign page needs, ``kpis(slug, by="creator")``, timed in the same process.

Pages: the home page (``GET /``, then each campaign row htmx loads after it, cold), each campaign
page (cold) and the requests htmx makes after it shows (comparison periods where the tree defers
them, daily trends, posts: timed as they come, the cache holding what the page computed), the
headline creator of each campaign (cold) and, where the tree defers them, the requests htmx makes
after it (each campaign's row of the history, the valuation: one after the other, the cache
holding what the earlier ones computed), links, settings, and each campaign's PDF in en, zh-Hant
and ar (cold).
Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time

LANGS = ("en", "zh-Hant", "ar")


def worker(db: str) -> dict:
    """Run in a process whose PYTHONPATH starts with one tree: time every page cold."""
    import functools
    import warnings

    warnings.filterwarnings("ignore")
    from fastapi.testclient import TestClient

    import influscope.kpi.api as api
    from influscope.auth import sessions, users
    from influscope.db.engine import get_engine
    from influscope.reports.build import clear_cache
    from influscope.web.app import create_app

    engine = get_engine(db)
    email = "cold-pages@example.com"
    try:
        users.create_user(engine, email, "bench password 12345", workspace="demo", role="owner", can_see_costs=True)
    except Exception:  # noqa: BLE001 - the user exists from an earlier run on the same database
        pass
    s = sessions.login(engine, email, "bench password 12345", "demo")
    os.environ["INFLUSCOPE_WARM_UP"] = "1"  # as `influscope serve` starts its workers (trees that know it)
    app = create_app()
    app.state.engine = engine
    client = TestClient(app, base_url="http://127.0.0.1")
    client.__enter__()  # the start-up hooks, as a server runs them
    client.cookies.set("influscope_session", s.token)
    client.headers["accept"] = "text/html"

    spent = {"seconds": 0.0, "calls": 0, "depth": 0}

    def timed_engine(fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            spent["depth"] += 1
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                spent["depth"] -= 1
                if spent["depth"] == 0:  # kpis() may call kpis_by(): count the outermost call
                    spent["seconds"] += time.perf_counter() - t0
                    spent["calls"] += 1
        return wrapper

    for name in ("kpis", "kpis_by"):
        if hasattr(api, name):
            setattr(api, name, timed_engine(getattr(api, name)))

    from influscope.demo import PLANS, headline_creator

    import sqlalchemy as sa

    from influscope.db import tables as t

    with engine.connect() as conn:
        in_demo = t.workspaces.c.slug == "demo"
        # a tree without campaign states has none planned; the planned campaign has no KPI pages
        planned = t.campaigns.c.status == "planned" if "status" in t.campaigns.c else sa.false()
        slugs = [r[0] for r in conn.execute(sa.select(t.campaigns.c.slug).join(
            t.workspaces, t.workspaces.c.id == t.campaigns.c.workspace_id).where(in_demo, sa.not_(planned))
            .order_by(t.campaigns.c.slug))]

    # warm-up: the first request of a process compiles templates and loads fonts; a tree that warms
    # its KPI engine at start-up (a background thread) has finished doing so before anything is timed
    warming = getattr(app.state, "warm_up", None)
    if warming is not None:
        warming.join()
    client.get("/")
    from weasyprint import HTML

    HTML(string="<p>warm-up 你好 مرحبا</p>").write_pdf()

    out: dict[str, dict] = {}

    def cold(label: str, path: str, *, clear: bool = True) -> str:
        if clear:
            clear_cache()
        spent.update(seconds=0.0, calls=0)
        t0 = time.perf_counter()
        r = client.get(path)
        total = time.perf_counter() - t0
        if r.status_code == 404 and not clear:  # a request this tree's page does not make
            return ""
        assert r.status_code == 200, (path, r.status_code, r.text[:300])
        out[label] = {"total": total, "engine": spent["seconds"], "calls": spent["calls"], "bytes": len(r.content)}
        return r.text

    home = cold("home: GET /", "/")
    deferred = set(re.findall(r'hx-get="(/campaigns/[^/"]+/summary-row)"', home))
    # the rows htmx loads after the home page, each its own request (cold)
    for slug in slugs:
        if f"/campaigns/{slug}/summary-row" not in deferred:
            raise SystemExit(f"the home page does not load {slug}'s row after it shows")
        cold(f"  after it: campaign row {slug}", f"/campaigns/{slug}/summary-row")
    for slug in slugs:
        clear_cache()
        t0 = time.perf_counter()
        api.kpis(slug, by="creator", workspace="demo", engine=engine)
        out[f"reference: kpis({slug}, by=creator)"] = {"total": time.perf_counter() - t0, "engine": 0.0,
                                                      "calls": 1, "bytes": 0}
        cold(f"campaign {slug}", f"/campaigns/{slug}")
        # the requests htmx makes after the page shows, in the order it makes them
        cold(f"  after it: comparisons {slug}", f"/campaigns/{slug}/comparisons", clear=False)
        cold(f"  after it: daily panel {slug}", f"/campaigns/{slug}/daily", clear=False)
        cold(f"  after it: posts panel {slug}", f"/campaigns/{slug}/posts", clear=False)
    for plan in PLANS:
        key = headline_creator(plan)
        html = cold(f"creator {key}", f"/creators/{key}")
        # where the tree defers them: each campaign's row and the valuation, as htmx asks for them
        for path in re.findall(r'hx-get="(/creators/[^"]+)" hx-trigger="load"', html):
            part = "valuation" if path.endswith("/valuation") else "row " + path.rsplit("/", 1)[-1]
            cold(f"  after it: {key} {part}", path, clear=False)
    cold("links", "/links")
    cold("settings", "/settings")
    planning = cold("planning", "/planning")
    for path in sorted(set(re.findall(r'href="(/planning/[^"/?]+)"', planning))):
        cold(f"planning {path.rsplit('/', 1)[-1]}", path)
    for slug in slugs:
        for lang in LANGS:
            cold(f"PDF {slug} {lang}", f"/campaigns/{slug}/report.pdf?lang={lang}")
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", required=True)
    ap.add_argument("--tree", action="append", default=[], help="NAME=PATH of a src folder (twice)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--json", default=None)
    ap.add_argument("--report", default=None, help="print the table of a run saved with --json, without running")
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        json.dump(worker(args.db), sys.stdout)
        return
    trees = [tuple(x.split("=", 1)) for x in args.tree]
    runs: dict[str, list[dict]] = {name: [] for name, _ in trees}
    loads = []
    if args.report:
        with open(args.report) as fh:
            runs = json.load(fh)
        trees = [(name, "") for name in runs]
        args.rounds = min(len(r) for r in runs.values())
    for i in range(0 if args.report else args.rounds):
        order = trees if i % 2 == 0 else trees[::-1]
        for name, path in order:
            env = {**os.environ, "PYTHONPATH": os.path.abspath(path)}
            loads.append(os.getloadavg()[0])
            proc = subprocess.run([sys.executable, __file__, "--worker", "--db", args.db], env=env,
                                  capture_output=True, text=True, check=False)
            if proc.returncode != 0:
                sys.exit(f"{name}: {proc.stderr[-2000:]}")
            runs[name].append(json.loads(proc.stdout))
            print(f"round {i + 1}: {name} done (load {loads[-1]:.1f})", file=sys.stderr)
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(runs, fh, indent=1)
    names = [n for n, _ in trees]
    # every tree's pages, in the order the last tree requested them (pages only one tree requests
    # keep their place after the page before them)
    labels: list[str] = []
    for n in reversed(names):
        for lab in runs[n][0]:
            if lab in labels:
                continue
            own = list(runs[n][0])
            before = next((x for x in reversed(own[:own.index(lab)]) if x in labels), None)
            labels.insert(labels.index(before) + 1 if before is not None else 0, lab)
    med = {n: {lab: {k: statistics.median(r[lab][k] for r in runs[n]) for k in ("total", "engine", "calls")}
               for lab in labels if all(lab in r for r in runs[n])} for n in names}
    if loads:
        print(f"\nMedians of {args.rounds} rounds; load average at the start of each process: "
              f"{min(loads):.1f}-{max(loads):.1f}\n")
    head = " | ".join(f"{n}: total (engine, calls)" for n in names)
    print(f"| page | {head} | {names[-1]} / {names[0]} | {names[-1]}: outside the engine |")
    print("|---|" + "---|" * (len(names) + 2))
    for lab in labels:
        cells = []
        for n in names:
            m = med[n].get(lab)
            cells.append("–" if m is None else f"{m['total']:.2f} s ({m['engine']:.2f} s, {m['calls']:.0f})")
        a, b = med[names[0]].get(lab), med[names[-1]].get(lab)
        ratio = f"{b['total'] / a['total']:.2f}x" if a and b and a["total"] else "–"
        rest = f"{b['total'] - b['engine']:.2f} s" if b else "–"
        print(f"| {lab} | " + " | ".join(cells) + f" | {ratio} | {rest} |")


if __name__ == "__main__":
    main()
