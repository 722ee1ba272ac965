"""Native export importers: a file exported from a platform's own analytics, into canonical records.

``import_export_file(engine, path, source=None, workspace="default", year=None)`` detects the
format from the file's header (or takes ``source``), parses everything first, and writes nothing
unless every row is valid (problems are raised as :class:`~influscope.ingest.canonical.BundleError`
with ``FILE:LINE: COLUMN: message``). ``source`` may name the account the export belongs to as
``NAME@HANDLE`` (e.g. ``tiktok_studio@meilin.eats``): account-level files (follower history, daily
overview) need it, and posts of that account join its creator's campaign.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Callable

import sqlalchemy as sa

from influscope.db import slugs
from influscope.db import tables as t
from influscope.ingest.canonical import (
    BundleError,
    FileReport,
    ImportReport,
    Problem,
    normalise_handle,
)
from influscope.ingest.connectors.store import Batch, write_batch
from influscope.ingest.exports.common import (
    ExportProblem,
    Reading,
    day_order,
    decode,
    norm_header,
    read_table,
    require_date,
)
from influscope.ingest.exports.platform_files import (
    TOTAL_ROW,
    YT_DIMENSIONS,
    Target,
    chinese_platform,
    instagram_export,
    meta_account,
    meta_business_suite,
    tiktok_studio,
    youtube_studio,
)


@dataclass
class ExportReport(ImportReport):
    """An import's counts of changes, plus what the file gave: rows read and stored, columns used and
    ignored, and warnings."""

    source: str = ""
    file: str = ""
    reading: Reading = field(default_factory=Reading)
    parts: list[ExportReport] = field(default_factory=list)  # a zip's files, each with its own report

    def as_dict(self) -> dict:
        out = {**super().as_dict(), "source": self.source, "file": self.file, "report": self.reading.as_dict()}
        if self.parts:
            out["parts"] = [part.as_dict() for part in self.parts]
        return out


@dataclass(frozen=True)
class Source:
    name: str
    platform: str
    parse: Callable[[Path, Target], Batch]
    fills: tuple[str, ...]
    description: str


def _ga4_csv(path: Path, target: Target) -> Batch:
    from influscope.ingest.connectors.ga4 import parse_report_csv

    return parse_report_csv(path)


SOURCES: dict[str, Source] = {s.name: s for s in (
    Source("tiktok_studio", "tiktok", tiktok_studio,
           ("account_metrics: video_views, profile_views, likes, comments, shares, total/new/returning viewers",
            "followers.csv: followers", "audience.csv: gender", "posts.csv: views, likes, comments, shares"),
           "TikTok Studio CSV exports (Overview, FollowerHistory, Viewers, FollowerGender, content) or their zips; "
           "dates have no year (settled from the zip's name or the days, else --year)"),
    Source("instagram_export", "instagram", instagram_export, ("account_metrics: the exported metric per day",),
           "Instagram per-metric export (UTF-16LE with BOM, sep=, line, title line, Date,Primary)"),
    Source("youtube_studio", "youtube", youtube_studio,
           ("posts.csv: views, likes, comments, shares, impressions, watch_time_s (from hours)",
            "post_daily_metrics: each day's views (and other counts) of a daily per-video chart",
            "account_metrics: per-day chart columns"),
           "YouTube Studio 'Table data' (per video; its period from --date-range, --lifetime, or the download's "
           "name or date file), 'Chart data' (per day, per video and day) and 'Totals' CSV "
           "exports, or the zip as downloaded"),
    Source("weibo", "weibo", chinese_platform("weibo"), ("posts.csv: views (reads), likes (attitudes), comments, shares (reposts)",),
           "Weibo status JSON (open API v2 shape) or CSV"),
    Source("douyin", "douyin", chinese_platform("douyin"), ("posts.csv: views (play), likes (digg), comments, shares, saves (collect)",),
           "Douyin video JSON (statistics / post_stats, counts like 20.0w) or CSV"),
    Source("bilibili", "bilibili", chinese_platform("bilibili"), ("posts.csv: views, likes, comments (reply), shares, saves (favorite)",),
           "Bilibili video JSON (data.stat; view '--' when hidden) or CSV"),
    Source("xiaohongshu", "xiaohongshu", chinese_platform("xiaohongshu"),
           ("posts.csv: likes (liked), comments, shares, saves (collected)",),
           "Xiaohongshu (RED) note JSON or CSV"),
    Source("meta_business_suite", "instagram", meta_business_suite,
           (("posts.csv: views, reach, likes, comments, shares, saves (Instagram); views, reach, reactions, "
             "comments, shares (Facebook)"),),
           "Meta Business Suite post exports (Instagram and Facebook; Publish time MM/DD/YYYY HH:MM, "
           "Date = Lifetime); the account is read from the file"),
    Source("ga4_csv", "ga4", _ga4_csv,
           ("traffic.csv: sessions, new_users, engaged_sessions, pageviews, session_duration_s",),
           "GA4 report exported as CSV (date, session source/medium/campaign/manual ad content)"),
)}


def detect(path: Path) -> str:
    """The source name of PATH from its header (or JSON keys); raise ExportProblem when unknown."""
    text = decode(path.read_bytes())
    head = text.lstrip()
    if head.startswith(("{", "[")):
        for name, markers in (("bilibili", ('"bvid"', '"danmaku"')), ("weibo", ('"attitudes_count"', '"reposts_count"')),
                              ("douyin", ('"aweme_id"', '"digg_count"', '"post_stats"')),
                              ("xiaohongshu", ('"liked_count"', '"collected_count"', '"note_id"'))):
            if any(m in text for m in markers):
                return name
        raise ExportProblem(1, "-", "unknown JSON export: name its source with --source")
    first = head.splitlines()[0].strip().strip('"').lower() if head else ""
    table = read_table(path, text)
    if first.startswith("sep="):
        return "instagram_export"
    if table.comments and any(h.lower() in ("sessions", "session source", "session medium", "sesiones", "工作階段")
                              for h in table.header):
        return "ga4_csv"
    fields = set(table.fields)
    names = {norm_header(h) for h in table.header}
    if "post_id" in fields and names & {"account username", "page name", "page id"} and "publish time" in names:
        return "meta_business_suite"
    if {"territory", "distribution"} <= fields or {"date", "hour", "active_followers"} <= fields:
        return "tiktok_studio"
    if {"gender", "distribution"} <= fields or {"date", "profile_views"} <= fields or \
            {"date", "follower_change"} <= fields or {"date", "total_viewers"} <= fields:
        return "tiktok_studio"
    if "watch_time_hours" in fields or "avg_view_duration" in fields or "comments_added" in fields or (
            "views" in fields and names & YT_DIMENSIONS) or (
            "post_id" in fields and "title" in fields and any(h.lower() in ("content", "contenido") for h in table.header)):
        return "youtube_studio"
    urls = " ".join(c for _, cells in table.rows[:20] for c in cells)
    for domain, name in (("tiktok.com", "tiktok_studio"), ("weibo.com", "weibo"), ("weibo.cn", "weibo"), ("douyin.com", "douyin"),
                         ("bilibili.com", "bilibili"), ("xiaohongshu.com", "xiaohongshu"), ("xhslink.com", "xiaohongshu"),
                         ("youtube.com", "youtube_studio")):
        if domain in urls:
            return name
    if any(h.lower() in ("sessions", "sesiones") for h in table.header):
        return "ga4_csv"
    raise ExportProblem(1, "-", f"cannot tell which export this is from its header ({', '.join(table.header)}); "
                                "name it with --source (see `influscope sources`)")


def period_options(text: str | None) -> dict[str, Any]:
    """The period an export covers, as written in a form or a request: ``FROM..TO`` (ISO dates) or
    ``lifetime``; the matching options of :func:`import_export_file` (none when empty). Raises
    ValueError naming what is expected."""
    text = (text or "").strip()
    if not text:
        return {}
    if text.casefold() == "lifetime":
        return {"lifetime": True}
    start, sep, end = text.partition("..")
    try:
        period = dt.date.fromisoformat(start.strip()), dt.date.fromisoformat(end.strip())
    except ValueError:
        period = None
    if not sep or period is None or period[0] > period[1]:
        raise ValueError(f"period: expected FROM..TO as ISO dates (2025-06-13..2026-06-12) or lifetime, got {text!r}")
    return {"date_range": period}


def _resolve(conn: sa.Connection, ws: int | None, platform: str, handle: str | None,
             campaign: str | None, creator: str | None) -> tuple[int | None, int | None]:
    """(campaign_id, creator_id) for posts of HANDLE (or the named creator/campaign)."""
    if ws is None:
        return None, None
    creator_id = campaign_id = None
    if creator:
        creator_id = conn.execute(sa.select(t.creators.c.id).where(t.creators.c.workspace_id == ws,
                                                                   t.creators.c.key == creator)).scalar()
    elif handle:
        creator_id = conn.execute(sa.select(t.creator_accounts.c.creator_id).where(
            t.creator_accounts.c.workspace_id == ws, t.creator_accounts.c.platform == platform,
            t.creator_accounts.c.handle == handle)).scalar()
    if campaign:
        campaign_id = conn.execute(sa.select(t.campaigns.c.id).where(t.campaigns.c.workspace_id == ws,
                                                                     t.campaigns.c.slug == campaign)).scalar()
    elif creator_id is not None:
        found = conn.execute(sa.select(t.campaign_creators.c.campaign_id).join(
            t.campaigns, t.campaigns.c.id == t.campaign_creators.c.campaign_id).where(
            t.campaign_creators.c.creator_id == creator_id).order_by(t.campaigns.c.start_date.desc())).scalars().all()
        campaign_id = found[0] if len(found) == 1 else None
    return campaign_id, creator_id


def import_export_file(engine: sa.Engine, path: str | Path, source: str | None = None, workspace: str = "default",
                       year: int | None = None, *, date_range: tuple[dt.date, dt.date] | None = None,
                       lifetime: bool = False, account: str | None = None, campaign: str | None = None, creator: str | None = None,
                       as_of: dt.datetime | None = None) -> ExportReport:
    """Import one native export file, or the .zip a platform downloads (every export in it, as one
    import); all or nothing. Returns the counts of what changed and what each file gave (a zip's
    files in ``parts``).

    ``as_of`` (default: the file's modification time, to the second, UTC) is the time of the post
    metric snapshots, so importing the same file again changes nothing. ``date_range`` is the period
    the export covers; ``lifetime`` says it covers the Lifetime period (what a YouTube Studio per-video
    table's counts are depends on it: without one of them, or the period stated by the download, such
    a table is refused).
    """
    path = Path(path)
    if not path.is_file():
        raise BundleError([Problem(str(path), 0, "-", "not a file")])
    if lifetime and date_range:
        raise BundleError([Problem(path.name, 0, "--lifetime", "give the period (--date-range) or --lifetime, "
                                                                "not both")])
    if source and "@" in source:
        source, _, account = source.partition("@")
    if as_of is None:
        as_of = dt.datetime.fromtimestamp(int(path.stat().st_mtime), dt.timezone.utc).replace(tzinfo=None)
    options: dict[str, Any] = dict(source=source, workspace=workspace, year=year, date_range=date_range,
                                   lifetime=lifetime, account=account, campaign=campaign, creator=creator, as_of=as_of)
    if path.suffix.lower() == ".zip":
        return _import_zip(engine, path, options)
    # an unzipped YouTube Studio download keeps its name on the folder ("Content FROM_TO Channel/")
    batch, report = _parse_file(engine, path, path.name, path.name, names=(path.name, path.parent.name), **options)
    with engine.begin() as conn:
        write_batch(conn, workspace, batch, report, file=path.name)
    return report


def _import_zip(engine: sa.Engine, path: Path, options: dict) -> ExportReport:
    """Every export file in the zip PATH, parsed first and written in one transaction; file names in
    problems are ``ZIP/MEMBER``, and the zip's own name is kept as evidence (TikTok Studio writes the
    export time into it)."""
    with tempfile.TemporaryDirectory(prefix="influscope-export-") as tmp:
        members = _extract(path, Path(tmp))
        period = None if options["date_range"] or options["lifetime"] else _download_period(members)
        parsed, problems, truncated = [], [], 0
        for member in members:
            opts, told = options, None
            if period and _per_video_table(member):  # its counts are those of the period of its date file
                (start, end), source_file = period
                opts = {**options, "date_range": (start, end)}
                told = f"the period {start}..{end} is that of {source_file} in the zip"
            try:
                batch, part = _parse_file(engine, member, f"{path.name}/{member.name}", path.name, names=(path.name,),
                                          **opts)
                if told:
                    part.reading.warn(told)
                parsed.append((batch, part))
            except BundleError as exc:
                problems.extend(exc.problems)
                truncated += exc.truncated
        if problems:
            raise BundleError(problems[:200], truncated + max(0, len(problems) - 200))
        report = ExportReport(options["workspace"], None, source=", ".join(dict.fromkeys(r.source for _, r in parsed)),
                              file=path.name)
        with engine.begin() as conn:
            for batch, part in parsed:
                write_batch(conn, options["workspace"], batch, part, file=part.file)
                report.parts.append(part)
                for name, counts in part.files.items():
                    total = report.files.setdefault(name, FileReport())
                    total.inserted += counts.inserted
                    total.updated += counts.updated
                    total.unchanged += counts.unchanged
                report.reading.rows_read += part.reading.rows_read
                report.reading.rows_stored += part.reading.rows_stored
                report.reading.warnings.extend(f"{part.file}: {w}" for w in part.reading.warnings)
    return report


def _per_video_table(path: Path) -> bool:
    try:
        table = read_table(path)
    except (ExportProblem, UnicodeDecodeError, ValueError):
        return False
    return table.has("post_id") and not table.has("date")


def _download_period(members: list[Path]) -> tuple[tuple[dt.date, dt.date], str] | None:
    """The period a YouTube Studio download covers, and the file that states it: the first and last
    day of its date file (Totals.csv, Chart data.csv), when a per-video table is beside it."""
    if not any(_per_video_table(m) for m in members):
        return None
    for member in members:
        try:
            table = read_table(member)
            if not table.has("date"):
                continue
            i = table.fields.index("date")
            texts = [cells[i].strip() for _, cells in table.rows if i < len(cells)]
            texts = [x for x in texts if x and x.casefold() not in TOTAL_ROW]
            order = day_order(texts)
            days = [require_date(x, order) for x in texts]
        except (ExportProblem, UnicodeDecodeError, ValueError):
            continue
        if days:
            return (min(days), max(days)), member.name
    return None


MAX_MEMBERS = 64
MAX_UNZIPPED = 200 * 1024 * 1024


def _extract(path: Path, dest: Path) -> list[Path]:
    """The export files (.csv, .json, .txt) of the zip PATH, extracted flat into DEST; refuses unsafe
    paths, links, and more than 200 MB or 64 files."""
    def refuse(message: str) -> BundleError:
        return BundleError([Problem(path.name, 0, "-", message)])

    try:
        zf = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise refuse("the .zip file is damaged or not a zip file") from None
    out: list[Path] = []
    with zf:
        members = [m for m in zf.infolist() if not m.is_dir()]
        if len(members) > MAX_MEMBERS:
            raise refuse(f"the zip holds {len(members)} files; at most {MAX_MEMBERS} are accepted")
        if sum(m.file_size for m in members) > MAX_UNZIPPED:
            raise refuse("the zip expands to more than 200 MB")
        for m in members:
            name = PurePosixPath(m.filename)
            if name.is_absolute() or ".." in name.parts or (m.external_attr >> 16) & 0o170000 == 0o120000:
                raise refuse(f"{m.filename}: unsafe path or link in the zip")
            if name.name.startswith(".") or "__MACOSX" in name.parts or \
                    name.suffix.lower() not in (".csv", ".json", ".txt"):
                continue
            if name.name.lower() in ("campaign.yaml", "campaign.yml"):
                raise refuse("this zip is a campaign bundle (campaign.yaml): import it as a bundle")
            target = dest / name.name
            if target.exists():
                raise refuse(f"two files named {name.name} in the zip")
            with zf.open(m) as src, open(target, "wb") as dst:
                shutil.copyfileobj(src, dst)
            out.append(target)
    if not out:
        raise refuse("no export file (.csv, .json) in the zip")
    return sorted(out)


def _parse_file(engine: sa.Engine, path: Path, name: str, source_name: str, *, source: str | None, workspace: str,
                year: int | None, date_range: tuple[dt.date, dt.date] | None, lifetime: bool, account: str | None,
                campaign: str | None, creator: str | None, as_of: dt.datetime,
                names: tuple[str, ...] = ()) -> tuple[Batch, ExportReport]:
    """PATH parsed into a batch and its report; problems are located in NAME (the file's name, or
    ``ZIP/MEMBER``); SOURCE_NAME is the name the file came in under."""
    try:
        source = (source or detect(path)).strip().lower().replace("-", "_")
    except ExportProblem as exc:
        raise BundleError([Problem(name, exc.line, exc.column, str(exc))]) from None
    except UnicodeDecodeError as exc:
        raise BundleError([Problem(name, 1, "-", f"not UTF-8 or UTF-16 text ({exc.reason})")]) from None
    if source not in SOURCES:
        raise BundleError([Problem(name, 0, "--source", f"unknown source {source!r} (one of {', '.join(SOURCES)})")])
    spec = SOURCES[source]
    handle = normalise_handle(account) if account else None
    platform = spec.platform
    if source == "meta_business_suite":  # the file names its account and platform
        try:
            platform, found = meta_account(read_table(path))
        except ExportProblem as exc:
            raise BundleError([Problem(name, exc.line, exc.column, str(exc))]) from None
        handle = handle or (normalise_handle(found) if found else None)
    with engine.connect() as conn:
        ws = slugs.workspace_id(conn, workspace)
        campaign_id, creator_id = _resolve(conn, ws, platform, handle, campaign, creator)
    target = Target(file=name, platform=platform, source=source, as_of=as_of, handle=handle,
                    campaign_id=campaign_id, creator_id=creator_id, year=year, date_range=date_range,
                    lifetime=lifetime, source_name=source_name, names=names)
    try:
        batch = spec.parse(path, target)
    except ExportProblem as exc:
        raise BundleError([Problem(name, exc.line, exc.column, str(exc))]) from None
    except UnicodeDecodeError as exc:
        raise BundleError([Problem(name, 1, "-", f"not UTF-8 or UTF-16 text ({exc.reason})")]) from None
    if batch.problems:
        raise BundleError(batch.problems[:200], max(0, len(batch.problems) - 200))
    reading = target.reading
    if source == "ga4_csv":
        reading.rows_read = reading.rows_stored = len(batch.traffic)
    elif not reading.rows_read:
        raise BundleError([Problem(name, 1, "-", "no data below the header: nothing to import (was the export "
                                                 "empty for the period chosen?)")])
    elif not reading.rows_stored and not reading.warnings:
        raise BundleError([Problem(name, 1, "-", "no row of this file could be stored")])
    return batch, ExportReport(workspace, None, source=source, file=name, reading=reading)
