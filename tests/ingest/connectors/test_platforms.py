"""TikTok, YouTube, Facebook Pages and X payloads (documented shapes) to canonical rows."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import httpx
import pytest
import respx

from influscope.ingest.connectors import sync
from tests.ingest.connectors.conftest import UNTIL, load, rows

SINCE = dt.datetime(2025, 6, 1)


@pytest.fixture
def token(monkeypatch, tmp_path):
    path = tmp_path / "token.txt"
    path.write_text("test-token\n", encoding="utf-8")
    return f"file:{path}"


def test_tiktok_display_api_rate_limit_and_hidden_counts(campaign_engine, token, sleeps):
    sync.add_account(campaign_engine, "mei-tt", "tiktok", "open-id-1", token_ref=token, campaign="spring", creator="mei")
    seen = []

    def video_list(request):
        seen.append(request)
        if len(seen) == 1:
            return httpx.Response(429, json=load("tiktok", "display_rate_limit.json"))
        return httpx.Response(200, json=load("tiktok", "display_video_list.json"))

    with respx.mock() as mock:
        mock.post("https://open.tiktokapis.com/v2/video/list/").mock(side_effect=video_list)
        res = sync.sync_account(campaign_engine, "mei-tt", since=SINCE, until=UNTIL, sleep=sleeps)
    assert sleeps == [1.0] and seen[1].headers["authorization"] == "Bearer test-token"
    assert "view_count" in seen[1].url.params["fields"]
    snaps = {r["key"]: r for r in rows(campaign_engine, """select p.key, p.posted_at, p.caption, m.views, m.likes,
        m.comments, m.shares, m.reach, m.raw from post_metrics m join posts p on p.id = m.post_id""")}
    first = snaps["7380000000000000001"]
    assert (first["views"], first["likes"], first["comments"], first["shares"]) == (120450, 8800, 132, 410)
    assert first["posted_at"] == "2025-06-10 08:00:00.000000" and first["reach"] is None
    second = snaps["7380000000000000002"]
    assert second["likes"] is None and "like_count" in second["raw"]  # absent count: NULL with a reason
    assert res.changes > 0


def test_tiktok_business_api_with_account_series(campaign_engine, token, sleeps):
    sync.add_account(campaign_engine, "mei-ttb", "tiktok", "biz-1", token_ref=token, campaign="spring", creator="mei",
                     handle="meilin.eats", options={"api": "business"})
    with respx.mock() as mock:
        vl = mock.get("https://business-api.tiktok.com/open_api/v1.3/business/video/list/").mock(side_effect=[
            httpx.Response(429, headers={"Retry-After": "5"}, text="Too Many Requests"),
            httpx.Response(200, json=load("tiktok", "business_video_list.json"))])
        mock.get("https://business-api.tiktok.com/open_api/v1.3/business/get/").mock(
            return_value=httpx.Response(200, json=load("tiktok", "business_get.json")))
        sync.sync_account(campaign_engine, "mei-ttb", since=SINCE, until=UNTIL, sleep=sleeps)
    assert sleeps == [5.0] and len(vl.calls) == 2
    assert vl.calls[1].request.headers["access-token"] == "test-token"
    snaps = {r["key"]: r for r in rows(campaign_engine, """select p.key, m.views, m.reach, m.watch_time_s, m.raw
        from post_metrics m join posts p on p.id = m.post_id""")}
    assert snaps["7380000000000000001"]["reach"] == 98000
    assert snaps["7380000000000000001"]["watch_time_s"] == pytest.approx(1204500.5)
    assert snaps["7380000000000000002"]["reach"] is None and "reach" in snaps["7380000000000000002"]["raw"]
    assert rows(campaign_engine, "select followers from follower_snapshots") == [{"followers": 91500}]
    audience = rows(campaign_engine, "select dimension, bucket, share from audience order by dimension, bucket")
    assert audience[0] == {"dimension": "country", "bucket": "HK", "share": pytest.approx(38.0)}
    series = rows(campaign_engine, "select value from account_metrics where metric = 'profile_views' order by date")
    assert [r["value"] for r in series] == [820.0, 790.0]


def _youtube_routes(mock, limited: list):
    base = "https://www.googleapis.com/youtube/v3"
    mock.get(f"{base}/channels").mock(return_value=httpx.Response(200, json=load("youtube", "channels.json")))
    mock.get(f"{base}/playlistItems").mock(return_value=httpx.Response(200, json=load("youtube", "playlist_items.json")))

    def videos(request):
        limited.append(1)
        if len(limited) == 1:
            return httpx.Response(403, json=load("youtube", "error_rate_limit.json"))
        return httpx.Response(200, json=load("youtube", "videos.json"))

    mock.get(f"{base}/videos").mock(side_effect=videos)

    def reports(request):
        name = "report_by_video.json" if request.url.params["dimensions"] == "video" else "report_by_day.json"
        return httpx.Response(200, json=load("youtube", name))

    mock.get("https://youtubeanalytics.googleapis.com/v2/reports").mock(side_effect=reports)

    def threads(request):
        if request.url.params["videoId"] == "dQw4w9WgXc1":
            return httpx.Response(200, json=load("youtube", "comment_threads.json"))
        return httpx.Response(403, json=load("youtube", "error_comments_disabled.json"))

    mock.get(f"{base}/commentThreads").mock(side_effect=threads)


def test_youtube_string_counts_hidden_likes_and_analytics(campaign_engine, token, sleeps):
    sync.add_account(campaign_engine, "mei-yt", "youtube", "UCmeilin000000000000000", token_ref=token,
                     campaign="spring", creator="mei")
    limited: list = []
    with respx.mock() as mock:
        _youtube_routes(mock, limited)
        res = sync.sync_account(campaign_engine, "mei-yt", since=SINCE, until=UNTIL, sleep=sleeps)
    assert sleeps == [1.0] and any(n["kind"] == "rate_limited" for n in res.notes)
    snaps = {r["key"]: r for r in rows(campaign_engine, """select p.key, p.url, m.views, m.likes, m.comments,
        m.shares, m.watch_time_s, m.raw from post_metrics m join posts p on p.id = m.post_id""")}
    one = snaps["dQw4w9WgXc1"]
    assert (one["views"], one["likes"], one["comments"], one["shares"]) == (48211, 3021, 188, 97)
    assert one["watch_time_s"] == 120527 * 60  # minutes -> seconds
    two = snaps["dQw4w9WgXc2"]
    assert two["likes"] is None and "likeCount hidden by the owner" in two["raw"]
    assert rows(campaign_engine, "select handle, followers from follower_snapshots") == [
        {"handle": "meilincooks", "followers": 12100}]
    assert rows(campaign_engine, "select key, author, text, likes from comments") == [
        {"key": "UgzComment1", "author": "@teafan88", "text": "I'd love to try this!", "likes": 12}]
    assert any(n["kind"] == "unavailable" and n["stream"] == "comments:dQw4w9WgXc2" for n in res.notes)
    gained = rows(campaign_engine, "select date, value from account_metrics where metric = 'subscribersGained' order by date")
    assert gained == [{"date": "2025-06-13", "value": 40.0}, {"date": "2025-06-14", "value": 35.0}]


def test_facebook_retired_metric_is_dropped_and_recorded(campaign_engine, token, sleeps):
    sync.add_account(campaign_engine, "mei-fb", "facebook", "104000000000001", token_ref=token, campaign="spring",
                     creator="mei", options={"post_metrics": ["post_impressions_unique", "post_clicks", "post_video_views"]})
    asked = []
    base = "https://graph.facebook.com/v22.0"

    def post_insights(request, post_id):
        metrics = request.url.params["metric"].split(",")
        asked.append(metrics)
        if "post_impressions_unique" in metrics:
            return httpx.Response(400, json=load("facebook", "error_retired_metric.json"))
        name = "post_insights_photo.json" if post_id.endswith("1") else "post_insights_video.json"
        return httpx.Response(200, json=load("facebook", name))

    with respx.mock() as mock:
        mock.get(f"{base}/104000000000001").mock(side_effect=[
            httpx.Response(403, json=load("instagram", "error_rate_limit.json")),  # (#4) application request limit
            httpx.Response(200, json=load("facebook", "page.json"))])
        mock.get(f"{base}/104000000000001/posts").mock(return_value=httpx.Response(200, json=load("facebook", "posts.json")))
        mock.get(f"{base}/104000000000001/insights").mock(
            return_value=httpx.Response(200, json=load("facebook", "page_insights.json")))
        mock.get(url__regex=rf"{base}/(?P<post_id>104000000000001_\d+)/insights").mock(side_effect=post_insights)
        res = sync.sync_account(campaign_engine, "mei-fb", since=SINCE, until=UNTIL, sleep=sleeps)
    assert sleeps == [1.0]  # Meta's rate-limit error codes are retried with backoff
    assert asked[0] == ["post_impressions_unique", "post_clicks", "post_video_views"]
    assert asked[1] == ["post_clicks", "post_video_views", "post_total_media_view_unique"]
    assert asked[2] == asked[1]  # the second post no longer asks for the retired metric
    note = next(n for n in res.notes if n["kind"] == "retired_metric")
    assert note["metric"] == "post_impressions_unique" and note["replacement"] == "post_total_media_view_unique"
    snaps = {r["key"]: r for r in rows(campaign_engine, """select p.key, p.content_type, m.reach, m.views,
        m.reactions, m.comments, m.shares from post_metrics m join posts p on p.id = m.post_id""")}
    photo, video = snaps["104000000000001_900000000000001"], snaps["104000000000001_900000000000002"]
    assert (photo["reach"], photo["reactions"], photo["comments"], photo["shares"], photo["views"]) == (3100, 230, 9, 14, None)
    assert video["content_type"] == "video" and video["views"] == 812 and video["reach"] is None
    assert rows(campaign_engine, "select value from account_metrics where metric = 'page_follows' order by date") == [
        {"value": 5100.0}, {"value": 5120.0}]


def test_x_metrics_rate_limit_reset_and_mentions(campaign_engine, token, sleeps):
    sync.add_account(campaign_engine, "mei-x", "x", "1111", token_ref=token, campaign="spring", creator="mei",
                     options={"user_context": True})
    calls = []

    def timeline(request):
        calls.append(request)
        if len(calls) == 1:
            reset = str(int(time.time()) + 3)
            return httpx.Response(429, headers={"x-rate-limit-reset": reset}, json=load("x", "error_rate_limit.json"))
        return httpx.Response(200, json=load("x", "user_tweets.json"))

    with respx.mock() as mock:
        mock.get("https://api.x.com/2/users/1111/tweets").mock(side_effect=timeline)
        search = mock.get("https://api.x.com/2/tweets/search/recent").mock(
            return_value=httpx.Response(200, json=load("x", "search_recent.json")))
        res = sync.sync_account(campaign_engine, "mei-x", since=SINCE, until=UNTIL, sleep=sleeps)
        again = sync.sync_account(campaign_engine, "mei-x", since=SINCE, until=UNTIL, sleep=sleeps)
    assert len(sleeps) == 1 and 0 < sleeps[0] <= 4  # waited for x-rate-limit-reset
    assert "non_public_metrics" in calls[1].url.params["tweet.fields"]
    assert "#StressLess2BMyBest" in search.calls[0].request.url.params["query"]
    snaps = {r["key"]: r for r in rows(campaign_engine, """select p.key, c.key creator, p.sponsored, p.caption,
        m.impressions, m.likes, m.comments, m.shares, m.saves, m.link_clicks, m.raw
        from post_metrics m join posts p on p.id = m.post_id join creators c on c.id = p.creator_id""")}
    own = snaps["1800000000000000001"]
    assert (own["impressions"], own["likes"], own["comments"], own["shares"], own["saves"], own["link_clicks"]) == (
        8800, 140, 5, 12, 9, 61)
    old = snaps["1800000000000000002"]
    assert old["link_clicks"] is None and "30 days" in old["raw"]
    ugc = snaps["1800000000000000101"]
    assert ugc["creator"] == "x:teafan88" and ugc["sponsored"] == 0 and "#StressLess2BMyBest" in ugc["caption"]
    assert res.changes > 0 and again.changes == 0
    assert {"kind": "mentions", "platform": "x", "posts": 1, "terms": {"#StressLess2BMyBest": 1}} in res.notes


def test_sync_all_reports_a_missing_token_and_runs_the_others(campaign_engine, token, sleeps, monkeypatch):
    monkeypatch.delenv("NO_SUCH_TOKEN", raising=False)
    sync.add_account(campaign_engine, "broken", "instagram", "1", token_ref="env:NO_SUCH_TOKEN", campaign="spring",
                     creator="mei")
    sync.add_account(campaign_engine, "mei-tt", "tiktok", "open-id-1", token_ref=token, campaign="spring", creator="mei")
    with respx.mock() as mock:
        mock.post("https://open.tiktokapis.com/v2/video/list/").mock(
            return_value=httpx.Response(200, json=load("tiktok", "display_video_list.json")))
        results = sync.sync_all(campaign_engine, until=UNTIL, sleep=sleeps)
    by = {r.name: r for r in results}
    assert "NO_SUCH_TOKEN" in by["broken"].error and by["mei-tt"].error is None and by["mei-tt"].changes > 0
    runs = rows(campaign_engine, "select status from connector_runs order by id")
    assert [r["status"] for r in runs] == ["failed", "ok"]


def test_tiktok_older_campaign_videos_are_refreshed_by_id(campaign_engine, token, sleeps, tmp_path):
    import shutil

    from influscope.ingest.canonical import import_bundle

    bundle = tmp_path / "b"
    bundle.mkdir()
    src = Path(__file__).resolve().parent.parent / "fixtures" / "bundle"
    for name in ("campaign.yaml", "creators.csv"):
        shutil.copy(src / name, bundle / name)
    (bundle / "posts.csv").write_text(
        "post_id,creator_id,platform,content_type,posted_at,as_of,views\n"
        "7340000000000000009,mei,tiktok,video,2024-03-01T08:00:00Z,2024-03-05T00:00:00Z,350000\n", encoding="utf-8")
    import_bundle(campaign_engine, bundle)
    sync.add_account(campaign_engine, "mei-tt", "tiktok", "open-id-1", token_ref=token, campaign="spring", creator="mei")
    with respx.mock() as mock:
        mock.post("https://open.tiktokapis.com/v2/video/list/").mock(
            return_value=httpx.Response(200, json=load("tiktok", "display_video_list.json")))
        query = mock.post("https://open.tiktokapis.com/v2/video/query/").mock(
            return_value=httpx.Response(200, json=load("tiktok", "display_video_query.json")))
        sync.sync_account(campaign_engine, "mei-tt", since=SINCE, until=UNTIL, sleep=sleeps)
    import json as _json

    assert _json.loads(query.calls[0].request.content) == {"filters": {"video_ids": ["7340000000000000009"]}}
    snaps = rows(campaign_engine, """select m.as_of, m.views, m.source from post_metrics m join posts p on p.id = m.post_id
        where p.key = '7340000000000000009' order by m.as_of""")
    assert [(s["views"], s["source"]) for s in snaps] == [(350000, "csv"), (402000, "tiktok_display_api")]


def test_resync_idempotent_on_sqlite_and_postgresql(any_engine, token, sleeps):
    from influscope.ingest.canonical import import_bundle

    import_bundle(any_engine, Path(__file__).resolve().parent.parent / "fixtures" / "bundle")
    sync.add_account(any_engine, "mei-x", "x", "1111", token_ref=token, campaign="spring", creator="mei",
                     options={"user_context": True})
    with respx.mock() as mock:
        mock.get("https://api.x.com/2/users/1111/tweets").mock(
            return_value=httpx.Response(200, json=load("x", "user_tweets.json")))
        mock.get("https://api.x.com/2/tweets/search/recent").mock(
            return_value=httpx.Response(200, json=load("x", "search_recent.json")))
        first = sync.sync_account(any_engine, "mei-x", since=SINCE, until=UNTIL, sleep=sleeps)
        again = sync.sync_account(any_engine, "mei-x", since=SINCE, until=UNTIL, sleep=sleeps)
        later = sync.sync_account(any_engine, "mei-x", until=dt.datetime(2025, 6, 16), sleep=sleeps)
    assert first.changes > 0 and again.changes == 0
    # the account's two posts and the UGC post found again: new snapshots, no new posts
    assert later.report.files["posts.csv"].inserted == 3
    counts = rows(any_engine, "select count(*) n, count(distinct as_of) d from post_metrics")[0]
    assert (counts["n"], counts["d"]) == (6, 2)
    assert rows(any_engine, "select count(*) n from posts")[0]["n"] == 3


def test_tiktok_paging_follows_the_cursor_and_stops_past_the_lookback(campaign_engine, token, sleeps):
    """Newest first: page 2 is read, and paging stops at the first video older than the lookback."""
    sync.add_account(campaign_engine, "mei-tt", "tiktok", "open-id-1", token_ref=token, campaign="spring", creator="mei")
    listing = load("tiktok", "display_video_list.json")
    first, second = listing["data"]["videos"]
    second = {**second, "create_time": 1735689600}  # 2025-01-01: before SINCE minus the 30-day lookback
    pages = [
        {**listing, "data": {"videos": [first], "cursor": 111, "has_more": True}},
        {**listing, "data": {"videos": [second], "cursor": 222, "has_more": True}},
        {**listing, "data": {"videos": [], "cursor": 333, "has_more": False}},
    ]
    bodies = []

    def video_list(request):
        bodies.append(request.content)
        return httpx.Response(200, json=pages[len(bodies) - 1])

    with respx.mock() as mock:
        mock.post("https://open.tiktokapis.com/v2/video/list/").mock(side_effect=video_list)
        sync.sync_account(campaign_engine, "mei-tt", since=SINCE, until=UNTIL, sleep=sleeps)
    import json as _json

    assert len(bodies) == 2 and _json.loads(bodies[1])["cursor"] == 111
    keys = {r["key"] for r in rows(campaign_engine, "select key from posts where platform = 'tiktok'")}
    assert first["id"] in keys and second["id"] not in keys
