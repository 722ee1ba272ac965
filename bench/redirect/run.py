#!/usr/bin/env python
"""Redirect throughput: influscope's /l/{slug} against nginx ``return 302`` (the ceiling), same machine, same run.

    python bench/redirect/run.py            # print the results
    python bench/redirect/run.py --write    # ... and put them in the "Redirect service" section of bench/RESULTS.md

Each target is started on 127.0.0.1, warmed up for 2 s, then loaded with
``wrk -t1 -c64 -d10s --latency -s visitors.lua``: every request carries a random public IPv4 address
in X-Forwarded-For (trusted from 127.0.0.1, so the country lookup runs for real) and one of eight
real user agents (browsers, in-app browsers, preview fetchers), so the bot check runs too.

Targets, each with the same number of worker processes (1, then 2 by default), in rounds (3 by default):
- nginx ``return 302`` (access log off): the ceiling;
- influscope ``serve --links-only`` (granian): bot check, geo, visitor hash and the durable write
  (the 302 leaves only after the click is committed to SQLite WAL);
- a do-nothing ASGI app on granian with the same settings: the ceiling of any Python ASGI redirect;
- a do-nothing app on granian's own interface (RSGI, single-threaded runtime): the ceiling of any
  Python app on granian.

After the influscope run the script checks that the store holds at least as many clicks as wrk
received 302s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
RESULTS = ROOT / "bench" / "RESULTS.md"
SECTION = "## Redirect service"
DESTINATION = "https://shop.example.com/spring?ref=bio"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(port: int, path: str, timeout: float = 30.0) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            httpx.head(f"http://127.0.0.1:{port}{path}", timeout=1.0)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing answered on port {port}")


def stop(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=15)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def cpu_seconds(pgid: int) -> float:
    """CPU time (user + system) used so far by every process of process group PGID."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if int(fields[2]) == pgid:  # pgrp
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / tick


_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}


def _ms(text: str) -> float:
    m = re.match(r"([\d.]+)(us|ms|s)$", text.strip())
    if not m:
        raise ValueError(f"unreadable latency {text!r}")
    return float(m.group(1)) * _UNITS[m.group(2)]


def run_wrk(url: str, duration: int, connections: int, pgid: int) -> dict:
    script = str(HERE / "visitors.lua")
    subprocess.run(["wrk", "-t1", f"-c{connections}", "-d2s", "-s", script, url], check=True, capture_output=True)
    cpu0 = cpu_seconds(pgid)
    out = subprocess.run(["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--latency", "-s", script, url],
                         check=True, capture_output=True, text=True).stdout
    cpu = cpu_seconds(pgid) - cpu0
    lat = dict(re.findall(r"^\s*(50|75|90|99)%\s+([\d.]+[a-z]+)\s*$", out, re.M))
    if "99" not in lat:
        raise RuntimeError(f"unexpected wrk output:\n{out}")
    result = {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50": _ms(lat["50"]),
        "p99": _ms(lat["99"]),
        "requests": int(re.search(r"(\d+) requests in", out).group(1)),
        "bad_status": int((re.search(r"Non-2xx or 3xx responses: (\d+)", out) or [0, 0])[1]),
        "socket_errors": (re.search(r"Socket errors: (.*)", out) or [None, "none"])[1],
        "raw": out,
    }
    result["cpu_us"] = cpu / result["requests"] * 1e6 if result["requests"] else float("nan")
    return result


SRC_ENV = "INFLUSCOPE_BENCH_SRC"  # the source tree that seeds and serves (another checkout, to compare versions)


def seed_from(src: Path, db_url: str) -> str:
    """seed() with the code (and so the schema) of another source tree, in a process of its own."""
    env = {**os.environ, "PYTHONPATH": str(src), SRC_ENV: str(src)}
    done = subprocess.run([sys.executable, __file__, "--seed", db_url], env=env, capture_output=True, text=True,
                          check=True)
    return done.stdout.strip()


