"""Unique-click window flags kept by every writer equal a full recomputation from the raw hits."""

from __future__ import annotations

import datetime as dt
import random

import sqlalchemy as sa

from influscope.auth import privacy
from influscope.db import tables as t
from influscope.metrics import click_rollups
from influscope.metrics import unique_windows as uw
from influscope.tracking import sink as sinks
from tests.tracking.conftest import seed

T0 = dt.datetime(2026, 3, 2, 8, 0)


def _link(engine, ws: int, campaign: int, slug: str = "s1") -> int:
    with engine.begin() as conn:
        return conn.execute(t.links.insert().values(workspace_id=ws, campaign_id=campaign, slug=slug,
                                                    destination_url="https://x.example/", paid=False,
                                                    created_at=T0)).inserted_primary_key[0]


def _hit(ws: int, link: int, minute: float, visitor: str | None, bot: bool = False, key: str | None = None):
    ts = T0 + dt.timedelta(minutes=minute)
    return sinks.Click(ws, key or f"k{link}-{visitor}-{minute}-{int(bot)}", link, ts, bot, "x" if bot else None,
                       visitor, "TW", "mobile", None, None, None, None)


def _stored(engine, ws: int) -> dict[int, tuple]:
    c = t.clicks
    with engine.connect() as conn:
        return {r[0]: tuple(bool(x) if x is not None else None for x in r[1:])
                for r in conn.execute(sa.select(c.c.id, *(c.c[f] for f in uw.FLAG_COLUMNS))
                                      .where(c.c.workspace_id == ws))}


def _expected(engine, ws: int) -> dict[int, tuple]:
    with engine.connect() as conn:
        return uw.recompute(conn, ws)


def _count(engine, ws: int, column: str) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(t.clicks).where(
            t.clicks.c.workspace_id == ws, t.clicks.c[column].is_(True))).scalar_one()


def test_windows_open_at_the_first_hit_and_again_after_their_length(engine):
    ids = seed(engine)
    ws, link = ids["workspace"], _link(engine, ids["workspace"], ids["campaign"])
    # one visitor: 0, 20, 40 (same 30-minute window as 0? no: 40 >= 0 + 30 opens), 61, 90, 130 minutes;
    # a bot hit at 10; a hit without visitor at 5
    hits = [_hit(ws, link, m, "v") for m in (0, 20, 40, 61, 90, 130)]
    hits += [_hit(ws, link, 10, "v", bot=True), _hit(ws, link, 5, None)]
    sinks.SQLAlchemyBatchWriter(engine).write(hits)
    # 30m over humans: 0, 40, 90, 130 open (20 < 30; 61 < 40 + 30), plus the visitor-less hit
    assert _count(engine, ws, "unique_30m") == 5
    # 1h: 0, 61, 130 (90 < 61 + 60) + 1
    assert _count(engine, ws, "unique_1h") == 4
    assert _count(engine, ws, "unique_1d") == 2
    # with bots the bot hit at 10 falls in the window opened at 0 (30m: 0, 40, 90, 130; 10 does not open)
    assert _count(engine, ws, "unique_30m_with_bots") == 5
    assert _stored(engine, ws) == _expected(engine, ws)


def _random_hits(ws: int, links: list[int], n: int, rng: random.Random) -> list[sinks.Click]:
    out = []
    for i in range(n):
        visitor = rng.choice(["a", "b", "c", "d", None])
        out.append(_hit(ws, rng.choice(links), rng.uniform(0, 3000), visitor, bot=rng.random() < 0.15,
                        key=f"h{i:05d}"))
    return out


def test_writers_keep_the_flags_of_a_full_recomputation_when_hits_arrive_out_of_order(any_engine):
    engine = any_engine
    ids = seed(engine)
    ws = ids["workspace"]
    links = [_link(engine, ws, ids["campaign"], f"s{i}") for i in range(3)]
    rng = random.Random(3)
    hits = _random_hits(ws, links, 400, rng)
    rng.shuffle(hits)  # later batches hold earlier hits: their later neighbours must be re-derived
    writer = sinks.SQLAlchemyBatchWriter(engine)
    for i in range(0, len(hits), 37):
        writer.write(hits[i:i + 37])
    assert _stored(engine, ws) == _expected(engine, ws)
    if engine.dialect.name == "sqlite":  # the redirect's own path: raw sqlite3 in the sink's transaction
        conn = sinks._sqlite_connect(engine.url.database)
        more = _random_hits(ws, links, 300, random.Random(4))
        more = [h._replace(key="r" + h.key) for h in more]
        for i in range(0, len(more), 29):
            sinks.sqlite_insert(conn, more[i:i + 29])
        conn.close()
        assert _stored(engine, ws) == _expected(engine, ws)


