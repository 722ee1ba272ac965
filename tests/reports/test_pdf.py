"""PDF reports: fonts that render Chinese and Arabic are embedded, pages are numbered, RTL works."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from influscope.reports.pdf import render_pdf, report_html, write_pdf
from tests.reports.sample import sample_report

pytestmark = pytest.mark.skipif(shutil.which("pdffonts") is None, reason="needs poppler-utils")


def _fonts(path) -> str:
    return subprocess.run(["pdffonts", str(path)], check=True, capture_output=True, text=True).stdout


def _text(path) -> str:
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True,
                          text=True).stdout
    # pdftotext marks right-to-left runs with embedding controls; drop them
    return "".join(ch for ch in text if ch not in "\u202a\u202b\u202c\u202d\u202e\u200e\u200f")


@pytest.mark.parametrize("lang, font", [("en", "Noto-Sans"), ("zh-Hant", "Noto-Sans-CJK-TC"),
                                        ("ar", "Noto-Sans-Arabic")])
def test_pdf_embeds_the_fonts_of_its_language(tmp_path, lang, font):
    path = write_pdf(sample_report(lang), tmp_path / f"{lang}.pdf")
    fonts = _fonts(path)
    assert font in fonts
    # every font is embedded (the "emb" column), so the PDF renders the same anywhere
    rows = [line.split() for line in fonts.splitlines()[2:] if line.strip()]
    assert rows and all("yes" in r[-5:-4] for r in rows), fonts
    assert "DejaVu" not in fonts and "Serif" not in fonts  # no fallback to a font without the glyphs


def test_pdf_text_has_the_chinese_and_arabic_words_and_page_numbers(tmp_path):
    zh = _text(write_pdf(sample_report("zh-Hant", creators=150), tmp_path / "zh.pdf"))
    assert "春季新品上市" in zh and "廣告投資報酬率" in zh
    pages = subprocess.run(["pdfinfo", str(tmp_path / "zh.pdf")], capture_output=True, text=True).stdout
    n = int(next(line.split()[-1] for line in pages.splitlines() if line.startswith("Pages:")))
    assert n >= 2
    flat = zh.replace(" ", "")
    assert f"頁1/{n}" in flat and f"頁{n}/{n}" in flat  # "Page" from the zh-Hant catalogue
    ar = _text(write_pdf(sample_report("ar"), tmp_path / "ar.pdf"))
    # pdftotext gives the logical order of shaped Arabic back
    assert "الربيع" in ar  # (the lam-alef ligature of the first word does not round-trip through pdftotext)


def test_arabic_report_is_rtl_and_charts_stay_ltr():
    html = report_html(sample_report("ar"))
    assert '<html lang="ar" dir="rtl">' in html
    assert 'direction="ltr"' in html  # every SVG chart
    assert "<svg" in html


def test_long_tables_are_cut_in_the_pdf_with_a_note():
    html = report_html(sample_report("en", creators=100))
    assert "first 60 rows" in html
    assert render_pdf(sample_report("en", creators=3)).startswith(b"%PDF-")


def test_missing_fonts_are_refused_naming_the_debian_packages():
    from influscope.reports.pdf import FontsMissing, check_fonts, needed_fonts

    assert needed_fonts("en", "Spring launch") == ["Noto Sans"]
    assert needed_fonts("en", "Spring launch by 美琳") == ["Noto Sans", "Noto Sans CJK TC"]  # CJK names
    assert needed_fonts("en", "سارة") == ["Noto Sans", "Noto Sans Arabic"]
    assert needed_fonts("zh-Hant", "") == ["Noto Sans", "Noto Sans CJK TC"]
    latin_only = frozenset({"Noto Sans", "DejaVu Sans"})
    check_fonts("en", "Spring launch", installed=latin_only)  # nothing missing: no error
    with pytest.raises(FontsMissing) as err:
        check_fonts("zh-Hant", "春季新品", installed=latin_only)
    assert "Noto Sans CJK TC" in str(err.value) and "apt-get install fonts-noto-cjk" in str(err.value)
    with pytest.raises(FontsMissing) as err:
        check_fonts("ar", "", installed=frozenset())
    assert "apt-get install fonts-noto-cjk fonts-noto-core" not in str(err.value)
    assert "apt-get install fonts-noto-core" in str(err.value)


def test_a_pdf_that_cannot_print_right_is_refused_and_nothing_is_written(tmp_path, monkeypatch):
    from influscope.reports import pdf as pdf_module

    monkeypatch.setattr(pdf_module, "installed_families", lambda: frozenset({"Noto Sans"}))
    with pytest.raises(pdf_module.FontsMissing, match="fonts-noto-cjk"):
        pdf_module.write_pdf(sample_report("zh-Hant"), tmp_path / "r.pdf")
    assert not (tmp_path / "r.pdf").exists() and not (tmp_path / "r.pdf.part").exists()


def test_a_hostile_campaign_name_is_escaped_once_and_isolated_in_the_pdf(tmp_path):
    report = sample_report("en")
    report.campaign["name"] = '\u202egnp.exe <script>"x"\\ &amp;'
    html = report_html(report)
    assert "\u202e" not in html  # the override never reaches the page
    assert "<h1><bdi>gnp.exe &lt;script&gt;&#34;x&#34;\\ &amp;amp;</bdi></h1>" in html
    assert "<title>\u2068gnp.exe &lt;script&gt;" in html
    header = next(line for line in html.splitlines() if "\\002068" in line)
    assert "&lt;" not in header and "<script" not in header and "\\00003c" in header
    text = _text(write_pdf(report, tmp_path / "hostile.pdf"))
    # the running header shows the name as typed, once: no entities, no reordering
    assert text.count('gnp.exe <script>"x"\\ &amp;') >= 2  # the header on each page and the <h1>
    assert "&lt;" not in text and "exe.png" not in text


def test_text_cells_of_an_arabic_report_take_their_own_direction():
    # WeasyPrint has no dir="auto": a caption starting in Latin or Chinese ("今日分享 @acme_tw #ad")
    # would read "acme_tw@" in a right-to-left page, so each text cell is given the direction of
    # its first strong letter.
    from influscope.reports.model import Column, Table

    rep = sample_report("ar")
    captions = ["今日分享 @acme_tw #ad", "تجربتي مع acme #ad", "2026 – 25%"]
    rep.tables["posts"] = Table("posts", "posts", [Column("caption", "caption", "text")],
                                [{"caption": c} for c in captions], [{"caption": c} for c in captions])
    html = report_html(rep)
    assert '<div dir="ltr">今日分享 @acme_tw #ad</div>' in html
    assert '<div dir="rtl">تجربتي مع acme #ad</div>' in html
    assert '<div dir="auto">2026 – 25%</div>' in html  # no strong letter: the page's direction
    assert '<div dir="rtl">صانع المحتوى 0</div>' in html  # a creator named in Arabic is no longer forced LTR
