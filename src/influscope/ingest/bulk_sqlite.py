"""Upserting parsed columns into SQLite in bulk, inside the caller's transaction.

The importer's columns (Arrow arrays) are turned into the values SQLAlchemy would store (times as
'YYYY-MM-DD HH:MM:SS.ffffff', days as 'YYYY-MM-DD', booleans as 0/1, money as scaled integers) and
written through the driver, ``executemany`` on one prepared statement for a small insert and a
staged file (below) for a large one. Rows are compared with the stored ones in those same terms, so
an upsert of unchanged rows changes nothing.

A large load into a table that holds fewer rows than it adds drops the table's plain secondary
indexes first and creates them again at the end (sorting once is far cheaper than a million
random B-tree insertions); both happen in the same transaction, so a failure leaves them as they were.

Inside :func:`staging` (the bundle importer's write transaction), an insert of at least
``STAGE_FROM`` rows does not build a Python value per cell: the Arrow columns are written by the
ADBC SQLite driver (in C) into a new SQLite file in a private temporary folder, which the
transaction ATTACHes and copies with one ``INSERT INTO ... SELECT`` (SQLite's own copy, inside the
same transaction, so a failure anywhere still leaves nothing behind). SQLite cannot detach a file
that a transaction has read, so the staged files are detached and removed when the transaction has
ended, committed or rolled back. The driver carries its own copy of SQLite; the two never open the
same file at the same time (the driver closes the staged file before it is attached).
"""

from __future__ import annotations

import contextlib
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path
from typing import Any, Callable, Iterable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import sqlalchemy as sa

from influscope.db.types import _Scaled

REBUILD_INDEXES_FROM = 50_000  # rows inserted before dropping and recreating indexes pays
ROWS_PER_STATEMENT = 100  # rows in one INSERT ... VALUES (...), (...): fewer statement steps per row
MAX_VARIABLES = 32_766  # SQLite's limit on ? in one statement (since 3.32)
STAGE_FROM = 5_000  # rows from which an insert inside staging() goes through a staged file
COPY_ROWS = 100_000  # staged rows copied by one INSERT ... SELECT (progress is told after each)
_STAGING = "influscope_bulk_staging"  # key of the open staging in the connection's info


def storage_arrow(column: sa.Column, values: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """VALUES as SQLite stores them for COLUMN (what SQLAlchemy's bind processors would give), as Arrow."""
    kind = column.type
    if isinstance(kind, sa.DateTime):  # Arrow writes microsecond times as 'YYYY-MM-DD HH:MM:SS.ffffff'
        values = pc.cast(values, pa.string())
    elif isinstance(kind, sa.Date):
        values = pc.cast(values, pa.string())
    elif isinstance(kind, sa.Boolean):
        values = pc.cast(values, pa.int64())
    elif isinstance(kind, _Scaled) or isinstance(kind, sa.Integer):
        values = pc.cast(values, pa.int64())
    return values


def storage(column: sa.Column, values: pa.Array) -> list[Any]:
    """VALUES as SQLite stores them for COLUMN, as Python values (see :func:`storage_arrow`)."""
    return storage_arrow(column, values).to_pylist()


class Columns:
    """Columns in storage terms (:func:`storage_arrow`) by name, with their Python values made once,
    when a row-wise step (comparing with stored rows, executemany) first asks for them."""

    def __init__(self, arrays: dict[str, pa.Array | pa.ChunkedArray], lists: dict[str, list[Any]] | None = None):
        self.arrays = dict(arrays)
        self._lists = lists if lists is not None else {}

    @property
    def names(self) -> list[str]:
        return list(self.arrays)

    def __len__(self) -> int:
        return len(next(iter(self.arrays.values()))) if self.arrays else 0

    def pylist(self, name: str) -> list[Any]:
        if name not in self._lists:
            self._lists[name] = self.arrays[name].to_pylist()
        return self._lists[name]

    def subset(self, names: Iterable[str]) -> Columns:
        """These columns only (sharing the Python values made so far)."""
        return Columns({n: self.arrays[n] for n in names}, self._lists)


@dataclass
class _Staging:
    folder: Path
    attached: list[str] = field(default_factory=list)


@contextlib.contextmanager
def staging(conn: sa.Connection) -> Iterator[None]:
    """Let large inserts of CONN's next transaction go through staged files (see the module's
    note); open it before the transaction begins: the files are detached and removed after it ends."""
    if conn.dialect.name != "sqlite":
        yield
        return
    state = _Staging(Path(tempfile.mkdtemp(prefix="influscope-import-")))
    conn.info[_STAGING] = state
    try:
        yield
    finally:
        conn.info.pop(_STAGING, None)
        try:
            dbapi = conn.connection.driver_connection
            for alias in state.attached:
                dbapi.execute(f"DETACH DATABASE {alias}")
        except sqlite3.Error:  # the connection keeps a staged file attached: it is not used again
            conn.invalidate()
        finally:
            shutil.rmtree(state.folder, ignore_errors=True)


def _sql(conn: sa.Connection, stmt: sa.Executable) -> str:
    return str(stmt.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))


