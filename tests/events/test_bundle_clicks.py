"""A bundle's clicks imported into the event store (chdb, in this process): the same rows and
unique-window flags as on SQLite alone, nothing left in either store when the import fails midway
or its commit fails, and a re-import that writes nothing."""

from __future__ import annotations

import datetime as dt
import random
import re

import pytest
import sqlalchemy as sa

from influscope.events import clicks, store
from influscope.ingest.canonical import BundleError, ImportProgress, import_bundle
from tests.events.support import sqlite_then_events
from tests.events.test_store import chdb  # noqa: F401  (fixture)
from tests.kpi import handmade

pytestmark = pytest.mark.clickhouse

LINKS = "link_id,creator_id,platform,destination_url\namy-ig,amy,instagram,https://shop.example.com/\n" \
        "ben-ig,ben,instagram,https://shop.example.com/\n"
COLUMNS = ("key", "link_id", "ts", "is_bot", "visitor_hash", "country", *clicks.FLAGS)


def _clicks_csv(n: int, seed: int, *, start: int = 0) -> str:
    """N clicks on the hand-made bundle's two links: returning visitors (some within a window, some
    after it), bots, hits without a visitor, and hits of one visitor at the same instant."""
    rnd = random.Random(seed)
    t0 = dt.datetime(2026, 3, 1)
    rows = ["click_id,link_id,ts,is_bot,visitor_hash,country"]
    last = (t0, "v1", "amy-ig")
    for i in range(start, start + n):
        ts = t0 + dt.timedelta(seconds=rnd.randrange(0, 2 * 86400))
        if i % 17 == 0 and i > start:  # the previous row's visitor and time again
            ts, visitor, link = last
        else:
            visitor = rnd.choice(["v1", "v2", "v3", "v4", "v5", ""])
            link = rnd.choice(["amy-ig", "ben-ig"])
        last = (ts, visitor, link)
        rows.append(f"k{i:05d},{link},{ts.isoformat()}Z,{'true' if rnd.random() < 0.15 else 'false'},{visitor},"
                    f"{rnd.choice(['TW', 'US', ''])}")
    return "\n".join(rows) + "\n"


def _bundle(path, clicks_csv: str):
    return handmade.write(path, {"creators.csv": handmade.FILES["creators.csv"], "links.csv": LINKS,
                                 "clicks.csv": clicks_csv})


def _sqlite_rows(engine) -> dict[str, tuple]:
    with engine.connect() as conn:
        rows = conn.execute(sa.text(
            f"SELECT c.key, l.key, c.ts, c.is_bot, c.visitor_hash, c.country, {', '.join('c.' + f for f in clicks.FLAGS)} "
            "FROM clicks c JOIN links l ON l.id = c.link_id")).all()
    return {r[0]: (r[1], dt.datetime.fromisoformat(str(r[2])).replace(tzinfo=None), bool(r[3]), r[4], r[5],
                   *(bool(x) for x in r[6:])) for r in rows}


def _event_rows(where, engine) -> dict[str, tuple]:
    with engine.connect() as conn:
        slugs = dict(conn.execute(sa.text("SELECT id, key FROM links")).all())
    with store.session(where) as client:
        rows = client.query(f"SELECT {', '.join(COLUMNS)} FROM clicks").result_rows
    return {r[0]: (slugs[r[1]], r[2].replace(tzinfo=None), bool(r[3]), r[4], r[5], *(bool(x) for x in r[6:]))
            for r in rows}


def _physical_rows(where) -> int:
    """Rows in the clicks table before merging (a write of unchanged rows would add some)."""
    with store.session(where) as client:
        return client.query("SELECT count() FROM clicks", settings={"final": 0}).result_rows[0][0]


def _state(where, engine) -> tuple:
    with engine.connect() as conn:
        links = conn.execute(sa.text("SELECT count(*) FROM links")).scalar()
    with store.session(where) as client:
        versions = client.query("SELECT key, version FROM clicks ORDER BY key").result_rows
    return links, _event_rows(where, engine), versions


