"""Native exports as people really download them: every layout below reproduces a real export's
header and value formats (our own titles and numbers), and every stored value is checked."""

from __future__ import annotations

import datetime as dt

import pytest

from influscope.ingest.canonical import BundleError, import_bundle
from influscope.ingest.exports import detect, import_export_file
from influscope.ingest.exports.platform_files import download_period
from influscope.ingest.exports.common import (
    day_order,
    parse_count,
    parse_date,
    parse_duration,
    parse_month_day,
    parse_net_count,
    tiktok_id_time,
)

from tests.ingest.exports.support import AS_OF, EXP, FIX, q


def metrics(engine, metric: str | None = None):
    where = f"where metric = '{metric}'" if metric else ""
    return [(r["date"], r["metric"], r["value"]) for r in
            q(engine, f"select date, metric, value from account_metrics {where} order by date, metric")]


# ------------------------------------------------------------------------------------ value formats

@pytest.mark.parametrize("text,expected", [("0:03:07", 187), ("1:02:03", 3723), ("3:07", 187), ("42", 42),
                                           ("", None), ("undefined", None)])
def test_durations(text, expected):
    assert parse_duration(text) == expected


@pytest.mark.parametrize("bad", ["1:75:00", "ab", "-3"])
def test_bad_durations(bad):
    with pytest.raises(ValueError):
        parse_duration(bad)


def test_counts_are_whole_and_net_counts_may_be_negative():
    assert parse_count("48211.0") == 48211 and parse_count("1.2E+05") == 120000 and parse_count("undefined") is None
    for bad in ("12.5", "-1"):
        with pytest.raises(ValueError):
            parse_count(bad)
    assert parse_net_count("-6") == -6 and parse_net_count("−2") == -2 and parse_net_count("-") is None
    assert parse_net_count("7") == 7


@pytest.mark.parametrize("text,order,expected", [
    ("13-06-2025", None, dt.date(2025, 6, 13)), ("12-06-2025", "dmy", dt.date(2025, 6, 12)),
    ("6/13/2025", None, dt.date(2025, 6, 13)), ("06/12/2025 19:05", "mdy", dt.date(2025, 6, 12)),
    ("3-Jun-26", None, dt.date(2026, 6, 3)), ("13 июня 2025 г.", None, dt.date(2025, 6, 13)),
    ("31 de dezembro de 2024", None, dt.date(2024, 12, 31)), ("Jun 11, 2025", None, dt.date(2025, 6, 11)),
])
def test_dates(text, order, expected):
    assert parse_date(text, order) == expected


def test_ambiguous_numeric_date_is_refused_and_the_file_decides():
    with pytest.raises(ValueError, match="cannot be told apart"):
        parse_date("12-06-2025")
    assert day_order(["12-06-2025", "13-06-2025"]) == "dmy" and day_order(["6/12/2025", "6/13/2025"]) == "mdy"
    assert day_order(["2025-06-12"]) is None
    with pytest.raises(ValueError, match="both day-first"):
        day_order(["13-06-2025", "06-13-2025"])


@pytest.mark.parametrize("text,expected", [("31 декабря", (12, 31)), ("1 января", (1, 1)), ("10 tháng Tám", (8, 10)),
                                           ("31. März", (3, 31)), ("3 févr.", (2, 3)), ("5 de setembro", (9, 5)),
                                           ("13-Jun", (6, 13)), ("Jun-13", (6, 13))])
def test_localised_month_names(text, expected):
    assert parse_month_day(text) == expected


def test_tiktok_video_id_carries_its_posting_time():
    assert tiktok_id_time("7511676180830567501") == dt.datetime(2025, 6, 3, 11, 0)
    assert tiktok_id_time("7380000000000000001") == dt.datetime(2024, 6, 13, 14, 49, 10)
    assert tiktok_id_time("12345") is None and tiktok_id_time(None) is None


# --------------------------------------------------------------------------------------- YouTube Studio

