"""A small, hand-made canonical bundle for the dashboard tests (one BOFU campaign in TWD).

Numbers are chosen so that results can be checked by hand: 3 creators, 2 posts each, 12
human clicks + 2 bot clicks, 5 orders credited by code or click, costs 30,000 TWD.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

CREATORS = [
    ("mei-lin", "instagram", "meilin.eats", "美琳", 48200),
    ("omar", "tiktok", "omar.life", "عمر", 120500),
    ("jordan", "instagram", "jordan.daily", "Jordan", 9100),
]


def _write(folder: Path, name: str, header: list[str], rows: list[list]) -> None:
    with open(folder / name, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)


def write_bundle(folder: str | Path, *, slug: str = "spring-launch", bad_line: bool = False) -> Path:
    """Write the bundle; ``bad_line`` puts an invalid number on orders.csv line 4 (header = line 1)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "campaign.yaml").write_text(
        f"id: {slug}\nname: 春季新品上市\nbrand: acme\ngoal: bofu\nstart: 2026-03-01\nend: 2026-03-31\n"
        "timezone: Asia/Taipei\ncurrency: TWD\nbudget: 50000\n"
        "baseline: {start: 2026-02-01, end: 2026-02-28}\n"
        "targets: {roas: 3.0, conversion_rate: 2.0}\n"
        "brand_accounts: [{platform: instagram, handle: acme_tw}]\n"
        "brand_terms: ['acme', '#acmespring']\n", encoding="utf-8")
    _write(folder, "creators.csv", ["creator_id", "platform", "handle", "name", "followers"],
           [list(c) for c in CREATORS])
    posts = []
    for i, (cid, platform, _h, _n, _f) in enumerate(CREATORS):
        for j in range(2):
            posts.append([f"p{i}{j}", cid, platform, "reel", f"2026-03-0{2 + j}T10:00:00+08:00", "true",
                          f"Spring with #acmespring {i}{j}", "2026-03-20T00:00:00Z", 10000 * (i + 1) + j,
                          8000 * (i + 1), 12000 * (i + 1), 500 * (i + 1), 20 + i, 10 + j, 30])
    _write(folder, "posts.csv", ["post_id", "creator_id", "platform", "content_type", "posted_at", "sponsored",
                                 "caption", "as_of", "impressions", "reach", "views", "likes", "comments", "shares",
                                 "saves"], posts)
    _write(folder, "costs.csv", ["cost_id", "creator_id", "kind", "amount", "currency", "incurred_on"],
           [["fee-mei", "mei-lin", "fee", "12000", "TWD", "2026-03-01"],
            ["fee-omar", "omar", "fee", "15000", "TWD", "2026-03-01"],
            ["fee-jordan", "jordan", "fee", "3000", "TWD", "2026-03-01"]])
    _write(folder, "codes.csv", ["code", "creator_id", "kind"],
           [["MEILIN15", "mei-lin", "affiliate"], ["OMAR10", "omar", "affiliate"], ["SPRING", "", "sitewide"]])
    _write(folder, "links.csv", ["link_id", "creator_id", "platform", "destination_url"],
           [[f"{slug[:6]}-{c[0]}", c[0], c[1], "https://shop.example.com/spring"] for c in CREATORS])
    clicks = []
    n = 0
    for i, c in enumerate(CREATORS):
        for k in range(4):
            n += 1
            clicks.append([f"c{n}", f"{slug[:6]}-{c[0]}", f"2026-03-0{3 + k}T02:00:00Z", "false", f"v{n}", "TW"])
    clicks.append(["b1", f"{slug[:6]}-mei-lin", "2026-03-04T02:00:00Z", "true", "", ""])
    clicks.append(["b2", f"{slug[:6]}-omar", "2026-03-04T02:00:00Z", "true", "", ""])
    _write(folder, "clicks.csv", ["click_id", "link_id", "ts", "is_bot", "visitor_hash", "country"], clicks)
    orders = [
        ["o1", "2026-03-04T08:00:00Z", "TWD", "20000", "0", "paid", "MEILIN15", "", "true"],
        ["o2", "2026-03-05T08:00:00Z", "TWD", "30000", "0", "paid", "OMAR10", "", "false"],
        ["o3", "2026-03-06T08:00:00Z", "TWD", "x12" if bad_line else "15000", "0", "paid", "", "c9", "true"],
        ["o4", "2026-03-07T08:00:00Z", "TWD", "25000", "5000", "partially_refunded", "", "c1", "true"],
        ["o5", "2026-03-08T08:00:00Z", "TWD", "10000", "0", "paid", "SPRING", "c10", "false"],
        ["o6", "2026-03-08T09:00:00Z", "TWD", "9999", "0", "cancelled", "MEILIN15", "", "true"],
    ]
    _write(folder, "orders.csv", ["order_id", "created_at", "currency", "subtotal", "refunded", "status",
                                  "discount_codes", "click_id", "new_customer"], orders)
    days = [dt.date(2026, 2, 1) + dt.timedelta(d) for d in range(59)]
    _write(folder, "traffic.csv", ["date", "source", "medium", "sessions", "engaged_sessions"],
           [[d.isoformat(), "instagram", "influencer", 100 if d.month == 2 else 150, 60] for d in days])
    _write(folder, "followers.csv", ["platform", "handle", "date", "followers"],
           [["instagram", "acme_tw", d.isoformat(), 10000 + 10 * k] for k, d in enumerate(days)])
    return folder
