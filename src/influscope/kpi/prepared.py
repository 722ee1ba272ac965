"""Queries compiled once per shape and run with their values bound by the database driver.

The SQL of an engine query depends on a few things that rarely change (the store's dialect, the
methodology settings that choose between variants of a rule, the campaign's time zone) and on
values that change with every call (the workspace, the campaign, dates, a window length). Turning
an Ibis expression into SQL costs milliseconds per query, more than running most of them, so a
query is written once as a *builder*::

    def _costs(con, p: Slots) -> ir.Table:
        co = table(con, "costs")
        return co.filter(co.workspace_id == p("ws", "int64"), co.campaign_id == p("cid", "int64"))

    rows(con, _costs, ws=7, cid=12)

and :func:`rows` compiles ``build(con, slots, *shape)`` once per (dialect, builder, shape): every
value is a *slot* (``p(name, type)``), rendered as a placeholder; everything else the builder
reads must be one of the positional ``shape`` arguments, which are part of the cache key. On
SQLite and PostgreSQL the cached SQL text runs with the values bound through the DB-API (a value
on SQLite is bound exactly as Ibis would have written it as a literal, so text comparisons of
times behave the same). Other backends (DuckDB and ClickHouse copies, for the conformance test and
the benchmark) keep the built expression per connection and substitute the values as literals.
"""

from __future__ import annotations

import collections
import re
import threading
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from typing import Any

import ibis.expr.datashape as ds
import ibis.expr.datatypes as dt
import ibis.expr.operations as ops
import ibis.expr.types as ir
import sqlglot.expressions as sge

from influscope.kpi.backends import converters, fetch

BOUND_DIALECTS = ("sqlite", "postgres")  # the stores whose queries run as cached SQL with bound values
MAX_SHAPES = 512
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


class Slot(ops.Scalar):
    """A value of the query bound when it runs: a placeholder in the SQL."""

    name: str
    dtype: dt.DataType

    shape = ds.scalar


class Slots:
    """Hands a builder its slots: ``p("ws", "int64")`` is the value bound as ``ws``."""

    def __init__(self) -> None:
        self.types: dict[str, dt.DataType] = {}

    def __call__(self, name: str, dtype: str | dt.DataType) -> ir.Scalar:
        if not _NAME.match(name):
            raise ValueError(f"slot name {name!r}: lower-case letters, digits and '_', starting with a letter")
        kind = dt.dtype(dtype)
        if self.types.setdefault(name, kind) != kind:
            raise ValueError(f"slot {name!r} declared as {self.types[name]} and as {kind}")
        return Slot(name, kind).to_expr()


Builder = Callable[..., ir.Table]


@dataclass(frozen=True)
class Compiled:
    """One query shape as SQL text for a dialect, with what running it needs."""

    sql: str
    slots: dict[str, dt.DataType]
    columns: tuple[str, ...]
    convert: tuple[Callable[[Any], Any] | None, ...]


_cache: collections.OrderedDict[tuple, Compiled] = collections.OrderedDict()
_lock = threading.Lock()
_stats = {"compiled": 0, "reused": 0}


def _token(name: str) -> str:
    return f"__slot_{name}__"


_compilers: dict[tuple[type, bool], Any] = {}


def _binding_compiler(compiler_class: type, cast: bool):
    """The backend's Ibis compiler, writing each slot as a token to be replaced by a placeholder
    (CAST: the token cast to the slot's type, so that PostgreSQL never has to guess it)."""
    key = (compiler_class, cast)
    if key not in _compilers:

        def visit_Slot(self, op, *, name, dtype):
            token = sge.Var(this=_token(name))
            return self.cast(token, dtype) if cast else token

        _compilers[key] = type(f"Binding{compiler_class.__name__}", (compiler_class,), {"visit_Slot": visit_Slot})()
    return _compilers[key]


