"""Durable click sinks on the real stores: SQLite WAL (inline and thread), PostgreSQL, a plug-in."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import sqlite3
import time

import pytest
import sqlalchemy as sa

from influscope.db import tables as t
from influscope.tracking import sink as sinks
from influscope.tracking.redirect import new_click_id
from tests.tracking.conftest import seed


def _link(engine, ws: int, campaign: int) -> int:
    with engine.begin() as conn:
        return conn.execute(t.links.insert().values(workspace_id=ws, campaign_id=campaign, slug="s1",
                                                    destination_url="https://x.example/", paid=False,
                                                    created_at=dt.datetime(2026, 3, 1))).inserted_primary_key[0]


def _clicks(ws: int, link: int, n: int, micro: int = 123456) -> list[sinks.Click]:
    return [sinks.Click(ws, new_click_id(), link, dt.datetime(2026, 3, 1, 12, 0, i % 60, micro if i else 0),
                        i % 3 == 0, "crawler:x" if i % 3 == 0 else None, f"{i:032x}", "TW", "mobile", "iOS",
                        "Mobile Safari", "LINE", None) for i in range(n)]


def _stored(engine) -> list[dict]:
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(sa.select(t.clicks).order_by(t.clicks.c.key)).mappings()]


async def _record_all(sink, clicks):
    return await asyncio.gather(*(sink.record(c) for c in clicks), return_exceptions=True)


def _same(stored: list[dict], clicks: list[sinks.Click]) -> None:
    expected = sorted((c._asdict() for c in clicks), key=lambda c: c["key"])
    assert [{k: r[k] for k in sinks.COLUMNS} for r in stored] == expected


def test_sqlite_sink_round_trips_every_column(engine, seeded):
    link = _link(engine, seeded["workspace"], seeded["campaign"])
    clicks = _clicks(seeded["workspace"], link, 150)
    sink = sinks.default_sink(engine)
    assert isinstance(sink, sinks.SQLiteSink)
    try:
        assert asyncio.run(_record_all(sink, clicks)) == [None] * 150
        assert sink.written == 150 and sink.batches < 150  # concurrent clicks shared commits
    finally:
        sink.close()
    _same(_stored(engine), clicks)


def test_sqlite_batch_writer_in_a_thread(engine, seeded):
    link = _link(engine, seeded["workspace"], seeded["campaign"])
    clicks = _clicks(seeded["workspace"], link, 70)
    sink = sinks.GroupCommitSink(lambda: sinks.SQLiteBatchWriter(sinks.sqlite_path(engine)))
    try:
        assert asyncio.run(_record_all(sink, clicks)) == [None] * 70
    finally:
        sink.close()
    _same(_stored(engine), clicks)


def test_a_write_lock_held_elsewhere_does_not_block_the_event_loop(engine, seeded):
    """Another process writing: the batch waits in the writer thread while the loop keeps running."""
    link = _link(engine, seeded["workspace"], seeded["campaign"])
    path = sinks.sqlite_path(engine)
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # holds the write lock, like a long import in another process
    sink = sinks.SQLiteSink(path)

    async def go():
        ticks = 0
        task = asyncio.ensure_future(sink.record(_clicks(seeded["workspace"], link, 1)[0]))
        while ticks < 20:  # the loop still runs while the click waits for the lock
            await asyncio.sleep(0.01)
            ticks += 1
        assert not task.done()
        other.execute("COMMIT")
        await asyncio.wait_for(task, 10)
        return ticks

    try:
        assert asyncio.run(go()) == 20
        assert sink.deferred >= 1
    finally:
        sink.close()
        other.close()
    assert len(_stored(engine)) == 1


def test_batch_writer_gives_up_on_a_lock_held_past_its_timeout(engine, seeded):
    """The writer waits for the lock in its own short steps, up to lock_timeout, then raises with nothing written."""
    link = _link(engine, seeded["workspace"], seeded["campaign"])
    path = sinks.sqlite_path(engine)
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    writer = sinks.SQLiteBatchWriter(path, lock_timeout=0.05)
    try:
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            writer.write(_clicks(seeded["workspace"], link, 3))
        other.execute("COMMIT")
        writer.write(_clicks(seeded["workspace"], link, 2))
    finally:
        writer.close()
        other.close()
    assert len(_stored(engine)) == 2


def test_bad_rows_fail_alone(engine, seeded):
    link = _link(engine, seeded["workspace"], seeded["campaign"])
    good = _clicks(seeded["workspace"], link, 5)
    bad = good[2]._replace(key=new_click_id(), link_id=999_999)  # no such link: foreign key
    sink = sinks.default_sink(engine)
    try:
        results = asyncio.run(_record_all(sink, good + [bad]))
    finally:
        sink.close()
    assert results[:5] == [None] * 5
    assert isinstance(results[5], sqlite3.IntegrityError)
    assert len(_stored(engine)) == 5


def test_closed_sink_refuses(engine):
    sink = sinks.default_sink(engine)
    sink.close()
    with pytest.raises(sinks.SinkClosed):
        asyncio.run(sink.record(_clicks(1, 1, 1)[0]))


def test_failing_writer_factory_is_reported_to_callers():
    def broken():
        raise OSError("no such store")

    sink = sinks.GroupCommitSink(broken)
    with pytest.raises(OSError, match="no such store"):
        asyncio.run(sink.record(_clicks(1, 1, 1)[0]))


@pytest.mark.postgres
def test_postgres_through_sqlalchemy(pg_url):
    from influscope.db.engine import get_engine

    engine = get_engine(pg_url)
    ids = seed(engine)
    link = _link(engine, ids["workspace"], ids["campaign"])
    clicks = _clicks(ids["workspace"], link, 120)
    sink = sinks.default_sink(engine)
    assert isinstance(sink, sinks.GroupCommitSink)
    try:
        assert asyncio.run(_record_all(sink, clicks)) == [None] * 120
    finally:
        sink.close()
    _same(_stored(engine), clicks)
    engine.dispose()


class JsonLinesWriter(sinks.BatchWriter):
    """A store of another kind: an append-only JSON-lines file, fsynced per batch."""

    def __init__(self, path):
        self.fh = open(path, "a", encoding="utf-8")

    def write(self, clicks):
        for c in clicks:
            self.fh.write(json.dumps({**c._asdict(), "ts": c.ts.isoformat()}) + "\n")
        self.fh.flush()
        os.fsync(self.fh.fileno())

    def close(self):
        self.fh.close()


def jsonl_factory(engine):
    return JsonLinesWriter(os.environ["CLICKS_JSONL"])


def test_a_plug_in_sink_named_in_the_environment(engine, monkeypatch, tmp_path):
    out = tmp_path / "clicks.jsonl"
    monkeypatch.setenv("CLICKS_JSONL", str(out))
    monkeypatch.setenv(sinks.SINK_ENV, "tests.tracking.test_sink:jsonl_factory")
    sink = sinks.default_sink(engine)
    clicks = _clicks(1, 1, 10)
    try:
        asyncio.run(_record_all(sink, clicks))
    finally:
        sink.close()
    assert sorted(json.loads(line)["key"] for line in out.read_text().splitlines()) == sorted(c.key for c in clicks)
    monkeypatch.setenv(sinks.SINK_ENV, "nonsense")
    with pytest.raises(ValueError, match="package.module:factory"):
        sinks.default_sink(engine)


def test_synchronous_setting_is_validated(engine, monkeypatch):
    monkeypatch.setenv(sinks.SYNCHRONOUS_ENV, "OFF")
    with pytest.raises(ValueError, match="NORMAL, FULL or EXTRA"):
        sinks.SQLiteSink(sinks.sqlite_path(engine))


def test_checkpoints_keep_the_wal_small(engine, seeded):
    """The sink turns automatic checkpoints off on its connections; its own checkpointer copies the WAL
    back into the database file, so the file grows while nothing else touches the database."""
    import os

    link = _link(engine, seeded["workspace"], seeded["campaign"])
    path = sinks.sqlite_path(engine)
    engine.dispose()  # no other connection that could checkpoint
    before = os.path.getsize(path)
    sink = sinks.SQLiteSink(path, checkpoint_interval=0.05)
    try:
        asyncio.run(_record_all(sink, _clicks(seeded["workspace"], link, 2000)))
        deadline = time.monotonic() + 10
        while os.path.getsize(path) == before and time.monotonic() < deadline:
            time.sleep(0.05)
        assert os.path.getsize(path) > before
    finally:
        sink.close()


def test_under_a_steady_stream_of_commits_the_wal_starts_over(engine, seeded):
    """A passive checkpoint alone never catches up with a writer that commits back to back, so the WAL
    would grow without bound; the checkpointer's RESTART once it is large lets the next commit start it over."""
    link = _link(engine, seeded["workspace"], seeded["campaign"])
    path = sinks.sqlite_path(engine)
    engine.dispose()
    conn = sinks._sqlite_connect(path, busy_ms=0)
    checkpointer = sinks.Checkpointer(path, interval=0.01, restart_frames=64)
    try:
        n = 0
        while checkpointer.restarts < 2 and n < 2000:
            batch = [c._replace(key=new_click_id(), visitor_hash=os.urandom(16).hex())
                     for c in _clicks(seeded["workspace"], link, 25)]
            for attempt in range(200):  # the checkpointer holds the write lock for a moment now and then
                try:
                    sinks.sqlite_insert(conn, batch)
                    break
                except sqlite3.OperationalError as exc:
                    assert "locked" in str(exc) or "busy" in str(exc)
                    time.sleep(0.001)
            else:
                raise AssertionError("the write lock stayed taken")
            n += 1
        wal_size = os.path.getsize(path + "-wal")  # (the last connection to close deletes it)
    finally:
        checkpointer.close()
        conn.close()
    assert checkpointer.restarts >= 2
    assert wal_size <= sinks.WAL_SIZE_LIMIT
    with sqlite3.connect(path) as check:
        assert check.execute("SELECT count(*) FROM clicks").fetchone()[0] == 25 * n


def test_click_ids_are_unique_and_a_forked_worker_draws_its_own():
    ids = [new_click_id() for _ in range(5000)]
    assert len(set(ids)) == 5000 and all(len(i) == 24 for i in ids)
    assert len({i[12:] for i in ids}) == 5000  # the random part alone
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # a server worker forked after the parent drew ids: it must not repeat the parent's next ones
        os.write(write, "".join(new_click_id()[12:] for _ in range(50)).encode())
        os._exit(0)
    os.close(write)
    os.waitpid(pid, 0)
    with os.fdopen(read) as f:
        text = f.read()
    child = {text[i:i + 12] for i in range(0, len(text), 12)}
    parent = {new_click_id()[12:] for _ in range(50)}
    assert len(child) == 50 and not child & parent
