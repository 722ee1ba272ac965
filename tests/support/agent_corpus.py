"""Real user agents from the public lists that the detection packages ship, for tests and benchmarks.

- ``crawler-user-agents``: the ``instances`` (agents seen in the wild) of every entry of the
  crawler-user-agents list (package ``crawler-user-agents``);
- ``matomo-bots``: the bot fixtures of Matomo Device Detector (``tests/fixtures/upstream/bots.yml``
  in the ``device-detector`` package);
- ``matomo-browsers``: every agent of Matomo's device fixtures whose client is a browser (desktop,
  smartphone, tablet, TV, console, ... files), except those Matomo names a headless browser and
  the ones with no user-agent string at all (fixtures identified by client hints only);
- ``matomo-apps``: the in-app browsers of the social apps among Matomo's mobile-app fixtures.

Each list is read from the installed package, never copied into the project.
"""

from __future__ import annotations

import glob
import os
from functools import cache
from importlib.metadata import version

import yaml

SOCIAL_APPS = ("Instagram", "Facebook", "TikTok", "LINE", "WeChat", "Snapchat", "Pinterest", "Twitter", "X",
               "Messenger", "Threads", "Douyin", "KakaoTalk", "Weibo", "LinkedIn")
HEADLESS = ("Headless Chrome", "PhantomJS")


def _fixtures() -> str:
    import device_detector

    return os.path.join(os.path.dirname(device_detector.__file__), "tests", "fixtures", "upstream")


def _load(path: str) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return yaml.load(f, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) or []


@cache
def crawler_user_agents() -> tuple[str, ...]:
    from crawleruseragents import CRAWLER_USER_AGENTS_DATA

    return tuple(dict.fromkeys(i for entry in CRAWLER_USER_AGENTS_DATA for i in entry.get("instances", [])))


@cache
def matomo_bots() -> tuple[str, ...]:
    return tuple(dict.fromkeys(e["user_agent"] for e in _load(os.path.join(_fixtures(), "bots.yml"))))


@cache
def _matomo_clients() -> tuple[tuple[str, str, str], ...]:
    out = []
    for path in sorted(glob.glob(os.path.join(_fixtures(), "*.yml"))):
        if os.path.basename(path) == "bots.yml":
            continue
        for entry in _load(path):
            client = entry.get("client") or {}
            ua = entry.get("user_agent") or ""
            if ua.strip():
                out.append((ua, client.get("type") or "", client.get("name") or ""))
    return tuple(out)


@cache
def matomo_browsers() -> tuple[str, ...]:
    return tuple(dict.fromkeys(ua for ua, kind, name in _matomo_clients() if kind == "browser" and name not in HEADLESS))


@cache
def matomo_apps() -> tuple[str, ...]:
    return tuple(dict.fromkeys(ua for ua, kind, name in _matomo_clients() if kind == "mobile app" and name in SOCIAL_APPS))


CORPORA = {
    "crawler-user-agents": (True, crawler_user_agents),
    "matomo-bots": (True, matomo_bots),
    "matomo-browsers": (False, matomo_browsers),
    "matomo-apps": (False, matomo_apps),
}


def versions() -> dict[str, str]:
    """Versions of the packages the corpora and the detectors come from."""
    names = ("crawlerdetect", "crawler-user-agents", "device-detector", "ua-parser", "ua-parser-builtins", "google-re2")
    return {n: version(n) for n in names}
