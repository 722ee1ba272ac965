"""Synthetic creator accounts with injected fraud patterns, for validating the credibility score.

``clean_account(rng)`` draws an account whose engagement rate sits inside its tier band, whose
followers grow with ordinary day-to-day noise (sometimes with a genuine viral bump), with fans
commenting in the creator's language in no particular order. ``inject(acc, pattern, rng)``
applies one fraud pattern of :data:`PATTERNS`, at an intensity drawn from a range that
starts mild (a 2 % follower jump, likes x2), so that not every injected account is detectable. The comment texts come from the project's labelled
comments (``data/comments_train.csv``) plus a few foreign-language lines for the comment-farm
pattern, so nothing here is tuned to the checks' word lists.
"""

from __future__ import annotations

import copy
import functools
import random
from datetime import date, datetime, timedelta

from influscope.audience.credibility import AccountData, CommentRecord, PostStats, er_band

PATTERNS = ("bought_followers", "follower_purge", "mass_following", "bought_likes", "inactive_audience",
            "engagement_pod", "bot_comments", "emoji_spam", "foreign_comment_farm", "bought_comments")

# what a pattern should trip (used by the benchmark to report per-check recall)
EXPECTED_CHECKS = {
    "bought_followers": {"follower_spike"}, "follower_purge": {"follower_drop"},
    "mass_following": {"following_ratio"}, "bought_likes": {"er_too_high", "likes_comments_ratio"},
    "inactive_audience": {"er_too_low"}, "engagement_pod": {"comment_pods"},
    "bot_comments": {"generic_comments", "duplicate_comments"}, "emoji_spam": {"emoji_only_comments"},
    "foreign_comment_farm": {"language_mismatch"}, "bought_comments": {"likes_comments_ratio"},
}

FOREIGN_COMMENTS = [
    "Muito bom, adorei o vídeo", "Que lindo, parabéns", "Me encanta este producto", "Qué bonito todo",
    "Очень круто, спасибо", "Классное видео", "Keren banget kak", "Mantap sekali produknya",
    "Çok güzel olmuş", "Harika bir paylaşım", "Sehr schön, gefällt mir", "Trop beau, j'adore",
    "Bellissimo video complimenti", "Super leuk gedaan", "Sangat bagus kak", "Parabéns pelo conteúdo",
    "Gracias por compartir", "Spasibo za video", "Bagus sekali", "Nossa que incrível",
]
BOT_LINES = ["Great post! Check my page", "Nice pic 🔥", "Love your content, DM us for a collab",
             "Amazing!", "Wow", "Nice", "Great content 👍", "So cute", "Follow back?", "Awesome pic"]
EMOJI_LINES = ["🔥🔥🔥", "😍😍", "👏👏👏", "❤️", "💯", "🙌🙌", "😍🔥", "👍", "✨✨", "💕💕💕"]


@functools.lru_cache(maxsize=1)
def _texts_by_lang() -> dict[str, list[str]]:
    from influscope.audience.sentiment import TRAIN_FILE, load_rows

    out: dict[str, list[str]] = {}
    for r in load_rows(TRAIN_FILE):
        if any(ch.isalpha() for ch in r["text"]):
            out.setdefault(r["lang"], []).append(r["text"])
    return out


