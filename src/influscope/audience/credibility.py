"""Credibility score 0-100 per creator account, with the reasons that lowered it.

The score starts at 100; every check that fires subtracts its penalty (the total is floored at 0).
Each check is reported, fired or not, with the figures it used, so the score can be audited; a
check that cannot be evaluated (too little data) is reported as such and subtracts nothing. When
no check can be evaluated the score is None. Below 75 means "audit this creator" (the threshold
Modash gives for follower credibility; the KPI diagnostics use it too).

Checks (see docs/audience.md for the formulas and the sources)

==================== =============================================================== =======
id                   fires when                                                       penalty
==================== =============================================================== =======
er_too_low           median ER of the posts < 0.5 x the low end of the tier band        30
er_too_high          median ER > 3 x the tier's "high" threshold (or 5 x the band top)  30
follower_spike       a daily follower gain with robust z > 8 against the median/MAD      30
                     of the account's daily changes, and >= 2 % of the followers
follower_drop        a daily loss with robust z < -8 and >= 1 % of the followers         30
following_ratio      following >= 1,500 and following / followers >= 0.5                 30
generic_comments     > 40 % of comments are generic ("nice pic", "讚", "روعة") or spam       30
                     ("check my page", "DM us for a collab")
emoji_only_comments  > 35 % of comments are emoji or punctuation only                    15
duplicate_comments   > 20 % of comments repeat a text of 24+ letters (a Han character        30
                     counts 2) written by another account
comment_pods         >= 2 pairs of posts share a run of >= 4 commenters in the same       30
                     order (engagement pods, scripted bots)
language_mismatch    > 30 % of comments are in a language other than the creator's        30
                     (and English)
likes_comments_ratio likes per comment outside the peers' robust band (|z| > 3 on the      30
                     log ratio; without 5 peers: outside 5-400)
==================== =============================================================== =======
"""

from __future__ import annotations

import math
import re
import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Sequence

from influscope.audience.normalize import fold

AUDIT_THRESHOLD = 75.0
MIN_COMMENTS = 20
MIN_DAILY_CHANGES = 14
# A strong signal alone takes the score below the audit threshold; emoji-only comments are a weak
# signal (some audiences just comment that way) and only count together with another.
PENALTIES = {
    "er_too_low": 30, "er_too_high": 30, "follower_spike": 30, "follower_drop": 30, "following_ratio": 30,
    "generic_comments": 30, "emoji_only_comments": 15, "duplicate_comments": 30, "comment_pods": 30,
    "language_mismatch": 30, "likes_comments_ratio": 30,
}
DEFAULT_LIKES_PER_COMMENT = (5.0, 400.0)

