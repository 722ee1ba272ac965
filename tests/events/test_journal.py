"""The redirect's promise with an event store: a click whose 302 went out is in the journal, and
reaches ClickHouse exactly once even when the server dies before forwarding it or forwards it
twice."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys

import httpx
import pytest

from tests.events.support import cli, env, query
from tests.kpi import handmade
from tests.support.server import Server, redirect_until_killed
from tests.tracking.user_agents import HUMANS

pytestmark = [pytest.mark.clickhouse, pytest.mark.slow]

_HOLD = """
import sys, clickhouse_connect
client = clickhouse_connect.get_client(dsn="chdb://" + sys.argv[1])
print("held", flush=True)
sys.stdin.read()
client.close()
"""


def _journal(path) -> list[str]:
    with sqlite3.connect(path) as conn:
        return [r[0] for r in conn.execute("SELECT key FROM journal ORDER BY seq")]


def test_a_crash_between_journal_and_forward_loses_nothing(tmp_path):
    folder = tmp_path / "events"
    events = f"chdb://{folder}"
    db = f"sqlite:///{tmp_path / 'influscope.db'}"
    cli("import", str(handmade.write(tmp_path / "bundle")), "-w", "w", db=db, events=events)
    journal = f"{folder}.journal"

    # another process holds the chdb folder: the server journals every click but cannot forward it
    holder = subprocess.Popen([sys.executable, "-c", _HOLD, str(folder)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True, env=env())
    try:
        assert holder.stdout.readline().strip() == "held"
        server = Server(db, tmp_path / "server.log", workspace="w", links_only=True,
                        env={"INFLUSCOPE_EVENTS_URL": events, "INFLUSCOPE_EVENTS_LOCK_TIMEOUT": "0.2"}).start()
        acked = []
        try:
            with httpx.Client(base_url=server.base_url) as client:
                for i in range(40):
                    agent = HUMANS["line_ios"][0] if i % 2 else HUMANS["chrome_windows"][0]
                    r = client.get("/l/w/amy-ig", headers={"User-Agent": agent, "Accept-Language": "en"})
                    assert r.status_code == 302
                    acked.append(r.headers["location"].rsplit("isc=", 1)[1])
            # acknowledged means journaled: every 302's click is in the journal before the crash
            assert set(acked) <= set(_journal(journal))
        finally:
            server.kill(signal.SIGKILL)
        assert set(acked) <= set(_journal(journal))
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
    assert "waiting" in cli("events", "status", db=db, events=events).stdout

    # the server, started again, forwards what the dead one left
    with Server(db, tmp_path / "server2.log", workspace="w", links_only=True,
                env={"INFLUSCOPE_EVENTS_URL": events}) as again, httpx.Client(base_url=again.base_url) as client:
        last = client.get("/l/w/ben-ig", headers={"User-Agent": HUMANS["line_ios"][0], "Accept-Language": "en"})
        acked.append(last.headers["location"].rsplit("isc=", 1)[1])
    assert _journal(journal) == []
    stored = dict(query(events, "SELECT key, count() FROM clicks GROUP BY key"))
    assert [k for k in acked if k not in stored] == []
    assert len(stored) == 8 + len(acked)
    # two visitors on one link: one window each, opened by their first hit (human, 1 h)
    assert query(events, "SELECT sum(unique_1h) FROM clicks WHERE key IN ('" + "','".join(acked[:40]) + "')") == [[2]]

    # a crash after ClickHouse acknowledged a batch but before the journal forgot it: the batch goes again
    before = query(events, "SELECT count(), sum(unique_1h), sum(unique_1d_with_bots) FROM clicks")
    rows = query(events, "SELECT workspace_id, key, link_id, toString(ts), is_bot, visitor_hash FROM clicks "
                         "WHERE key IN ('" + "','".join(acked[:10]) + "')")
    with sqlite3.connect(journal) as conn:
        conn.executemany("INSERT INTO journal (workspace_id, key, link_id, ts, is_bot, visitor_hash) "
                         "VALUES (?, ?, ?, ?, ?, ?)", [(w, k, li, ts, int(b), v) for w, k, li, ts, b, v in rows])
    assert "forwarded 10 clicks" in cli("events", "forward", db=db, events=events).stdout
    assert query(events, "SELECT count(), sum(unique_1h), sum(unique_1d_with_bots) FROM clicks") == before
    assert query(events, "SELECT count() - uniqExact(key) FROM clicks") == [[0]]


def test_sigkill_under_load_loses_no_acknowledged_click(tmp_path):
    """64 concurrent visitors, SIGKILL of the whole server midway, restart: every 302's click is in
    the event store exactly once (tests/tracking/test_server.py does the same without it)."""
    folder = tmp_path / "events"
    events = f"chdb://{folder}"
    db = f"sqlite:///{tmp_path / 'influscope.db'}"
    cli("import", str(handmade.write(tmp_path / "bundle")), "-w", "w", db=db, events=events)
    total, concurrency, kill_after = 1500, 64, 600
    server = Server(db, tmp_path / "server.log", workspace="w", links_only=True,
                    env={"INFLUSCOPE_EVENTS_URL": events}).start()
    responses, failed = redirect_until_killed(
        server, "/l/w/amy-ig", lambda i: {"User-Agent": HUMANS["line_ios"][0] + f" n{i % 7}", "Accept-Language": "en"},
        total=total, concurrency=concurrency, kill_after=kill_after)
    acked = [r.headers["location"].rsplit("isc=", 1)[1] for r in responses]
    assert len(acked) >= kill_after and failed > 0, (len(acked), failed)  # the kill really hit mid-load
    assert "forwarded" in cli("events", "forward", db=db, events=events).stdout
    counts = dict(query(events, "SELECT key, count() FROM clicks GROUP BY key"))
    assert [k for k in acked if k not in counts] == [], "acknowledged clicks lost"
    assert all(n == 1 for n in counts.values())
    assert len(acked) + 8 <= len(counts) <= len(acked) + 8 + concurrency
    # on this link the bundle's visitors open three one-hour windows, the seven visitors here one each
    assert query(events, "SELECT sum(unique_1h) FROM clicks WHERE link_id = "
                         "(SELECT link_id FROM clicks WHERE key = 'c1')") == [[3 + 7]]