def clean_account(rng: random.Random, *, platform: str = "instagram", language: str | None = None,
                  followers: int | None = None, n_posts: int = 10, comments_per_post: int = 6,
                  viral_bump: bool | None = None, start: date = date(2026, 2, 1)) -> AccountData:
    language = language or rng.choice(["en", "zh-Hant", "zh-Hans", "ar"])
    followers = followers or int(10 ** rng.uniform(3.8, 5.9))  # ~6k to ~800k
    band = er_band(platform, followers)
    top = band["high_above"] or band["high"] * 1.5
    er = rng.uniform(band["low"], (band["low"] + top) / 2) / 100
    likes_per_comment = 10 ** rng.uniform(1.2, 2.0)  # 16 to 100
    posts = []
    for i in range(n_posts):
        engagements = followers * er * rng.uniform(0.85, 1.15)
        comments = max(1, round(engagements / (likes_per_comment + 1)))
        posts.append(PostStats(f"p{i}", likes=round(engagements - comments), comments=comments,
                               posted_at=datetime.combine(start, datetime.min.time()) + timedelta(days=3 * i)))
    # followers: steady growth with noise, sometimes one genuine viral day
    days = 45
    level = followers / (1 + 0.001 * days)
    series = []
    bump_day = rng.randrange(10, days) if (viral_bump if viral_bump is not None else rng.random() < 0.1) else None
    for d in range(days):
        change = level * rng.gauss(0.001, 0.0008)
        if d == bump_day:
            change += level * rng.uniform(0.005, 0.04)
        level += change
        series.append((start + timedelta(days=d), round(level)))
    followers = series[-1][1]
    texts = _texts_by_lang()
    fans = [f"fan{n}" for n in range(300)]
    comments = []
    # fans write their own words: each text at most once per account
    own = rng.sample(texts[language], len(texts[language]))
    english = rng.sample(texts["en"], len(texts["en"]))
    for p in posts:
        ts = p.posted_at
        for _ in range(comments_per_post):
            ts += timedelta(minutes=rng.randint(1, 240))
            roll = rng.random()
            if roll < 0.08:
                text = rng.choice(EMOJI_LINES)
            elif roll < 0.2 and english:
                text = english.pop()
            else:
                text = (own or english).pop()
            comments.append(CommentRecord(p.post_id, rng.choice(fans), text, ts))
    following = rng.randint(80, min(1400, max(100, followers // 3)))
    return AccountData(platform, f"acct{rng.randrange(10**6)}", followers, following, language, posts, series,
                       comments)


def inject(acc: AccountData, pattern: str, rng: random.Random) -> AccountData:
    """A copy of ACC with the fraud PATTERN applied."""
    acc = copy.deepcopy(acc)
    if pattern == "bought_followers":
        i = rng.randrange(15, len(acc.follower_series))
        jump = round(acc.follower_series[i - 1][1] * rng.uniform(0.02, 0.25))
        acc.follower_series = [(d, f + jump if k >= i else f) for k, (d, f) in enumerate(acc.follower_series)]
        acc.followers = acc.follower_series[-1][1]
    elif pattern == "follower_purge":
        i = rng.randrange(15, len(acc.follower_series))
        drop = round(acc.follower_series[i - 1][1] * rng.uniform(0.01, 0.10))
        acc.follower_series = [(d, f - drop if k >= i else f) for k, (d, f) in enumerate(acc.follower_series)]
        acc.followers = acc.follower_series[-1][1]
    elif pattern == "mass_following":
        acc.following = max(1500, round(acc.followers * rng.uniform(0.3, 2.0)))
    elif pattern == "bought_likes":
        factor = rng.uniform(2, 20)
        for p in acc.posts:
            p.likes = round(p.likes * factor)
    elif pattern == "inactive_audience":
        factor = rng.uniform(0.05, 0.6)
        for p in acc.posts:
            p.likes = round(p.likes * factor)
            p.comments = max(1, round(p.comments * factor))
    elif pattern == "engagement_pod":
        pod = [f"pod{n}" for n in range(rng.randint(3, 12))]
        new = []
        for p in acc.posts:
            ts = p.posted_at or datetime(2026, 1, 1)
            for member in pod:
                ts += timedelta(seconds=rng.randint(20, 90))
                new.append(CommentRecord(p.post_id, member, rng.choice(BOT_LINES + EMOJI_LINES + ["Love this!"]), ts))
        acc.comments = new + acc.comments
    elif pattern == "bot_comments":
        bots = [f"bot{n}" for n in range(200)]
        extra = round(len(acc.comments) * rng.uniform(0.3, 1.5))
        acc.comments += [CommentRecord(rng.choice(acc.posts).post_id, rng.choice(bots), rng.choice(BOT_LINES), None)
                         for _ in range(extra)]
    elif pattern == "emoji_spam":
        extra = round(len(acc.comments) * rng.uniform(0.3, 1.5))
        acc.comments += [CommentRecord(rng.choice(acc.posts).post_id, f"e{n}", rng.choice(EMOJI_LINES), None)
                         for n in range(extra)]
    elif pattern == "foreign_comment_farm":
        extra = round(len(acc.comments) * rng.uniform(0.2, 1.5))
        acc.comments += [CommentRecord(rng.choice(acc.posts).post_id, f"f{n}", rng.choice(FOREIGN_COMMENTS), None)
                         for n in range(extra)]
    elif pattern == "bought_comments":
        for p in acc.posts:
            p.comments = round(p.comments * rng.uniform(3, 25))
    else:
        raise ValueError(f"unknown fraud pattern {pattern!r}; known: {', '.join(PATTERNS)}")
    return acc
