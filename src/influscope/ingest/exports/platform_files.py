"""Parsers of the native exports: TikTok Studio CSVs, Instagram per-metric exports, YouTube Studio
tables, and the JSON/CSV of Weibo, Douyin, Bilibili and Xiaohongshu.

Each parser turns one file into a :class:`~influscope.ingest.connectors.store.Batch` of canonical
records and collects row problems as ``FILE:LINE: COLUMN: message``.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from dataclasses import field as dc_field
from pathlib import Path
from typing import Any, Callable

from influscope.ingest.canonical import Problem
from influscope.ingest.connectors.store import Batch
from influscope.ingest.exports.common import (
    ExportProblem,
    Reading,
    Table,
    YearlessDates,
    canonical_header,
    date_near,
    day_order,
    decode,
    is_hidden,
    is_undefined,
    missing_reason,
    norm_header,
    parse_count,
    parse_datetime,
    parse_duration,
    parse_date,
    parse_month_day,
    parse_net_count,
    parse_number,
    read_table,
    require_date,
    tiktok_id_time,
)
from influscope.ingest.exports.yearless import Unsettled, settle_year

POST_FIELDS = ("views", "likes", "comments", "shares", "saves", "reach", "impressions")
TOTAL_ROW = {"total", "totales", "总计", "總計", "合计", "合計", "الإجمالي", "المجموع"}


@dataclass
class Target:
    """Where the file's records go."""

    file: str
    platform: str
    source: str
    as_of: dt.datetime
    handle: str | None = None
    campaign_id: int | None = None
    creator_id: int | None = None
    year: int | None = None
    date_range: tuple[dt.date, dt.date] | None = None
    lifetime: bool = False  # told that the export's period is Lifetime (a YouTube per-video table's counts)
    source_name: str | None = None  # the name the file came in under (a zip's), when it carries more
    names: tuple[str, ...] = ()  # every name the file came under: its zip's, its own, its folder's
    reading: Reading = dc_field(default_factory=Reading)

    def account(self, line: int = 1) -> str:
        if not self.handle:
            raise ExportProblem(line, "-", f"this {self.platform} export does not name its account: give it as "
                                           f"--source {self.source}@HANDLE")
        return self.handle


def _cell(batch: Batch, file: str, line: int, column: str, parse: Callable[[str], Any], text: str | None) -> Any:
    if text is None:
        return None
    try:
        return parse(text)
    except ValueError as exc:
        batch.problems.append(Problem(file, line, column, str(exc)))
        return None


def _header_of(table: Table, field: str) -> str:
    return table.header[table.fields.index(field)] if field in table.fields else field


def _post_metrics(batch: Batch, table: Table, line: int, rec: dict[str, str], names=POST_FIELDS):
    metrics, reasons = {}, {}
    for m in names:
        if m not in rec:
            continue
        metrics[m] = _cell(batch, table.file, line, _header_of(table, m), parse_count, rec[m])
        if metrics[m] is None:
            reasons[m] = missing_reason(rec[m])
    return metrics, reasons


# ------------------------------------------------------------------------------------- TikTok Studio

# daily account series: canonical field -> account metric; NET ones are daily net changes (likes minus
# unlikes, comments minus deleted ones) and may be negative
TIKTOK_DAILY = {"views": "video_views", "profile_views": "profile_views", "likes": "likes", "comments": "comments",
                "shares": "shares", "follower_change": "follower_change", "total_viewers": "total_viewers",
                "new_viewers": "new_viewers", "returning_viewers": "returning_viewers", "reach": "reached_audience",
                "website_clicks": "website_clicks"}
TIKTOK_NET = {"likes", "comments", "shares", "follower_change"}
# parts of a whole written 0 on the days the whole is "undefined" (before the account's data starts):
# such a 0 is no count
TIKTOK_PART_OF = {"new_viewers": "total_viewers", "returning_viewers": "total_viewers", "follower_change": "followers"}


def _date_order(table: Table, field: str) -> str | None:
    if field not in table.fields:
        return None
    i = table.fields.index(field)
    try:
        return day_order(cells[i] for _, cells in table.rows if i < len(cells))
    except ValueError as exc:
        raise ExportProblem(table.rows[0][0] if table.rows else 1, table.header[i], str(exc)) from None


def _shares(batch: Batch, table: Table, target: Target, dimension: str, field: str) -> Batch:
    handle = target.account()
    rows = []
    for line, rec in table.records():
        target.reading.rows_read += 1
        rows.append((line, rec[field], _cell(batch, table.file, line, _header_of(table, "distribution"), parse_number,
                                             rec.get("distribution"))))
    total = sum(v for _, _, v in rows if v is not None)
    scale = 100.0 if 0 < total <= 1.0001 else 1.0
    for _, bucket, value in rows:
        if value is not None:
            target.reading.rows_stored += 1
            batch.audience.append({"platform": "tiktok", "handle": handle, "date": target.as_of.date(),
                                   "dimension": dimension, "bucket": bucket, "share": round(value * scale, 9)})  # 0.29 x 100 is 29, not 28.999...96
    target.reading.columns(table.header, [_header_of(table, field), _header_of(table, "distribution")])
    return batch