def test_rebuild_restores_the_flags_and_counts_what_changed(engine):
    ids = seed(engine)
    ws = ids["workspace"]
    links = [_link(engine, ws, ids["campaign"], f"s{i}") for i in range(2)]
    sinks.SQLAlchemyBatchWriter(engine).write(_random_hits(ws, links, 200, random.Random(5)))
    good = _stored(engine, ws)
    with engine.begin() as conn:
        conn.execute(t.clicks.update().values(unique_1h=None, unique_1d_with_bots=False))
        changed = uw.rebuild(conn, ws)
    assert changed == 200
    assert _stored(engine, ws) == good
    with engine.begin() as conn:
        assert uw.rebuild(conn, ws) == 0


def test_retention_re_derives_the_hits_after_the_horizon(engine):
    ids = seed(engine)
    ws = ids["workspace"]
    link = _link(engine, ws, ids["campaign"])
    sinks.SQLAlchemyBatchWriter(engine).write(_random_hits(ws, [link], 300, random.Random(6)))
    with engine.begin() as conn:
        conn.execute(privacy.data_policies.insert().values(workspace_id=ws, click_retention_days=1))
    privacy.apply_retention(engine, now=T0 + dt.timedelta(minutes=1500, days=1))
    assert _stored(engine, ws) == _expected(engine, ws)


def test_the_bundle_importer_keeps_the_flags(engine, tmp_path):
    from influscope.demo import create_demo

    create_demo(engine, scale=0.05)
    with engine.connect() as conn:
        ws = conn.execute(sa.select(t.workspaces.c.id).where(t.workspaces.c.slug == "demo")).scalar_one()
    stored = _stored(engine, ws)
    assert stored and None not in {f for flags in stored.values() for f in flags}
    assert stored == _expected(engine, ws)


def test_link_statistics_count_from_the_kept_flags_on_every_store(any_engine):
    from influscope.tracking.stats import campaign_link_stats

    ids = seed(any_engine)
    ws = ids["workspace"]
    links = [_link(any_engine, ws, ids["campaign"], f"s{i}") for i in range(2)]
    hits = _random_hits(ws, links, 250, random.Random(8))
    sinks.SQLAlchemyBatchWriter(any_engine).write(hits)
    # the same counts straight from the definition, over the raw hits
    for window, seconds in uw.WINDOWS.items():
        for with_bots in (False, True):
            opened: dict = {}
            expected = 0
            for h in sorted(hits, key=lambda h: (h.ts, h.key)):
                if h.is_bot and not with_bots:
                    continue
                if h.visitor_hash is None:
                    expected += 1
                    continue
                last = opened.get((h.link_id, h.visitor_hash))
                if last is None or (h.ts - last).total_seconds() >= seconds:
                    opened[(h.link_id, h.visitor_hash)] = h.ts
                    expected += 1
            stats = campaign_link_stats(any_engine, "spring", unique_window=window, include_bots=with_bots)
            assert stats.totals.unique_clicks == expected
            assert sum(c.unique_clicks for c in stats.breakdowns["day"].values()) == expected
            assert sum(c.clicks for c in stats.breakdowns["link"].values()) == stats.totals.clicks
    assert stats.totals.bot_clicks == sum(h.is_bot for h in hits)


def test_the_redirect_writer_flags_a_batch_with_one_read_per_link(engine):
    """The redirect's SQLite writer reads the stored hits of a batch's visitors once per link, writes the new
    hits with their flags, and updates only stored hits whose flags change: a later hit of the same visitor
    (written by another process) and none else."""
    ids = seed(engine)
    ws = ids["workspace"]
    link, other = _link(engine, ws, ids["campaign"], "s1"), _link(engine, ws, ids["campaign"], "s2")
    conn = sinks._sqlite_connect(engine.url.database)
    statements: list[str] = []
    conn.set_trace_callback(statements.append)
    sinks.sqlite_insert(conn, [_hit(ws, link, 50, "later"), _hit(ws, link, 0, "old")])
    statements.clear()
    # 40 first-time visitors over two links, one visitor three times (a bot among them), one visitor-less hit,
    # a returning visitor, and an earlier hit of a visitor whose later hit is stored
    batch = [_hit(ws, (link, other)[i % 2], 10, f"new{i}") for i in range(40)]
    batch += [_hit(ws, link, m, "thrice", bot=m == 12) for m in (11, 12, 45)]
    batch += [_hit(ws, link, 10, None), _hit(ws, link, 20, "old"), _hit(ws, link, 30, "later")]
    sinks.sqlite_insert(conn, batch)
    conn.close()
    reads = [s for s in statements if s.startswith("SELECT") and "FROM clicks" in s]
    updates = [s for s in statements if s.startswith("UPDATE")]
    assert len(reads) == 2  # one per link
    assert len(updates) == 1  # the stored hit at minute 50 no longer opens its 30-minute window
    assert _stored(engine, ws) == _expected(engine, ws)
    # the click rollups: one read of the links' time zones, one upsert of the link-days
    assert len([s for s in statements if s.startswith("SELECT") and "FROM links" in s]) == 1
    assert len([s for s in statements if s.startswith("INSERT INTO click_days")]) >= 1
    with engine.connect() as c:
        assert click_rollups.stored(c, ws) == click_rollups.recompute(c, ws)


