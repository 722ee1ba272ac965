"""A hostile bundle upload against a real server: how fast it is refused and what it does to the redirect.

    python bench/import/hostile_upload.py [--rounds 3] [--hits 200]

Starts ``influscope serve`` (one granian worker, a fresh SQLite file) and creates one tracking link.
Each round, interleaved:

- uploads a 1.1 KB ``campaign.yaml`` alias bomb (nine levels of nine aliases) and, as the reference,
  a valid ``campaign.yaml`` of the same size class, to ``POST /api/v1/imports`` (medians of 5 each);
- times ``GET /l/{slug}`` sequentially, idle, while a thread keeps uploading the valid file (the
  reference: an ordinary import load) and while it keeps uploading the bomb (p50 and p99 of
  ``--hits`` redirects each).

Prints medians over the rounds.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from influscope.auth import keys
from influscope.auth.users import create_user
from influscope.db.engine import get_engine
from tests.support.server import running_server
from tests.web.api.test_intake_rules import alias_bomb

VALID = b"""id: bench
name: Bench
goal: bofu
start: 2026-03-01
end: 2026-03-31
timezone: Asia/Taipei
currency: TWD
"""


def _upload(base: str, key: str, body: bytes) -> tuple[int, float]:
    t0 = time.perf_counter()
    r = httpx.post(base + "/api/v1/imports", headers={"Authorization": f"Bearer {key}"},
                   files=[("files", ("campaign.yaml", body))], timeout=300)
    return r.status_code, time.perf_counter() - t0


def _redirects(base: str, slug: str, n: int) -> list[float]:
    out = []
    with httpx.Client() as client:
        for _ in range(n):
            t0 = time.perf_counter()
            r = client.get(f"{base}/l/{slug}", follow_redirects=False, timeout=60)
            out.append(time.perf_counter() - t0)
            assert r.status_code == 302, r.status_code
    return out


def _p(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--hits", type=int, default=200)
    args = ap.parse_args()
    env = {"INFLUSCOPE_API_RATE": "1000000", "INFLUSCOPE_ARGON2_MEMORY_KIB": "8192", "INFLUSCOPE_ARGON2_TIME_COST": "1"}
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        engine = get_engine(url)
        create_user(engine, "bench@example.com", "correct horse battery", workspace="acme")
        key = keys.create_key(engine, 1, scopes="read write", can_see_costs=True).key
        with running_server(url, env=env) as (base, _proc):
            auth = {"Authorization": f"Bearer {key}"}
            httpx.post(base + "/api/v1/campaigns", headers=auth, json={
                "slug": "bench-site", "name": "B", "goal": "bofu", "start": "2026-03-01", "end": "2026-03-31",
                "currency": "TWD"}).raise_for_status()
            slug = httpx.post(base + "/api/v1/links", headers=auth, json={
                "campaign": "bench-site", "platform": "instagram", "destination": "https://shop.example.com/"}).json()["slug"]
            bomb = alias_bomb()
            rows: dict[str, list[float]] = {k: [] for k in (
                "bomb", "valid", "idle_p50", "idle_p99", "valid_p50", "valid_p99", "busy_p50", "busy_p99")}
            for _ in range(args.rounds):
                bombs, valids = [], []
                for _ in range(5):  # interleaved
                    code, s = _upload(base, key, bomb)
                    assert code == 422, code
                    bombs.append(s)
                    code, s = _upload(base, key, VALID)
                    assert code == 201, code
                    valids.append(s)
                rows["bomb"].append(statistics.median(bombs))
                rows["valid"].append(statistics.median(valids))
                idle = _redirects(base, slug, args.hits)

                def during(body: bytes) -> list[float]:
                    stop = threading.Event()

                    def hammer():
                        while not stop.is_set():
                            _upload(base, key, body)

                    worker = threading.Thread(target=hammer)
                    worker.start()
                    try:
                        return _redirects(base, slug, args.hits)
                    finally:
                        stop.set()
                        worker.join()

                valid = during(VALID)
                busy = during(bomb)
                for name, values in (("idle", idle), ("valid", valid), ("busy", busy)):
                    rows[f"{name}_p50"].append(_p(values, 0.5))
                    rows[f"{name}_p99"].append(_p(values, 0.99))
        engine.dispose()
    med = {k: statistics.median(v) * 1000 for k, v in rows.items()}
    print(f"alias bomb refused:      {med['bomb']:.1f} ms  (valid campaign.yaml imported: {med['valid']:.1f} ms, "
          f"ratio {med['bomb'] / med['valid']:.2f})")
    print(f"redirect idle:           p50 {med['idle_p50']:.2f} ms  p99 {med['idle_p99']:.2f} ms")
    print(f"redirect, valid uploads: p50 {med['valid_p50']:.2f} ms  p99 {med['valid_p99']:.2f} ms")
    print(f"redirect, bomb uploads:  p50 {med['busy_p50']:.2f} ms  p99 {med['busy_p99']:.2f} ms  "
          f"(p99 ratio to valid uploads {med['busy_p99'] / med['valid_p99']:.2f})")


if __name__ == "__main__":
    main()