def _daily_dates(table: Table, target: Target) -> YearlessDates:
    """The reader of a daily file's dates: with the year given (--year, --date-range), or else settled
    from the file's days and its name (see :mod:`influscope.ingest.exports.yearless`)."""
    order = _date_order(table, "date")
    if target.year is not None or target.date_range is not None:
        return YearlessDates(target.year, target.date_range, order=order)
    column = _header_of(table, "date")
    i = table.fields.index("date")
    rows = [(line, cells[i].strip()) for line, cells in table.rows if i < len(cells)]
    rows = [(line, text) for line, text in rows if text and text.casefold() not in TOTAL_ROW]
    yearless = []
    for line, text in rows:
        try:
            if parse_date(text, order) is not None:
                continue
        except ValueError:
            continue
        md = parse_month_day(text)
        if md is not None:
            yearless.append((line, text, md))
    if not yearless:
        return YearlessDates(order=order)
    try:
        # the name it came under; an unzipped TikTok Studio download keeps the zip's name on its folder
        name = " ".join([target.source_name or target.file,
                         *(n for n in target.names[1:] if re.match(r"(?:Overview|Followers|Viewers|Content)_", n))])
        year, why = settle_year([md for _, _, md in yearless], name)
    except Unsettled as exc:
        raise ExportProblem(yearless[0][0], column, f"{yearless[0][1]!r}: {exc}") from None
    target.reading.warn(f"the dates have no year: {yearless[0][1]!r} (line {yearless[0][0]}) is taken as {year}, "
                        f"settled by {why}")
    return YearlessDates(year, order=order)


def tiktok_studio(path: Path, target: Target) -> Batch:
    table = read_table(path)
    batch = Batch("tiktok_studio")
    if table.has("gender", "distribution"):
        return _shares(batch, table, target, "gender", "gender")
    if table.has("territory", "distribution"):
        return _shares(batch, table, target, "country", "territory")
    if table.has("date", "hour", "active_followers"):
        return _tiktok_hours(table, target, batch)
    if table.has("date"):
        handle = target.account()
        if not any(f in table.fields for f in (*TIKTOK_DAILY, "followers")):
            raise ExportProblem(1, "-", f"not a TikTok Studio export: unknown columns {', '.join(table.header)}")
        used = [_header_of(table, f) for f in ("date", "followers", *TIKTOK_DAILY) if f in table.fields]
        target.reading.columns(table.header, used)
        dates = _daily_dates(table, target)
        for line, rec in table.records():
            target.reading.rows_read += 1
            if rec["date"].casefold() in TOTAL_ROW:
                target.reading.warn(f"line {line}: the Total row is not stored")
                continue
            day = _cell(batch, table.file, line, _header_of(table, "date"), dates, rec["date"])
            if day is None:
                continue
            target.reading.rows_stored += 1
            if "followers" in rec:
                n = _cell(batch, table.file, line, _header_of(table, "followers"), parse_count, rec["followers"])
                if n is not None:
                    batch.followers.append({"platform": "tiktok", "handle": handle, "date": day, "followers": n})
            for field, metric in TIKTOK_DAILY.items():
                if field in rec:
                    parse = parse_net_count if field in TIKTOK_NET else parse_count
                    value = _cell(batch, table.file, line, _header_of(table, field), parse, rec[field])
                    reason = missing_reason(rec[field])
                    whole = TIKTOK_PART_OF.get(field)
                    if whole is not None and value == 0 and whole in rec and is_undefined(rec[whole]):
                        value, reason = None, (f"0 beside an undefined {_header_of(table, whole)}: no data for "
                                               "that day")
                    batch.add_account_metric("tiktok", handle, day, metric, value, reason=reason)
        return batch
    if table.has("views") and (table.has("url") or table.has("post_id")):
        return _posts_table(table, target, batch, platform="tiktok", tiktok_ids=True,
                            key_of=lambda rec: rec.get("post_id") or _match(r"/video/(\d+)", rec.get("url")))
    raise ExportProblem(1, "-", f"not a TikTok Studio export: unknown columns {', '.join(table.header)}")


def _tiktok_hours(table: Table, target: Target, batch: Batch) -> Batch:
    """``Date,Hour,Active followers``: followers online in each hour, stored per day as
    ``active_followers_hHH``."""
    handle = target.account()
    dates = _daily_dates(table, target)
    target.reading.columns(table.header, [_header_of(table, f) for f in ("date", "hour", "active_followers")])
    for line, rec in table.records():
        target.reading.rows_read += 1
        day = _cell(batch, table.file, line, _header_of(table, "date"), dates, rec["date"])
        hour = _cell(batch, table.file, line, _header_of(table, "hour"), _hour, rec["hour"])
        value = _cell(batch, table.file, line, _header_of(table, "active_followers"), parse_count,
                      rec["active_followers"])
        if day is None or hour is None:
            continue
        target.reading.rows_stored += 1
        batch.add_account_metric("tiktok", handle, day, f"active_followers_h{hour:02d}", value,
                                 reason=missing_reason(rec["active_followers"]))
    return batch