MESSAGES: dict[str, dict[str, str]] = {
    "er_too_low": {
        "en": "Engagement rate {er}% is far below the {band} band for this tier; many followers may be inactive or fake.",
        "zh-Hant": "互動率 {er}% 遠低於此級距的 {band} 區間；可能有大量不活躍或假粉絲。",
        "ar": "معدل التفاعل {er}% أقل بكثير من نطاق هذه الفئة {band}؛ قد يكون كثير من المتابعين غير نشطين أو وهميين.",
    },
    "er_too_high": {
        "en": "Engagement rate {er}% is implausibly high for this tier (above {limit}%); likes or comments may be bought.",
        "zh-Hant": "互動率 {er}% 對此級距而言高得不合理（超過 {limit}%）；讚或留言可能是買來的。",
        "ar": "معدل التفاعل {er}% مرتفع بشكل غير معقول لهذه الفئة (أعلى من {limit}%)؛ قد تكون الإعجابات أو التعليقات مشتراة.",
    },
    "follower_spike": {
        "en": "Follower count jumped by {change} on {day}, {z} times the usual daily variation; a sign of bought followers.",
        "zh-Hant": "粉絲數在 {day} 暴增 {change}，是平日波動的 {z} 倍；可能是買粉。",
        "ar": "قفز عدد المتابعين بمقدار {change} في {day}، أي {z} ضعف التغير اليومي المعتاد؛ علامة على شراء متابعين.",
    },
    "follower_drop": {
        "en": "Follower count fell by {change} on {day}, {z} times the usual daily variation; fake followers may have been purged.",
        "zh-Hant": "粉絲數在 {day} 驟減 {change}，是平日波動的 {z} 倍；可能是假粉被清除。",
        "ar": "انخفض عدد المتابعين بمقدار {change} في {day}، أي {z} ضعف التغير اليومي المعتاد؛ ربما حُذف متابعون وهميون.",
    },
    "following_ratio": {
        "en": "The account follows {following} accounts, {ratio} per follower; follow-for-follow growth is likely.",
        "zh-Hant": "此帳號追蹤了 {following} 個帳號，每位粉絲對應 {ratio}；可能靠互追成長。",
        "ar": "يتابع الحساب {following} حساباً، بنسبة {ratio} لكل متابع؛ يُرجّح النمو بأسلوب المتابعة المتبادلة.",
    },
    "generic_comments": {
        "en": "{share}% of comments are generic (\"nice pic\", \"love it\"); typical of bots and comment exchanges.",
        "zh-Hant": "{share}% 的留言是制式內容（如「讚」「好看」），常見於機器人與互留群組。",
        "ar": "{share}% من التعليقات عامة (مثل \"روعة\" و\"جميل\")، وهذا معتاد من الحسابات الآلية وتبادل التعليقات.",
    },
    "emoji_only_comments": {
        "en": "{share}% of comments are emoji only.",
        "zh-Hant": "{share}% 的留言只有表情符號。",
        "ar": "{share}% من التعليقات رموز تعبيرية فقط.",
    },
    "duplicate_comments": {
        "en": "{share}% of comments repeat a text that another account also wrote.",
        "zh-Hant": "{share}% 的留言與其他帳號的留言一字不差。",
        "ar": "{share}% من التعليقات تكرر نصاً كتبه حساب آخر حرفياً.",
    },
    "comment_pods": {
        "en": "The same commenters appear in the same order under {pairs} pairs of posts (runs of up to {run}); a sign of engagement pods or scripted accounts.",
        "zh-Hant": "有 {pairs} 組貼文出現相同留言者且順序一致（最長連續 {run} 位），可能是互讚群組或腳本帳號。",
        "ar": "يظهر المعلقون أنفسهم وبالترتيب نفسه تحت {pairs} أزواج من المنشورات (حتى {run} على التوالي)؛ علامة على مجموعات تفاعل أو حسابات مبرمجة.",
    },
    "language_mismatch": {
        "en": "{share}% of comments are in languages the creator's audience does not speak ({creator_language} creator).",
        "zh-Hant": "{share}% 的留言使用的語言與創作者的受眾不符（創作者語言：{creator_language}）。",
        "ar": "{share}% من التعليقات بلغات لا يتحدثها جمهور صانع المحتوى (لغة صانع المحتوى: {creator_language}).",
    },
    "likes_comments_ratio": {
        "en": "{ratio} likes per comment, outside the usual {low}-{high} for comparable accounts; likes or comments may be bought.",
        "zh-Hant": "每則留言對應 {ratio} 個讚，超出同類帳號常見的 {low}-{high}；讚或留言可能是買來的。",
        "ar": "{ratio} إعجاب لكل تعليق، خارج النطاق المعتاد {low}-{high} للحسابات المماثلة؛ قد تكون الإعجابات أو التعليقات مشتراة.",
    },
}

_GENERIC = {fold(t) for t in (
    "nice", "nice pic", "nice post", "nice photo", "nice shot", "great post", "great pic", "great content", "love it",
    "love this", "wow", "amazing", "awesome", "cool", "beautiful", "so cute", "cute", "great", "good", "lovely",
    "super", "perfect", "gorgeous", "stunning", "so nice", "very nice", "nice one", "good job", "great job",
    "love your content", "love your feed", "great shot", "omg", "yes", "so good", "keep it up", "fire", "dope",
    "awesome pic", "nice content", "check my page", "follow me", "follow back", "dm me", "dm us",
    "讚", "赞", "好讚", "好赞", "好看", "好美", "很美", "很棒", "太棒了", "不錯", "不错", "漂亮", "好漂亮", "推", "美",
    "厲害", "厉害", "可愛", "可爱", "支持", "加油", "好", "棒", "哇", "超讚", "超赞", "真棒", "好帥", "好帅", "互關", "互关",
    "روعة", "رائع", "جميل", "حلو", "ممتاز", "ماشاء الله", "ما شاء الله", "تبارك الله", "واو", "يجنن", "جميل جدا",
    "حلو مرة", "رهيب", "تحفة", "ابداع", "مبدع", "مبدعة", "كفو",
)}
_GENERIC_WORDS = {fold(w) for w in (
    "nice great good love loved lovely amazing awesome cool beautiful cute wow omg so very super perfect gorgeous "
    "stunning post pic pics photo picture shot content feed it this one your job keep up fire dope yes the a "
    "really such"
).split()}
_SPAM = re.compile(r"check (out )?my (page|profile|account|bio)|dm (us|me)|follow (back|me)|collab|promote (it|this)"
                   r"|link in (my )?bio|互关|互關|تابعني|تابعوني")
