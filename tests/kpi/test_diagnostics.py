from datetime import date
from decimal import Decimal

import pytest

from influscope.kpi import benchmarks
from influscope.kpi.diagnostics import DEFAULT_THRESHOLDS, LANGUAGES, RULES, diagnose

CAMPAIGN = {"start": date(2026, 3, 1), "end": date(2026, 3, 31), "today": date(2026, 3, 10), "budget": 500_000}


def ids(diags, subject=None):
    return [d.id for d in diags if d.subject == subject]


def only(diags, rule_id, subject=None):
    found = [d for d in diags if d.id == rule_id and d.subject == subject]
    assert len(found) == 1, [d.id for d in diags]
    d = found[0]
    assert set(d.message) == set(LANGUAGES) and all(d.message[lang] for lang in LANGUAGES)
    return d


# (rule id, kpis, context) that fire, and a close variant that does not.
CASES = {
    "traffic_up_conversion_flat": (
        ({"traffic_lift": 25.0, "conversion_rate": 1.0}, {"previous": {"conversion_rate": 1.2}}),
        ({"traffic_lift": 25.0, "conversion_rate": 1.5}, {"previous": {"conversion_rate": 1.2}}),
    ),
    "high_er_low_ctr": (
        ({"engagement_rate": 4.0, "ctr": 0.5}, {}),
        ({"engagement_rate": 2.0, "ctr": 0.5}, {}),
    ),
    "code_leak": (
        ({"code_redemptions": 40, "clicks": 12}, {}),
        ({"code_redemptions": 40, "clicks": 900}, {}),
    ),
    "low_credibility": (
        ({"credibility_score": 62.0}, {}),
        ({"credibility_score": 75.0}, {}),
    ),
    "ctr_below_baseline": (
        ({"ctr": 1.2}, {}),
        ({"ctr": 1.4}, {}),
    ),
    "cpa_above_target": (
        ({"cpa": Decimal("250")}, {"targets": {"cpa": 200}}),
        ({"cpa": Decimal("180")}, {"targets": {"cpa": 200}}),
    ),
    "budget_ahead": (
        ({"spend": Decimal("300000")}, CAMPAIGN),
        ({"spend": Decimal("160000")}, CAMPAIGN),
    ),
    "budget_behind": (
        ({"spend": Decimal("50000")}, CAMPAIGN),
        ({"spend": Decimal("160000")}, CAMPAIGN),
    ),
    "bot_share_high": (
        ({"clicks": 700, "bot_clicks": 300}, {}),
        ({"clicks": 900, "bot_clicks": 100}, {}),
    ),
    "roas_below_1": (
        ({"roas": 0.7}, {}),
        ({"roas": 1.0}, {}),
    ),
}


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_rule_fires_and_does_not(rule_id):
    (fire_k, fire_c), (quiet_k, quiet_c) = CASES[rule_id]
    d = only(diagnose(fire_k, fire_c), rule_id)
    assert d.severity == RULES[rule_id].severity
    assert d.figures  # the numbers that fired it
    assert rule_id not in ids(diagnose(quiet_k, quiet_c))


def test_every_rule_has_a_case_and_translated_titles():
    assert set(CASES) | {"er_below_tier"} == set(RULES)
    for rule in RULES.values():
        assert set(rule.title) == set(LANGUAGES) and set(rule.messages) == set(LANGUAGES)


def test_figures_and_messages_carry_the_numbers():
    d = only(diagnose({"traffic_lift": 25.0, "conversion_rate": 1.0}, {"previous": {"conversion_rate": 1.2}}),
             "traffic_up_conversion_flat")
    assert d.figures == {"traffic_change_pct": 25.0, "conversion_rate": 1.0, "previous_conversion_rate": 1.2}
    assert "25.0 %" in d.message["en"] and "1.00 %" in d.message["en"] and "landing page" in d.message["en"]
    assert "25.0%" in d.message["zh-Hant"] and "到達頁面" in d.message["zh-Hant"]
    assert "25.0%" in d.message["ar"] and "صفحة الهبوط" in d.message["ar"]
    code = only(diagnose({"code_redemptions": 40, "clicks": 0}, {}), "code_leak")
    assert code.figures == {"code_redemptions": 40.0, "clicks": 0.0} and "coupon sites" in code.message["en"]