def test_youtube_daily_per_video_chart_is_stored_as_daily_counts_and_running_totals(eng):
    assert detect(EXP / "youtube_daily_videos.csv") == "youtube_studio"
    rep = import_export_file(eng, EXP / "youtube_daily_videos.csv", source="youtube_studio@meilincooks", as_of=AS_OF)
    # every row is what the video got that day
    days = q(eng, """select p.key, d.date, d.metric, d.value, d.reason, d.source from post_daily_metrics d
                     join posts p on p.id = d.post_id order by p.key, d.date""")
    assert [(r["key"], r["date"], r["metric"], r["value"]) for r in days] == [
        ("mlnPantry02", "2025-06-01", "views", 14.0), ("mlnPantry02", "2025-06-02", "views", 9.0),
        ("mlnPantry02", "2025-06-03", "views", 0.0), ("mlnPantry02", "2025-06-04", "views", 11.0),
        ("mlnSpring01", "2025-06-01", "views", 0.0), ("mlnSpring01", "2025-06-02", "views", 1250.0),
        ("mlnSpring01", "2025-06-03", "views", 3310.0), ("mlnSpring01", "2025-06-04", "views", 804.0)]
    assert {(r["reason"], r["source"]) for r in days} == {(None, "youtube_studio")}
    rows = q(eng, """select p.key, p.posted_at, p.caption, m.as_of, m.views from post_metrics m
                     join posts p on p.id = m.post_id order by p.key, m.as_of""")
    # a video published within the chart: one snapshot per day, dated the next midnight, holding its
    # running total, which is its lifetime count
    assert [(r["key"], r["as_of"][:10], r["views"]) for r in rows] == [
        ("mlnSpring01", "2025-06-02", 0), ("mlnSpring01", "2025-06-03", 1250), ("mlnSpring01", "2025-06-04", 4560),
        ("mlnSpring01", "2025-06-05", 5364)]
    assert rows[0]["posted_at"].startswith("2025-06-02") and rows[0]["caption"] == "Spring noodles"
    # the older video: its post and daily counts, but no lifetime snapshot (the chart does not hold it)
    pantry = q(eng, "select posted_at, caption from posts where key = 'mlnPantry02'")
    assert pantry == [{"posted_at": "2024-04-26 00:00:00.000000", "caption": "Pantry tour"}]
    r = rep.reading
    assert (r.rows_read, r.rows_stored) == (8, 8)
    assert any("mlnPantry02" in w and "before the chart's first day 2025-06-01" in w and "daily counts only" in w
               for w in r.warnings)
    assert r.used == ["Date", "Content", "Video title", "Video publish time", "Views"] and r.ignored == ["Duration"]
    assert rep.files["post_daily_metrics"].inserted == 8
    assert import_export_file(eng, EXP / "youtube_daily_videos.csv", source="youtube_studio@meilincooks",
                              as_of=AS_OF).changes == 0


def test_youtube_daily_chart_with_watch_time_and_a_hidden_day(eng, tmp_path):
    f = tmp_path / "Chart data.csv"
    f.write_text("Date,Content,Video title,Video publish time,Duration,Watch time (hours),Views\n"
                 "2025-06-01,mlnOld03,Old soup,\"Jan 5, 2025\",200,1.5,40\n"
                 "2025-06-02,mlnOld03,Old soup,\"Jan 5, 2025\",200,,--\n", encoding="utf-8")
    import_export_file(eng, f, source="youtube_studio@meilincooks", as_of=AS_OF)
    days = q(eng, "select date, metric, value, reason from post_daily_metrics order by date, metric")
    assert [tuple(r.values()) for r in days] == [
        ("2025-06-01", "views", 40.0, None), ("2025-06-01", "watch_time_s", 5400.0, None),
        ("2025-06-02", "views", None, "hidden in the export"), ("2025-06-02", "watch_time_s", None, "empty in the export")]
    assert q(eng, "select count(*) n from post_metrics")[0]["n"] == 0


def test_youtube_daily_chart_with_a_video_twice_on_a_day_is_refused(eng, tmp_path):
    f = tmp_path / "Chart data.csv"
    f.write_text("Date,Content,Video title,Video publish time,Duration,Views\n"
                 "2025-06-01,mlnOld03,Old soup,\"Jan 5, 2025\",200,40\n"
                 "2025-06-01,mlnOld03,Old soup,\"Jan 5, 2025\",200,12\n", encoding="utf-8")
    with pytest.raises(BundleError) as err:
        import_export_file(eng, f, source="youtube_studio@meilincooks", as_of=AS_OF)
    assert str(err.value.problems[0]).startswith("Chart data.csv:3: Date: a second row for video mlnOld03 on "
                                                 "2025-06-01 (the first is line 2)")
    assert q(eng, "select count(*) n from posts where key = 'mlnOld03'")[0]["n"] == 0


def test_youtube_daily_chart_with_average_view_duration(eng):
    rep = import_export_file(eng, EXP / "youtube_daily_videos_avd.csv", source="youtube_studio@meilincooks")
    rows = q(eng, "select m.as_of, m.views from post_metrics m order by m.as_of")
    assert [(r["as_of"][:10], r["views"]) for r in rows] == [("2025-06-03", 1250), ("2025-06-04", 4560),
                                                              ("2025-06-05", 5364)]
    assert [(r["date"], r["metric"], r["value"]) for r in q(
        eng, "select date, metric, value from post_daily_metrics order by date, metric")] == [
        ("2025-06-02", "views", 1250.0), ("2025-06-03", "views", 3310.0), ("2025-06-04", "views", 804.0)]
    assert "Average view duration" in rep.reading.ignored
    assert any("Average view duration" in w and "adds up" in w for w in rep.reading.warnings)


def test_youtube_chart_split_by_a_dimension_is_refused_naming_the_column(eng):
    assert detect(EXP / "youtube_split_subscription.csv") == "youtube_studio"  # the dimension tells it is YouTube's
    with pytest.raises(BundleError) as err:
        import_export_file(eng, EXP / "youtube_split_subscription.csv", source="youtube_studio@meilincooks")
    msg = str(err.value.problems[0])
    assert msg.startswith("youtube_split_subscription.csv:2: Subscription status: the chart is split by "
                          "Subscription status (Not subscribed, Subscribed): its rows are parts of one day's total")
    assert q(eng, "select count(*) n from account_metrics")[0]["n"] == 0


