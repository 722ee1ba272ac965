"""Texts that come from data, not from the dashboard's code: the methodology settings'
descriptions and the benchmarks' sources, scopes and notes (``kpi/data/benchmarks.yaml``).

They are written in English where they are declared. :func:`messages` lists them for the message
catalogue (``python -m influscope.web.i18n extract`` adds them to ``messages.pot``), so that they
are translated like any other text; :func:`setting_text` and :func:`benchmark_text` give them in a
language where they are shown. A benchmark explanation is often composed ("scope, source; why this
baseline"): :func:`benchmark_text` translates each known part in place.
"""

from __future__ import annotations

import functools
import re
from typing import Iterator


def N_(message: str) -> str:
    """Mark a message for extraction (translated where it is shown)."""
    return message


# Why a CTR baseline applies (the diagnostics compose "scope, source; why").
WHY_PLATFORM = N_("the published figure for %(platform)s")
WHY_TEXTS = (
    N_("the all-platform average: no published figure for this platform"),
    N_("the campaign's own CTR benchmark"),
    N_("year not stated"),
    N_("third-party"),
    N_("unverified"),
)
# Creator tiers by followers (the ids of ``kpi/data/benchmarks.yaml``), as a page names them.
TIER_NAMES = {"nano": N_("Nano"), "micro": N_("Micro"), "mid": N_("Mid-tier"), "macro": N_("Macro"),
              "mega": N_("Mega")}
_WHY_PLATFORM = re.compile(r"the published figure for ([A-Za-z_]+)")
# The follower range an engagement-rate band is composed with ("...; 10k-50k followers").
FOLLOWER_RANGE = N_("%(range)s followers")
_FOLLOWER_RANGE = re.compile(r"\b(\d+(?:\.\d+)?[kM]?(?:-\d+(?:\.\d+)?[kM]?|\+)) followers\b")


def setting_messages() -> Iterator[tuple[str, str]]:
    """(text, where it is declared) for each methodology setting's description and allowed values."""
    from influscope.kpi import methodology

    for s in methodology.SETTINGS.values():
        yield s.doc, f"kpi/methodology.py:{s.name}"
        if not is_id_list(s.allowed):  # "net, gross" is typed as it is, in every language
            yield s.allowed, f"kpi/methodology.py:{s.name}:allowed"


def is_id_list(text: str) -> bool:
    """Whether TEXT is only comma-separated ids (values typed as they are, never translated)."""
    return all(re.fullmatch(r"[a-z0-9_]+", part.strip()) for part in text.split(","))


def benchmark_messages() -> list[tuple[str, str]]:
    """(text, where) for every source name and note, and every scope, title and note of the
    shipped benchmarks."""
    return list(_benchmark_messages())


@functools.lru_cache(maxsize=1)
def _benchmark_messages() -> tuple[tuple[str, str], ...]:
    from importlib import resources

    import yaml

    data = yaml.safe_load(resources.files("influscope.kpi").joinpath("data/benchmarks.yaml")
                          .read_text(encoding="utf-8"))
    where = "kpi/data/benchmarks.yaml"

    def walk(node, path: str) -> Iterator[tuple[str, str]]:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("name", "note", "scope", "title") and isinstance(value, str):
                    yield value, f"{where}:{path}.{key}"
                else:
                    yield from walk(value, f"{path}.{key}" if path else str(key))
        elif isinstance(node, list):
            for i, value in enumerate(node):
                yield from walk(value, f"{path}[{i}]")

    return tuple(walk(data, ""))


def messages() -> list[tuple[str, str]]:
    """Every data text to translate, once each, with the first place it comes from."""
    seen: dict[str, str] = {}
    why = [(t, "web/i18n/data_texts.py") for t in (WHY_PLATFORM, FOLLOWER_RANGE, *WHY_TEXTS, *TIER_NAMES.values())]
    for text, where in [*setting_messages(), *benchmark_messages(), *why]:
        if text and text not in seen:
            seen[text] = where
    return list(seen.items())


def setting_text(text: str, lang: str) -> str:
    """A setting's description (or allowed values) in LANG; the English text when untranslated."""
    from influscope.web import i18n

    return i18n.gettext_for(lang)(text) if text else text


@functools.lru_cache(maxsize=None)
def _known(lang: str) -> list[tuple[str, str]]:
    from influscope.web import i18n

    _ = i18n.gettext_for(lang)
    pairs = [(text, _(text)) for text, _where in benchmark_messages()] + [(t, _(t)) for t in WHY_TEXTS]
    # longest first: a source name that contains a scope is replaced as a whole
    return sorted({en: tr for en, tr in pairs if tr != en}.items(), key=lambda p: -len(p[0]))


def benchmark_text(text: str, lang: str) -> str:
    """TEXT (a benchmark's source, scope or note, or a sentence quoting them) with every known
    benchmark part in LANG."""
    if not text or lang == "en":
        return text
    from influscope.web import i18n

    _ = i18n.gettext_for(lang)
    for en, tr in _known(lang):
        if en in text:
            text = text.replace(en, tr)
    text = _FOLLOWER_RANGE.sub(lambda m: _(FOLLOWER_RANGE) % {"range": i18n.Formatter(lang).ltr(m.group(1))}, text)
    return _WHY_PLATFORM.sub(lambda m: _(WHY_PLATFORM) % {"platform": platform_name(m.group(1))}, text)


_PLATFORM_NAMES = {"tiktok": "TikTok", "youtube": "YouTube", "linkedin": "LinkedIn", "x": "X"}


def tier_name(tier: str | None, lang: str) -> str:
    """A tier id (nano, micro, mid, macro, mega) named in LANG; "–" when there is none."""
    if not tier:
        return "–"
    if tier not in TIER_NAMES:
        return tier
    from influscope.web import i18n

    return i18n.gettext_for(lang)(TIER_NAMES[tier])


def platform_name(platform: str) -> str:
    """A platform id as the platform writes its name (tiktok -> TikTok)."""
    return _PLATFORM_NAMES.get(platform.lower(), platform.title())
