"""The campaign report in a real browser on the demo: the summary at the top, each goal's funnel,
the ranked diagnostics table, and searching the links page."""

from __future__ import annotations

import os
import re

import pytest

from tests.support.server import Server

pytestmark = pytest.mark.browser

EMAIL = "analyst@example.com"
PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory):
    from influscope.auth import users
    from influscope.db.engine import get_engine
    from influscope.demo import create_demo

    folder = tmp_path_factory.mktemp("e2e-demo")
    url = f"sqlite:///{folder / 'influscope.db'}"
    engine = get_engine(url)
    create_demo(engine, workspace="demo", scale=0.03)
    users.create_user(engine, EMAIL, PASSWORD, workspace="demo", role="owner", can_see_costs=True)
    engine.dispose()
    server = Server(url, folder / "server.log", workspace="demo").start()
    yield server.base_url
    server.stop()


@pytest.fixture
def page(demo_server, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    pg.goto(demo_server + "/login")
    pg.fill("input[name=email]", EMAIL)
    pg.fill("input[name=password]", PASSWORD)
    pg.click("#login-form button[type=submit]")
    pg.wait_for_url(re.compile(re.escape(demo_server) + "/$"))
    yield pg
    context.close()


def test_summary_sits_above_the_cards_with_spend_targets_creators_and_next_steps(page, demo_server, shots):
    page.goto(demo_server + "/campaigns/spring-launch")
    summary = page.locator("#summary")
    assert summary.bounding_box()["y"] < page.locator("#cards").bounding_box()["y"]
    budget = summary.locator('[data-summary="budget"]').inner_text()
    assert "NT$" in budget and re.search(r"\b(8\d|9\d|100)% of the budget used", budget), budget
    kpis = summary.locator('[data-summary="kpi"]')
    assert kpis.count() >= 3 and "Target" in kpis.first.inner_text()
    assert "Best creator" in summary.locator('[data-summary="creators"]').inner_text()
    steps = summary.locator('[data-summary="actions"] li')
    assert 1 <= steps.count() <= 3
    page.screenshot(path=os.path.join(shots, "summary-en.png"))
    # Arabic: the same summary, mirrored, with numbers that read in order
    page.goto(demo_server + "/campaigns/spring-launch?lang=ar")
    used = page.locator('#summary [data-summary="budget"] .sub').inner_text()
    assert re.search(r"\d+%", used) and not re.search(r"%\d", used), used


@pytest.mark.parametrize("slug, steps", [
    ("glow-awareness", ["reach", "engagements", "clicks"]),
    ("finlit-webinars", ["reach", "clicks", "referral_sessions", "leads"]),
    ("spring-launch", ["reach", "clicks", "referral_sessions", "conversions"]),
])
def test_each_goal_shows_its_own_funnel_with_step_rates(page, demo_server, slug, steps):
    page.goto(demo_server + f"/campaigns/{slug}")
    rows = page.locator("#funnel tbody tr")
    assert [rows.nth(i).get_attribute("data-step") for i in range(rows.count())] == steps
    assert rows.first.locator("td").nth(2).inner_text() == "–"
    for i in range(1, rows.count()):
        rate = rows.nth(i).locator("td").nth(2).inner_text()
        value = float(rate.rstrip("%").replace(",", ""))
        assert 0 < value <= 100, (steps[i], rate)
    page.wait_for_selector('[data-chart="chart-funnel"] canvas, [data-chart="chart-funnel"] svg')


def test_diagnostics_are_one_ranked_table_naming_creators_and_actions(page, demo_server):
    page.goto(demo_server + "/campaigns/spring-launch")
    table = page.locator("#diagnostics table.diagnostics")
    headers = table.locator("thead th").all_inner_texts()
    assert headers == ["#", "Finding", "Creator", "Figure", "What to do"]
    rows = table.locator("tbody tr")
    assert rows.count() >= 1
    assert [rows.nth(i).locator("td").first.inner_text() for i in range(rows.count())] == \
        [str(i + 1) for i in range(rows.count())]
    creators = [rows.nth(i).locator("td").nth(2).inner_text() for i in range(rows.count())]
    assert any(c != "whole campaign" for c in creators)
    assert all(rows.nth(i).locator("td").nth(4).inner_text().strip() for i in range(rows.count()))
    assert page.locator(".diag").count() == 0  # no wall of boxes
    # the details open on demand
    first = rows.first.locator("details")
    first.locator("summary").click()
    assert first.locator("p").is_visible()
    # a MOFU campaign gets no sales advice
    page.goto(demo_server + "/campaigns/finlit-webinars")
    ids = page.locator("#diagnostics tbody tr").evaluate_all("rows => rows.map(r => r.dataset.diagnostic)")
    assert not {"roas_below_1", "cpa_above_target"} & set(ids)


def test_links_page_searches_pages_and_draws_qr_codes_on_demand(page, demo_server):
    page.goto(demo_server + "/links")
    total = int(page.locator("#link-count").inner_text().strip("()"))
    assert total > 0
    shown = page.locator("table.links tbody tr[data-link]")
    assert shown.count() == min(total, 25)
    assert page.locator("td.qr img").count() == 0  # no QR code until asked for
    shown.first.locator("button.qr-show").click()
    page.wait_for_selector("td.qr img")
    assert page.locator("td.qr img").count() == 1
    # search by creator: every row left names that creator
    page.fill("#link-search", "meilin")
    page.press("#link-search", "Enter")
    page.wait_for_url(re.compile(r"q=meilin"))
    rows = page.locator("table.links tbody tr[data-link]")
    assert 0 < rows.count() < total
    for i in range(rows.count()):
        assert "meilin" in rows.nth(i).inner_text().lower()
    page.fill("#link-search", "no-such-link-anywhere")
    page.press("#link-search", "Enter")
    page.wait_for_url(re.compile(r"q=no-such-link-anywhere"))
    assert page.locator("table.links tbody tr[data-link]").count() == 0
    assert "No link matches." in page.locator("table.links").inner_text()


def test_the_comparison_periods_arrive_in_each_card_after_the_page_shows(page, demo_server):
    page.goto(demo_server + "/campaigns/spring-launch?compare=both")
    cards = page.locator("#cards .card")
    assert cards.count() >= 4
    # each stage card gets its previous period and same period last year lines, swapped in by htmx
    page.wait_for_selector("#cards .card .cmps .cmp", timeout=60_000)
    first = cards.first.locator(".cmps").inner_text()
    assert "previous period:" in first and "same period last year:" in first, first
    assert page.locator("#cards .cmps .cmp").count() == 2 * cards.count()
    # the summary stays at the top: the next steps read across the page, above the cards
    actions = page.locator('#summary [data-summary="actions"]').bounding_box()
    assert actions["width"] > 0.8 * page.locator("#summary").bounding_box()["width"]


def test_the_creator_page_shows_at_once_and_its_campaign_rows_and_valuation_arrive(page, demo_server):
    from influscope.demo import PLANS, headline_creator

    for plan, lang, loading, expected in ((PLANS[-1], "en", "Loading…", "Expected per deliverable"),
                                          (PLANS[1], "ar", "جارٍ التحميل…", "المتوقع لكل منشور")):
        page.goto(demo_server + f"/creators/{headline_creator(plan)}?lang={lang}", wait_until="domcontentloaded")
        # the page itself: identity and accounts, with the engine's parts still to come
        assert page.locator("h1").inner_text().strip()
        assert page.locator("table").first.locator("tbody tr").count() >= 1
        rows = page.locator("table.history tbody tr[data-campaign]")
        assert rows.count() >= 1
        # each campaign's row is swapped in by its own request
        page.wait_for_function(
            "() => [...document.querySelectorAll('table.history tbody tr[data-campaign]')]"
            ".every(r => !r.hasAttribute('hx-get') && r.querySelectorAll('td.num').length > 3)", timeout=60_000)
        history = page.locator("table.history").inner_text()
        assert loading not in history and re.search(r"\d", rows.first.locator("td.num").nth(1).inner_text())
        # then the valuation panel, in the currency of the creator's campaign
        page.wait_for_selector("#valuation:not([hx-get]) table.valuation", timeout=60_000)
        valuation = page.locator("#valuation").inner_text()
        assert expected in valuation and loading not in valuation
        symbol = {"TWD": "NT$", "AED": "د.إ."}[plan.currency]
        assert symbol in valuation and ("NT$" not in valuation if plan.currency != "TWD" else True), valuation[:500]
    assert page.locator("html").get_attribute("dir") == "rtl"


def test_the_audience_panel_shows_demographics_and_their_change(page, demo_server):
    page.goto(demo_server + "/campaigns/glow-awareness?compare=none&lang=zh-Hant")
    panel = page.locator("#audience")
    assert [t.get_attribute("data-dimension") for t in panel.locator("table.audience").all()] == \
        ["age", "gender", "country"]
    assert "台灣" in panel.locator('[data-dimension="country"]').inner_text()
    assert "個百分點" in panel.inner_text()
    box, width = panel.bounding_box(), page.viewport_size["width"]
    assert box["x"] >= 0 and box["x"] + box["width"] <= width  # nothing runs off the page


# Where the browser draws each sign: for every + or - that starts a number in the page's text, is it
# to the left of the number's first digit (as a signed number reads, in any language)?
SIGNS_JS = r'''() => {
  const marks = '\u2066\u2067\u2068\u2069\u200e\u200f';
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  let n;
  while ((n = walker.nextNode())) {
    const el = n.parentElement;
    if (!el || ['SCRIPT', 'STYLE'].includes(el.tagName) || !el.getClientRects().length) continue;
    const t = n.data;
    for (let i = 0; i + 1 < t.length; i++) {
      if (t[i] !== '-' && t[i] !== '+') continue;
      let j = i + 1, k = i - 1;
      while (j < t.length && marks.includes(t[j])) j++;
      while (k >= 0 && marks.includes(t[k])) k--;
      if (j >= t.length || !/[0-9]/.test(t[j]) || (k >= 0 && /[0-9A-Za-z\u0600-\u06ff.,%]/.test(t[k]))) continue;
      const r = document.createRange();
      r.setStart(n, i); r.setEnd(n, i + 1); const a = r.getBoundingClientRect();
      r.setStart(n, j); r.setEnd(n, j + 1); const b = r.getBoundingClientRect();
      if (a.width && b.width) out.push({text: t.replace(/[\u2066-\u2069\u200e\u200f]/g, ''), ok: a.x < b.x});
    }
  }
  return out;
}'''


def test_signed_numbers_in_arabic_pages_keep_their_sign_on_the_left(page, demo_server):
    page.goto(demo_server + "/campaigns/spring-launch?lang=ar")
    page.wait_for_selector("#cards .cmps .cmp", timeout=60_000)  # the comparisons carry +/- changes
    page.wait_for_load_state("networkidle")
    signs = page.evaluate(SIGNS_JS)
    assert len(signs) >= 3, signs
    assert [s["text"] for s in signs if not s["ok"]] == []
    # the same probe finds a bare number in right-to-left text (it can fail)
    page.set_content('<html dir="rtl"><body><p>التغير -0.1 نقطة</p></body></html>')
    assert [s["ok"] for s in page.evaluate(SIGNS_JS)] == [False]
