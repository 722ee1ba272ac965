from decimal import Decimal

import pytest

from influscope.kpi import emv
from influscope.planning.valuation import value_creator

POSTS = [
    {"impressions": 42000, "reach": 30000, "likes": 1200, "comments": 40, "shares": 10, "saves": 50, "link_clicks": ""},
    {"impressions": "38000", "reach": 28000, "likes": 900, "comments": 30},
    {"impressions": 60000, "likes": 2000, "comments": 80},
]


def test_valuation_from_recent_posts_hand_computed():
    v = value_creator(85_000, "instagram", POSTS, deliverables=2)
    assert v.tier == "micro" and v.posts_used == 3
    assert v.per_post["reach"].value == 29_000  # median of 30,000 and 28,000
    assert v.per_post["impressions"].value == 42_000 and not v.per_post["impressions"].estimated
    # engagements per post: 1,300, 930, 2,080 -> median 1,300
    assert v.per_post["engagements"].value == 1300
    assert v.per_post["engagement_rate"].value == pytest.approx(1300 / 85_000 * 100)
    # no link clicks: impressions x Instagram CTR baseline 0.65 %
    assert v.per_post["clicks"].value == pytest.approx(273) and v.per_post["clicks"].estimated
    # EMV (ayzenberg, Instagram): 1,200 likes x 0.07 + 40 comments x 3.46 = 222.40 per post, x 2
    assert v.emv == Decimal("444.80")
    # fee: 42,000 x 2 x 10-25 USD / 1000 (micro CPM band)
    assert (v.fee_low, v.fee_mid, v.fee_high) == (Decimal("840.00"), Decimal("1470.00"), Decimal("2100.00"))
    assert any("42,000 x 2 x 10.00-25.00 / 1000 = 840.00-2,100.00 USD" in f for f in v.formulas)
    assert any("EMV ROI would be below 1x" in n for n in v.notes)
    d = v.to_dict()
    assert d["fee"]["low"] == "840.00" and d["estimate"] is True


def test_own_cpm_cpe_currency_and_custom_table(tmp_path):
    path = tmp_path / "twd.yaml"
    path.write_text(
        "name: twd\ncompiled: 2026-01-01\nsource: {name: our rates}\nversions:\n"
        "  - {version: '1', currency: TWD, rates: {instagram: {likes: '2', comments: '100'}}}\n",
        encoding="utf-8")
    v = value_creator(85_000, "ig", POSTS, currency="twd", cpm_range=("300", "600"), cpe_range=("5", "8"),
                      emv_table=emv.load_table(path))
    assert v.currency == "TWD" and v.emv == Decimal("6400.00")  # 1,200 x 2 + 40 x 100
    assert (v.fee_low, v.fee_high) == (Decimal("12600.00"), Decimal("25200.00"))
    assert (v.cpe_fee_low, v.cpe_fee_high) == (Decimal("6500.00"), Decimal("10400.00"))


def test_usd_benchmarks_need_an_exchange_rate():
    v = value_creator(85_000, "instagram", POSTS, currency="TWD")
    assert v.fee_low is None and v.emv is None
    assert any("give fx_rate (TWD per 1 USD)" in n for n in v.notes)
    v = value_creator(85_000, "instagram", POSTS, currency="TWD", fx_rate="32")
    assert v.fee_low == Decimal("13440.00") and v.emv == Decimal("7116.80")


def test_without_posts_engagements_come_from_the_er_band():
    v = value_creator(85_000, "instagram")
    # 50k-100k Instagram band 0.75-1.01 % -> midpoint 0.88 %
    assert v.per_post["engagements"].value == pytest.approx(748) and v.per_post["engagements"].estimated
    assert v.per_post["impressions"].value is None and v.fee_low is None and v.emv is None
    assert "no impressions" in " ".join(v.notes)


def test_reach_only_posts_estimate_impressions_and_tier_without_cpm_band():
    v = value_creator(3_000, "tiktok", [{"reach": 2000, "likes": 100}])
    assert v.per_post["impressions"].value == 3000 and v.per_post["impressions"].estimated
    assert v.tier == "nano" and "whole published range" in v.cpm_basis
    assert (v.fee_low, v.fee_high) == (Decimal("30.00"), Decimal("150.00"))  # 3,000 x 10-50 / 1000


def test_bad_input():
    with pytest.raises(ValueError, match=r"posts\[0\].likes: not a number"):
        value_creator(1000, "instagram", [{"likes": "many"}])
    with pytest.raises(ValueError, match="whole number"):
        value_creator(1000, "instagram", [{"likes": "-3"}])
    with pytest.raises(ValueError, match="deliverables"):
        value_creator(1000, "instagram", deliverables=0)
    with pytest.raises(ValueError, match="cpm_range"):
        value_creator(1000, "instagram", cpm_range=(5, 2))
    with pytest.raises(ValueError, match="positive"):
        value_creator(0, "instagram")
