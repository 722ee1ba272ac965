"""Check native export importers against real exports, value by value.

    python bench/exports/verify.py FOLDER [--year 2025] [--date-range FROM..TO | --lifetime]
                                   [--source "Totals.csv=youtube_studio"] [-v]

Every ``.csv`` / ``.json`` file under FOLDER, and every such file inside a ``.zip`` (imported alone,
in a zip under the download's own name, which may settle a yearless file's year), is imported into
its own fresh SQLite store (a copy of one migrated template) with a throwaway campaign whose creator owns the account ``verify`` on every
platform; the format is detected from the header unless ``--source NAME=SOURCE`` names it (NAME is
the file name). Then every value of the file is read again here, with a reader written
independently of the importers (English headers as the platforms write them, plain number and date
parsing), and compared with what was stored. The table printed has, per file: the source, rows
read and stored, the cells compared, the mismatches, and the outcome (``ok``, ``MISMATCH``,
``refused: FILE:LINE: COLUMN: message``, or ``not checked`` when the verifier has no reading of that
layout). ``-v`` prints each mismatch.

A YouTube per-video table's counts are those of the period chosen when exporting: ``--date-range``
or ``--lifetime`` tells the importer (and the verifier) which; with a period, the videos published
before its first day must have their posts but no counts stored.

Shop order exports (Shopify, WooCommerce) go through ``influscope.ingest.commerce.exports`` and are
compared order by order (subtotal, total, currency, discount codes).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import re
import shutil
import sys
import tempfile
import zipfile
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa

AS_OF = dt.datetime(2030, 1, 1)
HANDLE = "verify"
PLATFORMS = ("tiktok", "youtube", "instagram", "facebook", "weibo", "douyin", "bilibili", "xiaohongshu")

# The verifier's own reading of the platforms' headers (English, as exported).
POST_KEYS = {"Content": "youtube", "Post ID": "meta", "Video link": "tiktok"}
POST_COUNTS = {"Views": "views", "Total views": "views", "Likes": "likes", "Total likes": "likes",
               "Comments added": "comments", "Comments": "comments", "Total comments": "comments",
               "Shares": "shares", "Total shares": "shares", "Impressions": "impressions", "Reach": "reach",
               "Saves": "saves", "Reactions": "reactions", "Watch time (hours)": "watch_time_s"}
DAILY_METRICS = {  # TikTok Studio account files: header -> stored metric
    "Video Views": "video_views", "Profile Views": "profile_views", "Likes": "likes", "Comments": "comments",
    "Shares": "shares", "Difference in followers from previous day": "follower_change",
    "Total Viewers": "total_viewers", "New Viewers": "new_viewers", "Returning Viewers": "returning_viewers",
    "Reached audience": "reached_audience", "Website clicks": "website_clicks"}
PART_OF = {"New Viewers": "Total Viewers", "Returning Viewers": "Total Viewers",
           "Difference in followers from previous day": "Followers"}
YT_DAILY = {"Views": "views", "Watch time (hours)": "watch_time_s", "Average view duration": "avg_view_duration_s"}
MISSING = {"", "-", "--", "undefined", "n/a"}


def text_of(path: Path) -> str:
    data = path.read_bytes()
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return data.decode("utf-16")
    return data.decode("utf-8-sig")


def number(text: str, header: str = "") -> float | None:
    t = text.strip()
    if t.casefold() in MISSING:
        return None
    if re.fullmatch(r"\d+:\d{2}:\d{2}", t):
        h, m, s = (int(x) for x in t.split(":"))
        return float(h * 3600 + m * 60 + s)
    value = float(t.replace(",", "").rstrip("%"))
    return value * 3600 if "(hours)" in header else value


class Check:
    def __init__(self) -> None:
        self.cells = 0
        self.bad: list[str] = []
        self.checked = False

    def same(self, where: str, expected, got) -> None:
        self.checked = True
        self.cells += 1
        if isinstance(expected, float) and isinstance(got, (int, float)):
            ok = abs(expected - got) <= 1e-6 * max(1.0, abs(expected))
        else:
            ok = expected == got
        if not ok:
            self.bad.append(f"{where}: file {expected!r}, stored {got!r}")


def rows_of(path: Path) -> tuple[list[str], list[list[str]]]:
    lines = text_of(path).splitlines()
    while lines and (lines[0].startswith("sep=") or lines[0].startswith("#") or not lines[0].strip()):
        lines.pop(0)
    table = list(csv.reader(io.StringIO("\n".join(lines))))
    return ([h.strip() for h in table[0]], [r for r in table[1:] if any(c.strip() for c in r)]) if table else ([], [])


def q(conn: sa.Connection, sql: str) -> list[dict]:
    return [dict(r._mapping) for r in conn.execute(sa.text(sql))]


def posting_day(key_col: str, key: str, row: list[str], col: dict[str, int]) -> dt.date | None:
    """The posting day a row states: a TikTok video id's top 32 bits (Unix seconds), YouTube's
    "Video publish time" (``Aug 28, 2025``), Meta's "Publish time" (``06/13/2025 08:30``)."""
    if key_col == "Video link" and key.isdigit():
        return dt.datetime.fromtimestamp(int(key) >> 32, dt.timezone.utc).date()
    for h, fmt in (("Video publish time", "%b %d, %Y"), ("Publish time", "%m/%d/%Y %H:%M")):
        if h in col and row[col[h]].strip():
            return dt.datetime.strptime(row[col[h]].strip(), fmt).date()
    return None


