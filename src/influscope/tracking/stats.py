"""Campaign link statistics straight from the click store.

- ``clicks``: hits on the campaign's links; bots and link-preview fetchers are excluded unless
  ``include_bots`` (DESIGN section 5, setting ``bot_clicks``);
- ``bot_clicks``: hits flagged as bots (always reported);
- ``unique_clicks``: one per visitor per link per window (setting ``unique_click_window``, default
  1 hour): a visitor's click counts again only once the window since their last counted click has
  passed. Visitor hashes use a salt rotated daily, so a visitor seen on two UTC days is two visitors;
  clicks without a visitor hash each count;
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
from influscope.tracking.links import LinkError, LinkProblem, workspace_id

UNIQUE_WINDOWS = {"30min": 1800, "1h": 3600, "1d": 86400}
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
                        include_bots: bool = False, unique_window: int | str = 3600,
                        start: dt.date | None = None, end: dt.date | None = None) -> LinkStats:
    """Link statistics of CAMPAIGN; START/END are inclusive days in the campaign's time zone."""
    window = UNIQUE_WINDOWS.get(unique_window, unique_window) if isinstance(unique_window, str) else unique_window
    if not isinstance(window, int) or window <= 0:
        raise ValueError(f"unique_window must be a positive number of seconds or one of {', '.join(UNIQUE_WINDOWS)}")
    l, k, c, cr = t.links, t.clicks, t.campaigns, t.creators
    with engine.connect() as conn:
        ws = workspace_id(conn, workspace)
        camp = conn.execute(sa.select(c.c.id, c.c.timezone).where(c.c.workspace_id == ws, c.c.slug == campaign)).first()
        if camp is None:
            raise LinkError([LinkProblem("", None, "campaign", f"unknown campaign {campaign!r} in this workspace")])
        tz = ZoneInfo(camp.timezone or "UTC")
        stats = LinkStats(campaign, camp.timezone or "UTC", include_bots, window, start, end)
        for row in conn.execute(sa.select(l.c.id, l.c.slug, l.c.platform, cr.c.key.label("creator"))
                                .outerjoin(cr, cr.c.id == l.c.creator_id)
                                .where(l.c.workspace_id == ws, l.c.campaign_id == camp.id)):
            stats.links[row.slug] = {"creator": row.creator, "platform": row.platform}
            stats.breakdowns["link"][row.slug] = Count()  # every link is listed, clicked or not
        q = (sa.select(k.c.link_id, l.c.slug, k.c.ts, k.c.is_bot, k.c.bot_reason, k.c.visitor_hash, k.c.country,
                       k.c.device, k.c.app, k.c.referrer)
             .join_from(k, l, l.c.id == k.c.link_id)
             .where(k.c.workspace_id == ws, l.c.workspace_id == ws, l.c.campaign_id == camp.id)
             .order_by(k.c.link_id, k.c.visitor_hash, k.c.ts, k.c.id))
        if start is not None:
            q = q.where(k.c.ts >= _utc(dt.datetime.combine(start, dt.time()), tz))
        if end is not None:
            q = q.where(k.c.ts < _utc(dt.datetime.combine(end + dt.timedelta(days=1), dt.time()), tz))
        last_counted: dict[tuple[int, str], dt.datetime] = {}
        utc = dt.timezone.utc
        for r in conn.execution_options(yield_per=20_000).execute(q):
            bot = bool(r.is_bot)
            counted = include_bots or not bot
            unique = False
            if counted:
                if r.visitor_hash is None:
                    unique = True
                else:
                    key = (r.link_id, r.visitor_hash)
                    prev = last_counted.get(key)
                    if prev is None or (r.ts - prev).total_seconds() >= window:
                        unique = True
                        last_counted[key] = r.ts
            day = r.ts.replace(tzinfo=utc).astimezone(tz).date()
            keys = {"day": day, "country": r.country, "device": r.device, "app": r.app,
                    "referrer": referrer_host(r.referrer), "link": r.slug,
                    "bot_reason": (r.bot_reason or "unknown") if bot else None}
            for target in [stats.totals] + [stats.breakdowns[d][v] for d, v in keys.items()]:
                if bot:
                    target.bot_clicks += 1
                if counted:
                    target.clicks += 1
                    target.unique_clicks += unique
    return stats


def _utc(local: dt.datetime, tz: ZoneInfo) -> dt.datetime:
    return local.replace(tzinfo=tz).astimezone(dt.timezone.utc).replace(tzinfo=None)


__all__ = ["campaign_link_stats", "LinkStats", "Count", "UNIQUE_WINDOWS", "DIMENSIONS", "referrer_host"]
