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

The compiled text of a shape whose arguments are plain values (strings, numbers, booleans, None
and tuples of them) is also kept between processes (:mod:`influscope.kpi.query_cache`), keyed by
the dialect, the builder's module and name and the shape: a new process that finds it there runs
the query without building the expression, so without importing Ibis. A builder must therefore
depend only on its shape arguments and on code (a code change gives the cache a new folder), never
on the data or on the settings of the process.
"""

from __future__ import annotations

import collections
import datetime as _dt
import functools
import re
import threading
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from influscope.kpi import query_cache
from influscope.kpi.backends import CONVERTERS, fetch

if TYPE_CHECKING:
    import ibis.expr.datatypes as dt
    import ibis.expr.types as ir

BOUND_DIALECTS = ("sqlite", "postgres")  # the stores whose queries run as cached SQL with bound values
MAX_SHAPES = 512
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_PLAIN = (str, int, float, bool, type(None))


def _slot_class() -> type:
    """The Ibis operation of a slot (imported on first use: Ibis is needed only to build a query)."""
    from influscope.kpi.slot import Slot

    return Slot


class Slots:
    """Hands a builder its slots: ``p("ws", "int64")`` is the value bound as ``ws``."""

    def __init__(self) -> None:
        self.types: dict[str, dt.DataType] = {}

    def __call__(self, name: str, dtype: str | dt.DataType) -> ir.Scalar:
        import ibis.expr.datatypes as dt

        if not _NAME.match(name):
            raise ValueError(f"slot name {name!r}: lower-case letters, digits and '_', starting with a letter")
        kind = dt.dtype(dtype)
        if self.types.setdefault(name, kind) != kind:
            raise ValueError(f"slot {name!r} declared as {self.types[name]} and as {kind}")
        return _slot_class()(name, kind).to_expr()


Builder = Callable[..., "ir.Table"]


@dataclass(frozen=True)
class Compiled:
    """One query shape as SQL text for a dialect, with what running it needs: how each slot's value
    is bound (``bool``, ``int``, ``float``, ``str``, ``timestamp``, ``date``, ``time`` or ``other``), the result columns
    and what converts each column's values (see :data:`influscope.kpi.backends.CONVERTERS`), and the
    functions of Ibis's SQLite backend the SQL calls: ``functions`` always come from Ibis,
    ``builtins`` only when the SQLite library lacks them (Ibis registers those on the connection
    before such a query runs)."""

    sql: str
    slots: dict[str, str]
    columns: tuple[str, ...]
    kinds: tuple[str | None, ...]
    functions: tuple[str, ...] = ()
    builtins: tuple[str, ...] = ()

    @functools.cached_property
    def convert(self) -> tuple[Callable[[Any], Any] | None, ...]:
        return tuple(CONVERTERS[k] if k else None for k in self.kinds)

    @functools.cached_property
    def convert_sqlite(self) -> tuple[Callable[[Any], Any] | None, ...]:
        """:attr:`convert` for SQLite, which gives its integers as Python ints already (the
        store's integer columns have INTEGER affinity, so every whole number is stored as one)."""
        return tuple(None if k == "integer" else f for k, f in zip(self.kinds, self.convert))

    def to_json(self) -> dict[str, Any]:
        return {"sql": self.sql, "slots": self.slots, "columns": list(self.columns), "kinds": list(self.kinds),
                "functions": list(self.functions), "builtins": list(self.builtins)}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Compiled:
        slots, columns, kinds, functions, builtins = d["slots"], d["columns"], d["kinds"], d["functions"], d["builtins"]
        if not (isinstance(d["sql"], str) and isinstance(slots, dict) and len(columns) == len(kinds)
                and all(isinstance(v, str) for v in slots.values()) and all(isinstance(c, str) for c in columns)
                and all(k is None or k in CONVERTERS for k in kinds)
                and all(isinstance(f, str) for f in (*functions, *builtins))):
            raise ValueError("malformed compiled query")
        return cls(d["sql"], dict(slots), tuple(columns), tuple(kinds), tuple(functions), tuple(builtins))

    def needs_ibis(self, con) -> bool:
        """Whether running this on CON needs functions only Ibis's backend registers."""
        if self.functions:
            return True
        if not self.builtins:
            return False
        from influscope.kpi.connection import Connection

        return not isinstance(con, Connection) or not set(self.builtins) <= con.builtin_functions()


_cache: collections.OrderedDict[tuple, Compiled] = collections.OrderedDict()
_lock = threading.Lock()
_stats = {"compiled": 0, "reused": 0, "loaded": 0}


def _token(name: str) -> str:
    return f"__slot_{name}__"


_compilers: dict[tuple[type, bool], Any] = {}


def _binding_compiler(compiler_class: type, cast: bool):
    """The backend's Ibis compiler, writing each slot as a token to be replaced by a placeholder
    (CAST: the token cast to the slot's type, so that PostgreSQL never has to guess it)."""
    import sqlglot.expressions as sge

    key = (compiler_class, cast)
    if key not in _compilers:

        def visit_Slot(self, op, *, name, dtype):
            token = sge.Var(this=_token(name))
            return self.cast(token, dtype) if cast else token

        _compilers[key] = type(f"Binding{compiler_class.__name__}", (compiler_class,), {"visit_Slot": visit_Slot})()
    return _compilers[key]


def _stable(value: Any) -> bool:
    """Whether VALUE's repr is the same in every process (plain values and tuples of them)."""
    if isinstance(value, (tuple, list)):
        return all(_stable(v) for v in value)
    return isinstance(value, _PLAIN)


def persistent_key(dialect: str, build: Builder, shape: tuple) -> str | None:
    """The key of a shape in the cache kept between processes, or None when its shape arguments
    are not plain values (such shapes are compiled once per process only)."""
    if dialect not in BOUND_DIALECTS or not _stable(shape) or "<locals>" in build.__qualname__:
        return None
    return f"{dialect}|{build.__module__}.{build.__qualname__}|{shape!r}"


def _bind_kind(dtype: dt.DataType) -> str:
    if dtype.is_boolean():
        return "bool"
    if dtype.is_integer():
        return "int"
    if dtype.is_floating():
        return "float"
    if dtype.is_string():
        return "str"
    if dtype.is_timestamp():
        return "timestamp"
    if dtype.is_date():
        return "date"
    if dtype.is_time():
        return "time"
    return "other"


def _compile(con, build: Builder, shape: tuple) -> Compiled:
    from influscope.kpi.backends import converter_kinds, ibis_backend

    backend = ibis_backend(con)
    p = Slots()
    expr = build(con, p, *shape)
    compiler = _binding_compiler(type(backend.compiler), con.name == "postgres")
    sql = compiler.to_sqlglot(expr).sql(dialect=compiler.dialect, copy=False)
    if con.name == "postgres":
        sql = sql.replace("%", "%%")
    for name in p.types:
        sql = sql.replace(_token(name), f"%({name})s" if con.name == "postgres" else f":{name}")
    if "__slot_" in sql:
        raise RuntimeError(f"{build.__qualname__}: a slot was not replaced in its SQL")
    functions: list[str] = []
    builtins: list[str] = []
    if con.name == "sqlite":
        from ibis.backends.sqlite import udf

        for registry in (udf._SQLITE_UDF_REGISTRY, udf._SQLITE_UDAF_REGISTRY):
            for name, fn in registry.items():
                if re.search(rf"\b{re.escape(name)}\s*\(", sql, re.IGNORECASE):
                    (builtins if getattr(fn, "skip_if_exists", False) else functions).append(name)
    kinds = tuple(converter_kinds(expr.schema()))
    return Compiled(sql, {n: _bind_kind(t) for n, t in p.types.items()}, tuple(expr.schema().names), kinds,
                    tuple(sorted(functions)), tuple(sorted(builtins)))


def compile_shape(con, build: Builder, *shape: Hashable) -> Compiled:
    """The SQL of ``build(con, slots, *shape)`` for CON's dialect: compiled on first use in this
    process, or read from the cache kept between processes (:mod:`influscope.kpi.query_cache`)."""
    key = (con.name, build, shape)
    with _lock:
        hit = _cache.get(key)
        if hit is not None:
            _cache.move_to_end(key)
            _stats["reused"] += 1
            return hit
    from influscope.events.read import reader_of

    # with an event store attached a builder's tables may live there: compiled per process only
    stored_key = persistent_key(con.name, build, shape) if reader_of(con) is None else None
    compiled = None
    if stored_key is not None:
        entry = query_cache.load(stored_key)
        if entry is not None:
            try:
                compiled = Compiled.from_json(entry)
            except (KeyError, TypeError, ValueError):
                query_cache.reject()
    loaded = compiled is not None
    if compiled is None:
        compiled = _compile(con, build, shape)
        if stored_key is not None:
            query_cache.store(stored_key, compiled.to_json())
    with _lock:
        _cache[key] = compiled
        _stats["loaded" if loaded else "compiled"] += 1
        while len(_cache) > MAX_SHAPES:
            _cache.popitem(last=False)
    return compiled


def rows(con, build: Builder, *shape: Hashable, **values: Any) -> list[dict]:
    """Run the query ``build(con, slots, *shape)`` on CON with VALUES bound to its slots; plain rows
    as :func:`influscope.kpi.backends.fetch` gives them (ints, naive UTC times, dates)."""
    if con.name not in BOUND_DIALECTS:
        return _rows_as_literals(con, build, shape, values)
    compiled = compile_shape(con, build, *shape)
    if con.name == "sqlite" and compiled.needs_ibis(con):
        from influscope.kpi.backends import ibis_backend

        ibis_backend(con)  # registers Ibis's SQLite functions on the connection
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
    names = compiled.columns
    convert = compiled.convert_sqlite if con.name == "sqlite" else compiled.convert
    converted = [(n, i, f) for i, (n, f) in enumerate(zip(names, convert)) if f]
    out = []
    for r in raw:  # a dict per row, then only the columns that need converting
        row = dict(zip(names, r))
        for n, i, f in converted:
            row[n] = f(r[i])
        out.append(row)
    return out


def _checked(build: Builder, slots: Mapping[str, Any], values: Mapping[str, Any]):
    missing = sorted(set(slots) - set(values))
    extra = sorted(set(values) - set(slots))
    if missing or extra:
        raise TypeError(f"{build.__qualname__}: values for slots {sorted(slots)}; "
                        f"missing {missing}, not slots {extra}")
    return values.items()


def _bind(con, value: Any, kind: str) -> Any:
    """VALUE as the driver should receive it for a slot bound as KIND (see :class:`Compiled`)."""
    if value is None:
        return None
    if con.name == "postgres":  # psycopg adapts Python values; the SQL casts the placeholder
        return value
    if kind == "bool":
        return int(bool(value))
    if kind == "int":
        return int(value)
    if kind == "float":
        return float(value)
    if kind == "str":
        return str(value)
    if kind in ("timestamp", "date", "time"):  # SQLite keeps times as text: the text Ibis writes
        return sqlite_time_text(value, kind)
    raise TypeError(f"cannot bind {value!r} as {kind} on {con.name}")


def sqlite_time_text(value: Any, kind: str) -> str:
    """VALUE (a datetime, date, time or ISO text) written as Ibis writes a SQLite literal of KIND
    (``timestamp``, ``date`` or ``time``): ISO with a space for the "T" and no offset for UTC, so
    that text comparisons with the stored times behave as Ibis's own literals do."""
    if isinstance(value, str):
        value = (_dt.datetime.fromisoformat(value) if kind == "timestamp" else
                 _dt.date.fromisoformat(value[:10]) if kind == "date" else _dt.time.fromisoformat(value))
    if kind == "timestamp" and not isinstance(value, _dt.datetime):
        if not isinstance(value, _dt.date):
            raise TypeError(f"cannot bind {value!r} as {kind} on sqlite")
        value = _dt.datetime.combine(value, _dt.time())
    elif kind == "date":
        if isinstance(value, _dt.datetime):
            value = value.date()
        elif not isinstance(value, _dt.date):
            raise TypeError(f"cannot bind {value!r} as {kind} on sqlite")
    elif kind == "time" and not isinstance(value, _dt.time):
        raise TypeError(f"cannot bind {value!r} as {kind} on sqlite")
    return value.isoformat().replace("T", " ").replace("Z", "").replace("+00:00", "")


def _rows_as_literals(con, build: Builder, shape: tuple, values: Mapping[str, Any]) -> list[dict]:
    """Backends without a cached SQL path: the expression, built once per connection, with the values
    written in as literals (what Ibis does with its own parameters)."""
    built = con.__dict__.setdefault("_influscope_shapes", {})
    key = (build, shape)
    if key not in built:
        p = Slots()
        built[key] = (build(con, p, *shape), dict(p.types))
    expr, slots = built[key]
    import ibis.expr.operations as ops

    slot = _slot_class()
    literals = {slot(name, slots[name]): ops.Literal(value, slots[name])
                for name, value in _checked(build, slots, values)}
    return fetch(con, expr.op().replace(literals).to_expr())


def stats() -> dict[str, int]:
    """How many query shapes were compiled, how many were read from the cache kept between processes
    and how many runs reused one held in this process, since the last :func:`clear`."""
    with _lock:
        return {**_stats, "cached": len(_cache)}


def clear() -> None:
    """Forget every compiled shape (tests; a schema change within a process)."""
    with _lock:
        _cache.clear()
        _stats.update(compiled=0, reused=0, loaded=0)
