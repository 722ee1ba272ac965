"""The event store's URL, migrations and click writers, on a real chdb folder in this process."""

from __future__ import annotations

import datetime as dt
import gc
import random

import numpy as np
import pyarrow as pa
import pytest

from influscope.events import clicks, schema, store
from influscope.metrics import unique_windows
from influscope.tracking.sink import Click
from tests.events.support import sqlite_then_events

pytestmark = pytest.mark.clickhouse


@pytest.fixture
def chdb(tmp_path):
    gc.collect()  # chdb allows one engine path per process: let a test's earlier in-memory engine go
    where = store.parse(f"chdb://{tmp_path / 'events'}")
    yield where
    store.close_all()


def test_urls():
    assert store.parse("chdb:///var/lib/influscope/events").path == "/var/lib/influscope/events"
    s = store.parse("clickhouse://app:s%40cret@ch.internal:9000/influscope?cluster=events")
    assert (s.host, s.port, s.username, s.password, s.database, s.cluster, s.secure) == \
        ("ch.internal", 9000, "app", "s@cret", "influscope", "events", False)
    assert store.parse("clickhouses://ch.example.com").port == 8443
    assert "s@cret" not in s.describe()
    for bad in ("chdb://relative", "chdb:///", "postgresql://x/y", "clickhouse:///db"):
        with pytest.raises(ValueError, match="event store URL"):
            store.parse(bad)


def test_without_the_setting_nothing_is_configured(monkeypatch):
    monkeypatch.delenv("INFLUSCOPE_EVENTS_URL", raising=False)
    assert store.configured() is None


def test_cluster_layout_statements():
    one = schema.create_statements(store.parse("chdb:///x"), schema.MIGRATIONS[0][2][0])
    assert len(one) == 1 and "ReplacingMergeTree(version)" in one[0]
    assert "ORDER BY (workspace_id, link_id, ts, key)" in one[0]
    local, distributed = schema.create_statements(store.parse("clickhouse://h/db?cluster=c1"), schema.MIGRATIONS[0][2][0])
    assert local.startswith("CREATE TABLE IF NOT EXISTS `clicks_local` ON CLUSTER `c1`")
    assert "ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/clicks_local', '{replica}', version)" in local
    assert "Distributed(`c1`, currentDatabase(), `clicks_local`, workspace_id)" in distributed


def test_migrations_apply_once(chdb):
    with store.session(chdb) as client:
        assert schema.applied(client) == {n for n, _, _ in schema.MIGRATIONS}
        assert schema.ensure(client, chdb) == []
        names = {r[0] for r in client.query("SHOW TABLES").result_rows}
    assert "clicks" in names


def _hits(n: int, seed: int) -> list[Click]:
    rnd = random.Random(seed)
    start = dt.datetime(2026, 3, 1)
    out = []
    for i in range(n):
        visitor = rnd.choice(["v1", "v2", "v3", None])
        out.append(Click(1, f"k{i:04d}", rnd.choice([10, 11]), start + dt.timedelta(seconds=rnd.randrange(0, 3 * 86400)),
                         rnd.random() < 0.2, None, visitor, "TW", None, None, None, None, None))
    return out


def _flags_by_key(client) -> dict[str, tuple[bool, ...]]:
    rows = client.query(f"SELECT key, {', '.join(clicks.FLAGS)} FROM clicks").result_rows
    return {r[0]: tuple(bool(x) for x in r[1:]) for r in rows}


