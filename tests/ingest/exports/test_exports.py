"""Native exports (fixture files shaped like the platforms' own exports) to canonical rows."""

from __future__ import annotations

import datetime as dt

import pytest

from influscope.ingest.canonical import BundleError, import_bundle
from influscope.ingest.exports import detect, import_export_file
from influscope.ingest.exports.common import parse_count

from tests.ingest.exports.support import AS_OF, EXP, FIX, q


@pytest.mark.parametrize("text,expected", [("2.3w", 23000), ("2.3萬", 23000), ("2.3万", 23000), ("1.2k", 1200),
                                           ("1,234", 1234), ("20.0w", 200000), ("1.5亿", 150000000), ("--", None),
                                           ("", None), ("١٬٢٣٤", 1234), (42, 42)])
def test_counts(text, expected):
    assert parse_count(text) == expected


def test_count_rejects_words():
    with pytest.raises(ValueError):
        parse_count("很多")


@pytest.mark.parametrize("name,source", [
    ("tiktok_Overview.csv", "tiktok_studio"), ("tiktok_Overview_ar.csv", "tiktok_studio"),
    ("tiktok_FollowerHistory.csv", "tiktok_studio"), ("tiktok_FollowerGender.csv", "tiktok_studio"),
    ("tiktok_content_es.csv", "tiktok_studio"), ("instagram_reach.csv", "instagram_export"),
    ("youtube_Table_data.csv", "youtube_studio"), ("bilibili_view.json", "bilibili"), ("weibo_statuses.json", "weibo"),
    ("douyin_items.json", "douyin"), ("xiaohongshu_notes.json", "xiaohongshu"), ("xiaohongshu_zh_hant.csv", "xiaohongshu"),
])
def test_detected_from_the_header(name, source):
    assert detect(EXP / name) == source


def test_tiktok_overview_without_year_needs_the_year(eng):
    with pytest.raises(BundleError) as err:
        import_export_file(eng, EXP / "tiktok_Overview.csv", source="tiktok_studio@meilin.eats")
    assert str(err.value.problems[0]).startswith("tiktok_Overview.csv:2: Date: ")
    assert "--year" in str(err.value)
    assert q(eng, "select count(*) n from account_metrics")[0]["n"] == 0  # nothing half-written


def test_tiktok_overview_year_rolls_over_and_hidden_is_null(eng):
    rep = import_export_file(eng, EXP / "tiktok_Overview.csv", source="tiktok_studio@meilin.eats", year=2024)
    rows = q(eng, "select date, metric, value, reason from account_metrics where metric = 'profile_views' order by date")
    assert [(r["date"], r["value"]) for r in rows] == [("2024-12-30", 40.0), ("2024-12-31", 52.0), ("2025-01-01", None)]
    assert rows[2]["reason"] == "hidden in the export"
    assert rep.files["account_metrics"].inserted == 15
    again = import_export_file(eng, EXP / "tiktok_Overview.csv", source="tiktok_studio@meilin.eats", year=2024)
    assert again.changes == 0


def test_tiktok_overview_with_a_date_range_and_arabic_headers(eng):
    import_export_file(eng, EXP / "tiktok_Overview_ar.csv", source="tiktok_studio@meilin.eats",
                       date_range=(dt.date(2025, 8, 1), dt.date(2025, 9, 30)))
    rows = q(eng, "select date, value from account_metrics where metric = 'video_views' order by date")
    assert rows == [{"date": "2025-08-31", "value": 1000.0}, {"date": "2025-09-01", "value": 1100.0}]


def test_account_files_need_the_account(eng):
    with pytest.raises(BundleError) as err:
        import_export_file(eng, EXP / "tiktok_FollowerHistory.csv", year=2024)
    assert "tiktok_studio@HANDLE" in str(err.value)


def test_tiktok_followers_and_gender(eng):
    import_export_file(eng, EXP / "tiktok_FollowerHistory.csv", source="tiktok_studio@meilin.eats", year=2024)
    import_export_file(eng, EXP / "tiktok_FollowerGender.csv", source="tiktok_studio@meilin.eats", as_of=AS_OF)
    assert q(eng, "select date, followers from follower_snapshots order by date") == [
        {"date": "2024-12-30", "followers": 91000}, {"date": "2024-12-31", "followers": 91150}]
    assert q(eng, "select date, metric, value from account_metrics order by date") == [
        {"date": "2024-12-30", "metric": "follower_change", "value": 120.0},
        {"date": "2024-12-31", "metric": "follower_change", "value": 150.0}]
    shares = {r["bucket"]: r["share"] for r in q(eng, "select bucket, share from audience")}
    assert shares == {"Male": pytest.approx(31.0), "Female": pytest.approx(67.0), "Other": pytest.approx(2.0)}


