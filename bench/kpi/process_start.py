"""``influscope kpi CAMPAIGN`` as a whole process: two source trees side by side, with a warm and an
empty compiled-query cache, against the DuckDB reference script reading a DuckDB copy.

    python bench/kpi/process_start.py --db sqlite:///clicks1m.db --campaign bench-1m \\
        --src before=/path/to/old/src --src after=src [--rounds 5]

Each round runs, in an order that alternates from one round to the next: for every source tree
``python -m influscope.cli kpi CAMPAIGN --workspace demo --db URL --format json`` with the tree
first on PYTHONPATH and a query cache folder of the benchmark's own (warmed by a first run), the
same with an empty cache folder, and ``bench/kpi/reference.py CAMPAIGN --duckdb FILE``. It checks
that every tree prints the same JSON, and prints Markdown tables of the median wall times, with the
ratio to the reference, and of what one warm run imported (modules of Ibis, pandas, pyarrow,
sqlglot, Alembic) and how long its imports took (``-X importtime``, top-level total). Each round
also runs ``influscope kpi --list`` per tree: the command line's own start-up, without a database.

Processes run as on a user's install, with Python's bytecode cache: without
``PYTHONDONTWRITEBYTECODE`` even when the calling shell sets it (an installed package has its
modules compiled; otherwise every run would compile them again). The warm-up run of each command
writes that cache.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
HEAVY = ("ibis.", "pandas", "pyarrow", "sqlglot", "alembic")

_PROBE = """
import contextlib, io, json, sys
from influscope.cli import main
sys.argv = ["influscope", *json.loads(sys.argv[1])]
with contextlib.redirect_stdout(io.StringIO()):
    try:
        main()
    except SystemExit as exc:
        assert not exc.code
print(json.dumps(sorted({m.split(".")[0] for m in sys.modules if m.startswith(%r)})))
""" % (HEAVY,)


def _run(cmd: list[str], env: dict) -> tuple[float, bytes]:
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    wall = time.perf_counter() - t0
    if proc.returncode:
        raise SystemExit(f"{' '.join(cmd)} exited {proc.returncode}:\n{proc.stderr.decode()[-2000:]}")
    return wall, proc.stdout


def _import_seconds(env: dict, args: list[str]) -> float:
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "influscope.cli", *args], env=env,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    total = 0
    for line in proc.stderr.splitlines():
        parts = line.split("|")
        if line.startswith("import time:") and len(parts) == 3 and not parts[2].startswith("  ") and parts[1].strip().isdigit():
            total += int(parts[1])
    return total / 1e6


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", required=True, help="sqlite:///PATH made by bench/kpi/build.py")
    ap.add_argument("--campaign", required=True)
    ap.add_argument("--workspace", default="demo")
    ap.add_argument("--src", action="append", required=True, help="NAME=PATH of a source tree (repeatable)")
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()

    sys.path.insert(0, str(HERE))
    import reference

    trees = dict(s.split("=", 1) for s in args.src)
    tmp = Path(tempfile.mkdtemp(prefix="influscope-bench-start-"))
    duck = tmp / "store.duckdb"
    reference.copy_from_sqlite(reference._sqlite_path(args.db), str(duck)).close()
    kpi_args = ["kpi", args.campaign, "--workspace", args.workspace, "--db", args.db, "--format", "json"]
    cli = [sys.executable, "-m", "influscope.cli", *kpi_args]
    ref = [sys.executable, str(HERE / "reference.py"), args.campaign, "--workspace", args.workspace,
           "--duckdb", str(duck)]

    user = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}  # bytecode cache on
    cli_list = [sys.executable, "-m", "influscope.cli", "kpi", "--list"]

    def env(tree: str, cache: Path | str) -> dict:
        return {**user, "PYTHONPATH": str(Path(trees[tree]).resolve()), "INFLUSCOPE_QUERY_CACHE": str(cache)}

    outputs = {}
    for name in trees:  # warm-up, and the same output from every tree
        outputs[name] = json.loads(_run(cli, env(name, tmp / f"warm-{name}"))[1])
        _run(cli_list, env(name, tmp / f"warm-{name}"))
    first = next(iter(outputs.values()))
    assert all(o == first for o in outputs.values()), "the source trees print different KPIs"
    _run(ref, dict(user))

    jobs = [("reference", ref, dict(user))]
    for name in trees:
        jobs.append((f"{name} warm", cli, env(name, tmp / f"warm-{name}")))
        jobs.append((f"{name} cold", cli, None))
        jobs.append((f"{name} list", cli_list, env(name, tmp / f"warm-{name}")))
    times: dict[str, list[float]] = {k: [] for k, _, _ in jobs}
    load = [os.getloadavg()[0]]
    for r in range(args.rounds):
        for key, cmd, e in (jobs if r % 2 == 0 else jobs[::-1]):
            if e is None:  # an empty cache folder each time: every query compiled
                e = env(key.rsplit(" ", 1)[0], tmp / f"cold-{key}-{r}")
            times[key].append(_run(cmd, e)[0])
    load.append(os.getloadavg()[0])

    ref_med = statistics.median(times["reference"])
    print(f"`influscope kpi {args.campaign}` as a process, median of {args.rounds} interleaved rounds "
          f"(load average {load[0]:.1f} at start, {load[1]:.1f} at end)\n")
    print("| process | wall time | / reference |")
    print("|---|---|---|")
    print(f"| `reference.py {args.campaign} --duckdb FILE` | {ref_med:.2f} s | 1.0x |")
    for name in trees:
        for kind, label in (("warm", "query cache warm"), ("cold", "query cache empty"),
                            ("list", "`kpi --list` (start-up, no database)")):
            med = statistics.median(times[f"{name} {kind}"])
            print(f"| influscope, {name}, {label} | {med:.2f} s | {med / ref_med:.1f}x |")
    print("\n| tree | heavy packages imported (warm cache) | import time (-X importtime, warm cache) |")
    print("|---|---|---|")
    for name in trees:
        e = env(name, tmp / f"warm-{name}")
        probe = subprocess.run([sys.executable, "-c", _PROBE, json.dumps(kpi_args)], env=e, capture_output=True,
                               text=True, check=True)
        heavy = json.loads(probe.stdout.strip().splitlines()[-1])
        print(f"| {name} | {', '.join(heavy) or 'none'} | {_import_seconds(e, kpi_args):.2f} s |")
    shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
