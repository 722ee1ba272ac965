"""Every credibility check fires on the pattern it looks for and stays quiet on a clean account."""

import random
from datetime import date, datetime, timedelta

import pytest

from influscope.audience.credibility import (AUDIT_THRESHOLD, AccountData, CommentRecord, PostStats, assess,
                                             check_comments, check_engagement, check_following, check_growth,
                                             check_language, check_likes_comments, check_pods, daily_changes,
                                             likes_per_comment)
from influscope.audience.synthetic import clean_account


def base(seed=1, **kw) -> AccountData:
    kw.setdefault("viral_bump", False)
    kw.setdefault("followers", 40_000)
    kw.setdefault("language", "en")
    return clean_account(random.Random(seed), **kw)


def by_id(checks):
    return {c.id: c for c in checks}


def test_clean_account_passes_every_check():
    acc = base()
    peers = [likes_per_comment(base(seed)) for seed in range(2, 9)]
    result = assess(acc, peers)
    assert result.score == 100.0
    assert all(c.fired is False for c in result.checks), [c for c in result.checks if c.fired is not False]


# --- engagement rate ---------------------------------------------------------------------------

def _posts(followers, er_pct, n=6, likes_per_comment=30):
    eng = followers * er_pct / 100
    c = max(1, round(eng / (likes_per_comment + 1)))
    return [PostStats(f"p{i}", likes=round(eng - c), comments=c) for i in range(n)]


def test_er_too_low_fires_far_below_the_band():
    acc = AccountData("instagram", "a", 40_000, posts=_posts(40_000, 0.1))
    checks = by_id(check_engagement(acc))
    assert checks["er_too_low"].fired and not checks["er_too_high"].fired
    assert checks["er_too_low"].figures["er"] == pytest.approx(0.1, abs=0.01)


def test_er_inside_the_band_fires_neither():
    acc = AccountData("instagram", "a", 40_000, posts=_posts(40_000, 1.0))
    assert [c.fired for c in check_engagement(acc)] == [False, False]


def test_er_too_high_fires_when_implausible():
    acc = AccountData("instagram", "a", 40_000, posts=_posts(40_000, 15.0))
    checks = by_id(check_engagement(acc))
    assert checks["er_too_high"].fired and not checks["er_too_low"].fired


def test_er_needs_three_posts_and_followers():
    assert all(c.fired is None for c in check_engagement(AccountData("instagram", "a", 40_000, posts=_posts(40_000, 1, n=2))))
    assert all(c.fired is None for c in check_engagement(AccountData("instagram", "a", None, posts=_posts(1000, 1))))


# --- follower growth ----------------------------------------------------------------------------

def _series(start=10_000, days=30, daily=20, events=None):
    rng = random.Random(5)
    level, out = start, []
    for d in range(days):
        level += daily + rng.randint(-10, 10) + (events or {}).get(d, 0)
        out.append((date(2026, 3, 1) + timedelta(days=d), level))
    return out


def test_follower_spike_fires_on_a_one_day_jump():
    acc = AccountData("instagram", "a", 12_000, follower_series=_series(events={20: 2_000}))
    checks = by_id(check_growth(acc))
    assert checks["follower_spike"].fired and not checks["follower_drop"].fired
    assert checks["follower_spike"].figures["day"] == "2026-03-21"


def test_steady_growth_fires_neither_spike_nor_drop():
    acc = AccountData("instagram", "a", 12_000, follower_series=_series())
    assert [c.fired for c in check_growth(acc)] == [False, False]


def test_small_jump_within_noise_does_not_fire():
    # +150 in a day is 8x the usual gain but under 2 % of the followers: ordinary good day
    acc = AccountData("instagram", "a", 12_000, follower_series=_series(events={20: 150}))
    assert by_id(check_growth(acc))["follower_spike"].fired is False


