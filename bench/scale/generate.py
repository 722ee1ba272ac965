"""Write the canonical bundle of the scale benchmark: N clicks, N/10 orders, N/100 posts.

    python bench/scale/generate.py --clicks 10000000 --out FOLDER

One BOFU campaign, ``scale``, in Asia/Taipei over 30 days: 200 creators on four platforms with two
tracked links each, follower series every other day, N/100 posts with two metric snapshots each
(the latest counts), costs in TWD and USD with daily USD rates. The clicks are
bench/kpi/build.py's: visitors who come back after minutes, hours and days (so every unique-click
window matters), 10 % bots. The orders are a tenth of the clicks: 40 % carry the id of a human
click (1 in 12 placed after the 30-day window), 30 % an affiliate code (some with the sitewide
code too), 15 % utm_content naming a creator's handle, 15 % organic or sitewide only (credited to
no one); 15 % in USD, some refunded, partly refunded or cancelled.

Clicks and orders are written as they are drawn (a row at a time): memory does not grow with N.
The same N and seed give the same files. The importer takes at most 5,000,000 rows per file, so a
larger clicks file is split: the bundle keeps the first 5,000,000 clicks and ``part-2/``,
``part-3/``, ... hold the rest (with ``campaign.yaml``), imported one after the other into the
same campaign, as a user splits a large file.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import random
import time
from pathlib import Path

import yaml

START, DAYS = dt.date(2026, 9, 1), 30
TZ_OFFSET = dt.timedelta(hours=8)  # Asia/Taipei has no daylight saving time
N_CREATORS = 200
PLATFORMS = ("instagram", "tiktok", "youtube", "facebook")
BY_CLICK, BY_CODE, BY_UTM = 0.40, 0.30, 0.15  # shares of the orders; the rest credits no one


def _write(folder: Path, name: str, header: list[str], rows) -> None:
    with (folder / name).open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


def _visitor(i: int) -> str:
    return f"{(i * 0x9E3779B97F4A7C15 + 0x632BE59BD9B4E019) & 0xFFFFFFFFFFFFFFFF:016x}"


def bundle(folder: Path, n_clicks: int, seed: int = 19) -> dict[str, int]:
    """Write the bundle into FOLDER; return the data rows per file."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    end = START + dt.timedelta(days=DAYS - 1)
    (folder / "campaign.yaml").write_text(yaml.safe_dump({
        "id": "scale", "name": "Scale benchmark", "brand": "acme", "goal": "bofu", "start": START, "end": end,
        "timezone": "Asia/Taipei", "currency": "TWD", "budget": 20_000_000,
        "targets": {"roas": 3.0}, "brand_accounts": [], "methodology": {}}, sort_keys=False))
    creators = []
    for i in range(N_CREATORS):
        followers = int(min(3_000_000, 3_000 * (1 - rng.random()) ** (-1 / 1.1)))
        creators.append((f"cr{i:03d}", PLATFORMS[i % 4], f"creator{i:03d}", followers))
    sizes: dict[str, int] = {}
    _write(folder, "creators.csv", ["creator_id", "platform", "handle", "name", "followers"],
           [(c, p, h, h.title(), f) for c, p, h, f in creators])
    sizes["creators.csv"] = len(creators)
    fol = []
    for c, p, h, f in creators:
        day, value = START - dt.timedelta(days=10), int(f * 0.95)
        while day <= end:
            fol.append((p, h, day.isoformat(), value))
            value += int(value * rng.uniform(-0.001, 0.004))
            day += dt.timedelta(days=2)
    _write(folder, "followers.csv", ["platform", "handle", "date", "followers"], fol)
    sizes["followers.csv"] = len(fol)

    n_posts = max(N_CREATORS, n_clicks // 100)
    with (folder / "posts.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["post_id", "creator_id", "platform", "content_type", "posted_at", "as_of", "impressions",
                    "reach", "views", "likes", "comments", "shares", "saves"])
        for k in range(n_posts):
            c, p, h, f = creators[k % N_CREATORS]
            posted = dt.datetime.combine(START + dt.timedelta(days=rng.randrange(DAYS - 3)), dt.time()) + \
                dt.timedelta(minutes=rng.randrange(24 * 60))
            views = int(f * rng.uniform(0.02, 0.3))
            for s, grow in enumerate((0.7, 1.0)):
                as_of = posted + dt.timedelta(days=1 + 3 * s)
                w.writerow((f"p{k:07d}", c, p, "video" if p in ("tiktok", "youtube") else "post",
                            posted.isoformat() + "Z", as_of.isoformat() + "Z", int(views * grow),
                            int(views * 0.7 * grow), int(views * grow), int(views * 0.03 * grow),
                            int(views * 0.002 * grow), int(views * 0.001 * grow),
                            "" if p == "youtube" else int(views * 0.002 * grow)))
    sizes["posts.csv"] = 2 * n_posts

    links = [(f"l-{c}-{j}", c, p, f"https://shop.acme.example/{j}") for c, p, h, f in creators for j in (0, 1)]
    _write(folder, "links.csv", ["link_id", "creator_id", "platform", "destination_url"], links)
    sizes["links.csv"] = len(links)
    codes = [(f"{h.upper()}15", c, "affiliate") for c, p, h, f in creators] + [("WELCOME10", "", "sitewide")]
    _write(folder, "codes.csv", ["code", "creator_id", "kind"], codes)
    sizes["codes.csv"] = len(codes)
    costs = [(f"fee-{c}", c, "fee", f"{max(9000, f * 0.3):.2f}", "TWD", START.isoformat()) for c, p, h, f in creators]
    costs += [(f"ship-{c}", c, "shipping", f"{rng.uniform(20, 90):.2f}", "USD",
               (START + dt.timedelta(days=rng.randrange(10))).isoformat()) for c, p, h, f in creators]
    costs += [("prod-all", "", "production", "1200000.00", "TWD", START.isoformat())]
    _write(folder, "costs.csv", ["cost_id", "creator_id", "kind", "amount", "currency", "incurred_on"], costs)
    sizes["costs.csv"] = len(costs)
    fx = []
    day = START - dt.timedelta(days=40)
    while day <= end + dt.timedelta(days=40):
        fx.append((day.isoformat(), "USD", f"{32.1 + rng.uniform(-0.6, 0.6):.4f}", "TWD"))
        day += dt.timedelta(days=1)
    _write(folder, "fx_rates.csv", ["date", "currency", "rate", "base"], fx)
    sizes["fx_rates.csv"] = len(fx)

    t0 = dt.datetime.combine(START, dt.time()) - TZ_OFFSET
    span = (DAYS + 5) * 86400
    weights = [f ** 0.6 for _, _, _, f in creators]
    cum = []
    acc = 0.0
    for x in weights:
        acc += x
        cum.append(acc)
    n_visitors = max(100, n_clicks // 3)
    n_orders = n_clicks // 10
    p_order = BY_CLICK * n_orders / (0.9 * n_clicks)  # of each human click: an order carrying its id
    returns = (40, 600, 1900, 3500, 3700, 7200, 90_000)
    countries, devices = ("TW", "US", "JP"), ("mobile", "desktop")
    orders_fh = (folder / "orders.csv").open("w", encoding="utf-8", newline="")
    ow = csv.writer(orders_fh, lineterminator="\n")
    ow.writerow(["order_id", "created_at", "currency", "subtotal", "discounts", "refunded", "status",
                 "discount_codes", "landing_url", "click_id", "new_customer", "units"])
    statuses, status_w = ("paid", "refunded", "cancelled", "partially_refunded"), (90, 3, 3, 4)
    n_written = 0

    def order(ts: dt.datetime, codes_: str = "", click: str = "", utm: str = "") -> None:
        nonlocal n_written
        cur = "USD" if rng.random() < 0.15 else "TWD"
        sub = rng.uniform(300, 4000) / (32.0 if cur == "USD" else 1)
        status = rng.choices(statuses, status_w)[0]
        refunded = sub if status == "refunded" else (sub * 0.3 if status == "partially_refunded" else 0)
        landing = f"https://shop.acme.example/0?utm_source=instagram&utm_content=%40{utm}" if utm else ""
        ow.writerow((f"o{n_written:08d}", ts.isoformat() + "Z", cur, f"{sub:.2f}", f"{sub * 0.1:.2f}",
                     f"{refunded:.2f}", status, codes_, landing, click, "true" if rng.random() < 0.6 else "false",
                     rng.randint(1, 4)))
        n_written += 1

    with (folder / "clicks.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["click_id", "link_id", "ts", "is_bot", "visitor_hash", "country", "device"])
        i = 0
        rand, randrange = rng.random, rng.randrange
        while i < n_clicks:
            x = rand() * acc
            lo, hi = 0, N_CREATORS - 1
            while lo < hi:  # bisect the cumulative weights
                mid = (lo + hi) // 2
                if cum[mid] < x:
                    lo = mid + 1
                else:
                    hi = mid
            creator = lo
            link = links[2 * creator + (1 if rand() < 0.3 else 0)][0]
            visitor = _visitor(randrange(n_visitors)) if rand() > 0.02 else ""
            ts = t0 + dt.timedelta(seconds=randrange(span))
            bot = rand() < 0.1
            for _ in range(min(n_clicks - i, (1, 1, 1, 2, 3)[randrange(5)])):  # a visitor's return visits
                key = f"k{i:09d}"
                w.writerow((key, link, ts.isoformat() + "Z", "true" if bot else "false", visitor,
                            countries[randrange(3)], devices[randrange(2)]))
                if not bot and rand() < p_order:
                    late = rand() < 1 / 12
                    at = ts + (dt.timedelta(days=31 + randrange(5)) if late else
                               dt.timedelta(minutes=randrange(1, 600)))
                    both = rand() < 0.15  # an affiliate code too: the code wins
                    order(at, f"{creators[randrange(N_CREATORS)][2].upper()}15" if both else "", key)
                ts += dt.timedelta(seconds=returns[randrange(7)])
                i += 1
    for _ in range(int(n_orders * BY_CODE)):
        c = creators[rng.randrange(N_CREATORS)]
        order(t0 + dt.timedelta(seconds=rng.randrange(span)), f"WELCOME10 {c[2].upper()}15" if rng.random() < 0.3
              else f"{c[2].lower()}15")
    for _ in range(int(n_orders * BY_UTM)):
        c = creators[rng.randrange(N_CREATORS)]
        order(t0 + dt.timedelta(seconds=rng.randrange(span)), "WELCOME10" if rng.random() < 0.3 else "", "", c[2])
    while n_written < n_orders:  # organic and sitewide only: credited to no one
        order(t0 + dt.timedelta(seconds=rng.randrange(span)), rng.choice(("", "WELCOME10")))
    orders_fh.close()
    sizes["clicks.csv"] = n_clicks
    sizes["orders.csv"] = n_written
    return sizes


def split_clicks(folder: Path, max_rows: int) -> list[Path]:
    """Move the clicks after the first MAX_ROWS of FOLDER/clicks.csv into FOLDER/part-2/, part-3/,
    ... (MAX_ROWS each, with the campaign file); return the part folders."""
    parts: list[Path] = []
    whole = folder / "clicks.csv.all"
    (folder / "clicks.csv").rename(whole)
    with whole.open(encoding="utf-8", newline="") as fh:
        header = fh.readline()
        out = (folder / "clicks.csv").open("w", encoding="utf-8", newline="")
        out.write(header)
        for i, line in enumerate(fh):
            if i and i % max_rows == 0:
                out.close()
                part = folder / f"part-{len(parts) + 2}"
                part.mkdir(exist_ok=True)
                (part / "campaign.yaml").write_text((folder / "campaign.yaml").read_text())
                parts.append(part)
                out = (part / "clicks.csv").open("w", encoding="utf-8", newline="")
                out.write(header)
            out.write(line)
        out.close()
    whole.unlink()
    return parts


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clicks", type=int, required=True)
    ap.add_argument("--out", required=True, help="folder to write (created)")
    ap.add_argument("--split-only", action="store_true", help="split an existing bundle's clicks file")
    args = ap.parse_args()
    t0 = time.perf_counter()
    if args.split_only:
        from influscope.ingest.columnar import MAX_ROWS

        print(split_clicks(Path(args.out), MAX_ROWS))
        return
    sizes = bundle(Path(args.out), args.clicks)
    from influscope.ingest.columnar import MAX_ROWS

    if args.clicks > MAX_ROWS:
        sizes["parts"] = len(split_clicks(Path(args.out), MAX_ROWS)) + 1
    print(f"{args.out}: {sizes} in {time.perf_counter() - t0:.0f} s", flush=True)


if __name__ == "__main__":
    main()
