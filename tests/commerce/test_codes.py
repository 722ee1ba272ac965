"""Promo codes: unambiguous, collision-free generation, import/export, and leak findings."""

import datetime as dt
import random
import re
import textwrap

import pytest
import sqlalchemy as sa

from influscope.db import tables as t
from influscope.ingest.canonical import import_bundle
from influscope.ingest.commerce import codes
from influscope.ingest.commerce.common import OrderRecord, PayloadError
from influscope.ingest.commerce.sink import upsert_order
from decimal import Decimal


def make_campaign(engine, tmp_path, slug="spring", creators=("mira", "olivia1", "bo")):
    d = tmp_path / slug
    d.mkdir()
    (d / "campaign.yaml").write_text(textwrap.dedent(f"""\
        id: {slug}
        name: Spring
        goal: bofu
        start: 2026-03-01
        end: 2026-03-31
        timezone: Asia/Taipei
        currency: TWD
        """))
    rows = "\n".join(f"{c},instagram,{c}_ig,{c.title()}" for c in creators)
    (d / "creators.csv").write_text("creator_id,platform,handle,name\n" + rows + "\n")
    (d / "links.csv").write_text("link_id,creator_id,platform,destination_url\n"
                                 + "\n".join(f"{slug}-{c},{c},instagram,https://shop.example/" for c in creators) + "\n")
    clicks = ["click_id,link_id,ts"] + [f"clk{i},{slug}-{creators[0]},2026-03-02T10:00:00Z" for i in range(3)]
    (d / "clicks.csv").write_text("\n".join(clicks) + "\n")
    import_bundle(engine, d)


def test_generated_codes_are_unambiguous_unique_and_follow_the_pattern(engine, tmp_path):
    make_campaign(engine, tmp_path)
    issued = codes.generate(engine, "spring", per_creator=20, pattern="{CREATOR}-####")
    assert len(issued) == 60
    for c in issued:
        assert not set(c.code) & set("01OI"), c.code
    assert len({codes.normalise(c.code) for c in issued}) == 60
    mira = [c.code for c in issued if c.creator_id == "mira"]
    assert all(c.startswith("MRA-") and len(c) == 8 for c in mira)  # I left out of MIRA
    olivia = [c.code for c in issued if c.creator_id == "olivia1"][0]
    assert olivia.startswith("LVA-")
    (custom,) = codes.generate(engine, "spring", creators=["bo"], pattern="SPRNG-{CREATOR}-###")
    assert custom.code.startswith("SPRNG-B-") and len(custom.code) == 11 and custom.creator_id == "bo"
    with engine.connect() as conn:
        stored = conn.execute(sa.select(sa.func.count()).select_from(t.codes)).scalar()
    assert stored == 61
    with pytest.raises(PayloadError, match="not allowed"):
        codes.generate(engine, "spring", pattern="SPRING0-####")
    with pytest.raises(PayloadError, match="'#'"):
        codes.generate(engine, "spring", pattern="{CREATOR}")
    with pytest.raises(PayloadError, match="not in campaign"):
        codes.generate(engine, "spring", creators=["nobody"])


def test_pattern_literals_must_be_unambiguous():
    with pytest.raises(PayloadError):
        codes.check_pattern("PROMO-##")  # O is ambiguous
    codes.check_pattern("SPRNG-##")


def test_collisions_are_avoided_even_when_the_space_is_tiny(engine, tmp_path):
    make_campaign(engine, tmp_path)
    rng = random.Random(1)
    # One random character: 32 possible codes per prefix; existing codes, including a confusable one
    # imported by hand, are never issued again.
    (tmp_path / "old.csv").write_text("code,creator_id,kind\nX1,bo,affiliate\n")
    codes.import_codes(engine, "spring", tmp_path / "old.csv")
    issued = codes.generate(engine, "spring", creators=["bo"], pattern="X#", per_creator=31, rng=rng)
    assert "XL" not in {c.code for c in issued}  # reads like the imported X1
    assert len({c.code for c in issued}) == 31
    with pytest.raises(PayloadError, match="no free code"):
        codes.generate(engine, "spring", creators=["bo"], pattern="X#", rng=rng)


def test_import_is_all_or_nothing_and_export_is_csv(engine, tmp_path):
    make_campaign(engine, tmp_path)
    bad = tmp_path / "codes.csv"
    bad.write_text("code,creator_id,kind\nMIRA15,mira,affiliate\nBAD CODE,mira,affiliate\nBO10,ghost,affiliate\n")
    with pytest.raises(PayloadError) as err:
        codes.import_codes(engine, "spring", bad)
    assert "codes.csv: line 3: code" in str(err.value) and "codes.csv: line 4: creator_id" in str(err.value)
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(t.codes)).scalar() == 0
    good = tmp_path / "good.csv"
    good.write_text("code,creator_id,kind\nmira15,mira,affiliate\nSPRING,,sitewide\n")
    assert [c.new for c in codes.import_codes(engine, "spring", good)] == [True, True]
    assert [c.new for c in codes.import_codes(engine, "spring", good)] == [False, False]
    text = codes.export_codes(engine, "spring")
    assert text.splitlines() == ["code,creator_id,creator_name,kind,campaign", "MIRA15,mira,Mira,affiliate,spring",
                                 "SPRING,,,sitewide,spring"]


