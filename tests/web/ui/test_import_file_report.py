"""The import page shows what a native export file gave: rows read and stored, columns, warnings."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

EXP = Path(__file__).resolve().parents[2] / "ingest" / "fixtures" / "exports"


def test_export_file_upload_shows_its_report(owner, demo_engine):
    data = (EXP / "youtube_days_total.csv").read_bytes()
    r = owner.post("/imports", data={"csrf_token": owner.csrf, "source": "youtube_studio@acme.channel"},
                   files=[("files", ("Chart data.csv", data, "text/csv"))])
    assert r.status_code == 200, r.text[:500]
    assert 'id="import-file-report"' in r.text
    assert "3 rows read, 2 stored" in r.text
    assert "Date, Views, Watch time (hours), Average view duration, Impressions click-through rate (%)" in r.text
    assert "line 3: the Total row is not stored" in r.text
    with demo_engine.connect() as conn:
        n = conn.execute(sa.text("select count(*) from account_metrics where handle = 'acme.channel'")).scalar()
    assert n == 8


def test_export_file_report_is_translated(owner, demo_engine):
    data = (EXP / "youtube_Totals.csv").read_bytes()
    r = owner.post("/imports?lang=zh-Hant", data={"csrf_token": owner.csrf, "source": "youtube_studio@acme.channel"},
                   files=[("files", ("Totals.csv", data, "text/csv"))], headers={"accept-language": "zh-TW"})
    assert r.status_code == 200, r.text[:500]
    assert "讀取 3 列，儲存 3 列" in r.text and "使用的欄位" in r.text
