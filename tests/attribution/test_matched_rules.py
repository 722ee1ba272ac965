"""The creator each code list and utm pair names, kept by SQLite, equals a full recomputation from the
raw records after every writer; crediting through it gives what crediting through the query-time
maps gives, for orders and leads, under both models and precedences."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

import pytest
import sqlalchemy as sa

from influscope.attribution import credit, matched
from influscope.auth import privacy
from influscope.db import tables as t
from influscope.ingest.commerce import conversions
from influscope.ingest.commerce.common import OrderRecord
from influscope.ingest.commerce.sink import upsert_order
from influscope.kpi import methodology, prepared
from influscope.kpi.backends import connect, disconnecting
from tests.tracking.conftest import seed

T0 = dt.datetime(2026, 3, 6, 12, 0)


def _check(engine, ws: int) -> dict:
    with engine.connect() as conn:
        got = matched.stored(conn, ws)
        # what the orders and leads name, and the rows nothing names any more, each as the raw records say
        want = matched.recompute(conn, ws, also=got)
    assert got == want
    return got


def _order(engine, ws: int, key: str, codes: str | None = None, landing: str | None = None,
           at: dt.datetime = T0) -> None:
    with engine.begin() as conn:
        upsert_order(conn, ws, "api", OrderRecord(key=key, created_at=at, currency="TWD", subtotal=Decimal(100),
                                                  discount_codes=codes, landing_url=landing))


def _code(engine, ws: int, campaign: int, code: str, creator: int | None, kind: str = "affiliate") -> None:
    with engine.begin() as conn:
        conn.execute(t.codes.insert().values(workspace_id=ws, campaign_id=campaign, code=code, creator_id=creator,
                                             kind=kind))


def test_every_writer_keeps_the_matches_exact(engine):
    ids = seed(engine)
    ws, camp = ids["workspace"], ids["campaign"]
    _code(engine, ws, camp, "MEI10", ids["mei"])
    _code(engine, ws, camp, "SALE", None, kind="sitewide")
    _order(engine, ws, "o1", "SALE MEI10")
    _order(engine, ws, "o2", "SAM5 MEI10")  # SAM5 is not a code yet
    _order(engine, ws, "o3", landing="https://shop.example/?utm_source=youtube&utm_content=samcooks")
    _order(engine, ws, "o4", landing="https://shop.example/?utm_source=instagram&utm_content=%40MeiLin_TT")
    _order(engine, ws, "o5", landing="https://shop.example/?utm_content=nobody")
    assert conversions.record_lead(engine, ws, {"lead_id": "l1", "type": "signup", "code": "mei10",
                                                "utm_content": "  @SamCooks ", "ts": T0.isoformat() + "Z"}).created
    kept = _check(engine, ws)
    assert kept["codes"][("SALE MEI10",)] == (ids["mei"], "MEI10")
    assert kept["codes"][("SAM5 MEI10",)] == (ids["mei"], "MEI10")
    assert kept["utms"][("samcooks", "youtube")] == (ids["sam"], "youtube")
    assert kept["utms"][("meilin_tt", "instagram")] == (ids["mei"], "tiktok")  # the handle is on TikTok only
    assert kept["utms"][("nobody", "")] == (None, None)
    assert kept["utms"][("samcooks", "")] == (ids["sam"], "youtube")  # the lead's, as a handle

    # a code added later, listed first, now wins; a code's creator and kind change; a code is deleted
    _code(engine, ws, camp, "SAM5", ids["sam"])
    assert _check(engine, ws)["codes"][("SAM5 MEI10",)] == (ids["sam"], "SAM5")
    with engine.begin() as conn:
        conn.execute(t.codes.update().where(t.codes.c.code == "SAM5").values(kind="sitewide"))
    assert _check(engine, ws)["codes"][("SAM5 MEI10",)] == (ids["mei"], "MEI10")
    with engine.begin() as conn:
        conn.execute(t.codes.update().where(t.codes.c.code == "SALE").values(kind="affiliate", creator_id=ids["sam"]))
    assert _check(engine, ws)["codes"][("SALE MEI10",)] == (ids["sam"], "SALE")
    with engine.begin() as conn:
        conn.execute(t.codes.update().where(t.codes.c.code == "SALE").values(code="SALE2"))
    assert _check(engine, ws)["codes"][("SALE MEI10",)] == (ids["mei"], "MEI10")
    with engine.begin() as conn:
        conn.execute(t.codes.delete().where(t.codes.c.code == "MEI10"))
    assert _check(engine, ws)["codes"][("SALE MEI10",)] == (None, None)

    # accounts: a new account for a handle on the order's platform wins; a handle renamed; deleted
    with engine.begin() as conn:
        conn.execute(t.creator_accounts.insert().values(workspace_id=ws, creator_id=ids["sam"], platform="instagram",
                                                        handle="meilin_tt"))
    assert _check(engine, ws)["utms"][("meilin_tt", "instagram")] == (ids["sam"], "instagram")
    with engine.begin() as conn:
        conn.execute(t.creator_accounts.update().where(t.creator_accounts.c.handle == "samcooks").values(
            handle="nobody"))
    kept = _check(engine, ws)
    assert kept["utms"][("nobody", "")] == (ids["sam"], "youtube") and kept["utms"][("samcooks", "youtube")] == (None, None)

    # a store's webhook changes an order's codes and landing URL; the lead's code changes
    _order(engine, ws, "o5", "SAM5 SALE2", "https://shop.example/?utm_source=tiktok&utm_content=meilin_tt")
    with engine.begin() as conn:
        conn.execute(t.leads.update().where(t.leads.c.key == "l1").values(code="sale2", utm_content="@nobody"))
    kept = _check(engine, ws)
    assert kept["codes"][("SAM5 SALE2",)] == (ids["sam"], "SALE2")
    assert kept["utms"][("meilin_tt", "tiktok")] == (ids["mei"], "tiktok")

    # forgetting a creator deletes their codes and accounts: what named them resolves again
    privacy.forget_creator(engine, ws, ids["sam"])
    kept = _check(engine, ws)
    assert kept["codes"][("SAM5 SALE2",)] == (None, None)
    assert kept["utms"][("meilin_tt", "instagram")] == (ids["mei"], "tiktok")

    # a rebuild from the raw records puts back what was lost (and drops what nothing names any more)
    with engine.begin() as conn:
        conn.execute(t.matched_code_lists.update().values(creator_id=None, code=None))
        conn.execute(t.matched_utm_pairs.delete())
        assert matched.rebuild(conn, ws) > 0
    _check(engine, ws)


def test_the_importer_keeps_the_matches(engine, tmp_path):
    from influscope.ingest.canonical import import_bundle

    bundle = tmp_path / "b"
    bundle.mkdir()
    (bundle / "campaign.yaml").write_text("id: w\nname: W\ngoal: bofu\nstart: 2026-03-01\nend: 2026-03-31\n"
                                          "currency: USD\ntimezone: Asia/Taipei\n")
    (bundle / "creators.csv").write_text("creator_id,platform,handle,name\nmei,instagram,mei.ig,Mei\n"
                                         "sam,youtube,samcooks,Sam\n")
    (bundle / "orders.csv").write_text(
        "order_id,created_at,currency,subtotal,status,discount_codes,landing_url\n"
        "o1,2026-03-02T10:00:00Z,USD,10.00,paid,MEI10,\n"
        "o2,2026-03-02T11:00:00Z,USD,10.00,paid,,https://s.example/?utm_content=samcooks&utm_source=youtube\n")
    import_bundle(engine, bundle)  # orders before the codes
    with engine.connect() as conn:
        ws = conn.execute(sa.select(t.workspaces.c.id).where(t.workspaces.c.slug == "default")).scalar_one()
    assert _check(engine, ws)["codes"][("MEI10",)] == (None, None)
    (bundle / "codes.csv").write_text("code,creator_id,kind\nMEI10,mei,affiliate\n")
    import_bundle(engine, bundle)
    kept = _check(engine, ws)
    assert kept["codes"][("MEI10",)][1] == "MEI10" and kept["utms"][("samcooks", "youtube")][1] == "youtube"


@pytest.mark.parametrize("attribution", ["last_click", "first_click"])
@pytest.mark.parametrize("code_beats_link", [True, False])
def test_crediting_through_the_matches_equals_crediting_through_the_query_maps(engine, attribution, code_beats_link):
    from influscope.tracking import sink as sinks

    ids = seed(engine)
    ws, camp = ids["workspace"], ids["campaign"]
    with engine.begin() as conn:
        link = conn.execute(t.links.insert().values(workspace_id=ws, campaign_id=camp, slug="mei", creator_id=ids["mei"],
                                                    destination_url="https://x.example/", paid=False,
                                                    created_at=T0)).inserted_primary_key[0]
    _code(engine, ws, camp, "MEI10", ids["mei"])
    _code(engine, ws, camp, "SAM5", ids["sam"])
    _code(engine, ws, camp, "ALL", None, kind="sitewide")
    rng = random.Random(11)
    clicks = [sinks.Click(ws, f"k{i}", link, T0 + dt.timedelta(minutes=rng.randrange(20000)), False, None, f"v{i % 5}",
                          "TW", "mobile", None, None, None, None, "Mozilla/5.0 (iPhone)", "") for i in range(30)]
    sinks.SQLAlchemyBatchWriter(engine).write(clicks)
    lists = [None, "MEI10", "SAM5", "ALL", "ALL SAM5", "SAM5 MEI10", "NOPE"]
    utm = [None, "samcooks", "@MeiLin.Eats", "meilin_tt", "nobody", " SamCooks ", "@ZOË.Eats"]
    sources = [None, "youtube", "instagram", "tiktok"]
    for i in range(150):
        at = T0 + dt.timedelta(minutes=rng.randrange(-600, 30000))
        landing = None
        content, source = rng.choice(utm), rng.choice(sources)
        if content is not None:
            landing = f"https://shop.example/?utm_content={content.strip()}" + (f"&utm_source={source}" if source else "")
        with engine.begin() as conn:
            upsert_order(conn, ws, "api", OrderRecord(key=f"o{i}", created_at=at, currency="TWD", subtotal=Decimal(10),
                                                      discount_codes=rng.choice(lists), landing_url=landing,
                                                      click_id=rng.choice([None, f"k{rng.randrange(40)}"])))
        conversions.record_lead(engine, ws, {"lead_id": f"l{i}", "type": "signup", "ts": at.isoformat() + "Z",
                                             "code": (rng.choice(lists) or "").split(" ")[0].lower() or None,
                                             "utm_content": content,
                                             "click_id": rng.choice([None, f"k{rng.randrange(40)}"])})
    _check(engine, ws)
    span = (T0 - dt.timedelta(days=30), T0 + dt.timedelta(days=90))
    settings = methodology.resolve(call={"attribution": attribution, "code_beats_link": code_beats_link})
    with disconnecting(connect(engine)) as con:
        assert matched.kept_for(con)
        shape = credit._shape(con, "orders", ws, *span, settings)
        assert shape[3] is True
        values = credit._span(ws, *span, settings)
        for build in (credit._order_rows, credit._lead_rows):
            via_maps, via_kept = (prepared.rows(con, build, *shape[:3], m, **values) for m in (False, True))
            assert via_maps == via_kept
            rules = {r["rule"] for r in via_kept}
            assert {"code", "utm"} <= rules  # the test exercises both kept rules


@pytest.mark.postgres
def test_postgres_keeps_no_matches_and_credits_in_the_query(pg_url):
    from influscope.db.engine import get_engine

    pg_engine = get_engine(pg_url)
    ids = seed(pg_engine)
    ws = ids["workspace"]
    _code(pg_engine, ws, ids["campaign"], "MEI10", ids["mei"])
    _order(pg_engine, ws, "o1", "MEI10")
    # a long list of codes is stored (an index entry holding it would pass PostgreSQL's size cap)
    _order(pg_engine, ws, "o2", " ".join(f"CODE{i:02d}-{'X' * 56}" for i in range(80)), at=T0 - dt.timedelta(days=5))
    with pg_engine.connect() as conn:
        assert not matched.present(conn)
        assert conn.execute(sa.select(sa.func.count()).select_from(t.matched_code_lists)).scalar() == 0
    span = (T0 - dt.timedelta(days=1), T0 + dt.timedelta(days=1))
    with disconnecting(connect(pg_engine)) as con:
        assert not matched.kept_for(con)
        rows = credit.credited_orders(con, ws, *span, methodology.resolve())
    assert [(r["rule"], r["creator_id"], r["code"]) for r in rows] == [("code", ids["mei"], "MEI10")]
    pg_engine.dispose()


def test_a_dropped_trigger_is_made_again_by_every_upgrade(engine):
    from influscope.db.engine import upgrade

    with engine.begin() as conn:
        conn.exec_driver_sql("DROP TRIGGER codes_matched_ins")
        assert not matched.present(conn)
    upgrade(engine)
    with engine.connect() as conn:
        assert matched.present(conn)