def _expected(hits: list[Click]) -> dict[str, tuple[bool, ...]]:
    ts = np.array([int((h.ts - dt.datetime(1970, 1, 1)).total_seconds() * 1_000_000) for h in hits], dtype=np.int64)
    flags = unique_windows.flags_of(np.array([h.link_id for h in hits]), pa.array([h.visitor_hash for h in hits]), ts,
                                    pa.array([h.key for h in hits]), np.array([h.is_bot for h in hits]))
    return {h.key: tuple(bool(x) for x in f) for h, f in zip(hits, flags)}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_forwarded_batches_in_any_order_keep_the_flags_of_a_full_recomputation(chdb, seed):
    hits = _hits(300, seed)
    shuffled = hits[:]
    random.Random(seed).shuffle(shuffled)  # late arrivals: earlier hits after later ones
    with store.session(chdb) as client:
        for i in range(0, len(shuffled), 37):
            clicks.forward_clicks(client, chdb, shuffled[i:i + 37])
        clicks.forward_clicks(client, chdb, shuffled[:50])  # a batch sent again changes nothing
        assert _flags_by_key(client) == _expected(hits)
        assert client.query("SELECT count() FROM clicks").result_rows == [(300,)]


def test_import_then_forward_then_import_again(chdb):
    hits = _hits(200, 9)
    first, later = hits[:120], hits[120:]

    def table(part):
        return pa.table({"key": [h.key for h in part], "link_id": [h.link_id for h in part],
                         "ts": pa.array([h.ts for h in part], pa.timestamp("us")), "is_bot": [h.is_bot for h in part],
                         "visitor_hash": [h.visitor_hash for h in part], "country": [h.country for h in part]})

    with store.session(chdb) as client:
        w = clicks.import_clicks(client, chdb, 1, table(first), ["visitor_hash", "country"])
        assert (w.inserted, w.updated, w.unchanged) == (120, 0, 0)
        clicks.forward_clicks(client, chdb, later)
        assert _flags_by_key(client) == _expected(hits)
        w = clicks.import_clicks(client, chdb, 1, table(hits), ["visitor_hash", "country"])
        assert (w.inserted, w.updated, w.unchanged, w.reflagged) == (0, 0, 200, 0)
        # a file without the country column leaves the stored countries alone
        w = clicks.import_clicks(client, chdb, 1, table(hits).drop_columns(["country"]), ["visitor_hash"])
        assert (w.inserted, w.updated, w.unchanged) == (0, 0, 200)
        assert client.query("SELECT count() FROM clicks WHERE country = 'TW'").result_rows == [(200,)]
        assert _flags_by_key(client) == _expected(hits)


def test_retention_and_forgetting_reach_the_event_store(chdb, engine, monkeypatch):
    from influscope.auth import privacy

    monkeypatch.setenv("INFLUSCOPE_EVENTS_URL", chdb.url)
    from influscope.ingest.canonical import ensure_workspace

    with engine.begin() as conn:
        ws = ensure_workspace(conn, "w")
    assert ws == 1
    hits = _hits(300, 4)
    with store.session(chdb) as client:
        clicks.forward_clicks(client, chdb, hits)
    privacy.set_click_retention(engine, 1, 30)
    now = dt.datetime(2026, 3, 31, 12)  # 30 days before: 2026-03-01 12:00, within the hits' three days
    horizon = now - dt.timedelta(days=30)
    kept = [h for h in hits if h.ts >= horizon]
    assert privacy.apply_retention(engine, now=now) == {1: len(hits) - len(kept)}
    with store.session(chdb) as client:
        # the windows the deleted hits had opened are gone: the first kept hit of a visitor opens one
        assert _flags_by_key(client) == _expected(kept)
    on_link = event_clicks_of_link(chdb, 11)
    assert on_link == sum(1 for h in kept if h.link_id == 11) > 0
    assert clicks.forget_links(1, [11]) == on_link  # a forgotten creator's links take their clicks along
    assert event_clicks_of_link(chdb, 11) == 0
    assert event_clicks_of_link(chdb, 10) == sum(1 for h in kept if h.link_id == 10)


def event_clicks_of_link(where, link_id: int) -> int:
    with store.session(where) as client:
        return client.query(f"SELECT count() FROM clicks WHERE link_id = {link_id}").result_rows[0][0]


