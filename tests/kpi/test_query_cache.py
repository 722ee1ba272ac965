"""Compiled engine queries kept between processes (influscope.kpi.query_cache and kpi.prepared)."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from influscope.ingest.canonical import import_bundle
from influscope.kpi import prepared, query_cache
from influscope.kpi.api import kpis
from tests.kpi import handmade

TODAY = dt.date(2026, 5, 1)
REPO = Path(__file__).resolve().parents[2]

# Runs ``influscope kpi`` in a new process as the console script does, then reports what it printed,
# which of Ibis's and pandas's modules it really imported, which of the modules that only other
# commands or the comment analysis need it imported (the other command modules, the embedding
# engine, the credibility rules), and the cache's counters.
_RUN_CLI = """
import contextlib, io, json, sys
from influscope.cli import main
out = io.StringIO()
sys.argv = ["influscope", *json.loads(sys.argv[1])]
with contextlib.redirect_stdout(out):
    try:
        main()
    except SystemExit as exc:
        assert not exc.code, exc.code
from influscope.kpi import prepared, query_cache
loaded = sorted(m for m in sys.modules if m.startswith(("ibis.", "pandas", "pyarrow", "sqlglot", "alembic")))
others = sorted(m for m in sys.modules if m.startswith(("influscope.cli.", "influscope.audience.embedding",
                                                         "influscope.audience.credibility"))
                and m not in ("influscope.cli.kpi", "influscope.cli._common"))
print(json.dumps({"output": out.getvalue(), "loaded": loaded, "others": others, "prepared": prepared.stats(),
                  "cache": query_cache.stats()}))
