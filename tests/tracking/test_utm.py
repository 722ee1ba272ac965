from urllib.parse import parse_qsl, urlsplit

import pytest

from influscope.tracking import utm


def tags(**kw):
    base = {"platform": "instagram", "campaign": "spring", "handle": "meilin.eats"}
    base.update(kw)
    return utm.utm_tags(**base)


def test_tags_follow_the_design():
    assert tags() == {"utm_source": "instagram", "utm_medium": "influencer", "utm_campaign": "spring",
                      "utm_content": "meilin.eats"}
    assert tags(paid=True)["utm_medium"] == "paid_influencer"
    assert "utm_content" not in tags(handle=None)


def test_existing_query_and_fragment_are_preserved_byte_for_byte():
    url = utm.tag_url("https://shop.example.com/p/tea?variant=42&q=green%20tea&x=a+b#reviews", tags(), "abc123")
    assert url == ("https://shop.example.com/p/tea?variant=42&q=green%20tea&x=a+b&utm_source=instagram"
                   "&utm_medium=influencer&utm_campaign=spring&utm_content=meilin.eats&isc=abc123#reviews")


def test_our_parameters_replace_same_named_ones_only():
    url = utm.tag_url("https://shop.example.com/?utm_source=newsletter&UTM_MEDIUM=x&isc=old&ref=7", tags(), "k1")
    q = parse_qsl(urlsplit(url).query)
    assert q == [("ref", "7"), ("utm_source", "instagram"), ("utm_medium", "influencer"),
                 ("utm_campaign", "spring"), ("utm_content", "meilin.eats"), ("isc", "k1")]


def test_values_are_encoded():
    url = utm.tag_url("https://shop.example.com/", tags(campaign="spring sale", handle="a&b=c"), "id")
    q = dict(parse_qsl(urlsplit(url).query))
    assert q["utm_campaign"] == "spring sale" and q["utm_content"] == "a&b=c"


def test_split_for_click_rebuilds_the_url():
    prefix, suffix = utm.split_for_click("https://x.example/a?b=1#frag", tags())
    assert prefix.endswith("&isc=") and suffix == "#frag"
    assert prefix + "zz" + suffix == utm.tag_url("https://x.example/a?b=1#frag", tags(), "zz")


def test_empty_fragment_and_trailing_question_mark():
    assert utm.tag_url("https://x.example/?#", {"utm_source": "x"}) == "https://x.example/?utm_source=x#"


@pytest.mark.parametrize("bad", ["", "shop.example.com", "javascript:alert(1)", "ftp://x.example/",
                                 "https://x.example/a b", "https://x.example/\nLocation: evil"])
def test_bad_destinations_are_refused(bad):
    with pytest.raises(utm.InvalidDestination):
        utm.check_destination(bad)


def test_non_ascii_destination_becomes_a_valid_location():
    assert utm.ascii_url("https://例子.测试/路径?q=咖啡#片段") == (
        "https://xn--fsqu00a.xn--0zwm56d/%E8%B7%AF%E5%BE%84?q=%E5%92%96%E5%95%A1#%E7%89%87%E6%AE%B5")
    assert utm.ascii_url("https://x.example/a%20b?c=d") == "https://x.example/a%20b?c=d"
