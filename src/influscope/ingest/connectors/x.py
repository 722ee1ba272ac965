"""X API v2: the account's posts with ``public_metrics`` (and, with a user-context token, the
``non_public_metrics`` and ``organic_metrics`` of own posts younger than 30 days), plus mentions:
recent posts by anyone that contain the campaign's brand terms or hashtags, stored as UGC posts.

Rate limits answer 429 with ``x-rate-limit-reset`` (epoch seconds), which the client waits for.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from influscope.ingest.connectors.base import Context, Http, as_int, iso_utc, matches_terms, pages
from influscope.ingest.connectors.store import Batch

PLATFORM = "x"
DEFAULT_BASE = "https://api.x.com/2"
NON_PUBLIC_WHY = "non-public metrics exist only for own posts younger than 30 days, with user-context auth"


def _iso(value: dt.datetime) -> str:
    return value.replace(microsecond=0).isoformat() + "Z"


def tweet_metrics(tw: dict) -> tuple[dict[str, Any], dict[str, str]]:
    pub = tw.get("public_metrics") or {}
    nonpub = tw.get("non_public_metrics") or {}
    organic = tw.get("organic_metrics") or {}
    impressions = nonpub.get("impression_count", pub.get("impression_count"))
    metrics = {"impressions": as_int(impressions), "likes": as_int(pub.get("like_count")),
               "comments": as_int(pub.get("reply_count")), "shares": as_int(pub.get("retweet_count")),
               "saves": as_int(pub.get("bookmark_count")), "link_clicks": as_int(nonpub.get("url_link_clicks",
                                                                                          organic.get("url_link_clicks")))}
    reasons = {m: f"X did not return {m}" for m, v in metrics.items() if v is None and m != "link_clicks"}
    if metrics["link_clicks"] is None:
        reasons["link_clicks"] = NON_PUBLIC_WHY
    return metrics, reasons


class XConnector:
    platform = PLATFORM

    def fetch(self, ctx: Context) -> Batch:
        batch = Batch("x_api")
        http = Http(ctx, batch, ctx.options.get("base_url", DEFAULT_BASE), headers={"Authorization": f"Bearer {ctx.token}"})
        try:
            self._timeline(ctx, http, batch)
            if ctx.options.get("mentions", True) and ctx.brand_terms and ctx.campaign_id:
                self._mentions(ctx, http, batch)
        finally:
            http.close()
        return batch

    def _timeline(self, ctx: Context, http: Http, batch: Batch) -> None:
        fields = "created_at,public_metrics"
        if ctx.options.get("user_context", False):
            fields += ",non_public_metrics,organic_metrics"
        start = ctx.since - dt.timedelta(days=int(ctx.options.get("lookback_days", 30)))
        params = {"max_results": 100, "tweet.fields": fields, "start_time": _iso(start), "end_time": _iso(ctx.until)}

        def next_of(page):
            token = (page.get("meta") or {}).get("next_token")
            return (lambda: http.get(f"/users/{ctx.account_id}/tweets", params={**params, "pagination_token": token})) if token else None

        for page in pages(lambda: http.get(f"/users/{ctx.account_id}/tweets", params=params), next_of):
            for tw in page.get("data") or []:
                tid = str(tw["id"])
                batch.add_post(tid, platform=PLATFORM, campaign_id=ctx.campaign_id, creator_id=ctx.creator_id,
                               content_type="tweet", url=f"https://x.com/i/status/{tid}",
                               posted_at=iso_utc(tw.get("created_at")), caption=tw.get("text"))
                metrics, reasons = tweet_metrics(tw)
                batch.add_raw(PLATFORM, "tweet", tid, ctx.as_of, tw)
                batch.add_snapshot(tid, ctx.as_of, metrics, reasons=reasons, raw=tw)

    def _mentions(self, ctx: Context, http: Http, batch: Batch) -> None:
        query = " OR ".join(f'"{t}"' if " " in t else t for t in ctx.brand_terms)
        start = max(ctx.since, ctx.until - dt.timedelta(days=7) + dt.timedelta(seconds=30))  # recent search: 7 days
        params = {"query": query, "max_results": 100, "tweet.fields": "created_at,public_metrics,author_id",
                  "expansions": "author_id", "user.fields": "username,name", "start_time": _iso(start),
                  "end_time": _iso(ctx.until)}

        def next_of(page):
            token = (page.get("meta") or {}).get("next_token")
            return (lambda: http.get("/tweets/search/recent", params={**params, "next_token": token})) if token else None

        for page in pages(lambda: http.get("/tweets/search/recent", params=params), next_of):
            users = {u["id"]: u for u in (page.get("includes") or {}).get("users", [])}
            for tw in page.get("data") or []:
                found = matches_terms(tw.get("text"), ctx.brand_terms)
                if not found:
                    continue
                tid = str(tw["id"])
                if tid in batch.posts:  # the account's own post, already collected
                    continue
                user = users.get(tw.get("author_id"), {})
                handle = str(user.get("username") or tw.get("author_id")).lower()
                creator_key = f"x:{handle}"
                batch.creators[creator_key] = {"platform": PLATFORM, "handle": handle, "name": user.get("name")}
                batch.add_post(tid, platform=PLATFORM, campaign_id=ctx.campaign_id, creator_key=creator_key,
                               content_type="tweet", url=f"https://x.com/{handle}/status/{tid}",
                               posted_at=iso_utc(tw.get("created_at")), caption=tw.get("text"), sponsored=False)
                metrics, reasons = tweet_metrics(tw)
                batch.add_raw(PLATFORM, "mention", tid, ctx.as_of, tw)
                batch.add_snapshot(tid, ctx.as_of, metrics, reasons=reasons, raw=tw)
                batch.count_mention(PLATFORM, found)
