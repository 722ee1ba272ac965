"""Where the event store is and how a process talks to it.

``INFLUSCOPE_EVENTS_URL`` (or ``--events``) names it:

- ``chdb:///path/to/folder``: the embedded ClickHouse engine (chdb) with its data in FOLDER, for
  one box. chdb locks its folder against every other process, so each use opens the engine, does
  its work and closes it again soon after (opening costs about 40 ms), waiting up to ``INFLUSCOPE_EVENTS_LOCK_TIMEOUT``
  seconds (default 60) while another process holds the folder.
- ``clickhouse://user:password@host:port/database`` (``clickhouses://`` for TLS): a ClickHouse
  server or cluster, through clickhouse-connect's HTTP client; ``?cluster=NAME`` makes
  ``influscope db upgrade`` create the replicated, sharded layout (see docs/scale.md).

:func:`session` hands out one client per process and URL, shared by the threads of the process
one at a time (a lock is held for the whole ``with`` block) and, for chdb, closed when the last
user leaves (after an idle half second, so that the queries of one read share it). Every client reads with ``final = 1`` (ReplacingMergeTree rows as merged) and
``join_use_nulls = 1`` (outer joins fill with NULL, as in standard SQL).
"""

from __future__ import annotations

import atexit
import contextlib
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from influscope.config import get_settings

LOCK_TIMEOUT_ENV = "INFLUSCOPE_EVENTS_LOCK_TIMEOUT"
READ_SETTINGS = {"final": 1, "join_use_nulls": 1}


class EventStoreError(RuntimeError):
    pass


@dataclass(frozen=True)
class EventStoreURL:
    url: str
    kind: str  # "chdb" or "server"
    path: str = ""  # chdb folder
    host: str = ""
    port: int = 8123
    username: str = "default"
    password: str = ""
    database: str = "default"
    secure: bool = False
    cluster: str = ""

    @property
    def embedded(self) -> bool:
        return self.kind == "chdb"

    def describe(self) -> str:
        """The URL without its password (for messages)."""
        if self.embedded:
            return f"chdb://{self.path}"
        scheme = "clickhouses" if self.secure else "clickhouse"
        return f"{scheme}://{self.username}@{self.host}:{self.port}/{self.database}"


def parse(url: str) -> EventStoreURL:
    """An event store URL, checked; raises ValueError naming what is wrong."""
    parts = urlsplit(url)
    if parts.scheme == "chdb":
        path = unquote(parts.path)
        if parts.netloc or not path.startswith("/") or path == "/":
            raise ValueError(f"event store URL {url!r}: write chdb:///absolute/path/to/folder")
        return EventStoreURL(url, "chdb", path=path)
    if parts.scheme in ("clickhouse", "clickhouses"):
        if not parts.hostname:
            raise ValueError(f"event store URL {url!r}: no host (clickhouse://user:password@host:port/database)")
        secure = parts.scheme == "clickhouses"
        query = parse_qs(parts.query)
        return EventStoreURL(url, "server", host=parts.hostname, port=parts.port or (8443 if secure else 8123),
                             username=unquote(parts.username or "default"), password=unquote(parts.password or ""),
                             database=parts.path.strip("/") or "default", secure=secure,
                             cluster=(query.get("cluster") or [""])[0])
    raise ValueError(f"event store URL {url!r}: the scheme must be chdb or clickhouse")


def configured() -> EventStoreURL | None:
    """The configured event store, or None when events stay in the operational database."""
    url = get_settings().events_url.strip()
    return parse(url) if url else None


def _lock_timeout() -> float:
    return float(os.environ.get(LOCK_TIMEOUT_ENV, "60"))


