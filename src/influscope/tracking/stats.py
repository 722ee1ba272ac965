"""Campaign link statistics straight from the click store.

- ``clicks``: hits on the campaign's links; bots and link-preview fetchers are excluded unless
  ``include_bots`` (DESIGN section 5, setting ``bot_clicks``);
- ``bot_clicks``: hits flagged as bots (always reported);
- ``unique_clicks``: one per visitor per link per window (setting ``unique_click_window``: 30m,
  1h (default) or 1d): a visitor's click counts again only once the window opened by their last
  counted click has passed. Whether a click opens a window is kept on the click when it is written
  (:mod:`influscope.metrics.unique_windows`), so the database counts them. Visitor hashes use a
  salt rotated daily, so a visitor seen on two UTC days is two visitors; clicks without a visitor
  hash each count;
- breakdowns by day (in the campaign's time zone), country, device, in-app browser (app), referrer
  host, link (with its creator and platform), and bot reason (why hits were flagged: ``None`` for
  people, else a code such as ``list:crawlerdetect`` or ``signal:burst``; see tracking.bots).

Missing dimensions are reported as ``None`` ("unknown"), never folded into another value.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from influscope.db import tables as t
from influscope.metrics import click_rollups, timezones, unique_windows
from influscope.tracking.links import LinkError, LinkProblem, workspace_id

UNIQUE_WINDOWS = unique_windows.WINDOWS  # preset -> seconds, as the unique_click_window setting names them
DIMENSIONS = ("day", "country", "device", "app", "referrer", "link", "bot_reason")


@dataclass
class Count:
    clicks: int = 0
    unique_clicks: int = 0
    bot_clicks: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"clicks": self.clicks, "unique_clicks": self.unique_clicks, "bot_clicks": self.bot_clicks}


@dataclass
class LinkStats:
    campaign: str
    timezone: str
    include_bots: bool
    unique_window_s: int
    start: dt.date | None
    end: dt.date | None
    totals: Count = field(default_factory=Count)
    breakdowns: dict[str, dict[Any, Count]] = field(default_factory=lambda: {d: defaultdict(Count) for d in DIMENSIONS})
    links: dict[str, dict[str, Any]] = field(default_factory=dict)

    def rows(self, dimension: str) -> list[dict[str, Any]]:
        """The breakdown by DIMENSION, biggest first (days in date order)."""
        items = self.breakdowns[dimension].items()
        if dimension == "day":
            ordered = sorted(items, key=lambda kv: kv[0])
        else:
            ordered = sorted(items, key=lambda kv: (-kv[1].clicks, -kv[1].bot_clicks, str(kv[0])))
        out = []
        for key, count in ordered:
            row: dict[str, Any] = {dimension: key.isoformat() if isinstance(key, dt.date) else key}
            if dimension == "link":
                row.update(self.links.get(key, {}))
            row.update(count.as_dict())
            out.append(row)
        return out

    def as_dict(self) -> dict[str, Any]:
        return {
            "campaign": self.campaign,
            "timezone": self.timezone,
            "bot_clicks": "included" if self.include_bots else "excluded",
            "unique_click_window_s": self.unique_window_s,
            "start": self.start.isoformat() if self.start else None,
            "end": self.end.isoformat() if self.end else None,
            "totals": self.totals.as_dict(),
            **{f"by_{d}": self.rows(d) for d in DIMENSIONS},
        }


def referrer_host(referrer: str | None) -> str | None:
    if not referrer:
        return None
    try:
        host = urlsplit(referrer).hostname
    except ValueError:
        return None
    return host or None


def campaign_link_stats(engine: sa.Engine, campaign: str, *, workspace: str | None = None,
                        include_bots: bool = False, unique_window: int | str = "1h",
                        start: dt.date | None = None, end: dt.date | None = None) -> LinkStats:
    """Link statistics of CAMPAIGN; START/END are inclusive days in the campaign's time zone.

    UNIQUE_WINDOW is a preset of the ``unique_click_window`` setting (30m, 1h, 1d) or its length
    in seconds. The database counts: one grouped query per breakdown returns hits, bot hits and
    window-opening hits (kept on each click, :mod:`influscope.metrics.unique_windows`).
    """
    window = _preset(unique_window)
    l, c, cr = t.links, t.campaigns, t.creators
    with engine.connect() as conn:
        ws = workspace_id(conn, workspace)
        camp = conn.execute(sa.select(c.c.id, c.c.timezone).where(c.c.workspace_id == ws, c.c.slug == campaign)).first()
        if camp is None:
            raise LinkError([LinkProblem("", None, "campaign", f"unknown campaign {campaign!r} in this workspace")])
        stats = LinkStats(campaign, camp.timezone or "UTC", include_bots, UNIQUE_WINDOWS[window], start, end)
        slugs: dict[int, str] = {}
        key = sa.func.coalesce(l.c.key, l.c.slug).label("slug")  # the slug as the workspace knows it
        for row in conn.execute(sa.select(l.c.id, key, l.c.platform, cr.c.key.label("creator"))
                                .outerjoin(cr, cr.c.id == l.c.creator_id)
                                .where(l.c.workspace_id == ws, l.c.campaign_id == camp.id)):
            slugs[row.id] = row.slug
            stats.links[row.slug] = {"creator": row.creator, "platform": row.platform}
            stats.breakdowns["link"][row.slug] = Count()  # every link is listed, clicked or not
        if not slugs:
            return stats
    for name, r in _grouped(engine, ws, sorted(slugs), unique_windows.flag_column(window, include_bots),
                            stats.timezone, start, end):
        if name == "":
            targets = [stats.totals]
        else:
            value = r["key"]
            if name == "day":
                value = timezones.day_of(value)
            elif name == "referrer":
                value = referrer_host(value)
            elif name == "link":
                value = slugs[value]
            elif name == "bot_reason":  # people have no reason; a bot without one is "unknown"
                value = (value or "unknown") if r["is_bot"] else None
            targets = [stats.breakdowns[name][value]]
        for target in targets:
            if r["is_bot"]:
                target.bot_clicks += r["n"]
            if include_bots or not r["is_bot"]:
                target.clicks += r["n"]
                target.unique_clicks += int(r["u"] or 0)
    return stats


def _grouped(engine: sa.Engine, ws: int, link_ids: list[int], flag: str, zone: str, start: dt.date | None,
             end: dt.date | None):
    """(breakdown, row) pairs: hits and window-opening hits per bot flag and breakdown key, one grouped
    query per breakdown run by the store (days in ZONE, from :mod:`influscope.metrics.timezones`);
    the totals and the days and links from the click rollups kept at ingest when they are in ZONE."""
    import ibis

    from influscope.kpi.backends import connect, disconnecting, fetch, has_table, table

    tz = ZoneInfo(zone)
    with disconnecting(connect(engine)) as con:
        k = table(con, "clicks")
        hits = k.filter(k.workspace_id == ws, k.link_id.isin(link_ids))
        if start is not None:
            hits = hits.filter(hits.ts >= ibis.literal(_utc(dt.datetime.combine(start, dt.time()), tz)))
        if end is not None:
            hits = hits.filter(hits.ts < ibis.literal(_utc(dt.datetime.combine(end + dt.timedelta(days=1), dt.time()), tz)))
        years = ((start or dt.date(2000, 1, 1)).year - 2, (end or dt.date.today()).year + 2)
        day = timezones.local_day(hits.ts, zone, *years)
        keys = {"day": day, "country": hits.country, "device": hits.device, "app": hits.app,
                "referrer": hits.referrer, "link": hits.link_id, "bot_reason": hits.bot_reason}
        measures = {"n": hits.count(), "u": ibis.ifelse(hits[flag], 1, 0).sum()}
        kept = None  # totals, days and links from the click rollups when they are in the campaign's zone
        if has_table(con, "click_days"):
            kept = click_rollups.in_zone(fetch(con, click_rollups.buckets(table(con, "click_days"), ws, link_ids, flag)),
                                         zone)
        if kept is not None:
            lo, hi = _day_number(start, -1), _day_number(end, 1 << 40)
            kept = [r for r in kept if lo <= r["day"] <= hi]
            for name in ("", "day", "link"):
                sums: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
                for r in kept:
                    total = sums[(r["is_bot"], r["day"] if name == "day" else r["link_id"] if name == "link" else None)]
                    total[0] += r["n"]
                    total[1] += r["u"]
                for (is_bot, value), (n, u) in sums.items():
                    yield name, {"is_bot": is_bot, "key": value, "n": n, "u": u}
        for name, key in [("", None), *keys.items()]:
            if kept is not None and name in ("", "day", "link"):
                continue
            group = {"is_bot": hits.is_bot, **({"key": key} if key is not None else {})}
            for r in fetch(con, hits.group_by(**group).aggregate(**measures)):
                yield name, r


def _day_number(day: dt.date | None, default: int) -> int:
    return default if day is None else (day - click_rollups.EPOCH).days


def _preset(window: int | str) -> str:
    if isinstance(window, int) and not isinstance(window, bool):
        for name, seconds in UNIQUE_WINDOWS.items():
            if seconds == window:
                return name
    elif isinstance(window, str) and window in UNIQUE_WINDOWS:
        return window
    raise ValueError(f"unique_window must be one of {', '.join(UNIQUE_WINDOWS)} "
                     f"({', '.join(str(s) for s in UNIQUE_WINDOWS.values())} seconds), not {window!r}")


def _utc(local: dt.datetime, tz: ZoneInfo) -> dt.datetime:
    return local.replace(tzinfo=tz).astimezone(dt.timezone.utc).replace(tzinfo=None)


__all__ = ["campaign_link_stats", "LinkStats", "Count", "UNIQUE_WINDOWS", "DIMENSIONS", "referrer_host"]
