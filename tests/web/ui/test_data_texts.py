"""Texts declared as data (settings' descriptions, benchmark sources and scopes) are in the
catalogues, translated, and shown translated: on the settings page, on KPI cards and in the
diagnostics that explain which CTR baseline they use."""

from __future__ import annotations

import html

import pytest

from influscope.kpi import benchmarks as bm
from influscope.kpi import methodology
from influscope.web import i18n
from influscope.web.i18n import data_texts
from influscope.web.i18n.__main__ import extract


def test_the_catalogue_extraction_holds_every_setting_description_and_benchmark_text():
    ids = {m.id for m in extract(write=False) if m.id}
    texts = [text for text, _where in data_texts.messages()]
    assert {s.doc for s in methodology.SETTINGS.values()} <= set(texts)
    assert bm.ctr_baseline().source.name in texts and bm.ctr_baseline().scope in texts
    assert bm.ctr_baseline().source.note in texts  # Later's 1.36 % and why it is a paid-social yardstick
    assert set(texts) <= ids


@pytest.mark.parametrize("lang", ["zh-Hant", "ar"])
def test_no_setting_description_or_benchmark_explanation_is_left_untranslated(lang):
    _ = i18n.gettext_for(lang)
    untranslated = [text for text, _where in data_texts.messages() if not _(text) or _(text) == text]
    assert untranslated == []
    # the allowed values that are prose are translated; lists of ids are typed as they are
    for s in methodology.SETTINGS.values():
        if data_texts.is_id_list(s.allowed):
            assert data_texts.setting_text(s.allowed, lang) == s.allowed
        else:
            assert data_texts.setting_text(s.allowed, lang) != s.allowed, s.name


@pytest.mark.parametrize("platform", [None, "instagram", "facebook", "linkedin", "tiktok", "youtube"])
@pytest.mark.parametrize("lang", ["zh-Hant", "ar"])
def test_each_ctr_baseline_and_why_it_applies_reads_in_the_language(lang, platform):
    b = bm.ctr_baseline(platform)
    why = (f"the published figure for {b.platform}" if b.platform
           else "the all-platform average: no published figure for this platform")
    english = f"{b.scope}, {b.source.name}{', ' + str(b.year) if b.year else ''}; {why}"
    shown = data_texts.benchmark_text(english, lang)
    for part in (b.scope, b.source.name, "the published figure", "the all-platform average"):
        assert part not in shown, (part, shown)
    assert i18n.gettext_for(lang)(b.scope) in shown and i18n.gettext_for(lang)(b.source.name) in shown


def test_the_diagnostic_names_its_baseline_in_chinese_and_arabic():
    from influscope.reports.build import diagnostic_message

    b = bm.ctr_baseline("instagram")
    dg = {"message": {"en": "CTR is 0.40 %, below the 0.65 % baseline (...).", "zh-Hant": "點擊率為 0.40%。",
                      "ar": "نسبة النقر 0.40%."},
          "figures": {"ctr": 0.4, "ctr_baseline": b.value,
                      "ctr_source": f"{b.scope}, {b.source.name}; the published figure for instagram"}}
    zh = diagnostic_message(dg, "zh-Hant")
    assert "Instagram 廣告點擊率中位數" in zh and "Instagram 的公開數據" in zh
    ar = diagnostic_message(dg, "ar")
    assert "وسيط نسبة النقر لإعلانات Instagram" in ar
    assert f"{i18n.LRI}0.40%{i18n.PDI}" in ar  # the numbers of right-to-left advice are isolated


@pytest.mark.parametrize("lang, word", [("zh-Hant", "互動率的分母"), ("ar", "ما يُقسم عليه معدل التفاعل")])
def test_the_settings_page_describes_each_setting_in_the_language(owner, lang, word):
    r = owner.get(f"/settings?lang={lang}")
    assert r.status_code == 200
    page = html.unescape(r.text)
    assert word in page
    for s in methodology.SETTINGS.values():
        assert s.doc not in page, s.name
    owner.get("/lang/en?next=/", follow_redirects=False)


def test_the_ctr_card_cites_later_in_the_language(owner):
    r = owner.get("/campaigns/spring-launch?lang=zh-Hant&compare=none")
    assert r.status_code == 200
    page = html.unescape(r.text)
    owner.get("/lang/en?next=/", follow_redirects=False)
    assert "1.36" in page  # the CTR card's benchmark
    assert "社群廣告平均點擊率" in page
    assert "(average CTR of social ads)" not in page


def test_every_tier_of_every_preset_is_named_in_each_language():
    from influscope.kpi import benchmarks
    from influscope.web.i18n.data_texts import tier_name

    ids = {t.id for preset in benchmarks.tier_presets() for t in benchmarks.tiers(preset)}
    assert ids == {"nano", "micro", "mid", "macro", "mega"}
    for tier in ids:
        en, zh, ar = (tier_name(tier, lang) for lang in ("en", "zh-Hant", "ar"))
        assert en[0].isupper() and zh != en and ar != en
    assert tier_name("mid", "ar") == "متوسط" and tier_name(None, "ar") == "–"


@pytest.mark.parametrize("lang, followers", [("zh-Hant", "粉絲"), ("ar", "متابع")])
def test_an_engagement_band_scope_is_translated_with_its_follower_range(lang, followers):
    from influscope.kpi import benchmarks as bm

    scope = bm.er_band("instagram", 20_000).scope
    assert scope.endswith("; 10k-50k followers")
    shown = data_texts.benchmark_text(scope, lang)
    assert "followers" not in shown and followers in shown
    assert "10k-50k" in shown