def test_follower_drop_fires_on_a_purge():
    acc = AccountData("instagram", "a", 9_000, follower_series=_series(events={18: -700}))
    checks = by_id(check_growth(acc))
    assert checks["follower_drop"].fired and not checks["follower_spike"].fired


def test_growth_needs_two_weeks_of_snapshots_and_spreads_gaps():
    acc = AccountData("instagram", "a", 12_000, follower_series=_series(days=10))
    assert all(c.fired is None for c in check_growth(acc))
    gap = daily_changes([(date(2026, 3, 1), 100), (date(2026, 3, 4), 130)])
    assert gap == [(date(2026, 3, 4), 10.0)]


# --- following ratio ----------------------------------------------------------------------------

def test_following_ratio_fires_for_follow_for_follow_accounts():
    assert check_following(AccountData("instagram", "a", 8_000, following=7_500)).fired is True


def test_following_ratio_quiet_for_normal_and_for_small_accounts():
    assert check_following(AccountData("instagram", "a", 8_000, following=900)).fired is False
    # a 1,000-follower account following 800 people is normal: under the 1,500 mass-following bar
    assert check_following(AccountData("instagram", "a", 1_000, following=800)).fired is False
    assert check_following(AccountData("instagram", "a", 8_000, following=None)).fired is None


# --- comment authenticity -----------------------------------------------------------------------

def _with_comments(texts, authors=None):
    acc = base()
    acc.comments = [CommentRecord(f"p{i % 5}", (authors or [f"u{i}" for i in range(len(texts))])[i], t,
                                  datetime(2026, 3, 1) + timedelta(minutes=i)) for i, t in enumerate(texts)]
    return acc


REAL = ["The battery life on this thing is insane", "What shade are you wearing?", "Mine arrived broken :(",
        "Does it work on oily skin?", "Love how light it is, my old one was a brick", "Is it vegan?",
        "Way too expensive for what it is", "My sister bought this after I showed her", "How long is shipping?",
        "This blender is a beast", "Which size are you wearing?", "Honestly it smells like plastic",
        "Finally a sunscreen without a white cast", "Can you do a comparison?", "The stitching looks great",
        "Is the code still working?", "Tried it last year, not for me", "So happy you're partnering with them",
        "Does it come with a charger?", "Obsessed with this color on you", "nice", "🔥🔥"]


def test_generic_comments_fire_when_most_are_stock_praise():
    texts = REAL[:10] + ["Nice pic!", "great post", "Love it", "wow", "Amazing!", "讚", "روعة", "Check my page!",
                         "so cute", "Nice", "Great content", "好看", "nice shot"]
    checks = by_id(check_comments(_with_comments(texts)))
    assert checks["generic_comments"].fired is True


def test_generic_comments_quiet_on_real_conversation():
    checks = by_id(check_comments(_with_comments(REAL)))
    assert [checks[k].fired for k in ("generic_comments", "emoji_only_comments", "duplicate_comments")] == [False] * 3


def test_emoji_only_comments_fire():
    texts = REAL[:12] + ["🔥🔥", "😍😍😍", "👏", "❤️", "💯💯", "🙌", "😍", "🔥", "✨✨"]
    assert by_id(check_comments(_with_comments(texts)))["emoji_only_comments"].fired is True


def test_duplicate_comments_fire_when_accounts_paste_the_same_text():
    texts = REAL[:14] + ["Amazing product, I love this brand so much!"] * 6
    assert by_id(check_comments(_with_comments(texts)))["duplicate_comments"].fired is True


def test_one_account_repeating_itself_is_not_a_duplicate_ring():
    texts = REAL[:14] + ["Amazing product, I love this brand so much!"] * 6
    authors = [f"u{i}" for i in range(14)] + ["superfan"] * 6
    assert by_id(check_comments(_with_comments(texts, authors)))["duplicate_comments"].fired is False


def test_comment_checks_need_twenty_comments():
    assert all(c.fired is None for c in check_comments(_with_comments(REAL[:10])))


