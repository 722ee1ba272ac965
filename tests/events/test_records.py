"""Post metric snapshots, traffic and follower counts in the event store: the writers' upserts, every
door that writes them (bundle, native export, API), all-or-nothing with the SQL store, erasure, and
the pages that read them, on a real chdb folder in this process."""

from __future__ import annotations

import datetime as dt
import gc
import socket

import pytest

from influscope.events import records, schema, store
from influscope.ingest.canonical import BundleError, import_bundle
from tests.kpi import handmade
from tests.events.support import sqlite_then_events

pytestmark = pytest.mark.clickhouse

EVENT_TABLES = ("post_metrics", "traffic", "follower_snapshots")


@pytest.fixture
def chdb(tmp_path, monkeypatch):
    gc.collect()  # chdb allows one engine path per process: let a test's earlier in-memory engine go
    where = store.parse(f"chdb://{tmp_path / 'events'}")
    monkeypatch.setenv("INFLUSCOPE_EVENTS_URL", where.url)
    yield where
    store.close_all()


def _rows(where, sql: str) -> list[tuple]:
    with store.session(where) as client:
        return client.query(sql).result_rows


def _sql_count(engine, table: str) -> int:
    with engine.connect() as conn:
        return conn.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar()


def test_the_migration_creates_the_tables_sorted_by_their_keys(chdb):
    with store.session(chdb) as client:
        assert schema.applied(client) == {1, 2}
        for table, order in (("post_metrics", "workspace_id, post_id, as_of"),
                             ("traffic", "workspace_id, date, source, medium, campaign, content"),
                             ("follower_snapshots", "workspace_id, platform, handle, date")):
            engine, key = client.query(f"SELECT engine, sorting_key FROM system.tables WHERE name = '{table}'"
                                       ).result_rows[0]
            assert (engine, key) == ("ReplacingMergeTree", order)


def test_a_store_at_the_first_migration_gains_the_tables_and_keeps_its_clicks(chdb, monkeypatch):
    from influscope.events import clicks
    from influscope.tracking.sink import Click

    monkeypatch.setattr(schema, "MIGRATIONS", schema.MIGRATIONS[:1])
    with store.session(chdb) as client:
        clicks.forward_clicks(client, chdb, [Click(1, "k1", 10, dt.datetime(2026, 3, 1), False, None, "v", "TW",
                                                   None, None, None, None, None)])
        assert "post_metrics" not in {r[0] for r in client.query("SHOW TABLES").result_rows}
    monkeypatch.undo()
    monkeypatch.setenv("INFLUSCOPE_EVENTS_URL", chdb.url)
    with store.session(chdb) as client:
        assert schema.ensure(client, chdb) == [2]
        assert client.query("SELECT key FROM clicks").result_rows == [("k1",)]
        assert {"post_metrics", "traffic", "follower_snapshots"} <= {r[0] for r in client.query("SHOW TABLES").result_rows}


def test_cluster_statements_of_the_new_tables():
    where = store.parse("clickhouse://h/db?cluster=c1")
    for table in schema.MIGRATIONS[1][2]:
        local, distributed = schema.create_statements(where, table)
        name = table[0]
        assert local.startswith(f"CREATE TABLE IF NOT EXISTS `{name}_local` ON CLUSTER `c1`")
        assert f"ReplicatedReplacingMergeTree('/clickhouse/tables/{{shard}}/{{database}}/{name}_local', " \
               f"'{{replica}}', version)" in local
        assert f"Distributed(`c1`, currentDatabase(), `{name}_local`, workspace_id)" in distributed


