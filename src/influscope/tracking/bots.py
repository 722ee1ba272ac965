"""Who is behind a hit: bot or human, device, OS, browser and in-app browser.

Rules, first match wins:

1. a prefetch or link-preview request header (``Purpose: prefetch``, ``Sec-Purpose: prefetch``,
   ``X-Purpose: preview``, ``X-Moz: prefetch``; also the Facebook/Instagram in-app browser's
   preview fetch, which sends ``X-Purpose: preview``) -> bot, reason ``prefetch:<header>``;
2. an empty user agent -> bot, reason ``empty_user_agent``;
3. an in-app browser of a social app (Instagram, Facebook, Messenger, Threads, TikTok, Douyin,
   LINE, WeChat, Snapchat, Pinterest, X, LinkedIn, Weibo, Xiaohongshu, KakaoTalk) -> human;
4. the crawlerdetect patterns (search engines, link-preview fetchers such as facebookexternalhit,
   WhatsApp, Telegram, Slack, Discord, HTTP libraries, headless browsers, AI crawlers) -> bot,
   reason ``crawler:<matched token>``;
5. a user agent that ua-parser classifies as a spider -> bot, reason ``spider``;
6. otherwise human.

Bots are recorded and flagged, never dropped. User-agent parsing is cached per distinct string.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from crawlerdetect import CrawlerDetect

# Request headers that mark a prefetch/prerender/preview instead of a person following the link.
PREFETCH_HEADERS = ("purpose", "sec-purpose", "x-purpose", "x-moz")
_PREFETCH_VALUES = ("prefetch", "preview", "prerender")

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

_DESKTOP_OS = {"Windows", "Mac OS X", "Linux", "Ubuntu", "Chrome OS", "Fedora", "Debian", "FreeBSD",
               "OpenBSD", "NetBSD", "Solaris", "Red Hat", "SUSE", "Mint", "Arch Linux"}
_MOBILE_OS = {"iOS", "Android", "Windows Phone", "BlackBerry OS", "HarmonyOS", "KaiOS", "Firefox OS",
              "Tizen", "Symbian OS"}

_crawler = CrawlerDetect()


@dataclass(frozen=True, slots=True)
class Agent:
    is_bot: bool
    bot_reason: str | None
    device: str  # desktop, mobile, tablet, bot, other
    os: str | None
    browser: str | None
    app: str | None  # in-app browser of a social app, if any


def classify(user_agent: str | None, headers: dict[str, str] | None = None) -> Agent:
    """Classify one hit from its User-Agent and (lower-case) request HEADERS."""
    agent = parse_user_agent((user_agent or "").strip())
    reason = prefetch_reason(headers) if headers else None
    if reason:
        return Agent(True, reason, "bot", agent.os, agent.browser, agent.app)
    return agent


def prefetch_reason(headers: dict[str, str]) -> str | None:
    for name in PREFETCH_HEADERS:
        value = headers.get(name)
        if value and any(v in value.lower() for v in _PREFETCH_VALUES):
            return f"prefetch:{name}"
    return None


def in_app_browser(user_agent: str) -> str | None:
    for name, pattern in IN_APP_BROWSERS:
        if pattern.search(user_agent):
            return name
    return None


@lru_cache(maxsize=8192)
def parse_user_agent(user_agent: str) -> Agent:
    """Classify a user-agent string alone (rules 2-6); cached."""
    if not user_agent:
        return Agent(True, "empty_user_agent", "bot", None, None, None)
    from ua_parser import parse

    parsed = parse(user_agent)
    os_family = _family(parsed.os)
    browser = _family(parsed.user_agent)
    device_family = _family(parsed.device)
    app = in_app_browser(user_agent)
    if app is None:
        if _crawler.is_crawler(user_agent):
            match = _crawler.get_matches() or "?"
            return Agent(True, f"crawler:{match}"[:64], "bot", os_family, browser, None)
        if device_family == "Spider":
            return Agent(True, "spider", "bot", os_family, browser, None)
    return Agent(False, None, _device(user_agent, os_family, device_family), os_family, browser, app)


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
