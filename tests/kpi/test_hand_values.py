"""Every KPI id on the hand-made campaign, against values computed by hand (see handmade.py)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from influscope.kpi.catalogue import KPIS

SPEND = Decimal("38150")  # 30000 TWD + 100 USD x 31.5 (rate of 2026-02-27, the latest on or before 03-02) + 5000 TWD
REVENUE = Decimal("6000")  # o1 1000 (code) + o2 2000 (click) + o3 1500-500 (utm) + o6 50 USD x 32 + o9 400 (click)


def v(result, kid):
    return result.kpis[kid]["value"]


def approx(x):
    return pytest.approx(x, rel=1e-12, abs=1e-12)


@pytest.fixture(scope="module")
def r(hand_engine):
    from influscope.kpi.api import kpis
    from tests.kpi.conftest import TODAY

    return kpis("hand", workspace="w", engine=hand_engine, today=TODAY)


def test_content_and_reach(r):
    assert v(r, "posts") == 3
    assert v(r, "creators_active") == 2
    assert v(r, "potential_reach") == 20000 + 50000 + 2000  # amy.eats from followers.csv, the others from creators.csv
    assert v(r, "impressions") == 10000 + 2000  # latest snapshot of p1; p2 reports none
    assert v(r, "reach") == 8000 + 1500
    assert v(r, "video_views") == 12000 + 30000
    assert v(r, "frequency") == approx(12000 / 9500)
    for kid, expected in (("likes", 2100), ("comments", 150), ("shares", 70), ("saves", 40)):
        assert v(r, kid) == expected, kid
    assert v(r, "reactions") == 7  # only p3 reports reactions; they are not an engagement component by default
    assert v(r, "engagements") == 570 + 1680 + 110
    assert v(r, "engagement_rate") == approx(2360 / 72000 * 100)


def test_costs(r):
    assert v(r, "spend") == SPEND
    assert v(r, "budget_used") == approx(38.15)
    assert v(r, "cpm") == Decimal("3179.1667")  # 38150 / 12000 x 1000
    assert v(r, "cpv") == Decimal("0.9083")  # 38150 / 42000
    assert v(r, "cpe") == Decimal("16.1653")  # 38150 / 2360
    assert v(r, "cpc") == Decimal("5450.0000")  # 38150 / 7
    assert v(r, "cpa") == Decimal("7630.0000")
    assert v(r, "cpl") == Decimal("12716.6667")


def test_clicks(r):
    assert v(r, "clicks") == 7  # c5 is a bot
    assert v(r, "bot_clicks") == 1
    # amy-ig/v1: c1 opens a window, c2 (50 min) is inside, c3 (70 min) opens the next; v2; ben-ig/v4;
    # c7 has no visitor; ben-ig/v1
    assert v(r, "unique_clicks") == 6
    assert v(r, "ctr") == approx(7 / 12000 * 100)


def test_orders_and_attribution(r):
    assert v(r, "orders") == 5
    assert v(r, "conversions") == 5
    # by the rule that credited them; o1 carried both a creator's code and a creator's click
    assert r.kpis["conversions"]["detail"] == {"code": 2, "click": 2, "utm": 1, "code_and_click": 1}
    assert v(r, "revenue") == REVENUE
    assert v(r, "aov") == Decimal("1200.0000")
    assert v(r, "conversion_rate") == approx(5 / 7 * 100)
    assert r.kpis["conversion_rate"]["detail"]["per_referral_session"] == approx(5 / 50 * 100)
    assert v(r, "code_redemptions") == 2
    assert r.kpis["code_redemptions"]["detail"] == {"AMY10": 1, "BEN10": 1}
    assert v(r, "units") == 2 + 1 + 3 + 1
    assert v(r, "new_customer_share") == approx(50.0)  # o1 and o6 new, o2 and o3 not; o9 does not say
    assert v(r, "roas") == approx(float(REVENUE / SPEND))
    assert v(r, "roi") == approx(float((REVENUE - SPEND) / SPEND * 100))
    assert v(r, "roas_pct") == approx(float(REVENUE / SPEND * 100))


def test_leads(r):
    assert v(r, "leads") == 3  # l4 is credited to no one
    assert r.kpis["leads_by_type"]["detail"] == {"download": 1, "signup": 1, "webinar": 1}
    assert v(r, "leads_by_type") == 3


def test_traffic(r):
    assert v(r, "sessions") == 500
    assert v(r, "new_users") == 260
    assert v(r, "pageviews") == 1200
    assert v(r, "pages_per_session") == approx(2.4)
    assert v(r, "avg_session_duration_s") == approx(100.0)
    assert v(r, "bounce_rate") == approx((250 - 180) / 250 * 100)  # only rows reporting engaged sessions
    assert v(r, "referral_sessions") == 50
    assert v(r, "traffic_lift") == approx((250 - 150) / 150 * 100)


def test_brand_followers(r):
    assert v(r, "follower_growth") == 200
    assert v(r, "follower_growth_pct") == approx(20.0)
    # campaign 200 over 9 days vs baseline 100 over 9 days
    assert v(r, "follower_lift") == approx(100.0)


def test_emv_per_action_is_an_estimate_from_the_rate_table(r):
    from influscope.kpi import emv

    table = emv.load_table("default", on=dt.date(2026, 3, 1))
    assert table.currency == "USD"
    posts = {  # latest counts per post, with the USD rate of the post's day
        "instagram": [({"likes": 500, "comments": 40, "shares": 20, "saves": 10, "impressions": 10000, "reach": 8000,
                        "views": 12000, "clicks": 100}, Decimal("31.5")),
                      ({"likes": 100, "comments": 10, "impressions": 2000, "reach": 1500, "reactions": 7}, Decimal("31.5"))],
        "tiktok": [({"likes": 1500, "comments": 100, "shares": 50, "saves": 30, "views": 30000}, Decimal("32"))],
    }
    expected = Decimal(0)
    for platform, items in posts.items():
        for counts, rate in items:
            usd = sum((table.rate(platform, a) or 0) * n for a, n in counts.items())
            expected += usd.quantize(Decimal("0.0001")) * rate
    assert r.kpis["emv"]["estimated"] is True
    assert v(r, "emv") == expected.quantize(Decimal("0.0001"))
    assert v(r, "emv_roi") == approx(float(expected.quantize(Decimal("0.0001")) / SPEND))


def test_emv_cpm_model(hand):
    r = hand(settings={"emv_model": "cpm", "emv_cpm": "50"})
    assert v(r, "emv") == Decimal("600.0000")  # 12000 impressions x 50 / 1000
    assert v(r, "emv_roi") == approx(600 / 38150)


def test_audience_demographics(r):
    assert v(r, "audience_demographics") == 2
    detail = r.kpis["audience_demographics"]["detail"]
    # amy.eats: the 03-08 breakdown (the latest on or before the end; 03-20 is after it), weight 20000
    assert detail["shares"]["gender"]["F"] == pytest.approx((62 * 20000 + 30 * 2000) / 22000, abs=1e-6)
    assert detail["shares"]["gender"]["M"] == pytest.approx((38 * 20000 + 70 * 2000) / 22000, abs=1e-6)
    # change since the start (03-01 breakdowns): only amy.eats moved, by 2 points of 20000/22000
    assert detail["change_pp"]["gender"]["F"] == pytest.approx(2 * 20000 / 22000, abs=1e-5)
    assert detail["change_pp"]["gender"]["M"] == pytest.approx(-2 * 20000 / 22000, abs=1e-5)


def test_audience_analysis_kpis_without_comments(r):
    # the hand-made campaign has no comments: the sentiment KPIs are reasoned nulls
    for kid in ("sentiment_positive_pct", "sentiment_negative_pct", "net_sentiment", "purchase_intent_pct"):
        assert v(r, kid) is None and r.kpis[kid]["reason"], kid
    score = v(r, "credibility_score")
    assert (score is None and r.kpis["credibility_score"]["reason"]) or 0 <= score <= 100


def test_sales_forecast_after_the_end_is_the_actual_revenue(r):
    assert r.kpis["sales_forecast"]["estimated"] is True
    # the campaign is over: revenue to its end date (o9 came after the end)
    assert v(r, "sales_forecast") == REVENUE - 400


def test_sales_forecast_too_early_is_a_reasoned_null(hand):
    r = hand(today=dt.date(2026, 3, 4))
    assert v(r, "sales_forecast") is None
    assert "day" in r.kpis["sales_forecast"]["reason"]


def test_goal_attainment_and_targets(r):
    roas = float(REVENUE / SPEND)
    assert r.kpis["roas"]["target"] == 2.0
    assert r.kpis["roas"]["attainment"] == pytest.approx(roas / 2.0 * 100)
    assert r.kpis["cpa"]["attainment"] == pytest.approx(500 / 7630 * 100)  # lower is better
    assert r.kpis["ctr"]["attainment"] == pytest.approx((7 / 12000 * 100) / 1.0 * 100)
    expected = (roas / 2.0 * 100 + 500 / 7630 * 100 + 7 / 12000 * 100 * 100) / 3
    assert v(r, "goal_attainment") == pytest.approx(expected)
    assert set(r.kpis["goal_attainment"]["detail"]) == {"roas", "cpa", "ctr"}
    assert r.kpis["roas"]["pacing"]["projected"] == pytest.approx(roas)  # a rate: the current value


def test_benchmarks_are_attached(r):
    assert r.kpis["ctr"]["benchmark"] == 1.36
    assert r.kpis["ctr"]["benchmark_source"]["name"]


def test_every_kpi_id_is_present_with_value_or_reason(r):
    assert list(r.kpis) == [*r.kpis]  # ordered
    assert set(r.kpis) == set(KPIS)
    for kid, obj in r.kpis.items():
        assert obj["unit"] == KPIS[kid].unit
        assert (obj["value"] is None) == (obj["reason"] is not None), kid


def test_stage_set_comes_first(r):
    from influscope.kpi.catalogue import STAGE_DEFAULTS

    assert list(r.kpis)[: len(STAGE_DEFAULTS["bofu"])] == STAGE_DEFAULTS["bofu"]


def test_missing_data_gives_reasoned_nulls_not_zeros(engine, tmp_path):
    from influscope.ingest.canonical import import_bundle
    from influscope.kpi.api import kpis
    from tests.kpi import handmade

    files = {k: handmade.FILES[k] for k in ("creators.csv", "posts.csv")}
    import_bundle(engine, handmade.write(tmp_path / "posts-only", files), workspace="w")
    r = kpis("hand", workspace="w", engine=engine, today=dt.date(2026, 5, 1))
    assert v(r, "impressions") == 12000
    reasons = {k: o["reason"] for k, o in r.kpis.items() if o["value"] is None}
    assert reasons["revenue"] == "no orders recorded in the attribution window"
    assert reasons["orders"] == reasons["conversions"] == reasons["revenue"]
    assert reasons["leads"] == "no leads recorded in the attribution window"
    assert reasons["clicks"] == "no tracking links"
    # a computed metric names every missing input
    assert reasons["spend"] == "no costs recorded" and "no costs recorded" in reasons["roas"].split("; ")
    assert reasons["sessions"] == "no site traffic recorded for the campaign days"
    assert "brand follower counts" in reasons["follower_growth"]
    assert set(reasons) >= {"cpm", "cpc", "cpa", "ctr", "traffic_lift", "emv_roi", "code_redemptions"}


CUSTOM_TABLE = """\
name: house
title: "Our own rates"
compiled: 2026-02-01
source: {name: "in-house media buying", url: null, year: 2026, third_party: false}
versions:
  - version: "1"
    currency: TWD
    rates:
      instagram: {likes: "2", comments: "10"}
      tiktok: {views: "0.5"}
"""


def test_emv_custom_table_file(hand, tmp_path):
    path = tmp_path / "house.yaml"
    path.write_text(CUSTOM_TABLE, encoding="utf-8")
    r = hand(settings={"emv_table": str(path)})
    # instagram p1 500 x 2 + 40 x 10, p3 100 x 2 + 10 x 10; tiktok p2 30000 x 0.5; already in TWD
    assert v(r, "emv") == Decimal(1000 + 400 + 200 + 100 + 15000)
    assert r.to_dict()["emv_table"]["name"] == "house"
