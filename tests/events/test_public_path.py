"""The event store through the path a user takes: ``influscope import``, the redirect of a real
server, then ``influscope kpi``, on a persistent chdb folder, give the same KPIs as the same steps
on SQLite alone."""

from __future__ import annotations

import json
import os
import re
import sqlite3
from urllib.parse import quote

import httpx
import pytest

from tests.events.support import cli, query
from tests.kpi import handmade
from tests.support.server import Server
from tests.tracking.user_agents import BOTS, HUMANS

pytestmark = [pytest.mark.clickhouse, pytest.mark.slow]

LANG = {"Accept-Language": "zh-TW,zh;q=0.9"}
# (link, user agent, extra headers): repeated visitors (one unique click each per window), two
# links, a crawler (kept and flagged) and a HEAD request (flagged by its method)
HITS = [("amy-ig", HUMANS["line_ios"][0], LANG), ("amy-ig", HUMANS["line_ios"][0], LANG),
        ("amy-ig", HUMANS["chrome_windows"][0], LANG), ("ben-ig", HUMANS["line_ios"][0], LANG),
        ("ben-ig", HUMANS["instagram_android"][0], LANG), ("ben-ig", HUMANS["instagram_android"][0], LANG),
        ("amy-ig", next(iter(BOTS.values()))[0], LANG), ("amy-ig", HUMANS["chrome_windows"][0], {})]
RECORDS = {"posts.csv": "post_metrics", "traffic.csv": "traffic", "followers.csv": "follower_snapshots"}
RUNS = {"creator": ["--by", "creator"],
        "day": ["--by", "day", "--set", "attribution=first_click", "--set", "unique_click_window=1d",
                "--set", "bot_clicks=included"],
        "platform": ["--by", "platform", "--set", "unique_click_window=30m"]}


def _scenario(tmp_path, events: str | None) -> dict:
    db = f"sqlite:///{tmp_path / 'influscope.db'}"
    bundle = handmade.write(tmp_path / "bundle")
    first = json.loads(cli("import", str(bundle), "-w", "w", "--json", db=db, events=events).stdout)
    again = json.loads(cli("import", str(bundle), "-w", "w", "--json", db=db, events=events).stdout)
    env = {"INFLUSCOPE_EVENTS_URL": events} if events else {}
    acked = []
    with Server(db, tmp_path / "server.log", workspace="w", links_only=True, env=env) as server, \
            httpx.Client(base_url=server.base_url) as client:
        for link, agent, headers in HITS:
            r = client.get(f"/l/w/{link}", headers={"User-Agent": agent, **headers})
            assert r.status_code == 302, r.text
            acked.append(r.headers["location"].rsplit("isc=", 1)[1])
        head = client.head("/l/w/ben-ig", headers={"User-Agent": HUMANS["chrome_windows"][0], **LANG})
        assert head.status_code == 302
    kpis = {name: json.loads(cli("kpi", "hand", "-w", "w", "--format", "json", *args, db=db, events=events).stdout)
            for name, args in RUNS.items()}
    stats = {by: json.loads(cli("links", "stats", "--campaign", "hand", "-w", "w", "--json", "--by", by,
                                "--include-bots", db=db, events=events).stdout) for by in ("day", "bot_reason")}
    cli("export", str(tmp_path / "export"), "--campaign", "hand", "-w", "w", db=db, events=events)
    exported = (tmp_path / "export" / "clicks.csv").read_text().splitlines()
    return {"first": first, "again": again, "acked": acked, "kpis": kpis, "db": tmp_path / "influscope.db",
            "stats": stats, "exported": exported}


@pytest.fixture(scope="module")
def sqlite_only(tmp_path_factory):
    return _scenario(tmp_path_factory.mktemp("sqlite-only"), None)


