"""What each platform connector fills (the export importers describe themselves in
:data:`influscope.ingest.exports.SOURCES`). Drives ``influscope sources`` and docs/sources.md."""

from __future__ import annotations

CONNECTORS: dict[str, dict] = {
    "instagram": {
        "api": "Instagram Graph API (graph.facebook.com, v22.0)",
        "fills": ("posts.csv: views, reach, likes, comments, shares, saves (from saved), watch_time_s (Reels, ms -> s)",
                  "comments.csv: comments of each media", "followers.csv: followers_count on the as_of day",
                  "account_metrics: follower_count (daily series)", "audience.csv: age, gender, country shares (followers; engaged_* for the engaged audience)"),
    },
    "tiktok": {
        "api": "TikTok Display API (/v2/video/list/) or API for Business (/business/video/list/, /business/get/)",
        "fills": ("posts.csv: views, likes, comments, shares; reach and watch_time_s with the Business API",
                  "followers.csv: followers_count (Business API)",
                  "account_metrics: daily video_views, profile_views, likes, comments, shares (Business API)",
                  "audience.csv: country, gender shares (Business API)"),
    },
    "youtube": {
        "api": "YouTube Data API v3 (channels, playlistItems, videos) + YouTube Analytics API (reports)",
        "fills": ("posts.csv: views, likes, comments (strings -> counts); shares, watch_time_s (minutes -> s) "
                  "from the Analytics API", "comments.csv: top-level comments (commentThreads)", "followers.csv: subscriberCount",
                  "account_metrics: daily views, estimatedMinutesWatched, subscribersGained, subscribersLost"),
    },
    "facebook": {
        "api": "Facebook Pages (Graph API v22.0): page, posts, post and page insights",
        "fills": ("posts.csv: reach (post_total_media_view_unique), reactions, comments, shares, views (videos)",
                  "followers.csv: followers_count", "account_metrics: page_follows (daily)"),
    },
    "x": {
        "api": "X API v2: users/:id/tweets, tweets/search/recent (mentions)",
        "fills": ("posts.csv: impressions, likes, comments (replies), shares (retweets), saves (bookmarks), "
                  "link_clicks (non-public, own posts < 30 days)", "posts.csv: UGC posts matching the brand terms"),
    },
    "ga4": {
        "api": "Google Analytics Data API v1beta runReport; BigQuery export (events_*) through Ibis",
        "fills": ("traffic.csv: sessions, new_users, engaged_sessions, pageviews, session_duration_s by date, "
                  "source, medium, campaign, content (utm_content)", "account_metrics: keyEvents per day"),
    },
}
