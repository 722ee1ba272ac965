"""Facebook Pages (Graph API): the Page's follower count, its posts with reactions, comments and
shares (post fields, not insights), post insights (views metrics, clicks, video views) and the daily
``page_follows`` series.

Meta retired ``post_impressions_unique`` (15 Jun 2025) and ``page_fans`` (15 Nov 2025); a request that
still names one is rejected as a whole, so the connector retries with the replacement and records it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from influscope.ingest.connectors.base import ApiError, Context, Http, as_int, error_message, iso_utc, pages, \
    with_metric_fallback
from influscope.ingest.connectors.instagram import graph_rate_limited, insight_values
from influscope.ingest.connectors.store import Batch

PLATFORM = "facebook"
DEFAULT_BASE = "https://graph.facebook.com/v22.0"
POST_METRICS = ["post_total_media_view_unique", "post_clicks", "post_video_views"]
PAGE_METRICS = ["page_follows"]
POST_FIELDS = ("id,message,created_time,permalink_url,status_type,shares,"
               "comments.summary(true).limit(0),reactions.summary(true).limit(0)")


class FacebookConnector:
    platform = PLATFORM

    def fetch(self, ctx: Context) -> Batch:
        batch = Batch("facebook_api")
        http = Http(ctx, batch, ctx.options.get("base_url", DEFAULT_BASE),
                    headers={"Authorization": f"Bearer {ctx.token}"}, rate_limited=graph_rate_limited)
        try:
            page = http.get(f"/{ctx.account_id}", params={"fields": "id,name,username,followers_count,fan_count"})
            ctx.handle = ctx.handle or str(page.get("username") or ctx.account_id).lower()
            batch.add_raw(PLATFORM, "page", ctx.account_id, ctx.as_of, page)
            if page.get("followers_count") is not None:
                batch.followers.append({"platform": PLATFORM, "handle": ctx.handle, "date": ctx.as_of.date(),
                                        "followers": int(page["followers_count"])})
            self._posts(ctx, http, batch)
            self._page_series(ctx, http, batch)
        finally:
            http.close()
        return batch

    def _posts(self, ctx: Context, http: Http, batch: Batch) -> None:
        oldest = ctx.since - dt.timedelta(days=int(ctx.options.get("lookback_days", 30)))
        params = {"fields": POST_FIELDS, "limit": 50, "since": int(oldest.replace(tzinfo=dt.timezone.utc).timestamp()),
                  "until": int(ctx.until.replace(tzinfo=dt.timezone.utc).timestamp())}

        def next_of(page):
            after = (page.get("paging") or {}).get("cursors", {}).get("after")
            if not after or not (page.get("paging") or {}).get("next"):
                return None
            return lambda: http.get(f"/{ctx.account_id}/posts", params={**params, "after": after})

        for page in pages(lambda: http.get(f"/{ctx.account_id}/posts", params=params), next_of):
            for post in page.get("data", []):
                self._one(ctx, http, batch, post)

    def _one(self, ctx: Context, http: Http, batch: Batch, post: dict) -> None:
        pid = str(post["id"])
        is_video = post.get("status_type") == "added_video"
        batch.add_post(pid, platform=PLATFORM, campaign_id=ctx.campaign_id, creator_id=ctx.creator_id,
                       content_type="video" if is_video else "post", url=post.get("permalink_url"),
                       posted_at=iso_utc(post.get("created_time")), caption=post.get("message"))
        wanted = list(ctx.options.get("post_metrics") or POST_METRICS)
        payload, used = with_metric_fallback(ctx, batch, PLATFORM, "post_insights", wanted,
                                             lambda ms: http.get(f"/{pid}/insights", params={"metric": ",".join(ms)}))
        values = insight_values(payload)
        metrics: dict[str, Any] = {
            "reactions": as_int(((post.get("reactions") or {}).get("summary") or {}).get("total_count")),
            "comments": as_int(((post.get("comments") or {}).get("summary") or {}).get("total_count")),
            # the Graph API leaves the shares field out of a post nobody has shared
            "shares": as_int((post.get("shares") or {}).get("count")) if post.get("shares") else 0,
            "reach": as_int(values.get("post_total_media_view_unique")),
            "views": as_int(values.get("post_video_views")) if is_video else None,
        }
        reasons = {}
        if metrics["reach"] is None:
            reasons["reach"] = "post_total_media_view_unique not returned"
        if metrics["views"] is None:
            reasons["views"] = "not a video post" if not is_video else "post_video_views not returned"
        if metrics["reactions"] is None:
            reasons["reactions"] = "reactions summary not returned"
        if metrics["comments"] is None:
            reasons["comments"] = "comments summary not returned"
        batch.add_raw(PLATFORM, "post", pid, ctx.as_of, {"post": post, "insights": payload})
        batch.add_snapshot(pid, ctx.as_of, metrics, reasons=reasons, raw={"post": post, "insights": payload})

    def _page_series(self, ctx: Context, http: Http, batch: Batch) -> None:
        since = max(ctx.since, ctx.until - dt.timedelta(days=90))  # since/until windows are at most 90 days
        wanted = list(ctx.options.get("page_metrics") or PAGE_METRICS)
        try:
            payload, _ = with_metric_fallback(ctx, batch, PLATFORM, "page_insights", wanted, lambda ms: http.get(
                f"/{ctx.account_id}/insights", params={
                    "metric": ",".join(ms), "period": "day",
                    "since": int(since.replace(tzinfo=dt.timezone.utc).timestamp()),
                    "until": int(ctx.until.replace(tzinfo=dt.timezone.utc).timestamp())}))
        except ApiError as err:
            batch.note("unavailable", stream="page_insights", message=error_message(err.payload)[:300])
            return
        batch.add_raw(PLATFORM, "page_insights", ctx.account_id, ctx.as_of, payload)
        for item in payload.get("data", []):
            for v in item.get("values", []):
                end = iso_utc(v.get("end_time"))
                if end is not None:
                    batch.add_account_metric(PLATFORM, ctx.handle, end.date(), item["name"], v.get("value"),
                                             reason="not reported")
