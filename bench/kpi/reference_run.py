"""influscope's KPIs against a hand-written DuckDB reference, side by side, on one SQLite store.

    python bench/kpi/build.py demo --scale 1 --out demo1.db            # once per database
    python bench/kpi/reference_run.py --db sqlite:///demo1.db [--rounds 5] [--campaign SLUG ...]

For each campaign of workspace ``demo`` (or the ones given) it first checks that influscope and
the reference (bench/kpi/reference.py) give the same 17 KPIs, for the campaign and for every
creator, and fails loudly when they differ. Then, in rounds that interleave the two sides (the
order alternates from one round to the next), it times:

(a) the campaign KPI set in process: ``influscope.kpis(campaign, workspace="demo", engine=...)`` on
    the SQLite store against the reference's grouped statements on an in-memory DuckDB copy of the
    canonical tables (the copy is made once and timed apart);
(b) one whole process each: ``influscope kpi CAMPAIGN --workspace demo --db URL --format json``
    against ``python bench/kpi/reference.py CAMPAIGN --workspace demo --duckdb FILE`` (a DuckDB file
    copied from the store once, timed apart), and against the same script with ``--db URL``, which
    copies the tables into DuckDB in the process; with each process's peak RSS (wait4),
    ``influscope kpi --list`` (the command line's own start-up: Python, Typer, the KPI catalogue,
    no database), and the top-level import time of one ``influscope kpi`` process (``-X
    importtime``) to show the start-up and import share. influscope runs with a
    compiled-query cache folder of the benchmark's own, warmed by a first run, and once per round
    with an empty one (every query compiled, as the first run after an upgrade);
(c) by creator: ``kpis(campaign, by="creator")`` against the reference's grouping sets (campaign
    row and one row per creator);
(d) the KPI set alone: ``kpis(campaign, diagnostics=False)``, every KPI of the catalogue (the
    sales forecast included) without the diagnostic rules that ``kpis()`` adds by default (promo
    code leaks, budget pacing, figures against targets, benchmarks and the previous period, and
    each creator's KPIs those rules read: analyses the reference has no counterpart of), against
    the same reference statements as (a);

and prints Markdown tables of the medians with the ratios influscope / reference. Process runs
(b) are made for the campaign with the most clicks unless --campaign is given.

The processes of (b) run as on a user's install: with Python's bytecode cache. An installed package
has its modules compiled, so its processes never compile them; the subprocesses therefore run
without ``PYTHONDONTWRITEBYTECODE`` even when the shell that starts the benchmark sets it (each run
would otherwise compile every module of influscope and of the reference again, and the benchmark
would time the compiler). Every process command runs once before the timed rounds, which writes
that cache (and warms influscope's query cache and the operating system's file cache).
"""

from __future__ import annotations

import argparse
import inspect
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import reference  # noqa: E402


def _kpis_kwargs() -> dict:
    import influscope

    return {"refresh_audience": False} if "refresh_audience" in inspect.signature(influscope.kpis).parameters else {}


def _timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


# A small launcher forks and execs the command and reports its peak RSS: a child forked straight
# from this process would inherit this process's high-water mark (Linux keeps it across exec).
_LAUNCHER = """
import os, sys
pid = os.fork()
if pid == 0:
    os.execv(sys.argv[1], sys.argv[1:])
_, status, usage = os.wait4(pid, 0)
sys.stderr.write(f"\\nmaxrss_kb={usage.ru_maxrss}\\n")
sys.exit(os.waitstatus_to_exitcode(status))
"""


