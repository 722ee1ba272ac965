"""Dashboard pages against a real app, a real SQLite store and the real KPI engine."""

from __future__ import annotations

import io
import re
import zipfile

import openpyxl

from influscope.kpi.api import kpis
from influscope.kpi.catalogue import KPIS, STAGE_DEFAULTS
from influscope.web.i18n import Formatter


def _cards(html: str) -> list[str]:
    return re.findall(r'class="card" data-kpi="([a-z_]+)"', html)


def test_home_lists_campaign_with_stage_dates_spend_and_headline(owner):
    r = owner.get("/")
    assert r.status_code == 200
    assert "春季新品上市" in r.text and 'href="/campaigns/spring-launch"' in r.text
    assert "Conversion (BOFU)" in r.text and "Mar 1, 2026" in r.text
    assert 'hx-get="/campaigns/spring-launch/summary-row"' in r.text  # KPI cells load after the page
    row = owner.get("/campaigns/spring-launch/summary-row").text
    assert row.startswith('<tr data-campaign="spring-launch"') and "hx-get" not in row
    assert "NT$30,000.00" in row  # spend (3 fees) vs the 50,000 budget
    assert "NT$50,000.00" in row and "60%" in row
    assert KPIS["roas"].name["en"] in row


def test_campaign_cards_are_the_stage_set_with_engine_values_and_explanations(owner, demo_engine):
    r = owner.get("/campaigns/spring-launch?compare=none")
    assert r.status_code == 200
    html = r.text
    stage = [k for k in STAGE_DEFAULTS["bofu"]]
    assert _cards(html)[: len(stage)] == stage
    res = kpis("spring-launch", workspace="acme", engine=demo_engine).to_dict()["kpis"]
    fmt = Formatter("en")
    for kid in ("roas", "revenue", "conversions", "cpa"):
        assert fmt.kpi(res[kid]["value"], res[kid]["unit"], "TWD") in html
    # every card explains itself: formula, inputs and settings
    card = html[html.index('data-kpi="roas"'):]
    card = card[: card.index('data-kpi="', 20)]
    assert "Formula" in card and KPIS["roas"].formula["en"].replace("/", "/") in card.replace("&#39;", "'")
    assert "Inputs" in card and KPIS["revenue"].name["en"] in card and KPIS["spend"].name["en"] in card
    assert "attribution = last_click" in card and "revenue_basis = net" in card
    assert "Target" in card  # roas has a target of 3.0 in the bundle


def test_arabic_page_is_rtl_with_catalogue_names(owner, fresh_cookies):
    r = owner.get("/campaigns/spring-launch?lang=ar&compare=none")
    assert r.status_code == 200
    assert '<html lang="ar" dir="rtl">' in r.text
    for kid in STAGE_DEFAULTS["bofu"]:
        assert KPIS[kid].name["ar"] in r.text
    assert "النتائج الرئيسية" in r.text  # "Key results" from the Arabic catalogue
    assert 'class="chart' in r.text and "direction: ltr" in owner.get("/static/influscope.css").text
    assert r.cookies.get("influscope_lang") == "ar" or "influscope_lang=ar" in r.headers.get("set-cookie", "")


