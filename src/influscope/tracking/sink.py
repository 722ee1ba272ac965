"""The durable click sink: where the redirect writes each hit before it answers.

Contract (:class:`ClickSink`): ``await sink.record(click)`` returns only once the click is durably
stored, and raises if it could not be stored. The redirect sends its 302 after that, so a click
whose 302 left the server survives a crash of the process.

The default implementation, :class:`GroupCommitSink`, gives every request that guarantee without
paying one transaction per request: requests put their click on a queue and wait; one writer thread
takes everything that is waiting, writes it in a single transaction, commits, and then releases all
those requests at once ("group commit"). Under light load a batch holds one click and the latency is
one commit; under heavy load batches grow and the commit cost is shared.

Batch writers:

- :class:`SQLiteBatchWriter` (the embedded default): its own ``sqlite3`` connection in WAL mode with
  ``synchronous=NORMAL``. A committed WAL transaction survives a crash of the process (the bytes are
  in the WAL file, in the OS page cache); set ``INFLUSCOPE_CLICKS_SYNCHRONOUS=FULL`` to also survive a
  power cut, at the cost of an fsync per batch. Checkpoints run on a separate connection in the
  background so that the writer never waits for one.
- :class:`SQLAlchemyBatchWriter`: any database SQLAlchemy speaks (PostgreSQL in production).

Another store (a message queue, ClickHouse, ...) plugs in by implementing :class:`ClickSink` (or
just a batch writer) and naming its factory in ``INFLUSCOPE_CLICK_SINK=package.module:factory``;
the factory is called with the SQLAlchemy engine of the operational store.

If a batch fails, its clicks are retried one by one, so one bad row (say, a link deleted a moment
ago) fails only its own request.
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
from collections import defaultdict
from datetime import datetime
from typing import Callable, NamedTuple, Sequence

import sqlalchemy as sa

from influscope.db import tables as t

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


# --------------------------------------------------------------------------- batch writers


_SQLITE_TS = "%Y-%m-%d %H:%M:%S.%f"  # how SQLAlchemy stores DateTime in SQLite
_INSERT_SQL = (f"INSERT INTO clicks ({', '.join(COLUMNS)}) "
               f"VALUES ({', '.join('?' for _ in COLUMNS)})")


class SQLiteBatchWriter(BatchWriter):
    """Writes to a SQLite file in WAL mode through a dedicated connection."""

    def __init__(self, path: str, *, synchronous: str | None = None, checkpoint_interval: float = 1.0):
        self.path = path
        sync = (synchronous or os.environ.get(SYNCHRONOUS_ENV) or "NORMAL").upper()
        if sync not in ("NORMAL", "FULL", "EXTRA"):
            raise ValueError(f"{SYNCHRONOUS_ENV} must be NORMAL, FULL or EXTRA, got {sync!r}")
        self.conn = _sqlite_connect(path)
        self.conn.execute(f"PRAGMA synchronous={sync}")
        # Checkpoints are done by a helper thread (below), never inside the writer's commit.
        self.conn.execute("PRAGMA wal_autocheckpoint=0")
        self._stop = threading.Event()
        self._checkpointer = threading.Thread(target=self._checkpoint_loop, args=(checkpoint_interval,),
                                              name="influscope-clicks-checkpoint", daemon=True)
        self._checkpointer.start()

    def write(self, clicks: Sequence[Click]) -> None:
        rows = [(c[0], c[1], c[2], c[3].strftime(_SQLITE_TS), int(c[4])) + tuple(c[5:]) for c in clicks]
        conn = self.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.executemany(_INSERT_SQL, rows)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    def _checkpoint_loop(self, interval: float) -> None:
        conn = _sqlite_connect(self.path)
        try:
            while not self._stop.wait(interval):
                try:
                    # PASSIVE never blocks writers; it copies what it can from the WAL into the db file.
                    conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                except sqlite3.Error as exc:  # busy or locked: try again next round
                    log.debug("click checkpoint skipped: %s", exc)
        finally:
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._checkpointer.join(timeout=5)
        try:
            self.conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
        except sqlite3.Error:
            pass
        self.conn.close()


def _sqlite_connect(path: str) -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA busy_timeout=30000")
    return conn


class SQLAlchemyBatchWriter(BatchWriter):
    """Writes through a SQLAlchemy engine (PostgreSQL, or SQLite where no file path is known)."""

    def __init__(self, engine: sa.Engine):
        self.engine = engine
        self.insert = t.clicks.insert()

    def write(self, clicks: Sequence[Click]) -> None:
        with self.engine.begin() as conn:
            conn.execute(self.insert, [c._asdict() for c in clicks])


# --------------------------------------------------------------------------- group commit


_STOP = object()


class SinkClosed(RuntimeError):
    pass


class GroupCommitSink(ClickSink):
    """Batches concurrent clicks into one transaction; each request waits for its commit."""

    def __init__(self, writer_factory: Callable[[], BatchWriter], *, max_batch: int = 2000):
        self._factory = writer_factory
        self._max_batch = max_batch
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._closed = False
        self._ready = threading.Event()
        self._start_error: BaseException | None = None
        self.batches = 0  # counters for the curious (and the tests)
        self.written = 0

    def _ensure_started(self) -> None:
        if self._thread is not None:
            return
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
        self._queue.put((click, future, loop))
        await future

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
                batch = [item]
                while len(batch) < self._max_batch:
                    try:
                        item = q.get_nowait()
                    except queue.Empty:
                        break
                    if item is _STOP:
                        stopping = True
                        break
                    batch.append(item)
                self._write(writer, batch)
        finally:
            writer.close()

    def _write(self, writer: BatchWriter, batch: list) -> None:
        errors: list[BaseException | None]
        try:
            writer.write([b[0] for b in batch])
            errors = [None] * len(batch)
        except Exception as exc:
            if len(batch) == 1:
                errors = [exc]
            else:  # find the bad rows: retry each click on its own
                errors = []
                for item in batch:
                    try:
                        writer.write([item[0]])
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
        for (_, future, loop), err in zip(batch, errors):
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
        if self._thread is not None:
            self._queue.put(_STOP)
            self._thread.join(timeout)


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
    """The sink named by ``INFLUSCOPE_CLICK_SINK``, else group commit into the operational store."""
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
    path = sqlite_path(engine)
    if path is not None:
        return GroupCommitSink(lambda: SQLiteBatchWriter(path))
    return GroupCommitSink(lambda: SQLAlchemyBatchWriter(engine))

