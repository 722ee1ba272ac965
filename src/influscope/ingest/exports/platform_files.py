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
from pathlib import Path
from typing import Any, Callable

from influscope.ingest.canonical import Problem
from influscope.ingest.connectors.store import Batch
from influscope.ingest.exports.common import (ExportProblem, Table, YearlessDates, canonical_header, decode,
                                              is_hidden, norm_header, parse_count, parse_date, parse_datetime,
                                              parse_number, read_table)

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
            reasons[m] = "hidden in the export" if is_hidden(rec[m]) else "empty in the export"
    return metrics, reasons


# ------------------------------------------------------------------------------------- TikTok Studio

def tiktok_studio(path: Path, target: Target) -> Batch:
    table = read_table(path)
    batch = Batch("tiktok_studio")
    if table.has("gender", "distribution"):
        handle = target.account()
        rows = [(line, rec["gender"], _cell(batch, table.file, line, _header_of(table, "distribution"), parse_number,
                                            rec.get("distribution"))) for line, rec in table.records()]
        total = sum(v for _, _, v in rows if v is not None)
        scale = 100.0 if 0 < total <= 1.0001 else 1.0
        for _, bucket, value in rows:
            if value is not None:
                batch.audience.append({"platform": "tiktok", "handle": handle, "date": target.as_of.date(),
                                       "dimension": "gender", "bucket": bucket, "share": value * scale})
        return batch
    if table.has("date"):
        handle = target.account()
        dates = YearlessDates(target.year, target.date_range)
        names = {"views": "video_views", "profile_views": "profile_views", "likes": "likes", "comments": "comments",
                 "shares": "shares", "follower_change": "follower_change", "total_viewers": "total_viewers",
                 "new_viewers": "new_viewers", "returning_viewers": "returning_viewers"}
        if not any(f in table.fields for f in (*names, "followers")):
            raise ExportProblem(1, "-", f"not a TikTok Studio export: unknown columns {', '.join(table.header)}")
        for line, rec in table.records():
            day = _cell(batch, table.file, line, _header_of(table, "date"), dates, rec["date"])
            if day is None:
                continue
            if "followers" in rec:
                n = _cell(batch, table.file, line, _header_of(table, "followers"), parse_count, rec["followers"])
                if n is not None:
                    batch.followers.append({"platform": "tiktok", "handle": handle, "date": day, "followers": n})
            for field, metric in names.items():
                if field in rec:
                    parse = parse_number if field == "follower_change" else parse_count
                    value = _cell(batch, table.file, line, _header_of(table, field), parse, rec[field])
                    batch.add_account_metric("tiktok", handle, day, metric, value,
                                             reason="hidden in the export" if is_hidden(rec[field]) else "empty in the export")
        return batch
    if table.has("views") and (table.has("url") or table.has("post_id")):
        return _posts_table(table, target, batch, platform="tiktok",
                            key_of=lambda rec: rec.get("post_id") or _match(r"/video/(\d+)", rec.get("url")))
    raise ExportProblem(1, "-", f"not a TikTok Studio export: unknown columns {', '.join(table.header)}")


def _match(pattern: str, text: str | None) -> str | None:
    m = re.search(pattern, text or "")
    return m.group(1) if m else None


def _posts_table(table: Table, target: Target, batch: Batch, *, platform: str, key_of: Callable[[dict], str | None],
                 content_type: str = "video", extra: Callable[[dict, dict, int], None] | None = None) -> Batch:
    dates = YearlessDates(target.year, target.date_range)
    cells_by_line = dict(table.rows)
    for line, rec in table.records():
        key = key_of(rec)
        if not key:
            batch.problems.append(Problem(table.file, line, _header_of(table, "url" if "url" in rec else "post_id"),
                                          "no post id (and none in the link)"))
            continue
        if key.casefold() in TOTAL_ROW:
            continue
        posted = None
        if rec.get("posted_at"):
            posted = parse_datetime(rec["posted_at"])
            if posted is None:
                day = _cell(batch, table.file, line, _header_of(table, "posted_at"), dates, rec["posted_at"])
                posted = dt.datetime(day.year, day.month, day.day) if day else None
        batch.add_post(key, platform=platform, campaign_id=target.campaign_id, creator_id=target.creator_id,
                       line=(table.file, line), content_type=content_type, url=rec.get("url") or None,
                       posted_at=posted, caption=rec.get("title") or None)
        metrics, reasons = _post_metrics(batch, table, line, rec)
        if extra:
            extra(rec, metrics, line)
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
    for line, cells in table.rows:
        rec_date = cells[table.fields.index("date")].strip()
        day = _cell(batch, table.file, line, table.header[table.fields.index("date")],
                    lambda s: parse_date(s) or (_ for _ in ()).throw(ValueError(f"not a date: {s!r}")), rec_date)
        if day is None:
            continue
        raw = cells[value_col].strip() if value_col < len(cells) else ""
        value = _cell(batch, table.file, line, table.header[value_col], parse_number, raw)
        batch.add_account_metric("instagram", handle, day, metric, value,
                                 reason="hidden in the export" if is_hidden(raw) else "empty in the export")
    return batch


# --------------------------------------------------------------------------------------- YouTube Studio

def youtube_studio(path: Path, target: Target) -> Batch:
    table = read_table(path)
    batch = Batch("youtube_studio")
    if table.has("post_id", "views"):
        def extra(rec: dict, metrics: dict, line: int) -> None:
            if "watch_time_hours" in rec:
                hours = _cell(batch, table.file, line, _header_of(table, "watch_time_hours"), parse_number,
                              rec["watch_time_hours"])
                metrics["watch_time_s"] = hours * 3600 if hours is not None else None

        def key(rec: dict) -> str | None:
            return rec.get("post_id") or None

        out = _posts_table(table, target, batch, platform="youtube", key_of=key, extra=extra)
        for post in out.posts.values():
            post.setdefault("url", None)
        for key_, post in out.posts.items():
            if not post.get("url"):
                post["url"] = f"https://www.youtube.com/watch?v={key_}"
        return out
    if table.has("date"):
        handle = target.account()
        for line, rec in table.records():
            day = _cell(batch, table.file, line, _header_of(table, "date"),
                        lambda s: parse_date(s) or (_ for _ in ()).throw(ValueError(f"not a date: {s!r}")), rec["date"])
            if day is None:
                continue
            for field, text in rec.items():
                if field in ("date", None) or field == "title":
                    continue
                value = _cell(batch, table.file, line, _header_of(table, field), parse_number, text)
                name = field
                if field == "watch_time_hours" and value is not None:
                    name, value = "watch_time_s", value * 3600
                elif field == "watch_time_hours":
                    name = "watch_time_s"
                batch.add_account_metric("youtube", handle, day, name, value, reason="empty in the export")
        return batch
    raise ExportProblem(1, "-", f"not a YouTube Studio export: unknown columns {', '.join(table.header)}")


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
    for n, item in enumerate(items):
        flat = _flat(item)
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
        batch.add_snapshot(pid, target.as_of, metrics, reasons=reasons, raw=item)
    return batch
