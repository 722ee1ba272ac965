"""TikTok: the Display API (``/v2/video/list/``, public counts of the user's videos) and the API for
Business (``/business/video/list/`` with reach and watch time, ``/business/get/`` account series).

Display API video objects carry ``view_count``, ``like_count``, ``comment_count``, ``share_count``
and ``create_time`` (epoch seconds); it has no reach or watch time, so those stay NULL with a reason.
Business API durations (``total_time_watched``) are seconds. Business metrics include paid views.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from influscope.ingest.connectors.base import ApiError, Context, Http, as_int, iso_utc, pages
from influscope.ingest.connectors.store import Batch

PLATFORM = "tiktok"
DISPLAY_BASE = "https://open.tiktokapis.com"
BUSINESS_BASE = "https://business-api.tiktok.com/open_api/v1.3"
DISPLAY_FIELDS = "id,create_time,title,video_description,duration,view_count,like_count,comment_count,share_count,share_url"
BUSINESS_FIELDS = ["item_id", "create_time", "caption", "share_url", "video_duration", "video_views", "likes",
                   "comments", "shares", "reach", "total_time_watched", "average_time_watched",
                   "full_video_watched_rate"]


def display_rate_limited(resp, payload: Any) -> bool:
    err = payload.get("error") if isinstance(payload, dict) else None
    return isinstance(err, dict) and err.get("code") == "rate_limit_exceeded"


class TikTokConnector:
    platform = PLATFORM

    def fetch(self, ctx: Context) -> Batch:
        if ctx.options.get("api", "display") == "business":
            return self._business(ctx)
        return self._display(ctx)

    def _in_window(self, ctx: Context, call):
        """(video, posted_at) from the cursor-paged video list CALL, posted inside the sync window.

        TikTok lists newest first, so paging stops at the first video older than the lookback.
        """
        oldest = ctx.since - dt.timedelta(days=int(ctx.options.get("lookback_days", 30)))
        stop = False

        def next_of(page):
            data = page.get("data") or {}
            return None if stop or not data.get("has_more") else (lambda: call(data.get("cursor")))

        for page in pages(call, next_of):
            for v in (page.get("data") or {}).get("videos", []):
                posted = iso_utc(v.get("create_time"))
                if posted and posted > ctx.until:
                    continue
                if posted and posted < oldest:
                    stop = True
                    break
                yield v, posted

    # -- Display API
    def _display(self, ctx: Context) -> Batch:
        batch = Batch("tiktok_display_api")
        http = Http(ctx, batch, ctx.options.get("base_url", DISPLAY_BASE),
                    headers={"Authorization": f"Bearer {ctx.token}"}, rate_limited=display_rate_limited)

        def call(cursor=None):
            body = {"max_count": 20, **({"cursor": cursor} if cursor is not None else {})}
            payload = http.post("/v2/video/list/", params={"fields": DISPLAY_FIELDS}, json=body)
            err = payload.get("error") or {}
            if err.get("code") not in (None, "ok"):
                raise ApiError(200, payload, "/v2/video/list/")
            return payload

        try:
            for v, _posted in self._in_window(ctx, call):
                self._display_video(ctx, batch, v)
            # the campaign's older videos: refreshed by id (at most 20 per request)
            missing = [k for k in ctx.known_posts if k not in batch.posts]
            for i in range(0, len(missing), 20):
                payload = http.post("/v2/video/query/", params={"fields": DISPLAY_FIELDS},
                                    json={"filters": {"video_ids": missing[i:i + 20]}})
                err = payload.get("error") or {}
                if err.get("code") not in (None, "ok"):
                    raise ApiError(200, payload, "/v2/video/query/")
                for v in (payload.get("data") or {}).get("videos", []):
                    self._display_video(ctx, batch, v)
        finally:
            http.close()
        return batch

    def _display_video(self, ctx: Context, batch: Batch, v: dict) -> None:
        vid = str(v["id"])
        batch.add_post(vid, platform=PLATFORM, campaign_id=ctx.campaign_id, creator_id=ctx.creator_id,
                       content_type="video", url=v.get("share_url"), posted_at=iso_utc(v.get("create_time")),
                       caption=v.get("video_description") or v.get("title"))
        batch.add_raw(PLATFORM, "video", vid, ctx.as_of, v)
        metrics = {"views": as_int(v.get("view_count")), "likes": as_int(v.get("like_count")),
                   "comments": as_int(v.get("comment_count")), "shares": as_int(v.get("share_count")),
                   "reach": None, "watch_time_s": None}
        reasons = {m: f"TikTok did not return {f}" for m, f in (
            ("views", "view_count"), ("likes", "like_count"), ("comments", "comment_count"),
            ("shares", "share_count")) if metrics[m] is None}
        reasons.update(reach="not offered by the Display API", watch_time_s="not offered by the Display API")
        batch.add_snapshot(vid, ctx.as_of, metrics, reasons=reasons, raw=v)

    # -- API for Business
    def _business(self, ctx: Context) -> Batch:
        batch = Batch("tiktok_business_api")
        http = Http(ctx, batch, ctx.options.get("base_url", BUSINESS_BASE), headers={"Access-Token": ctx.token})

        def checked(path: str, params: dict) -> dict:
            payload = http.get(path, params=params)
            if payload.get("code") not in (0, None):
                raise ApiError(200, payload, path)
            return payload

        def call(cursor=None):
            params = {"business_id": ctx.account_id, "fields": json.dumps(BUSINESS_FIELDS), "max_count": 20}
            if cursor is not None:
                params["cursor"] = cursor
            return checked("/business/video/list/", params)

        try:
            for v, posted in self._in_window(ctx, call):
                vid = str(v["item_id"])
                batch.add_post(vid, platform=PLATFORM, campaign_id=ctx.campaign_id, creator_id=ctx.creator_id,
                               content_type="video", url=v.get("share_url"), posted_at=posted,
                               caption=v.get("caption"))
                batch.add_raw(PLATFORM, "business_video", vid, ctx.as_of, v)
                names = {"views": "video_views", "likes": "likes", "comments": "comments", "shares": "shares",
                         "reach": "reach"}
                metrics: dict[str, Any] = {m: as_int(v.get(f)) for m, f in names.items()}
                twt = v.get("total_time_watched")
                metrics["watch_time_s"] = float(twt) if twt is not None else None
                reasons = {m: f"TikTok did not return {f}" for m, f in
                           {**names, "watch_time_s": "total_time_watched"}.items() if metrics[m] is None}
                batch.add_snapshot(vid, ctx.as_of, metrics, reasons=reasons, raw=v)
            account = checked("/business/get/", {
                "business_id": ctx.account_id,
                "fields": json.dumps(["followers_count", "audience_countries", "audience_genders"]),
                "start_date": ctx.since.date().isoformat(), "end_date": ctx.until.date().isoformat()})
        finally:
            http.close()
        data = account.get("data") or {}
        handle = ctx.handle or data.get("username") or ctx.account_id
        batch.add_raw(PLATFORM, "business_account", ctx.account_id, ctx.as_of, account)
        if data.get("followers_count") is not None:
            batch.followers.append({"platform": PLATFORM, "handle": handle, "date": ctx.as_of.date(),
                                    "followers": int(data["followers_count"])})
        for row in data.get("metrics") or []:
            day = dt.date.fromisoformat(str(row.get("date"))[:10])
            for name, value in row.items():
                if name != "date":
                    batch.add_account_metric(PLATFORM, handle, day, name, value, reason="not reported")
        for dim, key, field in (("country", "audience_countries", "country"), ("gender", "audience_genders", "gender")):
            items = data.get(key) or []
            total = sum(float(i.get("percentage") or 0) for i in items)
            scale = 100.0 if 0 < total <= 1.0001 else 1.0  # fractions (0-1) or percentages
            for i in items:
                if i.get("percentage") is not None and i.get(field):
                    batch.audience.append({"platform": PLATFORM, "handle": handle, "date": ctx.as_of.date(),
                                           "dimension": dim, "bucket": str(i[field]),
                                           "share": float(i["percentage"]) * scale})
        return batch
