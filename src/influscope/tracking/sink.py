"""The durable click sink: where the redirect writes each hit before it answers.

Contract (:class:`ClickSink`): ``await sink.record(click)`` returns only once the click is durably
stored, and raises if it could not be stored. The redirect sends its 302 after that, so a click
whose 302 left the server survives a crash of the process.

Both implementations give every request that guarantee without paying one transaction per
request ("group commit"): the clicks of concurrent requests are written in one transaction, and
all of those requests are released when it commits. Under light load a batch holds one click and
the latency is one commit; under heavy load batches grow and the commit cost is shared.

- :class:`SQLiteSink` (the embedded default): the clicks recorded during one turn of the event loop
  are committed at the end of that turn, on the loop's own thread, to the SQLite file in WAL mode
  with ``synchronous=NORMAL``. A committed WAL transaction survives a crash of the process (its
  bytes are in the WAL file); set ``INFLUSCOPE_CLICKS_SYNCHRONOUS=FULL`` to also survive a power
  cut, at the cost of an fsync per batch. Checkpoints run on their own connection and thread, so a
  commit never waits for one. If the file is locked by another process's write, the batch goes to
  a writer thread that waits for the lock while the event loop keeps serving.
- :class:`GroupCommitSink`: requests put their clicks on a queue; a writer thread takes everything
  that is waiting and writes it in one transaction through a :class:`BatchWriter` -
  :class:`SQLiteBatchWriter`, or :class:`SQLAlchemyBatchWriter` for any database SQLAlchemy speaks
  (PostgreSQL in production).

Another store (a message queue, ClickHouse, ...) plugs in by implementing :class:`ClickSink` (or
just a batch writer) and naming its factory in ``INFLUSCOPE_CLICK_SINK=package.module:factory``;
the factory is called with the SQLAlchemy engine of the operational store.

If a batch fails, its clicks are retried one by one, so one bad row (say, a link deleted a moment
ago) fails only its own request.

Both writers keep what is derived from the clicks in the batch's transaction: the unique-click
window flags (:mod:`influscope.metrics.unique_windows`) and the clicks per link and local day
(:mod:`influscope.metrics.click_rollups`).
"""

from __future__ import annotations

import abc
import asyncio
import importlib
import logging
import os
import queue
import sqlite3
import threading
import time
from collections import defaultdict
from datetime import datetime
from typing import Callable, NamedTuple, Sequence

import sqlalchemy as sa

from influscope.db import tables as t
from influscope.db.types import sqlite_timestamp
from influscope.metrics import click_rollups
from influscope.metrics.unique_windows import FLAG_COLUMNS, derive_for_keys, flags_for_new_sqlite

log = logging.getLogger("influscope.tracking")

SINK_ENV = "INFLUSCOPE_CLICK_SINK"
SYNCHRONOUS_ENV = "INFLUSCOPE_CLICKS_SYNCHRONOUS"


class Click(NamedTuple):
    """One hit, in the column order of the ``clicks`` table."""

    workspace_id: int
    key: str
    link_id: int
    ts: datetime  # naive UTC
    is_bot: bool
    bot_reason: str | None
    visitor_hash: str | None
    country: str | None
    device: str | None
    os: str | None
    browser: str | None
    app: str | None
    referrer: str | None
    user_agent: str | None = None
    request_hints: str | None = None


COLUMNS = Click._fields


class ClickSink(abc.ABC):
    """Durable storage of clicks."""

    @abc.abstractmethod
    async def record(self, click: Click) -> None:
        """Store CLICK durably; return only when it is stored, raise when it could not be."""

    def close(self) -> None:  # pragma: no cover - trivial default
        """Flush what is pending and release resources."""


class BatchWriter(abc.ABC):
    """Writes a batch of clicks in one transaction: all of them or (raising) none."""

    @abc.abstractmethod
    def write(self, clicks: Sequence[Click]) -> None: ...

    def close(self) -> None:
        pass


# --------------------------------------------------------------------------- SQLite


