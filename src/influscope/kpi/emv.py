"""Earned media value (EMV): versioned, dated per-action rate tables and the CPM model.

EMV is an *estimate* of what the exposure a post earned would have cost as paid media. It is not
revenue, vendors disagree on it, and influscope always shows the table (name, version, source,
date) next to the figure.

Two models (the ``emv_model`` methodology setting):

- ``per_action`` (default): ``EMV = sum over actions of count x rate(platform, action)``, with a
  rate table. Shipped tables: ``ayzenberg`` (the default) and ``aspire_tmv``; any YAML file of the
  same shape can be loaded (see docs/emv.md).
- ``cpm``: ``EMV = impressions x CPM / 1000`` (:func:`cpm_value`).

Public API (pure functions; money is Decimal, never float)::

    list_tables() -> list[TableInfo]
    load_table(name: str | os.PathLike = "default", *, version: str | None = None,
               on: date | None = None) -> EmvTable
    value(table: EmvTable, platform: str, counts: Mapping[str, int | None]) -> Decimal | None
    breakdown(table: EmvTable, platform: str, counts: Mapping[str, int | None]) -> dict[str, Decimal]
    cpm_value(impressions: int | None, cpm: Decimal | str | int) -> Decimal | None
    cpm_preset(name: str = "default", platform: str | None = None) -> CpmRate

``value`` returns the EMV in ``table.currency`` (convert it to the campaign currency with the
campaign's exchange rates). Counts that are None (metric not reported) are skipped; actions the
table has no rate for on that platform add nothing; if no priced action has a count the result
is None (nothing to value), never 0. A platform missing from the table raises
:class:`UnknownPlatform` (a ``LookupError``).

A table file that is wrong raises :class:`EmvTableError` (a ``ValueError``) whose message names the
file, the line and the field, e.g. ``my.yaml: line 9: versions[0].rates.instagram.likes: not a
number: 'abc'``.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Mapping, NoReturn

import yaml

from influscope.db.tables import PLATFORMS
from influscope.db.types import to_decimal

__all__ = [
    "ACTIONS",
    "CpmRate",
    "EmvTable",
    "EmvTableError",
    "TableInfo",
    "UnknownPlatform",
    "breakdown",
    "cpm_preset",
    "cpm_value",
    "list_tables",
    "load_table",
    "value",
]

DEFAULT_TABLE = "ayzenberg"

#: Actions a rate table may price. ``clicks`` are link clicks, ``posts`` a flat value per post.
ACTIONS = ("impressions", "reach", "views", "likes", "comments", "shares", "saves", "reactions",
           "clicks", "closeups", "posts")

_ALIASES = {"ig": "instagram", "tt": "tiktok", "yt": "youtube", "fb": "facebook", "twitter": "x"}
_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_CURRENCY_RE = re.compile(r"^[A-Z]{3}$")


class EmvTableError(ValueError):
    """A rate table file is invalid. ``file``, ``line`` and ``field`` say where."""

    def __init__(self, file: str, field: str, message: str, line: int | None = None):
        self.file, self.field, self.line, self.message = file, field, line, message
        where = f"{file}: line {line}" if line else file
        super().__init__(f"{where}: {field}: {message}" if field else f"{where}: {message}")


class UnknownPlatform(LookupError):
    """The table has no rates for the platform."""


@dataclass(frozen=True)
class EmvTable:
    name: str
    title: str
    version: str
    currency: str
    compiled: date
    effective_from: date | None
    rates: dict[str, dict[str, Decimal]]
    source: dict
    note: str | None = None
    path: str | None = None
    versions: tuple[str, ...] = field(default=())

    @property
    def platforms(self) -> list[str]:
        return list(self.rates)

    def rate(self, platform: str, action: str) -> Decimal | None:
        return self.rates.get(_platform(platform), {}).get(action)

    def label(self) -> str:
        """e.g. ``ayzenberg v skeepers-snapshot-1 (USD, compiled 2026-11-23)``."""
        return f"{self.name} v {self.version} ({self.currency}, compiled {self.compiled.isoformat()})"

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "title": self.title,
            "version": self.version,
            "currency": self.currency,
            "compiled": self.compiled.isoformat(),
            "effective_from": self.effective_from.isoformat() if self.effective_from else None,
            "rates": {p: {a: str(r) for a, r in acts.items()} for p, acts in self.rates.items()},
            "source": dict(self.source),
            "note": self.note,
            "estimate": True,
        }


@dataclass(frozen=True)
class TableInfo:
    name: str
    title: str
    versions: tuple[str, ...]
    currency: str
    platforms: tuple[str, ...]
    source: dict
    compiled: date
    default: bool


@dataclass(frozen=True)
class CpmRate:
    cpm: Decimal
    currency: str
    source: dict
    preset: str
    platform: str | None


def _platform(p: str) -> str:
    p = str(p).strip().lower()
    return _ALIASES.get(p, p)


# ---------------------------------------------------------------- YAML with line numbers

_FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's parser when PyYAML has it


def _load_yaml(text: str, file: str) -> tuple[object, dict[tuple, int]]:
    try:
        try:
            node = yaml.compose(text, Loader=_FAST_LOADER)
            data = yaml.load(text, Loader=_FAST_LOADER)
        except yaml.YAMLError:  # the pure-Python parser's message (and line) for the error
            node = yaml.compose(text, Loader=yaml.SafeLoader)
            data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise EmvTableError(file, "", f"not valid YAML: {getattr(exc, 'problem', exc)}",
                            line=mark.line + 1 if mark else None) from None
    lines: dict[tuple, int] = {}

    def walk(n, path):
        if isinstance(n, yaml.MappingNode):
            for k, v in n.value:
                p = path + (k.value,)
                lines[p] = k.start_mark.line + 1
                walk(v, p)
        elif isinstance(n, yaml.SequenceNode):
            for i, v in enumerate(n.value):
                p = path + (i,)
                lines[p] = v.start_mark.line + 1
                walk(v, p)

    if node is not None:
        lines[()] = 1
        walk(node, ())
    return data, lines


def _fmt(path: tuple) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


class _Checker:
    def __init__(self, file: str, lines: dict[tuple, int]):
        self.file, self.lines = file, lines

    def fail(self, path: tuple, message: str) -> NoReturn:
        line = None
        for n in range(len(path), -1, -1):
            if path[:n] in self.lines:
                line = self.lines[path[:n]]
                break
        raise EmvTableError(self.file, _fmt(path), message, line=line)

    def mapping(self, obj, path) -> dict:
        if not isinstance(obj, dict):
            self.fail(path, f"expected a mapping, got {type(obj).__name__}")
        return obj

    def required(self, obj: dict, key: str, path: tuple):
        if obj.get(key) is None or obj.get(key) == "":
            self.fail(path + (key,) if path + (key,) in self.lines else path, f"missing required field {key!r}")
        return obj[key]

    def date(self, obj, path) -> date:
        if isinstance(obj, date):
            return obj
        try:
            return date.fromisoformat(str(obj))
        except ValueError:
            self.fail(path, f"not a date (YYYY-MM-DD): {obj!r}")


def _parse_table(data, lines, file: str, *, version: str | None, on: date | None) -> EmvTable:
    c = _Checker(file, lines)
    top = c.mapping(data, ())
    known = {"name", "title", "compiled", "source", "note", "versions"}
    for key in top:
        if key not in known:
            c.fail((key,), f"unknown field; expected one of {', '.join(sorted(known))}")
    name = c.required(top, "name", ())
    if not isinstance(name, str) or not _NAME_RE.match(name):
        c.fail(("name",), f"must be a lower-case slug (letters, digits, - and _), got {name!r}")
    compiled = c.date(c.required(top, "compiled", ()), ("compiled",))
    source = c.required(top, "source", ())
    if isinstance(source, str):
        source = {"name": source}
    source = c.mapping(source, ("source",))
    if not source.get("name"):
        c.fail(("source",), "source needs a name (who published the rates)")
    year = source.get("year")
    if year is not None and (isinstance(year, bool) or not isinstance(year, int) or not 1990 <= year <= 2100):
        c.fail(("source", "year"), f"must be a year such as 2024 or empty, got {year!r}")
    versions = c.required(top, "versions", ())
    if not isinstance(versions, list) or not versions:
        c.fail(("versions",), "must be a non-empty list of versions")
    parsed = []
    seen = set()
    for i, v in enumerate(versions):
        vp = ("versions", i)
        v = c.mapping(v, vp)
        for key in v:
            if key not in {"version", "currency", "effective_from", "rates"}:
                c.fail(vp + (key,), "unknown field; expected version, currency, effective_from, rates")
        vid = str(c.required(v, "version", vp))
        if vid in seen:
            c.fail(vp + ("version",), f"duplicate version {vid!r}")
        seen.add(vid)
        cur = c.required(v, "currency", vp)
        if not isinstance(cur, str) or not _CURRENCY_RE.match(cur):
            c.fail(vp + ("currency",), f"must be an ISO 4217 code such as USD, got {cur!r}")
        eff = v.get("effective_from")
        eff = c.date(eff, vp + ("effective_from",)) if eff is not None else None
        rates_in = c.mapping(c.required(v, "rates", vp), vp + ("rates",))
        rates: dict[str, dict[str, Decimal]] = {}
        for plat, acts in rates_in.items():
            pp = vp + ("rates", plat)
            pname = _platform(plat)
            if pname not in PLATFORMS:
                c.fail(pp, f"unknown platform {plat!r}; expected one of {', '.join(PLATFORMS)}")
            acts = c.mapping(acts, pp)
            if not acts:
                c.fail(pp, "no rates given")
            rates[pname] = {}
            for act, rate in acts.items():
                ap = pp + (act,)
                if act not in ACTIONS:
                    c.fail(ap, f"unknown action {act!r}; expected one of {', '.join(ACTIONS)}")
                if isinstance(rate, bool) or rate is None:
                    c.fail(ap, f"not a number: {rate!r}")
                try:
                    d = to_decimal(rate, field=_fmt(ap))
                except ValueError:
                    c.fail(ap, f"not a number: {rate!r}")
                if d < 0:
                    c.fail(ap, f"must not be negative, got {d}")
                rates[pname][act] = d
        parsed.append((vid, cur, eff, rates))
    if version is not None:
        chosen = [p for p in parsed if p[0] == version]
        if not chosen:
            raise LookupError(f"{file}: table {name!r} has no version {version!r}; versions: {', '.join(p[0] for p in parsed)}")
        pick = chosen[0]
    else:
        pick = _pick_version(parsed, on)
    vid, cur, eff, rates = pick
    return EmvTable(
        name=name,
        title=str(top.get("title") or name),
        version=vid,
        currency=cur,
        compiled=compiled,
        effective_from=eff,
        rates=rates,
        source={"name": source.get("name"), "url": source.get("url"), "year": year,
                "third_party": bool(source.get("third_party", False))},
        note=top.get("note"),
        path=file,
        versions=tuple(p[0] for p in parsed),
    )


def _pick_version(parsed: list, on: date | None):
    """The latest version effective on ``on`` (versions without a date are effective always);
    without ``on`` the last one listed; when ``on`` precedes every version, the earliest."""
    if on is None:
        return parsed[-1]
    eligible = [p for p in parsed if p[2] is None or p[2] <= on]
    if not eligible:
        return min(parsed, key=lambda p: p[2])
    return max(eligible, key=lambda p: (p[2] or date.min, parsed.index(p)))


# ---------------------------------------------------------------- loading

def _shipped() -> dict[str, tuple[str, str]]:
    """name -> (text, display file name) of the tables shipped in kpi/data/emv/."""
    out = {}
    folder = resources.files("influscope.kpi").joinpath("data/emv")
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith((".yaml", ".yml")):
            out[entry.name.rsplit(".", 1)[0]] = (entry.read_text(encoding="utf-8"), f"emv/{entry.name}")
    return out


def load_table(name: str | os.PathLike = "default", *, version: str | None = None, on: date | None = None) -> EmvTable:
    """Load a rate table: a shipped one by name (``"default"`` is ``ayzenberg``) or a YAML file path.

    ``version`` picks a version by id; ``on`` picks the latest version whose ``effective_from``
    is on or before that date (the earliest when all are later). Without either, the last
    version listed in the file is used.
    """
    if isinstance(name, os.PathLike) or (isinstance(name, str) and name.endswith((".yaml", ".yml"))):
        path = Path(name)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise EmvTableError(str(path), "", "file not found") from None
        except UnicodeDecodeError:
            raise EmvTableError(str(path), "", "not UTF-8 text") from None
        data, lines = _load_yaml(text, str(path))
        return _parse_table(data, lines, str(path), version=version, on=on)
    key = DEFAULT_TABLE if name == "default" else name
    shipped = _shipped()
    if key not in shipped:
        raise LookupError(f"unknown EMV table {name!r}; shipped tables: {', '.join(shipped)} (or give a .yaml file)")
    text, fname = shipped[key]
    data, lines = _load_yaml(text, fname)
    return _parse_table(data, lines, fname, version=version, on=on)


def list_tables() -> list[TableInfo]:
    """The shipped rate tables, with versions, currency, platforms and source."""
    out = []
    for key in _shipped():
        t = load_table(key)
        out.append(TableInfo(name=t.name, title=t.title, versions=t.versions, currency=t.currency,
                             platforms=tuple(t.platforms), source=t.source, compiled=t.compiled,
                             default=(key == DEFAULT_TABLE)))
    return out


# ---------------------------------------------------------------- valuation

def _count(action: str, n) -> int | None:
    if n is None:
        return None
    if isinstance(n, bool) or not isinstance(n, (int, Decimal)) or int(n) != n:
        raise ValueError(f"count of {action!r} must be a whole number, got {n!r}")
    if n < 0:
        raise ValueError(f"count of {action!r} must not be negative, got {n}")
    return int(n)


def breakdown(table: EmvTable, platform: str, counts: Mapping[str, int | None]) -> dict[str, Decimal]:
    """EMV per action (only actions that the table prices and that have a count)."""
    p = _platform(platform)
    if p not in table.rates:
        raise UnknownPlatform(f"EMV table {table.name!r} (version {table.version}) has no rates for platform {platform!r}; "
                              f"it covers {', '.join(table.rates)}")
    rates = table.rates[p]
    out: dict[str, Decimal] = {}
    for action, n in counts.items():
        if action not in ACTIONS:
            raise ValueError(f"unknown action {action!r}; expected one of {', '.join(ACTIONS)}")
        n = _count(action, n)
        if n is None or action not in rates:
            continue
        out[action] = rates[action] * n
    return out


def value(table: EmvTable, platform: str, counts: Mapping[str, int | None]) -> Decimal | None:
    """EMV of ``counts`` (action -> count) on ``platform``, in ``table.currency``.

    ``sum(count x rate)`` over the actions the table prices for the platform; None when none of
    them has a count.
    """
    parts = breakdown(table, platform, counts)
    if not parts:
        return None
    return sum(parts.values(), Decimal(0))


def cpm_value(impressions: int | None, cpm) -> Decimal | None:
    """The CPM model: ``impressions x cpm / 1000`` (None when impressions are unknown)."""
    if impressions is None:
        return None
    n = _count("impressions", impressions)
    assert n is not None  # impressions is not None here
    rate = to_decimal(cpm, field="cpm")
    if rate < 0:
        raise ValueError(f"cpm must not be negative, got {rate}")
    return Decimal(n) * rate / 1000


def cpm_preset(name: str = "default", platform: str | None = None) -> CpmRate:
    """A published CPM for the cpm model: ``upfluence`` (USD 6.50, all platforms; the default) or
    ``fair_influence`` (per platform: Instagram 8, TikTok 10, YouTube 20 USD)."""
    data = yaml.safe_load(resources.files("influscope.kpi").joinpath("data/emv_cpm.yaml").read_text(encoding="utf-8"))
    key = data["default"] if name == "default" else name
    if key not in data["presets"]:
        raise LookupError(f"unknown CPM preset {name!r}; choose one of {', '.join(data['presets'])}")
    p = data["presets"][key]
    if "cpm" in p:
        return CpmRate(cpm=Decimal(str(p["cpm"])), currency=p["currency"], source=p["source"], preset=key, platform=None)
    plat = _platform(platform) if platform else None
    if plat not in p["per_platform"]:
        raise UnknownPlatform(f"CPM preset {key!r} has no CPM for platform {platform!r}; it covers {', '.join(p['per_platform'])}")
    return CpmRate(cpm=Decimal(str(p["per_platform"][plat])), currency=p["currency"], source=p["source"], preset=key, platform=plat)