@pytest.mark.parametrize("slices", [1, 3], ids=["one-insert", "slices-side-by-side"])
def test_the_event_store_keeps_the_rows_and_flags_of_sqlite(chdb, tmp_path, monkeypatch, slices):  # noqa: F811
    monkeypatch.setattr(clicks, "_SLICE_ROWS", 200)  # 600 rows: three slices from three threads
    monkeypatch.setattr(clicks, "_INSERT_THREADS", slices)
    text = _clicks_csv(600, 1)
    found = {}
    progress = {}
    for name, engine in sqlite_then_events(tmp_path, monkeypatch, chdb.url):
        seen = progress[name] = ImportProgress()
        report = import_bundle(engine, _bundle(tmp_path / name, text), workspace="w", progress=seen)
        assert report.files["clicks.csv"].inserted == 600
        assert seen._files["clicks.csv"] == [600, 600]
        found[name] = _sqlite_rows(engine) if name == "sqlite" else _event_rows(chdb, engine)
    assert len(found["events"]) == 600
    assert found["events"] == found["sqlite"]
    # the file has windows to find: repeated hits inside a window, and hits at the same instant
    assert 0 < sum(r[6] for r in found["events"].values()) < 600
    with store.session(chdb) as client:  # one part per slice (before any merge)
        parts = client.query("SELECT count() FROM system.parts WHERE table = 'clicks' AND active").result_rows[0][0]
    assert parts >= slices


def test_a_second_file_onto_stored_hits_gives_the_flags_of_one_import(chdb, tmp_path, monkeypatch):  # noqa: F811
    """Late and changed hits: the stored hits' flags are derived again with the new ones."""
    first, second = _clicks_csv(300, 2), _clicks_csv(300, 3, start=150)  # 150 clicks again, changed
    found = {}
    for name, engine in sqlite_then_events(tmp_path, monkeypatch, chdb.url):
        import_bundle(engine, _bundle(tmp_path / f"{name}-1", first), workspace="w")
        report = import_bundle(engine, _bundle(tmp_path / f"{name}-2", second), workspace="w")
        counts = report.files["clicks.csv"]
        found[name] = ((counts.inserted, counts.updated, counts.unchanged),
                       _sqlite_rows(engine) if name == "sqlite" else _event_rows(chdb, engine))
    assert found["events"] == found["sqlite"]
    assert found["events"][0][0] == 150 and found["events"][0][1] > 0


def test_a_re_import_writes_nothing(chdb, tmp_path, monkeypatch):  # noqa: F811
    monkeypatch.setenv("INFLUSCOPE_EVENTS_URL", chdb.url)
    from influscope.db.engine import get_engine

    engine = get_engine(f"sqlite:///{tmp_path / 'ops.db'}")
    bundle = _bundle(tmp_path / "b", _clicks_csv(400, 4))
    import_bundle(engine, bundle, workspace="w")
    before, rows = _physical_rows(chdb), _state(chdb, engine)
    report = import_bundle(engine, bundle, workspace="w")
    assert report.changes == 0
    assert report.files["clicks.csv"].unchanged == 400
    assert _physical_rows(chdb) == before == 400
    assert _state(chdb, engine) == rows
    engine.dispose()


def _fail_after_writing(monkeypatch):
    """The event store's insert writes its rows, then fails (as an insert that dies after a part)."""
    real = clicks._insert_rows
    calls = []

    def insert_then_fail(client, where, rows):
        real(client, where, rows)
        calls.append(len(rows))
        if len(calls) == 1:
            raise RuntimeError("the event store went away")

    monkeypatch.setattr(clicks, "_insert_rows", insert_then_fail)
    return calls