def test_youtube_date_table_with_a_total_row_in_the_middle(eng):
    rep = import_export_file(eng, EXP / "youtube_days_total.csv", source="youtube_studio@meilincooks")
    got = {(d, m): v for d, m, v in metrics(eng)}
    assert got == {("2025-06-01", "views"): 2704.0, ("2025-06-01", "watch_time_s"): pytest.approx(61.2 * 3600),
                   ("2025-06-01", "avg_view_duration_s"): 81.0, ("2025-06-01", "impressions_click_through_rate_pct"): 4.8,
                   ("2025-06-02", "views"): 2492.0, ("2025-06-02", "watch_time_s"): pytest.approx(57.2 * 3600),
                   ("2025-06-02", "avg_view_duration_s"): 83.0, ("2025-06-02", "impressions_click_through_rate_pct"): 4.4}
    assert (rep.reading.rows_read, rep.reading.rows_stored) == (3, 2) and rep.reading.ignored == []
    assert any("line 3" in w and "Total" in w for w in rep.reading.warnings)


def test_youtube_totals_with_durations(eng):
    rep = import_export_file(eng, EXP / "youtube_Totals.csv", source="youtube_studio@meilincooks")
    rows = q(eng, "select date, metric, value, reason from account_metrics order by date")
    assert [(r["date"], r["metric"], r["value"]) for r in rows] == [
        ("2025-06-12", "avg_view_duration_s", 187.0), ("2025-06-13", "avg_view_duration_s", 3723.0),
        ("2025-06-14", "avg_view_duration_s", None)]
    assert rows[2]["reason"] == "empty in the export"
    assert rep.changes == 3 and rep.reading.used == ["Date", "Average view duration"]


def test_youtube_totals_resaved_in_a_spreadsheet_day_first(eng):
    import_export_file(eng, EXP / "youtube_Totals_resaved.csv", source="youtube_studio@meilincooks")
    assert metrics(eng) == [("2025-06-12", "views", 1402.0), ("2025-06-13", "views", 1388.0),
                            ("2025-06-14", "views", 1507.0)]


def test_youtube_totals_with_short_month_dates(eng):
    import_export_file(eng, EXP / "youtube_Totals_dmy_short.csv", source="youtube_studio@meilincooks")
    assert metrics(eng) == [("2026-06-02", "views", 310.0), ("2026-06-03", "views", 295.0)]


def test_ambiguous_day_month_file_is_refused_with_its_line(eng, tmp_path):
    f = tmp_path / "Totals.csv"
    f.write_text("Date,Views\n05-06-2025,10\n06-06-2025,12\n", encoding="utf-8")
    with pytest.raises(BundleError) as err:
        import_export_file(eng, f, source="youtube_studio@meilincooks")
    assert str(err.value.problems[0]).startswith("Totals.csv:2: Date: '05-06-2025': day and month cannot be told apart")


def test_youtube_table_data_total_row_anywhere_and_ignored_columns_reported(eng, tmp_path):
    f = tmp_path / "Table data.csv"
    f.write_text("Content,Video title,Video publish time,Duration,Views,Watch time (hours),Subscribers,"
                 "Average view duration,Likes,Comments added,Shares\n"
                 'mlnSpring01,Spring noodles,"Jun 2, 2025",412,5364,120.5,31,0:01:21,402,37,12\n'
                 "Total,,,,5364,120.5,31,0:01:21,402,37,12\n", encoding="utf-8")
    rep = import_export_file(eng, f, source="youtube_studio@meilincooks", as_of=AS_OF,
                             date_range=(dt.date(2025, 6, 1), dt.date(2025, 6, 14)))
    r = q(eng, "select views, likes, comments, shares, watch_time_s from post_metrics")
    assert r == [{"views": 5364, "likes": 402, "comments": 37, "shares": 12, "watch_time_s": pytest.approx(433800.0)}]
    assert rep.reading.ignored == ["Duration", "Subscribers", "Average view duration"]
    assert (rep.reading.rows_read, rep.reading.rows_stored) == (2, 1)


def test_youtube_fractional_count_is_refused(eng, tmp_path):
    f = tmp_path / "Table data.csv"
    f.write_text("Content,Video title,Video publish time,Duration,Views\nmlnSpring01,x,\"Jun 2, 2025\",412,53.5\n",
                 encoding="utf-8")
    with pytest.raises(BundleError) as err:
        import_export_file(eng, f, source="youtube_studio@meilincooks", as_of=AS_OF)
    assert str(err.value.problems[0]) == "Table data.csv:2: Views: not a count: '53.5' (a fraction)"


# ---------------------------------------------------------------------------------------- TikTok Studio

