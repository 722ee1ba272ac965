"""The clicks kept per link, local day and bot flag equal a full recomputation from the raw clicks
after every writer, on SQLite and PostgreSQL, and the KPI facts read them only in the campaign's zone."""

from __future__ import annotations

import datetime as dt
import random

import sqlalchemy as sa

from influscope.auth import privacy
from influscope.db import tables as t
from influscope.db.tracking import click_days
from influscope.metrics import click_rollups as cr
from influscope.metrics import unique_windows as uw
from influscope.tracking import sink as sinks
from tests.tracking.conftest import seed

T0 = dt.datetime(2026, 3, 6, 12, 0)  # 20:00 in Asia/Taipei; hits over three days cross local midnights


def _link(engine, ws: int, campaign: int, slug: str) -> int:
    with engine.begin() as conn:
        return conn.execute(t.links.insert().values(workspace_id=ws, campaign_id=campaign, slug=slug,
                                                    destination_url="https://x.example/", paid=False,
                                                    created_at=T0)).inserted_primary_key[0]


def _hits(ws: int, links: list[int], n: int, seed_: int, prefix: str = "h", start_minute: float = 0) -> list:
    rng = random.Random(seed_)
    out = []
    for i in range(n):
        bot = rng.random() < 0.15
        ts = T0 + dt.timedelta(minutes=start_minute + rng.uniform(0, 4300), microseconds=rng.randrange(10**6))
        out.append(sinks.Click(ws, f"{prefix}{i:05d}", rng.choice(links), ts, bot, "x" if bot else None,
                               rng.choice(["a", "b", "c", "d", "e", None]), "TW", "mobile", None, None, None, None,
                               "Mozilla/5.0 (iPhone)" if not bot else "Googlebot/2.1", ""))
    return out


def _check(engine, ws: int) -> dict:
    with engine.connect() as conn:
        got, want = cr.stored(conn, ws), cr.recompute(conn, ws)
        assert uw.recompute(conn, ws) == {r[0]: tuple(bool(x) for x in r[1:]) for r in conn.execute(
            sa.select(t.clicks.c.id, *(t.clicks.c[f] for f in uw.FLAG_COLUMNS)).where(t.clicks.c.workspace_id == ws))}
    assert got == want
    return got


def test_the_sink_keeps_the_rollups_exact_with_late_hits(any_engine):
    engine = any_engine
    ids = seed(engine)
    ws = ids["workspace"]
    links = [_link(engine, ws, ids["campaign"], f"s{i}") for i in range(3)]
    other = _link(engine, ws, ids["other_campaign"], "utc")  # a campaign in UTC
    hits = _hits(ws, links + [other], 500, 1)
    random.Random(2).shuffle(hits)  # later batches hold earlier hits: later neighbours change their flags
    writer = sinks.SQLAlchemyBatchWriter(engine)
    for i in range(0, len(hits), 41):
        writer.write(hits[i:i + 41])
    rows = _check(engine, ws)
    assert {zone for (_, zone, _, _) in rows} == {"Asia/Taipei", "UTC"}
    assert sum(v[0] for v in rows.values()) == 500
    if engine.dialect.name == "sqlite":  # the redirect's own writer: raw sqlite3 in the sink's transaction
        conn = sinks._sqlite_connect(engine.url.database)
        more = _hits(ws, links + [other], 300, 3, prefix="r", start_minute=-600)
        for i in range(0, len(more), 23):
            sinks.sqlite_insert(conn, more[i:i + 23])
        conn.close()
        assert sum(v[0] for v in _check(engine, ws).values()) == 800