def _hour(text: str) -> int:
    m = re.fullmatch(r"(\d{1,2})(?::00)?(?:\s*h)?", text.strip())
    if not m or int(m.group(1)) > 23:
        raise ValueError(f"not an hour (0-23): {text!r}")
    return int(m.group(1))


def _match(pattern: str, text: str | None) -> str | None:
    m = re.search(pattern, text or "")
    return m.group(1) if m else None


def _posted(batch: Batch, table: Table, line: int, rec: dict, dates: YearlessDates, key: str,
            tiktok_ids: bool, order: str | None) -> dt.datetime | None:
    text = rec.get("posted_at") or ""
    column = _header_of(table, "posted_at")
    stamp = tiktok_id_time(key) if tiktok_ids else None
    if not text:
        return stamp
    try:
        posted = parse_datetime(text, order)
    except ValueError as exc:
        batch.problems.append(Problem(table.file, line, column, str(exc)))
        return None
    if posted is not None:
        return posted
    md = parse_month_day(text)
    if stamp is not None and md is not None:  # a yearless date: the video id settles the year
        day = _cell(batch, table.file, line, column, lambda s: date_near(md, stamp.date(), s), text)
        return stamp if day else None
    day = _cell(batch, table.file, line, column, dates, text)
    return dt.datetime(day.year, day.month, day.day) if day else None


def _posts_table(table: Table, target: Target, batch: Batch, *, platform: str, key_of: Callable[[dict], str | None],
                 content_type: str = "video", extra: Callable[[dict, dict, int], None] | None = None,
                 tiktok_ids: bool = False, extra_columns: tuple[str, ...] = ()) -> Batch:
    dates = YearlessDates(target.year, target.date_range, latest=target.as_of.date() + dt.timedelta(days=1))
    order = _date_order(table, "posted_at")
    cells_by_line = dict(table.rows)
    used = [_header_of(table, f) for f in ("post_id", "url", "title", "posted_at", *POST_FIELDS, *extra_columns)
            if f in table.fields]
    target.reading.columns(table.header, used)
    for line, rec in table.records():
        target.reading.rows_read += 1
        key = key_of(rec)
        if key and key.casefold() in TOTAL_ROW:  # YouTube's Total row: "Total" where the video id goes
            target.reading.warn(f"line {line}: the Total row is not stored")
            continue
        if not key:
            batch.problems.append(Problem(table.file, line, _header_of(table, "url" if "url" in rec else "post_id"),
                                          "no post id (and none in the link)"))
            continue
        posted = _posted(batch, table, line, rec, dates, key, tiktok_ids, order)
        batch.add_post(key, platform=platform, campaign_id=target.campaign_id, creator_id=target.creator_id,
                       line=(table.file, line), content_type=content_type, url=rec.get("url") or None,
                       posted_at=posted, caption=rec.get("title") or None)
        metrics, reasons = _post_metrics(batch, table, line, rec)
        if extra:
            extra(rec, metrics, line)
        target.reading.rows_stored += 1
        batch.add_snapshot(key, target.as_of, metrics, reasons=reasons,
                           raw={"file": table.file, "line": line, "row": dict(zip(table.header, cells_by_line[line]))})
    return batch


# ------------------------------------------------------------------------------------------ Instagram

def instagram_export(path: Path, target: Target) -> Batch:
    """Per-metric exports: UTF-16LE with BOM, a ``sep=,`` line, a title line (the metric), then
    ``Date,Primary``."""
    table = read_table(path)
    batch = Batch("instagram_export")
    if not table.has("date") or len(table.header) < 2:
        raise ExportProblem(1, "-", "not an Instagram export: expected a Date column and a value column")
    title = (table.title or "").strip()
    metric = canonical_header(re.sub(r"^instagram\s+", "", title, flags=re.I)) or \
        re.sub(r"[^0-9a-z]+", "_", norm_header(title)).strip("_") or "value"
    value_col = next(i for i, f in enumerate(table.fields) if f != "date")
    handle = target.account()
    order = _date_order(table, "date")
    target.reading.columns(table.header, [_header_of(table, "date"), table.header[value_col]])
    for line, cells in table.rows:
        target.reading.rows_read += 1
        rec_date = cells[table.fields.index("date")].strip()
        day = _cell(batch, table.file, line, table.header[table.fields.index("date")],
                    lambda s: require_date(s, order), rec_date)
        if day is None:
            continue
        raw = cells[value_col].strip() if value_col < len(cells) else ""
        value = _cell(batch, table.file, line, table.header[value_col], parse_number, raw)
        target.reading.rows_stored += 1
        batch.add_account_metric("instagram", handle, day, metric, value, reason=missing_reason(raw))
    return batch


# --------------------------------------------------------------------------------------- YouTube Studio

# per-video columns -> post metric (counts; Watch time in hours becomes seconds)
YT_POST = {"views": "views", "likes": "likes", "comments_added": "comments", "comments": "comments",
           "shares": "shares", "impressions": "impressions", "watch_time_hours": "watch_time_s"}
