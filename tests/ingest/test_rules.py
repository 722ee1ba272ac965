"""The shared record rules: what every door accepts and refuses."""

from __future__ import annotations

from decimal import Decimal

import pytest

from influscope.ingest import rules


@pytest.mark.parametrize("url", [
    "javascript:alert(1)", "ftp://shop.example.com/", "//shop.example.com/", "https://user:pass@shop.example.com/",
    "https://evil.example\\@shop.example.com/", "http://127.0.0.1/", "http://2130706433/", "http://0x7f.1/",
    "http://0177.0.0.1/", "http://[::1]/", "http://[::ffff:127.0.0.1]/", "http://169.254.169.254/latest",
    "http://10.0.0.1/", "http://192.168.1.1/", "http://100.64.0.1/", "http://localhost:8000/", "https://a.local/",
    "http://intranet/", "https://shop.example.com:99999/", "https://shop.example.com/\u202e", "https://a b.example/"])
def test_refused_destinations(url):
    with pytest.raises(rules.BadDestination):
        rules.check_destination(url)


@pytest.mark.parametrize("url", ["https://shop.example.com/spring?x=1#top", "http://1.1.1.1/",
                                 "https://例子.测试/路径?q=咖啡", "https://shop.example.com:8443/"])
def test_accepted_destinations(url):
    assert rules.check_destination(url) == url


def test_destination_allow_list_takes_the_host_and_its_subdomains():
    hosts = rules.parse_host_list("shop.example.com, Brand.Example\n")
    assert hosts == ["brand.example", "shop.example.com"]
    assert rules.check_destination("https://eu.shop.example.com/", allowed_hosts=hosts)
    with pytest.raises(rules.BadDestination, match="not one of"):
        rules.check_destination("https://shop.example.com.evil.example/", allowed_hosts=hosts)


@pytest.mark.parametrize("platform, handle, stored", [
    ("weibo", "美食家小王", "美食家小王"), ("xiaohongshu", "@美食家小王", "美食家小王"), ("instagram", "@Mei.Eats", "mei.eats"),
    ("youtube", "Кухня", "кухня"), ("bilibili", "up主_1", "up主_1")])
def test_handles_of_each_platform(platform, handle, stored):
    assert rules.check_handle(handle, platform) == stored


@pytest.mark.parametrize("platform, handle", [("instagram", "美食家"), ("x", "a b"), ("weibo", "a\u202eb"),
                                              ("weibo", "a/b"), ("tiktok", "x" * 129), ("weibo", "@")])
def test_refused_handles(platform, handle):
    with pytest.raises(ValueError):
        rules.check_handle(handle, platform)


def test_numbers_fit_the_store():
    assert rules.check_count("1000000000000000") == rules.MAX_COUNT
    for bad in ("9" * 40, "9223372036854775808", "-1", "1.5", "1e3"):
        with pytest.raises(ValueError):
            rules.check_count(bad)
    assert rules.check_money("1000000000000.0000") == rules.MAX_MONEY
    assert rules.check_money("-5", negative=True) == Decimal(-5)
    for bad in ("9" * 200, "1000000000000.0001", "0.00001", "-1", "NaN", "Infinity"):
        with pytest.raises(ValueError):
            rules.check_money(bad)
    # the largest amount fits a signed 64-bit integer of ten-thousandths
    assert rules.MAX_MONEY * 10_000 < rules.MAX_SQL_INT


def test_text_refuses_nul_and_controls():
    for bad in ("a\x00b", "a\x07b"):
        with pytest.raises(ValueError):
            rules.check_text(bad)
    assert rules.check_text("two\nlines\tok") == "two\nlines\tok"
    with pytest.raises(ValueError):
        rules.check_key("line\nbreak")
