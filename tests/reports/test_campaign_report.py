"""What a campaign report says, on the demo: each goal's funnel, the summary, the ranked
diagnostics that fit the goal, the comparisons and the posts."""

from __future__ import annotations

import datetime as dt

import pytest

from influscope.reports import build

TODAY = dt.date(2026, 12, 4)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from influscope.db.engine import get_engine
    from influscope.demo import create_demo

    engine = get_engine(f"sqlite:///{tmp_path_factory.mktemp('report') / 'demo.db'}")
    create_demo(engine, workspace="demo", scale=0.05, today=TODAY)
    build.clear_cache()
    yield engine
    engine.dispose()


def _report(engine, slug, lang="en", **kw):
    return build.build_report(engine, "demo", slug, lang=lang, parts=("posts",), **kw)


@pytest.mark.parametrize("slug, path", [
    ("glow-awareness", ["reach", "engagements", "clicks"]),
    ("finlit-webinars", ["reach", "clicks", "referral_sessions", "leads"]),
    ("spring-launch", ["reach", "clicks", "referral_sessions", "conversions"]),
])
def test_each_goal_has_its_own_funnel_with_the_rate_of_the_step_before(demo, slug, path):
    rep = _report(demo, slug)
    steps = rep.funnel_steps
    assert [s.kpi_id for s in steps] == path
    assert steps[0].rate is None
    for before, step in zip(steps, steps[1:]):
        assert step.value is not None and before.value
        assert step.rate == pytest.approx(float(step.value) / float(before.value) * 100)
        assert 0 < step.rate <= 100, (step.kpi_id, step.rate)  # each step narrows the one before


def test_summary_puts_spend_headline_kpis_creators_and_next_steps_first(demo):
    rep = _report(demo, "spring-launch")
    s = rep.summary
    assert 80 <= s.used <= 100 and s.budget_status in ("on_track", "")  # the demo spends within budget
    assert s.spend_display.startswith("NT$") and s.budget_display.startswith("NT$")
    assert [c.kpi_id for c in s.headline][:3] == ["conversion_rate", "roas", "cpa"]  # those with targets first
    assert all(c.target is not None for c in s.headline[:3])
    assert s.best["key"] and s.best["kpi"] == "Revenue" and s.worst["key"] != s.best["key"]
    assert 1 <= len(s.actions) <= 3 and len({a.action for a in s.actions}) == len(s.actions)
    assert [a.rank for a in s.actions] == sorted(a.rank for a in s.actions)


def test_diagnostics_are_one_ranked_table_that_fits_the_goal(demo):
    rep = _report(demo, "spring-launch")
    ranks = [d.rank for d in rep.diagnostics]
    assert ranks == list(range(1, len(ranks) + 1))
    severities = [d.severity for d in rep.diagnostics]
    assert severities == sorted(severities, key=["critical", "warning", "info"].index)
    assert all(d.title and d.action for d in rep.diagnostics)
    assert any(d.creator for d in rep.diagnostics)  # per-creator findings name the creator
    table = rep.tables["diagnostics"]
    assert [c.key for c in table.columns][:6] == ["rank", "severity", "finding", "creator", "figure", "action"]
    mofu = _report(demo, "finlit-webinars")
    assert not {d.id for d in mofu.diagnostics} & {"roas_below_1", "cpa_above_target", "code_leak"}
    assert not any("awareness" in d.message for d in mofu.diagnostics)


def test_rates_compare_in_points_and_whole_campaign_kpis_are_not_compared(demo):
    rep = _report(demo, "spring-launch", compare="previous")
    cards = {c.kpi_id: c for c in rep.cards + rep.other_cards}
    roi = cards["roi"].comparisons[0]
    if roi.value is not None and cards["roi"].value is not None:
        assert roi.change_display.endswith(" pp")
        assert roi.better == (float(cards["roi"].value) > float(roi.value))
    growth = _report(demo, "finlit-webinars", compare="previous")
    g = {c.kpi_id: c for c in growth.cards + growth.other_cards}["follower_growth_pct"].comparisons[0]
    assert g.value is None and g.change_display == "measured for the whole campaign only"