# columns that split a chart by a dimension (YouTube Studio's "Compare"/breakdown menus)
YT_DIMENSIONS = {"subscription status", "traffic source", "traffic source type", "geography", "device type",
                 "operating system", "viewer age", "viewer gender", "content type", "subtitles and cc",
                 "playback location", "sharing service", "youtube product", "subscription source",
                 "new and returning viewers", "audio track", "external site", "search term", "city",
                 "creator content type", "video type"}


def _yt_metric(header: str, field: str | None) -> tuple[str, Callable[[str], float | None]]:
    """The account metric name and parser of a date table's column."""
    if field == "watch_time_hours":
        return "watch_time_s", lambda s: None if (h := parse_number(s)) is None else h * 3600
    if field == "avg_view_duration":
        return "avg_view_duration_s", parse_duration
    if field == "views":
        return "views", parse_count
    name = re.sub(r"[^0-9a-z]+", "_", norm_header(header).replace("%", " pct ")).strip("_")
    name = re.sub(r"_+", "_", name)[:64] or "value"
    return name, parse_number


def _split_column(table: Table, skip: set[str]) -> int | None:
    """The index of a column that splits rows by a dimension (text, not numbers), if any."""
    for i, h in enumerate(table.header):
        if i in skip or not h.strip():
            continue
        if norm_header(h) in YT_DIMENSIONS:
            return i
        values = [cells[i].strip() for _, cells in table.rows[:50] if i < len(cells) and cells[i].strip()]
        texts = [v for v in values if v.casefold() not in TOTAL_ROW and not is_hidden(v) and not is_undefined(v)]
        if texts and all(re.search(r"[^\d.,:%\s+\-]", v) for v in texts):
            return i
    return None


def youtube_studio(path: Path, target: Target) -> Batch:
    table = read_table(path)
    batch = Batch("youtube_studio")
    known = {i for i, f in enumerate(table.fields) if f in ("date", "post_id", "title", "posted_at", "duration")}
    split = _split_column(table, known)
    if split is not None:
        values = sorted({cells[split].strip() for _, cells in table.rows if split < len(cells)} - {""}
                        - {v for _, cells in table.rows for v in cells[split:split + 1] if v.casefold() in TOTAL_ROW})
        per = "day" if "date" in table.fields else "video" if "post_id" in table.fields else "table"
        raise ExportProblem(table.rows[0][0] if table.rows else 1, table.header[split],
                            f"the {'chart' if per == 'day' else 'table'} is split by {table.header[split]} "
                            f"({', '.join(values[:4])}{', ...' if len(values) > 4 else ''}): its rows are parts of "
                            f"one {per}'s total, which the file does not hold as such; export it without the split "
                            "(or one file per value)")
    if table.has("post_id", "date"):
        return _youtube_daily_videos(table, target, batch)
    if table.has("post_id", "views") or (table.has("post_id") and any(f in YT_POST for f in table.fields)):
        def extra(rec: dict, metrics: dict, line: int) -> None:
            for field, metric in YT_POST.items():
                if field in rec and field not in POST_FIELDS:
                    parse = parse_count if metric != "watch_time_s" else parse_number
                    value = _cell(batch, table.file, line, _header_of(table, field), parse, rec[field])
                    if metric == "watch_time_s" and value is not None:
                        value *= 3600
                    metrics[metric] = value

        out = _posts_table(table, target, batch, platform="youtube", key_of=lambda rec: rec.get("post_id") or None,
                           extra=extra, extra_columns=tuple(YT_POST))
        for key_, post in out.posts.items():
            if not post.get("url"):
                post["url"] = f"https://www.youtube.com/watch?v={key_}"
        return _youtube_table_period(out, target)
    if table.has("date"):
        return _youtube_days(table, target, batch)
    raise ExportProblem(1, "-", f"not a YouTube Studio export: unknown columns {', '.join(table.header)}")


# YouTube Studio names its download "<report> <first day>_<last day> <channel>" (the zip, and the folder
# it unzips to): "Content 2025-06-13_2026-06-12 Mei-Lin Cooks.zip"
YT_DOWNLOAD_NAME = re.compile(r"\b(\d{4}-\d{2}-\d{2})_(\d{4}-\d{2}-\d{2})\b")


def download_period(name: str) -> tuple[dt.date, dt.date] | None:
    """The period a YouTube Studio download's name states (its first and last day), if it has one."""
    m = YT_DOWNLOAD_NAME.search(name.strip())
    if not m:
        return None
    try:
        start, end = dt.date.fromisoformat(m.group(1)), dt.date.fromisoformat(m.group(2))
    except ValueError:
        return None
    return (start, end) if start <= end else None