def test_chdb_event_store_gives_the_kpis_of_sqlite(sqlite_only, tmp_path):
    events = f"chdb://{tmp_path / 'events'}"
    got = _scenario(tmp_path, events)

    # every figure the same, computed from clicks that live in the event store only
    assert got["kpis"] == sqlite_only["kpis"]
    # the bundle's 7 human hits and the redirect's 6 (its crawler and its hit without Accept-Language are bots)
    assert got["kpis"]["creator"]["kpis"]["clicks"]["value"] == 7 + 6
    with sqlite3.connect(got["db"]) as conn:
        assert conn.execute("SELECT count(*) FROM clicks").fetchone()[0] == 0
    stored = {k: (bot, reason) for k, bot, reason in query(events, "SELECT key, is_bot, bot_reason FROM clicks")}
    assert len(stored) == 8 + len(HITS) + 1  # the bundle's, the GETs' and the HEAD's
    assert all(k in stored for k in got["acked"])
    assert stored[got["acked"][6]][0] is True  # the crawler: kept, flagged

    # the same import reports the same counts, and a second import changes nothing in either store
    assert got["first"]["files"]["clicks.csv"] == sqlite_only["first"]["files"]["clicks.csv"] == \
        {"inserted": 8, "updated": 0, "unchanged": 0}
    assert got["again"]["files"]["clicks.csv"] == {"inserted": 0, "updated": 0, "unchanged": 8}
    # post metric snapshots, traffic and follower counts live in the event store only, and the KPIs
    # that read them (impressions, engagement, sessions, follower growth) came from there
    for name, table in RECORDS.items():
        assert got["first"]["files"][name] == sqlite_only["first"]["files"][name], name
        assert got["again"]["files"][name] == sqlite_only["again"]["files"][name], name
        assert got["again"]["files"][name]["inserted"] + got["again"]["files"][name]["updated"] == 0, name
        with sqlite3.connect(got["db"]) as conn:
            assert conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 0, table
        with sqlite3.connect(sqlite_only["db"]) as conn:
            expected = conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        assert expected > 0 and query(events, f"SELECT count() FROM {table}", final=False) == [[expected]], table
    figures = got["kpis"]["creator"]["kpis"]
    assert (figures["impressions"]["value"], figures["sessions"]["value"], figures["follower_growth"]["value"]) == \
        (12000, 500, 200)
    assert got["again"]["changes"] == sqlite_only["again"]["changes"] == 0
    assert got["stats"] == sqlite_only["stats"]  # the link statistics read the same clicks
    # export writes the clicks back from the event store: the bundle's exactly, the redirect's too
    # (their keys and salted visitor hashes differ between the two runs)
    assert len(got["exported"]) == len(sqlite_only["exported"]) == 1 + len(stored)
    assert got["exported"][0] == sqlite_only["exported"][0]
    mine = re.compile(r"^c\d,")  # the bundle's click ids (the redirect's are 24 hex digits)
    assert [x for x in got["exported"] if mine.match(x)] == [x for x in sqlite_only["exported"] if mine.match(x)]
    assert len([x for x in got["exported"] if mine.match(x)]) == 8


def test_a_changed_click_replaces_its_row(tmp_path):
    events = f"chdb://{tmp_path / 'events'}"
    db = f"sqlite:///{tmp_path / 'influscope.db'}"
    cli("import", str(handmade.write(tmp_path / "bundle")), "-w", "w", db=db, events=events)
    files = dict(handmade.FILES)
    files["clicks.csv"] = files["clicks.csv"].replace("c4,amy-ig,2026-03-02T04:20:00Z,false,v2",
                                                      "c4,ben-ig,2026-03-02T04:25:00Z,true,v2")
    report = json.loads(cli("import", str(handmade.write(tmp_path / "changed", files)), "-w", "w", "--json",
                            db=db, events=events).stdout)
    assert report["files"]["clicks.csv"] == {"inserted": 0, "updated": 1, "unchanged": 7}
    # one row per click, merged or not (the moved click's old row was deleted, not left beside the new)
    assert query(events, "SELECT count(), uniqExact(key) FROM clicks", final=False) == [[8, 8]]
    assert query(events, "SELECT link_id, is_bot FROM clicks WHERE key = 'c4'") == \
        [[query(events, "SELECT link_id FROM clicks WHERE key = 'c8'")[0][0], True]]


SERVER_ENV = "INFLUSCOPE_TEST_CLICKHOUSE_URL"


@pytest.mark.skipif(not os.environ.get(SERVER_ENV), reason=(
    f"no ClickHouse server: set {SERVER_ENV}=clickhouse://user:password@host:8123/ to run the server path "
    "(no recent ClickHouse server installs from this machine's package registries; Debian's is 18.16)"))
def test_clickhouse_server_gives_the_kpis_of_sqlite(sqlite_only, tmp_path):
    import uuid

    import clickhouse_connect

    from influscope.events.store import parse

    base = parse(os.environ[SERVER_ENV])
    database = f"influscope_test_{uuid.uuid4().hex[:12]}"
    admin = clickhouse_connect.get_client(host=base.host, port=base.port, username=base.username,
                                          password=base.password, secure=base.secure)
    admin.command(f"CREATE DATABASE {database}")
    try:
        scheme = "clickhouses" if base.secure else "clickhouse"
        events = f"{scheme}://{quote(base.username)}:{quote(base.password)}@{base.host}:{base.port}/{database}"
        got = _scenario(tmp_path, events)
        assert got["kpis"] == sqlite_only["kpis"]
        assert got["stats"] == sqlite_only["stats"]
        assert got["again"]["files"]["clicks.csv"] == {"inserted": 0, "updated": 0, "unchanged": 8}
        assert query(events, "SELECT count() FROM clicks") == [[8 + len(HITS) + 1]]
    finally:
        admin.command(f"DROP DATABASE IF EXISTS {database}")
        admin.close()