def _pod_account(same_order: bool):
    rng = random.Random(2)
    pod = [f"pod{i}" for i in range(6)]
    acc = base()
    acc.comments = []
    for p in range(5):
        order = pod if same_order else rng.sample(pod, len(pod))
        for k, who in enumerate(order):
            acc.comments.append(CommentRecord(f"p{p}", who, "Love this!", datetime(2026, 3, p + 1, 10, k)))
    return acc


def test_comment_pods_fire_on_the_same_commenters_in_the_same_order():
    check = check_pods(_pod_account(same_order=True))
    assert check.fired is True and check.figures["run"] == 6


def test_loyal_fans_in_shuffled_order_are_not_a_pod():
    assert check_pods(_pod_account(same_order=False)).fired is False


def test_language_mismatch_fires_on_a_foreign_comment_farm():
    farm = ["Muito bom, adorei o vídeo", "Очень круто, спасибо", "Keren banget kak", "Çok güzel olmuş",
            "Que lindo, parabéns", "Mantap sekali produknya", "Классное видео", "Bagus sekali", "Harika bir paylaşım",
            "Nossa que incrível", "Sangat bagus kak", "Parabéns pelo conteúdo"]
    acc = _with_comments(REAL[:16] + farm)
    acc.language = "zh-Hant"  # a Taiwanese creator: English is tolerated, the rest is not
    acc.comments[:10] = [CommentRecord("p1", f"tw{i}", t, None) for i, t in enumerate(
        ["好想用用看", "這個顏色好美", "請問哪裡買", "用了兩週很有感", "太貴了吧", "哇這個好讚", "已經下單了", "這是什麼色號",
         "客服超親切", "等開箱"])]
    check = check_language(acc)
    assert check.fired is True and check.figures["share"] > 30


def test_language_mismatch_quiet_for_english_and_the_creators_language():
    acc = _with_comments(REAL)
    acc.language = "zh-Hant"
    assert check_language(acc).fired is False
    acc.language = None
    assert check_language(acc).fired is None


# --- likes per comment --------------------------------------------------------------------------

def test_likes_per_comment_against_peers():
    acc = AccountData("instagram", "a", 40_000, posts=_posts(40_000, 1.0, likes_per_comment=30))
    peers = [20, 25, 30, 35, 40, 45, 28]
    assert check_likes_comments(acc, peers).fired is False
    bought_likes = AccountData("instagram", "a", 40_000, posts=_posts(40_000, 3.0, likes_per_comment=900))
    assert check_likes_comments(bought_likes, peers).fired is True
    bought_comments = AccountData("instagram", "a", 40_000, posts=_posts(40_000, 1.0, likes_per_comment=1))
    check = check_likes_comments(bought_comments, peers)
    assert check.fired is True and "7 peer accounts" == check.figures["basis"]


def test_likes_per_comment_default_band_without_peers():
    acc = AccountData("instagram", "a", 40_000, posts=_posts(40_000, 1.0, likes_per_comment=30))
    check = check_likes_comments(acc, [])
    assert check.fired is False and "default" in check.figures["basis"]
    assert check_likes_comments(AccountData("instagram", "a", 40_000, posts=_posts(40_000, 3.0, likes_per_comment=1000)),
                                []).fired is True


# --- the score ----------------------------------------------------------------------------------

def test_score_subtracts_penalties_and_reports_reasons_in_three_languages():
    acc = base()
    acc.following = 60_000
    acc.follower_series = _series(start=38_000, events={25: 4_000})
    result = assess(acc)
    assert set(result.fired) == {"following_ratio", "follower_spike"}
    assert result.score == 40.0 and result.score < AUDIT_THRESHOLD
    reasons = {r["id"]: r for r in result.reasons()}
    assert set(reasons["follower_spike"]["message"]) == {"en", "zh-Hant", "ar"}
    assert "message" not in reasons["er_too_low"]


def test_score_is_none_when_nothing_can_be_evaluated():
    assert assess(AccountData("instagram", "a", None)).score is None