def _youtube_table_period(batch: Batch, target: Target) -> Batch:
    """A per-video table holds each video's counts in the period chosen when exporting, which the
    file does not state. With the period known (``date_range``: --date-range, the date file beside
    it in the downloaded zip, or the download's name), the counts of a video published inside it are
    its lifetime counts at the period's end (the snapshot is dated the next midnight); those of an
    older video are the period's only, and are not stored as its lifetime counts. Told it is the
    Lifetime period, every video's counts are its lifetime counts at the file's time. Without either,
    the file is refused: its numbers could be any period's."""
    if target.lifetime and target.date_range is None:
        target.reading.warn("the counts are each video's lifetime counts (the Lifetime period, as told), stored "
                            f"at {target.as_of:%Y-%m-%d %H:%M} UTC")
        return batch
    date_range = target.date_range
    if date_range is None:
        for name in target.names:
            date_range = download_period(name)
            if date_range is not None:
                target.reading.warn(f"the period {date_range[0]}..{date_range[1]} is that of the download's name "
                                    f"{name!r}")
                break
    if date_range is None:  # after the rows' own problems, if any
        batch.problems.append(Problem(
            target.file, 1, "-", "the counts of a per-video table are those of the period chosen in YouTube Studio, which this "
                    "file does not state: give it (--date-range FROM..TO, or --lifetime if it was exported for "
                    "Lifetime; the Period field on the import page), or import the zip as downloaded, whose "
                    "Totals.csv, Chart data.csv or name states it"))
        return batch
    start, end = date_range
    at = dt.datetime(end.year, end.month, end.day) + dt.timedelta(days=1)
    if at > target.as_of + dt.timedelta(days=2):
        raise ExportProblem(1, "-", f"the period {start}..{end} ends after the file was written "
                                    f"({target.as_of:%Y-%m-%d}): it cannot be this file's period")
    older = {key for key, post in batch.posts.items()
             if post.get("posted_at") is None or post["posted_at"].date() < start}
    batch.snapshots = [{**snap, "as_of": at} for snap in batch.snapshots if snap["post_key"] not in older]
    target.reading.rows_stored -= len(older)
    undated = sorted(k for k in older if batch.posts[k].get("posted_at") is None)
    for names, what in ((sorted(older - set(undated)), f"published before the period's first day {start}"),
                        (undated, "without a publish time (whether they were published inside the period is "
                                  "unknown)")):
        if names:
            target.reading.warn(f"{len(names)} video(s) {what} ({', '.join(names[:5])}"
                                f"{', ...' if len(names) > 5 else ''}): their counts are the period's, not their "
                                "lifetime's, so they are not stored (their posts are)")
    return batch


def _youtube_days(table: Table, target: Target, batch: Batch) -> Batch:
    """A date table (``Chart data.csv`` of the channel, ``Totals.csv``): every column a daily account
    metric; durations (h:mm:ss) in seconds, watch time in seconds, percentages as written."""
    handle = target.account()
    per_video = [_header_of(table, f) for f in ("title", "posted_at", "duration") if f in table.fields]
    twice = sorted({h for h in table.header if h.strip() and table.header.count(h) > 1})
    if per_video or twice:  # e.g. a date table and a per-video table pasted side by side
        raise ExportProblem(1, ", ".join(twice or per_video),
                            (f"{len(twice)} column name(s) appear twice" if twice else
                             "a date table with per-video columns") + ": not one YouTube Studio export as "
                            "downloaded (two tables joined?); import its Chart data.csv, Totals.csv or Table data.csv "
                            "as exported")
    order = _date_order(table, "date")
    date_col = table.fields.index("date")
    columns = [(i, h, *_yt_metric(h, f)) for i, (h, f) in enumerate(zip(table.header, table.fields))
               if i != date_col and h.strip()]
    if not columns:
        raise ExportProblem(1, "-", f"no value column next to {table.header[date_col]}: nothing to import")
    target.reading.columns(table.header, [table.header[date_col], *(h for _, h, _, _ in columns)])
    seen: dict[dt.date, int] = {}
    for line, cells in table.rows:
        target.reading.rows_read += 1
        text = cells[date_col].strip() if date_col < len(cells) else ""
        if text.casefold() in TOTAL_ROW:
            target.reading.warn(f"line {line}: the Total row is not stored")
            continue
        day = _cell(batch, table.file, line, table.header[date_col], lambda s: require_date(s, order), text)
        if day is None:
            continue
        if day in seen:
            batch.problems.append(Problem(table.file, line, table.header[date_col],
                                          f"a second row for {day} (the first is line {seen[day]}): the rows would "
                                          "overwrite each other; export the chart without a split"))
            continue
        seen[day] = line
        target.reading.rows_stored += 1
        for i, header, name, parse in columns:
            raw = cells[i].strip() if i < len(cells) else ""
            value = _cell(batch, table.file, line, header, parse, raw)
            batch.add_account_metric("youtube", handle, day, name, value, reason=missing_reason(raw))
    return batch


