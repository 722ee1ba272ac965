"""API hardening bench: the schemathesis contract run at a larger size, and what authentication and
the hardening middleware cost per request on a real server.

    python bench/api/run.py [--examples 25] [--requests 300]

Part 1 runs tests/web/api/test_schemathesis.py with more examples per operation and schemathesis'
coverage phase (boundary and negative values) switched on, and prints the number of operations and
requests, the status codes seen and the failures (there must be none, and no 5xx).

Part 2 starts ``influscope serve`` (granian, one worker) on a fresh SQLite file and times, from one
client over 127.0.0.1, sequential GET /healthz (the reference: routing only, no auth, no DB),
GET /api/v1/campaigns with an API key (key check, rate limit, headers, a workspace-scoped query)
and POST /login with the default argon2id cost. Ratios are against /healthz in the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def contract(examples: int) -> dict:
    summary = Path(tempfile.mkdtemp()) / "summary.json"
    env = {**os.environ, "INFLUSCOPE_SCHEMATHESIS_EXAMPLES": str(examples), "INFLUSCOPE_SCHEMATHESIS_COVERAGE": "1",
           "INFLUSCOPE_SCHEMATHESIS_SUMMARY": str(summary)}
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           "tests/web/api/test_schemathesis.py"], cwd=ROOT, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    tail = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else proc.stderr[-500:]
    data = json.loads(summary.read_text()) if summary.exists() else {}
    return {"exit": proc.returncode, "result": tail, "seconds": round(elapsed, 1), **data}


def _time(fn, n: int) -> float:
    samples = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t)
    return statistics.median(samples)


def latency(n: int) -> dict:
    import httpx

    from influscope.auth import keys
    from influscope.auth.users import create_user
    from influscope.db.engine import get_engine
    from tests.support.server import running_server

    url = f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}"
    engine = get_engine(url)
    create_user(engine, "owner@bench.example", "correct horse battery", workspace="bench")  # default argon2 cost
    key = keys.create_key(engine, 1, scopes="read").key
    env = {"INFLUSCOPE_API_RATE": "1000000", "INFLUSCOPE_LOGIN_RATE": "1000000"}
    with running_server(url, env=env) as (base, _):
        with httpx.Client(base_url=base) as c:
            for _ in range(20):
                c.get("/healthz")
                c.get("/api/v1/campaigns", headers={"Authorization": f"Bearer {key}"})
            health = _time(lambda: c.get("/healthz"), n)
            api = _time(lambda: c.get("/api/v1/campaigns", headers={"Authorization": f"Bearer {key}"}), n)
            page = c.get("/login").text
            token = re.search(r"""name=["']csrf_token["'] value=["']([^"']+)""", page).group(1)

            def login():
                r = c.post("/login", data={"email": "owner@bench.example", "password": "correct horse battery",
                                           "csrf_token": token}, follow_redirects=False)
                assert r.status_code == 303, r.status_code
                c.cookies.clear()
                c.cookies.set("influscope_csrf", token)

            c.cookies.set("influscope_csrf", token)
            login_s = _time(login, max(5, n // 30))
    return {"healthz_ms": round(health * 1000, 2), "api_ms": round(api * 1000, 2),
            "api_ratio": round(api / health, 1), "login_ms": round(login_s * 1000, 1),
            "login_ratio": round(login_s / health, 1)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--examples", type=int, default=25)
    ap.add_argument("--requests", type=int, default=300)
    args = ap.parse_args()
    print(json.dumps({"contract": contract(args.examples), "latency": latency(args.requests)}, indent=2))


if __name__ == "__main__":
    main()
