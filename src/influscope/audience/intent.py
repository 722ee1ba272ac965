"""Purchase intent and advocacy in comments: phrases and their kind, in en, zh-Hant, zh-Hans, ar.

Kinds
- ``purchase``: the commenter bought, is buying or asks how to buy (``just ordered``,
  ``added to cart``, ``where can I buy``, ``link please``, 已下單, 求链接, طلبته, كم سعره).
- ``desire``: wants to own or try it (``I'd love to use this``, ``this is what I've been waiting
  for``, 好想要, 种草了, ودي أجربه).
- ``advocacy``: recommends it to others (``definitely recommend``, ``must-have``, 大推, 安利,
  أنصح فيه).

Patterns are written in natural spelling and folded like the text (:func:`normalize.fold`), so
one Simplified pattern matches Traditional text too and Arabic spelling variants match. A negated
phrase (``would not recommend``, 不推, ما أنصح) never counts, and :func:`detect_intent` callers
that have the sentiment (:mod:`influscope.audience.refresh`) drop intent from comments that are
negative with P(neg) >= 0.5 ("I regret buying this").
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from influscope.audience.normalize import fold

KINDS = ("purchase", "desire", "advocacy")

_PATTERNS: dict[str, list[str]] = {
    "purchase": [
        # en
        r"\b(just |already |finally )?(ordered|bought|purchased|copped|grabbed|preordered|pre-ordered)\b",
        r"\bplaced (my|an|the) order\b", r"\b(added|adding|add) (it |this |them )?to (my )?(cart|basket)\b",
        r"\bbuying (it|one|this|my|two|another)\b", r"\bwhere (can|do|did|could) (i|you|we) (buy|get|find|order)\b",
        r"\b(link|links) (please|pls|plz)\b", r"\bhow much (is|does|was)\b", r"\b(discount|promo) code\?",
        r"\bis there a (discount|promo) code\b", r"\b(restocked|repurchas\w*|my (second|third|fourth|\d+(st|nd|rd|th)) (bottle|one|pair|tube|jar))\b",
        r"\bgot mine\b", r"\bbought it\b", r"^ordered\b",
        # plans and the act itself: "planning to buy", "gonna get the", "ordering now", "pulling the trigger"
        r"\b(planning|going|about|decided|ready) to (buy|order|purchase|preorder|pre-order)\b",
        r"\b(gonna|will) (buy|order|purchase|cop)\b", r"\bgonna get (the|one|it|a|an|mine)\b",
        r"\b(i'?m|am|finally|now|just) (buying|purchasing|ordering)\b", r"^(finally )?(buying|purchasing|ordering) (the|a|an|one|it|this|my)\b",
        r"\bneed to (buy|order|purchase)\b", r"\badd(ed|ing)? (the|a|an) [\w' .-]{1,40}? to (my |the )?(cart|basket)\b",
        r"\bwill be ordering\b", r"\bordering (it |one |mine )?now\b", r"\bpull(ed|ing)? the trigger\b",
        r"\b(is|be) (definitely )?my next purchase\b", r"\bclicked buy\b", r"\bcheckout complete\b",
        # zh (folded to Simplified)
        r"已下单", r"下单了", r"手刀", r"已经买了", r"买了两", r"跟着买", r"(?<![深加收进投输陷])入了", r"已入", r"冲了", r"衝了", r"拍下", r"已拍",
        r"付款了", r"购物车", r"加购", r"订了", r"求链接", r"求连结", r"哪里买", r"在哪买", r"哪里买得到",
        r"(?<!没有)(?<!没)多少钱", r"(用|跟着)(了)?(你|妳)的(优惠码|折扣码|推荐码)", r"推荐码", r"已经订", r"回购", r"买了",
        # ar (folded: alef/ya/ta marbuta unified)
        r"طلبته", r"طلبت", r"اشتريته", r"اشتريت", r"للسله", r"من وين (اقدر )?(اشتري|اطلب)", r"كم سعره", r"الرابط",
        r"بكود الخصم", r"وصلني",
    ],
    "desire": [
        r"\b(i'?d|i would|would|id) (really )?love to (try|use|have|get|own)\b", r"\b(i )?(really )?(need|want) (this|it|one|that)\b",
        r"\bwant want\b", r"\bwant to (try|use|get|buy|own)\b", r"\bneed this\b", r"\bcan'?t wait to (try|get|use)\b", r"\bdying to (try|get)\b",
        r"\bwish ?list\b", r"\b(been|was) waiting for\b", r"\bsaving up (for|to buy|to get)\b", r"\bwant this\b",
        r"\bthinking (about|of) (buying|getting|ordering)\b", r"\bleaning towards\b",
        r"想要", r"好想", r"想试", r"想入手", r"想买", r"种草", r"心愿单", r"愿望清单", r"存钱买", r"一直在等", r"一直想要",
        r"求同款", r"想拥有", r"就买", r"就入手", r"就决定是", r"心动.{0,3}想", r"看完.{0,4}心动",
        r"ودي (اجرب|اشتري)", r"نفسي اجرب", r"\bابي+(ه|ي)?\b", r"ابغي", r"ابغاه", r"اتمني احصل", r"قائمه امنياتي", r"متشوق",
        r"كنت انتظره", r"اجمع فلوس", r"انتظر الراتب", r"ابي واحد",
    ],
    "advocacy": [
        r"\brecommend(ed|ing|s)?\b", r"\bmust[- ]?have\b", r"\b(told|telling|sent|showed) (all |everyone|my)", r"\beveryone (needs|should)\b",
        r"\bworth every (penny|cent)\b", r"\btrust me\b", r"\b10/10\b", r"\byou need this\b", r"\bjust get it\b", r"\bneeds to try\b",
        r"\bcan confirm\b", r"\bsent (this|it|one) to\b", r"\bcan'?t recommend it enough\b",
        r"推荐", r"大推", r"推推", r"必买", r"安利", r"推坑", r"闭眼入", r"值得买", r"值得入", r"墙裂", r"一定要试", r"跟朋友推",
        r"推给", r"推!", r"强烈推", r"都该(有|备)", r"相信我", r"信我",
        r"انصح", r"نصحت", r"جربوه", r"لا يفوتكم", r"لازم تجربون", r"صدقوني", r"قلت لكل",
    ],
}

_NEGATED = [
    r"\b(not|never|wouldn'?t|won'?t|don'?t|do not|would not|can'?t|cannot) (\w+ )?(recommend|buy|repurchase|order)(?! (it|this|them) enough)",
    r"\bno (need|thanks)\b", r"\bhard pass\b", r"\bregret\w* (buying|ordering|purchasing)",
    r"\b(didn'?t|don'?t|do not|did not) (really )?need (this|it|that)\b",
    r"不推", r"不(值得|会|建议)(再)?推荐", r"建议不要.{0,8}推荐", r"推荐零售价", r"不会(再)?(买|推)", r"别买", r"不要买", r"不值得买", r"后悔买", r"不会回购",
    r"(?<!كثر )(?<!\w)(ما|لا|مو|مب) (راح )?انصح", r"مستحيل (اشتري|اعيد)", r"لا تشترون", r"(?<!ما )ندمت",
]


@dataclass(frozen=True)
class Intent:
    kind: str  # purchase | desire | advocacy
    phrase: str  # the matched text (folded)


@functools.lru_cache(maxsize=1)
def _compiled():
    kinds = {kind: [re.compile(fold(p)) for p in pats] for kind, pats in _PATTERNS.items()}
    negated = [re.compile(fold(p)) for p in _NEGATED]
    return kinds, negated


def detect_intent(text: str) -> Intent | None:
    """The intent expressed in TEXT (first of purchase, advocacy, desire that matches), or None."""
    folded = fold(text or "")
    kinds, negated = _compiled()
    if any(p.search(folded) for p in negated):
        return None
    for kind in ("purchase", "advocacy", "desire"):
        for pattern in kinds[kind]:
            m = pattern.search(folded)
            if m:
                return Intent(kind, m.group(0))
    return None