def _youtube_daily_videos(table: Table, target: Target, batch: Batch) -> Batch:
    """Daily per-video chart (``Date,Content,Video title,Video publish time,Duration,Views``): every
    row is what the video got on that day, stored as a daily per-post metric. A video published on
    or after the chart's first day also gets its running total at the end of each day as a post
    snapshot dated the next midnight, since from its first day on that total is its lifetime count;
    an older video gets no snapshot (the chart holds only its views in the period)."""
    order = _date_order(table, "date")
    pub_order = _date_order(table, "posted_at")
    additive = {f: m for f, m in YT_POST.items() if f in table.fields}
    if not additive:
        raise ExportProblem(1, "-", "this per-video chart has no column that adds up over days (Views, Watch time "
                                    "(hours), Likes, ...): nothing in it is a count of the video")
    rows: list[tuple[int, dict, dt.date]] = []
    for line, rec in table.records():
        target.reading.rows_read += 1
        if rec["date"].casefold() in TOTAL_ROW or rec.get("post_id", "").casefold() in TOTAL_ROW:
            target.reading.warn(f"line {line}: the Total row is not stored")
            continue
        day = _cell(batch, table.file, line, _header_of(table, "date"), lambda s: require_date(s, order), rec["date"])
        if day is not None:
            rows.append((line, rec, day))
    if not rows:
        return batch
    first = min(day for _, _, day in rows)
    by_video: dict[str, list[tuple[int, dict, dt.date]]] = {}
    for item in rows:
        by_video.setdefault(item[1].get("post_id", ""), []).append(item)
    older: list[str] = []
    used = {_header_of(table, f) for f in ("date", "post_id", "title", "posted_at", *additive)}
    for key, items in by_video.items():
        line0, rec0, _ = items[0]
        if not key:
            batch.problems.append(Problem(table.file, line0, _header_of(table, "post_id"), "no video id"))
            continue
        seen: dict[dt.date, int] = {}
        for line, _, day in items:
            if day in seen:
                batch.problems.append(Problem(table.file, line, _header_of(table, "date"),
                                              f"a second row for video {key} on {day} (the first is line {seen[day]}): "
                                              "a chart split by a dimension? export it without the split"))
            seen.setdefault(day, line)
        published = _cell(batch, table.file, line0, _header_of(table, "posted_at"),
                          lambda s: parse_datetime(s, pub_order), rec0.get("posted_at")) if rec0.get("posted_at") else None
        lifetime = published is not None and published.date() >= first
        if not lifetime:
            older.append(key)
        batch.add_post(key, platform="youtube", campaign_id=target.campaign_id, creator_id=target.creator_id,
                       line=(table.file, line0), content_type="video", url=f"https://www.youtube.com/watch?v={key}",
                       posted_at=published, caption=rec0.get("title") or None)
        running: dict[str, float] = {}
        for line, rec, day in sorted(items, key=lambda x: x[2]):
            metrics: dict[str, Any] = {}
            for field, metric in additive.items():
                parse = parse_count if metric != "watch_time_s" else parse_number
                value = _cell(batch, table.file, line, _header_of(table, field), parse, rec.get(field))
                if value is not None and metric == "watch_time_s":
                    value *= 3600
                batch.add_post_day(key, day, metric, value, reason=missing_reason(rec.get(field) or ""))
                if value is not None:
                    running[metric] = running.get(metric, 0) + value
                if metric in running:
                    metrics[metric] = running[metric]
            target.reading.rows_stored += 1
            if lifetime:
                batch.add_snapshot(key, dt.datetime(day.year, day.month, day.day) + dt.timedelta(days=1), metrics,
                                   raw={"file": table.file, "line": line, "running_total_from": str(first)})
    ignored = [h for h, f in zip(table.header, table.fields) if h not in used and h.strip()]
    target.reading.columns(table.header, used)
    if ignored:
        target.reading.warn(f"not stored: {', '.join(ignored)} (not a count that adds up over days)")
    if older:
        n = sum(len(by_video[k]) for k in older)
        target.reading.warn(f"{len(older)} video(s) published before the chart's first day {first} "
                            f"({', '.join(older[:5])}{', ...' if len(older) > 5 else ''}): their {n} rows are stored as "
                            "daily counts only, with no lifetime total (the chart holds their views in the period, "
                            "not before it; import Table data.csv for their lifetime totals)")
    return batch


# ------------------------------------------------------------------------------ Meta Business Suite

META_COUNTS = ("views", "reach", "likes", "comments", "shares", "saves")


def meta_account(table: Table) -> tuple[str, str | None]:
    """(platform, account handle) of a Meta Business Suite post export: Instagram exports carry
    ``Account username``, Facebook ones ``Page name`` / ``Page ID``."""
    header = {norm_header(h): i for i, h in enumerate(table.header)}
    for name, platform in (("account username", "instagram"), ("page name", "facebook"), ("page id", "facebook")):
        if name in header:
            i = header[name]
            values = {cells[i].strip() for _, cells in table.rows if i < len(cells) and cells[i].strip()}
            if len(values) > 1:
                raise ExportProblem(table.rows[0][0], table.header[i],
                                    f"posts of several accounts in one file ({', '.join(sorted(values)[:3])}): "
                                    "export one account at a time")
            return platform, (values.pop() if values else None)
    raise ExportProblem(1, "-", "not a Meta Business Suite post export: no Account username or Page name column")


