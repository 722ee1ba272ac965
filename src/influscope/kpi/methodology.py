"""Methodology settings: the choices vendors disagree on, as named, validated settings.

Every setting has a default; a workspace (``workspaces.methodology``), a campaign
(``campaigns.methodology``) and a single call may override it, in that order. ``resolve`` merges the
layers and validates every value, raising :class:`SettingError` with a message that names the
setting, the bad value and what is allowed.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Callable, Mapping

ER_DENOMINATORS = ("followers", "reach", "impressions", "views")
ER_AGGREGATIONS = ("ratio_of_sums", "mean_of_posts", "median_of_posts")
ENGAGEMENT_COMPONENTS = ("likes", "comments", "shares", "saves", "reactions", "clicks")
EMV_MODELS = ("per_action", "cpm")
ATTRIBUTION_MODELS = ("last_click", "first_click")
REVENUE_BASES = ("net", "gross")
BOT_CLICKS = ("excluded", "included")
UNIQUE_CLICK_WINDOWS = {"30m": 30, "1h": 60, "1d": 1440}



def _tier_presets() -> tuple[str, ...]:
    from influscope.kpi import benchmarks

    return tuple(benchmarks.tier_presets())


class SettingError(ValueError):
    """A methodology setting has an unknown name or a value that is not allowed."""


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    allowed: str  # human text of what is allowed
    doc: str
    parse: Callable[[Any], Any]


def _choice(name: str, choices) -> Callable[[Any], Any]:
    def parse(value):
        text = str(value).strip().lower()
        if text not in choices:
            raise SettingError(f"{name}: {value!r} is not one of {', '.join(choices)}")
        return text
    return parse


def _er_denominator(value):
    """One denominator for every platform, or a mapping {platform: denominator, default: ...}."""
    if isinstance(value, Mapping):
        out = {}
        for platform, denom in value.items():
            out[str(platform).lower()] = _choice("er_denominator", ER_DENOMINATORS)(denom)
        out.setdefault("default", "followers")
        return out
    text = str(value).strip()
    if ":" in text:  # --set er_denominator=instagram:reach,tiktok:views,default:followers
        pairs = {}
        for part in text.split(","):
            if ":" not in part:
                raise SettingError(f"er_denominator: {part.strip()!r} is not PLATFORM:DENOMINATOR")
            k, v = part.split(":", 1)
            pairs[k.strip()] = v.strip()
        return _er_denominator(pairs)
    return _choice("er_denominator", ER_DENOMINATORS)(text)


def _components(value):
    items = value if isinstance(value, (list, tuple)) else str(value).replace("+", ",").split(",")
    out = []
    for item in items:
        name = str(item).strip().lower()
        if not name:
            continue
        if name not in ENGAGEMENT_COMPONENTS:
            raise SettingError(f"engagement_components: {name!r} is not one of {', '.join(ENGAGEMENT_COMPONENTS)}")
        if name not in out:
            out.append(name)
    if not out:
        raise SettingError("engagement_components: give at least one component")
    return tuple(out)


def _window_days(value):
    try:
        days = int(str(value).strip().removesuffix("d"))
    except ValueError:
        raise SettingError(f"attribution_window_days: {value!r} is not a whole number of days") from None
    if not 1 <= days <= 90:
        raise SettingError(f"attribution_window_days: {days} is outside 1-90 days")
    return days


def _bool(name):
    def parse(value):
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("true", "yes", "1", "on"):
            return True
        if text in ("false", "no", "0", "off"):
            return False
        raise SettingError(f"{name}: {value!r} is not true or false")
    return parse


def _positive_decimal(name):
    def parse(value):
        try:
            d = Decimal(str(value).strip())
        except (InvalidOperation, ValueError):
            raise SettingError(f"{name}: {value!r} is not a number") from None
        if not d.is_finite() or d <= 0:
            raise SettingError(f"{name}: {value!r} must be a positive number")
        return d
    return parse


def _unique_window(value):
    text = str(value).strip().lower()
    aliases = {"1 hour": "1h", "60m": "1h", "hour": "1h", "1 day": "1d", "24h": "1d", "day": "1d", "30 min": "30m"}
    text = aliases.get(text, text)
    if text not in UNIQUE_CLICK_WINDOWS:
        raise SettingError(f"unique_click_window: {value!r} is not one of {', '.join(UNIQUE_CLICK_WINDOWS)}")
    return text


def _table_name(value):
    """A shipped EMV rate table's name, or the path of a custom table file (.yaml)."""
    from pathlib import Path

    from influscope.kpi import emv

    text = str(value).strip()
    if text.endswith((".yaml", ".yml")):
        if not Path(text).is_file():
            raise SettingError(f"emv_table: no table file {text!r}")
        return text
    names = ["default", *[t.name for t in emv.list_tables()]]
    if text not in names:
        raise SettingError(f"emv_table: {value!r} is not one of {', '.join(names)} (or a .yaml table file)")
    return text


