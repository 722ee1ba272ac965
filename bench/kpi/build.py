"""Build the SQLite databases the KPI reference benchmark reads, once, to reuse with --db.

    python bench/kpi/build.py demo --scale 1 --out demo1.db
    python bench/kpi/build.py clicks --clicks 1000000 --out clicks1m.db

``demo``: the demo workspace (``influscope.demo.create_demo``, workspace ``demo``, three campaigns;
about 200k clicks per unit of scale). ``clicks``: one BOFU campaign, ``bench-1m`` in workspace
``demo``, whose links get CLICKS hits (10 % bots, visitors who come back within minutes, hours and
days so that every unique-click window matters) with orders credited by affiliate code, by click id
(some outside the 30-day window), by utm_content, sitewide codes that credit no one, refunds and
cancellations, and part of the orders and costs in USD (daily USD rates). Both go through the
ordinary bundle importer, so the unique-click flags and the planner statistics are as a user's.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import random
import sys
import tempfile
import time
from pathlib import Path

import yaml

TODAY = dt.date(2026, 11, 1)  # the demo's dates are relative to this day


def _write(folder: Path, name: str, header: list[str], rows) -> None:
    with (folder / name).open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


def clicks_bundle(folder: Path, n_clicks: int, seed: int = 11) -> Path:
    """Write the one-campaign bundle with N_CLICKS link hits into FOLDER."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    start, days = dt.date(2026, 9, 1), 30
    end = start + dt.timedelta(days=days - 1)
    tz_offset = dt.timedelta(hours=8)  # Asia/Taipei has no daylight saving time
    (folder / "campaign.yaml").write_text(yaml.safe_dump({
        "id": "bench-1m", "name": "One million clicks", "brand": "acme", "goal": "bofu", "start": start, "end": end,
        "timezone": "Asia/Taipei", "currency": "TWD", "budget": 2_000_000,
        "targets": {"roas": 3.0}, "brand_accounts": [], "methodology": {}}, sort_keys=False))
    n_creators = 40
    creators = []
    for i in range(n_creators):
        platform = ("instagram", "tiktok", "youtube", "facebook")[i % 4]
        followers = int(min(3_000_000, 3_000 * (1 - rng.random()) ** (-1 / 1.1)))
        creators.append((f"cr{i:02d}", platform, f"creator{i:02d}", followers))
    _write(folder, "creators.csv", ["creator_id", "platform", "handle", "name", "followers"],
           [(c, p, h, h.title(), f) for c, p, h, f in creators])
    # follower series every other day from before the campaign (the as-of join must pick the right one)
    fol = []
    for c, p, h, f in creators:
        day, value = start - dt.timedelta(days=10), int(f * 0.95)
        while day <= end:
            fol.append((p, h, day.isoformat(), value))
            value += int(value * rng.uniform(-0.001, 0.004))
            day += dt.timedelta(days=2)
    _write(folder, "followers.csv", ["platform", "handle", "date", "followers"], fol)
    # posts: 5 per creator, 3 snapshots each (the latest counts)
    posts = []
    for c, p, h, f in creators:
        for k in range(5):
            posted = dt.datetime.combine(start + dt.timedelta(days=rng.randrange(days - 3)), dt.time()) + dt.timedelta(
                minutes=rng.randrange(24 * 60))
            views = int(f * rng.uniform(0.2, 1.5))
            for s in range(3):
                grow = (0.5, 0.8, 1.0)[s]
                as_of = posted + dt.timedelta(days=1 + 3 * s)
                reach = int(views * 0.7 * grow)
                posts.append((f"{c}-p{k}", c, p, "video" if p in ("tiktok", "youtube") else "post",
                              posted.isoformat() + "Z", as_of.isoformat() + "Z", int(views * grow), reach,
                              int(views * grow), int(views * 0.03 * grow), int(views * 0.002 * grow),
                              int(views * 0.001 * grow), "" if p == "youtube" else int(views * 0.002 * grow)))
    _write(folder, "posts.csv", ["post_id", "creator_id", "platform", "content_type", "posted_at", "as_of",
                                 "impressions", "reach", "views", "likes", "comments", "shares", "saves"], posts)
    links = [(f"l-{c}", c, p, "https://shop.acme.example/one") for c, p, h, f in creators]
    _write(folder, "links.csv", ["link_id", "creator_id", "platform", "destination_url"], links)
    codes = [(f"{h.upper()}15", c, "affiliate") for c, p, h, f in creators] + [("WELCOME10", "", "sitewide")]
    _write(folder, "codes.csv", ["code", "creator_id", "kind"], codes)
    costs = [(f"fee-{c}", c, "fee", f"{max(9000, f * 0.3):.2f}", "TWD", start.isoformat()) for c, p, h, f in creators]
    costs += [(f"ship-{c}", c, "shipping", f"{rng.uniform(20, 90):.2f}", "USD",
               (start + dt.timedelta(days=rng.randrange(10))).isoformat()) for c, p, h, f in creators]
    costs += [("prod-all", "", "production", "120000.00", "TWD", start.isoformat())]
    _write(folder, "costs.csv", ["cost_id", "creator_id", "kind", "amount", "currency", "incurred_on"], costs)
    fx = []
    day = start - dt.timedelta(days=40)
    while day <= end + dt.timedelta(days=40):
        fx.append((day.isoformat(), "USD", f"{32.1 + rng.uniform(-0.6, 0.6):.4f}", "TWD"))
        day += dt.timedelta(days=1)
    _write(folder, "fx_rates.csv", ["date", "currency", "rate", "base"], fx)

    # clicks: visitors come back after minutes, an hour or days; 10 % bots
    t0 = dt.datetime.combine(start, dt.time()) - tz_offset
    span = (days + 5) * 86400
    weights = [f ** 0.6 for _, _, _, f in creators]
    visitors = ["%016x" % rng.getrandbits(64) for _ in range(max(100, n_clicks // 3))]
    human: list[tuple[str, str, dt.datetime]] = []
    with (folder / "clicks.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["click_id", "link_id", "ts", "is_bot", "visitor_hash", "country", "device"])
        i = 0
        while i < n_clicks:
            link = rng.choices(range(n_creators), weights)[0]
            visitor = rng.choice(visitors) if rng.random() > 0.02 else ""
            ts = t0 + dt.timedelta(seconds=rng.randrange(span))
            bot = rng.random() < 0.1
            for _ in range(min(n_clicks - i, rng.choice((1, 1, 1, 2, 3)))):  # a visitor's return visits
                key = f"k{i:08d}"
                w.writerow([key, links[link][0], ts.isoformat() + "Z", "true" if bot else "false", visitor,
                            rng.choice(("TW", "US", "JP")), rng.choice(("mobile", "desktop"))])
                if not bot and rng.random() < 0.02:
                    human.append((key, creators[link][2], ts))
                ts += dt.timedelta(seconds=rng.choice((40, 600, 1900, 3500, 3700, 7200, 90_000)))
                i += 1

    # orders: by click id (1 in 12 placed too late for the window), by code, by utm_content, sitewide
    orders = []
    def order(ts: dt.datetime, codes_: str = "", click: str = "", utm: str = "") -> None:
        n = len(orders)
        cur = "USD" if rng.random() < 0.15 else "TWD"
        sub = rng.uniform(300, 4000) / (32.0 if cur == "USD" else 1)
        status = rng.choices(("paid", "refunded", "cancelled", "partially_refunded"), (90, 3, 3, 4))[0]
        refunded = sub if status == "refunded" else (sub * 0.3 if status == "partially_refunded" else 0)
        landing = f"https://shop.acme.example/one?utm_source=instagram&utm_content=%40{utm}" if utm else ""
        orders.append((f"o{n:07d}", ts.isoformat() + "Z", cur, f"{sub:.2f}", f"{sub * 0.1:.2f}", f"{refunded:.2f}",
                       status, codes_, landing, click, "true" if rng.random() < 0.6 else "false", rng.randint(1, 4)))
    for key, handle, ts in human:
        late = rng.random() < 1 / 12
        at = ts + (dt.timedelta(days=31 + rng.randrange(5)) if late else dt.timedelta(minutes=rng.randrange(1, 600)))
        both = rng.random() < 0.15  # an affiliate code too: the code wins
        order(at, f"{creators[rng.randrange(n_creators)][2].upper()}15" if both else "", key)
    for _ in range(len(human) // 2):
        c = creators[rng.randrange(n_creators)]
        order(t0 + dt.timedelta(seconds=rng.randrange(span)), f"WELCOME10 {c[2].upper()}15" if rng.random() < 0.3
              else f"{c[2].lower()}15")
    for _ in range(len(human) // 4):
        c = creators[rng.randrange(n_creators)]
        order(t0 + dt.timedelta(seconds=rng.randrange(span)), "WELCOME10" if rng.random() < 0.3 else "", "", c[2])
    for _ in range(len(human) // 4):  # organic and sitewide only: credited to no one
        order(t0 + dt.timedelta(seconds=rng.randrange(span)), rng.choice(("", "WELCOME10")))
    _write(folder, "orders.csv", ["order_id", "created_at", "currency", "subtotal", "discounts", "refunded", "status",
                                  "discount_codes", "landing_url", "click_id", "new_customer", "units"], orders)
    return folder


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("what", choices=("demo", "clicks"))
    ap.add_argument("--out", required=True, help="SQLite file to create")
    ap.add_argument("--scale", type=float, default=1.0, help="demo scale")
    ap.add_argument("--clicks", type=int, default=1_000_000, help="hits in the clicks bundle")
    args = ap.parse_args()

    from influscope.db.engine import make_engine, upgrade

    out = Path(args.out)
    if out.exists():
        sys.exit(f"{out} exists: remove it first or reuse it with --db")
    engine = make_engine(f"sqlite:///{out}")
    upgrade(engine)
    t0 = time.perf_counter()
    if args.what == "demo":
        from influscope.demo import create_demo

        summary = create_demo(engine, workspace="demo", scale=args.scale, seed=7, today=TODAY)
        print(f"demo scale {args.scale} built in {time.perf_counter() - t0:.0f} s: {summary.counts}")
    else:
        from influscope.ingest.canonical import import_bundle

        with tempfile.TemporaryDirectory(prefix="influscope-bench-") as tmp:
            folder = clicks_bundle(Path(tmp) / "bench-1m", args.clicks)
            t1 = time.perf_counter()
            report = import_bundle(engine, folder, workspace="demo")
            print(f"bundle written in {t1 - t0:.0f} s, imported in {time.perf_counter() - t1:.0f} s: "
                  f"{ {k: r.inserted for k, r in report.files.items()} }")


if __name__ == "__main__":
    main()