def _open(store: EventStoreURL) -> Any:
    import clickhouse_connect
    from clickhouse_connect.driver.exceptions import ProgrammingError

    if not store.embedded:
        client = clickhouse_connect.get_client(
            host=store.host, port=store.port, username=store.username, password=store.password,
            database=store.database, secure=store.secure, settings=READ_SETTINGS)
        return client
    os.makedirs(store.path, exist_ok=True)
    deadline = time.monotonic() + _lock_timeout()
    pause = 0.05
    while True:
        try:
            return clickhouse_connect.get_client(dsn=f"chdb://{store.path}", settings=READ_SETTINGS)
        except ProgrammingError as exc:  # another process holds the folder: wait for it
            if time.monotonic() >= deadline:
                raise EventStoreError(f"the event store folder {store.path} is held by another process "
                                      f"(waited {_lock_timeout():.0f} s): {exc}") from exc
        time.sleep(pause)
        pause = min(pause * 1.5, 0.5)


LINGER_S = 0.5  # how long an idle chdb engine stays open for the next query of the same process


class _Shared:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.client: Any = None
        self.users = 0
        self.used = 0.0  # monotonic time of the last release
        self.timer: threading.Timer | None = None
        self.engines: list[Any] = []  # chdb's own connections beside the client (see :func:`engines`)

    def close(self) -> None:
        engines, self.engines = self.engines, []
        for engine in engines:
            engine.close()
        if self.client is not None:
            client, self.client = self.client, None
            client.close()

    def close_if_idle(self) -> None:
        with self.lock:
            if self.users == 0 and self.client is not None and time.monotonic() - self.used >= LINGER_S * 0.9:
                self.close()


_shared: dict[str, _Shared] = {}
_shared_lock = threading.Lock()


@contextlib.contextmanager
def session(store: EventStoreURL | None = None) -> Iterator[Any]:
    """A clickhouse-connect client on STORE (default: the configured one), for this block only."""
    store = store or configured()
    if store is None:
        raise EventStoreError("no event store is configured (INFLUSCOPE_EVENTS_URL)")
    with _shared_lock:
        shared = _shared.setdefault(store.url, _Shared())
    with shared.lock:
        if shared.client is None:
            shared.client = _open(store)
            from influscope.events import schema

            schema.ensure(shared.client, store)
        shared.users += 1
        try:
            yield shared.client
        finally:
            shared.users -= 1
            if shared.users == 0 and store.embedded:
                # release the folder for other processes soon, but not between the queries of one read
                shared.used = time.monotonic()
                if shared.timer is not None:
                    shared.timer.cancel()
                shared.timer = threading.Timer(LINGER_S, shared.close_if_idle)
                shared.timer.daemon = True
                shared.timer.start()


def engine(store: EventStoreURL) -> Any | None:
    """chdb's own connection to the embedded store STORE, for use inside a :func:`session` block on it:
    Arrow tables go in through ClickHouse's ``Python()`` table function and come out as Arrow, with
    nothing serialised in between (clickhouse-connect writes an Arrow file to a temporary file and
    has the engine read it back). None for a server (use the client). The connection is a second
    handle on the engine the session's client opened, and is closed with it."""
    found = engines(store, 1)
    return found[0] if found else None


def engines(store: EventStoreURL, n: int) -> list[Any]:
    """N connections as :func:`engine` gives one (empty for a server): each runs one statement at a
    time, so that N inserts from N threads run side by side in the engine."""
    if not store.embedded:
        return []
    shared = _shared.get(store.url)
    if shared is None or shared.client is None or shared.users == 0:
        raise EventStoreError("the event store's engine is asked for outside a session")
    while len(shared.engines) < n:
        import chdb

        # the path as clickhouse-connect spells it: chdb compares engine paths literally
        shared.engines.append(chdb.connect(os.path.realpath(store.path)))  # closed at exit too (close_all)
    return shared.engines[:n]


def close_all() -> None:
    """Close every open client of this process (tests, a process about to exec another, and every
    process at exit: an embedded engine left to the linger timer could be closed by that daemon
    thread while the interpreter tears down, which crashed a command under load)."""
    for shared in list(_shared.values()):
        with shared.lock:
            if shared.timer is not None:
                shared.timer.cancel()
            shared.close()


atexit.register(close_all)