def test_tiktok_overview_year_with_undefined_negative_and_new_columns(eng):
    assert detect(EXP / "tiktok_Overview_year.csv") == "tiktok_studio"
    rep = import_export_file(eng, EXP / "tiktok_Overview_year.csv", source="tiktok_studio@meilin.eats", year=2024)
    rows = q(eng, "select date, metric, value, reason from account_metrics order by date, metric")
    first = [r for r in rows if r["date"] == "2024-12-30"]
    assert len(first) == 7 and all(r["value"] is None and r["reason"].startswith("undefined") for r in first)
    got = {(r["date"], r["metric"]): r["value"] for r in rows if r["date"] != "2024-12-30"}
    assert got == {
        ("2024-12-31", "video_views"): 1840, ("2024-12-31", "profile_views"): 61, ("2024-12-31", "likes"): 212,
        ("2024-12-31", "comments"): -1, ("2024-12-31", "shares"): 4, ("2024-12-31", "reached_audience"): 1320,
        ("2024-12-31", "website_clicks"): 3,
        ("2025-01-01", "video_views"): 1530, ("2025-01-01", "profile_views"): 48, ("2025-01-01", "likes"): -6,
        ("2025-01-01", "comments"): -2, ("2025-01-01", "shares"): 0, ("2025-01-01", "reached_audience"): 1102,
        ("2025-01-01", "website_clicks"): 0,
        ("2025-01-02", "video_views"): 1910, ("2025-01-02", "profile_views"): 57, ("2025-01-02", "likes"): 233,
        ("2025-01-02", "comments"): 7, ("2025-01-02", "shares"): None, ("2025-01-02", "reached_audience"): 1405,
        ("2025-01-02", "website_clicks"): 1}
    assert [r["reason"] for r in rows if r["date"] == "2025-01-02" and r["metric"] == "shares"] == ["hidden in the export"]
    assert rep.reading.ignored == [] and rep.reading.rows_stored == 4


def test_negative_views_are_still_refused(eng, tmp_path):
    f = tmp_path / "Overview.csv"
    f.write_text('Date,Video Views,Profile Views,Likes,Comments,Shares\n"June 1",-5,1,1,1,1\n', encoding="utf-8")
    with pytest.raises(BundleError) as err:
        import_export_file(eng, f, source="tiktok_studio@meilin.eats", year=2025)
    assert str(err.value.problems[0]) == "Overview.csv:2: Video Views: not a count: '-5' (negative)"


def test_tiktok_overview_in_russian(eng):
    import_export_file(eng, EXP / "tiktok_Overview_ru.csv", source="tiktok_studio@meilin.eats", year=2024)
    assert metrics(eng) == [
        ("2024-12-31", "comments", 2.0), ("2024-12-31", "likes", 60.0), ("2024-12-31", "profile_views", 14.0),
        ("2024-12-31", "shares", 1.0), ("2024-12-31", "video_views", 820.0),
        ("2025-01-01", "comments", 3.0), ("2025-01-01", "likes", 71.0), ("2025-01-01", "profile_views", 16.0),
        ("2025-01-01", "shares", 0.0), ("2025-01-01", "video_views", 905.0)]


def test_yearless_date_in_the_future_is_refused(eng):
    with pytest.raises(BundleError) as err:
        import_export_file(eng, EXP / "tiktok_Overview_ru.csv", source="tiktok_studio@meilin.eats",
                           year=dt.date.today().year + 1)
    assert "in the future" in str(err.value)


def test_tiktok_follower_activity_by_hour(eng):
    assert detect(EXP / "tiktok_FollowerActivity.csv") == "tiktok_studio"
    import_export_file(eng, EXP / "tiktok_FollowerActivity.csv", source="tiktok_studio@meilin.eats", year=2025)
    assert metrics(eng) == [("2025-06-13", "active_followers_h00", 412.0), ("2025-06-13", "active_followers_h01", 388.0),
                            ("2025-06-13", "active_followers_h23", 1021.0), ("2025-06-14", "active_followers_h00", None)]


def test_tiktok_top_territories(eng):
    assert detect(EXP / "tiktok_FollowerTopTerritories.csv") == "tiktok_studio"
    import_export_file(eng, EXP / "tiktok_FollowerTopTerritories.csv", source="tiktok_studio@meilin.eats", as_of=AS_OF)
    got = {(r["dimension"], r["bucket"]): r["share"] for r in q(eng, "select dimension, bucket, share from audience")}
    assert got == {("country", "TW"): pytest.approx(61.2), ("country", "HK"): pytest.approx(20.1),
                   ("country", "MY"): pytest.approx(8.7), ("country", "Others"): pytest.approx(10.0)}


