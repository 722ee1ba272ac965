"""A small hand-made report (no database) in any language, for the renderer tests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from influscope.reports.model import Card, Column, Diagnostic, Report, Series, Table
from influscope.web.i18n import Formatter

NAMES = {"en": ("Spring launch", "Return on ad spend", "Creator"),
         "zh-Hant": ("春季新品上市", "廣告投資報酬率", "創作者"),
         "ar": ("إطلاق الربيع", "العائد على الإنفاق الإعلاني", "صانع المحتوى")}


def sample_report(lang: str = "en", creators: int = 5) -> Report:
    f = Formatter(lang)
    name, kpi, creator = NAMES[lang]
    d0 = dt.date(2026, 3, 1)
    days = [d0 + dt.timedelta(i) for i in range(31)]
    report = Report(
        lang=lang, dir=f.dir,
        campaign=dict(slug="spring", name=name, brand="acme", goal="bofu", start=d0, end=days[-1],
                      timezone="Asia/Taipei", currency="TWD", budget=Decimal(500000)),
        period=(d0, days[-1]), generated_at=dt.datetime(2026, 4, 1, 8, 0),
        cards=[Card(kpi_id="roas", name=kpi, unit="x", value=3.2, display=f.kpi(3.2, "x"), target=3.0,
                    target_display=f.kpi(3, "x"), attainment=106.7, attainment_display=f.percent(106.7, 1),
                    formula="revenue / spend")],
        funnel=[(kpi, 1_200_000, f.number(1_200_000)), ("clicks", 15_000, f.number(15_000)),
                ("leads", 900, f.number(900)), ("orders", 300, f.number(300))],
        daily=[Series("orders", [(d, float(i)) for i, d in enumerate(days)])],
        diagnostics=[Diagnostic("weak_cta", "warning", f"{name}: {kpi}", [("ctr", f.percent(0.8))])],
    )
    rows = [{"creator": f"{creator} {i}", "roas": Decimal("3.1") + i, "handle": "=HYPERLINK(\"http://x\")"}
            for i in range(creators)]
    report.tables["creators"] = Table(
        "creators", creator, [Column("creator", creator, "text"), Column("handle", "handle", "text"),
                              Column("roas", kpi, "x")],
        rows, [{"creator": r["creator"], "handle": r["handle"], "roas": f.kpi(r["roas"], "x")} for r in rows])
    return report
