"""Language id, text folding, brand mentions/hashtags and intent phrases."""

import pytest

from influscope.audience.intent import detect_intent
from influscope.audience.langid import chinese_variant, detect
from influscope.audience.mentions import Matcher, compile_term, hashtags
from influscope.audience.normalize import arabic, fold, nfkc, to_simplified


@pytest.mark.parametrize("text, lang", [
    ("I would love to use this product 😍", "en"), ("love it!!", "en"), ("Hard pass", "en"),
    ("肯定會推薦這個", "zh-Hant"), ("这个很好用", "zh-Hans"), ("ㄏㄏ 又是業配", "zh-Hant"),
    ("هذا المنتج رائع", "ar"), ("رائع", "ar"), ("مُمْتَازٌ جِدًّا", "ar"),
    ("this serum is 超好用 honestly", "en"), ("這個serum真的超好用", "zh-Hant"), ("حلو مرة bro", "ar"),
    ("🔥🔥🔥", None), ("@jess_m", None), ("", None),
    ("すごくいい商品です", "other"), ("정말 좋아요", "other"), ("Очень круто, спасибо", "other"),
    ("Muito bom, adorei o vídeo", "other"), ("Keren banget kak", "other"), ("این محصول عالی است", "other"),
])
def test_detect_language(text, lang):
    assert detect(text) == lang


def test_chinese_variant_uses_the_default_when_characters_fit_both():
    assert chinese_variant("好用") == "zh-Hant"
    assert chinese_variant("好用", default="zh-Hans") == "zh-Hans"
    assert detect("好用", zh_default="zh-Hans") == "zh-Hans"


def test_folding():
    assert nfkc("ＡＣＭＥ＃１") == "ACME#1"
    assert arabic("أإآٱ ى ة ؤ ئ") == "اااا ي ه و ي"
    assert arabic("مُمْتَازٌ") == "ممتاز" and arabic("جمـــيل") == "جميل"
    assert to_simplified("推薦這個愛") == "推荐这个爱"
    assert fold("SOOOO Goooood") == "soo good"


def test_brand_terms_match_with_normalisation():
    m = Matcher(["acme", "#AcmeSpring", "@acme_tw", "愛可美", "أكمي"])
    assert m.find("I love ＡＣＭＥ!!") == ["acme"]
    assert m.find("ACME's new serum") == ["acme"]
    assert m.find("acmeplex is a cinema") == []
    assert m.find("#ACMESPRING") == ["#AcmeSpring"]
    assert m.find("#acmespring2026") == []
    assert m.find("thanks @Acme_TW") == ["acme", "@acme_tw"]
    assert m.find("爱可美的新品") == ["愛可美"]  # Simplified text, Traditional term
    assert m.find("والاكمى رائع") == ["أكمي"]  # alef/ya variants, conjunction + article prefix
    assert m.find("") == []


def test_empty_terms_are_rejected():
    with pytest.raises(ValueError):
        compile_term("#")


def test_hashtags():
    assert hashtags("Loving this #AcmeSpring ＃春季新品 #话题# #رمضان_كريم #123 #acmespring") == [
        "acmespring", "春季新品", "话题", "رمضان_كريم"]


@pytest.mark.parametrize("text, kind", [
    ("I'd love to use this product", "desire"), ("Definitely recommend this", "advocacy"),
    ("This is what I've been waiting for", "desire"), ("Just ordered two!", "purchase"),
    ("Where can I buy this?", "purchase"), ("已經手刀下單了", "purchase"), ("被种草了，好想试试", "desire"),
    ("強烈推薦給油肌的朋友", "advocacy"), ("أنصح فيه وبقوة", "advocacy"), ("ودي أجربه 😍", "desire"),
    ("طلبته الحين", "purchase"), ("Can't recommend it enough", "advocacy"),
    ("Would not recommend, it broke my skin out", None), ("不推，踩雷了", None), ("ما أنصح فيه أبداً", None),
    ("What shade are you wearing?", None), ("這是什麼色號？", None),
    # phrases that looked like intent in real reviews and tweets
    ("Would love to meet up on Wednesday", None), ("We didn't need this", None), ("本书不值得推荐", None),
    ("想深入了解这个领域", None), ("退房结帐时很慢", None), ("第一次买，没有多少钱", None), ("多少钱啊", "purchase"),
    ("入了基础套装", "purchase"), ("I would love to use this product", "desire"),
])
def test_intent(text, kind):
    found = detect_intent(text)
    assert (found.kind if found else None) == kind
