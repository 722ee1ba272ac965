"""influscope's campaign KPI set, on SQLite, PostgreSQL and the ClickHouse event store, against a
hand-written ClickHouse reference, side by side, at one size of the scale bundle.

    python bench/scale/generate.py --clicks N --out WORK/bundle-N          # once
    python bench/scale/load.py --work WORK --clicks N --store STORE        # once per store
    python bench/scale/run.py --work WORK --clicks N [--rounds 5] [--process-rounds 3] [--stores ...]

1. The reference's operational tables are copied into database ``ref`` of the event store's chdb
   folder (timed apart; reference_ch.py).
2. For every store loaded at this size, influscope's 17 core KPIs (campaign, and by creator) are
   checked equal to the reference's before anything is timed; a difference stops the run.
3. In process, in interleaved rounds (the order reverses from one round to the next), it times
   ``influscope.kpis("scale", workspace="scale", engine=...)`` (the full catalogue) and
   ``kpis(..., by="creator")`` on each store and the reference's statements for the same breakdown.
4. One profiled extra call on the event store says where its time goes: the ClickHouse queries
   (the event reader's ``fetch``) and crediting's hand-over of clicks to the SQL store
   (``stage_crediting_clicks``).
5. Whole processes: ``influscope kpi scale [--by creator] --format json`` on each store, each run
   through a small launcher that reports the child's peak RSS (wait4), interleaved, medians.

Prints Markdown tables (medians) and appends a JSON record to WORK/runs.jsonl.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

sys.path.insert(0, str(HERE.parent / "kpi"))

import reference_ch as ref  # noqa: E402
import stores  # noqa: E402
from reference_run import _process  # noqa: E402  (a command's wall time and peak RSS)

WORKSPACE = CAMPAIGN = "scale"

def _pg_loaded(admin: str, n: int) -> bool:
    import sqlalchemy as sa

    eng = sa.create_engine(admin)
    with eng.connect() as conn:
        found = conn.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :d"), {"d": stores.pg_database(n)}).first()
    eng.dispose()
    return found is not None


class _Timer:
    """Wraps a function and adds up the seconds spent in it."""

    def __init__(self, owner, name: str):
        self.owner, self.name, self.seconds, self.calls = owner, name, 0.0, 0
        self.original = getattr(owner, name)

        @functools.wraps(self.original)
        def timed(*a, **kw):
            t0 = time.perf_counter()
            try:
                return self.original(*a, **kw)
            finally:
                self.seconds += time.perf_counter() - t0
                self.calls += 1

        setattr(owner, name, timed)

    def restore(self) -> None:
        setattr(self.owner, self.name, self.original)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--work", required=True, type=Path)
    ap.add_argument("--clicks", required=True, type=int)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--process-rounds", type=int, default=3)
    ap.add_argument("--stores", default=",".join(stores.STORES))
    args = ap.parse_args()
    work, n = args.work, args.clicks
    wanted = args.stores.split(",")
    load_start = os.getloadavg()

    from influscope import config
    from influscope.db.engine import get_engine
    from influscope.events import store as events_store
    from influscope.kpi.api import kpis

    ch_url = stores.events_url(work, n)
    ch_store = events_store.parse(ch_url)
    urls: dict[str, str] = {}
    if "sqlite" in wanted and Path(stores.sqlite_url(work, n, "sqlite")[10:]).exists():
        urls["sqlite"] = stores.sqlite_url(work, n, "sqlite")
    if not Path(ch_url[len("chdb://"):]).exists():
        sys.exit(f"{ch_url}: not loaded (the reference reads it)")
    if "clickhouse" in wanted:
        urls["clickhouse"] = stores.sqlite_url(work, n, "clickhouse")

    with stores.postgres(work) if "postgres" in wanted and (work / "pg").exists() else _nothing() as admin:
        if admin and _pg_loaded(admin, n):
            urls["postgres"] = stores.pg_url(admin, n)

        def use(name: str):
            config.configure(events_url=ch_url if name == "clickhouse" else "")
            return get_engine(urls[name])

        t0 = time.perf_counter()
        with events_store.session(ch_store) as client:
            ref.copy_from_sqlite(client, stores.sqlite_url(work, n, "clickhouse")[len("sqlite:///"):])
            counts = dict(zip(("clicks", "orders", "posts"), client.query(
                "SELECT (SELECT count() FROM default.clicks FINAL), (SELECT count() FROM ref.orders), "
                "(SELECT count() FROM ref.posts)").result_rows[0]))
        copy_s = time.perf_counter() - t0

        def reference(by=None):
            with events_store.session(ch_store) as client:
                return ref.kpis(client, WORKSPACE, CAMPAIGN, by)

        # equality first (also the warm-up of every side)
        compared = 0
        for name in urls:
            engine = use(name)
            for by in (None, "creator"):
                with events_store.session(ch_store) as client:
                    compared += ref.check(engine, client, WORKSPACE, CAMPAIGN, by)
        print(f"{n:,} clicks ({counts['clicks']:,} in ClickHouse), {counts['orders']:,} orders, {counts['posts']:,} "
              f"posts; stores {', '.join(urls)}: {compared} values compared with the ClickHouse reference, all equal. "
              f"Copy of the operational tables into ClickHouse: {copy_s:.1f} s. Load average at start "
              f"{load_start[0]:.1f}.", flush=True)

        def ours(name: str, by=None):
            def go() -> float:
                engine = use(name)
                t = time.perf_counter()
                kpis(CAMPAIGN, by=by, workspace=WORKSPACE, engine=engine)
                return time.perf_counter() - t
            return go

        def theirs(by=None):
            def go() -> float:
                t = time.perf_counter()
                reference(by)
                return time.perf_counter() - t
            return go

        sides = {("reference", by): theirs(by) for by in (None, "creator")}
        sides.update({(name, by): ours(name, by) for name in urls for by in (None, "creator")})
        times: dict = {k: [] for k in sides}
        for r in range(args.rounds):
            order = list(sides) if r % 2 == 0 else list(reversed(sides))
            for k in order:
                times[k].append(sides[k]())
            print(f"round {r + 1}: " + ", ".join(f"{k[0]}{'/creator' if k[1] else ''} {times[k][-1]:.2f}"
                                                 for k in sides), file=sys.stderr, flush=True)
        med = {k: statistics.median(v) for k, v in times.items()}

        # where the event store's time goes: one profiled call per breakdown
        from influscope.attribution import credit
        from influscope.events.read import EventReader

        profile = {}
        for by in (None, "creator"):
            stage, fetch = _Timer(credit, "stage_crediting_clicks"), _Timer(EventReader, "fetch")
            try:
                total = ours("clickhouse", by)() if "clickhouse" in urls else 0.0
            finally:
                stage.restore()
                fetch.restore()
            profile[by] = {"total": total, "staging": stage.seconds, "fetch": fetch.seconds, "fetches": fetch.calls}
        staged_rows = None
        if "clickhouse" in urls:
            import sqlalchemy as sa

            with get_engine(urls["clickhouse"]).connect() as conn:
                staged_rows = conn.execute(sa.text("SELECT count(*) FROM orders WHERE click_id IS NOT NULL")).scalar()
        events_store.close_all()  # the CLI processes below open the chdb folder themselves

        # whole processes, with their peak RSS
        proc: dict = {}
        env = {**os.environ}
        cmds = {}
        for name, url in urls.items():
            for by in (None, "creator"):
                cmd = [sys.executable, "-m", "influscope.cli"]
                if name == "clickhouse":
                    cmd += ["--events", ch_url]
                cmd += ["kpi", CAMPAIGN, "--workspace", WORKSPACE, "--db", url, "--format", "json"]
                if by:
                    cmd += ["--by", by]
                cmds[(name, by)] = cmd
        env.pop("INFLUSCOPE_EVENTS_URL", None)
        if args.process_rounds > 1:
            for k, cmd in cmds.items():  # warm-up (file cache)
                _process(cmd, env)
        for r in range(args.process_rounds):
            for k in (list(cmds) if r % 2 == 0 else list(reversed(cmds))):
                proc.setdefault(k, []).append(_process(cmds[k], env))
        pmed = {k: (statistics.median(w for w, _ in v), max(m for _, m in v)) for k, v in proc.items()}

    load_end = os.getloadavg()
    label = {"sqlite": "SQLite", "postgres": "PostgreSQL", "clickhouse": "ClickHouse event store (chdb) + SQLite"}
    print()
    print(f"In process, {n:,} clicks, median of {args.rounds} interleaved rounds; reference: hand-written ClickHouse "
          f"SQL on the same chdb folder")
    print()
    print("| store | campaign KPIs | reference | ratio | by creator | reference | ratio |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    rc, rb = med[("reference", None)], med[("reference", "creator")]
    for name in urls:
        a, b = med[(name, None)], med[(name, "creator")]
        print(f"| {label[name]} | {a:.2f} s | {rc:.2f} s | {a / rc:.1f}x | {b:.2f} s | {rb:.2f} s | {b / rb:.1f}x |")
    if "clickhouse" in urls:
        print()
        print(f"Event store, one profiled call each (orders carrying a click id: {staged_rows:,}):")
        print()
        print("| call | total | ClickHouse queries (fetch) | crediting's click hand-over (stage_crediting_clicks) |")
        print("|---|---:|---:|---:|")
        for by, p in profile.items():
            print(f"| {'by creator' if by else 'campaign'} | {p['total']:.2f} s | {p['fetch']:.2f} s "
                  f"({p['fetches']} queries) | {p['staging']:.2f} s |")
    print()
    print(f"Whole process `influscope kpi scale --format json`, median of {args.process_rounds} interleaved rounds")
    print()
    print("| store | campaign: wall | peak RSS | by creator: wall | peak RSS |")
    print("|---|---:|---:|---:|---:|")
    for name in urls:
        a, b = pmed[(name, None)], pmed[(name, "creator")]
        print(f"| {label[name]} | {a[0]:.2f} s | {a[1]:.0f} MB | {b[0]:.2f} s | {b[1]:.0f} MB |")
    print(f"\nLoad average (1 min) at start {load_start[0]:.1f}, at the end {load_end[0]:.1f}.")
    record = {"clicks": n, "counts": counts, "copy_s": copy_s, "load_start": load_start, "load_end": load_end,
              "in_process": {f"{k[0]}{'/creator' if k[1] else ''}": v for k, v in med.items()},
              "profile": {("creator" if k else "campaign"): v for k, v in profile.items()},
              "process": {f"{k[0]}{'/creator' if k[1] else ''}": v for k, v in pmed.items()},
              "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    with (work / "runs.jsonl").open("a") as fh:
        fh.write(json.dumps(record, default=str) + "\n")


class _nothing:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


if __name__ == "__main__":
    main()