@pytest.mark.parametrize("stored", [False, True], ids=["fresh", "onto-stored-hits"])
def test_an_insert_that_fails_midway_leaves_neither_store_changed(chdb, tmp_path, monkeypatch, stored):  # noqa: F811
    monkeypatch.setenv("INFLUSCOPE_EVENTS_URL", chdb.url)
    from influscope.db.engine import get_engine

    engine = get_engine(f"sqlite:///{tmp_path / 'ops.db'}")
    if stored:
        import_bundle(engine, _bundle(tmp_path / "first", _clicks_csv(300, 5)), workspace="w")
    before = _state(chdb, engine)
    calls = _fail_after_writing(monkeypatch)
    changed = _bundle(tmp_path / "second", _clicks_csv(300, 6, start=100))
    changed.joinpath("links.csv").write_text(LINKS + "new-ig,amy,instagram,https://x.example/\n")
    with pytest.raises(RuntimeError, match="went away"):
        import_bundle(engine, changed, workspace="w")
    assert calls and calls[0] > 0  # rows did reach the event store before the failure
    assert _state(chdb, engine) == before
    engine.dispose()


def test_a_slice_that_fails_takes_the_other_slices_back_out(chdb, tmp_path, monkeypatch):  # noqa: F811
    monkeypatch.setenv("INFLUSCOPE_EVENTS_URL", chdb.url)
    monkeypatch.setattr(clicks, "_SLICE_ROWS", 100)
    monkeypatch.setattr(clicks, "_INSERT_THREADS", 3)
    from influscope.db.engine import get_engine

    engine = get_engine(f"sqlite:///{tmp_path / 'ops.db'}")
    real = clicks._insert_python
    written = []

    def last_slice_fails(native, rows, target):
        if rows.column("key")[0].as_py() == "k00200":
            raise RuntimeError("the engine refused a slice")
        real(native, rows, target)
        written.append(len(rows))

    monkeypatch.setattr(clicks, "_insert_python", last_slice_fails)
    with pytest.raises(RuntimeError, match="refused a slice"):
        import_bundle(engine, _bundle(tmp_path / "b", _clicks_csv(300, 10)), workspace="w")
    assert written == [100, 100]  # the other two slices did reach the event store
    assert _physical_rows(chdb) == 0
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM links")).scalar() == 0
    engine.dispose()


def test_a_commit_that_fails_takes_the_clicks_back_out(chdb, tmp_path, monkeypatch):  # noqa: F811
    monkeypatch.setenv("INFLUSCOPE_EVENTS_URL", chdb.url)
    from influscope.db.engine import get_engine

    engine = get_engine(f"sqlite:///{tmp_path / 'ops.db'}")
    import_bundle(engine, _bundle(tmp_path / "first", _clicks_csv(200, 7)), workspace="w")
    before = _state(chdb, engine)

    def refuse(conn):
        raise sa.exc.OperationalError("COMMIT", {}, Exception("disk I/O error"))

    sa.event.listen(engine, "commit", refuse)
    with pytest.raises(sa.exc.OperationalError, match="disk I/O error"):
        import_bundle(engine, _bundle(tmp_path / "second", _clicks_csv(300, 8, start=100)), workspace="w")
    sa.event.remove(engine, "commit", refuse)
    assert _state(chdb, engine) == before
    # and the import goes through once the store commits again
    report = import_bundle(engine, _bundle(tmp_path / "third", _clicks_csv(300, 8, start=100)), workspace="w")
    assert report.files["clicks.csv"].inserted == 200
    engine.dispose()


def test_a_bad_cell_writes_nothing_to_the_event_store(chdb, tmp_path, monkeypatch):  # noqa: F811
    monkeypatch.setenv("INFLUSCOPE_EVENTS_URL", chdb.url)
    from influscope.db.engine import get_engine

    engine = get_engine(f"sqlite:///{tmp_path / 'ops.db'}")
    text = re.sub(r"^k00007,[a-z-]+,", "k00007,nope-link,", _clicks_csv(50, 9), flags=re.M)
    with pytest.raises(BundleError) as err:
        import_bundle(engine, _bundle(tmp_path / "b", text), workspace="w")
    assert "clicks.csv:9: link_id" in str(err.value)
    assert _physical_rows(chdb) == 0
    engine.dispose()