def meta_business_suite(path: Path, target: Target) -> Batch:
    """Instagram and Facebook post exports of Meta Business Suite (Insights > Content > Export):
    ``"Post ID","Account ID","Account username",...,"Publish time",...,"Date",Views,Reach,Likes,...``;
    publish times are ``MM/DD/YYYY HH:MM``, counts like ``15,000``, and ``Date`` says ``Lifetime``."""
    table = read_table(path)
    batch = Batch("meta_business_suite")
    platform, _ = meta_account(table)
    if not table.has("post_id"):
        raise ExportProblem(1, "-", "not a Meta Business Suite post export: no Post ID column")
    header = {norm_header(h): i for i, h in enumerate(table.header)}
    reactions = header.get("reactions")
    ptype = header.get("post type")
    period = header.get("date")
    cells_by_line = dict(table.rows)
    used = [_header_of(table, f) for f in ("post_id", "url", "title", "posted_at", *META_COUNTS) if f in table.fields]
    used += [table.header[i] for i in (reactions, ptype, period) if i is not None]
    used += [table.header[header[n]] for n in ("account username", "page name", "page id") if n in header]
    target.reading.columns(table.header, used)
    for line, rec in table.records():
        target.reading.rows_read += 1
        cells = cells_by_line[line]
        if period is not None and period < len(cells):
            when = cells[period].strip()
            if when and when.casefold() not in ("lifetime", "total", "vida útil", "全期", "总计", "مدى الحياة"):
                batch.problems.append(Problem(table.file, line, table.header[period],
                                              f"metrics for {when!r}, not lifetime: export with the Lifetime period"))
                continue
        key = rec["post_id"]
        posted = _cell(batch, table.file, line, _header_of(table, "posted_at"),
                       lambda s: parse_datetime(s, "mdy") or (_ for _ in ()).throw(ValueError(f"not a time: {s!r}")),
                       rec.get("posted_at") or None)
        kind = cells[ptype].strip().casefold() if ptype is not None and ptype < len(cells) else ""
        content = "reel" if "reel" in kind else "story" if "story" in kind else "video" if "video" in kind else "post"
        caption = next((cells[i].strip() for i, f in enumerate(table.fields)
                        if f == "title" and i < len(cells) and cells[i].strip()), None)
        batch.add_post(key, platform=platform, campaign_id=target.campaign_id, creator_id=target.creator_id,
                       line=(table.file, line), content_type=content, url=rec.get("url") or None, posted_at=posted,
                       caption=caption)
        metrics, reasons = _post_metrics(batch, table, line, rec, META_COUNTS)
        if reactions is not None:
            raw = cells[reactions].strip() if reactions < len(cells) else ""
            metrics["reactions"] = _cell(batch, table.file, line, table.header[reactions], parse_count, raw)
            if metrics["reactions"] is None:
                reasons["reactions"] = missing_reason(raw)
        target.reading.rows_stored += 1
        batch.add_snapshot(key, target.as_of, metrics, reasons=reasons,
                           raw={"file": table.file, "line": line, "row": dict(zip(table.header, cells))})
    return batch


# ------------------------------------------------------------------- Weibo, Douyin, Bilibili, Xiaohongshu

# per platform: canonical metric -> keys in the JSON item (first present wins)
JSON_KEYS: dict[str, dict[str, tuple[str, ...]]] = {
    "weibo": {"id": ("idstr", "id", "mid"), "caption": ("text", "text_raw"), "posted_at": ("created_at",),
              "shares": ("reposts_count", "reposts"), "comments": ("comments_count", "comments"),
              "likes": ("attitudes_count", "attitudes"), "views": ("reads",)},
    "douyin": {"id": ("aweme_id", "item_id", "id"), "caption": ("desc", "title"), "posted_at": ("create_time",),
               "views": ("play_count",), "likes": ("digg_count", "like_count"), "comments": ("comment_count",),
               "shares": ("share_count",), "saves": ("collect_count",), "url": ("share_url",)},
    "bilibili": {"id": ("bvid", "aid"), "caption": ("title",), "posted_at": ("pubdate", "ctime"),
                 "views": ("view",), "likes": ("like",), "comments": ("reply",), "shares": ("share",),
                 "saves": ("favorite",)},
    "xiaohongshu": {"id": ("note_id", "id"), "caption": ("title", "desc", "display_title"),
                    "posted_at": ("time", "create_time", "publish_time"), "likes": ("liked_count",),
                    "comments": ("comments_count", "comment_count"), "shares": ("share_count",),
                    "saves": ("collected_count",), "views": ("view_count",)},
}
URLS = {"weibo": "https://m.weibo.cn/detail/{id}", "douyin": "https://www.douyin.com/video/{id}",
        "bilibili": "https://www.bilibili.com/video/{id}", "xiaohongshu": "https://www.xiaohongshu.com/explore/{id}"}
NESTED = ("stat", "statistics", "post_stats", "interact_info", "note_card", "stats")
CONTENT = {"weibo": "post", "douyin": "video", "bilibili": "video", "xiaohongshu": "post"}


