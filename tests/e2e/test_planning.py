"""The planning page in a real browser: the candidate table, the budget slider re-splitting the
budget through htmx, the exports, and the page in Arabic (right to left)."""

from __future__ import annotations

import os
import re

import pytest

from tests.e2e.test_dashboard import _login

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def planned(server):
    import sqlalchemy as sa

    from influscope.db.engine import get_engine
    from influscope.planning import candidates as cd

    engine = get_engine(f"sqlite:///{server['folder'] / 'influscope.db'}")
    try:
        cd.create_list(engine, "acme", "autumn", name="Autumn shortlist")
    except ValueError:
        pass  # another module made it already
    with engine.connect() as conn:
        keys = [r[0] for r in conn.execute(sa.text("select key from creators order by key"))]
    cd.add_creators(engine, "acme", "autumn", keys, fee="4000", max_deliverables=3)
    prospects = server["folder"] / "prospects.csv"
    prospects.write_text("platform,handle,followers,reach,impressions,likes,comments,quoted_fee,choice\n"
                         "instagram,new.face,45000,7000,9000,400,12,3000,auto\n", encoding="utf-8")
    cd.import_prospects(engine, "acme", "autumn", prospects)
    engine.dispose()
    return len(keys) + 1


def test_planning_page_slider_exports_and_arabic(server, planned, browser, shots):
    base = server["base"]
    context = browser.new_context(viewport={"width": 1360, "height": 900}, accept_downloads=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    _login(page, base, "/planning")
    page.goto(base + "/lang/en?next=/planning")  # the dashboard tests may have left the user in Arabic
    page.click('a[href="/planning/autumn"]')
    page.wait_for_selector("table.candidates")
    assert page.locator("h1").inner_text() == "Autumn shortlist"
    # one row per candidate (a candidate's notes are a line under its row)
    assert page.locator("table.candidates tbody tr:not(.candidate-notes)").count() == planned
    assert "prospect: followers and the typical post" in page.locator("tr.candidate-notes").first.inner_text()
    assert "instagram @new.face" in page.locator("table.candidates").inner_text()
    before = page.locator("#split .split-outcome").inner_text()
    assert "Expected Reach" in before and "Interval 80%" in before
    page.screenshot(path=os.path.join(shots, "planning-en.png"), full_page=True)

    # the slider re-splits a smaller budget without reloading the page
    page.locator("#budget-range").fill("4000")
    page.wait_for_function("() => document.querySelector('#split .split-headline').textContent.includes('4,000')")
    booked = page.locator("#split table.split tbody tr").count()
    assert booked == 1 and page.url.endswith("/planning/autumn")
    assert "Next best" in page.locator("#split").inner_text()

    with page.expect_download() as dl:
        page.click('a[href^="/planning/autumn/plan.xlsx"]')
    assert dl.value.suggested_filename == "plan-autumn.xlsx"

    page.click('nav.langs a[data-lang="ar"]')
    page.wait_for_load_state("networkidle")
    assert page.get_attribute("html", "dir") == "rtl"
    assert page.locator("h2").first.inner_text() == "المرشحون"
    assert re.search("توزيع الميزانية", page.content())
    # mirrored: the first column of the candidate table sits on the right
    first = page.locator("table.candidates thead th").first.bounding_box()
    assert first["x"] > 600
    # the prospect's note in Arabic, laid out right to left like the page
    note = page.locator("tr.candidate-notes li").first
    assert "مرشح محتمل" in note.inner_text() and "prospect" not in note.inner_text()
    assert note.evaluate("el => getComputedStyle(el).direction") == "rtl"
    page.screenshot(path=os.path.join(shots, "planning-ar.png"), full_page=True)
    page.goto(base + "/lang/en?next=/")
    assert errors == []
    context.close()