@dataclass
class Plan:
    """What an upsert does: rows to insert, rows to update (with their ids), how many are unchanged."""

    inserts: np.ndarray
    updates: np.ndarray
    update_ids: list[int]
    unchanged: int


def plan(conn: sa.Connection, table: sa.Table, values: Columns, key: tuple[str, ...],
         scope: sa.ColumnElement, compared: list[str]) -> Plan:
    """Match the new rows (VALUES, storage terms) with the stored rows in SCOPE on KEY."""
    n = len(values)
    cur = conn.connection.driver_connection.cursor()
    try:
        if cur.execute(_sql(conn, sa.select(sa.literal(1)).select_from(table).where(scope).limit(1))).fetchone() is None:
            return Plan(np.arange(n), np.zeros(0, dtype=np.int64), [], 0)
        fetch = list(dict.fromkeys([*key, *compared]))
        stored = {}
        for rec in cur.execute(_sql(conn, sa.select(table.c.id, *[table.c[c] for c in fetch]).where(scope))):
            stored[rec[1:1 + len(key)]] = (rec[0], rec[1 + len(key):])
    finally:
        cur.close()
    key_pos = [fetch.index(c) for c in compared]
    inserts, updates, ids = [], [], []
    unchanged = 0
    key_cols = [values.pylist(c) for c in key]
    cmp_cols = [values.pylist(c) for c in compared]
    for i, (k, new) in enumerate(zip(zip(*key_cols), zip(*cmp_cols))):
        old = stored.get(k)
        if old is None:
            inserts.append(i)
        elif tuple(old[1][p - len(key)] if p >= len(key) else k[p] for p in key_pos) != new:
            updates.append(i)
            ids.append(old[0])
        else:
            unchanged += 1
    return Plan(np.asarray(inserts, dtype=np.int64), np.asarray(updates, dtype=np.int64), ids, unchanged)


def _take(values: list[Any], rows: np.ndarray) -> list[Any]:
    if len(rows) == len(values) and (len(rows) < 2 or bool(np.all(np.diff(rows) == 1))):
        return values  # every row, in order
    return [values[i] for i in rows.tolist()]


def insert(conn: sa.Connection, table: sa.Table, constants: dict[str, int], values: Columns,
           rows: np.ndarray, order_by: pa.Array | pa.ChunkedArray | None = None,
           progress: Callable[[int], None] | None = None) -> None:
    """Insert ROWS of VALUES (storage terms) with CONSTANTS (integers) in every row.

    With ORDER_BY (the natural key, one value per row of VALUES) the rows go in in that order, so
    that the unique index on the key grows at its end instead of at random places.
    """
    if not len(rows):
        return
    if order_by is not None and len(rows) > 1:
        keys = order_by.take(pa.array(rows))
        if pc.any(pc.greater(keys.slice(0, len(keys) - 1), keys.slice(1))).as_py():
            rows = rows[np.asarray(pc.sort_indices(keys).to_numpy(), dtype=np.int64)]
    dbapi = conn.connection.driver_connection
    rebuild = _droppable_indexes(dbapi, table.name, len(rows))
    staged = conn.info.get(_STAGING)
    cur = dbapi.cursor()
    try:
        for stmt in rebuild:
            cur.execute(f'DROP INDEX "{stmt[0]}"')
        if staged is not None and len(rows) >= STAGE_FROM and len(staged.attached) < _attach_limit(dbapi):
            _insert_staged(cur, staged, table.name, constants, values, rows, progress)
        else:
            _insert_many(cur, table.name, constants, values, rows, progress)
        for stmt in rebuild:
            cur.execute(stmt[1])
    finally:
        cur.close()


def _attach_limit(dbapi: sqlite3.Connection) -> int:
    return dbapi.getlimit(sqlite3.SQLITE_LIMIT_ATTACHED)