def seed(db_url: str) -> str:
    """A workspace, a campaign, a creator with an Instagram account, and one link; returns its path after /l/."""
    sys.path.insert(0, os.environ.get(SRC_ENV) or str(ROOT / "src"))
    from influscope.db import tables as t
    from influscope.db.engine import get_engine
    from influscope.tracking.links import create_link

    engine = get_engine(db_url)
    now = dt.datetime(2026, 3, 1)
    with engine.begin() as conn:
        ws = conn.execute(t.workspaces.insert().values(slug="default", name="Bench", methodology={},
                                                       created_at=now)).inserted_primary_key[0]
        conn.execute(t.campaigns.insert().values(
            workspace_id=ws, slug="spring", name="Spring", goal="bofu", start_date=dt.date(2026, 3, 1),
            end_date=dt.date(2026, 3, 31), timezone="UTC", currency="USD", targets={}, brand_accounts=[],
            brand_terms=[], competitor_terms=[], methodology={}, created_at=now))
        creator = conn.execute(t.creators.insert().values(workspace_id=ws, key="mei", name="Mei",
                                                          created_at=now)).inserted_primary_key[0]
        conn.execute(t.creator_accounts.insert().values(workspace_id=ws, creator_id=creator, platform="instagram",
                                                        handle="meilin.eats"))
    link = create_link(engine, campaign="spring", creator="mei", platform="instagram", destination=DESTINATION,
                       slug="mei-ig", workspace="default")
    engine.dispose()
    return link.short_url.split("/l/", 1)[1]  # the public path: /l/<workspace>/<slug> for a chosen slug


