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


def test_tiktok_studio_zip_upload_reports_each_file(owner, demo_engine):
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("Overview.csv", (EXP / "Overview_2025-12-30_1767409200_meilin.eats.csv").read_bytes())
    r = owner.post("/imports?lang=en", data={"csrf_token": owner.csrf, "source": "tiktok_studio@acme.tiktok"},
                   files=[("files", ("Overview_2025-12-30_1767409200_acme.tiktok.zip", buf.getvalue(),
                                     "application/zip"))])
    assert r.status_code == 200, r.text[:500]
    assert "Overview_2025-12-30_1767409200_acme.tiktok.zip/Overview.csv (tiktok_studio)" in r.text
    assert "4 rows read, 4 stored" in r.text
    assert "is taken as 2025, settled by the export time in the file name" in r.text
    with demo_engine.connect() as conn:
        days = conn.execute(sa.text("select min(date), max(date) from account_metrics where handle = 'acme.tiktok'")).one()
    assert tuple(days) == ("2025-12-30", "2026-01-02")


def test_account_and_year_fields_reach_the_importer(owner, demo_engine):
    data = (EXP / "tiktok_Viewers.csv").read_bytes()  # "June 13": nothing in it settles the year
    r = owner.post("/imports?lang=en", data={"csrf_token": owner.csrf, "source": "tiktok_studio"},
                   files=[("files", ("Viewers.csv", data, "text/csv"))])
    assert r.status_code == 422 and "does not name its account" in r.text
    r = owner.post("/imports?lang=en", data={"csrf_token": owner.csrf, "source": "tiktok_studio",
                                             "account": "acme.tiktok"},
                   files=[("files", ("Viewers.csv", data, "text/csv"))])
    assert r.status_code == 422 and "Viewers.csv:2: Date: &#39;June 13&#39;: the dates have no year" in r.text
    r = owner.post("/imports?lang=en", data={"csrf_token": owner.csrf, "source": "tiktok_studio",
                                             "account": "acme.tiktok", "year": "2025"},
                   files=[("files", ("Viewers.csv", data, "text/csv"))])
    assert r.status_code == 200, r.text[:500]
    with demo_engine.connect() as conn:
        got = conn.execute(sa.text("select date, metric, value from account_metrics where handle = 'acme.tiktok' "
                                   "and metric = 'total_viewers' order by date")).all()
    assert [tuple(x) for x in got] == [("2025-06-13", "total_viewers", 5100.0), ("2025-06-14", "total_viewers", 4800.0)]
    assert 'name="year"' in r.text and 'name="account"' in r.text


def test_period_field_reaches_the_importer(owner, demo_engine):
    data = (EXP / "youtube_Table_data.csv").read_bytes()  # a per-video table: its counts are a period's
    handle = "acme.cooks"
    with demo_engine.begin() as conn:  # a creator's channel, so that its posts join the creator's campaign
        conn.execute(sa.text("insert into creator_accounts (workspace_id, creator_id, platform, handle) "
                             "select workspace_id, creator_id, 'youtube', :h from creator_accounts order by id limit 1"),
                     {"h": handle})
    post = lambda period: owner.post(  # noqa: E731
        "/imports?lang=en", data={"csrf_token": owner.csrf, "source": f"youtube_studio@{handle}", "period": period},
        files=[("files", ("Table data.csv", data, "text/csv"))])
    r = post("")
    assert r.status_code == 422 and "Table data.csv:1: -: the counts of a per-video table are those of the period" \
        in r.text and "the Period field on the import page" in r.text
    r = post("June")
    assert r.status_code == 422 and "period: expected FROM..TO as ISO dates" in r.text
    r = post("2025-06-08..2025-06-14")
    assert r.status_code == 200, r.text[:500]
    assert "1 video(s) published before the period&#39;s first day 2025-06-08 (dQw4w9WgXc2)" in r.text
    with demo_engine.connect() as conn:
        got = conn.execute(sa.text("select p.key, m.as_of, m.views from post_metrics m join posts p on p.id = m.post_id "
                                   "where p.key like 'dQw4w9WgXc%' order by p.key")).all()
    assert [tuple(x) for x in got] == [("dQw4w9WgXc1", "2025-06-15 00:00:00.000000", 48211)]
    r = post("lifetime")
    assert r.status_code == 200 and "the Lifetime period, as told" in r.text
    with demo_engine.connect() as conn:
        n = conn.execute(sa.text("select count(*) from post_metrics m join posts p on p.id = m.post_id "
                                 "where p.key = 'dQw4w9WgXc2'")).scalar()
    assert n == 1
    assert 'name="period"' in r.text


SHOP = Path(__file__).resolve().parents[2] / "commerce" / "data"


def test_shop_orders_export_upload_shows_its_report(owner, demo_engine):
    data = (SHOP / "shopify_orders_automatic.csv").read_bytes()
    r = owner.post("/imports?lang=en", data={"csrf_token": owner.csrf},
                   files=[("files", ("orders_export.csv", data, "text/csv"))])
    assert r.status_code == 200, r.text[:500]
    assert "orders_export.csv (shopify): 5 rows read, 5 stored" in r.text
    assert "2 order(s) with the automatic discount &#39;AUTOMATIC DISCOUNTS&#39;" in r.text and "2 cancelled order(s) had money refunded" in r.text
    assert "Lineitem name" in r.text  # among the columns not used
    with demo_engine.connect() as conn:
        got = dict(conn.execute(sa.text("select key, discount_codes from orders where source = 'shopify' "
                                        "and key like '63000000000%'")).all())
    assert got["6300000000001"] is None and got["6300000000002"] == "MEI15" and len(got) == 5
    bad = data.replace(b"TWD,900.00", b"TWD,9x0.00")
    r = owner.post("/imports?lang=en", data={"csrf_token": owner.csrf},
                   files=[("files", ("orders_export.csv", bad, "text/csv"))])
    assert r.status_code == 422 and "orders_export.csv:2: Subtotal:" in r.text
    woo = (SHOP / "woocommerce_analytics_bdt.csv").read_bytes()
    r = owner.post("/imports?lang=en", data={"csrf_token": owner.csrf},
                   files=[("files", ("wc-orders.csv", woo, "text/csv"))])
    assert r.status_code == 422 and "states neither its currency nor its time zone" in r.text
