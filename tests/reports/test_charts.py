"""Chart builders: static SVG for the PDF and ECharts options for the page, from the same inputs."""

from __future__ import annotations

import datetime as dt
import json
import xml.etree.ElementTree as ET

from influscope.reports import charts
from influscope.reports.model import Series

D = [dt.date(2026, 3, 1) + dt.timedelta(i) for i in range(5)]


def test_line_svg_is_valid_ltr_svg_and_breaks_at_missing_values():
    svg = charts.line_svg([Series("clicks", [(D[0], 1.0), (D[1], None), (D[2], 3.0), (D[3], 4.0)])],
                          hline=2.0, hline_label="2", shade=(D[2], D[3]))
    root = ET.fromstring(svg)
    assert root.get("direction") == "ltr"
    path = next(el for el in root.iter() if el.tag.endswith("path")).get("d")
    assert path.count("M") == 2  # the missing day splits the line (missing is not zero)
    assert "stroke-dasharray" in svg and "<rect" in svg


def test_line_svg_without_data_says_so():
    assert "–" in charts.line_svg([Series("clicks", [])])


def test_legend_in_html_keeps_names_out_of_the_svg():
    series = [Series("النقرات", [(D[0], 1.0)]), Series("訂單", [(D[0], 2.0)])]
    svg = charts.line_svg(series, legend=False)
    assert "النقرات" not in svg and "訂單" not in svg
    assert charts.legend_items(series) == [(charts.PALETTE[0], "النقرات"), (charts.PALETTE[1], "訂單")]


def test_funnel_bars_show_values_and_leave_bidi_controls_out_of_the_svg():
    bars = charts.funnel_bar_svgs([("reach", 100000, "100,000"), ("clicks", 1000, "\u20661,000\u2069"),
                                   ("orders", None, "–")])
    assert len(bars) == 3 and ">1,000<" in bars[1] and "–" in bars[2]  # the step's rate is a column beside
    for b in bars:
        ET.fromstring(b)
        assert "\u2066" not in b and "\u2069" not in b


def test_echarts_options_are_json_with_dates_as_iso_strings():
    opt = charts.echarts_line([Series("clicks", [(D[0], 1.0), (D[1], None)])], hline=0.5, shade=(D[0], D[1]))
    text = json.dumps(opt)
    assert opt["xAxis"]["data"] == ["2026-03-01", "2026-03-02"]
    assert opt["series"][0]["data"] == [1.0, None] and "markLine" in text and "markArea" in text
    funnel = charts.echarts_funnel([("reach", 1000, "1,000"), ("clicks", 10, "10")])
    assert funnel["yAxis"]["data"] == ["reach", "clicks"]
    assert funnel["series"][0]["data"][1]["label"]["formatter"] == "10 (1.00%)"


def test_cost_diagnostics_are_recognised_for_hiding():
    from influscope.reports.build import reveals_costs

    assert reveals_costs({"kpis": ["spend", "budget_used"], "figures": {}})
    assert reveals_costs({"kpis": [], "figures": {"projected_spend": 1.0}})
    assert reveals_costs({"kpis": ["roas"], "figures": {"roas": 0.5}})
    assert not reveals_costs({"kpis": ["ctr", "engagement_rate"], "figures": {"ctr": 1.0, "er_high": 3}})