_SQLITE_COLUMNS = (*COLUMNS, *FLAG_COLUMNS)  # the unique-window flags are written with the row
_INSERT_SQL = (f"INSERT INTO clicks ({', '.join(_SQLITE_COLUMNS)}) "
               f"VALUES ({', '.join('?' for _ in _SQLITE_COLUMNS)})")


def sqlite_insert(conn: sqlite3.Connection, clicks: Sequence[Click]) -> None:
    """Insert CLICKS with their unique-window flags, and add them to the click rollups, in one
    transaction, or raise with nothing written."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        changes: list = []  # stored hits whose flags the batch changed
        flags = flags_for_new_sqlite(conn, clicks, changes)
        conn.executemany(_INSERT_SQL, [
            (c[0], c[1], c[2], sqlite_timestamp(c[3]), c[4], c[5], c[6], c[7], c[8], c[9], c[10], c[11], c[12],
             c[13], c[14], *f) for c, f in zip(clicks, flags)])
        click_rollups.record_sqlite(conn, clicks, flags, changes)
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


def _sqlite_connect(path: str, *, busy_ms: int = 30000, synchronous: str = "NORMAL") -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=busy_ms / 1000, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute(f"PRAGMA busy_timeout={busy_ms}")
    conn.execute(f"PRAGMA synchronous={synchronous}")
    # Checkpoints are done by a Checkpointer thread, never inside a click's commit.
    conn.execute("PRAGMA wal_autocheckpoint=0")
    conn.execute(f"PRAGMA journal_size_limit={WAL_SIZE_LIMIT}")
    return conn


def _synchronous(value: str | None) -> str:
    sync = (value or os.environ.get(SYNCHRONOUS_ENV) or "NORMAL").upper()
    if sync not in ("NORMAL", "FULL", "EXTRA"):
        raise ValueError(f"{SYNCHRONOUS_ENV} must be NORMAL, FULL or EXTRA, got {sync!r}")
    return sync


WAL_RESTART_FRAMES = 65536  # pages in the WAL (256 MiB of 4 KiB pages) past which the checkpointer makes it start over
WAL_SIZE_LIMIT = 64 << 20  # bytes a WAL file is cut back to when it starts over


class Checkpointer:
    """Copies the WAL into the database file every INTERVAL seconds.

    A PASSIVE checkpoint never blocks writers, but under a steady stream of commits it never copies
    the last frame either (new ones arrive while it runs), so the WAL never starts over and grows
    without bound (hundreds of megabytes a minute under load), and every page look-up searches it.
    Once the WAL holds RESTART_FRAMES pages, a RESTART checkpoint follows the passive one: it takes
    the write lock (only if it is free: it never waits), copies the few frames written since, and
    the next commit writes the WAL from its start again (cut back to ``WAL_SIZE_LIMIT`` bytes). It
    holds the lock through a sync of the database file (10 to 50 ms on a busy two-core machine),
    which clicks wait for; hence only past a large WAL: about every ten seconds under sustained
    saturating load (too rare to reach a p99) and never under light load, where passive checkpoints
    catch up by themselves.
    """

    def __init__(self, path: str, interval: float = 1.0, restart_frames: int = WAL_RESTART_FRAMES):
        self.path = path
        self.restart_frames = restart_frames
        self.restarts = 0  # RESTART checkpoints that completed (the next commit starts the WAL over)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, args=(interval,), name="influscope-clicks-checkpoint",
                                        daemon=True)
        self._thread.start()

    def _loop(self, interval: float) -> None:
        conn: sqlite3.Connection | None = None
        try:
            while not self._stop.wait(interval):
                try:
                    if conn is None:
                        conn = _sqlite_connect(self.path, busy_ms=0)
                    frames = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()[1]
                    if frames >= self.restart_frames:
                        busy = conn.execute("PRAGMA wal_checkpoint(RESTART)").fetchone()[0]
                        self.restarts += not busy
                except sqlite3.Error as exc:  # busy: try again next round
                    log.debug("click checkpoint skipped: %s", exc)
        finally:
            if conn is not None:
                conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


LOCK_STEP, LOCK_STEP_MAX = 0.0005, 0.002  # seconds between attempts to take a locked SQLite file


class SQLiteBatchWriter(BatchWriter):
    """Writes to a SQLite file in WAL mode through a dedicated connection, waiting up to LOCK_TIMEOUT
    seconds for the write lock.

    It waits in short steps of its own (0.5 ms, growing to 2 ms) rather than through SQLite's busy
    handler, which sleeps up to 100 ms at a time: against another server worker that commits every
    few milliseconds, such a sleeper keeps waking up to a lock that is taken again, and its clicks
    wait a hundred milliseconds or more.
    """

    def __init__(self, path: str, *, synchronous: str | None = None, lock_timeout: float = 30.0):
        self.conn = _sqlite_connect(path, busy_ms=0, synchronous=_synchronous(synchronous))
        self.lock_timeout = lock_timeout

    def write(self, clicks: Sequence[Click]) -> None:
        deadline = time.monotonic() + self.lock_timeout
        pause = LOCK_STEP
        while True:
            try:
                sqlite_insert(self.conn, clicks)
                return
            except sqlite3.OperationalError as exc:
                if not _busy(exc) or time.monotonic() >= deadline:
                    raise
            time.sleep(pause)
            pause = min(pause * 2, LOCK_STEP_MAX)

    def close(self) -> None:
        self.conn.close()


class SQLAlchemyBatchWriter(BatchWriter):
    """Writes through a SQLAlchemy engine (PostgreSQL, or SQLite where no file path is known)."""

    def __init__(self, engine: sa.Engine):
        self.engine = engine
        self.insert = t.clicks.insert()

    def write(self, clicks: Sequence[Click]) -> None:
        with self.engine.begin() as conn:
            conn.execute(self.insert, [c._asdict() for c in clicks])
            keys: dict[int, list[str]] = defaultdict(list)
            for c in clicks:
                keys[c.workspace_id].append(c.key)
            changes: list = []  # the new hits' flags (from none) and those of later hits they changed
            for ws, ws_keys in keys.items():
                derive_for_keys(conn, ws, ws_keys, changes)
            click_rollups.record(conn, [(c.link_id, c.ts, c.is_bot) for c in clicks], changes)


# --------------------------------------------------------------------------- group commit


_STOP = object()


class SinkClosed(RuntimeError):
    pass


class GroupCommitSink(ClickSink):
    """Batches concurrent clicks into one transaction; each request waits for its commit.

    Two levels of batching: the clicks recorded during one turn of an event loop are handed to the
    writer thread together (one queue operation and one thread wake-up per turn, not per click), and
    the writer merges every hand-over that queued up while it was committing the previous batch.
    """

    def __init__(self, writer_factory: Callable[[], BatchWriter], *, max_batch: int = 5000):
        self._factory = writer_factory
        self._max_batch = max_batch
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._pending: dict[asyncio.AbstractEventLoop, list] = {}
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._closed = False
        self._ready = threading.Event()
        self._start_error: BaseException | None = None
        self.batches = 0  # counters for the curious (and the tests)
        self.written = 0

    def _ensure_started(self) -> None:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="influscope-click-writer", daemon=True)
                self._thread.start()
                self._ready.wait()

    async def record(self, click: Click) -> None:
        if self._closed:
            raise SinkClosed("the click sink is closed")
        if self._thread is None:
            self._ensure_started()
        if self._start_error is not None:
            raise self._start_error
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        pending = self._pending.get(loop)
        if pending is None:
            pending = self._pending[loop] = []
            loop.call_soon(self._hand_over, loop)
        pending.append((click, future))
        await future

    def _hand_over(self, loop: asyncio.AbstractEventLoop) -> None:
        batch = self._pending.pop(loop, None)
        if batch:
            self._queue.put((loop, batch))

    def submit(self, loop: asyncio.AbstractEventLoop, batch: list) -> None:
        """Write BATCH, a list of (click, future of LOOP), and settle its futures (from LOOP's thread)."""
        if self._thread is None:
            self._ensure_started()
        if self._start_error is not None:
            _settle([(future, self._start_error) for _, future in batch])
            return
        self._queue.put((loop, batch))

    def _run(self) -> None:
        try:
            writer = self._factory()
        except BaseException as exc:  # report to every caller instead of hanging them
            self._start_error = exc
            self._ready.set()
            return
        self._ready.set()
        q = self._queue
        stopping = False
        try:
            while not stopping:
                item = q.get()
                if item is _STOP:
                    break
                parts = [item]
                size = len(item[1])
                while size < self._max_batch:
                    try:
                        item = q.get_nowait()
                    except queue.Empty:
                        break
                    if item is _STOP:
                        stopping = True
                        break
                    parts.append(item)
                    size += len(item[1])
                self._write(writer, parts)
        finally:
            writer.close()

    def _write(self, writer: BatchWriter, parts: list) -> None:
        entries = [(loop, click, future) for loop, batch in parts for click, future in batch]
        errors: list[BaseException | None]
        try:
            writer.write([e[1] for e in entries])
            errors = [None] * len(entries)
        except Exception as exc:
            if len(entries) == 1:
                errors = [exc]
            else:  # find the bad rows: retry each click on its own
                errors = []
                for entry in entries:
                    try:
                        writer.write([entry[1]])
                        errors.append(None)
                    except Exception as one:
                        errors.append(one)
            for err in errors:
                if err is not None:
                    log.error("could not record a click: %s", err)
                    break
        self.batches += 1
        self.written += sum(1 for e in errors if e is None)
        by_loop: dict = defaultdict(list)
        for (loop, _, future), err in zip(entries, errors):
            by_loop[loop].append((future, err))
        for loop, settled in by_loop.items():
            try:
                loop.call_soon_threadsafe(_settle, settled)
            except RuntimeError:  # that loop is closed: nobody is waiting any more
                pass

    def close(self, timeout: float = 10.0) -> None:
        """Write what is queued, then stop the writer thread."""
        if self._closed:
            return
        self._closed = True
        for loop in list(self._pending):
            self._hand_over(loop)
        if self._thread is not None:
            self._queue.put(_STOP)
            self._thread.join(timeout)


INLINE_RETRIES = 20  # x INLINE_RETRY_DELAY: how long a batch waits on the event loop for another writer
INLINE_RETRY_DELAY = 0.0005


def _busy(exc: sqlite3.OperationalError) -> bool:
    text = str(exc).lower()
    return "locked" in text or "busy" in text


class SQLiteSink(ClickSink):
    """The embedded default: group commit inside the event loop's own thread, SQLite WAL.

    The clicks recorded during one turn of the event loop are inserted and committed together at
    the end of that turn, on the loop's thread: no hand-over to another thread, so no wait for the
    interpreter lock on the hot path. The commit never blocks on another process's write lock: a
    locked batch is retried on the loop every 0.5 ms for up to 10 ms (another server worker's
    commit), then - or at once for any other error - it goes to a :class:`GroupCommitSink` thread
    that waits for the lock (a long import, say) and retries click by click, while the event loop
    keeps serving.
    """

    def __init__(self, path: str, *, synchronous: str | None = None, checkpoint_interval: float = 1.0):
        self.path = path
        self.synchronous = _synchronous(synchronous)
        self._conns: dict[asyncio.AbstractEventLoop, sqlite3.Connection] = {}
        self._pending: dict[asyncio.AbstractEventLoop, list] = {}
        self._fallback = GroupCommitSink(lambda: SQLiteBatchWriter(path, synchronous=self.synchronous))
        self._checkpointer: Checkpointer | None = None
        self._checkpoint_interval = checkpoint_interval
        self._closed = False
        self.batches = 0
        self.written = 0
        self.deferred = 0  # batches handed to the fallback thread

    async def record(self, click: Click) -> None:
        if self._closed:
            raise SinkClosed("the click sink is closed")
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        pending = self._pending.get(loop)
        if pending is None:
            pending = self._pending[loop] = []
            loop.call_soon(self._flush, loop)
        pending.append((click, future))
        await future

    def _flush(self, loop: asyncio.AbstractEventLoop, batch: list | None = None, attempt: int = 0) -> None:
        if batch is None:
            batch = self._pending.pop(loop, None)
        if not batch:
            return
        try:
            conn = self._conns.get(loop)
            if conn is None:
                conn = self._conns[loop] = _sqlite_connect(self.path, busy_ms=0, synchronous=self.synchronous)
                if self._checkpointer is None:
                    self._checkpointer = Checkpointer(self.path, self._checkpoint_interval)
            sqlite_insert(conn, [c for c, _ in batch])
        except sqlite3.OperationalError as exc:
            if attempt < INLINE_RETRIES and _busy(exc) and not self._closed:
                # Another process (a second server worker, say) is committing: such commits last well under a
                # millisecond, so try again shortly, together with the clicks that arrive meanwhile.
                loop.call_later(INLINE_RETRY_DELAY, self._retry, loop, batch, attempt + 1)
                return
            self._defer(loop, batch, exc)
            return
        except Exception as exc:
            self._defer(loop, batch, exc)
            return
        self.batches += 1
        self.written += len(batch)
        for _, future in batch:
            if not future.done():
                future.set_result(None)

    def _retry(self, loop: asyncio.AbstractEventLoop, batch: list, attempt: int) -> None:
        more = self._pending.pop(loop, None)
        self._flush(loop, batch + more if more else batch, attempt)

    def _defer(self, loop: asyncio.AbstractEventLoop, batch: list, exc: BaseException) -> None:
        """A long lock (an import), a bad row, ...: the writer thread waits or retries click by click."""
        log.debug("click batch deferred to the writer thread: %s", exc)
        self.deferred += 1
        self._fallback.submit(loop, batch)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        log.info("click sink closing: %d clicks committed in %d batches (%d batches via the writer thread, "
                 "%d WAL restarts)", self.written, self.batches, self.deferred,
                 self._checkpointer.restarts if self._checkpointer is not None else 0)
        for loop in list(self._pending):
            batch = self._pending.pop(loop)
            if batch:
                self._fallback.submit(loop, batch)
        self._fallback.close()
        for conn in self._conns.values():
            conn.close()
        self._conns.clear()
        if self._checkpointer is not None:
            self._checkpointer.close()


def _settle(settled: list) -> None:
    for future, err in settled:
        if future.done():  # the request was cancelled (client went away)
            continue
        if err is None:
            future.set_result(None)
        else:
            future.set_exception(err)


# --------------------------------------------------------------------------- factory


def sqlite_path(engine: sa.Engine) -> str | None:
    """The file of a file-backed SQLite engine, else None."""
    if engine.dialect.name != "sqlite":
        return None
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return database


def default_sink(engine: sa.Engine) -> ClickSink:
    """The sink named by ``INFLUSCOPE_CLICK_SINK``, else the event store's journal when one is
    configured (:mod:`influscope.events.journal`), else group commit into the operational store."""
    spec = os.environ.get(SINK_ENV, "").strip()
    if spec:
        module, _, name = spec.partition(":")
        if not name:
            raise ValueError(f"{SINK_ENV} must look like package.module:factory, got {spec!r}")
        made = getattr(importlib.import_module(module), name)(engine)
        if isinstance(made, BatchWriter):
            return GroupCommitSink(lambda: made)
        if not isinstance(made, ClickSink):
            raise TypeError(f"{spec} returned {type(made).__name__}, not a ClickSink or BatchWriter")
        return made
    from influscope.config import get_settings

    if get_settings().events_url.strip():  # INFLUSCOPE_EVENTS_URL: clicks go to the ClickHouse event store
        from influscope.events.journal import configured_sink

        events = configured_sink(engine)
        if events is not None:
            return events
    path = sqlite_path(engine)
    if path is not None:
        return SQLiteSink(path)
    return GroupCommitSink(lambda: SQLAlchemyBatchWriter(engine))

