"""The planning page, its exports and the creator page's valuation show the planning module's notes
and formula texts in the page's language (rendered by the app, as a browser gets them); the API
keeps the English text."""

from __future__ import annotations

import csv
import html
import io
import zipfile

import pytest

from influscope.web.i18n import LRI, PDI

PROSPECTS = ("platform,handle,followers,reach,impressions,likes,comments,quoted_fee,currency\n"
             "instagram,new.face,45000,7000,9000,400,12,900,EUR\n")
EUR_NOTE = "quoted fee in EUR without a rate to TWD: the fair fee is used"
PROSPECT_NOTE = "prospect: followers and the typical post of the list, weighed against comparable creators"


@pytest.fixture(scope="module")
def plan(demo_engine, tmp_path_factory):
    from influscope.planning import candidates as cd

    cd.create_list(demo_engine, "acme", "lang-plan", name="Shortlist", campaign="spring-launch")
    cd.add_creators(demo_engine, "acme", "lang-plan", ["omar", "mei-lin"], fee="3000", max_deliverables=2)
    f = tmp_path_factory.mktemp("prospects") / "prospects.csv"
    f.write_text(PROSPECTS, encoding="utf-8")
    cd.import_prospects(demo_engine, "acme", "lang-plan", f)
    return "lang-plan"


def _page(client, path: str) -> str:
    r = client.get(path)
    assert r.status_code == 200, r.text
    return html.unescape(r.text)


def test_planning_page_in_english_keeps_the_notes_as_the_engine_writes_them(owner, plan):
    page = _page(owner, f"/planning/{plan}?lang=en")
    assert EUR_NOTE in page and PROSPECT_NOTE in page
    assert '<tr class="candidate-notes">' in page


def test_planning_page_in_chinese_shows_the_notes_in_chinese(owner, plan):
    page = _page(owner, f"/planning/{plan}?lang=zh-Hant")
    assert "報價以 EUR 計價，但沒有換算為 TWD 的匯率：改用合理費用" in page
    assert "潛在人選：依名單上的粉絲數與代表性貼文，並與同類創作者比較權衡" in page
    assert EUR_NOTE not in page and PROSPECT_NOTE not in page
    owner.get("/lang/en?next=/", follow_redirects=False)


def test_planning_page_in_arabic_shows_the_notes_right_to_left(owner, plan):
    page = _page(owner, f"/planning/{plan}?lang=ar")
    assert '<html lang="ar" dir="rtl"' in page
    # the currency codes are left-to-right isolates inside the Arabic sentence
    assert f"الأجر المعروض بعملة {LRI}EUR{PDI} ولا يوجد سعر صرف إلى {LRI}TWD{PDI}: يُستخدم الأجر العادل" in page
    assert "مرشح محتمل: عدد المتابعين والمنشور المعتاد من القائمة" in page
    assert EUR_NOTE not in page and PROSPECT_NOTE not in page
    notes = page[page.index('<tr class="candidate-notes">'):]
    assert 'class="ltr"' not in notes[:notes.index("</tr>")]  # laid out right to left, as the page
    # the split reloaded by the slider: EMV is in USD and the store has no rate to TWD, so the store's
    # creators are left out of an EMV split, and the prospect has neither a fee in TWD nor a fair range
    en = _page(owner, f"/planning/{plan}/split?lang=en&budget=5000&objective=emv")
    assert "tiktok @omar.life: left out, no expected emv" in en
    assert "instagram @new.face: left out, no quoted fee and no fair fee range" in en and LRI not in en
    split = _page(owner, f"/planning/{plan}/split?lang=ar&budget=5000&objective=emv")
    assert f"{LRI}tiktok @omar.life{PDI}: مستبعد، لا توجد قيمة متوقعة لمؤشر EMV" in split
    assert f"{LRI}instagram @new.face{PDI}: مستبعد، لا يوجد أجر معروض ولا نطاق أجر عادل" in split
    # the expected revenue's note (the list plans a campaign that has started)
    assert "campaign spring-launch has started" in en and f"بدأت الحملة {LRI}spring-launch{PDI}" in split
    assert "left out" not in split and "no expected" not in split
    owner.get("/lang/en?next=/", follow_redirects=False)


def test_the_plans_csv_export_carries_the_notes_in_the_pages_language(owner, plan):
    for lang, expected in (("en", EUR_NOTE), ("zh-Hant", "報價以 EUR 計價"), ("ar", "الأجر المعروض بعملة")):
        r = owner.get(f"/planning/{plan}/plan-csv.zip?lang={lang}")
        assert r.status_code == 200
        with zipfile.ZipFile(io.BytesIO(r.content)) as z:
            rows = list(csv.DictReader(io.StringIO(z.read("candidates.csv").decode("utf-8"))))
        face = next(row for row in rows if row["candidate"] == "instagram @new.face")
        assert expected in face["notes"], (lang, face["notes"])
    owner.get("/lang/en?next=/", follow_redirects=False)


def test_the_api_keeps_the_english_notes(owner, plan):
    r = owner.get(f"/api/v1/plan/lists/{plan}", headers={"accept": "application/json"})
    assert r.status_code == 200
    face = next(c for c in r.json()["candidates"] if c["handle"] == "new.face")
    assert face["notes"] == [PROSPECT_NOTE, EUR_NOTE]


def _valuation(client, lang: str) -> str:
    return _page(client, f"/creators/omar/valuation?lang={lang}")


def test_creator_valuation_in_chinese_and_arabic(owner):
    en = _valuation(owner, "en")
    assert "no target CPM, CPE, CPC or CPA in TWD" in en and "of this creator" in en
    zh = _valuation(owner, "zh-Hant")
    # the fee range's missing basis, and what each expected result rests on (the formulas' list)
    assert "沒有以 TWD 計價的目標 CPM、CPE、CPC 或 CPA（請在活動上設定一項）" in zh
    assert "此創作者的" in zh and "此工作區的" in zh
    ar = _valuation(owner, "ar")
    assert f"لا يوجد هدف CPM أو CPE أو CPC أو CPA بعملة {LRI}TWD{PDI}" in ar
    assert "بالنسبة إلى" in ar and "صانع المحتوى هذا" in ar
    for text in (zh, ar):
        assert "no target CPM" not in text and "of this creator" not in text and "in this workspace" not in text
        assert '<ul class="ltr">' not in text and 'class="muted ltr"' not in text
    owner.get("/lang/en?next=/", follow_redirects=False)
