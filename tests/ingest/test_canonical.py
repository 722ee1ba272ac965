"""Canonical bundle import/export: validation, atomicity, idempotence and lossless round trips."""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from influscope.db import tables as t
from influscope.db.engine import get_engine
from influscope.ingest.canonical import BundleError, export_bundle, import_bundle, read_bundle

TODAY = dt.date(2026, 11, 23)


def write_bundle(path: Path, files: dict[str, str]) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (path / name).write_text(text, encoding="utf-8")
    return path


CAMPAIGN = """\
id: spring
name: Spring launch
goal: bofu
start: 2026-03-01
end: 2026-03-31
timezone: Asia/Taipei
currency: TWD
budget: 500000
baseline: {start: 2026-02-01, end: 2026-02-28}
targets: {roas: 3.0}
brand_accounts: [{platform: instagram, handle: acme_tw}]
brand_terms: ["acme", "#acmespring"]
"""

GOOD = {
    "campaign.yaml": CAMPAIGN,
    "creators.csv": "creator_id,platform,handle,name,followers\nmei,instagram,@MeiLin,Mei Lin,48200\nmei,tiktok,meilin.tt,Mei Lin,90000\nraj,youtube,rajcooks,Raj,120000\n",
    "posts.csv": "post_id,creator_id,platform,content_type,posted_at,as_of,likes,comments,views\n"
                 "p1,mei,instagram,reel,2026-03-03T19:00:00+08:00,2026-03-04T00:00:00Z,100,5,\n"
                 "p1,mei,instagram,reel,2026-03-03T19:00:00+08:00,2026-03-06T00:00:00Z,150,8,3000\n"
                 "p2,raj,youtube,video,2026-03-05T10:00:00,2026-03-06T00:00:00Z,40,2,9000\n",
    "costs.csv": "cost_id,creator_id,kind,amount,currency,incurred_on\nfee1,mei,fee,30000,TWD,2026-03-01\nprod,,product,100.55,USD,2026-03-01\n",
    "codes.csv": "code,creator_id,kind\nmei15,mei,affiliate\nSPRING10,,sitewide\n",
    "links.csv": "link_id,creator_id,platform,destination_url,post_id\nmei-ig,mei,instagram,https://shop.example/?a=1#top,p1\n",
    "clicks.csv": "click_id,link_id,ts,is_bot,country\nk1,mei-ig,2026-03-03T10:00:00+08:00,false,TW\nk2,mei-ig,2026-03-03T11:00:00Z,true,US\n",
    "orders.csv": "order_id,created_at,currency,subtotal,discounts,tax,shipping,total,refunded,status,discount_codes,click_id,new_customer\n"
                  "1001,2026-03-04T08:00:00Z,TWD,1800.00,200,90,60,1950,0,paid,mei15,k1,true\n"
                  "1002,2026-03-05T08:00:00Z,TWD,900.10,,,,,450.05,partially_refunded,,,false\n",
    "leads.csv": "lead_id,type,ts,click_id\nL1,signup,2026-03-04T09:00:00Z,k1\n",
    "traffic.csv": "date,source,medium,campaign,content,sessions,engaged_sessions\n2026-03-04,instagram,influencer,spring,meilin,40,25\n2026-03-04,google,organic,,,300,200\n",
    "followers.csv": "platform,handle,date,followers\ninstagram,acme_tw,2026-03-01,1000\ninstagram,acme_tw,2026-03-31,1200\n",
    "comments.csv": "comment_id,post_id,author,text,ts,likes\nc1,p1,u1,\"I'd love to use it 😍, really\",2026-03-04T01:00:00Z,2\nc2,p2,u2,肯定會推薦這個,2026-03-05T01:00:00Z,\n",
    "audience.csv": "platform,handle,date,dimension,bucket,share\ninstagram,meilin,2026-03-01,age,18-24,34.5\n",
    "fx_rates.csv": "date,currency,rate\n2026-02-27,USD,32.15\n",
}


@pytest.fixture
def good(tmp_path):
    return write_bundle(tmp_path / "good", GOOD)


def test_import_then_reimport_changes_nothing(any_engine, good):
    first = import_bundle(any_engine, good)
    assert first.changes > 0
    assert first.files["posts.csv"].inserted == 3  # three snapshots
    second = import_bundle(any_engine, good)
    assert second.changes == 0
    assert second.files["clicks.csv"].unchanged == 2