def _order(engine, key, ts, code, *, click=None, landing=None, referrer=None, status="paid"):
    with engine.begin() as conn:
        upsert_order(conn, 1, "shop", OrderRecord(key=key, created_at=ts, currency="TWD", subtotal=Decimal("100"),
                                                   discount_codes=code, click_id=click, landing_url=landing,
                                                   referrer=referrer, status=status))


def test_leak_findings_with_their_figures(any_engine, tmp_path):
    engine = any_engine
    make_campaign(engine, tmp_path)
    (tmp_path / "c.csv").write_text("code,creator_id,kind\nMIRA15,mira,affiliate\nBO10,bo,affiliate\n")
    codes.import_codes(engine, "spring", tmp_path / "c.csv")
    base = dt.datetime(2026, 3, 5, 2, 0)
    # MIRA15: 3 orders with mira's clicks / utm_content, then 9 in 40 minutes from nowhere and coupon sites.
    _order(engine, "m1", base, "MIRA15", click="clk0")
    _order(engine, "m2", base + dt.timedelta(days=1), "MIRA15", click="clk1")
    _order(engine, "m3", base + dt.timedelta(days=2), "MIRA15", landing="/p?utm_content=mira_ig-reel1")
    burst = base + dt.timedelta(days=10)
    for i in range(9):
        _order(engine, f"b{i}", burst + dt.timedelta(minutes=5 * i), "MIRA15",
               referrer="https://www.retailmenot.com/view/shop.example" if i < 4 else None)
    # BO10: two redemptions, both with a clicked link of another creator: too few to judge.
    _order(engine, "o1", base, "BO10", click="clk2")
    _order(engine, "o2", base, "BO10")
    # A cancelled order and an order after the campaign (1 April, Taipei time) do not count.
    _order(engine, "x1", base, "MIRA15", status="cancelled")
    _order(engine, "x2", dt.datetime(2026, 3, 31, 16, 30), "MIRA15")
    found = {f.id: f for f in codes.leaks(engine, "spring")}
    assert set(found) == {"code_redeemed_without_click", "code_redemption_burst", "code_on_coupon_site"}
    nc = found["code_redeemed_without_click"]
    assert nc.code == "MIRA15" and nc.creator == "mira"
    assert nc.figures == {"redemptions": 12, "with_click": 3, "without_click": 9, "share_without_click_pct": 75.0}
    assert nc.severity == "warning"
    b = found["code_redemption_burst"].figures
    assert b["max_in_window"] == 9 and b["window_minutes"] == 60 and b["ratio"] > 5
    cs = found["code_on_coupon_site"]
    assert cs.figures["orders_from_coupon_sites"] == 4 and cs.figures["sites"] == {"retailmenot.com": 4}
    assert cs.severity == "critical"
    msg = nc.message
    assert set(msg) == {"en", "zh-Hant", "ar"} and "MIRA15" in msg["ar"] and "9" in msg["zh-Hant"]
    diag = {d.id: d for d in codes.leak_diagnostics(engine, "spring")}["code_on_coupon_site"].to_dict()
    assert diag["subject"] == "mira" and diag["figures"]["code"] == "MIRA15" and diag["kpis"] == ["code_redemptions"]
    assert codes.coupon_site("https://couponfollow.com/site/x") == "couponfollow.com"
    assert codes.coupon_site("https://notretailmenot.com/") is None
    # the clicks' creators as the orders keep them, or joined through the clicks: the same findings
    from influscope.attribution import carried

    kept = [f.as_dict() for f in codes.leaks(engine, "spring")]
    with engine.begin() as conn:
        carried.uninstall(conn)
    assert [f.as_dict() for f in codes.leaks(engine, "spring")] == kept


def test_default_codes_read_as_the_creators_name_then_digits(engine, tmp_path):
    make_campaign(engine, tmp_path)
    issued = codes.generate(engine, "spring", per_creator=30)
    mira = [c.code for c in issued if c.creator_id == "mira"]
    assert all(re.fullmatch(r"MIRA[2-9]{3}", c) for c in mira), mira  # the name whole, I included
    olivia = [c.code for c in issued if c.creator_id == "olivia1"]
    assert all(re.fullmatch(r"OLIVIA[2-9]{3}", c) for c in olivia), olivia  # digits of the id dropped
    assert len({codes.normalise(c.code) for c in issued}) == len(issued)  # none reads like another
    (site,) = codes.generate(engine, "spring", kind="sitewide")
    assert re.fullmatch(r"SPRING[2-9]{3}", site.code) and site.creator_id is None
    assert codes.name_part("grace-fit") == "GRACE" and codes.name_part("shihan.life") == "SHIHAN"
    assert codes.name_part("2024-x") == "X"  # a word without letters falls back to the id's letters
