"""TikTok Studio's daily files carry no year: it is settled from the file and its name, or the import is
refused asking for it; never a guess, never a day in the future."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest

from influscope.ingest.canonical import BundleError
from influscope.ingest.exports import import_export_file
from influscope.ingest.exports.yearless import Unsettled, name_dates, name_stamps, settle_year, year_offsets

from tests.ingest.exports.support import EXP, q

TODAY = dt.date(2026, 12, 5)  # "tomorrow" in the unit tests below


def test_offsets_follow_new_year():
    assert year_offsets([(12, 30), (12, 31), (1, 1), (1, 2)]) == [0, 0, 1, 1]
    assert year_offsets([(1, 2), (1, 1), (12, 31)]) == [0, 0, -1]  # newest first


def test_name_parts():
    name = "Overview_2026-06-18_1786845545_meilin.eats.zip"
    assert name_stamps(name) == [dt.datetime(2026, 8, 16, 1, 59, 5)]
    assert name_dates(name) == [dt.date(2026, 6, 18)]
    assert name_stamps("Overview.csv") == [] and name_dates("Overview (1).csv") == []


def test_leap_day_settles_the_year():
    year, why = settle_year([(2, 28), (2, 29), (3, 1)], "FollowerHistory.csv", latest=TODAY)
    assert year == 2024 and "29 February" in why
    with pytest.raises(Unsettled, match="could be in 2028, 2024"):  # once 2028 has come, two leap years fit
        settle_year([(2, 28), (2, 29), (3, 1)], "FollowerHistory.csv", latest=dt.date(2028, 3, 2))


def test_export_time_in_the_name_settles_the_year():
    days = [(12, 30), (12, 31), (1, 1), (1, 2)]
    year, why = settle_year(days, "Overview_2025-12-30_1767409200_meilin.eats.zip", latest=TODAY)
    assert year == 2025 and "export time in the file name (2026-01-03 03:00 UTC)" in why
    # the stamp alone does it too (the date is only a second witness)
    assert settle_year(days, "Overview_1767409200.csv", latest=TODAY)[0] == 2025


def test_date_in_the_name_settles_it_only_when_it_is_the_first_or_last_day():
    days = [(12, 30), (12, 31), (1, 1), (1, 2)]
    assert settle_year(days, "Viewers_2024-12-30.csv", latest=TODAY)[0] == 2024
    assert settle_year(days, "Viewers_2025-01-02.csv", latest=TODAY)[0] == 2024
    with pytest.raises(Unsettled, match="nothing in the file or its name settles it"):
        settle_year(days, "Viewers_2025-06-18.csv", latest=TODAY)


def test_nothing_settles_it():
    with pytest.raises(Unsettled) as err:
        settle_year([(6, 13), (6, 14)], "Viewers.csv", latest=TODAY)
    assert "(the first day could be in 2026, 2025, 2024, 2023): give the year of the first row (--year)" in str(err.value)


def test_never_into_the_future():
    # a stamp a year ahead fits no possible year: it is not evidence, and the file is refused
    with pytest.raises(Unsettled):
        settle_year([(12, 30), (12, 31), (1, 1), (1, 2)], "Overview_1798945200.csv", latest=TODAY)
    # the only year that fits is one whose days are all at or before tomorrow
    year, _ = settle_year([(12, 1), (12, 2)], "Overview.csv", latest=dt.date(2022, 12, 3))
    assert year == 2022
    with pytest.raises(Unsettled, match="no year puts these days"):
        settle_year([(12, 30), (12, 31)], "Overview.csv", latest=dt.date(2022, 12, 3))


# ----------------------------------------------------------------------------------- whole files

def test_overview_named_by_tiktok_studio_needs_no_year(eng):
    name = "Overview_2025-12-30_1767409200_meilin.eats.csv"
    rep = import_export_file(eng, EXP / name, source="tiktok_studio@meilin.eats")
    got = [(r["date"], r["metric"], r["value"], r["reason"]) for r in
           q(eng, "select date, metric, value, reason from account_metrics order by date, metric")]
    assert got == [
        ("2025-12-30", "comments", 9.0, None), ("2025-12-30", "likes", 208.0, None),
        ("2025-12-30", "profile_views", 44.0, None), ("2025-12-30", "shares", 3.0, None),
        ("2025-12-30", "video_views", 1312.0, None),
        ("2025-12-31", "comments", -1.0, None), ("2025-12-31", "likes", -2.0, None),
        ("2025-12-31", "profile_views", 51.0, None), ("2025-12-31", "shares", 6.0, None),
        ("2025-12-31", "video_views", 1587.0, None),
        ("2026-01-01", "comments", 12.0, None), ("2026-01-01", "likes", 317.0, None),
        ("2026-01-01", "profile_views", 63.0, None),
        ("2026-01-01", "shares", None, "undefined in the export (no data for that day)"),
        ("2026-01-01", "video_views", 2044.0, None),
        ("2026-01-02", "comments", -3.0, None), ("2026-01-02", "likes", 251.0, None),
        ("2026-01-02", "profile_views", 49.0, None), ("2026-01-02", "shares", 4.0, None),
        ("2026-01-02", "video_views", 1730.0, None)]
    assert any("'December 30' (line 2) is taken as 2025, settled by the export time in the file name" in w
               for w in rep.reading.warnings)
    assert (rep.reading.rows_read, rep.reading.rows_stored) == (4, 4)


def test_follower_history_with_a_leap_day(eng):
    if dt.date.today() >= dt.date(2028, 2, 28):  # from then on 2028 fits too, and the file is rightly refused
        pytest.skip("29 February no longer settles the year")
    rep = import_export_file(eng, EXP / "tiktok_FollowerHistory_leap.csv", source="tiktok_studio@meilin.eats")
    assert [(r["date"], r["followers"]) for r in q(eng, "select date, followers from follower_snapshots order by date")] \
        == [("2024-02-27", 40210), ("2024-02-28", 40245), ("2024-02-29", 40241), ("2024-03-01", 40263)]
    assert [(r["date"], r["value"], r["reason"]) for r in q(
        eng, "select date, value, reason from account_metrics where metric = 'follower_change' order by date")] == [
        ("2024-02-27", 35.0, None), ("2024-02-28", -4.0, None), ("2024-02-29", 22.0, None),
        ("2024-03-01", None, "undefined in the export (no data for that day)")]
    assert any("29 February is in it" in w for w in rep.reading.warnings)


def test_follower_activity_named_with_its_export_time(eng):
    import_export_file(eng, EXP / "FollowerActivity_1750039800.csv", source="tiktok_studio@meilin.eats")
    assert [(r["date"], r["metric"], r["value"]) for r in q(
        eng, "select date, metric, value from account_metrics order by date, metric")] == [
        ("2025-06-14", "active_followers_h00", 1203.0), ("2025-06-14", "active_followers_h01", 988.0),
        ("2025-06-15", "active_followers_h00", 1251.0), ("2025-06-15", "active_followers_h23", 2310.0)]


def test_unsettled_year_is_refused_with_its_line(eng):
    with pytest.raises(BundleError) as err:
        import_export_file(eng, EXP / "tiktok_Viewers.csv", source="tiktok_studio@meilin.eats")
    msg = str(err.value.problems[0])
    assert msg.startswith("tiktok_Viewers.csv:2: Date: 'June 13': the dates have no year and nothing in the file or "
                          "its name settles it (the first day could be in ")
    assert "--year" in msg
    assert q(eng, "select count(*) n from account_metrics")[0]["n"] == 0


def test_given_year_still_wins_over_the_name(eng, tmp_path):
    f = tmp_path / "Overview_2025-12-30_1767409200_meilin.eats.csv"
    shutil.copy(EXP / f.name, f)
    import_export_file(eng, f, source="tiktok_studio@meilin.eats", year=2024)
    assert q(eng, "select min(date) lo, max(date) hi from account_metrics")[0] == {"lo": "2024-12-30", "hi": "2025-01-02"}


def test_a_future_export_time_in_the_name_is_not_evidence(eng, tmp_path):
    f = tmp_path / "Overview_1798945200_meilin.eats.csv"  # 2027-01-03: not yet
    shutil.copy(EXP / "Overview_2025-12-30_1767409200_meilin.eats.csv", f)
    with pytest.raises(BundleError, match="nothing in the file or its name settles it"):
        import_export_file(eng, f, source="tiktok_studio@meilin.eats")


def _zip(path, members: dict[str, bytes]):
    import zipfile

    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def test_tiktok_studio_zips_are_imported_with_the_year_from_their_name(eng, tmp_path):
    overview = (EXP / "Overview_2025-12-30_1767409200_meilin.eats.csv").read_bytes()
    z = _zip(tmp_path / "Overview_2025-12-30_1767409200_meilin.eats.zip", {"Overview.csv": overview})
    rep = import_export_file(eng, z, source="tiktok_studio@meilin.eats")
    assert [p.file for p in rep.parts] == ["Overview_2025-12-30_1767409200_meilin.eats.zip/Overview.csv"]
    assert q(eng, "select min(date) lo, max(date) hi, count(*) n from account_metrics")[0] == {
        "lo": "2025-12-30", "hi": "2026-01-02", "n": 20}
    followers = _zip(tmp_path / "Followers_2025-12-30_1767409200_meilin.eats.zip", {
        "FollowerHistory.csv": "\ufeffDate,Followers,Difference in followers from previous day\n"
                               '"December 30",7310,12\n"December 31",7322,-3\n"January 1",7319,40\n'
                               '"January 2",7359,undefined\n'.encode(),
        "FollowerActivity.csv": '\ufeffDate,Hour,Active followers\n"January 2",20,655\n'.encode(),
        "FollowerGender.csv": "\ufeffGender,Distribution\nFemale,0.62\nMale,0.36\nOther,0.02\n".encode(),
        "FollowerTopTerritories.csv": '\ufeffTop territories,Distribution\nTaiwan,0.71\n"Hong Kong",0.29\n'.encode(),
        "__MACOSX/._FollowerGender.csv": b"\x00\x05",
    })
    rep = import_export_file(eng, followers, source="tiktok_studio@meilin.eats")
    assert [(p.file.split("/")[1], p.reading.rows_read, p.reading.rows_stored) for p in rep.parts] == [
        ("FollowerActivity.csv", 1, 1), ("FollowerGender.csv", 3, 3), ("FollowerHistory.csv", 4, 4),
        ("FollowerTopTerritories.csv", 2, 2)]
    assert [(r["date"], r["followers"]) for r in q(eng, "select date, followers from follower_snapshots order by date")] \
        == [("2025-12-30", 7310), ("2025-12-31", 7322), ("2026-01-01", 7319), ("2026-01-02", 7359)]
    assert q(eng, "select date, value from account_metrics where metric = 'active_followers_h20'") == [
        {"date": "2026-01-02", "value": 655.0}]
    assert {(r["dimension"], r["bucket"], r["share"]) for r in q(eng, "select dimension, bucket, share from audience")} \
        == {("gender", "Female", 62.0), ("gender", "Male", 36.0), ("gender", "Other", 2.0),
            ("country", "Taiwan", 71.0), ("country", "Hong Kong", 29.0)}
    assert rep.as_dict()["parts"][2]["report"]["rows_stored"] == 4
    assert import_export_file(eng, followers, source="tiktok_studio@meilin.eats").changes == 0


def test_a_zip_with_one_bad_file_writes_nothing(eng, tmp_path):
    z = _zip(tmp_path / "Followers.zip", {
        "FollowerGender.csv": "Gender,Distribution\nFemale,0.62\n".encode(),
        "FollowerHistory.csv": 'Date,Followers,Difference in followers from previous day\n"June 13",7310,12\n'.encode()})
    with pytest.raises(BundleError) as err:
        import_export_file(eng, z, source="tiktok_studio@meilin.eats")
    assert str(err.value.problems[0]).startswith("Followers.zip/FollowerHistory.csv:2: Date: 'June 13': the dates have "
                                                 "no year")
    assert q(eng, "select count(*) n from audience")[0]["n"] == 0


def test_cli_prints_each_file_of_a_zip(eng, sqlite_url, tmp_path):
    from typer.testing import CliRunner

    from influscope.cli import app

    z = _zip(tmp_path / "Viewers_2025-12-30_1767409200_meilin.eats.zip", {
        "Viewers.csv": '\ufeffDate,Total Viewers,New Viewers,Returning Viewers\n"January 1",5120,3010,2110\n'
                       '"January 2",undefined,0,0\n'.encode()})
    res = CliRunner().invoke(app, ["import", str(z), "--source", "tiktok_studio@meilin.eats", "--db", sqlite_url])
    assert res.exit_code == 0, res.output
    assert "Viewers_2025-12-30_1767409200_meilin.eats.zip/Viewers.csv (tiktok_studio): 2 row(s) read, 2 stored" \
        in res.output
    assert "'January 1' (line 2) is taken as 2026" in res.output
    assert q(eng, "select date, metric, value from account_metrics where date = '2026-01-01' order by metric") == [
        {"date": "2026-01-01", "metric": "new_viewers", "value": 3010.0},
        {"date": "2026-01-01", "metric": "returning_viewers", "value": 2110.0},
        {"date": "2026-01-01", "metric": "total_viewers", "value": 5120.0}]
    # the day without data: its 0 new and returning viewers are no counts
    assert q(eng, "select metric, value, reason from account_metrics where date = '2026-01-02' order by metric") == [
        {"metric": "new_viewers", "value": None, "reason": "0 beside an undefined Total Viewers: no data for that day"},
        {"metric": "returning_viewers", "value": None,
         "reason": "0 beside an undefined Total Viewers: no data for that day"},
        {"metric": "total_viewers", "value": None, "reason": "undefined in the export (no data for that day)"}]
    res = CliRunner().invoke(app, ["import", str(EXP / "tiktok_Viewers.csv"), "--source", "tiktok_studio@meilin.eats",
                                   "--db", sqlite_url])
    assert res.exit_code == 1 and "tiktok_Viewers.csv:2: Date: 'June 13': the dates have no year" in res.output


def test_an_unzipped_download_keeps_the_year_in_its_folder_name(eng, tmp_path):
    folder = tmp_path / "Overview_2025-12-30_1767409200_meilin.eats"  # as the zip unzips
    folder.mkdir()
    f = folder / "Overview.csv"
    f.write_bytes((EXP / "Overview_2025-12-30_1767409200_meilin.eats.csv").read_bytes())
    rep = import_export_file(eng, f, source="tiktok_studio@meilin.eats")
    assert any("settled by the export time in the file name (2026-01-03 03:00 UTC)" in w for w in rep.reading.warnings)
    assert q(eng, "select min(date) a, max(date) b from account_metrics") == [{"a": "2025-12-30", "b": "2026-01-02"}]
    other = tmp_path / "exports 1767409200"  # a folder of the user's own naming is no evidence
    other.mkdir()
    (other / "Overview.csv").write_bytes(f.read_bytes())
    with pytest.raises(BundleError, match="the dates have no year"):
        import_export_file(eng, other / "Overview.csv", source="tiktok_studio@meilin.eats")