def test_upserts_keep_what_the_source_does_not_report_and_write_nothing_unchanged(chdb):
    day = dt.datetime(2026, 3, 3)
    with store.session(chdb) as client:
        first = records.upsert(client, chdb, "post_metrics", 1, [
            {"post_id": 7, "as_of": day, "likes": 5, "views": 100, "source": "csv"},
            {"post_id": 7, "as_of": day + dt.timedelta(days=1), "likes": 9, "source": "csv"},
            {"post_id": 7, "as_of": day + dt.timedelta(days=1), "likes": 11, "source": "csv"}],  # the last row wins
            ["likes", "views"])
        assert (first.inserted, first.updated, first.unchanged) == (2, 0, 0)
        again = records.upsert(client, chdb, "post_metrics", 1, [
            {"post_id": 7, "as_of": day, "likes": 5, "views": 100, "source": "csv"},
            {"post_id": 7, "as_of": day + dt.timedelta(days=1), "likes": 11}], ["likes", "views"])
        assert (again.inserted, again.updated, again.unchanged) == (0, 0, 2)
        # a file reporting only saves: the likes and views stay, the source of a stored row too
        third = records.upsert(client, chdb, "post_metrics", 1, [
            {"post_id": 7, "as_of": day, "saves": 3, "source": "api"}], ["saves"])
        assert (third.inserted, third.updated, third.unchanged) == (0, 1, 0)
        rows = client.query("SELECT as_of, likes, views, saves, source FROM post_metrics ORDER BY as_of").result_rows
        assert [r[1:] for r in rows] == [(5, 100, 3, "csv"), (11, None, None, "csv")]
        # one row per record once merged; nothing unchanged was written a second time
        client.command("OPTIMIZE TABLE post_metrics FINAL")
        assert client.query("SELECT count() FROM post_metrics", settings={"final": 0}).result_rows == [(2,)]
        # another workspace's records are its own
        other = records.upsert(client, chdb, "post_metrics", 2, [{"post_id": 7, "as_of": day, "likes": 1}], ["likes"])
        assert other.inserted == 1

        traffic = [{"date": dt.date(2026, 3, 1), "source": None, "sessions": 10},
                   {"date": dt.date(2026, 3, 1), "source": "instagram", "content": "amy", "sessions": 4}]
        assert records.upsert(client, chdb, "traffic", 1, traffic, ["sessions"]).inserted == 2
        assert records.upsert(client, chdb, "traffic", 1, traffic, ["sessions"]).unchanged == 2
        assert client.query("SELECT source, content, sessions FROM traffic ORDER BY source").result_rows == [
            ("", "", 10), ("instagram", "amy", 4)]  # no dimension is '' as in the SQL table
        counts = [{"platform": "instagram", "handle": "amy", "date": dt.date(2026, 3, 1), "followers": 100}]
        assert records.upsert(client, chdb, "follower_snapshots", 1, counts, ["followers"]).inserted == 1
        counts[0]["followers"] = 120
        assert records.upsert(client, chdb, "follower_snapshots", 1, counts, ["followers"]).updated == 1
        assert client.query("SELECT followers FROM follower_snapshots").result_rows == [(120,)]


def _state(engine, where) -> dict:
    out = {t: _sql_count(engine, t) for t in ("posts", "creators", "campaigns")}
    for t in EVENT_TABLES:
        out[t] = sorted(map(str, _rows(where, f"SELECT * EXCEPT version FROM {t}")))
    return out


def test_a_bundle_import_writes_the_event_store_once_and_a_bad_file_writes_nothing(chdb, engine, tmp_path):
    first = import_bundle(engine, handmade.write(tmp_path / "b1"), workspace="w")
    for table in EVENT_TABLES:
        assert _sql_count(engine, table) == 0
    assert [first.files[f].inserted for f in ("posts.csv", "traffic.csv", "followers.csv")] == [
        len(_rows(chdb, f"SELECT 1 FROM {t}")) for t in EVENT_TABLES]
    before = _state(engine, chdb)
    again = import_bundle(engine, handmade.write(tmp_path / "b2"), workspace="w")
    assert again.changes == 0 and _state(engine, chdb) == before

    # a new snapshot and a new creator, but one bad follower count: nothing anywhere
    files = dict(handmade.FILES)
    files["posts.csv"] += "p9,ben,instagram,post,2026-03-05T10:00:00Z,2026-03-06T00:00:00Z,1,1,,1,1,,,,\n"
    files["creators.csv"] += "cat,instagram,cat.cooks,Cat,500\n"
    files["followers.csv"] += "instagram,amy.eats,2026-03-07,many\n"
    with pytest.raises(BundleError, match="followers.csv:8"):
        import_bundle(engine, handmade.write(tmp_path / "bad", files), workspace="w")
    assert _state(engine, chdb) == before


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_an_event_store_refusing_the_rows_rolls_the_sql_side_back(engine, tmp_path, monkeypatch):
    monkeypatch.setenv("INFLUSCOPE_EVENTS_URL", f"clickhouse://default@127.0.0.1:{_closed_port()}/x")
    files = {k: v for k, v in handmade.FILES.items() if k != "clicks.csv"}  # the records of this module only
    from clickhouse_connect.driver.exceptions import OperationalError

    with pytest.raises(OperationalError, match="127.0.0.1"):  # at the commit, after every SQL write
        import_bundle(engine, handmade.write(tmp_path / "b", files), workspace="w")
    for table in ("campaigns", "creators", "posts", "costs", "links"):
        assert _sql_count(engine, table) == 0, table


