"""Instagram Graph API (Instagram Platform): media, media insights per media_product_type, comments,
the account's follower count and daily ``follower_count`` series, and follower demographics.

Media insights answer ``{"data": [{"name", "period", "values": [{"value"}]}]}``; an empty data set
means "not available" and is stored as NULL with that reason (never 0). Durations of Reels arrive
in milliseconds and are stored in seconds.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from influscope.ingest.connectors.base import (ApiError, Context, Http, as_int, error_message, iso_utc, pages,
                                               with_metric_fallback)
from influscope.ingest.connectors.store import Batch

PLATFORM = "instagram"
DEFAULT_BASE = "https://graph.facebook.com/v22.0"

# metric sets per media_product_type (a request that includes a metric the type lacks fails as a whole)
MEDIA_METRICS = {
    "FEED": ["views", "reach", "likes", "comments", "shares", "saved", "total_interactions", "profile_visits",
             "follows"],
    "REELS": ["views", "reach", "likes", "comments", "shares", "saved", "total_interactions",
              "ig_reels_avg_watch_time", "ig_reels_video_view_total_time"],
    "STORY": ["views", "reach", "shares", "total_interactions", "navigation", "replies"],
}
ACCOUNT_METRICS = ["views", "reach", "accounts_engaged", "total_interactions", "likes", "comments", "shares",
                   "saves", "replies", "profile_links_taps"]
CONTENT_TYPE = {"FEED": "post", "REELS": "reel", "STORY": "story", "AD": "post"}
# Graph API metric -> canonical post metric (and a factor to canonical units)
TO_CANONICAL = {"views": ("views", 1), "reach": ("reach", 1), "likes": ("likes", 1), "comments": ("comments", 1),
                "shares": ("shares", 1), "saved": ("saves", 1), "impressions": ("impressions", 1),
                "ig_reels_video_view_total_time": ("watch_time_s", 0.001)}
RATE_LIMIT_CODES = {4, 17, 32, 613}  # application / user / page / custom request limits


def graph_rate_limited(resp, payload: Any) -> bool:
    err = payload.get("error") if isinstance(payload, dict) else None
    return isinstance(err, dict) and err.get("code") in RATE_LIMIT_CODES


def insight_values(payload: dict) -> dict[str, Any]:
    """``{name: value}`` from an insights response (lifetime ``values`` or ``total_value`` form)."""
    out: dict[str, Any] = {}
    for item in payload.get("data", []):
        if "total_value" in item:
            out[item["name"]] = item["total_value"].get("value")
        elif item.get("values"):
            out[item["name"]] = item["values"][-1].get("value")
    return out


class InstagramConnector:
    platform = PLATFORM

    def fetch(self, ctx: Context) -> Batch:
        batch = Batch("instagram_api")
        http = Http(ctx, batch, ctx.options.get("base_url", DEFAULT_BASE),
                    headers={"Authorization": f"Bearer {ctx.token}"}, rate_limited=graph_rate_limited)
        try:
            self._account(ctx, http, batch)
            self._media(ctx, http, batch)
            self._follower_series(ctx, http, batch)
            self._account_insights(ctx, http, batch)
            self._demographics(ctx, http, batch)
            if ctx.options.get("hashtags", True) and ctx.campaign_id:
                self._hashtag_media(ctx, http, batch)
        finally:
            http.close()
        return batch

    # -- account
    def _account(self, ctx: Context, http: Http, batch: Batch) -> None:
        acc = http.get(f"/{ctx.account_id}", params={"fields": "id,username,followers_count,media_count"})
        ctx.handle = ctx.handle or str(acc.get("username", "")).lower() or ctx.account_id
        batch.add_raw(PLATFORM, "account", ctx.account_id, ctx.as_of, acc)
        if acc.get("followers_count") is not None:
            batch.followers.append({"platform": PLATFORM, "handle": ctx.handle, "date": ctx.as_of.date(),
                                    "followers": int(acc["followers_count"])})

    # -- media and their insights
    def _media(self, ctx: Context, http: Http, batch: Batch) -> None:
        lookback = dt.timedelta(days=int(ctx.options.get("lookback_days", 30)))
        oldest = ctx.since - lookback
        fields = "id,caption,media_type,media_product_type,timestamp,permalink,like_count,comments_count"
        stop = False

        def first():
            return http.get(f"/{ctx.account_id}/media", params={"fields": fields, "limit": 50})

        def next_of(page):
            after = (page.get("paging") or {}).get("cursors", {}).get("after")
            if stop or not after or not (page.get("paging") or {}).get("next"):
                return None
            return lambda: http.get(f"/{ctx.account_id}/media", params={"fields": fields, "limit": 50, "after": after})

        for page in pages(first, next_of):
            for media in page.get("data", []):
                posted = iso_utc(media.get("timestamp"))
                if posted and posted > ctx.until:
                    continue
                if posted and posted < oldest:
                    stop = True
                    break
                self._one_media(ctx, http, batch, media, posted)
        # the campaign's older media (insights are kept for 2 years): read by id
        for mid in ctx.known_posts:
            if mid in batch.posts:
                continue
            try:
                media = http.get(f"/{mid}", params={"fields": fields})
            except ApiError as err:
                batch.note("unavailable", stream=f"media:{mid}", message=error_message(err.payload)[:300])
                continue
            self._one_media(ctx, http, batch, media, iso_utc(media.get("timestamp")))

    def _one_media(self, ctx: Context, http: Http, batch: Batch, media: dict, posted: dt.datetime | None) -> None:
        mid = str(media["id"])
        ptype = media.get("media_product_type") or "FEED"
        batch.add_post(mid, platform=PLATFORM, campaign_id=ctx.campaign_id, creator_id=ctx.creator_id,
                       content_type="carousel" if media.get("media_type") == "CAROUSEL_ALBUM" and ptype == "FEED"
                       else CONTENT_TYPE.get(ptype, "post"),
                       url=media.get("permalink"), posted_at=posted, caption=media.get("caption"))
        batch.add_raw(PLATFORM, "media", mid, ctx.as_of, media)
        wanted = list(ctx.options.get("media_metrics", {}).get(ptype) or MEDIA_METRICS.get(ptype, MEDIA_METRICS["FEED"]))
        reasons: dict[str, str] = {}
        try:
            payload, used = with_metric_fallback(
                ctx, batch, PLATFORM, f"media_insights:{ptype}", wanted,
                lambda ms: http.get(f"/{mid}/insights", params={"metric": ",".join(ms)}))
        except ApiError as err:
            code = (err.payload.get("error") or {}).get("code") if isinstance(err.payload, dict) else None
            if code != 10:  # (#10) not enough viewers: insights withheld, the media stays
                raise
            payload, used = {"data": []}, wanted
            reason = f"withheld by Instagram: {error_message(err.payload)}"
            reasons = {TO_CANONICAL[m][0]: reason for m in wanted if m in TO_CANONICAL}
        batch.add_raw(PLATFORM, "media_insights", mid, ctx.as_of, payload)
        values = insight_values(payload)
        metrics: dict[str, Any] = {}
        for name in used:
            if name not in TO_CANONICAL:
                continue
            target, factor = TO_CANONICAL[name]
            value = values.get(name)
            if value is None:
                metrics[target] = None
                reasons.setdefault(target, f"Instagram returned no value for {name}")
            else:
                metrics[target] = float(value) * factor if target == "watch_time_s" else as_int(value)
        for target in ("likes", "comments"):  # fields of the media object when insights lack them
            fallback = media.get("like_count" if target == "likes" else "comments_count")
            if metrics.get(target) is None and fallback is not None and ptype != "STORY":
                metrics[target] = int(fallback)
                reasons.pop(target, None)
        batch.add_snapshot(mid, ctx.as_of, metrics, reasons=reasons, raw={"media": media, "insights": payload})
        if ctx.options.get("comments", True) and ptype != "STORY" and media.get("comments_count"):
            self._comments(ctx, http, batch, mid)

    def _comments(self, ctx: Context, http: Http, batch: Batch, mid: str) -> None:
        params = {"fields": "id,text,timestamp,username,like_count", "limit": 50}

        def next_of(page):
            after = (page.get("paging") or {}).get("cursors", {}).get("after")
            if not after or not (page.get("paging") or {}).get("next"):
                return None
            return lambda: http.get(f"/{mid}/comments", params={**params, "after": after})

        for page in pages(lambda: http.get(f"/{mid}/comments", params=params), next_of):
            for c in page.get("data", []):
                batch.comments.append({"key": str(c["id"]), "post_key": mid, "author": c.get("username"),
                                       "text": c.get("text") or "", "ts": iso_utc(c.get("timestamp")),
                                       "likes": c.get("like_count")})

    # -- account series
    def _follower_series(self, ctx: Context, http: Http, batch: Batch) -> None:
        since = max(ctx.since, ctx.until - dt.timedelta(days=30))  # follower_count: at most 30 days
        try:
            payload = http.get(f"/{ctx.account_id}/insights", params={
                "metric": "follower_count", "period": "day",
                "since": int(since.replace(tzinfo=dt.timezone.utc).timestamp()),
                "until": int(ctx.until.replace(tzinfo=dt.timezone.utc).timestamp())})
        except ApiError as err:
            batch.note("unavailable", stream="follower_count", message=error_message(err.payload)[:300])
            return
        batch.add_raw(PLATFORM, "account_insights", f"{ctx.account_id}:follower_count", ctx.as_of, payload)
        for item in payload.get("data", []):
            for v in item.get("values", []):
                end = iso_utc(v.get("end_time"))
                if end is not None:
                    batch.add_account_metric(PLATFORM, ctx.handle, end.date(), item["name"], v.get("value"),
                                             reason="not reported")

    def _account_insights(self, ctx: Context, http: Http, batch: Batch) -> None:
        """Daily account totals (``metric_type=total_value`` over one-day windows) for the complete
        days of the run's window, at most ``account_days`` (default 7) of them."""
        last = ctx.until.replace(hour=0, minute=0, second=0, microsecond=0)
        days = []
        day = last - dt.timedelta(days=1)
        while day >= ctx.since.replace(hour=0, minute=0, second=0, microsecond=0) and \
                len(days) < int(ctx.options.get("account_days", 7)):
            days.append(day)
            day -= dt.timedelta(days=1)
        wanted = list(ctx.options.get("account_metrics") or ACCOUNT_METRICS)
        for day in sorted(days):
            start = int(day.replace(tzinfo=dt.timezone.utc).timestamp())
            try:
                payload, used = with_metric_fallback(ctx, batch, PLATFORM, "account_insights", wanted, lambda ms: http.get(
                    f"/{ctx.account_id}/insights", params={"metric": ",".join(ms), "period": "day",
                                                           "metric_type": "total_value", "since": start,
                                                           "until": start + 86400}))
            except ApiError as err:
                batch.note("unavailable", stream="account_insights", message=error_message(err.payload)[:300])
                return
            wanted = used
            batch.add_raw(PLATFORM, "account_insights", f"{ctx.account_id}:{day.date()}", ctx.as_of, payload)
            values = insight_values(payload)
            for name in used:
                batch.add_account_metric(PLATFORM, ctx.handle, day.date(), name, values.get(name),
                                         reason=f"Instagram returned no value for {name}")

    def _demographics(self, ctx: Context, http: Http, batch: Batch) -> None:
        """Follower demographics (dimensions age, gender, country) and engaged-audience demographics
        (dimensions engaged_age, engaged_gender, engaged_country; Instagram withholds them below
        about 100 engagements)."""
        for metric, prefix in (("follower_demographics", ""), ("engaged_audience_demographics", "engaged_")):
            for breakdown in ("age", "gender", "country"):
                self._one_demographic(ctx, http, batch, metric, prefix, breakdown)

    def _one_demographic(self, ctx: Context, http: Http, batch: Batch, metric: str, prefix: str, breakdown: str) -> None:
        try:
            payload = http.get(f"/{ctx.account_id}/insights", params={
                "metric": metric, "period": "lifetime", "metric_type": "total_value",
                "timeframe": ctx.options.get("demographics_timeframe", "this_month"), "breakdown": breakdown})
        except ApiError as err:
            batch.note("unavailable", stream=f"{metric}:{breakdown}", message=error_message(err.payload)[:300])
            return
        batch.add_raw(PLATFORM, "demographics", f"{ctx.account_id}:{prefix}{breakdown}", ctx.as_of, payload)
        counts: dict[str, float] = {}
        for item in payload.get("data", []):
            for bd in item.get("total_value", {}).get("breakdowns", []):
                for res in bd.get("results", []):
                    key = "/".join(str(v) for v in res.get("dimension_values", []))
                    counts[key] = counts.get(key, 0) + float(res.get("value") or 0)
        total = sum(counts.values())
        for bucket, n in counts.items():
            if total > 0:
                batch.audience.append({"platform": PLATFORM, "handle": ctx.handle, "date": ctx.as_of.date(),
                                       "dimension": prefix + breakdown, "bucket": bucket,
                                       "share": n / total * 100})

    # -- mentions: public media tagged with the campaign's hashtags (Hashtag Search API)
    def _hashtag_media(self, ctx: Context, http: Http, batch: Batch) -> None:
        tags = [t.strip().lstrip("#") for t in ctx.brand_terms if t.strip().startswith("#") and len(t.strip()) > 1]
        fields = "id,caption,media_type,comments_count,like_count,permalink,timestamp"
        for tag in tags:
            try:
                found = http.get("/ig_hashtag_search", params={"user_id": ctx.account_id, "q": tag})
            except ApiError as err:
                batch.note("unavailable", stream=f"hashtag:{tag}", message=error_message(err.payload)[:300])
                continue
            for h in found.get("data", [])[:1]:
                params = {"user_id": ctx.account_id, "fields": fields, "limit": 50}

                def next_of(page, hid=h["id"]):
                    after = (page.get("paging") or {}).get("cursors", {}).get("after")
                    if not after or not (page.get("paging") or {}).get("next"):
                        return None
                    return lambda: http.get(f"/{hid}/recent_media", params={**params, "after": after})

                for page in pages(lambda hid=h["id"]: http.get(f"/{hid}/recent_media", params=params), next_of, limit=20):
                    for media in page.get("data", []):
                        mid = str(media["id"])
                        posted = iso_utc(media.get("timestamp"))
                        if mid in batch.posts or (posted and (posted > ctx.until or posted < ctx.since)):
                            continue
                        # the API does not reveal who posted hashtag media: one "hashtag search" creator holds them
                        batch.creators["instagram:hashtag-search"] = {
                            "platform": PLATFORM, "handle": "hashtag-search", "name": "Instagram hashtag search"}
                        batch.add_post(mid, platform=PLATFORM, campaign_id=ctx.campaign_id,
                                       creator_key="instagram:hashtag-search",
                                       content_type="carousel" if media.get("media_type") == "CAROUSEL_ALBUM" else "post",
                                       url=media.get("permalink"), posted_at=posted, caption=media.get("caption"),
                                       sponsored=False)
                        metrics = {"likes": as_int(media.get("like_count")), "comments": as_int(media.get("comments_count"))}
                        reasons = {m: "hidden by the owner" for m, v in metrics.items() if v is None}
                        batch.add_raw(PLATFORM, "hashtag_media", mid, ctx.as_of, media)
                        batch.add_snapshot(mid, ctx.as_of, metrics, reasons=reasons, raw=media)
                        batch.count_mention(PLATFORM, [f"#{tag}"])
