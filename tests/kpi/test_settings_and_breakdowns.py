"""Methodology settings change the numbers as documented; breakdowns split them correctly."""

from __future__ import annotations

from decimal import Decimal

import pytest

from influscope.kpi import methodology
from influscope.kpi.methodology import SettingError


def v(result, kid):
    return result.kpis[kid]["value"]


@pytest.mark.parametrize("settings, kid, expected", [
    ({"er_denominator": "reach"}, "engagement_rate", (570 + 110) / (8000 + 1500) * 100),
    ({"er_denominator": "views"}, "engagement_rate", (570 + 1680) / (12000 + 30000) * 100),
    ({"er_denominator": "tiktok:views,default:followers"}, "engagement_rate", (570 + 1680 + 110) / (20000 + 30000 + 2000) * 100),
    ({"er_aggregation": "mean_of_posts"}, "engagement_rate", (570 / 20000 + 1680 / 50000 + 110 / 2000) / 3 * 100),
    ({"er_aggregation": "median_of_posts"}, "engagement_rate", 1680 / 50000 * 100),
    ({"engagement_components": "likes,comments"}, "engagements", 540 + 1600 + 110),
    ({"engagement_components": "likes,clicks"}, "engagements", 600 + 1500 + 100),
    ({"engagement_components": "likes,reactions"}, "engagements", 500 + 1500 + 107),
    ({"bot_clicks": "included"}, "clicks", 8),
    ({"unique_click_window": "1d"}, "unique_clicks", 5),
    ({"unique_click_window": "30m"}, "unique_clicks", 6),
    ({"attribution_window_days": 20}, "revenue", Decimal("5600")),  # o9 came 23 days after its click
    ({"revenue_basis": "gross"}, "revenue", Decimal("7400")),  # 1100 + 2000 + 1500 + 800 + 1600 + 400
    ({"revenue_basis": "gross"}, "orders", 6),
])
def test_setting_changes_the_value(hand, settings, kid, expected):
    value = v(hand(settings=settings), kid)
    if isinstance(expected, float):
        assert value == pytest.approx(expected, rel=1e-12)
    else:
        assert value == expected


def test_code_beats_link_off_gives_the_order_to_the_click(hand):
    rows = {r["key"]["creator"]: r for r in hand(by="creator", settings={"code_beats_link": "false"}).rows}
    assert rows["amy"]["kpis"]["revenue"]["value"] == Decimal("2400")  # o2 + o9
    assert rows["ben"]["kpis"]["revenue"]["value"] == Decimal("3600")  # o1 (click c6) + o3 + o6


def test_first_click_credits_the_visitors_first_link(hand):
    rows = {r["key"]["creator"]: r for r in hand(by="creator", settings={"attribution": "first_click"}).rows}
    # v1 first clicked ben's link (c8), so o2 and o9 go to ben; o1 keeps amy's code
    assert rows["amy"]["kpis"]["revenue"]["value"] == Decimal("1000")
    assert rows["ben"]["kpis"]["revenue"]["value"] == Decimal("5000")


def test_workspace_and_campaign_overrides_apply_in_order(hand_engine):
    import sqlalchemy as sa

    from influscope.db import tables as t
    from influscope.kpi.api import kpis
    from tests.kpi.conftest import TODAY

    try:
        with hand_engine.begin() as conn:
            conn.execute(t.workspaces.update().values(methodology={"er_denominator": "reach", "bot_clicks": "included"}))
            conn.execute(t.campaigns.update().values(methodology={"er_denominator": "views"}))
        r = kpis("hand", workspace="w", engine=hand_engine, today=TODAY)
        assert r.settings["er_denominator"] == "views" and r.settings["bot_clicks"] == "included"
        r = kpis("hand", workspace="w", engine=hand_engine, today=TODAY, settings={"er_denominator": "followers"})
        assert r.settings["er_denominator"] == "followers"
        with hand_engine.begin() as conn:
            conn.execute(t.campaigns.update().values(methodology={"er_denominator": "likes"}))
        with pytest.raises(SettingError, match="campaign methodology: er_denominator: 'likes'"):
            kpis("hand", workspace="w", engine=hand_engine, today=TODAY)
    finally:
        with hand_engine.begin() as conn:
            conn.execute(t.workspaces.update().values(methodology={}))
            conn.execute(t.campaigns.update().values(methodology={}))
    assert sa  # imported for the update helpers


@pytest.mark.parametrize("overrides, message", [
    ({"nope": 1}, "unknown setting 'nope'"),
    ({"er_denominator": "likes"}, "er_denominator: 'likes' is not one of"),
    ({"attribution_window_days": 120}, "outside 1-90"),
    ({"attribution_window_days": "soon"}, "not a whole number"),
    ({"engagement_components": "likes,hearts"}, "'hearts' is not one of"),
    ({"emv_cpm": "-3"}, "must be a positive number"),
    ({"code_beats_link": "maybe"}, "not true or false"),
    ({"unique_click_window": "2h"}, "not one of"),
    ({"tiers": "giant"}, "not one of"),
    ({"emv_model": "cpm"}, "needs emv_cpm"),
    ({"emv_table": "nope"}, "emv_table: 'nope' is not one of"),
    ({"emv_table": "missing.yaml"}, "no table file"),
])
def test_bad_settings_are_refused_with_a_clear_error(overrides, message):
    with pytest.raises(SettingError, match=message):
        methodology.resolve(call=overrides)