def test_posts_read_as_posts(demo):
    rep = _report(demo, "spring-launch")
    posts = rep.tables["posts"]
    assert [c.key for c in posts.columns][:4] == ["caption", "creator", "platform", "posted"]
    first = posts.rows[0]
    assert "#ad" in first["caption"] and first["url"].startswith("https://") and first["posted"] is not None
    assert sum(int(r.get("conversions") or 0) for r in posts.rows) > 0  # sales are credited to posts


def test_arabic_report_isolates_its_numbers_and_dates(demo):
    rep = _report(demo, "spring-launch", lang="ar")
    card = next(c for c in rep.cards if c.kpi_id == "conversion_rate")
    assert card.display.startswith("\u2066") and card.display.endswith("%\u2069")
    assert all(st.rate_display.startswith("\u2066") for st in rep.funnel_steps[1:])


def test_audience_demographics_show_shares_and_their_change(demo):
    rep = _report(demo, "glow-awareness")
    detail = build.compute(demo, "demo", "glow-awareness", by="creator")["kpis"]["audience_demographics"]["detail"]
    dims = {d["id"]: d for d in rep.audience["dimensions"]}
    assert list(dims) == ["age", "gender", "country"]
    # ages in order; every share is the engine's, to one decimal
    ages = dims["age"]["rows"]
    assert [r["bucket"] for r in ages] == sorted(detail["shares"]["age"])
    assert [r["share"] for r in ages] == [f"{detail['shares']['age'][r['bucket']]:.1f}%" for r in ages]
    assert all(r["change"].endswith(" pp") and not r["change"].startswith("-0.0") for r in ages)
    assert {r["label"] for r in dims["gender"]["rows"]} <= {"Women", "Men", "Other or not stated"}
    # the largest countries by name, the rest summed
    countries = dims["country"]["rows"]
    assert countries[0]["label"] == "Taiwan" and len(countries) <= build.AUDIENCE_COUNTRIES + 1
    if len(detail["shares"]["country"]) > build.AUDIENCE_COUNTRIES:
        assert countries[-1]["label"] == "Other countries"
    total = sum(float(r["share"].rstrip("%")) for r in countries)
    assert abs(total - 100) < 0.5
    ar = _report(demo, "glow-awareness", lang="ar").audience["dimensions"]
    assert ar[2]["rows"][0]["label"] == "تايوان" and "نقطة مئوية" in ar[0]["rows"][0]["change"]
    assert ar[0]["rows"][0]["label"].startswith("\u2066")  # 13-17 reads left to right


def test_numbers_inside_arabic_reasons_keep_their_sign_and_ranges(demo):
    text = "قفز عدد المتابعين بمقدار +3,379 في 2026-06-07، أي 510.4 ضعف؛ نطاق 3.23-6.45%؛ الرمز YATING220"
    out = build.isolate_numbers(text, "ar")
    for number in ("+3,379", "2026-06-07", "510.4", "3.23-6.45%"):
        assert f"\u2066{number}\u2069" in out
    assert "YATING220" in out and "\u2066220" not in out  # a code's digits stay part of the code
    assert build.isolate_numbers(out, "ar") == out  # isolating twice changes nothing
    assert build.isolate_numbers("jumped by +3,379", "en") == "jumped by +3,379"
    rep = _report(demo, "spring-launch", lang="ar")
    for account in rep.credibility:
        for reason in account["reasons_list"]:
            assert not any(m.start() == 0 or reason[m.start() - 1] != "\u2066"
                           for m in build._NUMBER_IN_TEXT.finditer(reason)), reason


def test_the_diagnostics_table_shows_a_figure_below_its_bound_as_the_message_does():
    from influscope.reports.build import figure_text
    from influscope.web.i18n import Formatter

    dg = {"figures": {"roas": 0.996, "roas_min": 1.0}}
    assert figure_text(Formatter("en"), dg, "roas", "TWD") == "0.996×"
    assert figure_text(Formatter("ar"), dg, "roas", "TWD").strip("\u2066\u2069") == "0.996x"
    assert figure_text(Formatter("en"), {"figures": {"roas": 0.5, "roas_min": 1.0}}, "roas", "TWD") == "0.50×"
    assert figure_text(Formatter("en"), {"figures": {"ctr": 1.3599, "ctr_baseline": 1.36}}, "ctr", "TWD") == "1.3599%"