def test_a_native_export_goes_to_the_event_store_and_again_changes_nothing(chdb, engine):
    from influscope.ingest.exports import import_export_file
    from tests.ingest.exports.support import AS_OF, EXP, FIX

    import_bundle(engine, FIX / "bundle", workspace="default")
    first = import_export_file(engine, EXP / "tiktok_content_es.csv", source="tiktok_studio@meilin.eats", year=2025,
                               as_of=AS_OF)
    assert first.files["posts.csv"].inserted == 2
    views = sorted(r[0] for r in _rows(chdb, "SELECT views FROM post_metrics WHERE source = 'tiktok_studio'"))
    assert views == [50210, 120450]
    raw = _rows(chdb, "SELECT raw FROM post_metrics WHERE source = 'tiktok_studio' AND likes IS NULL")[0][0]
    assert "hidden in the export" in raw
    assert import_export_file(engine, EXP / "tiktok_content_es.csv", source="tiktok_studio@meilin.eats", year=2025,
                              as_of=AS_OF).changes == 0
    history = import_export_file(engine, EXP / "tiktok_FollowerHistory.csv", source="tiktok_studio@meilin.eats",
                                 year=2024)
    assert history.files["followers.csv"].inserted == 2
    assert _rows(chdb, "SELECT date, followers FROM follower_snapshots WHERE handle = 'meilin.eats' ORDER BY date") == [
        (dt.date(2024, 12, 30), 91000), (dt.date(2024, 12, 31), 91150)]
    assert _sql_count(engine, "post_metrics") == _sql_count(engine, "follower_snapshots") == 0


@pytest.fixture
def api(chdb, engine, sqlite_url):
    from fastapi.testclient import TestClient

    from influscope import config
    from influscope.web.app import create_app

    config.configure(database_url=sqlite_url)
    try:
        yield TestClient(create_app(), base_url="https://testserver")
    finally:
        config.reset()


def test_the_api_writes_and_reads_snapshots_in_the_event_store(chdb, engine, api, tmp_path):
    from influscope.auth import keys

    import_bundle(engine, handmade.write(tmp_path / "b"), workspace="w")
    with engine.connect() as conn:
        ws, post_id = conn.exec_driver_sql("SELECT workspace_id, id FROM posts WHERE key = 'p1'").one()
    client = api
    auth = {"Authorization": f"Bearer {keys.create_key(engine, ws, scopes='read write').key}"}
    listed = client.get(f"/api/v1/posts/{post_id}", headers=auth).json()
    assert listed["latest"]["impressions"] == 10000  # the bundle's latest snapshot, from the event store
    r = client.post(f"/api/v1/posts/{post_id}/metrics", headers=auth,
                    json={"as_of": "2026-03-08T00:00:00Z", "impressions": 15000, "likes": 700})
    assert r.status_code == 201, r.text
    assert r.json()["source"] == "api" and r.json()["impressions"] == 15000
    every = client.get(f"/api/v1/posts/{post_id}/metrics", headers=auth).json()
    assert [m["impressions"] for m in every] == [5000, 10000, 15000]
    assert client.get(f"/api/v1/posts/{post_id}", headers=auth).json()["latest"]["likes"] == 700
    assert _sql_count(engine, "post_metrics") == 0
    assert client.delete(f"/api/v1/posts/{post_id}", headers=auth).status_code == 204
    assert _rows(chdb, f"SELECT count() FROM post_metrics WHERE post_id = {post_id}") == [(0,)]