def test_values_are_stored_exactly(any_engine, good):
    import_bundle(any_engine, good)
    with any_engine.connect() as conn:
        o = conn.execute(sa.select(t.orders).where(t.orders.c.key == "1002")).mappings().one()
        assert o["subtotal"] == Decimal("900.10") and o["refunded"] == Decimal("450.05")
        assert o["discounts"] is None  # empty = not reported, never 0
        cost = conn.execute(sa.select(t.costs.c.amount).where(t.costs.c.key == "prod")).scalar_one()
        assert cost == Decimal("100.55")
        # naive times are read in the campaign's zone (Asia/Taipei, UTC+8) and stored in UTC
        posted = conn.execute(sa.select(t.posts.c.posted_at).where(t.posts.c.key == "p2")).scalar_one()
        assert posted == dt.datetime(2026, 3, 5, 2, 0)
        click = conn.execute(sa.select(t.clicks.c.ts).where(t.clicks.c.key == "k1")).scalar_one()
        assert click == dt.datetime(2026, 3, 3, 2, 0)
        handle = conn.execute(sa.select(t.creator_accounts.c.handle).where(t.creator_accounts.c.platform == "instagram")).scalar_one()
        assert handle == "meilin"
        codes = set(conn.execute(sa.select(t.codes.c.code)).scalars())
        assert codes == {"MEI15", "SPRING10"}
        views = conn.execute(sa.select(t.post_metrics.c.views).order_by(t.post_metrics.c.as_of)).scalars().all()
        assert views[0] is None


def test_export_round_trip_is_lossless(any_engine, good, tmp_path):
    import_bundle(any_engine, good)
    out1 = tmp_path / "out1"
    export_bundle(any_engine, "spring", out1)
    other = get_engine(f"sqlite:///{tmp_path / 'other.db'}")
    report = import_bundle(other, out1)
    assert report.changes > 0
    out2 = tmp_path / "out2"
    export_bundle(other, "spring", out2)
    for f in sorted(out1.iterdir()):
        assert f.read_text(encoding="utf-8") == (out2 / f.name).read_text(encoding="utf-8"), f.name
    assert import_bundle(any_engine, out1).changes == 0  # the export of a database re-imports as no change


def _db_hash(url: str) -> str:
    path = Path(url.removeprefix("sqlite:///"))
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_broken_bundle_is_rejected_with_located_messages_and_nothing_written(tmp_path, good):
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    engine = get_engine(url)
    import_bundle(engine, good)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    before = _db_hash(url)

    broken = tmp_path / "broken"
    shutil.copytree(good, broken)
    # creators.csv: one broken row; orders.csv: two broken rows
    (broken / "creators.csv").write_text(GOOD["creators.csv"] + "ann,instagram,ann.x,Ann,many\n", encoding="utf-8")
    (broken / "orders.csv").write_text(
        GOOD["orders.csv"]
        + "1003,2026-03-32T08:00:00Z,TWD,10,,,,,,paid,,,\n"
        + "1004,2026-03-06T08:00:00Z,TWD,12.5,,,,,,shipped,,,\n", encoding="utf-8")
    with pytest.raises(BundleError) as err:
        import_bundle(engine, broken)
    messages = [str(p) for p in err.value.problems]
    assert messages == [
        "creators.csv:5: followers: not a whole number: 'many'",
        "orders.csv:4: created_at: not an ISO 8601 date-time: '2026-03-32T08:00:00Z'",
        "orders.csv:5: status: 'shipped' is not one of paid, pending, cancelled, refunded, partially_refunded",
    ]
    engine.dispose()
    assert _db_hash(url) == before

    # corrected, it imports; imported again, it changes nothing
    (broken / "creators.csv").write_text(GOOD["creators.csv"] + "ann,instagram,ann.x,Ann,5000\n", encoding="utf-8")
    (broken / "orders.csv").write_text(
        GOOD["orders.csv"] + "1003,2026-03-30T08:00:00Z,TWD,10,,,,,,paid,,,\n"
        + "1004,2026-03-06T08:00:00Z,TWD,12.5,,,,,,pending,,,\n", encoding="utf-8")
    engine = get_engine(url)
    assert import_bundle(engine, broken).changes == 3  # one creator account + its person row counted once, two orders
    assert import_bundle(engine, broken).changes == 0