def _items(data: Any, id_keys: tuple[str, ...]) -> list[dict]:
    """The list of post objects in a JSON document (an API response, a list, or one object)."""
    if isinstance(data, list):
        if data and all(isinstance(x, dict) for x in data):
            if any(k in _flat(x) for x in data for k in id_keys):
                return data
        out: list[dict] = []
        for x in data:
            out.extend(_items(x, id_keys))
        return out
    if isinstance(data, dict):
        if any(k in _flat(data) for k in id_keys) and any(k in _flat(data) for k in ("stat", "statistics", "view",
                                                                                        "reposts_count", "digg_count",
                                                                                        "liked_count", "play_count",
                                                                                        "post_stats", "attitudes_count",
                                                                                        "like", "interact_info")):
            return [data]
        for key in ("data", "statuses", "list", "items", "notes", "aweme_list", "archives", "result"):
            if key in data:
                found = _items(data[key], id_keys)
                if found:
                    return found
    return []


def _flat(item: dict) -> dict:
    flat = dict(item)
    for key in NESTED:
        if isinstance(item.get(key), dict):
            for k, v in item[key].items():
                flat.setdefault(k, v)
    return flat


def _epoch_or_text(value: Any) -> dt.datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, (int, float)) or (isinstance(value, str) and value.isdigit()):
        n = float(value)
        if n > 1e12:
            n /= 1000
        return dt.datetime.fromtimestamp(n, dt.timezone.utc).replace(tzinfo=None)
    text = str(value)
    try:  # Weibo: "Tue May 31 17:46:55 +0800 2011"
        return dt.datetime.strptime(text, "%a %b %d %H:%M:%S %z %Y").astimezone(dt.timezone.utc).replace(tzinfo=None)
    except ValueError:
        pass
    parsed = parse_datetime(text)
    if parsed is None:
        raise ValueError(f"not a date-time: {text!r}")
    return parsed


def chinese_platform(platform: str) -> Callable[[Path, Target], Batch]:
    def parse(path: Path, target: Target) -> Batch:
        text = decode(path.read_bytes())
        if text.lstrip().startswith(("{", "[")):
            return _chinese_json(platform, path, text, target)
        table = read_table(path, text)
        batch = Batch(f"{platform}_export")
        if not (table.has("post_id") or table.has("url")):
            raise ExportProblem(1, "-", f"not a {platform} export: needs a post id or link column "
                                        f"(got {', '.join(table.header)})")
        patterns = {"weibo": r"weibo\.(?:com|cn)/(?:detail/|status/|\d+/)(\w+)", "douyin": r"/video/(\d+)",
                    "bilibili": r"/video/(BV\w+|av\d+)", "xiaohongshu": r"/(?:explore|discovery/item)/(\w+)"}
        return _posts_table(table, target, batch, platform=platform, content_type=CONTENT[platform],
                            key_of=lambda rec: rec.get("post_id") or _match(patterns[platform], rec.get("url")))
    parse.__name__ = platform
    return parse


def _chinese_json(platform: str, path: Path, text: str, target: Target) -> Batch:
    batch = Batch(f"{platform}_export")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ExportProblem(exc.lineno, "-", f"not valid JSON: {exc.msg}") from None
    keys = JSON_KEYS[platform]
    items = _items(data, keys["id"])
    if not items:
        raise ExportProblem(1, "-", f"no {platform} posts found (expected objects with {', '.join(keys['id'])})")
    used: set[str] = set()
    for n, item in enumerate(items):
        target.reading.rows_read += 1
        flat = _flat(item)
        used.update(k for name in keys.values() for k in name if k in flat)
        pid = next((str(flat[k]) for k in keys["id"] if flat.get(k) not in (None, "")), None)
        line = text[: text.find(f'"{pid}"')].count("\n") + 1 if pid and f'"{pid}"' in text else 1
        if pid is None:
            batch.problems.append(Problem(path.name, line, f"item {n + 1}", "no post id"))
            continue
        pick = lambda name: next((flat[k] for k in keys.get(name, ()) if k in flat), None)  # noqa: E731
        posted = _cell(batch, path.name, line, "posted_at", _epoch_or_text, pick("posted_at"))
        url = pick("url") or URLS[platform].format(id=pid)
        batch.add_post(pid, platform=platform, campaign_id=target.campaign_id, creator_id=target.creator_id,
                       line=(path.name, line), content_type=CONTENT[platform], url=url, posted_at=posted,
                       caption=pick("caption"))
        metrics, reasons = {}, {}
        for m in ("views", "likes", "comments", "shares", "saves"):
            if m not in keys:
                continue
            raw = pick(m)
            metrics[m] = _cell(batch, path.name, line, next((k for k in keys[m] if k in flat), keys[m][0]),
                               parse_count, raw)
            if metrics[m] is None:
                reasons[m] = ("hidden by the platform" if is_hidden(raw) else
                              f"{platform} export has no {'/'.join(keys[m])}")
        target.reading.rows_stored += 1
        batch.add_snapshot(pid, target.as_of, metrics, reasons=reasons, raw=item)
    target.reading.used = sorted(used)  # JSON keys read; the rest of each item is kept in raw
    return batch
