"""The dashboard in a real browser: log in, open a campaign, switch to Arabic, read a KPI card's
explanation, sort the leaderboard, download the PDF, upload a bundle with an error."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import zipfile

import pytest

from influscope.kpi.catalogue import KPIS, STAGE_DEFAULTS
from tests.e2e.conftest import EMAIL, PASSWORD
from tests.web.ui.bundle import write_bundle

pytestmark = pytest.mark.browser


def _login(page, base: str, path: str) -> None:
    page.goto(base + path)
    assert "/login" in page.url  # not logged in yet: sent to the login page
    page.fill("input[name=email]", EMAIL)
    page.fill("input[name=password]", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(re.compile(re.escape(base + path)))


def test_campaign_in_arabic_sort_explain_and_pdf(server, browser, shots, tmp_path):
    base = server["base"]
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    outside: list[str] = []
    page.on("request", lambda req: outside.append(req.url) if not req.url.startswith(base) and
            not req.url.startswith("data:") else None)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    _login(page, base, "/campaigns/spring-launch")
    assert page.locator("h1").inner_text() == "春季新品上市"
    first = STAGE_DEFAULTS["bofu"][0]
    page.wait_for_selector(f'.card[data-kpi="{first}"]')
    page.wait_for_selector("#daily [data-chart] svg", timeout=60_000)  # htmx panel + ECharts drew it
    page.screenshot(path=os.path.join(shots, "campaign-en.png"), full_page=True)

    # switch to Arabic with the language switch
    page.click('nav.langs a[data-lang="ar"]')
    page.wait_for_load_state("networkidle")
    assert page.get_attribute("html", "dir") == "rtl" and page.get_attribute("html", "lang") == "ar"
    for kid in ("roas", "revenue", "conversions"):
        assert page.locator(f'.card[data-kpi="{kid}"] .kpi-name').inner_text().startswith(KPIS[kid].name["ar"])
    # charts stay left to right inside the mirrored page
    assert page.eval_on_selector(".chart", "el => getComputedStyle(el).direction") == "ltr"
    # the mirrored layout: the first card sits at the right edge
    box = page.locator(".card").first.bounding_box()
    assert box["x"] > 600

    # every KPI card explains itself
    card = page.locator('.card[data-kpi="roas"]')
    card.locator(".explain-btn").click()
    explain = card.locator(".explain")
    explain.wait_for(state="visible")
    text = explain.inner_text()
    assert KPIS["roas"].formula["ar"] in text and "attribution = last_click" in text
    page.screenshot(path=os.path.join(shots, "campaign-ar.png"), full_page=True)

    # sort the leaderboard by clicking a column header (htmx swap, no reload)
    header = page.locator('#leaderboard th[data-col="revenue"] a')
    header.click()  # the default order is revenue, descending: this flips it
    page.wait_for_selector('#leaderboard th[data-col="revenue"] a[aria-sort="ascending"]')
    creators = page.locator("#leaderboard tbody tr td:first-child").all_inner_texts()
    assert creators == ["jordan", "omar", "mei-lin"]
    page.locator('#leaderboard th[data-col="clicks"] a').click()
    page.wait_for_selector('#leaderboard th[data-col="clicks"] a[aria-sort="descending"]')
    page.screenshot(path=os.path.join(shots, "leaderboard-sorted-ar.png"))

    # download the PDF (in the page's language)
    with page.expect_download(timeout=120_000) as info:
        page.click("#download-pdf")
    path = tmp_path / "report.pdf"
    info.value.save_as(path)
    data = path.read_bytes()
    assert data.startswith(b"%PDF-") and info.value.suggested_filename.endswith("-ar.pdf")
    if shutil.which("pdffonts"):
        fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True).stdout
        assert "Noto-Sans-Arabic" in fonts

    assert not errors, errors
    assert not outside, outside  # nothing is loaded from outside the server (no CDN)
    context.close()


def test_upload_bundle_with_error_shows_located_message(server, browser, shots, tmp_path):
    base = server["base"]
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    _login(page, base, "/imports")
    folder = write_bundle(tmp_path / "bad", slug="autumn-sale", bad_line=True)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for p in sorted(folder.iterdir()):
            zf.write(p, f"autumn-sale/{p.name}")
    page.set_input_files("#import-form input[type=file]",
                         files=[{"name": "autumn-sale.zip", "mimeType": "application/zip", "buffer": buf.getvalue()}])
    page.click("#import-form button[type=submit]")
    page.wait_for_selector("#import-errors")
    message = page.locator("#import-errors").inner_text()
    assert "orders.csv:4: subtotal: not a number: 'x12'" in message
    page.screenshot(path=os.path.join(shots, "import-error.png"), full_page=True)
    # nothing was half-imported: the campaign does not exist
    page.goto(base + "/")
    assert "autumn-sale" not in page.content()
    context.close()
