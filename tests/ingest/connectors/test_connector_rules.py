"""Every connector door applies the bundle's record rules: a payload value the importer or the API would
refuse (a count beyond what the store holds, a NUL or a direction control in an id or a caption) is a
located error naming the record and field, the run is recorded as failed, and nothing is written.

Each test takes the connector's recorded payload (tests/ingest/fixtures) and changes one value."""

from __future__ import annotations

import copy
import datetime as dt

import httpx
import pytest
import respx
import sqlalchemy as sa

from influscope.ingest.canonical import BundleError
from influscope.ingest.connectors import sync
from tests.ingest.connectors import conftest as fx
from tests.ingest.connectors.conftest import UNTIL, rows

SINCE = dt.datetime(2025, 6, 1)
WRITTEN = ("posts", "post_metrics", "comments", "follower_snapshots", "audience", "traffic", "account_metrics",
           "connector_raw")


@pytest.fixture
def token(tmp_path):
    path = tmp_path / "token.txt"
    path.write_text("test-token\n", encoding="utf-8")
    return f"file:{path}"


def _counts(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {name: conn.execute(sa.text(f"select count(*) from {name}")).scalar() for name in WRITTEN}


def _refused(engine, name: str, run, *expected: str) -> str:
    """Run the sync; it must fail with a located rules error, write nothing and record a failed run."""
    before = _counts(engine)
    with pytest.raises(BundleError) as err:
        run()
    message = str(err.value)
    for part in expected:
        assert part in message, (part, message)
    assert "Traceback" not in message
    assert _counts(engine) == before
    runs = rows(engine, "select r.status, r.error from connector_runs r join connector_accounts a "
                        "on a.id = r.connector_id where a.name = :n order by r.id", n=name)
    assert runs[-1]["status"] == "failed" and expected[0] in runs[-1]["error"]
    return message


def _patched(monkeypatch, module, changes: dict):
    """Make MODULE's fixture loader return the recorded payloads with CHANGES applied: {(platform, file): fn}."""
    original = fx.load

    def load(platform: str, name: str):
        data = copy.deepcopy(original(platform, name))
        change = changes.get((platform, name))
        if change is not None:
            change(data)
        return data

    monkeypatch.setattr(module, "load", load)
    return load


def test_tiktok_count_beyond_the_store_and_nul_in_a_caption(campaign_engine, token, sleeps):
    sync.add_account(campaign_engine, "mei-tt", "tiktok", "open-id-1", token_ref=token, campaign="spring", creator="mei")
    payload = fx.load("tiktok", "display_video_list.json")
    payload["data"]["videos"][0]["like_count"] = 10**20
    payload["data"]["videos"][1]["video_description"] = "Taste\x00test"

    def run():
        with respx.mock() as mock:
            mock.post("https://open.tiktokapis.com/v2/video/list/").mock(return_value=httpx.Response(200, json=payload))
            sync.sync_account(campaign_engine, "mei-tt", since=SINCE, until=UNTIL, sleep=sleeps)

    message = _refused(campaign_engine, "mei-tt", run, "likes", "too large", "caption", "NUL")
    assert "post '7380000000000000001'" in message and "post '7380000000000000002'" in message


def test_youtube_string_count_that_overflows_a_bigint(campaign_engine, token, sleeps, monkeypatch):
    from tests.ingest.connectors import test_platforms

    def overflow(data):
        data["items"][0]["statistics"]["viewCount"] = "9223372036854775808"

    _patched(monkeypatch, test_platforms, {("youtube", "videos.json"): overflow})
    sync.add_account(campaign_engine, "mei-yt", "youtube", "UCmeilin000000000000000", token_ref=token,
                     campaign="spring", creator="mei")

    def run():
        with respx.mock() as mock:
            test_platforms._youtube_routes(mock, [1])  # no rate limit on the first videos call
            sync.sync_account(campaign_engine, "mei-yt", since=SINCE, until=UNTIL, sleep=sleeps)

    _refused(campaign_engine, "mei-yt", run, "views", "too large", "dQw4w9WgXc1")


def test_facebook_direction_control_in_a_post_id(campaign_engine, token, sleeps):
    sync.add_account(campaign_engine, "mei-fb", "facebook", "104000000000001", token_ref=token, campaign="spring",
                     creator="mei", options={"post_metrics": ["post_clicks", "post_video_views"]})
    posts = fx.load("facebook", "posts.json")
    posts["data"][0]["id"] = "104000000000001_9000\u202e00000001"
    base = "https://graph.facebook.com/v22.0"

    def run():
        with respx.mock(assert_all_called=False) as mock:
            mock.get(f"{base}/104000000000001").mock(return_value=httpx.Response(200, json=fx.load("facebook", "page.json")))
            mock.get(f"{base}/104000000000001/posts").mock(return_value=httpx.Response(200, json=posts))
            mock.get(f"{base}/104000000000001/insights").mock(
                return_value=httpx.Response(200, json=fx.load("facebook", "page_insights.json")))
            mock.get(url__regex=rf"{base}/104000000000001_.+/insights").mock(
                return_value=httpx.Response(200, json=fx.load("facebook", "post_insights_photo.json")))
            sync.sync_account(campaign_engine, "mei-fb", since=SINCE, until=UNTIL, sleep=sleeps)

    _refused(campaign_engine, "mei-fb", run, "post_id", "text-direction controls")


def test_x_negative_count_and_a_mention_author_with_a_line_break(campaign_engine, token, sleeps):
    sync.add_account(campaign_engine, "mei-x", "x", "1111", token_ref=token, campaign="spring", creator="mei",
                     options={"user_context": True})
    tweets = fx.load("x", "user_tweets.json")
    tweets["data"][0]["public_metrics"]["like_count"] = -3
    tweets["data"][0]["organic_metrics"]["like_count"] = -3
    search = fx.load("x", "search_recent.json")
    for user in search.get("includes", {}).get("users", []):
        user["name"] = "tea\nfan"

    def run():
        with respx.mock() as mock:
            mock.get("https://api.x.com/2/users/1111/tweets").mock(return_value=httpx.Response(200, json=tweets))
            mock.get("https://api.x.com/2/tweets/search/recent").mock(return_value=httpx.Response(200, json=search))
            sync.sync_account(campaign_engine, "mei-x", since=SINCE, until=UNTIL, sleep=sleeps)

    _refused(campaign_engine, "mei-x", run, "likes", "must not be negative")


def test_instagram_caption_with_nul_and_an_oversized_permalink(campaign_engine, sleeps, monkeypatch):
    from tests.ingest.connectors import test_instagram

    def hostile(data):
        data["data"][0]["caption"] = "Calm\x00mornings"
        data["data"][1]["permalink"] = "https://www.instagram.com/p/" + "x" * 5000

    _patched(monkeypatch, test_instagram, {("instagram", "media_page1.json"): hostile})
    monkeypatch.setenv("IG_TOKEN_TEST", "EAAB-test-token")
    sync.add_account(campaign_engine, "mei-ig", "instagram", test_instagram.IG, token_ref="env:IG_TOKEN_TEST",
                     campaign="spring", creator="mei")

    def run():
        with respx.mock(assert_all_called=False) as mock:
            test_instagram._routes(mock, {}, rate_limit_first=False)
            sync.sync_account(campaign_engine, "mei-ig", since=SINCE, until=UNTIL, sleep=sleeps)

    message = _refused(campaign_engine, "mei-ig", run, "caption", "NUL", "url", "longer than")
    assert "post '18000000000000001'" in message


def test_ga4_sessions_beyond_the_store(engine, monkeypatch, sleeps):
    monkeypatch.setenv("GA4_TOKEN", "ya29.test")
    sync.add_account(engine, "site", "ga4", "123456789", token_ref="env:GA4_TOKEN",
                     options={"metrics": ["sessions", "newUsers", "engagedSessions", "screenPageViews",
                                          "averageSessionDuration"]})
    report = fx.load("ga4", "run_report.json")
    report["rows"][0]["metricValues"][0]["value"] = "1e40"
    url = "https://analyticsdata.googleapis.com/v1beta/properties/123456789:runReport"

    def run():
        with respx.mock() as mock:
            mock.post(url).mock(return_value=httpx.Response(200, json=report))
            sync.sync_account(engine, "site", since=dt.datetime(2025, 6, 13), until=UNTIL, sleep=sleeps)

    _refused(engine, "site", run, "sessions", "too large", "traffic on 2025-06-13")


def test_native_export_file_with_an_oversized_caption(campaign_engine, tmp_path):
    """The file door (native platform exports) goes through the same check, located by file and line."""
    from influscope.ingest.exports import import_export_file

    src = fx.FIXTURES / "exports" / "tiktok_Content_by_views.csv"
    lines = src.read_text(encoding="utf-8-sig").splitlines()
    import csv
    import io

    table = list(csv.reader(io.StringIO("\n".join(lines))))
    header = [h.strip().lower() for h in table[0]]
    title = header.index("video title")
    table[1][title] = "x" * 20_000  # read fine as a CSV cell; longer than any caption the store keeps
    hostile = tmp_path / "tiktok_Content_by_views.csv"
    with open(hostile, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(table)
    before = _counts(campaign_engine)
    with pytest.raises(BundleError) as err:
        import_export_file(campaign_engine, hostile, source="tiktok_studio@meilin.eats", as_of=dt.datetime(2025, 6, 15))
    assert "tiktok_Content_by_views.csv" in str(err.value) and "caption" in str(err.value)
    assert "longer than 10000" in str(err.value)
    assert _counts(campaign_engine) == before