_STRIP = re.compile(r"[\W_]+", re.UNICODE)
_LANG_FAMILY = {"en": "en", "zh-hant": "zh", "zh-hans": "zh", "zh": "zh", "zh-tw": "zh", "zh-cn": "zh",
                "zh-hk": "zh", "ar": "ar"}


@dataclass
class PostStats:
    post_id: int | str
    likes: int | None = None
    comments: int | None = None
    posted_at: datetime | None = None


@dataclass
class CommentRecord:
    post_id: int | str
    author: str | None
    text: str
    ts: datetime | None = None
    lang: str | None = None  # detected language, if already known


@dataclass
class AccountData:
    platform: str
    handle: str
    followers: int | None
    following: int | None = None
    language: str | None = None  # the creator's (audience's) language, e.g. zh-Hant
    posts: list[PostStats] = field(default_factory=list)
    follower_series: list[tuple[date, int]] = field(default_factory=list)
    comments: list[CommentRecord] = field(default_factory=list)


@dataclass
class Check:
    id: str
    fired: bool | None  # None = not evaluated
    penalty: float = 0.0
    figures: dict = field(default_factory=dict)
    reason: str | None = None  # why it was not evaluated

    def to_dict(self) -> dict:
        out = {"id": self.id, "fired": self.fired, "penalty": self.penalty, "figures": self.figures}
        if self.reason:
            out["reason"] = self.reason
        if self.fired:
            out["message"] = {lang: text.format(**self.figures) for lang, text in MESSAGES[self.id].items()}
        return out


@dataclass
class Credibility:
    score: float | None
    checks: list[Check]

    @property
    def fired(self) -> list[str]:
        return [c.id for c in self.checks if c.fired]

    def reasons(self) -> list[dict]:
        return [c.to_dict() for c in self.checks]


def _fire(check_id: str, fired: bool, **figures) -> Check:
    return Check(check_id, fired, float(PENALTIES[check_id]) if fired else 0.0, figures)


def _skip(check_id: str, reason: str) -> Check:
    return Check(check_id, None, 0.0, {}, reason)


# --- engagement rate against the tier band ------------------------------------------------------

def er_band(platform: str, followers: int) -> dict:
    """Low/high of the average ER band and the "high" threshold for PLATFORM at FOLLOWERS."""
    try:
        from influscope.kpi.benchmarks import er_band as _bench_band
        band = _bench_band(platform, followers)
    except Exception:  # the benchmarks module is optional here
        band = None
    if band is not None and band.low is not None and band.high is not None:
        return {"low": float(band.low), "high": float(band.high),
                "high_above": float(band.high_above) if getattr(band, "high_above", None) else None,
                "source": band.source.name if getattr(band, "source", None) else None}
    # Fallback: HypeAuditor 2018 Instagram medians by follower band (ER = (likes+comments)/followers)
    for upper, median in ((1_000, 16.99), (5_000, 6.45), (20_000, 3.76), (100_000, 2.63), (1_000_000, 2.57)):
        if followers < upper:
            break
    else:
        median = 2.56
    return {"low": median / 2, "high": median, "high_above": None,
            "source": "HypeAuditor 2018 Instagram median ER by follower band"}


def check_engagement(acc: AccountData) -> list[Check]:
    if not acc.followers:
        return [_skip("er_too_low", "no follower count"), _skip("er_too_high", "no follower count")]
    rates = [((p.likes or 0) + (p.comments or 0)) / acc.followers * 100 for p in acc.posts
             if p.likes is not None or p.comments is not None]
    if len(rates) < 3:
        why = f"{len(rates)} posts with likes or comments (3 needed)"
        return [_skip("er_too_low", why), _skip("er_too_high", why)]
    er = statistics.median(rates)
    band = er_band(acc.platform, acc.followers)
    low_limit = band["low"] * 0.5
    high_limit = band["high_above"] * 3 if band["high_above"] else band["high"] * 5
    figures = {"er": round(er, 2), "band": f"{band['low']:.2f}-{band['high']:.2f}%", "posts": len(rates),
               "source": band["source"]}
    return [_fire("er_too_low", er < low_limit, limit=round(low_limit, 2), **figures),
            _fire("er_too_high", er > high_limit, limit=round(high_limit, 2), **figures)]


# --- follower growth -------------------------------------------------------------------------------

