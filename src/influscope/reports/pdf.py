"""PDF campaign reports with WeasyPrint.

The report (:class:`influscope.reports.model.Report`) is laid out as HTML with charts as inline
SVG, then printed to A4 with page numbers. Text is set in Noto Sans with Noto Sans CJK TC and
Noto Sans Arabic as fallbacks (Debian: ``fonts-noto-core`` and ``fonts-noto-cjk``); Arabic reports
are ``dir="rtl"`` and WeasyPrint (Pango + HarfBuzz) shapes and orders the text.

The fonts are checked before printing: a report whose language or text needs a font that is not
installed is refused with :class:`FontsMissing`, naming the Debian packages to install, rather than
printed with empty boxes for every Chinese or Arabic character.
"""

from __future__ import annotations

import functools
import re
import shutil
import subprocess
from pathlib import Path

from influscope.reports import charts
from influscope.reports.model import Column, Report
from influscope.web import i18n
from influscope.web.ui._render import render

FONTS = {
    "en": '"Noto Sans", "Noto Sans CJK TC", "Noto Sans Arabic", "DejaVu Sans", sans-serif',
    "zh-Hant": '"Noto Sans", "Noto Sans CJK TC", "Noto Sans Arabic", "DejaVu Sans", sans-serif',
    "ar": '"Noto Sans Arabic", "Noto Sans", "Noto Sans CJK TC", "DejaVu Sans", sans-serif',
}
# The font families a report may need, with the Debian package that provides each.
FONT_PACKAGES = {"Noto Sans": "fonts-noto-core", "Noto Sans Arabic": "fonts-noto-core",
                 "Noto Sans CJK TC": "fonts-noto-cjk"}
_ARABIC = re.compile("[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]")
_CJK = re.compile("[\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")


class FontsMissing(RuntimeError):
    """The report needs fonts this machine does not have (the message says what to install)."""


@functools.lru_cache(maxsize=1)
def installed_families() -> frozenset[str]:
    """Font families known to fontconfig (which WeasyPrint uses), from ``fc-list``."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return frozenset()
    out = subprocess.run([fc_list, ":", "family"], capture_output=True, text=True, check=False).stdout
    return frozenset(name.strip() for line in out.splitlines() for name in line.split(",") if name.strip())


def needed_fonts(lang: str, text: str) -> list[str]:
    """The families a report in LANG with TEXT needs: Latin always, Arabic and CJK when used."""
    need = ["Noto Sans"]
    if lang == "ar" or _ARABIC.search(text):
        need.append("Noto Sans Arabic")
    if lang == "zh-Hant" or _CJK.search(text):
        need.append("Noto Sans CJK TC")
    return need


def check_fonts(lang: str, text: str, installed: frozenset[str] | None = None) -> None:
    """Raise :class:`FontsMissing` when a font the report needs is not installed."""
    have = installed_families() if installed is None else installed
    missing = [f for f in needed_fonts(lang, text) if f not in have]
    if missing:
        packages = " ".join(sorted({FONT_PACKAGES[f] for f in missing}))
        raise FontsMissing(f"the PDF needs the fonts {', '.join(missing)}, which are not installed here, or its "
                           f"Chinese or Arabic text would print as empty boxes. Install them (Debian/Ubuntu: "
                           f"`sudo apt-get install {packages}`) and try again; CSV and XLSX exports need no fonts.")


PDF_TABLES = ("kpis", "creators", "posts")
MAX_PDF_ROWS = 60
# A client reads the top posts; every post is in the CSV/XLSX export (and the layout of long tables
# is most of a PDF's rendering time). Every KPI is listed (three short columns).
MAX_PDF_ROWS_OF = {"posts": 20, "kpis": 1000}
# The columns a reader needs; the exports keep the ids, units and raw values.
PDF_COLUMNS = {"kpis": ("kpi", "display", "reason")}


def stage_names(lang: str) -> dict[str, str]:
    _ = i18n.gettext_for(lang)
    return {"tofu": _("Awareness (TOFU)"), "mofu": _("Consideration (MOFU)"), "bofu": _("Conversion (BOFU)")}


def chart_svgs(report: Report) -> dict[str, str]:
    out: dict[str, str] = {}
    if report.funnel:
        out["funnel"] = charts.funnel_bar_svgs(report.funnel)
    # Text inside the SVG is only numbers and dates; names (which may be Arabic or Chinese) go in
    # HTML legends, where the layout engine shapes and orders them.
    if report.daily:
        out["daily"] = charts.line_svg(report.daily, legend=False, height=200)
        _ = i18n.gettext_for(report.lang)
        right = any(s.axis == 1 for s in report.daily) and any(s.axis == 0 for s in report.daily)
        out["daily_legend"] = [(color, _("%(name)s (right axis)") % {"name": s.name} if right and s.axis == 1
                                else name) for (color, name), s in zip(charts.legend_items(report.daily), report.daily)]
    if report.traffic.get("series"):
        mean = report.traffic.get("baseline_mean")
        out["traffic"] = charts.line_svg(report.traffic["series"], width=320, height=170, hline=mean,
                                         hline_label=f"{mean:,.0f}" if mean is not None else "",
                                         shade=report.period, legend=False)
        out["traffic_legend"] = charts.legend_items(report.traffic["series"]) + (
            [("#6b7280", report.traffic.get("baseline_label", ""))] if mean is not None else [])
    if report.followers.get("series"):
        out["followers"] = charts.line_svg(report.followers["series"], width=320, height=170, shade=report.period,
                                           legend=False)
        out["followers_legend"] = charts.legend_items(report.followers["series"])
    return out


def report_html(report: Report) -> str:
    tables = []
    for name in PDF_TABLES:
        table = report.tables.get(name)
        if table is None or not table.rows:
            continue
        limit = MAX_PDF_ROWS_OF.get(name, MAX_PDF_ROWS)
        if len(table.display_rows) > limit:
            _ = i18n.gettext_for(report.lang)
            table = type(table)(table.id, table.title + " " + _("(first %(n)s rows; the CSV/XLSX export has all)")
                                % {"n": limit}, table.columns, table.rows[:limit], table.display_rows[:limit])
        if name in PDF_COLUMNS:
            _ = i18n.gettext_for(report.lang)
            # the formatted value is the one shown (as a number, aligned to the end)
            cols = [Column(c.key, _("Value"), "number") if c.key == "display" else c
                    for c in table.columns if c.key in PDF_COLUMNS[name]]
            table = type(table)(table.id, table.title, cols, table.rows, table.display_rows)
        if name == "posts":  # the id and the address are for the exports; the caption names the post
            cols = [c for c in table.columns if c.key not in ("post", "url")]
            table = type(table)(table.id, table.title, cols, table.rows, table.display_rows)
        tables.append(table)
    return render("report/pdf.html", report.lang, report=report, charts=chart_svgs(report), tables=tables,
                  fonts=FONTS[report.lang], stage_names=stage_names(report.lang))


def render_pdf(report: Report) -> bytes:
    from weasyprint import HTML

    html = report_html(report)
    check_fonts(report.lang, re.sub(r"<style>.*?</style>", "", html, flags=re.S))
    return HTML(string=html).write_pdf()


def write_pdf(report: Report, path: str | Path) -> Path:
    """Write the PDF atomically (a partial file never appears under PATH)."""
    path = Path(path)
    data = render_pdf(report)
    tmp = path.with_name(path.name + ".part")
    tmp.write_bytes(data)
    tmp.replace(path)
    return path
