"""Languages: catalogues complete and in step with the code; locale formatting; negotiation."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from influscope.web import i18n
from influscope.web.i18n.__main__ import extract, missing


def test_every_message_of_the_code_and_templates_is_translated():
    ids = {m.id for m in extract(write=False) if m.id}
    assert "Key results" in ids and "Log in" in ids and "Creator id" in ids
    for lang in ("zh-Hant", "ar"):
        assert missing(lang) == [], lang
        tr = i18n.translations(lang)
        untranslated = sorted(m for m in ids if tr.gettext(m) == m and m not in ("KPI",))
        assert untranslated == [], (lang, untranslated)


def test_translations_are_used():
    assert i18n.gettext_for("zh-Hant")("Key results") == "關鍵成果"
    assert i18n.gettext_for("ar")("Key results") == "النتائج الرئيسية"
    assert i18n.gettext_for("en")("Key results") == "Key results"


@pytest.mark.parametrize("lang, direction", [("en", "ltr"), ("zh-Hant", "ltr"), ("ar", "rtl")])
def test_direction(lang, direction):
    assert i18n.text_direction(lang) == direction and i18n.Formatter(lang).dir == direction


def test_numbers_dates_and_money_per_locale():
    en, zh, ar = (i18n.Formatter(x) for x in ("en", "zh-Hant", "ar"))
    assert en.number(1234567.891, 2) == "1,234,567.89"
    assert zh.date(dt.date(2026, 3, 15), "long") == "2026年3月15日"
    assert ar.date(dt.date(2026, 3, 15), "long") == "\u206815 مارس 2026\u2069"  # an isolate in Arabic text
    assert en.money(Decimal("12345.5"), "TWD") == "NT$12,345.50"
    assert zh.money(Decimal("12345.5"), "TWD") == "$12,345.50"
    sar = ar.money(Decimal("12345.5"), "SAR")
    assert "12,345.50" in sar and "ر.س." in sar and "\u200f" in sar  # RLM marks kept
    twd = ar.money(Decimal("12345.5"), "TWD")
    assert twd.endswith("NT$\u200e\u2069")  # keeps "NT$" in order inside right-to-left text
    assert en.percent(2.5) == "2.50%" and en.delta(12.345) == "+12.3%" and en.delta(-3) == "-3.0%"
    assert en.kpi(3.2, "x") == "3.20×" and en.kpi(None, "%") == "–"
    assert en.kpi(1500, "count") == "1,500"
    assert zh.compact(1234567) == "123.5萬"


def test_numbers_and_dates_inside_arabic_text_are_bidi_isolates():
    """"%100.00-" and "122026/12/11 – 2026/11/" came from numbers and dates that were not isolated."""
    en, ar = i18n.Formatter("en"), i18n.Formatter("ar")
    lri, rli, fsi, pdi = "\u2066", "\u2067", "\u2068", "\u2069"
    assert ar.percent(-100) == f"{lri}-100.00%{pdi}" and ar.delta(191.5) == f"{lri}+191.5%{pdi}"
    assert ar.number(12345) == f"{lri}12,345{pdi}" and ar.kpi(3.2, "x") == f"{lri}3.20x{pdi}"
    rng = ar.date_range(dt.date(2026, 11, 12), dt.date(2026, 12, 11))
    assert rng.startswith(rli) and rng.endswith(pdi) and rng.count(fsi) == 2  # each date and the range
    assert rng.replace("\u200f", "")[1:-1].split(" – ") == [f"{fsi}12/11/2026{pdi}", f"{fsi}11/12/2026{pdi}"]
    assert ar.money(100, "AED").startswith(fsi)  # money keeps its own right-to-left order
    assert en.percent(-100) == "-100.00%" and en.date_range(dt.date(2026, 11, 12), dt.date(2026, 12, 11)) == \
        "Nov 12, 2026 – Dec 11, 2026"  # left-to-right languages are untouched
    assert en.points(-3.25) == "-3.2 pp" and ar.points(2).startswith(fsi)


def test_language_negotiation():
    assert i18n.request_lang("ar", "zh-Hant", "en") == "ar"
    assert i18n.request_lang(None, "zh-Hant", "ar") == "zh-Hant"
    assert i18n.request_lang(None, None, "fr-FR,zh-TW;q=0.8,ar;q=0.5") == "zh-Hant"
    assert i18n.request_lang(None, None, "ar-SA,en;q=0.1") == "ar"
    assert i18n.request_lang("xx", "bogus", None) == "en"
    assert i18n.normalise_lang("zh_Hant_TW") == "zh-Hant"