"""


def _cli(args: list[str], cache: str) -> dict:
    env = {**os.environ, "INFLUSCOPE_QUERY_CACHE": cache, "PYTHONPATH": str(REPO / "src")}
    proc = subprocess.run([sys.executable, "-c", _RUN_CLI, json.dumps(args)], env=env, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.fixture
def store(any_engine, tmp_path):
    """The hand-made campaign in a fresh SQLite or PostgreSQL store."""
    import_bundle(any_engine, handmade.write(tmp_path / "bundle"), workspace="w")
    return any_engine


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    folder = tmp_path / "query-cache"
    monkeypatch.setenv("INFLUSCOPE_QUERY_CACHE", str(folder))
    prepared.clear()
    query_cache.reset_stats()
    yield folder
    prepared.clear()


def _values(engine, **settings) -> dict:
    return kpis("hand", by="creator", settings=settings or None, workspace="w", engine=engine, today=TODAY).to_dict()


def _entries(folder: Path) -> list[Path]:
    return sorted(folder.glob("*/*.json"))


def test_a_second_process_runs_the_kpi_command_from_the_cache_without_ibis(tmp_path):
    from influscope.db.engine import make_engine, upgrade

    url = f"sqlite:///{tmp_path / 'store.db'}"
    engine = make_engine(url)
    upgrade(engine)
    import_bundle(engine, handmade.write(tmp_path / "bundle"), workspace="w")
    engine.dispose()
    args = ["kpi", "hand", "--workspace", "w", "--db", url, "--format", "json"]
    cache = str(tmp_path / "cache")

    first = _cli(args, cache)
    assert first["prepared"]["compiled"] >= 10 and first["prepared"]["loaded"] == 0
    assert first["cache"]["stored"] >= first["prepared"]["compiled"]
    assert any(m.startswith("ibis.") for m in first["loaded"])

    second = _cli(args, cache)
    assert second["prepared"]["compiled"] == 0
    assert second["prepared"]["loaded"] == first["prepared"]["compiled"]
    assert second["cache"]["misses"] == 0 and second["cache"]["errors"] == 0
    assert second["loaded"] == [], f"imported on a cache hit: {second['loaded'][:10]}"
    assert first["others"] == second["others"] == [], "a kpi process imports only what the kpi command needs"

    off = _cli(args, "off")
    assert off["cache"] == {"hits": 0, "misses": 0, "stored": 0, "errors": 0}
    assert json.loads(second["output"]) == json.loads(first["output"]) == json.loads(off["output"])


def test_values_equal_with_and_without_the_cache(store, cache_dir, monkeypatch):
    stored = _values(store)
    assert prepared.stats()["compiled"] > 0 and prepared.stats()["loaded"] == 0
    assert len(_entries(cache_dir)) == prepared.stats()["compiled"]

    prepared.clear()  # as a new process: every shape comes from the files
    from_files = _values(store)
    assert prepared.stats()["compiled"] == 0 and prepared.stats()["loaded"] > 0

    monkeypatch.setenv("INFLUSCOPE_QUERY_CACHE", "off")
    prepared.clear()
    uncached = _values(store)
    assert from_files == stored == uncached


def test_a_corrupt_or_foreign_entry_is_ignored_and_replaced(store, cache_dir):
    expected = _values(store)
    files = _entries(cache_dir)
    assert files
    bad = [b"{not json", b"", json.dumps({"key": "another shape", "value": {}}).encode(), b"\xff\xfe\x00"]
    for i, path in enumerate(files):
        if i % 5 == 4:  # the right key with a value that is not a compiled query
            entry = json.loads(path.read_text())
            path.write_text(json.dumps({"key": entry["key"], "value": {**entry["value"], "kinds": ["nonsense"]}}))
        else:
            path.write_bytes(bad[i % len(bad)])
    prepared.clear()
    query_cache.reset_stats()
    assert _values(store) == expected
    assert prepared.stats()["loaded"] == 0
    assert query_cache.stats()["errors"] == len(files)
    for path in _entries(cache_dir):  # compiled again and written back whole
        assert json.loads(path.read_text())["value"]["sql"]


def test_an_unusable_cache_folder_never_fails_a_read(store, tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("INFLUSCOPE_QUERY_CACHE", str(blocker / "cache"))
    prepared.clear()
    query_cache.reset_stats()
    try:
        values = _values(store)
    finally:
        prepared.clear()
    assert query_cache.stats()["stored"] == 0 and query_cache.stats()["errors"] > 0
    monkeypatch.setenv("INFLUSCOPE_QUERY_CACHE", "off")
    assert values == _values(store)


def test_a_changed_shape_misses_and_gets_its_own_entry(store, cache_dir, monkeypatch):
    _values(store)
    before = set(_entries(cache_dir))
    prepared.clear()
    query_cache.reset_stats()
    changed = _values(store, attribution="first_click", unique_click_window="1h")
    assert query_cache.stats()["misses"] > 0 and query_cache.stats()["hits"] > 0
    assert set(_entries(cache_dir)) > before
    monkeypatch.setenv("INFLUSCOPE_QUERY_CACHE", "off")
    prepared.clear()
    assert changed == _values(store, attribution="first_click", unique_click_window="1h")


def test_keys_follow_dialect_builder_and_shape():
    from influscope.attribution import credit

    key = prepared.persistent_key("sqlite", credit._order_buckets, ("last_click", True, "clicks", 1))
    assert key and key != prepared.persistent_key("sqlite", credit._order_buckets, ("last_click", False, "clicks", 1))
    assert key != prepared.persistent_key("postgres", credit._order_buckets, ("last_click", True, "clicks", 1))
    assert key != prepared.persistent_key("sqlite", credit._lead_buckets, ("last_click", True, "clicks", 1))
    # only plain shape values have the same text in every process; other backends compile per process
    assert prepared.persistent_key("sqlite", credit._order_buckets, (object(),)) is None
    assert prepared.persistent_key("duckdb", credit._order_buckets, ("last_click",)) is None


def test_a_code_change_gives_the_cache_a_new_folder(tmp_path):
    (tmp_path / "pkg").mkdir()
    module = tmp_path / "pkg" / "queries.py"
    module.write_text("X = 1\n")
    (tmp_path / "notes.txt").write_text("not code")
    first = query_cache.source_digest(tmp_path)
    (tmp_path / "notes.txt").write_text("still not code")
    assert query_cache.source_digest(tmp_path) == first
    module.write_text("X = 2\n")
    assert query_cache.source_digest(tmp_path) != first


def test_the_cache_location_follows_the_setting(monkeypatch, tmp_path):
    monkeypatch.setenv("INFLUSCOPE_QUERY_CACHE", "off")
    assert query_cache.directory() is None
    monkeypatch.setenv("INFLUSCOPE_QUERY_CACHE", str(tmp_path / "q"))
    assert query_cache.directory() == tmp_path / "q"
    monkeypatch.setenv("INFLUSCOPE_QUERY_CACHE", "")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert query_cache.directory() == tmp_path / "xdg" / "influscope" / "queries"
    from influscope import config

    config.configure(query_cache="off")
    assert query_cache.directory() is None


@pytest.mark.parametrize("value, kind", [
    (dt.datetime(2024, 1, 2, 3, 4, 5), "timestamp"),
    (dt.datetime(2024, 1, 2, 3, 4, 5, 120), "timestamp"),
    (dt.datetime(2024, 1, 2, tzinfo=dt.timezone.utc), "timestamp"),
    (dt.datetime(2024, 1, 2, tzinfo=dt.timezone(dt.timedelta(hours=8))), "timestamp"),
    (dt.date(2024, 1, 2), "timestamp"),
    ("2024-01-02T03:00:00", "timestamp"),
    (dt.date(2024, 1, 2), "date"),
    (dt.datetime(2024, 1, 2, 5), "date"),
    (dt.time(13, 5, 7), "time"),
])
def test_times_are_bound_on_sqlite_as_ibis_writes_them(value, kind):
    import ibis
    import ibis.expr.datatypes as idt
    import ibis.expr.operations as ops

    compiler = ibis.sqlite.connect().compiler
    literal = ops.Literal(value, idt.dtype(kind))
    written = compiler.visit_Literal(literal, value=literal.value, dtype=literal.dtype)
    assert prepared.sqlite_time_text(value, kind) == written.this


def test_the_connection_lists_tables_as_ibis_does(store):
    from influscope.kpi.backends import connect, disconnecting

    with disconnecting(connect(store)) as con:
        names = con.table_names()
        assert not con.has_backend
        assert sorted(names) == sorted(con.backend.list_tables())
        assert "clicks" in names


def test_the_schema_check_reads_the_version_table_and_remembered_heads(store, cache_dir):
    from alembic.runtime.migration import MigrationContext

    from influscope.db import engine as db

    with store.connect() as conn:
        assert db.current_revisions(store) == set(MigrationContext.configure(conn).get_current_heads())
    assert db.known_heads() == db.heads() == db.current_revisions(store)
    assert query_cache.stats()["stored"] == 1
    assert db.known_heads() == db.heads() and query_cache.stats()["hits"] == 1


def test_an_empty_database_has_no_revision(tmp_path):
    from influscope.db import engine as db

    empty = db.make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    assert db.current_revisions(empty) == set()
    empty.dispose()


_WRITER = """
import json, os, sys
from influscope.kpi import query_cache
seen = set()
for i in range(200):
    query_cache.store("shared", {"sql": "x" * 5000 + str(i % 7), "n": i % 7})
    entry = query_cache.load("shared")
    assert entry is not None and entry["sql"] == "x" * 5000 + str(entry["n"]), entry
    seen.add(entry["n"])
print(json.dumps(query_cache.stats()))
"""


def test_many_processes_write_and_read_one_entry_at_once(tmp_path):
    env = {**os.environ, "INFLUSCOPE_QUERY_CACHE": str(tmp_path / "cache"), "PYTHONPATH": str(REPO / "src")}
    procs = [subprocess.Popen([sys.executable, "-c", _WRITER], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for _ in range(4)]
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err[-2000:]
        stats = json.loads(out.strip().splitlines()[-1])
        assert stats["hits"] == 200 and stats["errors"] == 0 and stats["stored"] == 200
    assert not list((tmp_path / "cache").glob("*/.tmp-*")), "temporary files left behind"