def compare(conn: sa.Connection, path: Path, check: Check, period_start: dt.date | None = None) -> None:
    header, rows = rows_of(path)
    col = {h: i for i, h in enumerate(header)}
    def is_total(r: list[str]) -> bool:
        return any(c.strip().casefold() == "total" for c in r[:2])
    if "Date" in col and "Content" in col:  # YouTube daily per-video chart: each day's counts, running totals
        daily = {(r["key"], r["date"], r["metric"]): r["value"] for r in q(
            conn, "select p.key, d.date, d.metric, d.value from post_daily_metrics d join posts p on p.id = d.post_id")}
        stored = {}
        for r in q(conn, "select p.key, m.as_of, m.views from post_metrics m "
                         "join posts p on p.id = m.post_id order by p.key, m.as_of"):
            stored.setdefault(r["key"], []).append(r)
        sums: dict[str, list[tuple[dt.date, float]]] = {}
        published: dict[str, dt.date | None] = {}
        first = None
        for r in rows:
            if is_total(r):
                continue
            key, day = r[col["Content"]], dt.date.fromisoformat(r[col["Date"]].strip())
            first = day if first is None else min(first, day)
            for h, metric in (("Views", "views"), ("Watch time (hours)", "watch_time_s")):
                if h in col:
                    check.same(f"{key} {day} {h}", number(r[col[h]], h), daily.get((key, str(day), metric), "missing"))
            sums.setdefault(key, []).append((day, number(r[col["Views"]]) or 0))
            publish = r[col["Video publish time"]].strip() if "Video publish time" in col else ""
            published[key] = dt.datetime.strptime(publish, "%b %d, %Y").date() if publish else None
        check.same("daily values stored", sum(len(v) for v in sums.values()) * sum(
            h in col for h in ("Views", "Watch time (hours)")), len(daily))
        for key, values in sums.items():
            snaps = stored.get(key, [])
            if published[key] is None or published[key] < first:  # its lifetime total is not in the file
                check.same(f"{key} lifetime snapshots", 0, len(snaps))
                continue
            running = 0.0
            for (_, value), snap in zip(sorted(values), snaps):
                running += value
                check.same(f"{key} {snap['as_of'][:10]} Views (running total)", running, snap["views"])
            check.same(f"{key} days", len(values), len(snaps))
        return
    key_col = next((k for k in POST_KEYS if k in col), None)
    if key_col:  # a per-post table: each row's counts, by post
        stored = {r["key"]: r for r in q(conn, "select p.key, p.posted_at, m.* from post_metrics m "
                                               "join posts p on p.id = m.post_id")}
        for r in rows:
            if is_total(r):
                continue
            key = r[col[key_col]].strip()
            if key_col == "Video link":
                key = re.search(r"/video/(\d+)", key).group(1)
            got = stored.get(key)
            posted = posting_day(key_col, key, r, col)
            if key_col == "Content" and period_start is not None and (posted is None or posted < period_start):
                # older than the period: its counts are the period's, not its lifetime's: none stored
                check.same(f"{key} counts (published before the period)", None, got and "stored")
                continue
            for h, metric in POST_COUNTS.items():
                if h in col and got is not None:
                    check.same(f"{key} {h}", number(r[col[h]], h), got[metric])
            if posted is not None and got is not None:
                day = dt.date.fromisoformat(got["posted_at"][:10]) if got["posted_at"] else None
                # the file's day is local; stored is UTC: a day apart at most
                check.same(f"{key} posting day", True, day is not None and abs((day - posted).days) <= 1)
            if got is None:
                check.same(f"{key}", "stored", "missing")
        return
    if {"Gender", "Distribution"} <= col.keys() or {"Top territories", "Distribution"} <= col.keys():
        name = "Gender" if "Gender" in col else "Top territories"
        stored = {r["bucket"]: r["share"] for r in q(conn, "select bucket, share from audience")}
        values = [(r[col[name]], number(r[col["Distribution"]])) for r in rows]
        scale = 100.0 if sum(v or 0 for _, v in values) <= 1.0001 else 1.0
        for bucket, v in values:
            check.same(f"{bucket} share", None if v is None else v * scale, stored.get(bucket))
        return
    if {"Date", "Hour", "Active followers"} <= col.keys():
        stored = q(conn, "select date, metric, value from account_metrics order by date, metric")
        check.same("rows", len(rows), len(stored))
        for r, s in zip(rows, stored):
            check.same(f"{s['date']} {s['metric']}", (f"active_followers_h{int(r[col['Hour']]):02d}",
                                                      number(r[col["Active followers"]])), (s["metric"], s["value"]))
        return
    if "Date" in col:  # a daily table: each column's values in date order, and the days consecutive
        data = [r for r in rows if not is_total(r)]
        iso = [r[col["Date"]].strip() for r in data]
        if all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", d) for d in iso):
            data = [r for _, r in sorted(zip(iso, data), key=lambda x: x[0])]  # stored values come in date order
        names = DAILY_METRICS if any(h in DAILY_METRICS for h in header) and "Views" not in col else YT_DAILY
        for h, i in col.items():
            metric = names.get(h)
            if h == "Followers":
                stored = [r["followers"] for r in q(conn, "select followers from follower_snapshots order by date")]
                expected = [number(r[i]) for r in data if number(r[i]) is not None]
            elif metric:
                stored = [r["value"] for r in q(conn, f"select value from account_metrics where metric = '{metric}' "
                                                      "order by date")]
                expected = [number(r[i], h) for r in data]
                whole = PART_OF.get(h)  # a 0 beside an undefined whole is no count
                if whole in col:
                    expected = [None if e == 0 and r[col[whole]].strip() == "undefined" else e
                                for e, r in zip(expected, data)]
            else:
                continue
            check.same(f"{h}: days", len(expected), len(stored))
            for n, (e, g) in enumerate(zip(expected, stored)):
                check.same(f"{h} row {n + 1}", e, g)
        days = [dt.date.fromisoformat(r["date"]) for r in q(conn, "select distinct date from account_metrics "
                                                                   "order by date")]
        if days:
            check.same("consecutive days", (days[-1] - days[0]).days + 1, len(days))
            check.same("no day in the future", True, days[-1] <= dt.date.today() + dt.timedelta(days=1))


