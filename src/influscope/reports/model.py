"""What a campaign report holds, independent of how it is shown (web page, PDF, CSV, XLSX).

:func:`influscope.reports.build.build_report` fills it from the KPI engine and the canonical
store; the renderers only format it. Values are raw (numbers in their KPI unit, money as
Decimal); ``display`` strings are already formatted for the report's language.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Comparison:
    label: str  # "previous period" / "same period last year", translated
    start: dt.date
    end: dt.date
    value: Any
    display: str
    change_pct: float | None  # (current - other) / |other| x 100
    change_display: str
    better: bool | None  # the change goes the KPI's good direction


@dataclass
class Card:
    kpi_id: str
    name: str
    unit: str
    value: Any
    display: str
    estimated: bool = False
    reason: str | None = None
    target: Any = None
    target_display: str = ""
    attainment: float | None = None
    attainment_display: str = ""
    pacing: Any = None
    pacing_display: str = ""
    benchmark: Any = None
    benchmark_display: str = ""
    formula: str = ""
    description: str = ""
    direction: str = "none"
    inputs: list[tuple[str, str]] = field(default_factory=list)  # (name, formatted value)
    settings: list[tuple[str, str]] = field(default_factory=list)  # (setting, value)
    comparisons: list[Comparison] = field(default_factory=list)


@dataclass
class Column:
    key: str
    label: str
    unit: str | None = None  # a KPI unit, "text", "date", "datetime", "money"


@dataclass
class Table:
    id: str  # file name stem for CSV/XLSX: creators, posts, daily, kpis, diagnostics ...
    title: str
    columns: list[Column]
    rows: list[dict[str, Any]]
    display_rows: list[dict[str, str]] = field(default_factory=list)


@dataclass
class Series:
    name: str
    points: list[tuple[Any, float | None]]  # (x, y); x is a date or a label
    unit: str | None = None
    axis: int = 0  # 1 = drawn against a second value axis (small counts beside large ones)


@dataclass
class Diagnostic:
    id: str
    severity: str  # info | warning | critical
    message: str
    figures: list[tuple[str, str]] = field(default_factory=list)
    title: str = ""  # the finding in a few words
    creator: str = ""  # the creator it is about ("" for the whole campaign)
    creator_key: str = ""
    figure: str = ""  # the figure behind it, formatted
    action: str = ""  # what to do, in a few words
    rank: int = 0  # 1 = the most urgent


@dataclass
class FunnelStep:
    kpi_id: str
    label: str
    value: Any
    display: str
    rate: float | None = None  # percent of the step before
    rate_display: str = ""


@dataclass
class Summary:
    """What a client reads first: money against budget, the stage's headline KPIs against target,
    the best and worst creators and the next three things to do."""
    spend_display: str = ""
    budget_display: str = ""
    used: float | None = None  # percent of the budget spent
    used_display: str = ""
    budget_status: str = ""  # on_track | over | under | ""
    headline: list[Card] = field(default_factory=list)
    best: dict[str, str] = field(default_factory=dict)  # name, key, kpi, display
    worst: dict[str, str] = field(default_factory=dict)
    actions: list[Diagnostic] = field(default_factory=list)


@dataclass
class Report:
    lang: str
    dir: str
    campaign: dict[str, Any]  # slug, name, brand, goal, start, end, timezone, currency, budget
    period: tuple[dt.date, dt.date]
    generated_at: dt.datetime
    cards: list[Card]
    other_cards: list[Card] = field(default_factory=list)  # the KPIs outside the goal stage's set
    funnel: list[tuple[str, Any, str]] = field(default_factory=list)  # (label, value, display)
    funnel_steps: list[FunnelStep] = field(default_factory=list)  # the same, with each step's rate
    summary: Summary | None = None
    daily: list[Series] = field(default_factory=list)
    traffic: dict[str, Any] = field(default_factory=dict)  # series + baseline mean + lift
    followers: dict[str, Any] = field(default_factory=dict)
    sentiment: dict[str, Any] = field(default_factory=dict)
    audience: dict[str, Any] = field(default_factory=dict)  # demographics at the end and change since the start
    credibility: list[dict[str, Any]] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    tables: dict[str, Table] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # e.g. "EMV is an estimate"
    show_costs: bool = True
