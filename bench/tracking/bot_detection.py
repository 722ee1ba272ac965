#!/usr/bin/env python
"""Bot detection on real agents from public lists: recall, false positives and CPU per classification.

    python bench/tracking/bot_detection.py          # print the results as Markdown

Corpora (read from the installed packages, see tests/support/agent_corpus.py): the crawler-user-agents
list's instances, Matomo Device Detector's bot fixtures, Matomo's browser fixtures (every device
file, client type browser) and Matomo's social in-app browser fixtures.

Classifiers, side by side:
- ``reference``: the former rule set (empty agent, in-app browsers human, crawlerdetect's own
  matcher, ua-parser's Spider family), i.e. what a data engineer gets from crawlerdetect alone;
- ``influscope``: tracking.bots today (all lists and rules);
- ``ablation``: influscope without the detector built from the corpus's own list (for the
  crawler-user-agents corpus without that list, for Matomo's bots without Matomo's list), so no list
  is only measured against itself.

Timing: µs per classification, uncached (every agent new: the verdict cache and ua-parser's own
cache are cleared, 3,000 distinct agents, half bots and half browsers) and cached (the same agents again), reference and influscope
interleaved in rounds (5 by default), medians reported.
"""

from __future__ import annotations

import argparse
import platform
import random
import statistics
import sys
import time
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

from crawlerdetect import CrawlerDetect  # noqa: E402
from ua_parser import parse  # noqa: E402

from influscope.tracking import bots  # noqa: E402
from tests.support import agent_corpus  # noqa: E402

_detect = CrawlerDetect()


@lru_cache(maxsize=16384)
def reference(ua: str) -> bool:
    """The former classifier: empty -> bot; in-app browser -> human; crawlerdetect; ua-parser Spider."""
    if not ua:
        return True
    if bots.in_app_browser(ua):
        return False
    if _detect.is_crawler(ua):
        return True
    device = parse(ua).device
    return device is not None and device.family == "Spider"


def influscope(ua: str) -> bool:
    return bots.parse_user_agent(bots.normalize(ua)).is_bot


def without(own: str):
    """influscope with the detector named OWN (a bot_reason) taken out."""
    def classify(ua: str) -> bool:
        ua = bots.normalize(ua)
        agent = bots.parse_user_agent(ua)
        if agent.bot_reason != own:
            return agent.is_bot
        masked = bots.mask_device_model(ua)
        checks = {
            "list:crawlerdetect": lambda: bool(bots._CRAWLERDETECT_EXCLUSIONS.sub("", masked).strip())
            and bots._CRAWLERDETECT.search(bots._CRAWLERDETECT_EXCLUSIONS.sub("", masked)),
            "list:crawler-user-agents": lambda: bots._CRAWLER_USER_AGENTS.search(masked),
            "list:matomo": lambda: bots.matomo_bot(masked),
            "list:ua-parser": lambda: (parse(ua).device is not None and parse(ua).device.family == "Spider"),
            "self-declared": lambda: bots.self_declared_reason(ua) is not None,
        }
        return any(bool(check()) for name, check in checks.items() if name != own)
    return classify


OWN_LIST = {"crawler-user-agents": "list:crawler-user-agents", "matomo-bots": "list:matomo"}


def _pct(n: int, total: int) -> str:
    return f"{n / total * 100:.2f} % ({n})"


def accuracy() -> list[str]:
    lines = ["| corpus | agents | expected | reference flagged | influscope flagged | influscope without the corpus's own list |",
             "|---|---:|---|---:|---:|---:|"]
    for name, (is_bot, load) in agent_corpus.CORPORA.items():
        agents = load()
        ref = sum(reference(bots.normalize(u)) for u in agents)
        new = sum(influscope(u) for u in agents)
        abl = sum(without(OWN_LIST[name])(u) for u in agents) if name in OWN_LIST else None
        total = len(agents)
        lines.append(f"| {name} | {total} | {'bot' if is_bot else 'person'} | {_pct(ref, total)} | "
                     f"{_pct(new, total)} | {_pct(abl, total) if abl is not None else '-'} |")
    return lines


def timing(rounds: int) -> list[str]:
    rng = random.Random(18)
    agents = (rng.sample(agent_corpus.crawler_user_agents() + agent_corpus.matomo_bots(), 1500)
              + rng.sample(agent_corpus.matomo_browsers(), 1500))
    agents = [bots.normalize(u) for u in agents]
    results: dict[str, list[float]] = {k: [] for k in ("reference cold", "influscope cold", "reference cached",
                                                       "influscope cached")}

    def run(label: str, fn, clear) -> None:
        clear()
        start = time.perf_counter()
        for u in agents:
            fn(u)
        results[f"{label} cold"].append((time.perf_counter() - start) / len(agents) * 1e6)
        start = time.perf_counter()
        for _ in range(5):
            for u in agents:
                fn(u)
        results[f"{label} cached"].append((time.perf_counter() - start) / (5 * len(agents)) * 1e6)

    def clear_ua_parser() -> None:  # ua-parser keeps its own cache (2,000 agents): start each run without it
        import ua_parser
        from ua_parser.caching import S3Fifo

        ua_parser.parser.resolver.cache = S3Fifo(2000)

    def clear_reference() -> None:
        reference.cache_clear()
        _detect._cached_check.cache_clear()
        clear_ua_parser()

    def clear_influscope() -> None:
        bots.parse_user_agent.cache_clear()
        clear_ua_parser()

    for _ in range(rounds):  # interleaved
        run("reference", reference, clear_reference)
        run("influscope", lambda u: bots.classify_stored(u, None), clear_influscope)
    lines = ["| classification, µs per call (median of rounds) | reference | influscope | ratio |", "|---|---:|---:|---:|"]
    for kind in ("cold", "cached"):
        r, n = statistics.median(results[f"reference {kind}"]), statistics.median(results[f"influscope {kind}"])
        lines.append(f"| {'uncached (new agent)' if kind == 'cold' else 'cached (agent seen before)'} | "
                     f"{r:.1f} | {n:.1f} | {n / r:.2f}x |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    versions = ", ".join(f"{k} {v}" for k, v in agent_corpus.versions().items())
    print(f"Python {platform.python_version()}; {versions}\n")
    print("\n".join(accuracy()))
    print()
    print("\n".join(timing(args.rounds)))


if __name__ == "__main__":
    main()
