"""GA4: the Data API runReport payload, the BigQuery export (events_* read through Ibis on DuckDB)
and the report CSV export, to canonical daily traffic rows."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import httpx
import pytest
import respx

from influscope.ingest.connectors import sync
from influscope.ingest.connectors.ga4 import bigquery_batch, import_bigquery_export
from influscope.ingest.exports import detect, import_export_file
from tests.ingest.connectors.conftest import UNTIL, load, rows

FIX = Path(__file__).resolve().parent.parent / "fixtures" / "ga4"
URL = "https://analyticsdata.googleapis.com/v1beta/properties/123456789:runReport"


def test_run_report_retired_metric_rate_limit_and_rows(engine, monkeypatch, sleeps):
    monkeypatch.setenv("GA4_TOKEN", "ya29.test")
    sync.add_account(engine, "site", "ga4", "123456789", token_ref="env:GA4_TOKEN",
                     options={"metrics": ["sessions", "newUsers", "engagedSessions", "screenPageViews",
                                          "averageSessionDuration", "conversions"]})
    bodies = []

    def report(request):
        import json

        body = json.loads(request.content)
        bodies.append([m["name"] for m in body["metrics"]])
        if len(bodies) == 1:
            return httpx.Response(429, json=load("ga4", "error_rate_limit.json"), headers={"Retry-After": "2"})
        if "conversions" in bodies[-1]:
            return httpx.Response(400, json=load("ga4", "error_invalid_metric.json"))
        return httpx.Response(200, json=load("ga4", "run_report.json"))

    with respx.mock() as mock:
        mock.post(URL).mock(side_effect=report)
        res = sync.sync_account(engine, "site", since=dt.datetime(2025, 6, 13), until=UNTIL, sleep=sleeps)
        again = sync.sync_account(engine, "site", since=dt.datetime(2025, 6, 13), until=UNTIL, sleep=sleeps)
    assert sleeps == [2.0]
    assert bodies[2][-1] == "keyEvents" and "conversions" not in bodies[2]
    assert any(n["kind"] == "retired_metric" and n["metric"] == "conversions" for n in res.notes)
    assert "conversions" not in bodies[-1]  # remembered: the re-sync did not ask again
    traffic = rows(engine, "select date, source, medium, campaign, content, sessions, new_users, engaged_sessions, "
                           "pageviews, session_duration_s from traffic order by date")
    assert traffic[0] == {"date": "2025-06-13", "source": "instagram", "medium": "influencer", "campaign": "spring",
                          "content": "meilin.eats", "sessions": 120, "new_users": 90, "engaged_sessions": 80,
                          "pageviews": 300, "session_duration_s": pytest.approx(120 * 65.5)}
    assert traffic[1]["source"] == "(direct)" and traffic[1]["campaign"] == "" and traffic[1]["content"] == ""
    assert rows(engine, "select date, value from account_metrics where metric = 'keyEvents' order by date") == [
        {"date": "2025-06-13", "value": 6.0}, {"date": "2025-06-14", "value": 3.0}]
    assert again.changes == 0


def test_report_csv_export(engine):
    assert detect(FIX / "report.csv") == "ga4_csv"
    rep = import_export_file(engine, FIX / "report.csv")
    traffic = rows(engine, "select date, source, medium, campaign, content, sessions, session_duration_s "
                           "from traffic order by date, source")
    assert traffic[0] == {"date": "2025-06-13", "source": "(direct)", "medium": "(none)", "campaign": "", "content": "",
                          "sessions": 400, "session_duration_s": 16000.0}
    assert traffic[1]["source"] == "instagram" and traffic[1]["content"] == "meilin.eats"
    assert rep.files["traffic.csv"].inserted == 3
    assert import_export_file(engine, FIX / "report.csv").changes == 0


EVENTS_DDL = """
CREATE TABLE {name} (
  event_date VARCHAR, event_timestamp BIGINT, event_name VARCHAR, user_pseudo_id VARCHAR,
  event_params STRUCT(key VARCHAR, value STRUCT(string_value VARCHAR, int_value BIGINT, float_value DOUBLE,
                                               double_value DOUBLE))[],
  traffic_source STRUCT(name VARCHAR, medium VARCHAR, source VARCHAR),
  collected_traffic_source STRUCT(manual_campaign_id VARCHAR, manual_campaign_name VARCHAR, manual_source VARCHAR,
                                  manual_medium VARCHAR, manual_term VARCHAR, manual_content VARCHAR, gclid VARCHAR),
  session_traffic_source_last_click STRUCT(manual_campaign STRUCT(campaign_id VARCHAR, campaign_name VARCHAR,
                                           source VARCHAR, medium VARCHAR, term VARCHAR, content VARCHAR))
)"""


def _p(key, s=None, i=None):
    return {"key": key, "value": {"string_value": s, "int_value": i, "float_value": None, "double_value": None}}


def _event(date, ts, name, user, session, *, engaged="0", utm=None, last_click=None):
    params = [_p("ga_session_id", i=session), _p("ga_session_number", i=1), _p("session_engaged", s=engaged),
              _p("page_location", s="https://shop.example.com/")]
    cts = None
    if utm:
        cts = {"manual_campaign_id": None, "manual_campaign_name": utm[2], "manual_source": utm[0],
               "manual_medium": utm[1], "manual_term": None, "manual_content": utm[3], "gclid": None}
    lc = None
    if last_click:
        lc = {"manual_campaign": {"campaign_id": None, "campaign_name": last_click[2], "source": last_click[0],
                                  "medium": last_click[1], "term": None, "content": last_click[3]}}
    return (date, ts, name, user, params, {"name": "summer24", "medium": "influencer", "source": "instagram"}, cts, lc)


def _export_tables(raw) -> None:
    day1 = [
        # session 1: lands from the creator's link (event-scoped UTMs), engaged, 2 page views, new user
        _event("20250614", 1749902000000000, "first_visit", "u1", 101, utm=("instagram", "influencer", "spring", "meilin.eats")),
        _event("20250614", 1749902000100000, "page_view", "u1", 101, utm=("instagram", "influencer", "spring", "meilin.eats")),
        _event("20250614", 1749902060000000, "page_view", "u1", 101, engaged="1"),
        # session 2: last-click attribution present on every event of the session
        _event("20250614", 1749905000000000, "page_view", "u2", 202, last_click=("instagram", "influencer", "spring", "meilin.eats")),
        # session 3: direct
        _event("20250614", 1749906000000000, "page_view", "u3", 303),
    ]
    day2 = [_event("20250615", 1749990000000000, "page_view", "u1", 404, engaged="1",
                   utm=("tiktok", "influencer", "spring", "meilin.eats"))]
    for name, events in (("events_20250614", day1), ("events_20250615", day2), ("events_20250101", day2[:0])):
        raw.execute(EVENTS_DDL.format(name=name))
        for ev in events:
            raw.execute(f"INSERT INTO {name} VALUES (?, ?, ?, ?, ?, ?, ?, ?)", list(ev))


def test_bigquery_export_through_ibis(engine):
    import ibis

    con = ibis.duckdb.connect()
    _export_tables(con.con)
    batch = bigquery_batch(con, dt.date(2025, 6, 14), dt.date(2025, 6, 15))
    by = {(r["date"].isoformat(), r["source"]): r for r in batch.traffic}
    insta = by[("2025-06-14", "instagram")]
    assert (insta["sessions"], insta["new_users"], insta["engaged_sessions"], insta["pageviews"]) == (2, 1, 1, 3)
    assert insta["content"] == "meilin.eats" and insta["session_duration_s"] == pytest.approx(60.0)
    assert by[("2025-06-14", "(direct)")]["sessions"] == 1 and by[("2025-06-14", "(direct)")]["medium"] == "(none)"
    assert by[("2025-06-15", "tiktok")]["engaged_sessions"] == 1
    rep = import_bigquery_export(engine, con, dt.date(2025, 6, 14), dt.date(2025, 6, 15))
    assert rep.files["traffic.csv"].inserted == 3
    assert import_bigquery_export(engine, con, dt.date(2025, 6, 14), dt.date(2025, 6, 15)).changes == 0


def test_referral_sessions_map_to_creators_by_utm_content_and_link(campaign_engine, tmp_path):
    from influscope.ingest.connectors.ga4 import referral_sessions

    engine = campaign_engine
    with engine.begin() as conn:
        import sqlalchemy as sa

        ws = conn.execute(sa.text("select id from workspaces where slug = 'default'")).scalar()
        camp = conn.execute(sa.text("select id from campaigns")).scalar()
        mei = conn.execute(sa.text("select id from creators where key = 'mei'")).scalar()
        conn.execute(sa.text("insert into links (workspace_id, campaign_id, slug, creator_id, platform, destination_url,"
                             " paid, created_at) values (:w, :c, 'spr-mei-1', :m, 'instagram', 'https://shop.example.com',"
                             " 0, '2025-06-01')"), {"w": ws, "c": camp, "m": mei})
    report = tmp_path / "report.csv"
    report.write_text(
        "Date,Session source / medium,Session campaign,Session manual ad content,Sessions\n"
        "20250613,instagram / influencer,spring,meilin.eats,120\n"      # the handle
        "20250613,instagram / influencer,spring,MeiLin.Eats-reel1,30\n"  # handle + post suffix
        "20250614,instagram / influencer,spring,spr-mei-1,7\n"           # a tracking link slug
        "20250614,newsletter / email,june,(not set),400\n"
        "20250614,instagram / influencer,spring,someone-else,9\n", encoding="utf-8")
    import_export_file(engine, report, source="ga4_csv")
    assert referral_sessions(engine, dt.date(2025, 6, 1), dt.date(2025, 6, 30)) == {"mei": 157}


def test_sync_reads_the_export_through_an_ibis_url(engine, tmp_path, sleeps):
    import duckdb

    path = tmp_path / "ga4_export.duckdb"
    raw = duckdb.connect(str(path))
    _export_tables(raw)
    raw.close()
    sync.add_account(engine, "site-bq", "ga4", "123456789", options={"export_url": f"duckdb://{path}"})
    res = sync.sync_account(engine, "site-bq", since=dt.datetime(2025, 6, 14), until=dt.datetime(2025, 6, 16), sleep=sleeps)
    again = sync.sync_account(engine, "site-bq", since=dt.datetime(2025, 6, 14), until=dt.datetime(2025, 6, 16), sleep=sleeps)
    assert res.report.files["traffic.csv"].inserted == 3 and again.changes == 0
    assert rows(engine, "select sum(sessions) n from traffic")[0]["n"] == 4
