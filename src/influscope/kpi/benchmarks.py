"""Benchmarks: follower tiers, CTR baselines and engagement-rate bands, each with its source.

All figures live in ``kpi/data/benchmarks.yaml``; every one names its source (publisher, address,
first- or third-party) and the year of its data where the source states one (``year=None`` means
the page gives no year). Percentages are in percent units (``1.36`` means 1.36 %).

Public API (pure functions, no database access)::

    tier(followers: int, preset: str = "default") -> Tier
    tier_presets() -> list[str]
    tiers(preset: str = "default") -> list[Tier]
    ctr_baseline(platform: str | None = None) -> Benchmark
    er_band(platform: str, followers: int) -> Benchmark | None
    er_points(platform: str | None = None) -> list[Benchmark]
    for_kpi(kpi_id: str, platform: str | None = None, followers: int | None = None, *,
            preset: str = "default", currency: str | None = None) -> Benchmark | None
    compare(value: float | Decimal | None, band: Benchmark | float | None) -> "below" | "within" | "above" | None
    sources() -> dict[str, Source]
    cpm_bands() -> list[Benchmark]
    normalize_platform(platform: str | None) -> str | None

``Benchmark`` fields: ``kpi``, ``value`` (the single figure to show next to a KPI: the point value,
or the midpoint of a ``low``-``high`` band), ``low``, ``high``, ``high_above`` (a source's "high"
threshold, where published), ``unit``, ``currency`` (money benchmarks only), ``platform``,
``scope`` (what the figure measures), ``source`` (a :class:`Source`), ``year`` (shortcut for
``source.year``) and ``note``. ``Benchmark.to_dict()`` gives a JSON-ready dict.

Tier intervals are half-open: a tier ``[min, max)`` holds ``min <= followers < max``; with the
default preset 10,000 followers is micro and 1,000,000 is mega.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from decimal import Decimal
from functools import lru_cache
from importlib import resources
from typing import Literal

import yaml

__all__ = [
    "Benchmark",
    "Source",
    "Tier",
    "compare",
    "cpm_bands",
    "ctr_baseline",
    "er_band",
    "er_points",
    "for_kpi",
    "normalize_platform",
    "sources",
    "tier",
    "tier_presets",
    "tiers",
]

PLATFORM_ALIASES = {"ig": "instagram", "tt": "tiktok", "yt": "youtube", "fb": "facebook", "twitter": "x"}


@dataclass(frozen=True)
class Source:
    id: str
    name: str
    url: str | None
    year: int | None
    third_party: bool
    verified: bool
    note: str | None = None

    def cite(self) -> str:
        """One line citation: name, year (or 'year not stated'), address, flags."""
        parts = [self.name, str(self.year) if self.year else "year not stated"]
        if self.url:
            parts.append(self.url)
        if self.third_party:
            parts.append("third-party")
        if not self.verified:
            parts.append("unverified")
        return "; ".join(parts)


@dataclass(frozen=True)
class Tier:
    id: str
    min: int
    max: int | None  # exclusive; None = no upper bound
    preset: str
    source: Source

    def contains(self, followers: int) -> bool:
        return followers >= self.min and (self.max is None or followers < self.max)

    @property
    def label(self) -> str:
        hi = "+" if self.max is None else f"-{_short(self.max)}"
        return f"{self.id} ({_short(self.min)}{hi})"


@dataclass(frozen=True)
class Benchmark:
    kpi: str
    value: float | None
    low: float | None
    high: float | None
    unit: str
    scope: str
    source: Source
    platform: str | None = None
    high_above: float | None = None
    currency: str | None = None
    note: str | None = None

    @property
    def year(self) -> int | None:
        return self.source.year

    def to_dict(self) -> dict:
        d = asdict(self)
        d["source"] = asdict(self.source)
        d["year"] = self.year
        d["citation"] = self.source.cite()
        return d


def _short(n: int) -> str:
    if n >= 1_000_000 and n % 1_000_000 == 0:
        return f"{n // 1_000_000}M"
    if n >= 1000 and n % 1000 == 0:
        return f"{n // 1000}k"
    return str(n)


@lru_cache(maxsize=1)
def _data() -> dict:
    text = resources.files("influscope.kpi").joinpath("data/benchmarks.yaml").read_text(encoding="utf-8")
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # libyaml's parser when present


@lru_cache(maxsize=1)
def sources() -> dict[str, Source]:
    """Every source the shipped benchmarks cite, by id."""
    out = {}
    for sid, s in _data()["sources"].items():
        out[sid] = Source(
            id=sid,
            name=s["name"],
            url=s.get("url"),
            year=s.get("year"),
            third_party=bool(s.get("third_party", False)),
            verified=bool(s.get("verified", True)),
            note=s.get("note"),
        )
    return out


def normalize_platform(platform: str | None) -> str | None:
    """Lower-case platform id with common aliases resolved (ig -> instagram, twitter -> x)."""
    return _platform(platform)


def cpm_bands() -> list[Benchmark]:
    """The published influencer CPM bands (per tier, in their currency)."""
    return [_bench("cpm", e) for e in _data()["kpis"]["cpm"]]


def _platform(platform: str | None) -> str | None:
    if platform is None:
        return None
    p = str(platform).strip().lower()
    return PLATFORM_ALIASES.get(p, p)


def tier_presets() -> list[str]:
    """Names of the tier presets (``default`` is DESIGN's nano/micro/mid/macro/mega)."""
    return list(_data()["tier_presets"])


def _preset(preset: str) -> dict:
    presets = _data()["tier_presets"]
    if preset not in presets:
        raise ValueError(f"unknown tier preset {preset!r}; choose one of {', '.join(presets)}")
    return presets[preset]


def tiers(preset: str = "default") -> list[Tier]:
    """All tiers of a preset, smallest first."""
    p = _preset(preset)
    src = sources()[p["source"]]
    return [Tier(id=t["id"], min=int(t["min"]), max=t["max"], preset=preset, source=src) for t in p["tiers"]]


def tier(followers: int, preset: str = "default") -> Tier:
    """The follower tier of an account with ``followers`` followers under ``preset``.

    Raises ValueError for a negative or non-integer follower count or an unknown preset.
    """
    followers = _whole(followers)
    if followers < 0:
        raise ValueError(f"followers must not be negative, got {followers}")
    for t in tiers(preset):
        if t.contains(followers):
            return t
    raise AssertionError("tier presets cover 0 to infinity")  # pragma: no cover


def _whole(followers) -> int:
    if isinstance(followers, bool) or not isinstance(followers, (int, float, Decimal)):
        raise ValueError(f"followers must be a whole number, got {followers!r}")
    n = int(followers)
    if n != followers:
        raise ValueError(f"followers must be a whole number, got {followers!r}")
    return n


def _mid(low, high):
    if low is None or high is None:
        return low if high is None else (high if low is None else None)
    return round((float(low) + float(high)) / 2, 6)


def _bench(kpi: str, entry: dict, *, unit: str = "%", platform: str | None = None, scope: str | None = None,
           source: str | None = None) -> Benchmark:
    low, high = entry.get("low"), entry.get("high")
    value = entry.get("value")
    if value is None and (low is not None and high is not None):
        value = _mid(low, high)
    src = sources()[source or entry["source"]]
    return Benchmark(
        kpi=kpi,
        value=None if value is None else float(value),
        low=None if low is None else float(low),
        high=None if high is None else float(high),
        high_above=None if entry.get("high_above") is None else float(entry["high_above"]),
        unit=entry.get("unit", unit),
        scope=scope or entry.get("scope", ""),
        source=src,
        platform=platform if platform is not None else entry.get("platform"),
        currency=entry.get("currency"),
        note=entry.get("note") or src.note,
    )


def ctr_baseline(platform: str | None = None) -> Benchmark:
    """The CTR baseline (percent) for ``platform``; the 1.36 % social-ad baseline when the
    platform is None or has no published figure (the result's ``platform`` is then None)."""
    ctr = _data()["ctr"]
    p = _platform(platform)
    if p is not None and p in ctr["platforms"]:
        return _bench("ctr", ctr["platforms"][p], platform=p)
    return _bench("ctr", ctr["default"])


def ctr_alternatives(platform: str | None = None) -> list[Benchmark]:
    """Other published CTR figures (shown in the docs and for comparison)."""
    p = _platform(platform)
    return [_bench("ctr", e) for e in _data()["ctr"]["alternatives"] if p is None or e["platform"] == p]


def er_band(platform: str, followers: int) -> Benchmark | None:
    """The engagement-rate band (percent) for an account of ``followers`` on ``platform``.

    Bands come from size ranges finer than the tiers (1k-5k, 5k-10k, 10k-50k, ...). Returns None
    where no band is published (other platforms, or fewer than 1,000 followers).
    """
    p = _platform(platform)
    spec = _data()["er_bands"].get(p)
    if spec is None or followers is None:
        return None
    followers = _whole(followers)
    for b in spec["bands"]:
        if followers >= b["min"] and (b["max"] is None or followers < b["max"]):
            hi = "+" if b["max"] is None else f"-{_short(b['max'])}"
            scope = f"{spec['scope']}; {_short(b['min'])}{hi} followers"
            return _bench("engagement_rate", b, platform=p, scope=scope, source=spec["source"])
    return None


def er_points(platform: str | None = None) -> list[Benchmark]:
    """Published single ER figures by follower range (reference data, e.g. HypeAuditor 2018)."""
    p = _platform(platform)
    out = []
    for e in _data()["er_points"]:
        if p is None or e["platform"] == p:
            note = f"median {e['median']} %" if e.get("median") is not None else None
            b = _bench("engagement_rate", e)
            out.append(Benchmark(**{**b.__dict__, "note": note}))
    return out


def for_kpi(kpi_id: str, platform: str | None = None, followers: int | None = None, *,
            preset: str = "default", currency: str | None = None) -> Benchmark | None:
    """The benchmark to show beside KPI ``kpi_id``, or None when influscope ships none.

    - ``ctr``: :func:`ctr_baseline` for the platform.
    - ``engagement_rate``: :func:`er_band` when followers are given (None when no band covers
      them), else the platform-wide figure (Instagram, TikTok), else None.
    - ``credibility_score``: the 75-point fraud threshold (``low`` = 75).
    - ``roas``: the 3-5x band.
    - ``cpm``: the per-tier band when followers are given, the tier has one, and ``currency``
      equals the band's currency (USD); money benchmarks are never returned for another or an
      unstated currency, so they cannot be shown beside amounts in a different currency.
    """
    p = _platform(platform)
    if kpi_id == "ctr":
        return ctr_baseline(p)
    if kpi_id == "engagement_rate":
        if followers is not None:
            return er_band(p, followers) if p else None
        overall = _data()["er_overall"].get(p)
        return _bench("engagement_rate", overall, platform=p) if overall else None
    entries = _data()["kpis"].get(kpi_id)
    if not entries:
        return None
    if kpi_id == "cpm":
        if followers is None:
            return None
        t = tier(followers, preset).id
        for e in entries:
            if e["tier"] == t and currency is not None and currency.upper() == e["currency"]:
                return _bench("cpm", e)
        return None
    return _bench(kpi_id, entries[0])


Comparison = Literal["below", "within", "above"]


def compare(value, band) -> Comparison | None:
    """Place ``value`` against a benchmark: "below" its low end, "above" its high end, else "within".

    ``band`` may be a :class:`Benchmark` or a plain number (a point baseline). A point benchmark
    (no low/high) compares with its value; a one-sided benchmark (only ``low``, such as the
    credibility threshold) is never "above". Returns None when value or band is None. The result
    is neutral: "below" is good for cost KPIs such as CPM.
    """
    if value is None or band is None:
        return None
    v = float(value)
    if isinstance(band, (int, float, Decimal)):
        low = high = float(band)
    else:
        low, high = band.low, band.high
        if low is None and high is None:
            if band.value is None:
                return None
            low = high = band.value
    if low is not None and v < low:
        return "below"
    if high is not None and v > high:
        return "above"
    return "within"