def test_rebuild_makes_the_same_rows_and_the_days_follow_the_zone_offsets(any_engine):
    """A rebuild from the raw clicks (SQL) gives what the sink kept (Python); around a daylight-saving
    change too."""
    engine = any_engine
    ids = seed(engine)
    ws = ids["workspace"]
    with engine.begin() as conn:
        conn.execute(t.campaigns.update().where(t.campaigns.c.id == ids["other_campaign"])
                     .values(timezone="America/New_York"))
    ny = _link(engine, ws, ids["other_campaign"], "ny")
    tw = _link(engine, ws, ids["campaign"], "tw")
    # 2026-03-08: New York moves from UTC-5 to UTC-4 at 07:00 UTC; hits every 20 minutes over two days
    hits = [sinks.Click(ws, f"d{i}", (ny, tw)[i % 2], dt.datetime(2026, 3, 7, 0, 0) + dt.timedelta(minutes=20 * i),
                        i % 7 == 0, None, f"v{i % 5}", None, None, None, None, None, None) for i in range(150)]
    sinks.SQLAlchemyBatchWriter(engine).write(hits)
    kept = _check(engine, ws)
    with engine.begin() as conn:
        conn.execute(click_days.delete())
        assert cr.rebuild(conn, ws) == len(kept)
    assert _check(engine, ws) == kept
    # 04:59:59 UTC on the 8th is still the 7th in New York (UTC-5); 04:00 UTC on the 9th is the 9th (UTC-4)
    assert cr.day_number(dt.datetime(2026, 3, 8, 4, 59, 59), "America/New_York") == (dt.date(2026, 3, 7) - cr.EPOCH).days
    assert cr.day_number(dt.datetime(2026, 3, 9, 4, 0), "America/New_York") == (dt.date(2026, 3, 9) - cr.EPOCH).days


def test_the_importer_keeps_the_rollups_for_new_earlier_changed_and_moved_hits(any_engine, tmp_path):
    from influscope.ingest.canonical import import_bundle

    engine = any_engine
    bundle = tmp_path / "b"
    bundle.mkdir()
    (bundle / "campaign.yaml").write_text("id: w\nname: W\ngoal: mofu\nstart: 2026-03-01\nend: 2026-03-31\n"
                                          "currency: USD\ntimezone: Asia/Taipei\n")
    (bundle / "links.csv").write_text("link_id,destination_url\nw1,https://shop.example.com/\n"
                                      "w2,https://shop.example.com/\n")
    rng = random.Random(9)

    def clicks(first: int, n: int, start_minute: int, links=("w1", "w2")) -> str:
        lines = ["click_id,link_id,ts,is_bot,visitor_hash"]
        for i in range(first, first + n):
            ts = T0 + dt.timedelta(minutes=start_minute + rng.randrange(4000))
            lines.append(f"c{i},{rng.choice(links)},{ts.isoformat()}Z,{rng.choice(['true', 'false', 'false'])},"
                         f"{rng.choice(['', 'v1', 'v2', 'v3'])}")
        return "\n".join(lines) + "\n"

    (bundle / "clicks.csv").write_text(clicks(0, 300, 0))
    import_bundle(engine, bundle)  # links without hits: flags from the file's columns
    with engine.connect() as conn:
        ws = conn.execute(sa.select(t.workspaces.c.id).where(t.workspaces.c.slug == "default")).scalar_one()
        w1 = conn.execute(sa.select(t.links.c.id).where(t.links.c.key == "w1")).scalar_one()
    assert sum(v[0] for v in _check(engine, ws).values()) == 300
    sinks.SQLAlchemyBatchWriter(engine).write(_hits(ws, [w1], 20, 4, prefix="s"))
    (bundle / "clicks.csv").write_text(clicks(300, 200, -2000))  # earlier hits of the same visitors
    import_bundle(engine, bundle)
    _check(engine, ws)
    text = (bundle / "clicks.csv").read_text().replace(",w1,", ",w2,").replace(",true,", ",false,")
    (bundle / "clicks.csv").write_text(text)  # the same hits, now humans and all on w2: both links change
    assert import_bundle(engine, bundle).files["clicks.csv"].updated > 0
    rows = _check(engine, ws)
    assert sum(v[0] for (link, *_), v in rows.items() if link == w1) > 0  # the redirect's hits stay on w1
    assert sum(v[0] for v in rows.values()) == 520


