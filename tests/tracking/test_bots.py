import pytest

from influscope.tracking import bots
from tests.tracking.user_agents import BOTS, HUMANS


@pytest.mark.parametrize("name", sorted(HUMANS))
def test_browsers_and_in_app_browsers_are_humans(name):
    ua, app, device = HUMANS[name]
    agent = bots.classify(ua, {})
    assert not agent.is_bot, (name, agent)
    assert agent.bot_reason is None
    assert agent.app == app
    assert agent.device == device
    assert agent.os in ("iOS", "Android", "Windows", "Mac OS X", "Linux")


@pytest.mark.parametrize("name", sorted(BOTS))
def test_crawlers_and_preview_fetchers_are_bots(name):
    ua, reason = BOTS[name]
    agent = bots.classify(ua, {})
    assert agent.is_bot, (name, agent)
    assert agent.bot_reason.startswith(reason)
    assert agent.device == "bot"
    assert agent.app is None


def test_crawler_reason_names_the_match():
    assert bots.classify(BOTS["facebookexternalhit"][0]).bot_reason == "crawler:facebookexternalhit"
    assert bots.classify(BOTS["whatsapp"][0]).bot_reason == "crawler:WhatsApp"


@pytest.mark.parametrize("header,value", [("purpose", "prefetch"), ("sec-purpose", "prefetch;prerender"),
                                          ("x-purpose", "preview"), ("x-moz", "prefetch")])
def test_prefetch_and_preview_headers_flag_even_in_app_browsers(header, value):
    ua = HUMANS["facebook_android"][0]
    agent = bots.classify(ua, {header: value})
    assert agent.is_bot and agent.bot_reason == f"prefetch:{header}"
    assert agent.app == "Facebook"  # still says which app prefetched


def test_unrelated_header_values_do_not_flag():
    assert not bots.classify(HUMANS["chrome_windows"][0], {"purpose": "navigate", "x-moz": ""}).is_bot


def test_whitespace_only_user_agent_is_empty():
    assert bots.classify("   ").bot_reason == "empty_user_agent"
    assert bots.classify(None).bot_reason == "empty_user_agent"


def test_browser_and_os_families():
    agent = bots.classify(HUMANS["instagram_ios"][0])
    assert (agent.os, agent.browser, agent.app) == ("iOS", "Instagram", "Instagram")
    agent = bots.classify(HUMANS["samsung_internet"][0])
    assert (agent.os, agent.browser, agent.app) == ("Android", "Samsung Internet", None)