def test_tiktok_spanish_content_export_to_posts(eng):
    rep = import_export_file(eng, EXP / "tiktok_content_es.csv", source="tiktok_studio@meilin.eats", year=2025,
                             as_of=AS_OF)
    rows = q(eng, """select p.key, p.posted_at, p.caption, c.key creator, m.views, m.likes, m.comments, m.shares, m.raw
                     from post_metrics m join posts p on p.id = m.post_id join creators c on c.id = p.creator_id
                     order by p.key""")
    assert [(r["key"], r["views"], r["likes"]) for r in rows] == [
        ("7513641128052903189", 50210, None), ("7514250583912205589", 120450, 8800)]
    assert rows[1]["creator"] == "mei" and rows[1]["posted_at"].startswith("2025-06-10 09:30:00")  # from the id
    rows.reverse()
    assert "hidden in the export" in rows[1]["raw"]
    assert rep.files["posts.csv"].inserted == 2
    assert import_export_file(eng, EXP / "tiktok_content_es.csv", source="tiktok_studio@meilin.eats", year=2025,
                              as_of=AS_OF).changes == 0
    later = import_export_file(eng, EXP / "tiktok_content_es.csv", source="tiktok_studio@meilin.eats", year=2025,
                               as_of=AS_OF + dt.timedelta(days=1))
    assert later.files["posts.csv"].inserted == 2 and q(eng, "select count(*) n from posts")[0]["n"] == 2


def test_posts_of_an_unknown_account_are_refused_with_their_line(eng):
    with pytest.raises(BundleError) as err:
        import_export_file(eng, EXP / "tiktok_content_es.csv", source="tiktok_studio", year=2025)
    assert str(err.value.problems[0]).startswith("tiktok_content_es.csv:2: post: ")


def test_instagram_utf16_export(eng, tmp_path):
    rep = import_export_file(eng, EXP / "instagram_reach.csv", source="instagram_export@meilin.eats")
    rows = q(eng, "select date, metric, value, reason from account_metrics order by date")
    assert [(r["date"], r["metric"], r["value"]) for r in rows] == [
        ("2025-06-01", "reach", 1523.0), ("2025-06-02", "reach", 1688.0), ("2025-06-03", "reach", None)]
    assert rep.changes == 3
    import_export_file(eng, EXP / "instagram_reach_zh_hant.csv", source="instagram_export@meilin.eats")
    assert q(eng, "select value from account_metrics where date = '2025-06-01' and metric = 'reach'") == [{"value": 99.0}]


def test_youtube_studio_tables(eng):
    import_export_file(eng, EXP / "youtube_Table_data.csv", source="youtube_studio@meilincooks", as_of=AS_OF,
                       lifetime=True)
    rows = q(eng, """select p.key, p.url, p.posted_at, m.as_of, m.views, m.impressions, m.watch_time_s
                     from post_metrics m join posts p on p.id = m.post_id order by p.key""")
    assert [r["key"] for r in rows] == ["dQw4w9WgXc1", "dQw4w9WgXc2"]  # the Total row is skipped
    assert {r["as_of"] for r in rows} == {"2025-06-15 00:00:00.000000"} and rows[1]["views"] == 9120
    assert rows[0]["watch_time_s"] == pytest.approx(2008.8 * 3600) and rows[0]["impressions"] == 350000
    assert rows[0]["posted_at"].startswith("2025-06-11") and rows[0]["url"].endswith("v=dQw4w9WgXc1")
    import_export_file(eng, EXP / "youtube_Chart_data.csv", source="youtube_studio@meilincooks")
    day = q(eng, "select metric, value from account_metrics where date = '2025-06-14' order by metric")
    assert day == [{"metric": "subscribers", "value": 33.0}, {"metric": "views", "value": 4800.0},
                   {"metric": "watch_time_s", "value": pytest.approx(185.5 * 3600)}]


def test_bilibili_hidden_view_is_null(eng):
    import_export_file(eng, EXP / "bilibili_view.json", source="bilibili@meilin", as_of=AS_OF)
    r = q(eng, "select p.key, p.url, p.caption, m.views, m.likes, m.comments, m.saves, m.shares, m.raw "
               "from post_metrics m join posts p on p.id = m.post_id")[0]
    assert (r["key"], r["views"], r["likes"], r["comments"], r["saves"], r["shares"]) == (
        "BV1xx411c7mD", None, 4321, 233, 1805, 120)
    assert "hidden by the platform" in r["raw"] and r["url"] == "https://www.bilibili.com/video/BV1xx411c7mD"


