"""Load test of the commerce webhooks on 127.0.0.1.

1,000 deliveries, sent concurrently to a running ``influscope serve`` with a fresh SQLite file:
Shopify orders/create, WooCommerce order.created and Stripe checkout.session.completed, of which
20 % are duplicates (the same delivery sent again, as a retrying shop does) and 5 % forged (a wrong
secret or a body altered after signing). Checks that exactly the valid distinct orders are stored,
none twice and none of the forged ones, and reports deliveries/s (answered) and orders/s (processed
into the orders table), plus GET /healthz on the same server and client as the reference.

    python bench/webhooks/run.py [--deliveries 1000] [--concurrency 50]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import sqlalchemy as sa  # noqa: E402

from influscope.db import commerce as ct  # noqa: E402
from influscope.db import tables as t  # noqa: E402
from influscope.db.engine import get_engine  # noqa: E402
from influscope.ingest.commerce.stores import add_store  # noqa: E402
from tests.support.server import Server  # noqa: E402
from tests.commerce.support import (  # noqa: E402
    dumps, shopify_headers, shopify_order, stripe_headers, stripe_session_event, woo_headers, woo_order)

SECRETS = {"shopify": "shpss_bench_0001", "woocommerce": "wc_bench_0002", "stripe": "whsec_bench_0003"}


def build(n: int, rng: random.Random):
    n_forged = round(n * 0.05)
    n_dup = round(n * 0.20)
    n_valid = n - n_forged - n_dup
    valid, expected = [], set()
    for i in range(n_valid):
        kind = ("shopify", "woocommerce", "stripe")[i % 3]
        if kind == "shopify":
            key = str(7_000_000_000_000 + i)
            body = dumps(shopify_order(int(key), note_attributes=[{"name": "isc", "value": f"c{i}"}]))
            headers = shopify_headers(body, SECRETS[kind], "orders/create", f"wh-{i}")
            url, source = "/hooks/shopify/bench-shop", "bench-shop"
        elif kind == "woocommerce":
            key = str(10_000 + i)
            body = dumps(woo_order(int(key)))
            headers = woo_headers(body, SECRETS[kind], "order.created", f"wc-{i}")
            url, source = "/hooks/woocommerce/bench-woo", "bench-woo"
        else:
            key = f"pi_bench_{i}"
            body = dumps(stripe_session_event(f"evt_bench_{i}", f"cs_bench_{i}", amount_subtotal=10000 + i,
                                              amount_total=10000 + i, payment_intent=key))
            headers = stripe_headers(body, SECRETS[kind])
            url, source = "/hooks/stripe/bench-stripe", "bench-stripe"
        valid.append(("valid", url, body, headers))
        expected.add((source, key))
    dups = [("duplicate", *rng.choice(valid)[1:]) for _ in range(n_dup)]
    forged, forged_keys = [], set()
    for j in range(n_forged):
        key = 8_000_000_000_000 + j
        body = dumps(shopify_order(key))
        if j % 2:
            headers = shopify_headers(body, "a-guessed-secret", "orders/create", f"forged-{j}")
        else:
            headers = shopify_headers(body, SECRETS["shopify"], "orders/create", f"forged-{j}")
            body = body.replace(b'"186.90"', b'"1.00"', 1)  # altered after signing
        forged.append(("forged", "/hooks/shopify/bench-shop", body, headers))
        forged_keys.add(("bench-shop", str(key)))
    items = valid + dups + forged
    rng.shuffle(items)
    return items, expected, forged_keys


async def fire(base: str, items, concurrency: int):
    sem = asyncio.Semaphore(concurrency)
    results = []
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60) as client:
        async def one(item):
            label, url, body, headers = item
            async with sem:
                r = await client.post(url, content=body, headers=headers)
            results.append((label, r.status_code, r.json().get("status") if r.status_code == 200 else None))
        t0 = time.perf_counter()
        await asyncio.gather(*(one(i) for i in items))
        return results, time.perf_counter() - t0


async def reference(base: str, n: int, concurrency: int) -> float:
    sem = asyncio.Semaphore(concurrency)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60) as client:
        async def one():
            async with sem:
                (await client.get("/healthz")).raise_for_status()
        t0 = time.perf_counter()
        await asyncio.gather(*(one() for _ in range(n)))
        return n / (time.perf_counter() - t0)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--deliveries", type=int, default=1000)
    ap.add_argument("--concurrency", type=int, default=50)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="influscope-bench-"))
    url = f"sqlite:///{tmp / 'bench.db'}"
    engine = get_engine(url)
    add_store(engine, "shopify", "bench-shop", secret=SECRETS["shopify"])
    add_store(engine, "woocommerce", "bench-woo", secret=SECRETS["woocommerce"])
    add_store(engine, "stripe", "bench-stripe", secret=SECRETS["stripe"])
    items, expected, forged_keys = build(args.deliveries, random.Random(args.seed))
    os.environ["INFLUSCOPE_WEBHOOK_RATE"] = "1000000"  # the per-client limit would otherwise refuse a load test
    server = Server(url).start()
    try:
        ref = asyncio.run(reference(server.base, 1000, args.concurrency))
        results, elapsed = asyncio.run(fire(server.base, items, args.concurrency))
        t_done = time.perf_counter() - elapsed
        while True:
            with engine.connect() as c:
                pending = c.execute(sa.select(sa.func.count()).select_from(ct.webhook_deliveries)
                                    .where(ct.webhook_deliveries.c.status == "pending")).scalar()
            if not pending:
                break
            time.sleep(0.05)
        drained = time.perf_counter() - t_done
    finally:
        server.stop()
    with engine.connect() as c:
        stored = c.execute(sa.select(t.orders.c.source, t.orders.c.key)).all()
        statuses = Counter(c.execute(sa.select(ct.webhook_deliveries.c.status)).scalars())
    keys = [(s, k) for s, k in stored]
    outcome = Counter((label, code, status) for label, code, status in results)
    ok = (set(keys) == expected and len(keys) == len(set(keys)) and not (set(keys) & forged_keys)
          and statuses == Counter({"processed": len(expected)})
          and all(code == 401 for label, code, _ in results if label == "forged"))
    report = {
        "deliveries": len(items), "valid_distinct": len(expected),
        "duplicates": sum(1 for i in items if i[0] == "duplicate"), "forged": len(forged_keys),
        "concurrency": args.concurrency, "answered_s": round(elapsed, 3),
        "deliveries_per_s": round(len(items) / elapsed, 1),
        "orders_stored": len(keys), "orders_distinct": len(set(keys)), "forged_stored": len(set(keys) & forged_keys),
        "processed_by_s": round(elapsed + drained, 3),
        "orders_per_s_end_to_end": round(len(expected) / (elapsed + drained), 1),
        "healthz_per_s_reference": round(ref, 1), "ratio_to_healthz": round(len(items) / elapsed / ref, 2),
        "responses": {f"{a}:{b}:{c}": n for (a, b, c), n in sorted(outcome.items(), key=str)},
        "check": "PASS" if ok else "FAIL",
    }
    print(json.dumps(report, indent=2))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