def test_tiktok_content_sorted_by_views_takes_years_from_video_ids(eng):
    """Rows sorted by views, dates without a year, spanning a new year: no --year needed."""
    rep = import_export_file(eng, EXP / "tiktok_Content_by_views.csv", source="tiktok_studio@meilin.eats",
                             as_of=AS_OF)
    rows = q(eng, """select p.caption, p.posted_at, m.views, m.likes, m.comments, m.shares
                     from post_metrics m join posts p on p.id = m.post_id order by p.posted_at""")
    assert [(r["caption"], r["posted_at"][:16], r["views"], r["likes"], r["comments"], r["shares"]) for r in rows] == [
        ("Hotpot night", "2024-12-28 04:10", 9310, 401, 22, 18),
        ("Countdown snacks", "2024-12-31 15:59", 20410, 870, 31, 12),
        ("New year dumplings", "2025-01-02 02:45", 48120, 1990, 64, 40),
        ("Night market run", "2025-06-03 11:00", 152000, 8120, 301, 95)]
    assert rep.reading.ignored == ["Time"] and rep.reading.rows_stored == 4


def test_tiktok_content_date_that_contradicts_its_video_id_is_refused(eng, tmp_path):
    text = (EXP / "tiktok_Content_by_views.csv").read_text(encoding="utf-8").replace('"June 3"', '"July 3"')
    f = tmp_path / "Content.csv"
    f.write_text(text, encoding="utf-8")
    with pytest.raises(BundleError) as err:
        import_export_file(eng, f, source="tiktok_studio@meilin.eats", as_of=AS_OF)
    assert str(err.value.problems[0]) == ("Content.csv:3: Post time: 'July 3' does not match the video id's "
                                          "posting day 2025-06-03")


# ---------------------------------------------------------------------------------- Meta Business Suite

def test_meta_business_suite_instagram_posts(eng):
    assert detect(EXP / "meta_instagram_posts.csv") == "meta_business_suite"
    rep = import_export_file(eng, EXP / "meta_instagram_posts.csv", as_of=AS_OF)  # the file names its account
    rows = q(eng, """select p.key, p.platform, p.content_type, p.url, p.posted_at, p.caption, m.views, m.reach,
                            m.likes, m.comments, m.shares, m.saves from post_metrics m
                     join posts p on p.id = m.post_id order by p.key""")
    assert [(r["key"], r["platform"], r["content_type"], r["posted_at"][:16], r["views"], r["reach"], r["likes"],
             r["comments"], r["shares"], r["saves"]) for r in rows] == [
        ("18041234567890123", "instagram", "post", "2025-06-03 19:05", 15000, 9870, 812, 37, 44, 120),
        ("18041234567890124", "instagram", "reel", "2025-06-13 08:30", 121402, 80115, 5210, 211, 390, 1044)]
    assert rows[0]["caption"] == "Spring menu, part one 🍜\nRecipe in bio"
    assert rows[0]["url"] == "https://www.instagram.com/p/DKspring01/"
    assert rep.reading.ignored == ["Account ID", "Account name", "Duration (sec)", "Data comment", "Follows"]
    assert rep.reading.rows_stored == 2


def test_meta_business_suite_facebook_posts(eng):
    assert detect(EXP / "meta_facebook_posts.csv") == "meta_business_suite"
    import_export_file(eng, EXP / "meta_facebook_posts.csv", as_of=AS_OF)
    rows = q(eng, """select p.platform, p.caption, p.posted_at, m.views, m.reach, m.reactions, m.comments, m.shares,
                            m.likes from post_metrics m join posts p on p.id = m.post_id""")
    assert rows == [{"platform": "facebook", "caption": "Spring menu is here", "posted_at": "2025-06-04 18:12:00.000000",
                     "views": 2710, "reach": 2040, "reactions": 80, "comments": 9, "shares": 7, "likes": None}]


def test_meta_export_for_a_period_is_refused(eng):
    with pytest.raises(BundleError) as err:
        import_export_file(eng, EXP / "meta_instagram_period.csv", as_of=AS_OF)
    assert str(err.value.problems[0]).startswith("meta_instagram_period.csv:2: Date: metrics for 'Jun 1 - Jun 7', "
                                                 "not lifetime")


def test_cli_prints_the_file_report(eng, sqlite_url):
    from typer.testing import CliRunner

    from influscope.cli import app

    import_bundle(eng, FIX / "bundle", workspace="default")
    res = CliRunner().invoke(app, ["import", str(EXP / "youtube_daily_videos.csv"), "--source",
                                   "youtube_studio@meilincooks", "--db", sqlite_url])
    assert res.exit_code == 0, res.output
    assert "youtube_daily_videos.csv (youtube_studio): 8 row(s) read, 8 stored" in res.output
    assert "columns ignored: Duration" in res.output
    assert "warning: 1 video(s) published before the chart's first day 2025-06-01 (mlnPantry02): their 4 rows" \
        in res.output
    assert "post_daily_metrics        8 new" in res.output
    res = CliRunner().invoke(app, ["import", str(EXP / "tiktok_Overview_ru.csv"), "--source", "tiktok_studio@meilin.eats",
                                   "--db", sqlite_url, "--date-range", "2024-12-01..2025-01-31"])
    assert res.exit_code == 0, res.output
    assert metrics(eng, "video_views") == [("2024-12-31", "video_views", 820.0), ("2025-01-01", "video_views", 905.0)]
    res = CliRunner().invoke(app, ["import", str(EXP / "youtube_Totals.csv"), "--source", "youtube_studio@meilincooks",
                                   "--db", sqlite_url, "--json"])
    assert '"columns_used": [\n      "Date",\n      "Average view duration"\n    ]' in res.output


