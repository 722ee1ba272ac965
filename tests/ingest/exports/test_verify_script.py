"""bench/exports/verify.py: imports each export into a fresh store and compares every value."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
EXP = ROOT / "tests" / "ingest" / "fixtures" / "exports"


@pytest.fixture(scope="module")
def verify():
    spec = importlib.util.spec_from_file_location("verify_exports", ROOT / "bench" / "exports" / "verify.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def folder(tmp_path):
    for name in ("youtube_days_total.csv", "tiktok_Content_by_views.csv", "tiktok_Overview_year.csv",
                 "youtube_split_subscription.csv", "youtube_daily_videos.csv"):
        shutil.copy(EXP / name, tmp_path / name)
    return tmp_path


def lines(out: str) -> dict[str, str]:
    return {line.split()[0]: line for line in out.splitlines()[1:]}


def test_every_value_compared_and_equal(verify, folder, capsys):
    code = verify.main([str(folder), "--year", "2024", "--source", "youtube_days_total.csv=youtube_studio",
                        "--source", "youtube_split_subscription.csv=youtube_studio"])
    out = lines(capsys.readouterr().out)
    assert code == 0
    assert out["youtube_days_total.csv"].split()[2:6] == ["3", "2", "11", "0"]
    assert out["youtube_days_total.csv"].endswith(" ok")
    assert out["tiktok_Content_by_views.csv"].split()[2:6] == ["4", "4", "20", "0"]
    assert out["tiktok_Overview_year.csv"].endswith(" ok") and out["youtube_daily_videos.csv"].endswith(" ok")
    assert "refused: youtube_split_subscription.csv:2: Subscription status:" in out["youtube_split_subscription.csv"]


def test_a_wrong_stored_number_is_caught(verify, folder, capsys, monkeypatch):
    from influscope.ingest.exports import platform_files

    real = platform_files.parse_count
    monkeypatch.setattr(platform_files, "parse_count", lambda v: None if real(v) is None else real(v) + 1)
    code = verify.main([str(folder), "--year", "2024", "--source", "youtube_days_total.csv=youtube_studio"])
    out = lines(capsys.readouterr().out)
    assert code == 1
    assert out["tiktok_Content_by_views.csv"].endswith(" MISMATCH")
    assert out["youtube_days_total.csv"].endswith(" MISMATCH")


def test_exports_inside_zips_are_compared_file_by_file(verify, tmp_path, capsys):
    import zipfile

    with zipfile.ZipFile(tmp_path / "Overview_2025-12-30_1767409200_verify.zip", "w") as zf:
        zf.write(EXP / "Overview_2025-12-30_1767409200_meilin.eats.csv", "Overview.csv")
    code = verify.main([str(tmp_path)])  # no --year: the zip's name settles it
    out = lines(capsys.readouterr().out)
    assert code == 0
    row = out["Overview_2025-12-30_1767409200_verify.zip/Overview.csv"]
    assert row.split()[2:6] == ["4", "4", "27", "0"] and row.endswith(" ok")  # 5 columns x (4 days + count), 2 day checks


def test_per_video_tables_are_compared_with_their_period(verify, tmp_path, capsys, monkeypatch):
    shutil.copy(EXP / "youtube_Table_data.csv", tmp_path / "Table data.csv")
    assert verify.main([str(tmp_path)]) == 0  # refused: no failure of the importer, nothing stored wrong
    row = lines(capsys.readouterr().out)["Table"]
    assert "refused: Table data.csv:1: -: the counts of a per-video table are those of the period" in row
    assert verify.main([str(tmp_path), "--lifetime"]) == 0
    row = lines(capsys.readouterr().out)["Table"]
    assert row.split()[3:7] == ["3", "2", "8", "0"] and row.endswith(" ok")  # 2 videos x (3 counts + day)
    assert verify.main([str(tmp_path), "--date-range", "2025-06-08..2025-06-14"]) == 0
    row = lines(capsys.readouterr().out)["Table"]
    assert row.split()[3:7] == ["3", "1", "5", "0"] and row.endswith(" ok")  # the older video: nothing stored
    # an older video's period count stored as its lifetime count would be caught
    from influscope.ingest.exports import platform_files

    monkeypatch.setattr(platform_files, "_youtube_table_period", lambda batch, target: batch)
    assert verify.main([str(tmp_path), "--date-range", "2025-06-08..2025-06-14"]) == 1
    assert lines(capsys.readouterr().out)["Table"].endswith(" MISMATCH")
