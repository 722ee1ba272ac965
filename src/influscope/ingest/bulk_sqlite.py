"""Upserting parsed columns into SQLite in bulk, inside the caller's transaction.

The importer's columns (Arrow arrays) are turned into the values SQLAlchemy would store (times as
'YYYY-MM-DD HH:MM:SS.ffffff', days as 'YYYY-MM-DD', booleans as 0/1, money as scaled integers) and
written through the driver with ``executemany`` on one prepared statement. Rows are compared with
the stored ones in those same terms, so an upsert of unchanged rows changes nothing.

A large load into a table that holds fewer rows than it adds drops the table's plain secondary
indexes first and creates them again at the end (sorting once is far cheaper than a million
random B-tree insertions); both happen in the same transaction, so a failure leaves them as they were.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import chain
from typing import Any, Callable, Iterable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import sqlalchemy as sa

from influscope.db.types import _Scaled

REBUILD_INDEXES_FROM = 50_000  # rows inserted before dropping and recreating indexes pays
ROWS_PER_STATEMENT = 100  # rows in one INSERT ... VALUES (...), (...): fewer statement steps per row
MAX_VARIABLES = 32_766  # SQLite's limit on ? in one statement (since 3.32)


def storage(column: sa.Column, values: pa.Array) -> list[Any]:
    """VALUES as SQLite stores them for COLUMN (what SQLAlchemy's bind processors would give)."""
    kind = column.type
    if isinstance(kind, sa.DateTime):  # Arrow writes microsecond times as 'YYYY-MM-DD HH:MM:SS.ffffff'
        values = pc.cast(values, pa.string())
    elif isinstance(kind, sa.Date):
        values = pc.cast(values, pa.string())
    elif isinstance(kind, sa.Boolean):
        values = pc.cast(values, pa.int64())
    elif isinstance(kind, _Scaled) or isinstance(kind, sa.Integer):
        values = pc.cast(values, pa.int64())
    return values.to_pylist()


def _sql(conn: sa.Connection, stmt: sa.Executable) -> str:
    return str(stmt.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))


@dataclass
class Plan:
    """What an upsert does: rows to insert, rows to update (with their ids), how many are unchanged."""

    inserts: np.ndarray
    updates: np.ndarray
    update_ids: list[int]
    unchanged: int


def plan(conn: sa.Connection, table: sa.Table, values: dict[str, list[Any]], key: tuple[str, ...],
         scope: sa.ColumnElement, compared: list[str]) -> Plan:
    """Match the new rows (storage VALUES by column) with the stored rows in SCOPE on KEY."""
    n = len(values[key[0]]) if key[0] in values else len(next(iter(values.values())))
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
    key_cols = [values[c] for c in key]
    cmp_cols = [values[c] for c in compared]
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


def insert(conn: sa.Connection, table: sa.Table, constants: dict[str, int], values: dict[str, list[Any]],
           rows: np.ndarray, order_by: pa.Array | None = None, progress: Callable[[int], None] | None = None) -> None:
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
    names = list(values)
    cols = ", ".join(f'"{c}"' for c in [*constants, *names])
    marks = ", ".join([*(str(int(v)) for v in constants.values()), *("?" * len(names))])
    dbapi = conn.connection.driver_connection
    rebuild = _droppable_indexes(dbapi, table.name, len(rows))
    cur = dbapi.cursor()
    try:
        for stmt in rebuild:
            cur.execute(f'DROP INDEX "{stmt[0]}"')
        columns = [_take(values[c], rows) for c in names]
        per = max(1, min(ROWS_PER_STATEMENT, MAX_VARIABLES // max(len(names), 1)))
        lead = "".join(f"{int(v)}, " for v in constants.values())
        # numbered parameters, column by column: ?1..?per are the first column of the PER rows, and so on,
        # so that the parameters are slices of the columns, without a tuple per row
        many = f'INSERT INTO "{table.name}" ({cols}) VALUES ' + ", ".join(
            "(" + lead + ", ".join(f"?{j * per + r + 1}" for j in range(len(names))) + ")" for r in range(per))
        single = f'INSERT INTO "{table.name}" ({cols}) VALUES ({marks})'
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
        for stmt in rebuild:
            cur.execute(stmt[1])
    finally:
        cur.close()


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


def update(conn: sa.Connection, table: sa.Table, values: dict[str, list[Any]], rows: np.ndarray,
           ids: Iterable[int]) -> None:
    """Set VALUES (storage terms) of ROWS on the stored rows IDS."""
    if not len(rows):
        return
    names = list(values)
    sets = ", ".join(f'"{c}" = ?' for c in names)
    columns = [_take(values[c], rows) for c in names]
    cur = conn.connection.driver_connection.cursor()
    try:
        cur.executemany(f'UPDATE "{table.name}" SET {sets} WHERE id = ?', zip(*columns, ids))
    finally:
        cur.close()
