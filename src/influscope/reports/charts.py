"""Charts of a report, twice: as static inline SVG (PDF reports, no JavaScript) and as ECharts
options (the interactive dashboard, rendered by the vendored ``echarts.min.js``).

Both take the same plain inputs from :mod:`influscope.reports.model`, so the PDF and the page
show the same numbers. Charts are always laid out left to right (time runs left to right in every
language); the page and the PDF put them in ``dir="ltr"`` containers.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from html import escape as _escape
from typing import Any, Callable, Sequence

from influscope.reports.model import Series

_BIDI_CONTROLS = re.compile("[\u2066-\u2069\u200e\u200f]")


def escape(text: str) -> str:
    """Text for an SVG <text> (always left to right): bidi controls dropped, markup escaped."""
    return _escape(_BIDI_CONTROLS.sub("", str(text)))

FONT = "Noto Sans, Noto Sans CJK TC, Noto Sans Arabic, DejaVu Sans, sans-serif"
PALETTE = ["#2563eb", "#f97316", "#16a34a", "#9333ea", "#dc2626", "#0891b2", "#ca8a04", "#db2777"]


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    exp = math.floor(math.log10(value))
    base = 10 ** exp
    for m in (1, 2, 2.5, 5, 10):
        if value <= m * base:
            return m * base
    return 10 * base


def _short(value: float) -> str:
    a = abs(value)
    if a >= 1e9:
        return f"{value / 1e9:.3g}G"
    if a >= 1e6:
        return f"{value / 1e6:.3g}M"
    if a >= 1e3:
        return f"{value / 1e3:.3g}k"
    if a == int(a):
        return str(int(value))
    return f"{value:.3g}"


def _x_label(x: Any) -> str:
    if isinstance(x, dt.date):
        return x.strftime("%m-%d")
    return str(x)


def line_svg(series: Sequence[Series], *, width: int = 640, height: int = 220,
             hline: float | None = None, hline_label: str = "", shade: tuple[Any, Any] | None = None,
             legend: bool = True) -> str:
    """A line chart of one or more series sharing the x axis (dates or labels).

    ``hline`` draws a dashed reference line (e.g. the baseline mean); ``shade`` highlights the
    x range between two x values (e.g. the campaign period in a before/after chart).
    """
    xs: list[Any] = []
    for s in series:
        for x, _y in s.points:
            if x not in xs:
                xs.append(x)
    xs.sort(key=lambda v: (str(type(v)), v))
    # Series marked axis=1 (orders, leads: counted in tens beside engagements in thousands) get
    # their own scale on a right-hand axis, when there are series on both axes.
    two_axes = any(s.axis == 1 for s in series) and any(s.axis == 0 for s in series)
    values = [y for s in series if not (two_axes and s.axis == 1) for _x, y in s.points if y is not None]
    right_values = [y for s in series if two_axes and s.axis == 1 for _x, y in s.points if y is not None]
    if hline is not None:
        values.append(hline)
    # the right margin holds half of the last date label (or the right axis' labels): never cut
    left, right, top, bottom = 48, 44 if two_axes else 20, 14, 40
    pw, ph = width - left - right, height - top - bottom
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
             f'height="{height}" font-family="{FONT}" font-size="10" direction="ltr">']
    if not xs or not (values or right_values):
        parts.append(f'<text x="{width / 2}" y="{height / 2}" text-anchor="middle" fill="#6b7280">–</text></svg>')
        return "".join(parts)

    def scale(vals: list[float]) -> tuple[float, float]:
        lo = min(0.0, min(vals)) if vals else 0.0
        hi = _nice_max(max(vals)) if vals and max(vals) > 0 else 1.0
        return lo, (hi - lo) or 1.0

    lo, span = scale(values)
    r_lo, r_span = scale(right_values)
    n = len(xs)

    def px(i: int) -> float:
        return left + (pw * i / (n - 1) if n > 1 else pw / 2)

    def py(v: float, axis: int = 0) -> float:
        base, extent = (r_lo, r_span) if axis == 1 and two_axes else (lo, span)
        return top + ph - (v - base) / extent * ph

    if shade is not None:
        idx = [i for i, x in enumerate(xs) if shade[0] <= x <= shade[1]]
        if idx:
            x0, x1 = px(idx[0]), px(idx[-1])
            parts.append(f'<rect x="{x0:.1f}" y="{top}" width="{max(x1 - x0, 2):.1f}" height="{ph}" fill="#dbeafe" '
                         f'opacity="0.6"/>')
    for k in range(5):
        y = top + ph - ph * k / 4
        parts.append(f'<line x1="{left}" x2="{left + pw}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e5e7eb"/>')
        parts.append(f'<text x="{left - 4}" y="{y + 3:.1f}" text-anchor="end" fill="#6b7280">'
                     f'{_short(lo + span * k / 4)}</text>')
        if two_axes:
            parts.append(f'<text x="{left + pw + 4}" y="{y + 3:.1f}" text-anchor="start" fill="#6b7280">'
                         f'{_short(r_lo + r_span * k / 4)}</text>')
    step = max(1, math.ceil(n / 8))
    for i in range(0, n, step):
        parts.append(f'<text x="{px(i):.1f}" y="{top + ph + 14}" text-anchor="middle" fill="#6b7280">'
                     f'{escape(_x_label(xs[i]))}</text>')
    if hline is not None:
        y = py(hline)
        parts.append(f'<line x1="{left}" x2="{left + pw}" y1="{y:.1f}" y2="{y:.1f}" stroke="#6b7280" '
                     f'stroke-dasharray="4 3"/>')
        if hline_label:
            # above the line at its left end, where the days before the campaign (the baseline) are
            parts.append(f'<text x="{left + 4}" y="{y - 4:.1f}" text-anchor="start" fill="#374151">'
                         f'{escape(hline_label)}</text>')
    pos = {x: i for i, x in enumerate(xs)}
    for k, s in enumerate(series):
        color = PALETTE[k % len(PALETTE)]
        path, pen_up = [], True
        for x, y in sorted(s.points, key=lambda p: pos[p[0]]):
            if y is None:
                pen_up = True
                continue
            path.append(f'{"M" if pen_up else "L"}{px(pos[x]):.1f},{py(y, s.axis):.1f}')
            pen_up = False
        if path:
            dash = ' stroke-dasharray="5 2"' if two_axes and s.axis == 1 else ""
            parts.append(f'<path d="{" ".join(path)}" fill="none" stroke="{color}" stroke-width="1.8"{dash}/>')
    # legend (callers that print right-to-left text put the legend in HTML instead: see legend_items)
    lx = left
    for k, s in enumerate(series if legend else []):
        color = PALETTE[k % len(PALETTE)]
        parts.append(f'<rect x="{lx}" y="{height - 14}" width="10" height="3" fill="{color}"/>')
        parts.append(f'<text x="{lx + 14}" y="{height - 10}" fill="#374151">{escape(s.name)}</text>')
        lx += 24 + 7 * len(s.name)
    parts.append("</svg>")
    return "".join(parts)


def funnel_svg(stages: Sequence[tuple[str, Any, str]], *, width: int = 640, row: int = 34) -> str:
    """Centred bars whose widths are proportional to the stage values (reach -> clicks -> ...).

    Stage names are drawn by the caller in HTML (where bidi text is shaped by the layout
    engine); the bars carry the formatted value and the step conversion rate.
    """
    height = row * max(len(stages), 1) + 6
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
             f'height="{height}" font-family="{FONT}" font-size="11" direction="ltr">']
    values = [float(v) for _l, v, _d in stages if v is not None]
    top = max(values) if values else 0
    prev = None
    for i, (_label, value, display) in enumerate(stages):
        y = 3 + i * row
        if value is None or top <= 0:
            w = 4.0
        else:
            # a log scale keeps small stages (orders) visible next to reach in the millions
            w = max(6.0, width * (math.log10(float(value) + 1) / math.log10(top + 1)))
        x = (width - w) / 2
        color = PALETTE[i % len(PALETTE)]
        parts.append(f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{row - 6}" rx="3" fill="{color}" '
                     f'opacity="0.85"/>')
        rate = ""
        if prev and value is not None and float(prev) > 0:
            rate = f"  ({float(value) / float(prev) * 100:.2f}%)"
        parts.append(f'<text x="{width / 2}" y="{y + row / 2 + 1}" text-anchor="middle" fill="#111827" '
                     f'font-weight="bold">{escape(display + rate)}</text>')
        prev = value if value is not None else prev
    parts.append("</svg>")
    return "".join(parts)


def legend_items(series: Sequence[Series]) -> list[tuple[str, str]]:
    """(colour, name) of each series, in the colours :func:`line_svg` draws them."""
    return [(PALETTE[k % len(PALETTE)], s.name) for k, s in enumerate(series)]


def funnel_bar_svgs(stages: Sequence[tuple[str, Any, str]], *, width: int = 480, height: int = 26) -> list[str]:
    """One centred bar per funnel stage (the caller puts each next to its translated label).

    Widths use a log scale so that orders stay visible next to a reach in the millions; the
    text gives the exact value and the conversion from the previous stage.
    """
    values = [float(v) for _l, v, _d in stages if v is not None]
    top = max(values) if values else 0
    out, prev = [], None
    for i, (_label, value, display) in enumerate(stages):
        if value is None or top <= 0:
            w = 4.0
        else:
            w = max(6.0, width * (math.log10(float(value) + 1) / math.log10(top + 1)))
        rate = ""  # the step's rate is its own column next to the bar
        out.append(
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
            f'font-family="{FONT}" font-size="11" direction="ltr">'
            f'<rect x="{(width - w) / 2:.1f}" y="2" width="{w:.1f}" height="{height - 4}" rx="3" '
            f'fill="{PALETTE[i % len(PALETTE)]}" opacity="0.85"/>'
            f'<text x="{width / 2}" y="{height / 2 + 4}" text-anchor="middle" fill="#111827" font-weight="bold">'
            f'{escape(display + rate)}</text></svg>')
        prev = value if value is not None else prev
    return out


def bars_svg(items: Sequence[tuple[str, Any, str]], *, width: int = 640, row: int = 22,
             label_width: int = 0, color: str = PALETTE[0]) -> str:
    """Horizontal bars with their value text (labels, if any, are drawn by the caller)."""
    height = row * max(len(items), 1) + 4
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
             f'height="{height}" font-family="{FONT}" font-size="10" direction="ltr">']
    values = [abs(float(v)) for _l, v, _d in items if v is not None]
    top = max(values) if values else 0
    avail = width - label_width - 70
    for i, (_label, value, display) in enumerate(items):
        y = 2 + i * row
        w = 0 if value is None or top == 0 else avail * abs(float(value)) / top
        parts.append(f'<rect x="{label_width}" y="{y}" width="{w:.1f}" height="{row - 6}" fill="{color}" rx="2"/>')
        parts.append(f'<text x="{label_width + w + 4:.1f}" y="{y + row / 2}" fill="#111827">{escape(display)}</text>')
    parts.append("</svg>")
    return "".join(parts)


# ------------------------------------------------------------------------------ ECharts options

def _iso(x: Any) -> Any:
    return x.isoformat() if isinstance(x, (dt.date, dt.datetime)) else x


def echarts_line(series: Sequence[Series], *, hline: float | None = None, hline_label: str = "",
                 shade: tuple[Any, Any] | None = None) -> dict:
    xs: list[Any] = sorted({x for s in series for x, _ in s.points}, key=lambda v: (str(type(v)), v))
    out = []
    two_axes = any(s.axis == 1 for s in series) and any(s.axis == 0 for s in series)
    for k, s in enumerate(series):
        m = dict(s.points)
        item: dict[str, Any] = {"name": s.name, "type": "line", "showSymbol": len(xs) < 40,
                                "data": [m.get(x) for x in xs], "connectNulls": False}
        if two_axes and s.axis == 1:
            item["yAxisIndex"] = 1
        if k == 0 and (hline is not None or shade is not None):
            if hline is not None:
                # the label sits inside the plot, above the line's end: never cut by the grid's edge
                item["markLine"] = {"symbol": "none", "lineStyle": {"type": "dashed", "color": "#6b7280"},
                                    "label": {"formatter": _BIDI_CONTROLS.sub("", hline_label) or "{c}",
                                              "position": "insideEndTop", "color": "#374151"},
                                    "data": [{"yAxis": hline}]}
            if shade is not None:
                item["markArea"] = {"itemStyle": {"color": "rgba(37,99,235,0.08)"},
                                    "data": [[{"xAxis": _iso(shade[0])}, {"xAxis": _iso(shade[1])}]]}
        out.append(item)
    return {
        "color": PALETTE,
        "tooltip": {"trigger": "axis"},
        "legend": {"bottom": 0},
        "grid": {"left": 56, "right": 56 if two_axes else 16, "top": 24, "bottom": 48},
        "xAxis": {"type": "category", "data": [_iso(x) for x in xs]},
        "yAxis": ([{"type": "value", "name": " / ".join(s.name for s in series if s.axis == 0)},
                   {"type": "value", "name": " / ".join(s.name for s in series if s.axis == 1),
                    "splitLine": {"show": False}}] if two_axes else {"type": "value"}),
        "series": out,
    }


def echarts_funnel(stages: Sequence[tuple[str, Any, str]]) -> dict:
    """The funnel as horizontal bars on a log axis (reach in the millions next to orders in the
    hundreds stays readable); each label gives the value and the step conversion rate."""
    labels, values, texts, prev = [], [], [], None
    for label, v, display in stages:
        labels.append(label)
        values.append(float(v) if v else None)
        rate = f" ({float(v) / float(prev) * 100:.2f}%)" if (prev and v is not None and float(prev) > 0) else ""
        texts.append(_BIDI_CONTROLS.sub("", display) + rate)
        prev = v if v is not None else prev
    return {
        "color": PALETTE,
        "tooltip": {"trigger": "axis"},
        "grid": {"left": 8, "right": 24, "top": 8, "bottom": 8, "containLabel": True},
        "xAxis": {"type": "log", "show": False},
        "yAxis": {"type": "category", "inverse": True, "data": labels},
        "series": [{"type": "bar", "barWidth": "60%",
                    "data": [{"value": v, "label": {"show": True, "position": "insideLeft", "formatter": t,
                                                    "color": "#111827", "fontWeight": "bold"},
                              "itemStyle": {"color": PALETTE[i % len(PALETTE)], "opacity": 0.8}}
                             for i, (v, t) in enumerate(zip(values, texts))]}],
    }


def echarts_bars(items: Sequence[tuple[str, Any, str]]) -> dict:
    return {
        "color": PALETTE,
        "tooltip": {"trigger": "axis"},
        "grid": {"left": 120, "right": 24, "top": 8, "bottom": 24},
        "xAxis": {"type": "value"},
        "yAxis": {"type": "category", "inverse": True, "data": [label for label, _v, _d in items]},
        "series": [{"type": "bar", "data": [float(v) if v is not None else None for _l, v, _d in items]}],
    }


Formatter = Callable[[Any], str]
