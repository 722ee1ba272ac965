"""The redirect's clicks on their way to the event store: a local journal, then ClickHouse.

The redirect answers only once a click is durable (:class:`influscope.tracking.sink.ClickSink`).
With an event store that means the click is in the journal, a SQLite file in WAL mode written by
group commit (:class:`~influscope.tracking.sink.GroupCommitSink`; one transaction for the clicks
that arrive together, ``INFLUSCOPE_CLICKS_SYNCHRONOUS`` as for the default sink). A
:class:`Forwarder` thread then moves the journal to ClickHouse in batches
(:func:`influscope.events.clicks.forward_clicks`, which also keeps the unique-window flags) and
deletes what ClickHouse acknowledged. A crash between the two leaves the clicks in the journal;
the next forwarder (the server's, when it starts again, or ``influscope events forward``) sends
them, and a batch sent twice replaces its own rows. So the redirect never waits for ClickHouse,
an unreachable or busy store (a chdb folder held by another process) only delays the forwarding,
and no acknowledged click is lost.

Several server workers share one journal; a lock file lets one forwarder at a time work on it.
"""

from __future__ import annotations

import fcntl
import logging
import os
import sqlite3
import threading
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa

from influscope.db.types import sqlite_timestamp
from influscope.events import clicks as event_clicks
from influscope.events.store import EventStoreURL, configured, session
from influscope.tracking.sink import COLUMNS, BatchWriter, Click, ClickSink, GroupCommitSink, _synchronous

log = logging.getLogger("influscope.events")

JOURNAL_ENV = "INFLUSCOPE_EVENTS_JOURNAL"
BATCH = 5000  # clicks per forwarded batch

_CREATE = ("CREATE TABLE IF NOT EXISTS journal (seq INTEGER PRIMARY KEY AUTOINCREMENT, "
           "workspace_id INTEGER NOT NULL, key TEXT NOT NULL, link_id INTEGER NOT NULL, ts TEXT NOT NULL, "
           "is_bot INTEGER NOT NULL, " + ", ".join(f"{c} TEXT" for c in COLUMNS[5:]) + ")")
_INSERT = f"INSERT INTO journal ({', '.join(COLUMNS)}) VALUES ({', '.join('?' for _ in COLUMNS)})"
_SELECT = f"SELECT seq, {', '.join(COLUMNS)} FROM journal ORDER BY seq LIMIT ?"


def journal_path(store: EventStoreURL, engine: sa.Engine | None = None) -> str:
    """``INFLUSCOPE_EVENTS_JOURNAL``, else beside the chdb folder (``FOLDER.journal``), else beside
    the SQLite operational database, else ``influscope-events.journal`` in the working directory."""
    chosen = os.environ.get(JOURNAL_ENV, "").strip()
    if chosen:
        return chosen
    if store.embedded:
        return store.path.rstrip("/") + ".journal"
    if engine is not None and engine.dialect.name == "sqlite" and engine.url.database not in (None, "", ":memory:"):
        return str(engine.url.database) + ".events-journal"
    return str(Path.cwd() / "influscope-events.journal")


def _connect(path: str, synchronous: str = "NORMAL") -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(f"PRAGMA synchronous={synchronous}")
    conn.execute(_CREATE)
    return conn


class JournalWriter(BatchWriter):
    """Appends a batch of clicks to the journal in one transaction."""

    def __init__(self, path: str, synchronous: str | None = None):
        self.conn = _connect(path, _synchronous(synchronous))

    def write(self, clicks: Sequence[Click]) -> None:
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            self.conn.executemany(_INSERT, [(*c[:3], sqlite_timestamp(c[3]), int(bool(c[4])), *c[5:])
                                            for c in clicks])
            self.conn.execute("COMMIT")
        except BaseException:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise

    def close(self) -> None:
        self.conn.close()


def pending(path: str) -> int:
    """Clicks waiting in the journal at PATH."""
    if not os.path.exists(path):
        return 0
    conn = _connect(path)
    try:
        return int(conn.execute("SELECT count(*) FROM journal").fetchone()[0])
    finally:
        conn.close()


def forward(store: EventStoreURL, path: str, *, limit: int | None = None) -> int:
    """Move the journal at PATH into STORE, batch by batch, until it is empty (or LIMIT clicks were
    sent); returns how many were sent. Does nothing (0) while another process forwards it."""
    with open(path + ".lock", "a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return 0
        conn = _connect(path)
        sent = 0
        try:
            while limit is None or sent < limit:
                rows = conn.execute(_SELECT, (BATCH,)).fetchall()
                if not rows:
                    break
                batch = [Click(r[1], r[2], r[3], datetime.fromisoformat(r[4]), bool(r[5]), *r[6:]) for r in rows]
                with session(store) as client:
                    event_clicks.forward_clicks(client, store, batch)
                # acknowledged by ClickHouse: only now may the journal forget them
                conn.execute("DELETE FROM journal WHERE seq <= ?", (rows[-1][0],))
                sent += len(rows)
        finally:
            conn.close()
            fcntl.flock(lock, fcntl.LOCK_UN)
        return sent


class Forwarder:
    """A thread that forwards the journal when clicks were added (and every INTERVAL seconds), at
    most every PAUSE seconds: under load the clicks of that pause go as one batch, and the cost of a
    batch (a look-up of its visitors' earlier hits, an insert) is shared by more clicks."""

    def __init__(self, store: EventStoreURL, path: str, interval: float = 1.0, pause: float = 1.0):
        self.store, self.path, self.interval, self.pause = store, path, interval, pause
        self.forwarded = 0
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="influscope-events-forwarder", daemon=True)
        self._thread.start()

    def nudge(self) -> None:
        self._wake.set()

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self.interval)
            self._wake.clear()
            self._drain()
            self._stop.wait(self.pause)

    def _drain(self) -> None:
        try:
            self.forwarded += forward(self.store, self.path)
        except Exception as exc:  # the store is unreachable or busy: the clicks wait in the journal
            log.warning("forwarding clicks to the event store failed (they stay in %s): %s", self.path, exc)

    def close(self, timeout: float = 30.0) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout)
        self._drain()


class EventSink(ClickSink):
    """The redirect's sink when an event store is configured: journal first, ClickHouse after."""

    def __init__(self, store: EventStoreURL, path: str, *, synchronous: str | None = None,
                 interval: float = 1.0):
        self.path = path
        self._journal = GroupCommitSink(lambda: JournalWriter(path, synchronous))
        _connect(path).close()  # create it now: the forwarder reads it at once
        self.forwarder = Forwarder(store, path, interval)

    async def record(self, click: Click) -> None:
        await self._journal.record(click)
        self.forwarder.nudge()

    def close(self) -> None:
        self._journal.close()
        self.forwarder.close()


def configured_sink(engine: sa.Engine) -> EventSink | None:
    """The event sink when an event store is configured (else None: clicks stay in the database)."""
    store = configured()
    if store is None:
        return None
    return EventSink(store, journal_path(store, engine))