SETTINGS: dict[str, Setting] = {s.name: s for s in (
    Setting("er_denominator", "followers", "followers, reach, impressions, views (or PLATFORM:DENOMINATOR,...)",
            "What engagement rate divides by. followers = the account's followers at post time.",
            _er_denominator),
    Setting("er_aggregation", "ratio_of_sums", ", ".join(ER_AGGREGATIONS),
            "How per-post engagement rates combine: sum of engagements / sum of denominators, or the mean or "
            "median of the per-post rates.", _choice("er_aggregation", ER_AGGREGATIONS)),
    Setting("engagement_components", ("likes", "comments", "shares", "saves"),
            "comma-separated subset of " + ", ".join(ENGAGEMENT_COMPONENTS),
            "Interactions summed into engagements (clicks = the platform's link clicks).", _components),
    Setting("emv_model", "per_action", ", ".join(EMV_MODELS),
            "per_action: counts x the dated rate table; cpm: impressions x emv_cpm / 1000.",
            _choice("emv_model", EMV_MODELS)),
    Setting("emv_table", "default", "a shipped table (default, ayzenberg, aspire_tmv) or a .yaml table file",
            "Rate table of the per_action model.", _table_name),
    Setting("emv_cpm", None, "positive number in the campaign currency",
            "CPM of the cpm model (required when emv_model=cpm).", _positive_decimal("emv_cpm")),
    Setting("attribution", "last_click", ", ".join(ATTRIBUTION_MODELS),
            "last_click: the click carried on the order; first_click: that visitor's first click in the window.",
            _choice("attribution", ATTRIBUTION_MODELS)),
    Setting("attribution_window_days", 30, "whole days 1-90",
            "How long after a click (and after the campaign end) an order can be credited.", _window_days),
    Setting("code_beats_link", True, "true, false",
            "Whether a creator's affiliate code on the order wins over the click (default) or the click wins.",
            _bool("code_beats_link")),
    Setting("revenue_basis", "net", ", ".join(REVENUE_BASES),
            "net: subtotal after discounts minus refunds, excluding tax and shipping, cancelled and refunded "
            "orders count nothing; gross: subtotal plus discounts, refunds not deducted.",
            _choice("revenue_basis", REVENUE_BASES)),
    Setting("bot_clicks", "excluded", ", ".join(BOT_CLICKS),
            "Whether flagged bot and link-preview hits count as clicks (they are always kept and counted "
            "in bot_clicks).", _choice("bot_clicks", BOT_CLICKS)),
    Setting("unique_click_window", "1h", ", ".join(UNIQUE_CLICK_WINDOWS),
            "A visitor counts once per link per window; the window opens at the visitor's first click and the "
            "first click after it closes opens the next.", _unique_window),
    Setting("tiers", "default", ", ".join(_tier_presets()),
            "Follower tiers used to compare creators with their peers (default: nano <10k, micro 10-100k, "
            "mid 100-500k, macro 500k-1M, mega >=1M).", _choice("tiers", _tier_presets())),
)}


def validate(overrides: Mapping[str, Any] | None, *, where: str = "settings") -> dict[str, Any]:
    """Validate a mapping of overrides; raise SettingError naming WHERE, the setting and the value."""
    out: dict[str, Any] = {}
    for name, value in (overrides or {}).items():
        spec = SETTINGS.get(name)
        if spec is None:
            raise SettingError(f"{where}: unknown setting {name!r} (known: {', '.join(SETTINGS)})")
        if value is None:
            continue
        try:
            out[name] = spec.parse(value)
        except SettingError as exc:
            raise SettingError(f"{where}: {exc}") from None
    return out


def parse_assignments(items: list[str] | None) -> dict[str, Any]:
    """Parse ``SETTING=VALUE`` strings (the CLI's --set) into validated overrides."""
    raw: dict[str, str] = {}
    for item in items or []:
        if "=" not in item:
            raise SettingError(f"--set {item!r}: expected SETTING=VALUE")
        name, value = item.split("=", 1)
        raw[name.strip()] = value.strip()
    return validate(raw, where="--set")


def defaults() -> dict[str, Any]:
    return {name: spec.default for name, spec in SETTINGS.items()}


def resolve(*, workspace: Mapping[str, Any] | None = None, campaign: Mapping[str, Any] | None = None,
            call: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Defaults, then the workspace's, the campaign's and the call's overrides, each validated."""
    settings = defaults()
    settings.update(validate(workspace, where="workspace methodology"))
    settings.update(validate(campaign, where="campaign methodology"))
    settings.update(validate(call, where="settings"))
    if settings["emv_model"] == "cpm" and settings["emv_cpm"] is None:
        raise SettingError("settings: emv_model=cpm needs emv_cpm (the CPM in the campaign currency)")
    return settings


def er_denominator_for(settings: Mapping[str, Any], platform: str | None) -> str:
    denom = settings["er_denominator"]
    if isinstance(denom, Mapping):
        return denom.get((platform or "").lower(), denom.get("default", "followers"))
    return denom


def tier(followers: int | None, preset: str = "default") -> str | None:
    """The follower tier's id (nano, micro, ...) under PRESET, or None without a follower count."""
    if followers is None:
        return None
    from influscope.kpi import benchmarks

    return benchmarks.tier(int(followers), preset).id


def describe(settings: Mapping[str, Any]) -> dict[str, Any]:
    """Settings as plain JSON values (for results and reports)."""
    out = {}
    for name, value in settings.items():
        if isinstance(value, Decimal):
            value = str(value)
        elif isinstance(value, tuple):
            value = list(value)
        out[name] = value
    return out
