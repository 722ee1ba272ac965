"""Instagram Graph API payloads (shapes from Meta's insights reference) to canonical rows."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest
import respx

from influscope.ingest.connectors import sync
from tests.ingest.connectors.conftest import LATER, UNTIL, load, rows

BASE = "https://graph.facebook.com/v22.0"
IG = "17841400000000001"


def _routes(mock: respx.MockRouter, calls: dict, *, rate_limit_first: bool = True) -> None:
    state = {"media_calls": 0}

    def account(request):
        return httpx.Response(200, json=load("instagram", "account.json"))

    def media(request):
        state["media_calls"] += 1
        if rate_limit_first and state["media_calls"] == 1:
            return httpx.Response(429, headers={"Retry-After": "7"}, json=load("instagram", "error_rate_limit.json"))
        if request.url.params.get("after") == "QVFIUnBk":
            return httpx.Response(200, json=load("instagram", "media_page2.json"))
        return httpx.Response(200, json=load("instagram", "media_page1.json"))

    def insights(request, media_id):
        metrics = request.url.params["metric"].split(",")
        calls.setdefault(media_id, []).append(metrics)
        if media_id == "18000000000000001":
            return httpx.Response(200, json=load("instagram", "insights_reel.json"))
        if media_id == "18000000000000002":
            if "impressions" in metrics:
                return httpx.Response(400, json=load("instagram", "error_retired_metric.json"))
            return httpx.Response(200, json=load("instagram", "insights_feed_no_saved.json"))
        return httpx.Response(400, json=load("instagram", "error_not_enough_viewers.json"))

    def account_insights(request):
        metric = request.url.params["metric"]
        if metric == "follower_count":
            return httpx.Response(200, json=load("instagram", "follower_count.json"))
        if request.url.params.get("metric_type") == "total_value" and "breakdown" not in request.url.params:
            calls.setdefault("account", []).append(metric.split(","))
            if "profile_views" in metric.split(","):
                return httpx.Response(400, json=load("instagram", "error_retired_metric.json"))
            return httpx.Response(200, json=load("instagram", "account_insights_day.json"))
        if metric == "engaged_audience_demographics":
            if request.url.params.get("breakdown") == "country":
                return httpx.Response(200, json=load("instagram", "engaged_country.json"))
            return httpx.Response(200, json={"data": []})
        if request.url.params.get("breakdown") == "gender":
            return httpx.Response(200, json=load("instagram", "demographics_gender.json"))
        return httpx.Response(200, json={"data": []})

    mock.get(f"{BASE}/{IG}").mock(side_effect=account)
    mock.get(f"{BASE}/{IG}/media").mock(side_effect=media)
    mock.get(f"{BASE}/{IG}/insights").mock(side_effect=account_insights)
    mock.get(url__regex=rf"{BASE}/(?P<media_id>18\d+)/insights").mock(side_effect=insights)
    mock.get(f"{BASE}/ig_hashtag_search").mock(return_value=httpx.Response(200, json=load("instagram", "hashtag_search.json")))
    mock.get(f"{BASE}/17873440459141021/recent_media").mock(
        return_value=httpx.Response(200, json=load("instagram", "hashtag_recent_media.json")))
    mock.get(f"{BASE}/18000000000000001/comments").mock(
        return_value=httpx.Response(200, json=load("instagram", "comments.json")))


@pytest.fixture
def ig_account(campaign_engine, monkeypatch):
    monkeypatch.setenv("IG_TOKEN_TEST", "EAAB-test-token")
    sync.add_account(campaign_engine, "mei-ig", "instagram", IG, token_ref="env:IG_TOKEN_TEST", campaign="spring",
                     creator="mei", options={"account_metrics": ["profile_views", "views", "reach", "accounts_engaged"],
                                             "media_metrics": {
                         "FEED": ["impressions", "reach", "likes", "comments", "shares", "saved"]}})
    return campaign_engine


def test_instagram_payloads_to_canonical_rows(ig_account, sleeps):
    engine = ig_account
    calls: dict = {}
    with respx.mock(assert_all_called=False) as mock:
        _routes(mock, calls)
        result = sync.sync_account(engine, "mei-ig", since=dt.datetime(2025, 6, 1), until=UNTIL, sleep=sleeps)
    # rate limit: Retry-After honoured once, then the page came through
    assert sleeps == [7.0]
    assert {"kind": "rate_limited", "path": f"/v22.0/{IG}/media", "status": 429, "wait_s": 7.0} in result.notes
    # retired metric: the whole request was rejected, retried without `impressions` and with `views`
    assert calls["18000000000000002"] == [["impressions", "reach", "likes", "comments", "shares", "saved"],
                                          ["reach", "likes", "comments", "shares", "saved", "views"]]
    retired = [n for n in result.notes if n["kind"] == "retired_metric"]
    assert retired and retired[0]["metric"] == "impressions" and retired[0]["replacement"] == "views"

    snaps = {r["key"]: r for r in rows(engine, """
        select p.key, p.content_type, p.caption, p.url, p.posted_at, m.as_of, m.views, m.reach, m.likes, m.comments,
               m.shares, m.saves, m.impressions, m.watch_time_s, m.source, m.raw
        from post_metrics m join posts p on p.id = m.post_id order by p.key""")}
    reel = snaps["18000000000000001"]
    assert reel["content_type"] == "reel" and reel["views"] == 61000 and reel["reach"] == 31000
    assert reel["saves"] == 120 and reel["watch_time_s"] == pytest.approx(515450.0)  # ms -> s
    assert reel["as_of"] == "2025-06-15 00:00:00.000000" and reel["source"] == "instagram_api"
    feed = snaps["18000000000000002"]
    assert feed["content_type"] == "carousel" and feed["views"] == 9800
    assert feed["saves"] is None and feed["impressions"] is None  # hidden / retired: NULL, never 0
    assert "saves" in feed["raw"] and "no value for saved" in feed["raw"]
    story = snaps["18000000000000003"]
    assert story["reach"] is None and story["views"] is None and "Not enough viewers" in story["raw"]
    comments = rows(engine, "select key, author, text, likes from comments order by key")
    assert [c["author"] for c in comments] == ["fan_one", "fan_two"]
    followers = rows(engine, "select platform, handle, date, followers from follower_snapshots")
    assert followers == [{"platform": "instagram", "handle": "meilin.eats", "date": "2025-06-15", "followers": 48200}]
    series = rows(engine, "select date, metric, value from account_metrics where metric = 'follower_count' order by date")
    assert series == [{"date": "2025-06-12", "metric": "follower_count", "value": 31.0},
                      {"date": "2025-06-13", "metric": "follower_count", "value": 44.0}]
    # account insights: one-day total_value windows for the last 7 complete days; profile_views (retired
    # in v21) made the first request fail as a whole and was dropped for good
    assert calls["account"][0][0] == "profile_views" and all("profile_views" not in m for m in calls["account"][1:])
    daily = rows(engine, "select date, value, reason from account_metrics where metric = 'views' order by date")
    assert [d["date"] for d in daily] == [f"2025-06-{d:02d}" for d in range(8, 15)] and daily[0]["value"] == 18400.0
    engaged = rows(engine, "select value, reason from account_metrics where metric = 'accounts_engaged' limit 1")
    assert engaged == [{"value": 640.0, "reason": None}]
    audience = rows(engine, "select dimension, bucket, share from audience order by bucket")
    assert audience == [{"dimension": "gender", "bucket": "F", "share": 75.0},
                        {"dimension": "engaged_country", "bucket": "HK", "share": 25.0},
                        {"dimension": "gender", "bucket": "M", "share": 25.0},
                        {"dimension": "engaged_country", "bucket": "TW", "share": 75.0}]
    # mentions: public media with the campaign hashtag, stored as UGC posts of the campaign (NULL likes when hidden)
    ugc = rows(engine, """select p.key, p.sponsored, p.caption, c.key creator, m.likes, m.comments
        from posts p join creators c on c.id = p.creator_id join post_metrics m on m.post_id = p.id
        where c.key = 'instagram:hashtag-search' order by p.key""")
    assert [(u["key"], u["likes"], u["comments"]) for u in ugc] == [("17871527143187462", None, 0),
                                                                    ("17880997618081620", 61, 4)]
    assert all(u["sponsored"] == 0 and "#StressLess2BMyBest" in u["caption"] for u in ugc)
    # raw payloads kept beside the records
    assert rows(engine, "select count(*) n from connector_raw where kind = 'media_insights'")[0]["n"] == 3
    # the retired metric is remembered for the next run
    state = rows(engine, "select stream, retired_metrics from connector_state where stream like 'media_insights%'")
    assert state == [{"stream": "media_insights:FEED", "retired_metrics": '["impressions"]'}]


def test_instagram_resync_is_idempotent_and_later_window_adds_snapshots(ig_account, sleeps):
    engine = ig_account
    calls: dict = {}
    with respx.mock(assert_all_called=False) as mock:
        _routes(mock, calls, rate_limit_first=False)
        first = sync.sync_account(engine, "mei-ig", since=dt.datetime(2025, 6, 1), until=UNTIL, sleep=sleeps)
        again = sync.sync_account(engine, "mei-ig", since=dt.datetime(2025, 6, 1), until=UNTIL, sleep=sleeps)
        calls.clear()
        later = sync.sync_account(engine, "mei-ig", until=LATER, sleep=sleeps)
    assert first.changes > 0
    assert again.changes == 0, again.report.as_dict()
    # the second and third runs did not ask for the retired metric again
    assert all("impressions" not in m for m in calls["18000000000000002"])
    assert later.since == UNTIL  # incremental: continues where the last run stopped
    n = rows(engine, "select count(*) n, count(distinct as_of) d from post_metrics")[0]
    assert n == {"n": 8, "d": 2}  # 3 own posts x 2 windows + 2 hashtag posts inside the first window
    assert rows(engine, "select count(*) n from posts")[0]["n"] == 5
    assert rows(engine, "select count(*) n from follower_snapshots")[0]["n"] == 2


def test_instagram_older_campaign_media_are_read_by_id(ig_account, sleeps, tmp_path):
    import shutil
    from pathlib import Path

    from influscope.ingest.canonical import import_bundle

    bundle = tmp_path / "b"
    bundle.mkdir()
    src = Path(__file__).resolve().parent.parent / "fixtures" / "bundle"
    for name in ("campaign.yaml", "creators.csv"):
        shutil.copy(src / name, bundle / name)
    (bundle / "posts.csv").write_text("post_id,creator_id,platform,posted_at,as_of,likes\n"
                                      "17990000000000009,mei,instagram,2024-11-02T10:00:00Z,2024-11-09T00:00:00Z,4000\n",
                                      encoding="utf-8")
    import_bundle(ig_account, bundle)
    calls: dict = {}
    with respx.mock(assert_all_called=False) as mock:
        _routes(mock, calls, rate_limit_first=False)
        mock.get(f"{BASE}/17990000000000009").mock(return_value=httpx.Response(200, json=load("instagram", "media_old.json")))
        mock.get(f"{BASE}/17990000000000009/insights").mock(
            return_value=httpx.Response(200, json=load("instagram", "insights_feed_no_saved.json")))
        sync.sync_account(ig_account, "mei-ig", since=dt.datetime(2025, 6, 1), until=UNTIL, sleep=sleeps)
    snaps = rows(ig_account, """select m.as_of, m.likes, m.reach from post_metrics m join posts p on p.id = m.post_id
        where p.key = '17990000000000009' order by m.as_of""")
    assert [(s["likes"], s["reach"]) for s in snaps] == [(4000, None), (410, 5200)]