def test_traditional_chinese_and_language_switch(owner, fresh_cookies):
    r = owner.get("/lang/zh-Hant?next=/campaigns/spring-launch", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/campaigns/spring-launch"
    owner.cookies.set("influscope_lang", "zh-Hant")
    page = owner.get("/campaigns/spring-launch?compare=none").text
    assert '<html lang="zh-Hant" dir="ltr">' in page
    assert KPIS["roas"].name["zh-Hant"] in page and "關鍵成果" in page
    assert "2026年3月1日" in page  # Babel's zh_Hant_TW date
    # an open redirect is refused
    assert owner.get("/lang/ar?next=//evil.example", follow_redirects=False).headers["location"] == "/"


def test_period_comparison_and_date_filter(owner):
    r = owner.get("/campaigns/spring-launch?compare=both&start=2026-03-04&end=2026-03-10")
    assert r.status_code == 200
    assert 'value="2026-03-04"' in r.text
    # the comparisons come after the page shows, into each card (one engine call per period)
    deferred = re.search(r'hx-get="/campaigns/spring-launch/comparisons\?([^"]*)"', r.text)
    assert deferred, "the comparisons are not requested"
    assert all(x in deferred.group(1) for x in ("start=2026-03-04", "end=2026-03-10", "compare=both")), deferred
    assert 'class="sub cmp"' not in r.text
    cards = re.findall(r'id="cmp-([a-z_]+)"', r.text)
    c = owner.get("/campaigns/spring-launch/comparisons?start=2026-03-04&end=2026-03-10&compare=both")
    assert c.status_code == 200
    assert re.findall(r'id="cmp-([a-z_]+)" hx-swap-oob="true"', c.text) == [k for k in cards if k in c.text]
    assert c.text.count("previous period:") >= 1 and c.text.count("same period last year:") >= 1
    assert 'id="comparisons"' not in owner.get("/campaigns/spring-launch?compare=none").text
    assert owner.get("/campaigns/spring-launch?start=2026-03-10&end=2026-03-01").status_code == 422
    assert owner.get("/campaigns/spring-launch?compare=sometimes").status_code == 422


def _column(html: str, col: str) -> list[str]:
    return re.findall(rf'data-col="{col}">([^<]*)</td>', html)


def test_leaderboard_sorts_by_any_kpi_both_ways(owner):
    desc = owner.get("/campaigns/spring-launch/creators?sort=clicks&dir=desc").text
    asc = owner.get("/campaigns/spring-launch/creators?sort=clicks&dir=asc").text
    names_desc = re.findall(r'href="/creators/([a-z-]+)"', desc)
    names_asc = re.findall(r'href="/creators/([a-z-]+)"', asc)
    assert sorted(names_desc) == ["jordan", "mei-lin", "omar"]
    assert names_asc == list(reversed(names_desc)) or _column(asc, "clicks") == sorted(_column(asc, "clicks"))
    assert 'aria-sort="descending"' in desc and 'aria-sort="ascending"' in asc
    by_rev = owner.get("/campaigns/spring-launch/creators?sort=revenue&dir=desc").text
    # mei-lin: 20,000 (code MEILIN15) + 20,000 (click c1, 25,000 less 5,000 refunded); omar 30,000; jordan 25,000
    assert re.findall(r'href="/creators/([a-z-]+)"', by_rev) == ["mei-lin", "omar", "jordan"]


def test_lazy_panels_daily_and_posts(owner):
    daily = owner.get("/campaigns/spring-launch/daily")
    assert daily.status_code == 200 and 'data-chart="chart-daily"' in daily.text
    assert '"type": "line"' in daily.text
    posts = owner.get("/campaigns/spring-launch/posts")
    assert posts.status_code == 200 and "p20" in posts.text


def test_downloads_pdf_xlsx_csv(owner):
    pdf = owner.get("/campaigns/spring-launch/report.pdf?lang=ar")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-") and "-ar.pdf" in pdf.headers["content-disposition"]
    x = owner.get("/campaigns/spring-launch/report.xlsx")
    wb = openpyxl.load_workbook(io.BytesIO(x.content))
    assert {"kpis", "creators", "posts", "daily", "diagnostics"} <= set(wb.sheetnames)
    z = zipfile.ZipFile(io.BytesIO(owner.get("/campaigns/spring-launch/report-csv.zip").content))
    assert "creators.csv" in z.namelist() and "mei-lin" in z.read("creators.csv").decode()


def test_viewer_does_not_see_costs(viewer):
    home = viewer.get("/campaigns/spring-launch/summary-row").text
    assert "NT$50,000.00" not in home and "NT$30,000.00" not in home and KPIS["revenue"].name["en"] in home
    page = viewer.get("/campaigns/spring-launch?compare=none").text
    assert 'data-kpi="roas"' not in page and 'data-kpi="cpa"' not in page and 'data-kpi="spend"' not in page
    assert 'data-kpi="revenue"' in page
    x = viewer.get("/campaigns/spring-launch/report.xlsx")
    wb = openpyxl.load_workbook(io.BytesIO(x.content))
    header = [c.value for c in wb["creators"][1]]
    assert KPIS["spend"].name["en"] not in header and KPIS["roas"].name["en"] not in header


def test_pages_need_a_login(demo_engine):
    from fastapi.testclient import TestClient

    from influscope.web.app import create_app

    app = create_app()
    app.state.engine = demo_engine
    c = TestClient(app, base_url="http://127.0.0.1")
    r = c.get("/campaigns/spring-launch", headers={"accept": "text/html"}, follow_redirects=False)
    assert r.status_code in (303, 401)
    if r.status_code == 303:
        assert r.headers["location"].startswith("/login")


def test_unknown_campaign_is_404_and_other_workspace_invisible(owner, demo_engine, tmp_path):
    from influscope.reports.build import clear_cache

    from influscope.ingest.canonical import import_bundle
    from tests.web.ui.bundle import write_bundle

    import_bundle(demo_engine, write_bundle(tmp_path / "other", slug="secret-launch"), workspace="other")
    assert owner.get("/campaigns/secret-launch").status_code == 404
    clear_cache()
    assert "secret-launch" not in owner.get("/").text


def _with_deferred(client, path: str) -> str:
    """The page at PATH with the parts htmx loads after it (hx-trigger="load") appended."""
    html = client.get(path).text
    parts = [client.get(url.replace("&amp;", "&")) for url in re.findall(r'hx-get="([^"]+)" hx-trigger="load"', html)]
    assert all(r.status_code == 200 for r in parts)
    return html + "".join(r.text for r in parts)


def test_creator_page_history(owner):
    r = owner.get("/creators/omar")
    assert r.status_code == 200
    assert "عمر" in r.text and 'href="/campaigns/spring-launch"' in r.text
    # the page computes no KPI: each campaign's row is its own request
    assert "NT$30,000.00" not in r.text
    assert 'hx-get="/creators/omar/history/spring-launch"' in r.text
    assert 'hx-get="/creators/omar/valuation"' in r.text
    row = owner.get("/creators/omar/history/spring-launch")
    assert row.status_code == 200 and row.text.startswith('<tr data-campaign="spring-launch">')
    assert "NT$30,000.00" in row.text and "hx-get" not in row.text  # revenue credited by OMAR10
    assert owner.get("/creators/nobody").status_code == 404
    assert owner.get("/creators/nobody/history/spring-launch").status_code == 404
    assert owner.get("/creators/omar/history/no-such-campaign").status_code == 404
    assert owner.get("/creators/nobody/valuation").status_code == 404


def test_static_files_are_local_and_vendored(owner):
    html = owner.get("/campaigns/spring-launch?compare=none").text
    scripts = re.findall(r'<script src="([^"]+)"', html)
    assert scripts and all(s.startswith("/static/") for s in scripts)
    for s in scripts:
        r = owner.get(s)
        assert r.status_code == 200 and len(r.content) > 1000
    assert "http://" not in "".join(scripts) and "https://" not in "".join(scripts)


def test_language_choice_is_saved_per_user(owner, demo_engine, fresh_cookies):
    from fastapi.testclient import TestClient

    from influscope.auth import sessions
    from tests.web.ui.conftest import PASSWORD

    assert owner.get("/lang/ar?next=/", follow_redirects=False).status_code == 303
    # another browser of the same user: no cookie, the saved choice applies
    other = TestClient(owner.app, base_url="http://127.0.0.1")
    other.cookies.set("influscope_session", sessions.login(demo_engine, "owner@example.com", PASSWORD, "acme").token)
    page = other.get("/campaigns/spring-launch?compare=none", headers={"accept": "text/html"}).text
    assert '<html lang="ar" dir="rtl">' in page
    # this browser's explicit choice wins over the saved one
    other.cookies.set("influscope_lang", "zh-Hant")
    assert '<html lang="zh-Hant"' in other.get("/", headers={"accept": "text/html"}).text
    owner.get("/lang/en?next=/", follow_redirects=False)


def test_creator_page_valuation(owner, viewer):
    html = _with_deferred(owner, "/creators/omar")
    section = html[html.index('id="valuation"'):]
    assert "Expected per deliverable" in section and "Interval (<bdi>80%</bdi>)" in section
    assert "What they cost per result" in section and "Fair fee range" in section
    assert "own history and comparable creators" in section and "(n = 2)" in section
    # the bundle has no target cost per result and no USD rate: the fee range says why it is missing
    assert "no target CPM, CPE, CPC or CPA in TWD" in section
    ar = _with_deferred(owner, "/creators/omar?lang=ar")
    assert "المتوقع لكل منشور" in ar
    heads = re.findall(r"<h3>(.*?)</h3>", ar[ar.rindex('id="valuation"'):])
    assert heads and all(any(f" · {name} · " in h for name in ("نانو", "مايكرو", "متوسط", "ماكرو", "ميغا")) for h in heads)
    owner.get("/lang/en?next=/", follow_redirects=False)
    # fees and costs stay hidden from a viewer without cost access
    seen = _with_deferred(viewer, "/creators/omar")
    section = seen[seen.rindex('id="valuation"'):]
    assert "Expected per deliverable" in section and "Fair fee range" not in section
    assert "What they cost per result" not in section


def test_campaign_plan_review_panel(owner, demo_engine):
    from influscope.planning import candidates as cd

    empty = owner.get("/campaigns/spring-launch/plan-review").text
    assert '<div id="plan-review">' in empty and "<table" not in empty  # no list plans the campaign
    cd.create_list(demo_engine, "acme", "spring-plan", campaign="spring-launch")
    cd.add_creators(demo_engine, "acme", "spring-plan", ["omar", "mei-lin"])
    html = owner.get("/campaigns/spring-launch/plan-review").text
    assert "Plan and actual results" in html and 'href="/creators/omar"' in html and "expected" in html
    assert 'hx-get="/campaigns/spring-launch/plan-review"' in owner.get("/campaigns/spring-launch?compare=none").text


def test_campaign_page_without_audience_data_has_no_demographics_panel(owner):
    # the test bundle has no audience breakdowns: no empty panel
    html = owner.get("/campaigns/spring-launch?compare=none").text
    assert 'id="audience"' not in html