def test_an_export_with_only_its_header_is_refused(eng, tmp_path):
    f = tmp_path / "Chart data.csv"
    f.write_text("Date,Content,Video title,Video publish time,Duration,Views\n", encoding="utf-8")
    with pytest.raises(BundleError, match="no data below the header"):
        import_export_file(eng, f, source="youtube_studio@meilincooks")


def test_json_exports_report_their_rows(eng):
    rep = import_export_file(eng, EXP / "bilibili_view.json", source="bilibili@meilin", as_of=AS_OF)
    assert (rep.reading.rows_read, rep.reading.rows_stored) == (1, 1) and "view" in rep.reading.used


def test_meta_export_of_several_accounts_is_refused(eng, tmp_path):
    text = (EXP / "meta_instagram_posts.csv").read_text(encoding="utf-8")
    f = tmp_path / "posts.csv"
    f.write_text(text.replace("17841400000000001,meilin.eats,", "17841400000000002,other.account,", 1),
                 encoding="utf-8")
    with pytest.raises(BundleError) as err:
        import_export_file(eng, f, as_of=AS_OF)
    assert str(err.value.problems[0]).startswith("posts.csv:2: Account username: posts of several accounts in one "
                                                 "file (meilin.eats, other.account)")


# ------------------------------------------------------------------ YouTube per-video tables and their period

def test_per_video_table_without_its_period_is_refused_naming_what_settles_it(eng, tmp_path):
    with pytest.raises(BundleError) as err:
        import_export_file(eng, EXP / "youtube_Table_data.csv", source="youtube_studio@meilincooks", as_of=AS_OF)
    problem = str(err.value.problems[0])
    assert problem.startswith("youtube_Table_data.csv:1: -: the counts of a per-video table are those of the period "
                              "chosen in YouTube Studio, which this file does not state")
    assert "--date-range FROM..TO" in problem and "--lifetime" in problem and "the zip as downloaded" in problem
    assert q(eng, "select count(*) n from posts where key like 'dQw4w9WgXc%'") == [{"n": 0}]
    # a zip holding the table alone, under a name that states no period, is refused the same way
    import zipfile

    z = tmp_path / "youtube.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.write(EXP / "youtube_Table_data.csv", "Table data.csv")
    with pytest.raises(BundleError, match=r"youtube.zip/Table data.csv:1: -: the counts of a per-video table"):
        import_export_file(eng, z, source="youtube_studio@meilincooks", as_of=AS_OF)


def test_per_video_table_exported_for_lifetime(eng):
    rep = import_export_file(eng, EXP / "youtube_Table_data.csv", source="youtube_studio@meilincooks", as_of=AS_OF,
                             lifetime=True)
    assert [(r["key"], r["as_of"], r["views"], r["impressions"]) for r in q(
        eng, "select p.key, m.as_of, m.views, m.impressions from post_metrics m join posts p on p.id = m.post_id "
             "order by p.key")] == [("dQw4w9WgXc1", "2025-06-15 00:00:00.000000", 48211, 350000),
                                    ("dQw4w9WgXc2", "2025-06-15 00:00:00.000000", 9120, 52000)]
    assert (rep.reading.rows_read, rep.reading.rows_stored) == (3, 2)
    assert "the counts are each video's lifetime counts (the Lifetime period, as told), stored at 2025-06-15 00:00 " \
           "UTC" in rep.reading.warnings
    with pytest.raises(BundleError, match="not both"):
        import_export_file(eng, EXP / "youtube_Table_data.csv", source="youtube_studio@meilincooks", lifetime=True,
                           date_range=(dt.date(2025, 6, 8), dt.date(2025, 6, 14)))


def test_per_video_table_in_the_folder_of_its_download_takes_the_period_from_the_name(eng, tmp_path):
    folder = tmp_path / "Content 2025-06-08_2025-06-14 Mei-Lin Cooks"  # as YouTube Studio's zip unzips
    folder.mkdir()
    f = folder / "Table data.csv"
    f.write_bytes((EXP / "youtube_Table_data.csv").read_bytes())
    rep = import_export_file(eng, f, source="youtube_studio@meilincooks", as_of=AS_OF)
    assert "the period 2025-06-08..2025-06-14 is that of the download's name 'Content 2025-06-08_2025-06-14 " \
           "Mei-Lin Cooks'" in rep.reading.warnings
    assert [(r["key"], r["as_of"][:10], r["views"]) for r in q(
        eng, "select p.key, m.as_of, m.views from post_metrics m join posts p on p.id = m.post_id")] == [
        ("dQw4w9WgXc1", "2025-06-15", 48211)]  # the older video's counts are the period's: not stored