def test_parse_assignments():
    assert methodology.parse_assignments(["er_denominator=reach", "attribution_window_days=7"]) == {
        "er_denominator": "reach", "attribution_window_days": 7}
    with pytest.raises(SettingError, match="expected SETTING=VALUE"):
        methodology.parse_assignments(["reach"])


def test_every_setting_is_documented():
    from pathlib import Path

    text = (Path(__file__).parents[2] / "docs" / "methodology.md").read_text(encoding="utf-8")
    for name in methodology.SETTINGS:
        assert f"`{name}`" in text, name


# ------------------------------------------------------------------------------------ breakdowns

def test_by_creator_ranks_and_splits(hand):
    r = hand(by="creator")
    assert [row["key"]["creator"] for row in r.rows] == ["amy", "ben"]  # ranked by revenue (BOFU)
    assert [row["rank"] for row in r.rows] == [1, 2]
    amy, ben = r.rows
    assert amy["kpis"]["revenue"]["value"] == Decimal("3400") and ben["kpis"]["revenue"]["value"] == Decimal("2600")
    assert amy["kpis"]["spend"]["value"] == Decimal("30000") and ben["kpis"]["spend"]["value"] == Decimal("3150")
    assert amy["kpis"]["clicks"]["value"] == 4 and ben["kpis"]["clicks"]["value"] == 3
    assert amy["kpis"]["leads"]["value"] == 2 and ben["kpis"]["leads"]["value"] == 1
    assert amy["kpis"]["referral_sessions"]["value"] == 50
    assert amy["kpis"]["engagement_rate"]["value"] == pytest.approx((570 + 1680) / 70000 * 100)
    assert ben["tier"] == "nano" and amy["tier"] == "micro"
    assert amy["kpis"]["sessions"]["value"] is None and amy["kpis"]["sessions"]["reason"]


def test_by_day_uses_the_campaign_time_zone(hand):
    rows = {row["key"]["day"]: row["kpis"] for row in hand(by="day").rows}
    # p3 was posted 2026-02-28T16:30Z = 2026-03-01 00:30 in Taipei; c6/c7/c8 are on 03-01 local
    assert rows["2026-03-01"]["posts"]["value"] == 1
    assert rows["2026-03-01"]["clicks"]["value"] == 3
    assert rows["2026-03-02"]["clicks"]["value"] == 4
    assert rows["2026-03-02"]["sessions"]["value"] == 250
    assert rows["2026-03-02"]["spend"]["value"] == Decimal("3150")


def test_by_platform_and_content_type_and_post(hand):
    plat = {row["key"]["platform"]: row["kpis"] for row in hand(by="platform").rows}
    assert plat["instagram"]["impressions"]["value"] == 12000 and plat["tiktok"]["video_views"]["value"] == 30000
    assert plat["instagram"]["spend"]["value"] is None and "per creator" in plat["instagram"]["spend"]["reason"]
    ct = {row["key"]["content_type"]: row["kpis"] for row in hand(by="content_type").rows}
    assert ct["reel"]["clicks"]["value"] == 4 and ct["post"]["clicks"]["value"] == 3
    posts = {row["key"]["post"]: row["kpis"] for row in hand(by="post").rows}
    assert set(posts) == {"p1", "p2", "p3"}
    assert posts["p1"]["revenue"]["value"] == Decimal("2400")  # o2 and o9 came through p1's link
    assert posts["p2"]["clicks"]["value"] is None


def test_period_filter(hand):
    r = hand(start=__import__("datetime").date(2026, 3, 2), end=__import__("datetime").date(2026, 3, 3))
    assert r.kpis["posts"]["value"] == 1  # p1 only
    assert r.kpis["clicks"]["value"] == 4


def test_to_frame(hand):
    df = hand(by="creator").to_frame()
    assert set(df["creator"]) == {"amy", "ben"}
    assert {"kpi", "value", "unit", "reason", "target", "attainment", "benchmark"} <= set(df.columns)


def test_unknown_campaign_and_breakdown(hand):
    from influscope.kpi.facts import CampaignNotFound

    with pytest.raises(ValueError, match="unknown breakdown"):
        hand(by="country")
    from influscope.kpi.api import kpis

    with pytest.raises(CampaignNotFound):
        kpis("nope", workspace="w", engine=hand.__closure__[0].cell_contents)


def test_described_settings_round_trip():
    """What the dashboard stores (methodology.describe) is read back as the same settings."""
    resolved = methodology.resolve(call={"er_denominator": " instagram : reach, default:views",
                                         "engagement_components": "likes,saves", "emv_model": "cpm",
                                         "emv_cpm": "4.5", "code_beats_link": "no"})
    assert resolved["er_denominator"] == {"instagram": "reach", "default": "views"}
    assert methodology.resolve(workspace=methodology.describe(resolved)) == resolved
    with pytest.raises(SettingError, match="is not PLATFORM:DENOMINATOR"):
        methodology.resolve(call={"er_denominator": "tiktok:views,reach"})