def bench_nginx(tmp: Path, duration: int, connections: int, workers: int = 1) -> dict:
    port = free_port()
    prefix = Path(tempfile.mkdtemp(dir=tmp, prefix=f"nginx{workers}-"))
    (prefix / "logs").mkdir()
    conf = prefix / "nginx.conf"
    conf.write_text(f"""
worker_processes {workers};
pid {prefix}/nginx.pid;
error_log {prefix}/logs/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    server {{
        listen 127.0.0.1:{port};
        location /l/ {{ return 302 "{DESTINATION}&utm_source=instagram&utm_medium=influencer&isc=0"; }}
    }}
}}
""")
    proc = subprocess.Popen(["nginx", "-p", str(prefix), "-c", str(conf), "-g", "daemon off;"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        wait_http(port, "/l/x")
        return run_wrk(f"http://127.0.0.1:{port}/l/mei-ig", duration, connections, proc.pid)
    finally:
        stop(proc)


def bench_influscope(tmp: Path, duration: int, connections: int, sink: str | None = None, workers: int = 1,
                     src: Path | None = None) -> dict:
    db = Path(tempfile.mkstemp(dir=tmp, prefix=f"influscope{workers}-", suffix=".db")[1])
    db.unlink()
    url = f"sqlite:///{db}"
    slug = seed_from(src, url) if src else seed(url)
    port = free_port()
    env = {**os.environ, "INFLUSCOPE_TRUSTED_PROXIES": "127.0.0.1", "PYTHONPATH": str(src or ROOT / "src")}
    env.pop("INFLUSCOPE_CLICK_SINK", None)
    if sink:  # another click sink (package.module:factory), to compare sinks
        env["INFLUSCOPE_CLICK_SINK"] = sink
        env["PYTHONPATH"] += os.pathsep + os.getcwd()
    log = open(tmp / "influscope.log", "wb")
    proc = subprocess.Popen([sys.executable, "-c", "from influscope.cli import main; main()", "--db", url, "serve",
                             "--links-only", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)],
                            stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    try:
        wait_http(port, f"/l/{slug}")
        result = run_wrk(f"http://127.0.0.1:{port}/l/{slug}", duration, connections, proc.pid)
    finally:
        stop(proc)
        log.close()
    with sqlite3.connect(db) as conn:
        stored = conn.execute("SELECT count(*), sum(is_bot), count(DISTINCT country) FROM clicks").fetchone()
    result["stored"], result["stored_bots"], result["countries"] = stored
    return result


def bench_raw(tmp: Path, duration: int, connections: int, workers: int = 1, interface: str = "asgi") -> dict:
    port = free_port()
    # the granian settings of ``influscope serve``: single-threaded runtime, no websockets
    proc = subprocess.Popen([sys.executable, "-m", "granian", "--interface", interface, "--runtime-mode", "st",
                             "--no-ws", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
                             f"raw_{interface}:app"],
                            cwd=HERE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        wait_http(port, "/l/x")
        return run_wrk(f"http://127.0.0.1:{port}/l/mei-ig", duration, connections, proc.pid)
    finally:
        stop(proc)


def median_run(results: list[dict]) -> dict:
    """The run with the median req/s (the machine is shared: one round can be disturbed)."""
    ranked = sorted(results, key=lambda r: r["rps"])
    chosen = dict(ranked[(len(ranked) - 1) // 2])
    chosen["all_rps"] = [r["rps"] for r in results]
    return chosen


NAMES = {"nginx": "nginx `return 302` (ceiling)",
         "influscope": "influscope `/l/{slug}`: bot check + geo + visitor hash + durable SQLite write",
         "raw": "do-nothing ASGI app on granian (Python ASGI ceiling)",
         "rsgi": "do-nothing RSGI app on granian (granian's own interface)"}
TARGETS = tuple(NAMES)


def report(runs: dict[int, dict], duration: int, connections: int, started: str, load: tuple, rounds: int) -> str:
    lines = [
        f"Run {started} UTC with `python bench/redirect/run.py --write`: `wrk -t1 -c{connections} -d{duration}s "
        f"--latency -s bench/redirect/visitors.lua` after a 2 s warm-up, {rounds} rounds with the targets taking "
        f"turns; each row is the round with the median req/s. Each request comes from a random public "
        f"IPv4 address (X-Forwarded-For, trusted) with one of 8 real user agents (2 of them preview fetchers). "
        f"Every target runs with the same number of worker processes (nginx `worker_processes`, granian "
        f"`--workers`); wrk and the servers share the 2 cores. Load average before the run: "
        f"{load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f} (1/5/15 min; the machine is shared with other work, "
        f"so absolute figures move from run to run; compare within a run).",
        "",
        "| workers | target | req/s | p50 | p99 | server CPU per request | req/s vs nginx | req/s of each round |",
        "|---:|---|---:|---:|---:|---:|---:|---|",
    ]
    for workers, results in runs.items():
        ng = results["nginx"]["rps"]
        for key in TARGETS:
            r = results[key]
            lines.append(f"| {workers} | {NAMES[key]} | {r['rps']:,.0f} | {r['p50']:.2f} ms | {r['p99']:.2f} ms | "
                         f"{r['cpu_us']:.0f} µs | {r['rps'] / ng:.0%} | "
                         f"{', '.join(f'{x:,.0f}' for x in r['all_rps'])} |")
    lines.append("")
    for workers, results in runs.items():
        inf, ng, raw, rsgi = (results[k]["rps"] for k in ("influscope", "nginx", "raw", "rsgi"))
        budget = 1e6 / (0.40 * ng)  # µs per response at 40 % of nginx
        lines.append(
            f"- {workers} worker(s), the ceiling: 40 % of nginx means one response every {budget:.1f} µs. The "
            f"do-nothing ASGI app reaches {raw / ng:.0%} of nginx and needs {1e6 / raw:.1f} µs per response, which "
            f"leaves {budget - 1e6 / raw:.1f} µs for the bot check, geo, visitor hash and durable write; the "
            f"do-nothing RSGI app reaches {rsgi / ng:.0%} ({1e6 / rsgi:.1f} µs, leaving {budget - 1e6 / rsgi:.1f} µs). "
            f"influscope needs {1e6 / inf:.1f} µs per response, {1e6 / inf - 1e6 / raw:.1f} µs more than the "
            f"do-nothing ASGI app.")
    for workers, results in runs.items():
        inf, ng = results["influscope"], results["nginx"]["rps"]
        goal_rps, goal_p99 = inf["rps"] / ng >= 0.40, inf["p99"] <= 10.0
        lines.append(
            f"- {workers} worker(s): goal (>= 40 % of nginx req/s, p99 <= 10 ms): throughput "
            f"{'met' if goal_rps else 'NOT met'} ({inf['rps'] / ng:.0%}), p99 {'met' if goal_p99 else 'NOT met'} "
            f"({inf['p99']:.2f} ms). Store check: wrk got {inf['requests']:,} responses ({inf['bad_status']} not "
            f"3xx; socket errors: {inf['socket_errors']}); the clicks table holds {inf['stored']:,} clicks "
            f"({inf['stored_bots']:,} flagged as bots, {inf['countries']} countries), warm-up included.")
    return "\n".join(lines) + "\n"


def write_section(text: str) -> None:
    content = RESULTS.read_text(encoding="utf-8")
    start = content.index(SECTION) + len(SECTION)
    nxt = content.find("\n## ", start)
    end = nxt if nxt != -1 else len(content)
    RESULTS.write_text(content[:start] + "\n\n" + text + content[end:], encoding="utf-8")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--duration", type=int, default=10)
    ap.add_argument("--connections", type=int, default=64)
    ap.add_argument("--write", action="store_true", help="update the Redirect service section of bench/RESULTS.md")
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2],
                    help="worker processes of every target, one set of runs per value (default: 1 2)")
    ap.add_argument("--rounds", type=int, default=3,
                    help="rounds of every target; the median round (by req/s) is reported (default: 3)")
    ap.add_argument("--sink", help="benchmark another click sink (INFLUSCOPE_CLICK_SINK=package.module:factory)")
    ap.add_argument("--only", choices=TARGETS, action="append",
                    help="run only these targets (repeatable; the report needs all of them)")
    ap.add_argument("--compare-src", type=Path,
                    help="also run influscope from this other source tree (another checkout's src/), in the same "
                         "rounds, to compare two versions (printed, not written)")
    ap.add_argument("--seed", help=argparse.SUPPRESS)  # internal: seed this database and print the slug
    args = ap.parse_args()
    if args.seed:
        print(seed(args.seed))
        return
    for tool in ("wrk", "nginx"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is not installed (Debian: apt-get install wrk nginx-light)")
    started = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M")
    load = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="influscope-bench-") as tmp:
        tmp = Path(tmp)
        only = args.only or list(TARGETS)
        targets = {"nginx": lambda w: bench_nginx(tmp, args.duration, args.connections, w),
                   "influscope": lambda w: bench_influscope(tmp, args.duration, args.connections, args.sink, w),
                   "raw": lambda w: bench_raw(tmp, args.duration, args.connections, w),
                   "rsgi": lambda w: bench_raw(tmp, args.duration, args.connections, w, "rsgi")}
        if args.compare_src:
            targets["influscope (compared)"] = lambda w: bench_influscope(tmp, args.duration, args.connections,
                                                                          args.sink, w, args.compare_src.resolve())
            only = only + ["influscope (compared)"]
        runs: dict[int, dict] = {}
        for workers in args.workers:
            rounds = [{key: targets[key](workers) for key in only} for _ in range(args.rounds)]
            runs[workers] = {key: median_run([r[key] for r in rounds]) for key in only}
    if len(only) < len(TARGETS) or args.compare_src:
        for workers, results in runs.items():
            for name, r in results.items():
                print(f"{name} ({workers} worker(s)): {r['rps']:,.0f} req/s, p50 {r['p50']:.2f} ms, "
                      f"p99 {r['p99']:.2f} ms, server CPU {r['cpu_us']:.0f} us/request")
        return
    if args.sink:
        args.write = False  # the recorded figures are those of the default sink
    text = report(runs, args.duration, args.connections, started, load, args.rounds)
    print(text)
    if args.write:
        write_section(text)
        print(f"written to {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
