"""Who is behind a hit: bot or human, device, OS, browser and in-app browser.

A hit is flagged as a bot with one short, stable reason code (``bot_reason``). Checked in order,
first match wins:

1. the request itself: ``HEAD`` or ``OPTIONS`` (``method:head``, ``method:options``); a prefetch,
   prerender or link-preview header (``Purpose``, ``Sec-Purpose``, ``X-Purpose``, ``X-Moz``;
   the Facebook and Instagram in-app browsers send ``X-Purpose: preview`` when they preview a
   link) -> ``header:prefetch``;
2. rules on the user agent that no list can name: empty (``rule:empty``), control characters or
   no letter at all (``rule:malformed``), scanners and injection probes such as ``${jndi:``,
   Arachni, FastDAST, sqlmap (``rule:probe``);
3. an in-app browser of a social app (Instagram, Facebook, Messenger, Threads, TikTok, Douyin,
   LINE, WeChat, Snapchat, Pinterest, X, LinkedIn, Weibo, Xiaohongshu, KakaoTalk) -> human;
4. the maintained lists, each used as the package ships it: crawlerdetect's patterns
   (``list:crawlerdetect``), the crawler-user-agents list (``list:crawler-user-agents``), Matomo
   Device Detector's bot list (``list:matomo``), ua-parser's ``Spider`` device family
   (``list:ua-parser``). The lists see the agent with the Android device model masked, so a phone
   whose model has "bot" in its name (``M_bot_tab_1150``, ``XBot_Senior``) is not a bot;
5. self-declared agents the lists do not know yet: ``(compatible; Name/x.y ...)`` where Name is no
   browser (``rule:compatible-token``), a contact URL in the agent (``rule:contact-url``);
6. signals beyond the agent string, for an agent that looks human: no ``Accept-Language`` header
   (``signal:no-accept-language``; every browser sends one), and - decided by the redirect, which
   keeps the state - a burst of hits from one visitor on one link (``signal:burst``).

Suspect hits (``signal:``) are flagged like bots: kept, and excluded from clicks by default (setting
``bot_clicks``). Verdicts on the agent string are cached per distinct string (bounded LRU), so the
lists run once per new agent. What the request-level rules need is kept per click as
``request_hints`` (see :func:`request_hints`), so stored clicks can be classified again by
:func:`classify_stored` when the rules or lists change.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import lru_cache

import re2
from crawlerdetect.providers.crawlers import data as _crawlerdetect_patterns
from crawlerdetect.providers.exclusions import data as _crawlerdetect_exclusions
from crawleruseragents import CRAWLER_USER_AGENTS_DATA

MAX_USER_AGENT = 1024  # characters kept (and classified) per click

# Request headers that mark a prefetch/prerender/preview instead of a person following the link.
PREFETCH_HEADERS = ("purpose", "sec-purpose", "x-purpose", "x-moz")
PREFETCH_VALUES = ("prefetch", "preview", "prerender")  # in a prefetch header (any case): not a visit

# Tokens of the request_hints column.
HINT_HEAD, HINT_OPTIONS, HINT_PREFETCH, HINT_NO_LANGUAGE = "head", "options", "prefetch", "no-accept-language"
HINTS = (HINT_HEAD, HINT_OPTIONS, HINT_PREFETCH, HINT_NO_LANGUAGE)

REASONS = (
    "method:head", "method:options", "header:prefetch",
    "rule:empty", "rule:malformed", "rule:probe",
    "list:crawlerdetect", "list:crawler-user-agents", "list:matomo", "list:ua-parser",
    "rule:compatible-token", "rule:contact-url",
    "signal:no-accept-language", "signal:burst",
)
SUSPECT_PREFIX = "signal:"

# (app name, pattern), checked in order: more specific apps before the ones they contain.
IN_APP_BROWSERS: tuple[tuple[str, re.Pattern[str]], ...] = tuple((name, re.compile(rx)) for name, rx in (
    ("Messenger", r"FBAN/Messenger|MessengerForiOS|FB_IAB/MESSENGER|MessengerLite"),
    ("Instagram", r"\bInstagram[ /]\d"),
    ("Threads", r"\bBarcelona \d"),
    ("Facebook", r"FBAN/|FBAV/|FB_IAB/|\bFBIOS\b"),
    ("Douyin", r"\baweme(_|/|\b)"),
    ("TikTok", r"musical_ly|BytedanceWebview|\btrill_|\bTikTok[ /]\d"),
    ("LINE", r"\bLine/\d"),
    ("WeChat", r"MicroMessenger/"),
    ("Snapchat", r"\bSnapchat/\d"),
    ("Pinterest", r"\[Pinterest/(iOS|Android)\]|Pinterest for Android"),
    ("X", r"\bTwitter(Android)?\b(?!bot)"),
    ("LinkedIn", r"LinkedInApp"),
    ("Weibo", r"__weibo__|\bWeibo \("),
    ("Xiaohongshu", r"xhsdiscover|XiaoHongShu"),
    ("KakaoTalk", r"KAKAOTALK"),
))

# Vulnerability scanners, fuzzers and injection probes: what they send is no list's business.
_PROBE_PATTERN = (
    r"\$\{|<script|<\?php|\(\)\s*\{\s*:\s*;\s*\}|\bunion\s+select\b|\bselect\s.+\bfrom\b|\.\./\.\./|/etc/passwd"
    r"|\b(?:Arachni|FastDAST|sqlmap|Nikto|Nuclei|Acunetix|Nessus|OpenVAS|Nmap|masscan|zgrab|WPScan|Netsparker"
    r"|Invicti|Burp ?Suite|OWASP[ _]ZAP|ZAP/|w3af|DirBuster|gobuster|feroxbuster|ffuf|wfuzz|Qualys|Detectify"
    r"|Jorgee|WhatWeb|Wappalyzer|httpx - Open-source|l9explore|l9tcpid|Morfeus|xfa1|CensysInspect"
    r"|InternetMeasurement|Palo Alto Networks)")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_LETTER = re.compile(r"[A-Za-z]")
_BARE_MOZILLA = re.compile(r"^Mozilla(?:/[\d.]+)?$")  # 'Mozilla/5.0' and nothing else

# Names a real browser puts after "compatible;" (old Internet Explorer and friends).
_COMPATIBLE = re.compile(r"[(;]\s*compatible;\s*([^;)]+)")
_COMPATIBLE_BROWSER = re.compile(
    r"^(?:MSIE|Konqueror|U|Linux|Windows|Win|Mac|Macintosh|X11|CPU|Android|iPhone|iPad|Gecko|Trident|Opera|iCab"
    r"|ANTGalio|NetPositive|NCBrowser|Polaris|OffByOne|IBrowse|BlackBerry|Symbian|Series\s?[46]0|Nintendo"
    r"|PlayStation|webOS|Zune|SmartTV|Tizen|Ubuntu|Voyager|OmniWeb|Lynx|Links|Elinks)\b", re.IGNORECASE)
_URL = re.compile(r"https?://|\bwww\.[a-z0-9-]+\.[a-z]{2,}", re.IGNORECASE)

# The Android device model ("Linux; Android 12; M_bot_tab_1150 Build/..."): masked before the lists run.
_ANDROID_MODEL = re.compile(r"(Android[ /]?[\d._]*;(?:\s*[a-z]{2}[-_][a-zA-Z]{2};)?)[^;)]*?(?=\s*(?:Build/|;\s*wv\)|\)))")


# Constructs RE2 does not have (lookarounds, back-references): such patterns stay with Python's re.
_NOT_RE2 = re.compile(r"\(\?<?[=!]|\\[1-9]")


class PatternList:
    """A list of regular expressions, matched as one: any of them found in the agent.

    The patterns RE2 accepts are compiled into one linear-time automaton; the few it does not
    (lookarounds) stay with Python's ``re``. Same verdicts as one Python alternation of them all
    (tests compare them on the public agent lists), at a fraction of the cost per agent.
    """

    def __init__(self, patterns: list[str], *, ignore_case: bool = False):
        fast = [p for p in patterns if not _NOT_RE2.search(p)]
        slow = [p for p in patterns if _NOT_RE2.search(p)]
        options = re2.Options()
        options.max_mem = 256 << 20
        options.case_sensitive = not ignore_case
        self.fast = re2.compile("|".join(f"(?:{p})" for p in fast), options) if fast else None
        self.slow = re.compile("|".join(f"(?:{p})" for p in slow), re.IGNORECASE if ignore_case else 0) if slow else None

    def search(self, text: str) -> bool:
        return bool((self.fast is not None and self.fast.search(text)) or (self.slow is not None and self.slow.search(text)))


_CRAWLERDETECT = PatternList(list(_crawlerdetect_patterns), ignore_case=True)
_CRAWLER_USER_AGENTS = PatternList([entry["pattern"] for entry in CRAWLER_USER_AGENTS_DATA])
# crawlerdetect removes these browser tokens before it looks for crawler names (Python's re substitutes
# faster than RE2's wrapper here).
_CRAWLERDETECT_EXCLUSIONS = re.compile("(?:" + "|".join(_crawlerdetect_exclusions) + ")", re.IGNORECASE)
_PROBE = PatternList([_PROBE_PATTERN], ignore_case=True)
_ANY_IN_APP = PatternList([pattern.pattern for _, pattern in IN_APP_BROWSERS])  # most agents: one search, no match


@dataclass(frozen=True, slots=True)
class Agent:
    is_bot: bool
    bot_reason: str | None
    device: str  # desktop, mobile, tablet, bot, other
    os: str | None
    browser: str | None
    app: str | None  # in-app browser of a social app, if any

    @property
    def suspect(self) -> bool:
        """Flagged on a signal beyond the agent string (no Accept-Language, a burst), not as a known bot."""
        return bool(self.bot_reason and self.bot_reason.startswith(SUSPECT_PREFIX))

    def flagged(self, reason: str) -> Agent:
        return replace(self, is_bot=True, bot_reason=reason, device="bot")


def request_hints(headers: Mapping[str, str] | None, method: str = "GET") -> str | None:
    """What the request-level rules need from METHOD and the (lower-case) HEADERS, as space-separated tokens.

    This is what is stored per click (never the address), so stored clicks can be classified again.
    """
    prefetch = False
    if headers:
        for name in PREFETCH_HEADERS:
            value = headers.get(name)
            if value and any(v in value.lower() for v in PREFETCH_VALUES):
                prefetch = True
                break
    no_language = headers is not None and not (headers.get("accept-language") or "").strip()
    return hints_of(method, prefetch, no_language)


def hints_of(method: str, prefetch: bool, no_language: bool) -> str | None:
    """:func:`request_hints` from what was found in the request: its METHOD, whether a prefetch header
    said so (PREFETCH), and whether Accept-Language was missing or blank (NO_LANGUAGE)."""
    hints = _HINTS.get((method, prefetch, no_language), _UNLISTED)
    return _hints(method, prefetch, no_language) if hints is _UNLISTED else hints


def _hints(method: str, prefetch: bool, no_language: bool) -> str | None:
    tokens = []
    if method == "HEAD":
        tokens.append(HINT_HEAD)
    elif method == "OPTIONS":
        tokens.append(HINT_OPTIONS)
    if prefetch:
        tokens.append(HINT_PREFETCH)
    if no_language:
        tokens.append(HINT_NO_LANGUAGE)
    return " ".join(tokens) or None


_UNLISTED = "unlisted"
_HINTS = {(m, p, n): _hints(m, p, n) for m in ("GET", "HEAD", "OPTIONS") for p in (False, True) for n in (False, True)}


def classify(user_agent: str | None, headers: Mapping[str, str] | None = None, method: str = "GET") -> Agent:
    """Classify one hit from its User-Agent, its (lower-case) request HEADERS and its METHOD."""
    return classify_stored(normalize(user_agent), request_hints(headers, method))


def classify_stored(user_agent: str, hints: str | None) -> Agent:
    """Classify a hit from what a click keeps: its normalized user agent and its ``request_hints``."""
    agent = parse_user_agent(user_agent)
    if not hints:
        return agent
    tokens = hints.split()
    if HINT_HEAD in tokens:
        return agent.flagged("method:head")
    if HINT_OPTIONS in tokens:
        return agent.flagged("method:options")
    if HINT_PREFETCH in tokens:
        return agent.flagged("header:prefetch")
    if agent.is_bot:
        return agent
    if HINT_NO_LANGUAGE in tokens:
        return agent.flagged("signal:no-accept-language")
    return agent


def normalize(user_agent: str | None) -> str:
    """The user agent as stored and classified: stripped and cut to MAX_USER_AGENT characters."""
    return (user_agent or "").strip()[:MAX_USER_AGENT]


def in_app_browser(user_agent: str) -> str | None:
    if not _ANY_IN_APP.search(user_agent):
        return None
    for name, pattern in IN_APP_BROWSERS:
        if pattern.search(user_agent):
            return name
    return None


def mask_device_model(user_agent: str) -> str:
    """USER_AGENT with its Android device model replaced by ``Model`` (model names are not agent names)."""
    if "Android" not in user_agent:
        return user_agent
    return _ANDROID_MODEL.sub(r"\1 Model", user_agent, count=1)


def list_reason(user_agent: str) -> str | None:
    """The first maintained list that names USER_AGENT (as given: mask it first), or None."""
    stripped = _CRAWLERDETECT_EXCLUSIONS.sub("", user_agent)
    if stripped.strip() and _CRAWLERDETECT.search(stripped):
        return "list:crawlerdetect"
    if _CRAWLER_USER_AGENTS.search(user_agent):
        return "list:crawler-user-agents"
    if matomo_bot(user_agent):
        return "list:matomo"
    return None


def matomo_bot(user_agent: str) -> bool:
    """Whether Matomo Device Detector's bot list names USER_AGENT."""
    from device_detector import Bot

    return bool(Bot(user_agent, None).parse().is_bot())