def compare_orders(conn: sa.Connection, path: Path, check: Check) -> None:
    header, rows = rows_of(path)
    col = {h: i for i, h in enumerate(header)}
    from influscope.db import tables as t

    stored = {r.key: r._mapping for r in conn.execute(sa.select(t.orders))}
    if "Financial Status" not in col:
        return
    for r in rows:
        if not r[col["Currency"]].strip():
            continue  # a further line item of the order above
        key = r[col["Id"]].strip() if "Id" in col and r[col["Id"]].strip() else r[col["Name"]].strip()
        got = stored.get(key)
        if got is None:
            check.same(key, "stored", "missing")
            continue
        for h, field in (("Subtotal", "subtotal"), ("Total", "total")):
            check.same(f"{key} {h}", Decimal(r[col[h]]), Decimal(str(got[field])))
        check.same(f"{key} Currency", r[col["Currency"]], got["currency"])
        codes = [c.strip().upper() for c in r[col["Discount Code"]].split(",")
                 if c.strip() and " " not in c.strip()]
        check.same(f"{key} Discount Code", " ".join(codes) or None, got["discount_codes"])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", type=Path)
    ap.add_argument("--year", type=int, help="year of the first row of exports whose dates have none")
    ap.add_argument("--source", action="append", default=[], help="NAME=SOURCE for a file detection cannot name")
    ap.add_argument("--currency", default=None, help="currency of WooCommerce Analytics downloads")
    ap.add_argument("--date-range", default=None, help="FROM..TO: the period the exports cover")
    ap.add_argument("--lifetime", action="store_true", help="the exports cover the Lifetime period")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args(argv)
    sources = dict(s.split("=", 1) for s in args.source)
    period = None
    if args.date_range:
        first, _, last = args.date_range.partition("..")
        period = dt.date.fromisoformat(first), dt.date.fromisoformat(last)

    from influscope.db.engine import get_engine
    from influscope.ingest.canonical import BundleError, import_bundle
    from influscope.ingest.commerce.common import PayloadError
    from influscope.ingest.commerce.exports import import_orders
    from influscope.ingest.exports import detect, import_export_file
    from influscope.ingest.exports.common import ExportProblem

    work = Path(tempfile.mkdtemp(prefix="verify-exports-"))
    try:
        bundle = work / "bundle"
        bundle.mkdir()
        (bundle / "campaign.yaml").write_text("id: verify\nname: Verify\ngoal: tofu\nstart: 2015-01-01\n"
                                              "end: 2030-12-31\ntimezone: UTC\ncurrency: USD\n", encoding="utf-8")
        (bundle / "creators.csv").write_text("creator_id,platform,handle,name\n" + "".join(
            f"verify,{p},{HANDLE},Verify\n" for p in PLATFORMS), encoding="utf-8")
        template = work / "template.db"
        get_engine(f"sqlite:///{template}").dispose()
        results = []
        items = []  # (name shown, file compared, file imported)
        for path in sorted(p for p in args.folder.rglob("*") if p.is_file()):
            rel = str(path.relative_to(args.folder))
            if path.suffix.lower() in (".csv", ".json"):
                items.append((rel, path, path))
            elif path.suffix.lower() == ".zip":  # each member alone, in a zip under the download's own name
                with zipfile.ZipFile(path) as zf:
                    for member in zf.namelist():
                        if member.lower().endswith((".csv", ".json")) and "__MACOSX" not in member:
                            folder = work / "zips" / str(len(items))
                            folder.mkdir(parents=True)
                            extracted = folder / Path(member).name
                            extracted.write_bytes(zf.read(member))
                            with zipfile.ZipFile(folder / path.name, "w") as one:
                                one.write(extracted, Path(member).name)
                            items.append((f"{rel}/{Path(member).name}", extracted, folder / path.name))
        for n, (name, path, imported) in enumerate(items):
            db = work / f"{n}.db"
            shutil.copy(template, db)
            engine = get_engine(f"sqlite:///{db}")
            import_bundle(engine, bundle, workspace="default")
            check, read, stored, status = Check(), "", "", "ok"
            source = sources.get(path.name)
            try:
                if source in ("shopify", "woocommerce") or (source is None and path.suffix == ".csv" and
                                                             "Financial Status" in path.read_bytes()[:2000].decode("utf-8", "replace")):
                    report = import_orders(engine, path, fmt=source, currency=args.currency)
                    source = source or "shopify"
                    read, stored = str(len(rows_of(path)[1])), str(sum(report.counts.values()))
                    with engine.connect() as conn:
                        compare_orders(conn, path, check)
                else:
                    source = source or detect(path)
                    rep = import_export_file(engine, imported, source=f"{source}@{HANDLE}", year=args.year,
                                             date_range=period, lifetime=args.lifetime, as_of=AS_OF)
                    reading = getattr(rep, "reading", None)  # absent in versions before the per-file report
                    if reading is not None:
                        read, stored = str(reading.rows_read), str(reading.rows_stored)
                    with engine.connect() as conn:
                        compare(conn, path, check, period[0] if period else None)
            except BundleError as exc:
                status = f"refused: {exc.problems[0]}" + (f" (+{len(exc.problems) - 1 + exc.truncated} more)"
                                                          if len(exc.problems) + exc.truncated > 1 else "")
            except ExportProblem as exc:  # detection, before any import
                status = f"refused: {path.name}:{exc.line}: {exc.column}: {exc}"
            except PayloadError as exc:
                status = f"refused: {str(exc).splitlines()[0]}"
            except Exception as exc:  # noqa: BLE001 - a table row per file, whatever happens
                status = f"error: {type(exc).__name__}: {exc}"
            finally:
                engine.dispose()
            if status == "ok":
                status = "MISMATCH" if check.bad else ("ok" if check.checked else "not checked")
            results.append((name, source or "?", read, stored, str(check.cells), str(len(check.bad)), status))
            if args.verbose:
                for line in check.bad[:20]:
                    print(f"  {name}: {line}", file=sys.stderr)
        head = ("file", "source", "rows read", "rows stored", "cells compared", "mismatches", "outcome")
        widths = [max(len(r[i]) for r in [head, *results]) for i in range(len(head) - 1)]
        for r in [head, *results]:
            print("  ".join(c.ljust(w) for c, w in zip(r, widths)) + "  " + r[-1])
        return 1 if any(r[-1] in ("MISMATCH",) or r[-1].startswith("error") for r in results) else 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