def _user_env(**extra: str) -> dict[str, str]:
    """This process's environment as a user's install runs with it: bytecode cache on, plus EXTRA."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return {**env, **extra}


def _process(cmd: list[str], env: dict | None = None) -> tuple[float, float]:
    """Run CMD (output discarded) in ENV (default: :func:`_user_env`); return its wall time and peak
    RSS in MB; fail on a non-zero exit."""
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", _LAUNCHER, *cmd], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          env=env if env is not None else _user_env())
    wall = time.perf_counter() - t0
    err = proc.stderr.decode(errors="replace")
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} exited {proc.returncode}:\n{err[-2000:]}")
    return wall, int(err.rsplit("maxrss_kb=", 1)[1]) / 1024


def _import_seconds(cmd: list[str], env: dict) -> float:
    """The top-level import time of one run of CMD (``python -X importtime``), in seconds."""
    proc = subprocess.run([cmd[0], "-X", "importtime", *cmd[1:]], env=env, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} exited {proc.returncode}:\n{proc.stderr[-2000:]}")
    total = 0
    for line in proc.stderr.splitlines():
        parts = line.split("|")
        if line.startswith("import time:") and len(parts) == 3 and parts[1].strip().isdigit() \
                and not parts[2].startswith("  "):
            total += int(parts[1])
    return total / 1e6


def _interleave(pairs: dict[str, tuple], rounds: int) -> dict[str, tuple[list, list]]:
    """Time each (influscope, reference) pair of callables ROUNDS times, alternating which goes first."""
    out: dict[str, tuple[list, list]] = {k: ([], []) for k in pairs}
    for r in range(rounds):
        for name, (ours, ref) in pairs.items():
            order = ((0, ours), (1, ref)) if r % 2 == 0 else ((1, ref), (0, ours))
            for side, fn in order:
                out[name][side].append(fn())
    return out


def _med(xs: list) -> float:
    return statistics.median(xs)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", required=True, help="sqlite:///PATH made by bench/kpi/build.py")
    ap.add_argument("--workspace", default="demo")
    ap.add_argument("--campaign", action="append", help="campaign slug (repeatable; default: all)")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--process-rounds", type=int, default=3)
    ap.add_argument("--no-by-creator", action="store_true")
    args = ap.parse_args()

    import sqlalchemy as sa

    import influscope
    from influscope.db import tables as t
    from influscope.db.engine import get_engine

    engine = get_engine(args.db)
    path = reference._sqlite_path(args.db)
    with engine.connect() as conn:
        q = (sa.select(t.campaigns.c.slug, sa.func.count(t.clicks.c.id))
             .join(t.workspaces, t.workspaces.c.id == t.campaigns.c.workspace_id)
             .outerjoin(t.links, t.links.c.campaign_id == t.campaigns.c.id)
             .outerjoin(t.clicks, t.clicks.c.link_id == t.links.c.id)
             .where(t.workspaces.c.slug == args.workspace).group_by(t.campaigns.c.slug).order_by(t.campaigns.c.slug))
        clicks = dict(conn.execute(q).all())
        total = {name: conn.execute(sa.select(sa.func.count()).select_from(tab)).scalar()
                 for name, tab in (("clicks", t.clicks), ("orders", t.orders), ("posts", t.posts))}
    slugs = args.campaign or sorted(clicks)

    import pyarrow  # noqa: F401 - imported before the copy is timed

    t0 = time.perf_counter()
    con = reference.copy_from_sqlite(path)
    copy_memory = time.perf_counter() - t0
    tmp = Path(tempfile.mkdtemp(prefix="influscope-bench-ref-"))
    duck_file = tmp / "store.duckdb"
    t0 = time.perf_counter()
    reference.copy_from_sqlite(path, str(duck_file)).close()
    copy_file = time.perf_counter() - t0

    kw = _kpis_kwargs()

    # equality first (these calls are also the warm-up of both sides)
    compared = 0
    for slug in slugs:
        for by in (None, "creator"):
            compared += reference.check(engine, con, args.workspace, slug, by)
    print(f"{Path(path).name}: {total['clicks']:,} clicks, {total['orders']:,} orders, {total['posts']:,} posts; "
          f"{compared} values compared over {len(slugs)} campaigns (campaign and by creator): all equal. "
          f"Copy into DuckDB: {copy_memory:.2f} s in memory, {copy_file:.2f} s into a file. "
          f"Load average at start {os.getloadavg()[0]:.1f}.", flush=True)

    def ours(slug, by=None, **extra):
        return lambda: _timed(lambda: influscope.kpis(slug, by=by, workspace=args.workspace, engine=engine, **kw,
                                                      **extra))

    def ref(slug, by=None):
        return lambda: _timed(lambda: reference.kpis(con, args.workspace, slug, by))

    pairs = {slug: (ours(slug), ref(slug)) for slug in slugs}
    if not args.no_by_creator:
        pairs.update({f"{slug} by creator": (ours(slug, "creator"), ref(slug, "creator")) for slug in slugs})
    pairs.update({f"{slug} without diagnostics": (ours(slug, diagnostics=False), ref(slug)) for slug in slugs})
    res = _interleave(pairs, args.rounds)

    print()
    print(f"In process, median of {args.rounds} interleaved rounds")
    print()
    print("| campaign (clicks on its links) | KPIs | influscope on SQLite | DuckDB reference (in-memory copy) | ratio |")
    print("|---|---|---|---|---|")
    for name, (a, b) in res.items():
        slug = name.split(" ")[0]
        what = ("by creator (campaign + one row per creator)" if " by " in name else
                "campaign, the KPI set alone (no diagnostic rules)" if " without " in name else "campaign")
        print(f"| {slug} ({clicks.get(slug, 0):,}) | {what} | {_med(a):.3f} s | {_med(b) * 1000:.1f} ms "
              f"| {_med(a) / _med(b):.1f}x |", flush=True)

    # (b) whole processes
    big = args.campaign[0] if args.campaign else max(slugs, key=lambda s: clicks.get(s, 0))
    py = sys.executable
    cli = [py, "-m", "influscope.cli", "kpi", big, "--workspace", args.workspace, "--db", args.db, "--format", "json"]
    ref_file = [py, str(HERE / "reference.py"), big, "--workspace", args.workspace, "--duckdb", str(duck_file)]
    ref_copy = [py, str(HERE / "reference.py"), big, "--workspace", args.workspace, "--db", args.db]
    cli_list = [py, "-m", "influscope.cli", "kpi", "--list"]  # the command line's start-up, no database
    # the compiled-query cache (influscope.kpi.query_cache): a folder of the benchmark's own, warmed
    # by the first run; "cold" runs start each from an empty folder (every query compiled)
    warm_env = _user_env(INFLUSCOPE_QUERY_CACHE=str(tmp / "warm-cache"))
    # warm-up: each command once (bytecode written, query cache filled, files in the OS cache)
    for cmd, env in ((cli, warm_env), (ref_file, None), (ref_copy, None), (cli_list, warm_env)):
        _process(cmd, env)
    runs: dict[str, list] = {"cli": [], "cold": [], "file": [], "copy": [], "list": []}
    load = [os.getloadavg()[0]]
    for r in range(args.process_rounds):
        cold_env = _user_env(INFLUSCOPE_QUERY_CACHE=str(tmp / f"cold-cache-{r}"))
        order = [("cli", cli, warm_env), ("file", ref_file, None), ("cold", cli, cold_env), ("copy", ref_copy, None),
                 ("list", cli_list, warm_env)]
        for name, cmd, env in (order if r % 2 == 0 else order[::-1]):
            runs[name].append(_process(cmd, env))
    load.append(os.getloadavg()[0])
    imports = _import_seconds(cli, warm_env)
    med = {k: (_med([w for w, _ in v]), max(m for _, m in v)) for k, v in runs.items()}
    print()
    print(f"Whole process, {big} ({clicks.get(big, 0):,} clicks), median of {args.process_rounds} interleaved rounds, "
          f"bytecode cache on (load average {load[0]:.1f} at the start of the rounds, {load[1]:.1f} at the end)")
    print()
    print("| process | wall time | peak RSS | influscope / this |")
    print("|---|---|---|---|")
    print(f"| `influscope kpi {big} --format json` (compiled queries cached) | {med['cli'][0]:.2f} s "
          f"| {med['cli'][1]:.0f} MB | |")
    print(f"| the same with an empty query cache (compiles every query) | {med['cold'][0]:.2f} s "
          f"| {med['cold'][1]:.0f} MB | |")
    print(f"| `influscope kpi --list` (the command line's start-up, no database) | {med['list'][0]:.2f} s "
          f"| {med['list'][1]:.0f} MB | |")
    print(f"| of `influscope kpi {big}`: its imports (`-X importtime`, top level, one warm run) | {imports:.2f} s | | |")
    print(f"| `reference.py {big} --duckdb FILE` | {med['file'][0]:.2f} s | {med['file'][1]:.0f} MB "
          f"| {med['cli'][0] / med['file'][0]:.1f}x (cold cache {med['cold'][0] / med['file'][0]:.1f}x) |")
    print(f"| `reference.py {big} --db URL` (copies into DuckDB) | {med['copy'][0]:.2f} s | {med['copy'][1]:.0f} MB "
          f"| {med['cli'][0] / med['copy'][0]:.1f}x |")
    print(f"\nLoad average at the end {os.getloadavg()[0]:.1f}.")
    con.close()
    duck_file.unlink(missing_ok=True)
    shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
