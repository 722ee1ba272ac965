"""YouTube: Data API v3 (channel statistics, uploads, ``videos.list`` statistics that arrive as JSON
strings) and, when the token allows it, the Analytics API (``reports`` by video and by day).

``likeCount`` is absent when the owner hides it and ``dislikeCount`` has been private since 2021:
absent counts are NULL with that reason. ``estimatedMinutesWatched`` (minutes) is stored as seconds.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from influscope.ingest.connectors.base import ApiError, Context, Http, as_int, iso_utc, pages
from influscope.ingest.connectors.store import Batch

PLATFORM = "youtube"
DATA_BASE = "https://www.googleapis.com/youtube/v3"
ANALYTICS_BASE = "https://youtubeanalytics.googleapis.com/v2"
VIDEO_METRICS = ["views", "estimatedMinutesWatched", "averageViewDuration", "likes", "comments", "shares"]
DAY_METRICS = ["views", "estimatedMinutesWatched", "subscribersGained", "subscribersLost"]


def google_rate_limited(resp, payload: Any) -> bool:
    if resp.status_code != 403 or not isinstance(payload, dict):
        return False
    reasons = {e.get("reason") for e in (payload.get("error") or {}).get("errors", [])}
    return bool(reasons & {"rateLimitExceeded", "userRateLimitExceeded"})


def result_table(payload: dict) -> list[dict[str, Any]]:
    """Rows of an Analytics API resultTable as dicts keyed by column name."""
    names = [h["name"] for h in payload.get("columnHeaders", [])]
    return [dict(zip(names, row)) for row in payload.get("rows") or []]


class YouTubeConnector:
    platform = PLATFORM

    def fetch(self, ctx: Context) -> Batch:
        batch = Batch("youtube_api")
        headers = {"Authorization": f"Bearer {ctx.token}"}
        data = Http(ctx, batch, ctx.options.get("base_url", DATA_BASE), headers=headers,
                    rate_limited=google_rate_limited)
        try:
            videos = self._videos(ctx, data, batch)
            if ctx.options.get("comments", True):
                for vid, snap in videos.items():
                    if snap["metrics"].get("comments"):
                        self._comments(ctx, data, batch, vid)
        finally:
            data.close()
        if ctx.options.get("analytics", True) and videos:
            ana = Http(ctx, batch, ctx.options.get("analytics_base_url", ANALYTICS_BASE), headers=headers,
                       rate_limited=google_rate_limited)
            try:
                self._analytics(ctx, ana, batch, videos)
            finally:
                ana.close()
        else:
            for vid, snap in videos.items():
                self._finish(batch, ctx, vid, snap, None)
        return batch

    def _videos(self, ctx: Context, http: Http, batch: Batch) -> dict[str, dict]:
        ch = http.get("/channels", params={"part": "snippet,contentDetails,statistics", "id": ctx.account_id})
        items = ch.get("items") or []
        if not items:
            raise ApiError(404, {"error": {"message": f"channel {ctx.account_id} not found"}}, "/channels")
        channel = items[0]
        batch.add_raw(PLATFORM, "channel", ctx.account_id, ctx.as_of, channel)
        ctx.handle = ctx.handle or str((channel.get("snippet") or {}).get("customUrl", "")).lstrip("@").lower() or ctx.account_id
        stats = channel.get("statistics") or {}
        if not stats.get("hiddenSubscriberCount") and stats.get("subscriberCount") is not None:
            batch.followers.append({"platform": PLATFORM, "handle": ctx.handle, "date": ctx.as_of.date(),
                                    "followers": as_int(stats["subscriberCount"])})
        uploads = channel["contentDetails"]["relatedPlaylists"]["uploads"]
        oldest = ctx.since - dt.timedelta(days=int(ctx.options.get("lookback_days", 30)))
        ids: list[str] = []
        stop = False

        def call(token=None):
            params = {"part": "contentDetails", "playlistId": uploads, "maxResults": 50}
            if token:
                params["pageToken"] = token
            return http.get("/playlistItems", params=params)

        def next_of(page):
            return None if stop or not page.get("nextPageToken") else (lambda: call(page["nextPageToken"]))

        for page in pages(call, next_of):
            for it in page.get("items", []):
                cd = it.get("contentDetails") or {}
                published = iso_utc(cd.get("videoPublishedAt"))
                if published and published > ctx.until:
                    continue
                if published and published < oldest:
                    stop = True
                    break
                ids.append(cd["videoId"])
        videos: dict[str, dict] = {}
        for i in range(0, len(ids), 50):
            payload = http.get("/videos", params={"part": "snippet,statistics,contentDetails", "id": ",".join(ids[i:i + 50])})
            for v in payload.get("items", []):
                sn, st = v.get("snippet") or {}, v.get("statistics") or {}
                vid = v["id"]
                batch.add_post(vid, platform=PLATFORM, campaign_id=ctx.campaign_id, creator_id=ctx.creator_id,
                               content_type="video", url=f"https://www.youtube.com/watch?v={vid}",
                               posted_at=iso_utc(sn.get("publishedAt")),
                               caption="\n".join(x for x in (sn.get("title"), sn.get("description")) if x))
                batch.add_raw(PLATFORM, "video", vid, ctx.as_of, v)
                metrics = {"views": as_int(st.get("viewCount")), "likes": as_int(st.get("likeCount")),
                           "comments": as_int(st.get("commentCount"))}
                reasons = {}
                if metrics["likes"] is None:
                    reasons["likes"] = "likeCount hidden by the owner"
                if metrics["comments"] is None:
                    reasons["comments"] = "commentCount not returned (comments disabled)"
                if metrics["views"] is None:
                    reasons["views"] = "viewCount not returned"
                videos[vid] = {"metrics": metrics, "reasons": reasons, "raw": {"video": v}}
        return videos

    def _comments(self, ctx: Context, http: Http, batch: Batch, vid: str) -> None:
        params = {"part": "snippet", "videoId": vid, "maxResults": 100, "textFormat": "plainText"}

        def next_of(page):
            token = page.get("nextPageToken")
            return (lambda: http.get("/commentThreads", params={**params, "pageToken": token})) if token else None

        try:
            for page in pages(lambda: http.get("/commentThreads", params=params), next_of,
                              limit=int(ctx.options.get("comment_pages", 5))):
                for thread in page.get("items", []):
                    top = (thread.get("snippet") or {}).get("topLevelComment") or {}
                    sn = top.get("snippet") or {}
                    batch.comments.append({"key": str(top.get("id") or thread["id"]), "post_key": vid,
                                           "author": sn.get("authorDisplayName"),
                                           "text": sn.get("textOriginal") or sn.get("textDisplay") or "",
                                           "ts": iso_utc(sn.get("publishedAt")), "likes": as_int(sn.get("likeCount"))})
        except ApiError as err:  # comments disabled on the video, or not visible to this token
            batch.note("unavailable", stream=f"comments:{vid}", message=str(err)[:300])

    def _analytics(self, ctx: Context, http: Http, batch: Batch, videos: dict[str, dict]) -> None:
        start, end = ctx.since.date().isoformat(), ctx.until.date().isoformat()
        per_video: dict[str, dict] = {}
        ids = list(videos)
        for i in range(0, len(ids), 200):
            payload = http.get("/reports", params={
                "ids": "channel==MINE", "startDate": "2005-04-23", "endDate": end,
                "metrics": ",".join(VIDEO_METRICS), "dimensions": "video", "filters": "video==" + ",".join(ids[i:i + 200])})
            batch.add_raw(PLATFORM, "analytics_video", f"{ctx.account_id}:{i}", ctx.as_of, payload)
            per_video.update({r["video"]: r for r in result_table(payload)})
        for vid, snap in videos.items():
            self._finish(batch, ctx, vid, snap, per_video.get(vid))
        payload = http.get("/reports", params={"ids": "channel==MINE", "startDate": start, "endDate": end,
                                               "metrics": ",".join(DAY_METRICS), "dimensions": "day"})
        batch.add_raw(PLATFORM, "analytics_day", ctx.account_id, ctx.as_of, payload)
        for r in result_table(payload):
            day = dt.date.fromisoformat(r["day"])
            for m in DAY_METRICS:
                batch.add_account_metric(PLATFORM, ctx.handle, day, m, r.get(m), reason="not reported")

    def _finish(self, batch: Batch, ctx: Context, vid: str, snap: dict, report: dict | None) -> None:
        metrics, reasons = dict(snap["metrics"]), dict(snap["reasons"])
        if report:
            metrics["shares"] = as_int(report.get("shares"))
            minutes = report.get("estimatedMinutesWatched")
            metrics["watch_time_s"] = float(minutes) * 60 if minutes is not None else None
            snap["raw"]["analytics"] = report
        else:
            metrics["shares"] = metrics["watch_time_s"] = None
            why = "no Analytics API row for this video" if ctx.options.get("analytics", True) else "Analytics API not enabled"
            reasons.update(shares=why, watch_time_s=why)
        batch.add_snapshot(vid, ctx.as_of, metrics, reasons=reasons, raw=snap["raw"])