def test_per_video_table_zip_named_by_youtube_studio_settles_the_period(eng, tmp_path):
    import zipfile

    z = tmp_path / "Content 2025-06-01_2025-06-14 Mei-Lin Cooks.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.write(EXP / "youtube_Table_data.csv", "Table data.csv")
    rep = import_export_file(eng, z, source="youtube_studio@meilincooks", as_of=AS_OF)
    assert rep.parts[0].reading.rows_stored == 2
    assert [(r["key"], r["as_of"][:10], r["views"]) for r in q(
        eng, "select p.key, m.as_of, m.views from post_metrics m join posts p on p.id = m.post_id order by p.key")] \
        == [("dQw4w9WgXc1", "2025-06-15", 48211), ("dQw4w9WgXc2", "2025-06-15", 9120)]


def test_a_period_ending_after_the_file_was_written_is_refused(eng):
    with pytest.raises(BundleError, match=r"the period 2025-06-08..2025-06-30 ends after the file was written"):
        import_export_file(eng, EXP / "youtube_Table_data.csv", source="youtube_studio@meilincooks", as_of=AS_OF,
                           date_range=(dt.date(2025, 6, 8), dt.date(2025, 6, 30)))


def test_cli_refuses_a_lone_per_video_table_and_takes_lifetime(eng, sqlite_url, tmp_path):
    import os

    from typer.testing import CliRunner

    from influscope.cli import app

    f = tmp_path / "Table data.csv"
    f.write_bytes((EXP / "youtube_Table_data.csv").read_bytes())
    os.utime(f, (AS_OF.replace(tzinfo=dt.timezone.utc).timestamp(),) * 2)
    res = CliRunner().invoke(app, ["import", str(f), "--source", "youtube_studio@meilincooks", "--db", sqlite_url])
    assert res.exit_code == 1
    assert "Table data.csv:1: -: the counts of a per-video table are those of the period" in res.output
    assert "rejected: 1 problem(s); nothing was written" in res.output
    res = CliRunner().invoke(app, ["import", str(f), "--source", "youtube_studio@meilincooks", "--db", sqlite_url,
                                   "--lifetime"])
    assert res.exit_code == 0, res.output
    assert "warning: the counts are each video's lifetime counts (the Lifetime period, as told)" in res.output
    assert [(r["key"], r["as_of"], r["views"]) for r in q(
        eng, "select p.key, m.as_of, m.views from post_metrics m join posts p on p.id = m.post_id order by p.key")] \
        == [("dQw4w9WgXc1", "2025-06-15 00:00:00.000000", 48211), ("dQw4w9WgXc2", "2025-06-15 00:00:00.000000", 9120)]
    res = CliRunner().invoke(app, ["import", str(f), "--source", "youtube_studio@meilincooks", "--db", sqlite_url,
                                   "--lifetime", "--date-range", "2025-06-01..2025-06-14"])
    assert res.exit_code == 1 and "--lifetime: give the period (--date-range) or --lifetime, not both" in res.output


def test_download_names():
    assert download_period("Content 2023-06-09_2025-09-30 Soumya Das.zip") == (dt.date(2023, 6, 9),
                                                                               dt.date(2025, 9, 30))
    assert download_period("Geography 2021-08-22_2025-10-17 Polylog") == (dt.date(2021, 8, 22),
                                                                           dt.date(2025, 10, 17))
    for name in ("Table data.csv", "Overview_2025-12-30_1767409200_meilin.eats.zip",
                 "Content 2025-09-30_2023-06-09 x.zip", "Content 2025-02-30_2025-03-01 x.zip"):
        assert download_period(name) is None


def test_per_video_table_with_its_period_keeps_older_videos_period_counts_out(eng):
    rep = import_export_file(eng, EXP / "youtube_Table_data.csv", source="youtube_studio@meilincooks", as_of=AS_OF,
                             date_range=(dt.date(2025, 6, 8), dt.date(2025, 6, 14)))
    rows = q(eng, """select p.key, m.as_of, m.views, m.watch_time_s, m.impressions from post_metrics m
                     join posts p on p.id = m.post_id order by p.key""")
    # published inside the period: its lifetime counts at the period's end
    assert rows == [{"key": "dQw4w9WgXc1", "as_of": "2025-06-15 00:00:00.000000", "views": 48211,
                     "watch_time_s": pytest.approx(2008.8 * 3600), "impressions": 350000}]
    assert q(eng, "select caption from posts where key = 'dQw4w9WgXc2'") == [{"caption": "Pantry tour"}]
    assert (rep.reading.rows_read, rep.reading.rows_stored) == (3, 1)
    assert any("1 video(s) published before the period's first day 2025-06-08 (dQw4w9WgXc2)" in w
               for w in rep.reading.warnings)