def daily_changes(series: Sequence[tuple[date, int]]) -> list[tuple[date, float]]:
    """Follower change per day between consecutive snapshots (a gap of n days is spread over n)."""
    points = sorted(series)
    out = []
    for (d0, f0), (d1, f1) in zip(points, points[1:]):
        days = (d1 - d0).days
        if days > 0:
            out.append((d1, (f1 - f0) / days))
    return out


def robust_z(values: Sequence[float]) -> tuple[float, float]:
    """Median and MAD scaled to a standard deviation (1.4826 x MAD)."""
    med = statistics.median(values)
    mad = statistics.median(abs(v - med) for v in values) * 1.4826
    return med, mad


def check_growth(acc: AccountData) -> list[Check]:
    changes = daily_changes(acc.follower_series)
    if len(changes) < MIN_DAILY_CHANGES:
        why = f"{len(changes)} daily follower changes ({MIN_DAILY_CHANGES} needed)"
        return [_skip("follower_spike", why), _skip("follower_drop", why)]
    values = [c for _, c in changes]
    med, mad = robust_z(values)
    level = acc.followers or max(f for _, f in acc.follower_series)
    # a floor on the spread keeps perfectly steady accounts from firing on tiny wiggles
    spread = max(mad, 0.0005 * level, 1.0)
    zs = [((v - med) / spread, d, v) for d, v in changes]
    top = max(zs, key=lambda t: t[0])
    bottom = min(zs, key=lambda t: t[0])
    base = {"median_daily_change": round(med, 1), "mad": round(mad, 1), "days": len(changes)}
    spike = top[0] > 8 and top[2] >= 0.02 * level
    drop = bottom[0] < -8 and -bottom[2] >= 0.01 * level
    return [
        _fire("follower_spike", spike, change=f"{top[2]:+,.0f}", day=top[1].isoformat(), z=round(top[0], 1), **base),
        _fire("follower_drop", drop, change=f"{bottom[2]:+,.0f}", day=bottom[1].isoformat(), z=round(abs(bottom[0]), 1),
              **base),
    ]


def check_following(acc: AccountData) -> Check:
    if not acc.followers or acc.following is None:
        return _skip("following_ratio", "no follower or following count")
    ratio = acc.following / acc.followers
    return _fire("following_ratio", acc.following >= 1500 and ratio >= 0.5,
                 following=acc.following, followers=acc.followers, ratio=round(ratio, 2))


# --- comment authenticity --------------------------------------------------------------------------

def comment_key(text: str) -> str:
    """Folded text without punctuation, symbols or emoji (for generic/duplicate tests)."""
    return " ".join(_STRIP.sub(" ", fold(text or "")).split())


def is_emoji_only(text: str) -> bool:
    text = (text or "").strip()
    return bool(text) and not any(ch.isalnum() for ch in text)


def is_generic(text: str) -> bool:
    """A comment that could be written under any post: stock praise or self-promotion."""
    key = comment_key(text)
    if not key:
        return False
    if key in _GENERIC or _SPAM.search(key):
        return True
    words = key.split()
    return len(words) <= 6 and all(w in _GENERIC_WORDS for w in words)


DUPLICATE_MIN_UNITS = 24


def _text_units(key: str) -> int:
    """Length of a text in letter units; a Han character carries about two letters' information."""
    return sum(2 if "\u3400" <= ch <= "\u9fff" else 1 for ch in key if not ch.isspace())


def check_comments(acc: AccountData) -> list[Check]:
    ids = ("generic_comments", "emoji_only_comments", "duplicate_comments")
    n = len(acc.comments)
    if n < MIN_COMMENTS:
        return [_skip(i, f"{n} comments ({MIN_COMMENTS} needed)") for i in ids]
    generic = sum(1 for c in acc.comments if is_generic(c.text))
    emoji = sum(1 for c in acc.comments if is_emoji_only(c.text))
    authors_by_text: dict[str, set] = {}
    for c in acc.comments:
        key = comment_key(c.text)
        # people do repeat short stock questions ("how much?", "請問多少錢？"); a copy-paste ring
        # shows in longer texts that nobody would write identically by chance
        if _text_units(key) >= DUPLICATE_MIN_UNITS and not is_generic(c.text):
            authors_by_text.setdefault(key, set()).add(c.author or f"?{id(c)}")
    dup = sum(1 for c in acc.comments
              if len(authors_by_text.get(comment_key(c.text), ())) >= 2)
    pct = lambda k: round(k / n * 100, 1)  # noqa: E731
    return [
        _fire("generic_comments", generic / n > 0.40, share=pct(generic), comments=n),
        _fire("emoji_only_comments", emoji / n > 0.35, share=pct(emoji), comments=n),
        _fire("duplicate_comments", dup / n > 0.20, share=pct(dup), comments=n),
    ]


