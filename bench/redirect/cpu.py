#!/usr/bin/env python
"""Server CPU per redirect: influscope's /l/{slug} against a do-nothing ASGI app on the same granian settings.

    python bench/redirect/cpu.py                          # print the results
    python bench/redirect/cpu.py --before OTHER/src       # ... with another checkout's redirect in the same rounds
    python bench/redirect/cpu.py --write                  # ... and record them in bench/RESULTS.md

The figure is the CPU time (user + system, every thread of every process of the server) that the
server spends per response, read from /proc before and after a fixed-length wrk run; it does not
depend on how fast the load generator is. wrk runs on CPU 0 and the server on CPU 1 (``taskset``)
when the machine has two or more, so the two compete for a core only with whatever else runs.

Targets, one granian worker each, in rounds with the targets taking turns (the order rotates each
round); each gets a 2 s warm-up, then ``wrk -t1 -c64 -d{duration}s --latency -s visitors.lua`` (a
random public IPv4 address in a trusted X-Forwarded-For and one of eight real user agents per
request):

- the do-nothing ASGI app (``raw_asgi.py``) under ``granian --interface asgi --runtime-mode st
  --no-ws``, the settings ``influscope serve`` uses: the reference;
- influscope ``serve --links-only`` of this tree: bot check, geo, visitor hash, the durable write
  (the 302 leaves after the click is committed to SQLite WAL);
- with ``--before SRC``, the same from another source tree (an older checkout), seeded and served
  with that tree's code;
- with ``--decompose``, this tree's redirect with two sinks that are no valid store
  (``what_if_sinks.py``): one that stores nothing (the redirect's own work) and the SQLite sink
  without the clicks index on ``(link_id, visitor_hash, ts)`` (what that index and the look-up of a
  visitor's earlier hits cost).

Reported: the median over the rounds of each target's CPU per response, p99 and req/s, and the
ratio of influscope's median CPU per response to the reference's (goal: at most 2x, p99 at most
10 ms at 64 connections). After each influscope run the store must hold at least as many clicks as
wrk received redirects.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from run import ROOT, RESULTS, _ms, cpu_seconds, free_port, seed, seed_from, stop, wait_http  # noqa: E402

CPU = "cpu_us"
SECTION = "## Redirect service: server CPU per redirect against a do-nothing ASGI app"


def _pin(cpu: int | None) -> list[str]:
    return ["taskset", "-c", str(cpu)] if cpu is not None else []


def measure(url: str, pgid: int, duration: int, connections: int, wrk_cpu: int | None) -> dict:
    script = str(HERE / "visitors.lua")
    base = [*_pin(wrk_cpu), "wrk", "-t1", f"-c{connections}"]
    subprocess.run([*base, "-d2s", "-s", script, url], check=True, capture_output=True)
    cpu0 = cpu_seconds(pgid)
    out = subprocess.run([*base, f"-d{duration}s", "--latency", "-s", script, url],
                         check=True, capture_output=True, text=True).stdout
    cpu = cpu_seconds(pgid) - cpu0
    lat = dict(re.findall(r"^\s*(50|99)%\s+([\d.]+[a-z]+)\s*$", out, re.M))
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    bad = int((re.search(r"Non-2xx or 3xx responses: (\d+)", out) or [0, 0])[1])
    if not requests or bad or "99" not in lat:
        raise RuntimeError(f"unexpected wrk result:\n{out}")
    return {"cpu_us": cpu / requests * 1e6, "p50": _ms(lat["50"]), "p99": _ms(lat["99"]),
            "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)), "requests": requests}


def run_reference(duration: int, connections: int, server_cpu: int | None, wrk_cpu: int | None) -> dict:
    port = free_port()
    # the granian settings of ``influscope serve``: single-threaded runtime, no websockets, one worker
    proc = subprocess.Popen([*_pin(server_cpu), sys.executable, "-m", "granian", "--interface", "asgi",
                             "--runtime-mode", "st", "--no-ws", "--host", "127.0.0.1", "--port", str(port), "--workers", "1", "raw_asgi:app"],
                            cwd=HERE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        wait_http(port, "/l/x")
        return measure(f"http://127.0.0.1:{port}/l/mei-ig", proc.pid, duration, connections, wrk_cpu)
    finally:
        stop(proc)


def influscope_env(src: Path | None = None, **extra: str) -> dict[str, str]:
    """The environment of an influscope server process running the tree SRC (default: this one)."""
    env = {**os.environ, "INFLUSCOPE_TRUSTED_PROXIES": "127.0.0.1", "PYTHONPATH": str(src or ROOT / "src"), **extra}
    env.pop("INFLUSCOPE_CLICK_SINK", None)
    return env


def measure_links_tier(log_path: Path, url: str, slug: str, env: dict[str, str], duration: int, connections: int,
                       server_cpu: int | None, wrk_cpu: int | None) -> dict:
    """Serve the redirect tier of the database URL (`influscope serve --links-only`, one worker) on a free
    port, measure redirects to SLUG with wrk, then stop the server."""
    port = free_port()
    with open(log_path, "ab") as log:
        proc = subprocess.Popen([*_pin(server_cpu), sys.executable, "-c", "from influscope.cli import main; main()",
                                 "--db", url, "serve", "--links-only", "--host", "127.0.0.1", "--port", str(port),
                                 "--workers", "1"], stdout=log, stderr=subprocess.STDOUT, env=env,
                                start_new_session=True)
        try:
            wait_http(port, f"/l/{slug}")
            return measure(f"http://127.0.0.1:{port}/l/{slug}", proc.pid, duration, connections, wrk_cpu)
        finally:
            stop(proc)


def run_influscope(tmp: Path, duration: int, connections: int, server_cpu: int | None, wrk_cpu: int | None,
                   src: Path | None = None, sink: str | None = None) -> dict:
    """SINK: a factory of what_if_sinks.py instead of the default click sink."""
    db = Path(tempfile.mkstemp(dir=tmp, prefix="influscope-", suffix=".db")[1])
    db.unlink()
    url = f"sqlite:///{db}"
    slug = seed_from(src, url) if src else seed(url)
    env = influscope_env(src)
    if sink:
        env["INFLUSCOPE_CLICK_SINK"] = f"what_if_sinks:{sink}"
        env["PYTHONPATH"] += os.pathsep + str(HERE)
    result = measure_links_tier(tmp / "influscope.log", url, slug, env, duration, connections, server_cpu, wrk_cpu)
    with sqlite3.connect(db) as conn:
        stored = conn.execute("SELECT count(*) FROM clicks").fetchone()[0]
    if stored < result["requests"] and sink != "stores_nothing":
        raise RuntimeError(f"{stored} clicks stored for {result['requests']} redirects")
    result["stored"] = stored
    for leftover in tmp.glob(db.name + "*"):
        leftover.unlink()
    return result


def median(results: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in results)


def report(rounds: list[dict[str, dict]], names: dict[str, str], args: argparse.Namespace, started: str,
           load: tuple, pinned: bool, before_label: str | None) -> str:
    ref = median([r["reference"] for r in rounds], "cpu_us")
    pin = ("wrk on CPU 0 and the server on CPU 1 (`taskset`)" if pinned else "wrk and the server unpinned")
    lines = [
        f"Run {started} UTC with `python bench/redirect/cpu.py --rounds {args.rounds} --duration {args.duration}"
        f"{' --before <older checkout>/src' if before_label else ''}{' --decompose' if args.decompose else ''} --write`: one granian worker per target "
        f"(`--runtime-mode st --no-ws`, the settings of `influscope serve`), {pin}, `wrk -t1 -c{args.connections} "
        f"-d{args.duration}s --latency -s bench/redirect/visitors.lua` after a 2 s warm-up, {args.rounds} rounds with "
        f"the targets taking turns; medians over the rounds. Server CPU is user + system time of every thread of "
        f"the server's processes over the run, divided by the responses. The machine (2 cores) was shared with "
        f"other work: load average {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f} (1/5/15 min) at the start.",
        "",
        "| target | server CPU per response | vs do-nothing ASGI | p50 | p99 | req/s | CPU per response of each round |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for key, name in names.items():
        rs = [r[key] for r in rounds]
        cpu = median(rs, "cpu_us")
        lines.append(f"| {name} | {cpu:.1f} µs | {cpu / ref:.2f}x | {median(rs, 'p50'):.2f} ms | "
                     f"{median(rs, 'p99'):.2f} ms | {median(rs, 'rps'):,.0f} | "
                     f"{', '.join(f'{x[CPU]:.1f}' for x in rs)} |")
    inf = [r["influscope"] for r in rounds]
    ratio, p99 = median(inf, "cpu_us") / ref, median(inf, "p99")
    per_round = [r["influscope"]["cpu_us"] / r["reference"]["cpu_us"] for r in rounds]
    lines += ["", f"- Goal (server CPU per redirect at most 2x the do-nothing ASGI app's, p99 at most 10 ms at "
                  f"{args.connections} connections): CPU {'met' if ratio <= 2 else 'NOT met'} ({ratio:.2f}x; per "
                  f"round {', '.join(f'{x:.2f}' for x in per_round)}), p99 {'met' if p99 <= 10 else 'NOT met'} "
                  f"({p99:.2f} ms). Every influscope run stored at least as many clicks as wrk got redirects."]
    if before_label:
        before = median([r["before"] for r in rounds], "cpu_us")
        lines.append(f"- Before and after, in the same rounds: {before_label} needs {before:.1f} µs per redirect "
                     f"({before / ref:.2f}x the reference), this tree {median(inf, 'cpu_us'):.1f} µs ({ratio:.2f}x), "
                     f"{1 - median(inf, 'cpu_us') / before:.0%} less.")
    return "\n".join(lines) + "\n"


def write_section(text: str) -> None:
    content = RESULTS.read_text(encoding="utf-8")
    if SECTION in content:
        start = content.index(SECTION) + len(SECTION)
        nxt = content.find("\n## ", start)
        end = nxt if nxt != -1 else len(content)
        content = content[:start] + "\n\n" + text + content[end:]
    else:
        anchor = content.index("## Webhooks and conversions")  # right after the "Redirect service" section
        content = content[:anchor] + SECTION + "\n\n" + text + "\n" + content[anchor:]
    RESULTS.write_text(content, encoding="utf-8")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--duration", type=int, default=10, help="seconds of each measured run (default: 10)")
    ap.add_argument("--connections", type=int, default=64)
    ap.add_argument("--rounds", type=int, default=5, help="rounds of every target (default: 5)")
    ap.add_argument("--before", type=Path, help="also run influscope from this other source tree (its src/)")
    ap.add_argument("--before-label", default="the redirect before this change",
                    help="how the report names the --before tree")
    ap.add_argument("--decompose", action="store_true",
                    help="also run the redirect with a sink that stores nothing and without the visitor index")
    ap.add_argument("--no-pin", action="store_true", help="do not pin wrk and the server to separate CPUs")
    ap.add_argument("--write", action="store_true", help="record the results in bench/RESULTS.md")
    args = ap.parse_args()
    for tool in ("wrk", "taskset"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is not installed (Debian: apt-get install wrk util-linux)")
    pinned = not args.no_pin and (os.cpu_count() or 1) >= 2
    server_cpu, wrk_cpu = (1, 0) if pinned else (None, None)
    names = {"reference": "do-nothing ASGI app on granian (reference)",
             "influscope": "influscope `/l/{slug}`: bot check + geo + visitor hash + durable SQLite write"}
    if args.before:
        names["before"] = f"the same, {args.before_label}"
    if args.decompose:
        names["nothing"] = "what-if: the same with a click sink that stores nothing"
        names["no_index"] = "what-if: the SQLite sink without the clicks index on (link_id, visitor_hash, ts)"
    started = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M")
    load = os.getloadavg()
    rounds: list[dict[str, dict]] = []
    with tempfile.TemporaryDirectory(prefix="influscope-bench-") as tmp:
        runners = {
            "reference": lambda: run_reference(args.duration, args.connections, server_cpu, wrk_cpu),
            "influscope": lambda: run_influscope(Path(tmp), args.duration, args.connections, server_cpu, wrk_cpu),
            "before": lambda: run_influscope(Path(tmp), args.duration, args.connections, server_cpu, wrk_cpu,
                                             args.before.resolve()),
            "nothing": lambda: run_influscope(Path(tmp), args.duration, args.connections, server_cpu, wrk_cpu,
                                              sink="stores_nothing"),
            "no_index": lambda: run_influscope(Path(tmp), args.duration, args.connections, server_cpu, wrk_cpu,
                                               sink="without_visitor_index"),
        }
        keys = list(names)
        for i in range(args.rounds):
            order = keys[i % len(keys):] + keys[:i % len(keys)]
            this = {key: runners[key]() for key in order}
            rounds.append(this)
            print(f"round {i + 1}: " + ", ".join(f"{k} {this[k]['cpu_us']:.1f} us/response p99 {this[k]['p99']:.2f} ms"
                                                  for k in keys), flush=True)
    text = report(rounds, names, args, started, load, pinned, args.before_label if args.before else None)
    print(text)
    if args.write:
        write_section(text)
        print(f"written to {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