@pytest.mark.parametrize("name, text, expected", [
    ("clicks.csv", "click_id,link_id,ts,colour\nk9,mei-ig,2026-03-03T10:00:00Z,red\n", "clicks.csv:1: colour: unknown column"),
    ("clicks.csv", "click_id,ts\nk9,2026-03-03T10:00:00Z\n", "clicks.csv:1: link_id: missing key column"),
    ("clicks.csv", "click_id,link_id,ts\nk9,nope,2026-03-03T10:00:00Z\n", "clicks.csv:2: link_id: unknown link 'nope'"),
    ("clicks.csv", "click_id,link_id,ts\nk9,mei-ig,2026-03-03T10:00:00Z\nk9,mei-ig,2026-03-03T11:00:00Z\n",
     "clicks.csv:3: click_id: duplicate key k9 (first on line 2)"),
    ("posts.csv", "post_id,creator_id,platform,as_of\np9,zed,instagram,2026-03-04T00:00:00Z\n", "posts.csv:2: creator_id: unknown creator 'zed'"),
    ("posts.csv", "post_id,creator_id,platform,as_of\np9,raj,instagram,2026-03-04T00:00:00Z\n",
     "posts.csv:2: platform: creator 'raj' has no instagram account in creators.csv"),
    ("costs.csv", "cost_id,kind,amount,currency,incurred_on\nx,fee,12,ZZZ,2026-03-01\n", "costs.csv:2: currency: not an ISO 4217 currency code: 'ZZZ'"),
    ("costs.csv", "cost_id,kind,amount,currency,incurred_on\nx,fee,1.2.3,TWD,2026-03-01\n", "costs.csv:2: amount: not a number: '1.2.3'"),
    ("traffic.csv", "date,sessions\n03/04/2026,5\n", "traffic.csv:2: date: not a date (YYYY-MM-DD): '03/04/2026'"),
    ("comments.csv", "comment_id,post_id,text\nc9,p404,hi\n", "comments.csv:2: post_id: unknown post 'p404'"),
    ("orders.csv", "order_id,created_at,currency,subtotal\n9,2026-03-04T00:00:00Z,TWD,\n", "orders.csv:2: subtotal: is required"),
    ("leads.csv", "lead_id,type,ts\nL9,signup,2026-03-04T00:00:00Z,extra\n", "leads.csv:2: -: has 4 cells, the header has 3"),
])
def test_each_kind_of_problem_is_located(tmp_path, good, engine, name, text, expected):
    import_bundle(engine, good)
    bundle = tmp_path / "b"
    shutil.copytree(good, bundle)
    (bundle / name).write_text(text, encoding="utf-8")
    with pytest.raises(BundleError) as err:
        import_bundle(engine, bundle)
    assert any(str(p).startswith(expected) for p in err.value.problems), err.value.problems


def test_problems_across_files_are_all_reported(tmp_path):
    bundle = write_bundle(tmp_path / "b", {
        "campaign.yaml": CAMPAIGN.replace("goal: bofu", "goal: sales").replace("timezone: Asia/Taipei", "timezone: Mars/Olympus"),
        "creators.csv": "creator_id,platform,handle\na,myspace,a\n",
        "followers.csv": "platform,handle,date,followers\ninstagram,a,2026-01-01,\n",
    })
    with pytest.raises(BundleError) as err:
        read_bundle(bundle)
    text = str(err.value)
    assert "campaign.yaml:3: goal: 'sales' is not one of tofu, mofu, bofu" in text
    assert "campaign.yaml:6: timezone: unknown time zone 'Mars/Olympus'" in text
    assert "creators.csv:2: platform: 'myspace' is not one of" in text
    assert "followers.csv:2: followers: is required" in text


def test_cli_import_reports_problems_and_exits_nonzero(tmp_path, good):
    from influscope.cli import app

    db = f"sqlite:///{tmp_path / 'cli.db'}"
    runner = CliRunner()
    ok = runner.invoke(app, ["--db", db, "import", str(good)])
    assert ok.exit_code == 0, ok.output
    again = runner.invoke(app, ["--db", db, "import", str(good)])
    assert again.exit_code == 0 and "0 change(s)" in again.output
    (good / "clicks.csv").write_text("click_id,link_id,ts\nk1,mei-ig,yesterday\n", encoding="utf-8")
    bad = runner.invoke(app, ["--db", db, "import", str(good)])
    assert bad.exit_code == 1
    assert "clicks.csv:2: ts: not an ISO 8601 date-time: 'yesterday'" in bad.output
    out = tmp_path / "export"
    exported = runner.invoke(app, ["--db", db, "export", str(out), "--campaign", "spring"])
    assert exported.exit_code == 0 and (out / "campaign.yaml").exists()


def test_demo_round_trip(engine, tmp_path):
    from influscope.demo import create_demo

    summary = create_demo(engine, workspace="demo", scale=0.03, today=TODAY)
    assert summary.changes > 0 and summary.counts["clicks.csv"] > 1000
    again = create_demo(engine, workspace="demo", scale=0.03, today=TODAY)
    assert again.changes == 0
    out = tmp_path / "demo-export"
    export_bundle(engine, "spring-launch", out, workspace="demo")
    assert import_bundle(engine, out, workspace="demo").changes == 0


def test_bulk_loaded_times_are_stored_like_any_other_write(engine, good):
    """The bulk path must store values exactly as SQLAlchemy's own inserts do (one text format per column)."""
    import_bundle(engine, good)
    with engine.begin() as conn:
        conn.execute(t.clicks.insert().values(workspace_id=1, key="k-orm", link_id=1, ts=dt.datetime(2026, 3, 3, 2, 0)))
        stored = conn.exec_driver_sql("SELECT key, ts FROM clicks ORDER BY key").all()
    formats = {len(ts) for _key, ts in stored}
    assert formats == {len("2026-03-03 02:00:00.000000")}, stored


@pytest.mark.parametrize("scale, seed", [(0.3, 7), (0.05, 1), (0.05, 2), (0.05, 3)])
def test_demo_bundles_are_valid_for_other_scales_and_seeds(tmp_path, scale, seed):
    from influscope.demo import generate

    for folder in generate(tmp_path, scale=scale, seed=seed, today=TODAY):
        read_bundle(folder)  # raises BundleError with every problem
