"""Large inserts of the bundle importer go through a staged SQLite file (written from the Arrow
columns by the ADBC driver, copied by SQLite inside the import's transaction): the stored rows are
those of the row-by-row path, and a failure anywhere leaves nothing behind."""

from __future__ import annotations

import datetime as dt
import gc
import random
import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa

from influscope.db.engine import get_engine
from influscope.ingest import bulk_sqlite, canonical
from influscope.ingest.canonical import import_bundle

CAMPAIGN = "id: spring\nname: Spring\ngoal: bofu\nstart: 2026-03-01\nend: 2026-03-31\ntimezone: Asia/Taipei\ncurrency: TWD\n"
TABLES = ("creators", "creator_accounts", "links", "posts", "post_metrics", "clicks", "click_days",
          "orders", "leads", "comments", "traffic", "follower_snapshots")


def make_bundle(path: Path, clicks: int = 3000, seed: int = 7) -> Path:
    """A campaign with returning visitors (several hits per visitor and link, some at the same
    instant), bots, blank and quoted cells, orders with money, comments and daily counts."""
    rng = random.Random(seed)
    path.mkdir(parents=True, exist_ok=True)
    t0 = dt.datetime(2026, 3, 1)
    (path / "campaign.yaml").write_text(CAMPAIGN)
    (path / "creators.csv").write_text("creator_id,platform,handle,name\n" + "".join(
        f"c{i},instagram,creator.{i},Creator {i}\n" for i in range(5)))
    (path / "links.csv").write_text("link_id,creator_id,platform,destination_url\n" + "".join(
        f"l{i},c{i % 5},instagram,https://shop.example.com/p{i}\n" for i in range(8)))
    (path / "posts.csv").write_text("post_id,creator_id,platform,as_of,views\n" + "".join(
        f"p{i},c{i % 5},instagram,2026-03-0{1 + i % 9}T00:00:00Z,{i * 10}\n" for i in range(10)))
    visitors = [f"{rng.getrandbits(64):016x}" for _ in range(clicks // 4)]
    rows = []
    for i in range(clicks):
        when = t0 + dt.timedelta(seconds=rng.randrange(3 * 86400))
        if i and rng.random() < 0.05:
            when = dt.datetime.fromisoformat(rows[-1][2].rstrip("Z"))  # the same instant as the hit before
        rows.append((f"k{rng.getrandbits(40):010x}", f"l{rng.randrange(8)}", when.isoformat() + "Z",
                     rng.choice(("true", "false", "false", "")), rng.choice([*visitors[:50], ""]),
                     rng.choice(("TW", "US", "")), rng.choice(("https://l.instagram.com/", "", '"a, b"'))))
    (path / "clicks.csv").write_text("click_id,link_id,ts,is_bot,visitor_hash,country,referrer\n" + "".join(
        ",".join(r) + "\n" for r in rows))
    (path / "orders.csv").write_text("order_id,created_at,currency,subtotal,tax,status,discount_codes,new_customer\n" + "".join(
        f"o{i},{(t0 + dt.timedelta(minutes=i)).isoformat()}+08:00,TWD,{rng.randrange(100, 9999)}.{rng.randrange(100):02d},"
        f"{rng.choice(('', '12.5'))},{rng.choice(('paid', 'refunded'))},{rng.choice(('', 'MEI15', 'A B'))},"
        f"{rng.choice(('true', 'false', ''))}\n" for i in range(clicks // 3)))
    (path / "comments.csv").write_text("comment_id,post_id,author,text,ts,likes\n" + "".join(
        f"m{i},p{i % 10},user{i},\"said \"\"hi\"\", {i}\",2026-03-02T10:00:00Z,{i % 7}\n" for i in range(clicks // 3)))
    (path / "traffic.csv").write_text("date,source,medium,sessions\n" + "".join(
        f"{dt.date(2026, 1, 1) + dt.timedelta(days=i // 3)},s{i % 3},m,{i}\n" for i in range(clicks // 3)))
    return path


def dump(engine: sa.Engine) -> dict[str, list[tuple]]:
    """Every row of TABLES (without the times a row was made at, which differ between two imports)."""
    out = {}
    with engine.connect() as conn:
        for name in TABLES:
            names = [r[1] for r in conn.exec_driver_sql(f'PRAGMA table_info("{name}")')]
            kept = [c for c in names if name == "orders" or c not in ("created_at", "updated_at")]
            out[name] = conn.exec_driver_sql(f'SELECT {", ".join(kept)} FROM "{name}" ORDER BY 1, 2, 3').fetchall()
    return out


def test_staged_inserts_store_what_the_row_by_row_path_stores(tmp_path, monkeypatch):
    bundle = make_bundle(tmp_path / "bundle")
    got = {}
    for name, stage_from in (("rows", 10**9), ("staged", 1)):
        monkeypatch.setattr(bulk_sqlite, "STAGE_FROM", stage_from)
        monkeypatch.setattr(bulk_sqlite, "COPY_ROWS", 700)  # several copies, each telling its progress
        engine = get_engine(f"sqlite:///{tmp_path / name}.db")
        told = canonical.ImportProgress()
        report = import_bundle(engine, bundle, progress=told)
        assert report.files["clicks.csv"].inserted == 3000
        assert told.phase == "done" and told.rows == told.total
        got[name] = dump(engine)
        with engine.connect() as conn:  # kept as SQLAlchemy keeps them: re-reading gives the same values
            assert conn.exec_driver_sql("SELECT DISTINCT typeof(ts), typeof(is_bot) FROM clicks").fetchall() == [
                ("text", "integer")]
        assert import_bundle(engine, bundle).changes == 0  # the stored values compare equal to the file's
        engine.dispose()
    for name in TABLES:
        assert got["staged"][name] == got["rows"][name], name
    assert len(got["staged"]["clicks"]) == 3000 and len(got["staged"]["orders"]) == 1000


def _scratch(tmp_path: Path, monkeypatch) -> Path:
    """Staged files go to a folder of the test's own."""
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    real = bulk_sqlite.tempfile.mkdtemp
    monkeypatch.setattr(bulk_sqlite.tempfile, "mkdtemp", lambda prefix="": real(prefix=prefix, dir=scratch))
    return scratch


def test_a_failure_after_the_staged_files_are_copied_leaves_nothing_behind(tmp_path, monkeypatch):
    bundle = make_bundle(tmp_path / "bundle")
    scratch = _scratch(tmp_path, monkeypatch)
    monkeypatch.setattr(bulk_sqlite, "STAGE_FROM", 1)
    engine = get_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    empty = dump(engine)
    copied = []
    real_staged = bulk_sqlite._insert_staged

    def staged(*args, **kwargs):
        real_staged(*args, **kwargs)
        copied.append(args[2])

    def fail(*_args, **_kwargs):
        raise RuntimeError("the disk went away")

    monkeypatch.setattr(bulk_sqlite, "_insert_staged", staged)
    monkeypatch.setattr(canonical.click_rollups, "follow_zones", fail)  # after every file was written
    with pytest.raises(RuntimeError, match="the disk went away"):
        import_bundle(engine, bundle)
    assert {"clicks", "orders", "comments", "traffic"} <= set(copied)
    assert dump(engine) == empty
    assert list(scratch.iterdir()) == []  # the staged files are gone
    with engine.connect() as conn:  # the pooled connection has nothing attached any more
        assert [r[1] for r in conn.exec_driver_sql("PRAGMA database_list") if r[1] != "temp"] == ["main"]
    monkeypatch.undo()
    monkeypatch.setattr(bulk_sqlite, "STAGE_FROM", 1)
    assert import_bundle(engine, bundle).files["clicks.csv"].inserted == 3000  # the same connection, again
    with engine.connect() as conn:
        assert [r[1] for r in conn.exec_driver_sql("PRAGMA database_list") if r[1] != "temp"] == ["main"]
    engine.dispose()


def test_a_problem_in_the_file_is_found_before_anything_is_staged(tmp_path, monkeypatch):
    bundle = make_bundle(tmp_path / "bundle")
    with (bundle / "clicks.csv").open("a") as fh:
        fh.write("kbad,l1,2026-02-30T10:00:00Z,false,,,\n")
    scratch = _scratch(tmp_path, monkeypatch)
    engine = get_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    with pytest.raises(canonical.BundleError) as err:
        import_bundle(engine, bundle)
    assert str(err.value).startswith("clicks.csv:3002: ts: ")
    assert list(scratch.iterdir()) == []
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM clicks").scalar() == 0
    engine.dispose()


@pytest.mark.clickhouse
def test_with_the_event_store_a_failing_click_insert_leaves_nothing_in_either_store(tmp_path, monkeypatch):
    from influscope.events import clicks as event_clicks
    from influscope.events import store

    gc.collect()  # chdb allows one engine path per process
    events = f"chdb://{tmp_path / 'events'}"
    monkeypatch.setenv("INFLUSCOPE_EVENTS_URL", events)
    bundle = make_bundle(tmp_path / "bundle")
    scratch = _scratch(tmp_path, monkeypatch)
    monkeypatch.setattr(bulk_sqlite, "STAGE_FROM", 1)
    engine = get_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    empty = dump(engine)
    try:
        real_insert = event_clicks._insert

        def fail(*_args, **_kwargs):
            raise RuntimeError("the event store refused the insert")

        monkeypatch.setattr(event_clicks, "_insert", fail)
        with pytest.raises(RuntimeError, match="refused"):
            import_bundle(engine, bundle)
        assert dump(engine) == empty  # the orders, comments and traffic staged before are rolled back
        assert list(scratch.iterdir()) == []
        with store.session(store.parse(events)) as client:
            assert client.query("SELECT count() FROM clicks").result_rows == [(0,)]
        monkeypatch.setattr(event_clicks, "_insert", real_insert)
        report = import_bundle(engine, bundle)
        assert report.files["clicks.csv"].inserted == 3000 and report.files["orders.csv"].inserted == 1000
        with store.session(store.parse(events)) as client:
            assert client.query("SELECT count() FROM clicks").result_rows == [(3000,)]
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM clicks").scalar() == 0
            assert [r[1] for r in conn.exec_driver_sql("PRAGMA database_list") if r[1] != "temp"] == ["main"]
    finally:
        engine.dispose()
        store.close_all()


def test_the_staged_file_is_a_plain_sqlite_file_the_driver_wrote(tmp_path, monkeypatch):
    """What is attached is an ordinary SQLite file (the driver's own copy of SQLite wrote it)."""
    bundle = make_bundle(tmp_path / "bundle", clicks=600)
    monkeypatch.setattr(bulk_sqlite, "STAGE_FROM", 1)
    seen = []
    real_staged = bulk_sqlite._insert_staged

    def staged(cur, state, table, *args, **kwargs):
        real_staged(cur, state, table, *args, **kwargs)
        path = state.folder / f"{state.attached[-1]}.db"
        with sqlite3.connect(path) as other:
            seen.append((table, other.execute("SELECT count(*) FROM staged_rows").fetchone()[0]))
        other.close()

    monkeypatch.setattr(bulk_sqlite, "_insert_staged", staged)
    engine = get_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    import_bundle(engine, bundle)
    engine.dispose()
    assert ("clicks", 600) in seen and ("orders", 200) in seen