def test_youtube_download_zip_takes_the_period_from_its_date_file(eng, tmp_path):
    import zipfile

    z = tmp_path / "Content 2025-06-08_2025-06-14 Mei-Lin.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.write(EXP / "youtube_Table_data.csv", "Table data.csv")
        zf.writestr("Totals.csv", "Date,Views\n" + "".join(f"2025-06-{d:02d},{900 + d}\n" for d in range(8, 15)))
    rep = import_export_file(eng, z, source="youtube_studio@meilincooks")
    table = next(p for p in rep.parts if p.file.endswith("Table data.csv"))
    assert "the period 2025-06-08..2025-06-14 is that of Totals.csv in the zip" in table.reading.warnings
    assert [(r["key"], r["as_of"][:10], r["views"]) for r in q(
        eng, "select p.key, m.as_of, m.views from post_metrics m join posts p on p.id = m.post_id")] == [
        ("dQw4w9WgXc1", "2025-06-15", 48211)]
    assert [(r["date"], r["value"]) for r in q(eng, "select date, value from account_metrics order by date")] == [
        (f"2025-06-{d:02d}", float(900 + d)) for d in range(8, 15)]


def test_a_date_table_joined_with_a_per_video_table_is_refused(eng, tmp_path):
    f = tmp_path / "dates data.csv"  # a user's paste of Chart data.csv beside Table data.csv
    f.write_text("Date,Views,Watch time (hours),Video title,Video publish time,Duration,Views\n"
                 "11/26/24,1710,510.5,Bird nest,12-Dec-23,49,86763\n", encoding="utf-8")
    with pytest.raises(BundleError) as err:
        import_export_file(eng, f, source="youtube_studio@meilincooks", as_of=AS_OF)
    assert str(err.value.problems[0]) == (
        "dates data.csv:1: Views: 1 column name(s) appear twice: not one YouTube Studio export as downloaded (two "
        "tables joined?); import its Chart data.csv, Totals.csv or Table data.csv as exported")
    f.write_text("Date,Video title,Views\n2025-06-01,Bird nest,5\n2025-06-01,Pantry,7\n", encoding="utf-8")
    with pytest.raises(BundleError, match=r"dates data.csv:1: Video title: a date table with per-video columns"):
        import_export_file(eng, f, source="youtube_studio@meilincooks", as_of=AS_OF)


def test_a_date_table_with_a_day_twice_is_refused(eng, tmp_path):
    f = tmp_path / "Chart data.csv"
    f.write_text("Date,Views\n2025-06-01,5\n2025-06-02,6\n2025-06-01,7\n", encoding="utf-8")
    with pytest.raises(BundleError) as err:
        import_export_file(eng, f, source="youtube_studio@meilincooks", as_of=AS_OF)
    assert str(err.value.problems[0]) == ("Chart data.csv:4: Date: a second row for 2025-06-01 (the first is line 2): "
                                          "the rows would overwrite each other; export the chart without a split")
    assert q(eng, "select count(*) n from account_metrics") == [{"n": 0}]


def test_a_spreadsheet_resave_in_a_legacy_encoding_is_refused_at_its_line(eng, tmp_path):
    f = tmp_path / "Table data.csv"  # Excel for Mac writes "CSV" in Mac Roman: 0xCA is its no-break space
    f.write_bytes(b"Content,Video title,Video publish time,Duration,Views\r\n"
                  b'mlnSpring01,Spring noodles,"Jun 2, 2025",412,5364\r\n'
                  b'mlnPantry02,Pantry tour #smuggling\xca #pantry,"Apr 26, 2024",301,9120\r\n')
    with pytest.raises(BundleError) as err:
        import_export_file(eng, f, source="youtube_studio@meilincooks", as_of=AS_OF, lifetime=True)
    assert str(err.value.problems[0]).startswith(
        "Table data.csv:3: -: not UTF-8 text: byte 0xCA after 'antry02,Pantry tour #smuggling'; was it re-saved "
        "by a spreadsheet in another encoding? Save it as CSV UTF-8")
    with pytest.raises(BundleError, match=r"Table data.csv:3: -: not UTF-8 text: byte 0xCA"):
        import_export_file(eng, f, as_of=AS_OF)  # detecting the format meets it first


def test_a_video_without_a_publish_time_gets_no_counts_for_a_period(eng, tmp_path):
    f = tmp_path / "Table data.csv"
    f.write_text("Content,Video title,Video publish time,Views\n"
                 'mlnSpring01,Spring noodles,"Jun 2, 2025",5364\nmlnOld03,Old soup,,40\n', encoding="utf-8")
    rep = import_export_file(eng, f, source="youtube_studio@meilincooks", as_of=AS_OF,
                             date_range=(dt.date(2025, 6, 1), dt.date(2025, 6, 14)))
    assert [(r["key"], r["views"]) for r in q(
        eng, "select p.key, m.views from post_metrics m join posts p on p.id = m.post_id")] == [("mlnSpring01", 5364)]
    assert rep.reading.rows_stored == 1
    assert rep.reading.warnings[-1] == (
        "1 video(s) without a publish time (whether they were published inside the period is unknown) (mlnOld03): "
        "their counts are the period's, not their lifetime's, so they are not stored (their posts are)")
