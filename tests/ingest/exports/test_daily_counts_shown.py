"""What a marketer sees of videos whose counts came as daily counts only (a daily per-video chart
holding videos older than its first day): their views in the report's period, labelled as such."""

from __future__ import annotations

import datetime as dt

from influscope.ingest.exports import import_export_file
from influscope.reports.build import build_report, clear_cache

from tests.ingest.exports.support import AS_OF, EXP


def _posts(eng, **period):
    clear_cache()
    report = build_report(eng, "default", "spring", parts=("posts",), board=False, compare="none", **period)
    table = report.tables["posts"]
    return table, {r["post"]: (r, shown) for r, shown in zip(table.rows, table.display_rows)}


def test_posts_table_shows_the_period_views_of_daily_counts(eng):
    import_export_file(eng, EXP / "tiktok_Content_by_views.csv", source="tiktok_studio@meilin.eats", as_of=AS_OF)
    table, before = _posts(eng)
    assert before and "period_views" not in [c.key for c in table.columns]  # no daily counts: no such column
    import_export_file(eng, EXP / "youtube_daily_videos.csv", source="youtube_studio@meilincooks", as_of=AS_OF)
    table, rows = _posts(eng)
    column = next(c for c in table.columns if c.key == "period_views")
    assert column.label == "Views in the period (daily counts)" and column.unit == "count"
    # the older video: no lifetime count (the chart does not hold one), its views in June from the daily counts
    pantry, shown = rows["mlnPantry02"]
    assert pantry["video_views"] is None and pantry["period_views"] == 14 + 9 + 0 + 11
    assert shown["period_views"] == "34"
    # the video published inside the chart: its lifetime count (running total) and its period's views
    spring, shown = rows["mlnSpring01"]
    assert spring["video_views"] == 5364 and spring["period_views"] == 5364 and shown["period_views"] == "5,364"
    # a post without daily counts shows none
    other = [(r, shown) for k, (r, shown) in rows.items() if k not in ("mlnPantry02", "mlnSpring01")]
    assert other and all(r["period_views"] is None and shown["period_views"] == "–" for r, shown in other)
    # only the days of the period asked for (the table lists the posts published in it)
    _, rows = _posts(eng, start=dt.date(2025, 6, 2), end=dt.date(2025, 6, 3))
    assert rows["mlnSpring01"][0]["period_views"] == 1250 + 3310


def test_period_views_are_in_the_posts_panel(eng):
    from influscope.reports.build import post_details

    import_export_file(eng, EXP / "youtube_daily_videos.csv", source="youtube_studio@meilincooks", as_of=AS_OF)
    with eng.connect() as conn:
        import sqlalchemy as sa

        cid = conn.execute(sa.text("select id from campaigns where slug = 'spring'")).scalar()
        details = post_details(conn, cid, dt.date(2025, 6, 4), dt.date(2025, 6, 30))
        assert details["mlnPantry02"]["period_views"] == 11
        # a period without any of its days: no period count (not 0)
        details = post_details(conn, cid, dt.date(2025, 7, 1), dt.date(2025, 7, 31))
        assert "period_views" not in details["mlnPantry02"]


def test_report_runs_in_a_process_that_never_imported_the_connectors_tables(eng, tmp_path):
    import subprocess
    import sys

    url = eng.url.render_as_string(hide_password=False)
    code = ("import sys; from influscope.db.engine import get_engine; from influscope.reports.build import "
            "data_version; assert 'influscope.db.connectors' not in sys.modules; "
            f"print(len(data_version(get_engine({url!r}), 'default', 'spring')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path)
    assert out.returncode == 0, out.stderr[-2000:]