def test_reclassifying_bots_moves_hits_between_the_bot_rows(any_engine):
    from influscope.tracking.reclassify import reclassify_clicks

    engine = any_engine
    ids = seed(engine)
    ws = ids["workspace"]
    links = [_link(engine, ws, ids["campaign"], f"s{i}") for i in range(2)]
    hits = _hits(ws, links, 200, 7)
    # stored with the opposite verdict of what the rules say about their agents
    hits = [h._replace(is_bot=not h.is_bot, bot_reason=None if h.is_bot else "x") for h in hits]
    sinks.SQLAlchemyBatchWriter(engine).write(hits)
    before = _check(engine, ws)
    report = reclassify_clicks(engine, workspace="default")
    assert report.flagged > 0 and report.cleared > 0
    after = _check(engine, ws)
    assert after != before
    assert sum(v[0] for (_, _, _, bot), v in after.items() if bot) == sum(1 for h in hits if not h.is_bot)


def test_retention_and_forgetting_a_creator_keep_the_rollups(any_engine):
    engine = any_engine
    ids = seed(engine)
    ws = ids["workspace"]
    with engine.begin() as conn:
        mei = conn.execute(t.links.insert().values(workspace_id=ws, campaign_id=ids["campaign"], slug="mei",
                                                   creator_id=ids["mei"], destination_url="https://x.example/",
                                                   paid=False)).inserted_primary_key[0]
    plain = _link(engine, ws, ids["campaign"], "plain")
    sinks.SQLAlchemyBatchWriter(engine).write(_hits(ws, [mei, plain], 400, 8))
    with engine.begin() as conn:
        conn.execute(privacy.data_policies.insert().values(workspace_id=ws, click_retention_days=1))
    done = privacy.apply_retention(engine, now=T0 + dt.timedelta(minutes=2000, days=1))
    assert 0 < done[ws] < 400
    rows = _check(engine, ws)
    assert sum(v[0] for v in rows.values()) == 400 - done[ws]
    privacy.forget_creator(engine, ws, ids["mei"])
    rows = _check(engine, ws)
    assert rows and {link for (link, *_) in rows} == {plain}


def test_a_new_campaign_zone_or_a_moved_link_makes_the_rows_again(any_engine, tmp_path):
    """Re-importing a campaign in another zone, or a link under another campaign, rebuilds the link's
    rows in the new zone; rows left in an old zone make the KPI facts count from the raw clicks."""
    from influscope.ingest.canonical import import_bundle

    engine = any_engine
    bundle = tmp_path / "b"
    bundle.mkdir()
    yaml = "id: z\nname: Z\ngoal: mofu\nstart: 2026-03-01\nend: 2026-03-31\ncurrency: USD\ntimezone: {}\n"
    (bundle / "campaign.yaml").write_text(yaml.format("Asia/Taipei"))
    (bundle / "links.csv").write_text("link_id,destination_url\nz1,https://shop.example.com/\n")
    lines = ["click_id,link_id,ts,is_bot,visitor_hash"]
    lines += [f"c{i},z1,{(T0 + dt.timedelta(minutes=37 * i)).isoformat()}Z,false,v{i % 4}" for i in range(200)]
    (bundle / "clicks.csv").write_text("\n".join(lines) + "\n")
    import_bundle(engine, bundle)
    with engine.connect() as conn:
        ws = conn.execute(sa.select(t.workspaces.c.id).where(t.workspaces.c.slug == "default")).scalar_one()
    assert {k[1] for k in _check(engine, ws)} == {"Asia/Taipei"}
    taipei = _facts_clicks(engine, "z")
    (bundle / "campaign.yaml").write_text(yaml.format("America/Los_Angeles"))
    import_bundle(engine, bundle)
    assert {k[1] for k in _check(engine, ws)} == {"America/Los_Angeles"}
    la = _facts_clicks(engine, "z")
    assert la != taipei and sum(b["n"] for b in la) == sum(b["n"] for b in taipei) == 200

    other = tmp_path / "o"
    other.mkdir()
    (other / "campaign.yaml").write_text(yaml.replace("id: z", "id: o").format("Europe/Berlin"))
    (other / "links.csv").write_text("link_id,destination_url\nz1,https://shop.example.com/\n")
    import_bundle(engine, other)  # the link moves to campaign o
    assert {k[1] for k in _check(engine, ws)} == {"Europe/Berlin"}
    assert sum(b["n"] for b in _facts_clicks(engine, "o")) == 200 and _facts_clicks(engine, "z") == []

    # a zone changed behind the writers' back: the facts count the raw clicks, as before the rollups
    with engine.begin() as conn:
        conn.execute(t.campaigns.update().where(t.campaigns.c.slug == "o").values(timezone="Asia/Tokyo"))
    stale = _facts_clicks(engine, "o")
    with engine.begin() as conn:
        assert cr.follow_zones(conn, ws) != []
    assert _facts_clicks(engine, "o") == stale
    with engine.connect() as conn:
        assert {r[0] for r in conn.execute(sa.select(click_days.c.zone).distinct())} == {"Asia/Tokyo"}


