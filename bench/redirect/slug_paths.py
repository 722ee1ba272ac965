"""Per-workspace short URLs against the bare slugs of before, through a real server.

    python bench/redirect/slug_paths.py [--rounds 3] [--hits 300]

Starts ``influscope serve`` (one granian worker, a fresh SQLite file) with three links of one
campaign: a link as the previous version stored it (a bare chosen slug, ``/l/spring-mei``: the
reference), a generated one (``/l/<12 random characters>``) and a chosen one under the workspace id
(``/l/acme/spring-mei``). Each round times ``--hits`` sequential GETs of each, interleaved request
by request (the order rotating), and reports p50 and p99 per path; the script prints the medians
over the rounds and the ratios to the reference.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from influscope.db import tables as t
from influscope.db.engine import get_engine
from influscope.ingest.canonical import import_bundle
from influscope.tracking.links import create_link
from tests.support.server import running_server

CAMPAIGN = ("id: spring\nname: Spring\ngoal: bofu\nstart: 2026-03-01\nend: 2026-03-31\ntimezone: UTC\n"
            "currency: USD\n")
DESTINATION = "https://shop.example.com/spring?variant=42"
UA = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
      "Mobile/15E148 Instagram 334.0.4.32.98 (iPhone15,2; iOS 17_5; en_US; en; scale=3.00; 1179x2556; 601420827)")


def seed(folder: Path) -> tuple[str, dict[str, str]]:
    url = f"sqlite:///{folder / 'influscope.db'}"
    engine = get_engine(url)
    bundle = folder / "bundle"
    bundle.mkdir()
    (bundle / "campaign.yaml").write_text(CAMPAIGN, encoding="utf-8")
    (bundle / "creators.csv").write_text("creator_id,platform,handle\nmei,instagram,meilin.eats\n", encoding="utf-8")
    import_bundle(engine, bundle, workspace="acme")
    with engine.begin() as conn:
        ws, camp = conn.execute(sa.select(t.campaigns.c.workspace_id, t.campaigns.c.id)).one()
        mei = conn.execute(sa.select(t.creators.c.id)).scalar_one()
        conn.execute(t.links.insert().values(workspace_id=ws, campaign_id=camp, slug="spring-mei", key="spring-mei",
                                             creator_id=mei, platform="instagram", destination_url=DESTINATION,
                                             paid=False))
    generated = create_link(engine, campaign="spring", creator="mei", platform="instagram", destination=DESTINATION,
                            workspace="acme", base_url="http://x")
    chosen = create_link(engine, campaign="spring", creator="mei", platform="instagram", destination=DESTINATION,
                         workspace="acme", slug="spring-mei-2", base_url="http://x")
    engine.dispose()
    paths = {"before: bare chosen slug (reference)": "/l/spring-mei",
             "generated token": "/" + generated.short_url.split("/", 3)[3],
             "chosen, under the workspace id": "/" + chosen.short_url.split("/", 3)[3]}
    return url, paths


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--hits", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url, paths = seed(Path(tmp))
        names = list(paths)
        results: dict[str, list[tuple[float, float]]] = {n: [] for n in names}
        with running_server(url) as (base, _proc), httpx.Client(base_url=base, headers={
                "User-Agent": UA, "Accept-Language": "en"}) as client:
            for n in names:  # warm up: each link in the cache, the agent's verdict cached
                assert client.get(paths[n], follow_redirects=False).status_code == 302
            for _ in range(args.rounds):
                times: dict[str, list[float]] = {n: [] for n in names}
                for i in range(args.hits):
                    for k in range(len(names)):
                        name = names[(i + k) % len(names)]
                        t0 = time.perf_counter()
                        r = client.get(paths[name], follow_redirects=False)
                        times[name].append((time.perf_counter() - t0) * 1000)
                        assert r.status_code == 302, (name, r.status_code)
                for n in names:
                    results[n].append((pct(times[n], 0.5), pct(times[n], 0.99)))
    ref = names[0]
    ref_p50 = statistics.median(p for p, _ in results[ref])
    ref_p99 = statistics.median(p for _, p in results[ref])
    print(f"{args.rounds} rounds x {args.hits} sequential GETs per path, interleaved; medians of the rounds")
    print("| path | p50 | p99 | p50 / reference | p99 / reference |")
    print("|---|---|---|---|---|")
    for n in names:
        p50 = statistics.median(p for p, _ in results[n])
        p99 = statistics.median(p for _, p in results[n])
        print(f"| {n} (`{paths[n] if n == ref else paths[n].rsplit('/', 1)[0] + '/...'}`) | {p50:.2f} ms | "
              f"{p99:.2f} ms | {p50 / ref_p50:.2f} | {p99 / ref_p99:.2f} |")


if __name__ == "__main__":
    main()