def _longest_common_run(a: Sequence[str], b: Sequence[str]) -> int:
    best = 0
    prev = [0] * (len(b) + 1)
    for x in a:
        cur = [0] * (len(b) + 1)
        for j, y in enumerate(b, start=1):
            if x == y:
                cur[j] = prev[j - 1] + 1
                best = max(best, cur[j])
        prev = cur
    return best


def check_pods(acc: AccountData, first: int = 30, run: int = 4) -> Check:
    by_post: dict = {}
    for c in sorted(acc.comments, key=lambda c: (c.ts or datetime.min)):
        if c.author:
            by_post.setdefault(c.post_id, []).append(c.author.casefold())
    sequences = [seq[:first] for seq in by_post.values() if len(seq) >= run]
    if len(sequences) < 3:
        return _skip("comment_pods", f"{len(sequences)} posts with {run}+ named commenters (3 needed)")
    pairs = 0
    longest = 0
    for i in range(len(sequences)):
        for j in range(i + 1, len(sequences)):
            r = _longest_common_run(sequences[i], sequences[j])
            longest = max(longest, r)
            if r >= run:
                pairs += 1
    total = len(sequences) * (len(sequences) - 1) // 2
    return _fire("comment_pods", pairs >= 2, pairs=pairs, post_pairs=total, run=longest)


def language_family(code: str | None) -> str | None:
    if not code:
        return None
    code = code.strip().lower().replace("_", "-")
    return _LANG_FAMILY.get(code, _LANG_FAMILY.get(code.split("-")[0], code.split("-")[0]))


def check_language(acc: AccountData) -> Check:
    creator = language_family(acc.language)
    if not creator:
        return _skip("language_mismatch", "the creator's language is not known")
    from influscope.audience.langid import detect

    langs = [c.lang if c.lang is not None else detect(c.text) for c in acc.comments]
    known = [language_family(lang) for lang in langs if lang]
    if len(known) < MIN_COMMENTS:
        return _skip("language_mismatch", f"{len(known)} comments with words ({MIN_COMMENTS} needed)")
    allowed = {creator, "en"}
    if creator not in ("en", "zh", "ar"):
        allowed.add("other")  # a language outside the product's set is reported as "other"
    mismatched = sum(1 for f in known if f not in allowed)
    share = mismatched / len(known)
    return _fire("language_mismatch", share > 0.30, share=round(share * 100, 1), creator_language=acc.language,
                 comments=len(known), top_languages=dict(Counter(langs).most_common(4)))


# --- likes per comment against peers ----------------------------------------------------------------

def likes_per_comment(acc: AccountData) -> float | None:
    likes = sum(p.likes for p in acc.posts if p.likes is not None and p.comments)
    comments = sum(p.comments for p in acc.posts if p.likes is not None and p.comments)
    return likes / comments if comments else None


def check_likes_comments(acc: AccountData, peer_ratios: Sequence[float] = ()) -> Check:
    ratio = likes_per_comment(acc)
    if ratio is None or ratio <= 0:
        return _skip("likes_comments_ratio", "no posts with both likes and comments")
    peers = [math.log10(r) for r in peer_ratios if r and r > 0]
    if len(peers) >= 5:
        med, mad = robust_z(peers)
        spread = max(mad, 0.15)
        low, high = 10 ** (med - 3 * spread), 10 ** (med + 3 * spread)
        basis = f"{len(peers)} peer accounts"
    else:
        low, high = DEFAULT_LIKES_PER_COMMENT
        basis = "default band (fewer than 5 peers)"
    return _fire("likes_comments_ratio", not (low <= ratio <= high), ratio=round(ratio, 1), low=round(low, 1),
                 high=round(high, 1), basis=basis)


def assess(acc: AccountData, peer_ratios: Sequence[float] = ()) -> Credibility:
    """Run every check on ACC. PEER_RATIOS: likes per comment of comparable accounts (not ACC)."""
    checks = [*check_engagement(acc), *check_growth(acc), check_following(acc), *check_comments(acc),
              check_pods(acc), check_language(acc), check_likes_comments(acc, peer_ratios)]
    evaluated = [c for c in checks if c.fired is not None]
    if not evaluated:
        return Credibility(None, checks)
    score = max(0.0, 100.0 - sum(c.penalty for c in checks))
    return Credibility(round(score, 1), checks)
