from decimal import Decimal

import pytest

from influscope.kpi import benchmarks as b


@pytest.mark.parametrize(
    "followers,expected",
    [(0, "nano"), (9_999, "nano"), (10_000, "micro"), (99_999, "micro"), (100_000, "mid"),
     (499_999, "mid"), (500_000, "macro"), (999_999, "macro"), (1_000_000, "mega"), (50_000_000, "mega")],
)
def test_default_tiers_follow_design_boundaries(followers, expected):
    assert b.tier(followers).id == expected


def test_other_presets():
    assert "hypeauditor" in b.tier_presets() and "upfluence" in b.tier_presets()
    assert b.tier(4_999, "hypeauditor").id == "nano"
    assert b.tier(5_000, "hypeauditor").id == "micro"
    assert b.tier(20_000, "hypeauditor").id == "mid"
    assert b.tier(19_999, "upfluence").id == "micro"
    assert b.tier(400_000, "upfluence").id == "macro"
    assert b.tier(15_000).label == "micro (10k-100k)"


def test_tier_rejects_bad_input():
    with pytest.raises(ValueError, match="unknown tier preset 'x'"):
        b.tier(10, "x")
    with pytest.raises(ValueError, match="negative"):
        b.tier(-1)
    with pytest.raises(ValueError, match="whole number"):
        b.tier(10.5)
    assert b.tier(Decimal(20000)).id == "micro"


def test_ctr_baselines_have_sources():
    base = b.ctr_baseline()
    assert base.value == 1.36 and base.unit == "%" and base.platform is None
    assert base.source.verified and base.source.name.startswith("Later, 8 Influencer Marketing KPIs")
    assert "later.com" in base.source.url and "social ads" in base.scope
    ig = b.ctr_baseline("instagram")
    assert ig.value == 0.65 and ig.platform == "instagram" and "smartmetrics" in ig.source.url
    assert b.ctr_baseline("FB").value == 1.11
    tt = b.ctr_baseline("tiktok")
    assert (tt.low, tt.high, tt.value, tt.year) == (0.5, 1.5, 1.0, 2026)
    # no platform figure: falls back to the social-ad baseline
    assert b.ctr_baseline("youtube").value == 1.36
    assert all(a.source.year == 2026 for a in b.ctr_alternatives("tiktok"))


def test_every_shipped_figure_names_a_source_and_a_year_field():
    for bench in [b.ctr_baseline(p) for p in (None, "instagram", "facebook", "linkedin", "tiktok")] + \
            [b.er_band(p, f) for p in ("instagram", "tiktok") for f in (2000, 7000, 20000, 70000, 200000, 700000, 2_000_000)] + \
            b.er_points() + b.ctr_alternatives():
        d = bench.to_dict()
        assert d["source"]["name"] and "year" in d and d["citation"]


def test_er_band_by_platform_and_size():
    band = b.er_band("instagram", 30_000)
    assert (band.low, band.high, band.high_above) == (0.84, 1.11, 2.61)
    assert band.value == 0.975 and "modash" in band.source.url
    assert b.er_band("instagram", 50_000).low == 0.75
    assert b.er_band("tiktok", 2_000_000).high == 1.43
    assert b.er_band("instagram", 500) is None  # no band published below 1k
    assert b.er_band("youtube", 30_000) is None
    hype = b.er_points("instagram")
    assert hype[0].value == 10.58 and hype[0].year == 2018 and hype[0].note == "median 16.99 %"


def test_for_kpi():
    assert b.for_kpi("ctr", "instagram").value == 0.65
    assert b.for_kpi("engagement_rate", "instagram", 30_000).low == 0.84
    assert b.for_kpi("engagement_rate", "instagram").value == 1.66
    assert b.for_kpi("engagement_rate", "youtube") is None
    assert b.for_kpi("credibility_score").low == 75
    assert b.for_kpi("roas").value == 4.0
    cpm = b.for_kpi("cpm", followers=50_000, currency="usd")
    assert (cpm.low, cpm.high, cpm.currency) == (10, 25, "USD")
    assert b.for_kpi("cpm", followers=5_000, currency="USD") is None  # no band for nano
    # money benchmarks only in their own currency
    assert b.for_kpi("cpm", followers=50_000) is None
    assert b.for_kpi("cpm", followers=50_000, currency="TWD") is None
    assert [x.currency for x in b.cpm_bands()] == ["USD", "USD"]
    assert b.for_kpi("reach") is None


def test_compare():
    band = b.er_band("instagram", 30_000)
    assert b.compare(0.5, band) == "below"
    assert b.compare(0.84, band) == "within"
    assert b.compare(1.11, band) == "within"
    assert b.compare(1.2, band) == "above"
    assert b.compare(1.0, 1.36) == "below"
    assert b.compare(Decimal("1.36"), b.ctr_baseline()) == "within"
    assert b.compare(2, b.ctr_baseline()) == "above"
    cred = b.for_kpi("credibility_score")
    assert b.compare(99, cred) == "within" and b.compare(60, cred) == "below"
    assert b.compare(None, band) is None and b.compare(1, None) is None