def test_traffic_rule_from_sessions_and_missing_previous():
    k = {"sessions": 1300, "conversion_rate": 1.0}
    assert "traffic_up_conversion_flat" in ids(diagnose(k, {"previous": {"sessions": 1000, "conversion_rate": 1.0}}))
    assert "traffic_up_conversion_flat" not in ids(diagnose(k, {"previous": {"sessions": 1250, "conversion_rate": 1.0}}))
    assert "traffic_up_conversion_flat" not in ids(diagnose(k, {}))  # nothing to compare with


def test_ctr_baseline_depends_on_platform_and_override():
    b_ig = benchmarks.ctr_baseline("instagram")
    # 0.7 % is below the 1.36 % default but above Instagram's 0.65 % median
    assert "ctr_below_baseline" in ids(diagnose({"ctr": 0.7}, {}))
    assert "ctr_below_baseline" not in ids(diagnose({"ctr": 0.7}, {"platform": "instagram"}))
    assert "ctr_below_baseline" in ids(diagnose({"ctr": 0.7}, {"platform": "instagram", "benchmarks": {"ctr": 1.0}}))
    assert "ctr_below_baseline" in ids(diagnose({"ctr": 0.7}, {"benchmarks": {"ctr": {"value": 0.9}}}))
    assert "ctr_below_baseline" not in ids(diagnose({"ctr": 0.7}, {"benchmarks": {"ctr": b_ig}}))
    d = only(diagnose({"ctr": 0.5}, {"platform": "instagram"}), "ctr_below_baseline")
    assert d.figures["ctr_baseline"] == 0.65 and "SmartMetrics" in d.figures["ctr_source"]
    assert "published figure for instagram" in d.message["en"]  # which baseline, and why
    d = only(diagnose({"ctr": 0.5}, {"platform": "youtube"}), "ctr_below_baseline")
    assert d.figures["ctr_baseline"] == 1.36
    assert "Later, 8 Influencer Marketing KPIs" in d.message["en"] and "all-platform average" in d.message["en"]


def test_er_benchmark_override_for_campaign():
    k = {"engagement_rate": 2.5, "ctr": 0.5}
    assert "high_er_low_ctr" not in ids(diagnose(k, {}))
    assert "high_er_low_ctr" in ids(diagnose(k, {"benchmarks": {"engagement_rate": benchmarks.er_band("instagram", 30_000)}}))


def test_missing_inputs_never_fire():
    assert diagnose({}, {}) == []
    assert diagnose({"roas": None, "ctr": None, "cpa": 300}, {"targets": {"cpa": None}}) == []
    assert diagnose({"code_redemptions": 40, "clicks": None}, {}) == []  # no link data: cannot judge
    assert diagnose({"code_redemptions": 3, "clicks": 0}, {}) == []  # too few redemptions


def test_budget_pacing_only_during_the_campaign():
    after = {**CAMPAIGN, "today": date(2026, 4, 5)}
    assert diagnose({"spend": Decimal("50000")}, after) == []
    d = only(diagnose({"spend": Decimal("300000")}, CAMPAIGN), "budget_ahead")
    assert d.figures["projected_spend"] == pytest.approx(300000 / (10 / 31))
    assert d.figures["elapsed_pct"] == pytest.approx(1000 / 31)


def test_per_creator_rows():
    rows = [
        {"creator": "far-below", "platform": "instagram", "followers": 30_000,
         "kpis": {"engagement_rate": {"value": 0.3, "unit": "%"}, "credibility_score": {"value": 58}}},
        {"creator": "in-band", "platform": "instagram", "followers": 30_000, "kpis": {"engagement_rate": 0.9}},
        {"creator": "just-below", "platform": "instagram", "followers": 30_000, "kpis": {"engagement_rate": 0.5}},
        {"creator": "no-band", "platform": "youtube", "followers": 30_000, "kpis": {"engagement_rate": 0.1}},
        {"creator": "cta", "platform": "instagram", "followers": 30_000, "kpis": {"engagement_rate": 3.0, "ctr": 0.4}},
        {"creator": "leaky", "kpis": {"code_redemptions": 25, "clicks": 4}},
    ]
    diags = diagnose({}, {"rows": rows})
    er = only(diags, "er_below_tier", "far-below")
    assert er.figures["band_low"] == 0.84 and er.figures["tier"] == "micro" and er.figures["followers"] == 30_000
    assert "30,000" in er.message["en"]
    assert only(diags, "low_credibility", "far-below").severity == "critical"
    for quiet in ("in-band", "just-below", "no-band"):
        assert ids(diags, quiet) == []
    # creator rows use the band of their size (high end 1.11 %) and their platform's CTR baseline (0.65 %)
    assert only(diags, "high_er_low_ctr", "cta").figures["er_high"] == 1.11
    only(diags, "code_leak", "leaky")
    assert ids(diags) == []  # nothing at campaign level
    # critical first
    assert diags[0].severity == "critical"