def test_flags_from_whole_columns_equal_the_hit_by_hit_derivation():
    import numpy as np

    rng = random.Random(5)
    for _ in range(200):
        rows = []
        for i in range(rng.randrange(1, 80)):
            seconds = rng.choice([0, 1, 1799, 1800, 3599, 3600, 86399, 86400, rng.randrange(300_000)])
            rows.append((i + 1, T0 + dt.timedelta(seconds=seconds), f"k{rng.randrange(10**4):04d}-{i}",
                         rng.random() < 0.3, rng.randrange(1, 4), rng.choice([None, "a", "b", "c"])))
        expected: dict[int, tuple] = {}
        pairs: dict[tuple, list] = {}
        for r in rows:
            if r[5] is None:
                expected[r[0]] = uw._single_hit_flags(r[3])
            else:
                pairs.setdefault((r[4], r[5]), []).append((*r[:4], *(None,) * len(uw.FLAG_COLUMNS)))
        for group in pairs.values():
            expected.update(dict(uw._flags(group, None)))
        micro = np.array([(r[1] - dt.datetime(1970, 1, 1)) // dt.timedelta(microseconds=1) for r in rows])
        got = uw.flags_of(np.array([r[4] for r in rows]), [r[5] for r in rows], micro, [r[2] for r in rows],
                          np.array([r[3] for r in rows]))
        assert {r[0]: tuple(bool(x) for x in got[i]) for i, r in enumerate(rows)} == expected


def test_importing_hits_onto_links_that_have_hits_derives_them_again(engine, tmp_path):
    """A first import derives the flags from its columns; later imports of earlier, later and
    changed hits on the same links (and hits from the redirect in between) re-derive them."""
    from influscope.ingest.canonical import import_bundle

    bundle = tmp_path / "b"
    bundle.mkdir()
    (bundle / "campaign.yaml").write_text("id: w\nname: W\ngoal: mofu\nstart: 2026-03-01\nend: 2026-03-31\n"
                                          "currency: USD\n")
    (bundle / "links.csv").write_text("link_id,destination_url\nw1,https://shop.example.com/\n"
                                      "w2,https://shop.example.com/\n")
    rng = random.Random(9)

    def clicks(first: int, n: int, start_minute: int) -> str:
        lines = ["click_id,link_id,ts,is_bot,visitor_hash"]
        for i in range(first, first + n):
            ts = T0 + dt.timedelta(minutes=start_minute + rng.randrange(3000))
            lines.append(f"c{i},w{rng.randrange(1, 3)},{ts.isoformat()}Z,{rng.choice(['true', 'false', 'false'])},"
                         f"{rng.choice(['', 'v1', 'v2', 'v3'])}")
        return "\n".join(lines) + "\n"

    (bundle / "clicks.csv").write_text(clicks(0, 300, 0))
    import_bundle(engine, bundle)
    with engine.connect() as conn:
        ws = conn.execute(sa.select(t.workspaces.c.id).where(t.workspaces.c.slug == "default")).scalar_one()
    assert _stored(engine, ws) == _expected(engine, ws)
    with engine.connect() as conn:
        link = conn.execute(sa.select(t.links.c.id).where(t.links.c.key == "w1")).scalar_one()
    sinks.SQLAlchemyBatchWriter(engine).write([_hit(ws, link, m, "v1") for m in (10, 70, 100)])
    (bundle / "clicks.csv").write_text(clicks(300, 200, -2000))  # earlier hits of the same visitors
    import_bundle(engine, bundle)
    assert _stored(engine, ws) == _expected(engine, ws)
    text = (bundle / "clicks.csv").read_text().replace("T0", "T1").replace(",true,", ",false,")
    (bundle / "clicks.csv").write_text(text)  # the same hits, now humans: updated
    report = import_bundle(engine, bundle)
    assert report.files["clicks.csv"].updated > 0
    assert _stored(engine, ws) == _expected(engine, ws)
    assert import_bundle(engine, bundle).changes == 0