def compile_shape(con, build: Builder, *shape: Hashable) -> Compiled:
    """The SQL of ``build(con, slots, *shape)`` for CON's dialect, compiled on first use only."""
    key = (con.name, build, shape)
    with _lock:
        hit = _cache.get(key)
        if hit is not None:
            _cache.move_to_end(key)
            _stats["reused"] += 1
            return hit
    p = Slots()
    expr = build(con, p, *shape)
    compiler = _binding_compiler(type(con.compiler), con.name == "postgres")
    sql = compiler.to_sqlglot(expr).sql(dialect=compiler.dialect, copy=False)
    if con.name == "postgres":
        sql = sql.replace("%", "%%")
    for name in p.types:
        sql = sql.replace(_token(name), f"%({name})s" if con.name == "postgres" else f":{name}")
    if "__slot_" in sql:
        raise RuntimeError(f"{build.__qualname__}: a slot was not replaced in its SQL")
    schema = expr.schema()
    compiled = Compiled(sql, dict(p.types), tuple(schema.names), tuple(converters(schema)))
    with _lock:
        _cache[key] = compiled
        _stats["compiled"] += 1
        while len(_cache) > MAX_SHAPES:
            _cache.popitem(last=False)
    return compiled


def rows(con, build: Builder, *shape: Hashable, **values: Any) -> list[dict]:
    """Run the query ``build(con, slots, *shape)`` on CON with VALUES bound to its slots; plain rows
    as :func:`influscope.kpi.backends.fetch` gives them (ints, naive UTC times, dates)."""
    if con.name not in BOUND_DIALECTS:
        return _rows_as_literals(con, build, shape, values)
    compiled = compile_shape(con, build, *shape)
    params = {name: _bind(con, value, compiled.slots[name]) for name, value in _checked(build, compiled.slots, values)}
    if con.name == "sqlite":
        cur = con.con.execute(compiled.sql, params)
        try:
            raw = cur.fetchall()
        finally:
            cur.close()
    else:
        with con.con.cursor() as cur:
            cur.execute(compiled.sql, params)
            raw = cur.fetchall()
    names, convert = compiled.columns, compiled.convert
    return [{n: (f(v) if f else v) for n, f, v in zip(names, convert, r)} for r in raw]


def _checked(build: Builder, slots: Mapping[str, dt.DataType], values: Mapping[str, Any]):
    missing = sorted(set(slots) - set(values))
    extra = sorted(set(values) - set(slots))
    if missing or extra:
        raise TypeError(f"{build.__qualname__}: values for slots {sorted(slots)}; "
                        f"missing {missing}, not slots {extra}")
    return values.items()


def _bind(con, value: Any, dtype: dt.DataType) -> Any:
    """VALUE as the driver should receive it for a slot of DTYPE."""
    if value is None:
        return None
    if con.name == "postgres":  # psycopg adapts Python values; the SQL casts the placeholder
        return value
    if dtype.is_boolean():
        return int(bool(value))
    if dtype.is_integer():
        return int(value)
    if dtype.is_floating():
        return float(value)
    if dtype.is_string():
        return str(value)
    if dtype.is_temporal():  # SQLite keeps times as text: bind the text Ibis would have written
        literal = ops.Literal(value, dtype)
        out = con.compiler.visit_Literal(literal, value=literal.value, dtype=dtype)
        if isinstance(out, sge.Literal) and out.is_string:
            return out.this
    raise TypeError(f"cannot bind {value!r} as {dtype} on {con.name}")


def _rows_as_literals(con, build: Builder, shape: tuple, values: Mapping[str, Any]) -> list[dict]:
    """Backends without a cached SQL path: the expression, built once per connection, with the values
    written in as literals (what Ibis does with its own parameters)."""
    built = con.__dict__.setdefault("_influscope_shapes", {})
    key = (build, shape)
    if key not in built:
        p = Slots()
        built[key] = (build(con, p, *shape), dict(p.types))
    expr, slots = built[key]
    literals = {Slot(name, slots[name]): ops.Literal(value, slots[name])
                for name, value in _checked(build, slots, values)}
    return fetch(con, expr.op().replace(literals).to_expr())


def stats() -> dict[str, int]:
    """How many query shapes were compiled and how many runs reused one, since the last :func:`clear`."""
    with _lock:
        return {**_stats, "cached": len(_cache)}


def clear() -> None:
    """Forget every compiled shape (tests; a schema change within a process)."""
    with _lock:
        _cache.clear()
        _stats.update(compiled=0, reused=0)