def test_diagnostics_fit_the_campaign_goal():
    k = {"roas": 0.5, "cpa": 900, "ctr": 0.2, "credibility_score": 40}
    ctx = {"targets": {"cpa": 450}}
    bofu = ids(diagnose(k, {**ctx, "goal": "bofu"}))
    assert {"roas_below_1", "cpa_above_target", "ctr_below_baseline", "low_credibility"} <= set(bofu)
    mofu = ids(diagnose(k, {**ctx, "goal": "mofu"}))
    assert "roas_below_1" not in mofu and "cpa_above_target" not in mofu  # no sales advice for sign-ups
    assert "ctr_below_baseline" in mofu and "low_credibility" in mofu
    tofu = ids(diagnose(k, {**ctx, "goal": "tofu"}))
    assert tofu == ["low_credibility"]  # awareness is not judged on clicks or sales
    d = only(diagnose(k, {**ctx, "goal": "bofu"}), "roas_below_1")
    assert d.severity == "critical" and "awareness" not in d.message["en"]
    assert d.title["en"] == "ROAS below 1" and d.action["en"].startswith("Keep creators")
    assert set(d.to_dict()["action"]) == {"en", "zh-Hant", "ar"}


def test_ordering_and_json():
    diags = diagnose({"roas": 0.5, "ctr": 1.0, "cpa": 300}, {"targets": {"cpa": 200}})
    assert [d.severity for d in diags] == ["critical", "warning", "info"]
    j = diags[0].to_dict()
    assert j["id"] == "roas_below_1" and j["kpis"] == ["roas"] and j["subject"] is None and "ar" in j["message"]


def test_thresholds_override_and_validation():
    assert "ctr_below_baseline" not in ids(diagnose({"ctr": 1.0}, {"benchmarks": {"ctr": 0.9}}))
    assert "bot_share_high" in ids(diagnose({"clicks": 900, "bot_clicks": 100}, {"thresholds": {"bot_share_pct": 5}}))
    assert DEFAULT_THRESHOLDS["bot_share_pct"] == 20.0  # not mutated
    with pytest.raises(ValueError, match="unknown diagnostics threshold 'bots'"):
        diagnose({}, {"thresholds": {"bots": 1}})
    with pytest.raises(ValueError, match="goal"):
        diagnose({}, {"goal": "sales"})


def test_engine_row_shapes():
    engine_row = {"key": {"creator": "mei"}, "kpis": {"roas": {"value": 0.4, "unit": "x"}}}
    assert only(diagnose({}, {"rows": [engine_row]}), "roas_below_1", "mei").figures == {"roas": 0.4, "roas_min": 1.0}
    short = diagnose({}, {"creators": {"jun": {"credibility_score": 50.0}, None: {"roas": 0.1}}})
    assert [(d.id, d.subject) for d in short] == [("low_credibility", "jun")]


def test_a_figure_below_its_bound_never_reads_as_the_bound():
    roas = only(diagnose({"roas": 0.996}, {}), "roas_below_1")
    assert "ROAS is 0.996x" in roas.message["en"] and "0.996" in roas.message["ar"]
    assert "ROAS is 0.50x" in only(diagnose({"roas": 0.5}, {}), "roas_below_1").message["en"]
    cred = only(diagnose({"credibility_score": 74.6}, {}), "low_credibility")
    assert "74.6/100, below 75" in cred.message["en"]
    ctr = only(diagnose({"ctr": 1.3599}, {}), "ctr_below_baseline")
    assert "1.3599" in ctr.message["en"] and "1.36" in ctr.message["en"]


def test_a_figure_that_no_rounding_keeps_below_its_bound_is_cut():
    from influscope.kpi.diagnostics import below_bound

    assert below_bound({"roas": 0.996, "roas_min": 1.0}) == {"roas": (0.996, 3)}
    assert below_bound({"roas": 0.5, "roas_min": 1.0}) == {}          # reads below with its own places
    assert below_bound({"roas": 1.2, "roas_min": 1.0}) == {}          # not below
    assert below_bound({"roas": 0.99999, "roas_min": 1.0}) == {"roas": (0.9999, 4)}
    only_text = only(diagnose({"roas": 0.99999}, {}), "roas_below_1").message["en"]
    assert "ROAS is 0.9999x" in only_text
