"""Import throughput of native exports against the canonical bundle, on SQLite.

    python bench/connectors/exports_import.py [--posts 20000] [--traffic 50000]

Two native formats are timed with `influscope.ingest.exports.import_export_file` (decode, detect
localised headers, parse "2.3w"-style counts, upsert in one transaction):

- a Douyin CSV with Simplified Chinese headers and counts like "1.5w" (posts + metric snapshots);
- a GA4 report CSV export (daily traffic rows).

The reference, in the same run and on the same machine, is `influscope.ingest.canonical.import_bundle`
loading the same records written as a canonical bundle (posts.csv / traffic.csv with plain
integers). A re-import of the same file (nothing changes) is timed too.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from influscope.db.engine import get_engine  # noqa: E402
from influscope.ingest.canonical import import_bundle  # noqa: E402
from influscope.ingest.exports import import_export_file  # noqa: E402

CAMPAIGN = "id: bench\nname: Bench\ngoal: tofu\nstart: 2025-06-01\nend: 2025-06-30\ncurrency: USD\n"
AS_OF = dt.datetime(2025, 6, 15)


def wan(n: int) -> str:
    return f"{n / 10000:.1f}w" if n >= 10000 else str(n)


def make_files(root: Path, posts: int, traffic: int, seed: int = 7) -> dict[str, Path]:
    rnd = random.Random(seed)
    base = root / "base"
    base.mkdir()
    (base / "campaign.yaml").write_text(CAMPAIGN)
    (base / "creators.csv").write_text("creator_id,platform,handle\nmei,douyin,meilin\n")
    rows = []
    for i in range(posts):
        views, likes = rnd.randint(1000, 900000), rnd.randint(10, 90000)
        rows.append((f"73800000{i:011d}", f"视频 {i}", f"2025-06-{1 + i % 28:02d} 09:00", views, likes,
                     rnd.randint(0, 900), rnd.randint(0, 300), rnd.randint(0, 500)))
    douyin = root / "douyin.csv"
    with douyin.open("w", encoding="utf-8") as fh:
        fh.write("视频ID,标题,发布时间,播放量,点赞数,评论数,分享数,收藏数\n")
        for r in rows:
            fh.write(f"{r[0]},{r[1]},{r[2]},{wan(r[3])},{wan(r[4])},{r[5]},{r[6]},{r[7]}\n")
    bundle = root / "bundle_posts"
    bundle.mkdir()
    (bundle / "campaign.yaml").write_text(CAMPAIGN)
    (bundle / "creators.csv").write_text("creator_id,platform,handle\nmei,douyin,meilin\n")
    with (bundle / "posts.csv").open("w", encoding="utf-8") as fh:
        fh.write("post_id,creator_id,platform,content_type,caption,posted_at,as_of,views,likes,comments,shares,saves\n")
        for r in rows:
            # the same values the export holds after rounding "1.5w" to whole ten-thousands' tenths
            v = int(round(float(wan(r[3])[:-1]) * 10000)) if wan(r[3]).endswith("w") else r[3]
            lk = int(round(float(wan(r[4])[:-1]) * 10000)) if wan(r[4]).endswith("w") else r[4]
            fh.write(f"{r[0]},mei,douyin,video,{r[1]},{r[2]}:00,{AS_OF.isoformat()}Z,{v},{lk},{r[5]},{r[6]},{r[7]}\n")
    ga4 = root / "ga4.csv"
    tbundle = root / "bundle_traffic"
    tbundle.mkdir()
    with ga4.open("w", encoding="utf-8") as g, (tbundle / "traffic.csv").open("w", encoding="utf-8") as b:
        g.write("# Traffic acquisition\n#\n# Start date: 20250101\n# End date: 20251231\n")
        g.write("Date,Session source / medium,Session campaign,Session manual ad content,Sessions,New users,"
                "Engaged sessions,Views,Average session duration\n")
        b.write("date,source,medium,campaign,content,sessions,new_users,engaged_sessions,pageviews,session_duration_s\n")
        for i in range(traffic):
            day = dt.date(2025, 1, 1) + dt.timedelta(days=i % 365)
            s = rnd.randint(1, 500)
            g.write(f"{day:%Y%m%d},src{i // 365} / influencer,spring,c{i % 97},{s},{s // 2},{s // 3},{s * 2},60\n")
            b.write(f"{day},src{i // 365},influencer,spring,c{i % 97},{s},{s // 2},{s // 3},{s * 2},{s * 60}\n")
    return {"base": base, "douyin": douyin, "bundle_posts": bundle, "ga4": ga4, "bundle_traffic": tbundle}


def timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--posts", type=int, default=20000)
    ap.add_argument("--traffic", type=int, default=50000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        f = make_files(root, args.posts, args.traffic)
        results = []
        for label, rows, export, reference in (
            ("Douyin CSV (zh-Hans headers, 'w' counts) -> posts", args.posts, f["douyin"], f["bundle_posts"]),
            ("GA4 report CSV -> traffic", args.traffic, f["ga4"], f["bundle_traffic"]),
        ):
            e1, e2 = (get_engine(f"sqlite:///{root / name}.db") for name in (f"ref{len(results)}", f"exp{len(results)}"))
            import_bundle(e2, f["base"])
            ref = timed(lambda: import_bundle(e1, reference))
            src = "douyin@meilin" if "douyin" in export.name else None
            exp = timed(lambda: import_export_file(e2, export, source=src, as_of=AS_OF))
            again = timed(lambda: import_export_file(e2, export, source=src, as_of=AS_OF))
            results.append((label, rows, ref, exp, again))
        print("| format | rows | canonical bundle (reference) | native export | ratio | re-import (no change) |")
        print("|---|---|---|---|---|---|")
        for label, rows, ref, exp, again in results:
            print(f"| {label} | {rows:,} | {ref:.2f} s ({rows / ref:,.0f} rows/s) | {exp:.2f} s ({rows / exp:,.0f} rows/s) "
                  f"| {exp / ref:.2f}x the reference time | {again:.2f} s |")


if __name__ == "__main__":
    main()