def test_rebuild_repairs_flags(chdb):
    hits = _hits(250, 5)
    with store.session(chdb) as client:
        clicks.forward_clicks(client, chdb, hits)
        # damage: every hit of link 10 claims to open every window (a newer version of the row)
        client.command(f"INSERT INTO clicks SELECT * REPLACE ({', '.join(f'true AS {f}' for f in clicks.FLAGS)}, "
                       f"version + 1 AS version) FROM clicks WHERE link_id = 10")
        assert _flags_by_key(client) != _expected(hits)
        damaged = sum(1 for k, f in _flags_by_key(client).items() if f != _expected(hits)[k])
        assert clicks.rebuild(client, chdb, 1) == damaged
        assert _flags_by_key(client) == _expected(hits)
        assert clicks.rebuild(client, chdb) == 0


def _hand_kpis(engine, tmp_path) -> dict:
    from influscope.ingest.canonical import import_bundle
    from influscope.kpi.api import kpis
    from tests.backends.test_kpi_conformance import TODAY, VARIANT
    from tests.kpi import handmade

    import_bundle(engine, handmade.write(tmp_path / "hand-bundle"), workspace="w")
    return {"creator": kpis("hand", by="creator", workspace="w", engine=engine, today=TODAY),
            "day": kpis("hand", by="day", workspace="w", engine=engine, today=TODAY, settings=VARIANT)}


@pytest.mark.postgres
def test_postgres_with_a_chdb_event_store_gives_the_kpis_of_sqlite(chdb, engine, pg_url, tmp_path, monkeypatch):
    """Crediting's clicks are handed to PostgreSQL as a temporary table (SQLite: tests/events/test_public_path.py)."""
    from influscope.db.engine import make_engine, upgrade
    from tests.backends.test_kpi_conformance import _compare

    monkeypatch.delenv("INFLUSCOPE_EVENTS_URL", raising=False)
    reference = _hand_kpis(engine, tmp_path / "ref")
    monkeypatch.setenv("INFLUSCOPE_EVENTS_URL", chdb.url)
    pg = make_engine(pg_url)
    try:
        upgrade(pg)
        got = _hand_kpis(pg, tmp_path / "pg")
        with pg.connect() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM clicks").scalar() == 0
    finally:
        pg.dispose()
    with store.session(chdb) as client:
        assert client.query("SELECT count() FROM clicks").result_rows == [(8,)]
    assert _compare(reference, got) == []
    assert got["day"].kpis["conversions"]["value"] == reference["day"].kpis["conversions"]["value"] > 0


def test_the_code_leak_check_sees_the_clicks_in_the_event_store(chdb, tmp_path, monkeypatch):
    """Six AMY10 orders, four carrying a click on Amy's link: not a leak (a third without a click),
    on SQLite alone and with the clicks in the event store alike."""
    from influscope.ingest.canonical import import_bundle
    from influscope.ingest.commerce.codes import leaks
    from tests.kpi import handmade

    files = dict(handmade.FILES)
    files["orders.csv"] = "order_id,created_at,currency,subtotal,discount_codes,click_id\n" + "".join(
        f"x{i},2026-03-0{3 + i}T10:00:00Z,TWD,1000,AMY10,{click}\n"
        for i, click in enumerate(["c1", "c2", "c3", "c4", "", ""]))
    found = {}
    for name, engine in sqlite_then_events(tmp_path, monkeypatch, chdb.url):
        import_bundle(engine, handmade.write(tmp_path / name, files), workspace="w")
        found[name] = leaks(engine, "hand", workspace="w", min_redemptions=5)
    assert found["events"] == found["sqlite"]
    assert not [f for f in found["sqlite"] if f.code == "AMY10" and f.id == "code_redeemed_without_click"]
    with store.session(chdb) as client:
        assert client.query("SELECT count() FROM clicks").result_rows == [(8,)]


def test_link_listings_count_the_clicks_in_the_event_store(chdb, tmp_path, monkeypatch):
    """`links list`, a link's own page and the dashboard's links page count a link's clicks where they live."""
    from influscope.ingest.canonical import import_bundle
    from influscope.tracking.links import get_link, list_links
    from tests.kpi import handmade

    found = {}
    for name, engine in sqlite_then_events(tmp_path, monkeypatch, chdb.url):
        import_bundle(engine, handmade.write(tmp_path / name), workspace="w")
        found[name] = {link.slug: (link.clicks, link.bot_clicks) for link in list_links(engine, workspace="w")}
        first = sorted(found[name])[0]
        assert (get_link(engine, first, workspace="w").clicks, get_link(engine, first, workspace="w").bot_clicks) \
            == found[name][first]
    assert found["events"] == found["sqlite"]
    assert sum(human + bot for human, bot in found["sqlite"].values()) == 8  # every click of the bundle