def test_forgetting_a_creator_deletes_their_snapshots_and_follower_counts(chdb, engine, tmp_path):
    from influscope.auth import privacy

    import_bundle(engine, handmade.write(tmp_path / "b"), workspace="w")
    with engine.connect() as conn:
        ws, amy = conn.exec_driver_sql("SELECT workspace_id, id FROM creators WHERE key = 'amy'").one()
        posts = [r[0] for r in conn.exec_driver_sql(f"SELECT id FROM posts WHERE creator_id = {amy}")]
    snaps = _rows(chdb, f"SELECT count() FROM post_metrics WHERE post_id IN ({', '.join(map(str, posts))})")[0][0]
    follows = _rows(chdb, "SELECT count() FROM follower_snapshots WHERE handle IN ('amy.eats', 'amy.tt')")[0][0]
    assert snaps and follows
    counts = privacy.forget_creator(engine, ws, amy)
    assert counts["post_metrics"] == snaps and counts["follower_snapshots"] == follows
    assert _rows(chdb, "SELECT count() FROM follower_snapshots WHERE handle IN ('amy.eats', 'amy.tt')") == [(0,)]
    assert _rows(chdb, "SELECT count() FROM follower_snapshots WHERE handle = 'acme_tw'")[0][0] > 0  # the brand's stay


def test_pages_read_the_event_store_like_the_sql_store(chdb, tmp_path, monkeypatch):
    """The export, the reports' series, planning's history and valuation, and credibility give the
    same results with these records in the event store as on SQLite alone."""
    from influscope.audience.refresh import inputs_fingerprint, refresh_credibility
    from influscope.ingest.canonical import export_bundle
    from influscope.planning.history import latest_followers, peer_accounts, recent_posts
    from influscope.planning.valuation import value_stored_creator
    from influscope.reports.build import brand_followers, daily_sessions

    found = {}
    for name, engine in sqlite_then_events(tmp_path, monkeypatch, chdb.url):
        import_bundle(engine, handmade.write(tmp_path / name), workspace="w")
        out = {}
        counts = export_bundle(engine, "hand", tmp_path / f"{name}-export", workspace="w")
        out["export"] = {f: (tmp_path / f"{name}-export" / f).read_text() for f in ("posts.csv", "traffic.csv",
                                                                                    "followers.csv")}
        out["export counts"] = {f: counts[f] for f in ("posts.csv", "traffic.csv", "followers.csv")}
        with engine.connect() as conn:
            ws = conn.exec_driver_sql("SELECT id FROM workspaces WHERE slug = 'w'").scalar()
            amy = conn.exec_driver_sql("SELECT id FROM creators WHERE key = 'amy'").scalar()
            out["sessions"] = daily_sessions(conn, ws, dt.date(2026, 2, 1), dt.date(2026, 3, 31))
            out["brand"] = brand_followers(conn, ws, [{"platform": "instagram", "handle": "acme_tw"}],
                                           dt.date(2026, 2, 1), dt.date(2026, 3, 31))
            out["latest"] = latest_followers(conn, ws, "instagram", "amy.eats", None)
            out["latest before"] = latest_followers(conn, ws, "instagram", "amy.eats", None, before=dt.date(2026, 3, 1))
            out["recent"] = recent_posts(conn, ws, amy, "instagram")
            out["peers"] = peer_accounts(conn, ws)
        out["valuation"] = value_stored_creator(engine, "amy", workspace="w")
        out["credibility"] = refresh_credibility(engine, ws)
        with engine.connect() as conn:
            out["scores"] = [tuple(r) for r in conn.exec_driver_sql(
                "SELECT creator_account_id, score FROM account_credibility ORDER BY 1")]
        fingerprint = inputs_fingerprint(engine, ws, None)
        import_bundle(engine, handmade.write(tmp_path / f"{name}-more", {
            **handmade.FILES, "followers.csv": handmade.FILES["followers.csv"] + "instagram,amy.eats,2026-03-09,21500\n"}),
            workspace="w")
        out["fingerprint moves"] = inputs_fingerprint(engine, ws, None) != fingerprint
        found[name] = out
    assert found["events"]["export"] == found["sqlite"]["export"]
    for key in found["sqlite"]:
        assert found["events"][key] == found["sqlite"][key], key
    assert found["sqlite"]["sessions"] and found["sqlite"]["brand"] and found["sqlite"]["recent"][0]["impressions"]
    assert found["sqlite"]["fingerprint moves"]