def rule_reason(user_agent: str) -> str | None:
    """The own rule that flags USER_AGENT before the lists (empty, malformed, probe), or None."""
    if not user_agent:
        return "rule:empty"
    if _PROBE.search(user_agent):
        return "rule:probe"
    if _CONTROL.search(user_agent) or not _LETTER.search(user_agent) or _BARE_MOZILLA.match(user_agent):
        return "rule:malformed"
    return None


def self_declared_reason(user_agent: str) -> str | None:
    """An agent that names itself the way crawlers do, though no list knows it yet, or None."""
    for match in _COMPATIBLE.finditer(user_agent):
        if not _COMPATIBLE_BROWSER.match(match.group(1).strip()):
            return "rule:compatible-token"
    if _URL.search(user_agent):
        return "rule:contact-url"
    return None


def warm_up() -> None:
    """Load every list and parser now (about a second), so that no visitor's request waits for it."""
    parse_user_agent.__wrapped__("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
                                 "Chrome/120.0.0.0 Safari/537.36")


@lru_cache(maxsize=16384)
def parse_user_agent(user_agent: str) -> Agent:
    """Classify a normalized user-agent string alone (rules 2-5); cached per distinct string."""
    reason = rule_reason(user_agent)
    if reason == "rule:empty":
        return Agent(True, reason, "bot", None, None, None)
    from ua_parser import parse

    parsed = parse(user_agent)
    os_family = _family(parsed.os)
    browser = _family(parsed.user_agent)
    device_family = _family(parsed.device)
    if reason:
        return Agent(True, reason, "bot", os_family, browser, None)
    app = in_app_browser(user_agent)
    if app is None:
        reason = list_reason(mask_device_model(user_agent))
        if reason is None and device_family == "Spider":
            reason = "list:ua-parser"
    if reason is None:  # an in-app browser never names itself with a compatible token or a URL
        reason = self_declared_reason(user_agent)
    if reason:
        return Agent(True, reason, "bot", os_family, browser, None)
    return Agent(False, None, _device(user_agent, os_family, device_family), os_family, browser, app)


_DESKTOP_OS = {"Windows", "Mac OS X", "Linux", "Ubuntu", "Chrome OS", "Fedora", "Debian", "FreeBSD",
               "OpenBSD", "NetBSD", "Solaris", "Red Hat", "SUSE", "Mint", "Arch Linux"}
_MOBILE_OS = {"iOS", "Android", "Windows Phone", "BlackBerry OS", "HarmonyOS", "KaiOS", "Firefox OS",
              "Tizen", "Symbian OS"}


def _family(part) -> str | None:
    family = getattr(part, "family", None) if part is not None else None
    return None if family in (None, "", "Other") else family


def _device(user_agent: str, os_family: str | None, device_family: str | None) -> str:
    dev = device_family or ""
    if "iPad" in dev or "Tablet" in user_agent or "Kindle" in dev:
        return "tablet"
    if os_family == "Android":
        return "mobile" if "Mobile" in user_agent else "tablet"
    if os_family in _MOBILE_OS or "iPhone" in dev or "iPod" in dev:
        return "mobile"
    if os_family in _DESKTOP_OS or dev == "Mac":
        return "desktop"
    return "other"