def test_look_ups_by_key_see_the_newest_row_of_each_click_without_final(chdb):
    from influscope.events.read import _clicks_where

    hits = _hits(50, 4)
    with store.session(chdb) as client:
        clicks.forward_clicks(client, chdb, hits)
        # the same click written again with another visitor: a second row until a merge
        again = hits[7]._replace(visitor_hash="v9")
        clicks.forward_clicks(client, chdb, [again])
        assert client.query("SELECT count() FROM clicks WHERE key = 'k0007'", settings={"final": 0}).result_rows \
            == [(2,)]
        found = _clicks_where(client, chdb, "key, visitor_hash", "workspace_id = 1", ["k0007", "k0008", "nope"], "key")
        assert sorted(zip(found.column("key").to_pylist(), found.column("visitor_hash").to_pylist())) == \
            [("k0007", "v9"), ("k0008", hits[8].visitor_hash)]
        assert not [r for r in client.query("SHOW TABLES").result_rows if r[0].startswith("influscope_lookup_")]


def test_crediting_clicks_are_staged_under_one_name_per_connection(chdb, tmp_path):
    from influscope import config

    hits = _hits(40, 5)
    with store.session(chdb) as client:
        clicks.forward_clicks(client, chdb, hits)
    config.configure(events_url=chdb.url)
    start, end = dt.datetime(2026, 3, 1), dt.datetime(2026, 3, 5)
    names = []
    try:
        _stage_twice(tmp_path, start, end, names)
    finally:
        config.configure(events_url="")
    assert names[0] == names[1]  # the same name on a new connection: the compiled query is reused


def _stage_twice(tmp_path, start, end, names):
    import ibis

    from influscope.events import read
    from influscope.events.read import attach, stage_crediting_clicks, staged_clicks

    def keys(name):
        return sorted(staged_clicks(con, name).execute()["key"])

    for _ in range(2):  # two reads, each on its own connection, as the KPI engine makes them
        con = ibis.sqlite.connect(str(tmp_path / "ops.db"))
        attach(con)
        first = stage_crediting_clicks(con, ["k0001", "k0002", "nope"], 1, start, end, 86400, False)
        assert keys(first) == ["k0001", "k0002"]
        staged = read.staged_clicks(con, first)
        # asked again right away (the order buckets, then the creator filter): not staged again
        assert stage_crediting_clicks(con, ["k0001", "k0002", "nope"], 1, start, end, 86400, False) == first
        assert read.staged_clicks(con, first) is staged
        other = stage_crediting_clicks(con, ["k0003"], 1, start, end, 86400, False)
        assert other == first == read.STAGED_CLICKS and keys(other) == ["k0003"]  # replaced
        assert keys(stage_crediting_clicks(con, ["k0001"], 1, start, end, 86400, False)) == ["k0001"]
        names.append(first)
        con.disconnect()


def test_an_embedded_engine_is_closed_by_the_main_thread_when_the_process_exits(tmp_path):
    # Left to the linger timer, the engine would be closed by a daemon thread, possibly while the
    # interpreter tears down (a command crashed so under load); at exit the main thread closes it.
    import subprocess
    import sys

    from tests.events.support import env

    code = """
import threading
from influscope.events import store
with store.session() as client:
    client.query("SELECT 1")
real_close = client.close
def close():
    print("closed by", threading.current_thread().name, flush=True)
    real_close()
client.close = close
"""
    with_store = {**env(), "INFLUSCOPE_EVENTS_URL": f"chdb://{tmp_path / 'events'}"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=with_store)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "closed by MainThread"