def test_the_kpis_read_from_the_event_store_are_those_of_sqlite(chdb, tmp_path, monkeypatch):
    """In process, by creator and by day: impressions, engagement, followers at the posting day,
    sessions and brand follower growth from the records in chdb, the same as on SQLite alone."""
    from tests.backends.test_kpi_conformance import _compare
    from tests.events.test_store import _hand_kpis

    got, again, in_sql = {}, {}, {}
    for name, engine in sqlite_then_events(tmp_path, monkeypatch, chdb.url):
        got[name] = _hand_kpis(engine, tmp_path / name)
        again[name] = _hand_kpis(engine, tmp_path / f"{name}-again")  # the compiled shapes reused
        with engine.connect() as conn:
            in_sql[name] = [conn.exec_driver_sql(f"SELECT count(*) FROM {t}").scalar() for t in EVENT_TABLES]
    assert _compare(got["sqlite"], got["events"]) == []
    assert _compare(got["sqlite"], again["events"]) == []
    assert in_sql["events"] == [0, 0, 0] and min(in_sql["sqlite"]) > 0
    kpis = got["events"]["creator"].kpis
    assert (kpis["impressions"]["value"], kpis["sessions"]["value"], kpis["follower_growth"]["value"]) == \
        (12000, 500, 200)
    assert kpis["potential_reach"]["value"] == got["sqlite"]["creator"].kpis["potential_reach"]["value"]


def test_a_connector_sync_goes_to_the_event_store_and_a_resync_changes_nothing(chdb, engine, monkeypatch):
    """The Instagram connector's recorded payloads (tests/ingest/connectors), synced with an event
    store: the run records the event store's changes, a second run over the same window none."""
    import respx

    from influscope.ingest.connectors import sync
    from tests.ingest.connectors.conftest import FIXTURES, LATER, UNTIL, rows
    from tests.ingest.connectors.test_instagram import IG, _routes

    import_bundle(engine, FIXTURES / "bundle", workspace="default")
    monkeypatch.setenv("IG_TOKEN_TEST", "EAAB-test-token")
    sync.add_account(engine, "mei-ig", "instagram", IG, token_ref="env:IG_TOKEN_TEST", campaign="spring",
                     creator="mei", options={"account_metrics": ["profile_views", "views", "reach", "accounts_engaged"],
                                             "media_metrics": {
                         "FEED": ["impressions", "reach", "likes", "comments", "shares", "saved"]}})
    calls: dict = {}
    sleeps: list[float] = []
    with respx.mock(assert_all_called=False) as mock:
        _routes(mock, calls, rate_limit_first=False)
        first = sync.sync_account(engine, "mei-ig", since=dt.datetime(2025, 6, 1), until=UNTIL, sleep=sleeps.append)
        again = sync.sync_account(engine, "mei-ig", since=dt.datetime(2025, 6, 1), until=UNTIL, sleep=sleeps.append)
        later = sync.sync_account(engine, "mei-ig", until=LATER, sleep=sleeps.append)
    assert first.report.files["posts.csv"].inserted > 0
    assert again.changes == 0, again.report.as_dict()
    assert later.report.files["posts.csv"].inserted == 3  # the own posts' snapshots of the later window
    # the counts the run recorded include the event store's
    recorded = rows(engine, "select changes from connector_runs order by id")
    assert [r["changes"] for r in recorded] == [first.changes, 0, later.changes]
    assert _rows(chdb, "SELECT count(), uniqExact(as_of) FROM post_metrics WHERE source = 'instagram_api'") == [(8, 2)]
    assert _rows(chdb, "SELECT count() FROM follower_snapshots WHERE platform = 'instagram'")[0][0] >= 2
    assert _sql_count(engine, "post_metrics") == _sql_count(engine, "follower_snapshots") == 0