def test_weibo_douyin_xiaohongshu_json(eng):
    for name, source in (("weibo_statuses.json", "weibo@meilin"), ("douyin_items.json", "douyin@meilin"),
                         ("xiaohongshu_notes.json", "xiaohongshu@meilin")):
        import_export_file(eng, EXP / name, source=source, as_of=AS_OF)
    rows = {r["key"]: r for r in q(eng, """select p.key, p.platform, p.posted_at, m.views, m.likes, m.comments,
        m.shares, m.saves from post_metrics m join posts p on p.id = m.post_id""")}
    assert rows["5041234567890123"]["likes"] == 2048 and rows["5041234567890123"]["shares"] == 35
    assert rows["5041234567890123"]["posted_at"].startswith("2025-06-10 09:46:55")  # +0800 -> UTC
    assert rows["5041234567890124"]["likes"] == 12000 and rows["5041234567890124"]["views"] is None
    assert rows["7380000000000009001"]["likes"] == 200000 and rows["7380000000000009001"]["saves"] == 11000
    assert rows["7380000000000009001"]["shares"] is None
    assert rows["7380000000000009002"]["views"] == 301000
    xhs = rows["6650a1b2c3d4e5f601234567"]
    assert (xhs["likes"], xhs["saves"], xhs["comments"], xhs["shares"]) == (1200, 23000, 88, None)
    assert xhs["posted_at"].startswith("2025-06-10 08:00")  # epoch milliseconds


def test_chinese_csv_headers(eng):
    import_export_file(eng, EXP / "xiaohongshu_zh_hant.csv", source="xiaohongshu@meilin", as_of=AS_OF)
    import_export_file(eng, EXP / "douyin_zh_hans.csv", source="douyin@meilin", as_of=AS_OF)
    rows = {r["key"]: r for r in q(eng, "select p.key, m.views, m.likes, m.comments, m.saves, m.shares "
                                        "from post_metrics m join posts p on p.id = m.post_id")}
    assert rows["6650a1b2c3d4e5f601234568"] == {"key": "6650a1b2c3d4e5f601234568", "views": None, "likes": 23000,
                                                "comments": 120, "saves": 860, "shares": None}
    assert rows["7380000000000009003"]["views"] == 15000 and rows["7380000000000009003"]["likes"] == 23000


def test_bad_cell_is_located_and_nothing_is_written(eng):
    with pytest.raises(BundleError) as err:
        import_export_file(eng, EXP / "douyin_bad.csv", source="douyin@meilin", as_of=AS_OF)
    assert [str(p) for p in err.value.problems] == ["douyin_bad.csv:2: 播放量: not a count: '很多'"]
    assert q(eng, "select count(*) n from posts where platform = 'douyin'")[0]["n"] == 0


def test_unknown_source_and_undetectable_file(eng, tmp_path):
    with pytest.raises(BundleError, match="unknown source"):
        import_export_file(eng, EXP / "tiktok_Overview.csv", source="myspace")
    odd = tmp_path / "odd.csv"
    odd.write_text("foo,bar\n1,2\n", encoding="utf-8")
    with pytest.raises(BundleError, match="cannot tell which export"):
        import_export_file(eng, odd)


def test_cli_import_of_an_export(eng, tmp_path, sqlite_url):
    from typer.testing import CliRunner

    from influscope.cli import app

    res = CliRunner().invoke(app, ["import", str(EXP / "tiktok_Overview.csv"), "--source", "tiktok_studio@meilin.eats",
                                   "--year", "2024", "--db", sqlite_url, "--json"])
    assert res.exit_code == 0, res.output
    assert '"changes": 15' in res.output
    res = CliRunner().invoke(app, ["import", str(EXP / "douyin_bad.csv"), "--source", "douyin@meilin", "--db", sqlite_url])
    assert res.exit_code == 1 and "douyin_bad.csv:2: 播放量: not a count" in res.output


def test_reimport_changes_nothing_on_sqlite_and_postgresql(any_engine):
    import_bundle(any_engine, FIX / "bundle", workspace="default")
    for name, source in (("tiktok_content_es.csv", "tiktok_studio@meilin.eats"), ("bilibili_view.json", "bilibili@meilin"),
                         ("tiktok_Overview.csv", "tiktok_studio@meilin.eats")):
        first = import_export_file(any_engine, EXP / name, source=source, year=2025, as_of=AS_OF)
        again = import_export_file(any_engine, EXP / name, source=source, year=2025, as_of=AS_OF)
        assert first.changes > 0 and again.changes == 0, (name, again.as_dict())
    later = import_export_file(any_engine, EXP / "bilibili_view.json", source="bilibili@meilin",
                               as_of=AS_OF + dt.timedelta(hours=1))
    assert later.files["posts.csv"].inserted == 1


def test_tiktok_viewers(eng):
    assert detect(EXP / "tiktok_Viewers.csv") == "tiktok_studio"
    import_export_file(eng, EXP / "tiktok_Viewers.csv", source="tiktok_studio@meilin.eats", year=2025)
    rows = q(eng, "select date, metric, value, reason from account_metrics order by date, metric")
    assert [(r["date"], r["metric"], r["value"]) for r in rows] == [
        ("2025-06-13", "new_viewers", 3100.0), ("2025-06-13", "returning_viewers", 2000.0),
        ("2025-06-13", "total_viewers", 5100.0), ("2025-06-14", "new_viewers", None),
        ("2025-06-14", "returning_viewers", 1900.0), ("2025-06-14", "total_viewers", 4800.0)]
    assert rows[3]["reason"] == "hidden in the export"