def _insert_many(cur: sqlite3.Cursor, table: str, constants: dict[str, int], values: Columns, rows: np.ndarray,
                 progress: Callable[[int], None] | None) -> None:
    """The rows through the driver: multi-row INSERTs bound to slices of the columns' Python values."""
    names = values.names
    cols = ", ".join(f'"{c}"' for c in [*constants, *names])
    marks = ", ".join([*(str(int(v)) for v in constants.values()), *("?" * len(names))])
    columns = [_take(values.pylist(c), rows) for c in names]
    per = max(1, min(ROWS_PER_STATEMENT, MAX_VARIABLES // max(len(names), 1)))
    lead = "".join(f"{int(v)}, " for v in constants.values())
    # numbered parameters, column by column: ?1..?per are the first column of the PER rows, and so on,
    # so that the parameters are slices of the columns, without a tuple per row
    many = f'INSERT INTO "{table}" ({cols}) VALUES ' + ", ".join(
        "(" + lead + ", ".join(f"?{j * per + r + 1}" for j in range(len(names))) + ")" for r in range(per))
    single = f'INSERT INTO "{table}" ({cols}) VALUES ({marks})'
    step = per * 1000
    for start in range(0, len(rows), step):
        stop = min(start + step, len(rows))
        whole = start + (stop - start) // per * per
        if whole > start:
            cur.executemany(many, (tuple(chain.from_iterable(c[i:i + per] for c in columns))
                                   for i in range(start, whole, per)))
        if whole < stop:
            cur.executemany(single, zip(*(c[whole:stop] for c in columns)))
        if progress:
            progress(stop - start)


def _insert_staged(cur: sqlite3.Cursor, staged: _Staging, table: str, constants: dict[str, int], values: Columns,
                   rows: np.ndarray, progress: Callable[[int], None] | None) -> None:
    """The rows written in C into a staged file, then copied by SQLite inside the open transaction."""
    import adbc_driver_sqlite.dbapi as adbc

    alias = f"influscope_staged_{len(staged.attached) + 1}"
    path = staged.folder / f"{alias}.db"
    every = len(rows) == len(values) and bool(np.all(rows == np.arange(len(rows))))
    picked = pa.array(rows)
    data = pa.table({f"c{j}": (arr if every else arr.take(picked)) for j, arr in enumerate(values.arrays.values())})
    with adbc.connect(str(path), autocommit=True) as staging_db, staging_db.cursor() as writer:
        # a scratch file: no journal, no waiting for the disk
        writer.execute("PRAGMA journal_mode=OFF")
        writer.fetchall()
        writer.execute("PRAGMA synchronous=OFF")
        writer.adbc_ingest("staged_rows", data, mode="create")
    cur.execute(f"ATTACH DATABASE ? AS {alias}", (str(path),))
    staged.attached.append(alias)
    names = values.names
    cols = ", ".join(f'"{c}"' for c in [*constants, *names])
    picks = ", ".join([*(str(int(v)) for v in constants.values()), *(f"c{j}" for j in range(len(names)))])
    copy = (f'INSERT INTO main."{table}" ({cols}) SELECT {picks} FROM {alias}.staged_rows '
            "WHERE rowid > ? AND rowid <= ? ORDER BY rowid")
    for start in range(0, len(rows), COPY_ROWS):  # the staged rows have rowids 1..n in their order
        stop = min(start + COPY_ROWS, len(rows))
        cur.execute(copy, (start, stop))
        if progress:
            progress(stop - start)


def _droppable_indexes(dbapi: Any, table: str, adding: int) -> list[tuple[str, str]]:
    """Plain indexes of TABLE worth rebuilding after adding ADDING rows: (name, CREATE statement)."""
    if adding < REBUILD_INDEXES_FROM:
        return []
    have = dbapi.execute(f'SELECT max(rowid) FROM "{table}"').fetchone()[0] or 0  # an upper bound, O(log n)
    if have > adding:
        return []
    return [(name, sql) for name, sql in dbapi.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL "
        "AND sql NOT LIKE 'CREATE UNIQUE%'", (table,))]


def update(conn: sa.Connection, table: sa.Table, values: Columns, rows: np.ndarray, ids: Iterable[int]) -> None:
    """Set VALUES (storage terms) of ROWS on the stored rows IDS."""
    if not len(rows):
        return
    names = values.names
    sets = ", ".join(f'"{c}" = ?' for c in names)
    columns = [_take(values.pylist(c), rows) for c in names]
    cur = conn.connection.driver_connection.cursor()
    try:
        cur.executemany(f'UPDATE "{table.name}" SET {sets} WHERE id = ?', zip(*columns, ids))
    finally:
        cur.close()