def _facts_clicks(engine, campaign: str) -> list[dict]:
    from influscope.kpi import methodology
    from influscope.kpi.backends import connect, disconnecting
    from influscope.kpi.facts import load, load_campaign

    camp = load_campaign(engine, campaign, "default")
    with disconnecting(connect(engine)) as con:
        facts = load(con, camp, methodology.resolve())
    return sorted(facts.click_buckets, key=lambda b: (b["link_id"], b["day"], b["is_bot"]))


def test_the_facts_read_the_rollups_exactly_as_the_raw_click_query(any_engine):
    """Every window and bot setting: the rollup rows give what the raw click query gives."""
    from influscope.kpi import methodology
    from influscope.kpi.backends import connect, disconnecting, fetch, table
    from influscope.kpi.facts import _click_rows, _years, click_buckets, load_campaign

    engine = any_engine
    ids = seed(engine)
    ws = ids["workspace"]
    links = [_link(engine, ws, ids["campaign"], f"s{i}") for i in range(3)]
    sinks.SQLAlchemyBatchWriter(engine).write(_hits(ws, links, 400, 11))
    camp = load_campaign(engine, "spring", "default")
    with disconnecting(connect(engine)) as con:
        for window in uw.WINDOWS:
            for bots in ("excluded", "included"):
                settings = methodology.resolve(call={"unique_click_window": window, "bot_clicks": bots})
                raw = fetch(con, click_buckets(table(con, "clicks"), ws, links, settings, camp.timezone, _years(camp)))
                kept = _click_rows(con, camp, links, settings)
                key = lambda r: (r["link_id"], r["is_bot"], r["day"])  # noqa: E731
                assert sorted(({**r, "u": int(r["u"] or 0)} for r in raw), key=key) == sorted(kept, key=key)


def test_influscope_db_rebuild_makes_the_rows_again_from_the_raw_clicks(engine, sqlite_url):
    from typer.testing import CliRunner

    from influscope.cli import app as cli_app

    ids = seed(engine)
    ws = ids["workspace"]
    links = [_link(engine, ws, ids["campaign"], f"s{i}") for i in range(2)]
    sinks.SQLAlchemyBatchWriter(engine).write(_hits(ws, links, 150, 12))
    good = _check(engine, ws)
    with engine.begin() as conn:  # rows lost and rows wrong
        conn.execute(click_days.delete().where(click_days.c.link_id == links[0]))
        conn.execute(click_days.update().values(hits=click_days.c.hits + 5, unique_1h=0))
    out = CliRunner().invoke(cli_app, ["db", "rebuild", "--db", sqlite_url])
    assert out.exit_code == 0, out.output
    assert f"clicks per link and day: {len(good)} rows" in out.output
    assert _check(engine, ws) == good
