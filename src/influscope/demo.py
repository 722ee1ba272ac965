"""The demo workspace: realistic, seeded synthetic data for three campaigns (TOFU, MOFU, BOFU), and a
fourth one planned, with a candidate list to value and split (:func:`plan_next`).

The generator writes ordinary canonical bundles (one folder per campaign) and imports them through
the same importer as any user's data, so the demo exercises the real path end to end. It is a
library function used by ``influscope demo``, the tests and the benchmarks::

    from influscope.demo import create_demo
    summary = create_demo(engine, scale=0.05)   # ~5 % of the full demo, for tests

At ``scale=1`` it makes about 60 creators on Instagram, TikTok, YouTube, Facebook and X with a
power-law follower spread, ~400 posts with metric snapshots over several days, ~200k clicks of which
~10 % are bots, ~5k orders using promo codes and click ids with refunds and cancellations, leads,
daily site traffic with a pre-campaign baseline, follower series and ~20k comments in English,
Traditional Chinese and Arabic. A few patterns are planted on purpose so that the diagnostics have
something to find: one creator with bought followers and generic comments, and one leaked code.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import math
import random
import tempfile
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml

from influscope.ingest.bundle_spec import BY_NAME

PLATFORM_MIX = (("instagram", 0.38), ("tiktok", 0.27), ("youtube", 0.15), ("facebook", 0.10), ("x", 0.10))
CONTENT = {
    "instagram": ("reel", "reel", "post", "story"),
    "tiktok": ("video",),
    "youtube": ("video", "video", "short"),
    "facebook": ("post", "video"),
    "x": ("tweet",),
}
# Typical engagement rate (engagements / followers) by follower tier; bigger accounts engage less.
ER_BY_TIER = ((10_000, 0.055), (100_000, 0.032), (500_000, 0.021), (1_000_000, 0.016), (float("inf"), 0.012))


@dataclass(frozen=True)
class CampaignPlan:
    slug: str
    name: str
    brand: str
    goal: str
    timezone: str
    currency: str
    market: str  # ISO country of most visitors
    languages: tuple[tuple[str, float], ...]  # comment languages and weights
    start_offset: int  # days from "today" to the start (negative = in the past)
    days: int
    budget: int
    creators: int
    click_share: float
    site: str
    brand_handle: str
    targets: dict
    terms: tuple[str, ...]
    competitors: tuple[str, ...]
    headline: tuple[str, int, str]  # the headline creator: language, name index, niche (a fixed, documented id)
    spend_share: float  # share of the budget the costs come to (a healthy campaign spends 80-100 %)
    halo: float  # lift of the site's own traffic while the campaign runs


PLANS = (
    CampaignPlan("glow-awareness", "Glow serum awareness", "Lumina", "tofu", "Asia/Taipei", "TWD", "TW",
                 (("zh-Hant", 0.75), ("en", 0.25)), -150, 30, 1_200_000, 22, 0.30, "https://lumina.example.tw/glow",
                 "lumina_tw", {"engagement_rate": 3.0, "cpm": 180, "emv_roi": 2.0, "reach": 2_500_000},
                 ("lumina", "#luminaglow", "@lumina_tw", "光采精華"), ("radiantco", "#radiantco"),
                 ("zh-Hant", 5, "beauty"), 0.93, 0.05),
    CampaignPlan("finlit-webinars", "Money basics webinar sign-ups", "Finlit", "mofu", "Asia/Dubai", "AED", "AE",
                 (("ar", 0.65), ("en", 0.35)), -90, 31, 180_000, 16, 0.30, "https://finlit.example.ae/webinar",
                 "finlit_ae", {"ctr": 0.3, "cpl": 30, "leads": 5000, "traffic_lift": 20},
                 ("finlit", "#finlitwebinar", "@finlit_ae", "فينليت"), ("moneyhub",),
                 ("ar", 0, "daily"), 0.88, 0.10),
    CampaignPlan("spring-launch", "Spring collection launch", "Acme", "bofu", "Asia/Taipei", "TWD", "TW",
                 (("zh-Hant", 0.55), ("en", 0.30), ("ar", 0.15)), -22, 30, 900_000, 22, 0.40,
                 "https://shop.acme.example/spring", "acme_tw", {"roas": 3.0, "cpa": 450, "conversion_rate": 3.0},
                 ("acme", "#acmespring", "@acme_tw", "愛客美"), ("globex", "#globexspring"),
                 ("zh-Hant", 0, "eats"), 0.84, 0.08),
)


@dataclass
class DemoSummary:
    workspace: str
    campaigns: list[str]
    counts: dict[str, int] = field(default_factory=dict)
    changes: int = 0


# --------------------------------------------------------------------------------- text pools

_NAMES = {
    "zh-Hant": ("美琳", "子涵", "家豪", "怡君", "志明", "雅婷", "冠宇", "佩珊", "俊傑", "欣怡", "宗翰", "詩涵"),
    "en": ("Maya", "Jordan", "Chloe", "Ethan", "Priya", "Lucas", "Ava", "Noah", "Zoe", "Liam", "Grace", "Owen"),
    "ar": ("نورة", "ريم", "خالد", "سارة", "عمر", "لينا", "يوسف", "هند", "فهد", "دانة", "سلمان", "جود"),
}
_ROMAN = {
    "zh-Hant": ("meilin", "zihan", "jiahao", "yijun", "zhiming", "yating", "guanyu", "peishan", "junjie", "xinyi",
                "zonghan", "shihan"),
    "en": ("maya", "jordan", "chloe", "ethan", "priya", "lucas", "ava", "noah", "zoe", "liam", "grace", "owen"),
    "ar": ("noura", "reem", "khalid", "sara", "omar", "lina", "yousef", "hind", "fahad", "dana", "salman", "jood"),
}
_NICHES = ("eats", "beauty", "daily", "fit", "style", "travels", "home", "tech", "glow", "life", "skin", "mom")

_COMMENTS = {
    "en": {
        "pos": ("Love this {thing}! {e}", "This looks amazing {e}", "Obsessed with this {thing} {e}",
                "Honestly the best {thing} I've tried", "Your skin looks so good with it {e}",
                "Great review, super helpful", "Wow, the results are real {e}", "So pretty, love the colours {e}"),
        "neu": ("Where can I buy it?", "Is it available in Taiwan?", "How long does shipping take?",
                "What size are you wearing?", "Does it come in other colours?", "How much is it?",
                "Which shade is this?", "Is this the new version?"),
        "neg": ("Too expensive for what it is", "Mine broke after a week {e}", "Not worth the hype honestly",
                "Another ad... unfollowing", "It gave me a rash {e}", "Shipping took forever, disappointed",
                "Looks cheap tbh", "Customer service never answered me {e}"),
        "intent": ("I'd love to use this {thing} {e}", "Definitely recommend this {thing}!",
                   "This is what I've been waiting for {e}", "Just ordered one with your code {e}",
                   "Adding this to my cart right now", "Need this in my life {e}",
                   "Buying it for my sister too", "Can't wait to try it {e}"),
        "pos_e": ("😍", "🔥", "✨", "💕", "👏", "🙌"), "neg_e": ("😒", "😡", "👎", "🙄"),
        "things": ("serum", "product", "jacket", "app", "collection", "set", "look", "bag"),
    },
    "zh-Hant": {
        "pos": ("這個{thing}真的好讚{e}", "看起來超美{e}", "質感很好，推推{e}", "用了一週皮膚變好了",
                "顏色好好看{e}", "妳的分享好實用", "效果真的有感{e}", "太喜歡這組了{e}"),
        "neu": ("請問哪裡買得到？", "有其他顏色嗎？", "請問多少錢？", "運送要多久呢？", "這是新款嗎？",
                "請問尺寸怎麼選？", "台灣有賣嗎？", "敏感肌可以用嗎？"),
        "neg": ("太貴了吧", "用了過敏{e}", "品質普通，不推", "又是業配，退追", "出貨好慢，很失望{e}",
                "客服都不回{e}", "跟照片差很多", "包裝有破損{e}"),
        "intent": ("好想買這個{thing}{e}", "肯定會推薦這個給朋友", "這就是我一直在等的{e}", "剛剛用你的折扣碼下單了{e}",
                   "馬上加入購物車", "一定要入手{e}", "想買給我媽媽", "等不及要試試看了{e}"),
        "pos_e": ("😍", "🔥", "✨", "💕", "👍", "🥰"), "neg_e": ("😒", "😡", "👎", "🙄"),
        "things": ("精華", "產品", "外套", "App", "系列", "組合", "包包", "面膜"),
    },
    "ar": {
        "pos": ("هذا {thing} رائع {e}", "جميل جداً {e}", "أحببت النتيجة {e}", "أفضل {thing} جربته",
                "شكراً على المراجعة المفيدة", "بشرتك تبدو رائعة {e}", "الألوان جميلة جداً {e}", "منتج ممتاز"),
        "neu": ("من أين أشتريه؟", "هل يتوفر في الإمارات؟", "كم سعره؟", "كم يستغرق التوصيل؟", "هل يوجد ألوان أخرى؟",
                "ما هو المقاس المناسب؟", "هل هذا الإصدار الجديد؟", "هل يناسب البشرة الحساسة؟"),
        "neg": ("غالي جداً", "سيء للأسف {e}", "لا أنصح به", "إعلان آخر... سألغي المتابعة", "التوصيل متأخر جداً {e}",
                "خدمة العملاء لا ترد {e}", "الجودة ضعيفة", "مختلف عن الصور {e}"),
        "intent": ("أود تجربة هذا {thing} {e}", "أنصح به بشدة", "هذا ما كنت أنتظره {e}", "طلبته الآن بالكود {e}",
                   "سأشتريه فوراً", "أحتاج هذا {e}", "سأشتريه لأختي أيضاً", "متحمسة لتجربته {e}"),
        "pos_e": ("😍", "🔥", "✨", "💕", "👏", "❤️"), "neg_e": ("😒", "😡", "👎", "🙄"),
        "things": ("المنتج", "السيروم", "التطبيق", "الطقم", "الجاكيت", "العرض", "الكورس", "الحقيبة"),
    },
}
_GENERIC = ("Nice pic 🔥", "Great post!", "👍👍👍", "Cool 😎", "Amazing!!", "Follow me back", "🔥🔥🔥", "Nice ❤️")


# ----------------------------------------------------------------------------------- helpers

def _pick(rng: random.Random, weighted) -> str:
    x = rng.random() * sum(w for _, w in weighted)
    for value, w in weighted:
        x -= w
        if x <= 0:
            return value
    return weighted[-1][0]


def _money(x: float) -> Decimal:
    return Decimal(str(round(x, 2))).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _iso(ts: dt.datetime) -> str:
    return ts.replace(microsecond=0).isoformat() + "Z"


def _er(followers: int) -> float:
    return next(er for limit, er in ER_BY_TIER if followers < limit)


def _write(path: Path, name: str, rows: list[dict]) -> None:
    spec = BY_NAME[name]
    with (path / name).open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=spec.names, lineterminator="\n", extrasaction="raise")
        w.writeheader()
        for row in rows:
            w.writerow({k: ("" if v is None else v) for k, v in row.items()})


class _Ids:
    def __init__(self, rng: random.Random):
        self.rng = rng

    def hex(self, n: int = 12) -> str:
        return "%0*x" % (n, self.rng.getrandbits(4 * n))


# --------------------------------------------------------------------------------- generator

def headline_creator(plan: CampaignPlan) -> str:
    """The creator id of PLAN's headline creator, the same at every scale and seed (the README names it)."""
    lang, k, niche = plan.headline
    return f"{_ROMAN[lang][k]}-{niche}"


def _n_creators(plan: CampaignPlan, scale: float) -> int:
    # Creators shrink more slowly than events, so that a small demo still has a leaderboard.
    return max(3, round(plan.creators * min(1.0, max(scale, 0.15))))


def generate(path: str | Path, scale: float = 1.0, seed: int = 7, today: dt.date | None = None) -> list[Path]:
    """Write the demo's three campaign bundles under PATH and return their folders."""
    root = Path(path)
    root.mkdir(parents=True, exist_ok=True)
    today = today or dt.date.today()
    rng = random.Random(seed)
    ids = _Ids(rng)
    folders = []
    used_handles = {headline_creator(p).replace("-", ".") for p in PLANS}
    order_seq = [100_000]
    for index, plan in enumerate(PLANS):
        folder = root / f"{index + 1}-{plan.slug}"
        folder.mkdir(exist_ok=True)
        traffic = _generate_campaign(folder, plan, index, scale, rng, ids, today, used_handles, order_seq)
        if index == 0:  # the site's own traffic is workspace data: it travels with the first bundle
            traffic = _site_traffic(rng, today, scale) + traffic
        _write(folder, "traffic.csv", traffic)
        folders.append(folder)
    return folders


def _site_traffic(rng: random.Random, today: dt.date, scale: float = 1.0) -> list[dict]:
    """Daily organic, direct, email and referral sessions from the first baseline to yesterday.

    Every campaign lifts them a little (a halo: searches and direct visits rise with awareness). The
    level follows the scale (a quarter of it at the least), so that influencer sessions keep their
    weight against it in a small demo.
    """
    windows = [(today + dt.timedelta(days=p.start_offset), today + dt.timedelta(days=p.start_offset + p.days - 1),
                p.halo) for p in PLANS]
    level = 4200 * min(1.0, max(scale, 0.25))
    day = windows[0][0] - dt.timedelta(days=28)
    rows = []
    while day < today:
        weekday = 1.12 if day.weekday() < 5 else 0.82
        lift = 1.0 + sum(halo for s, e, halo in windows if s <= day <= e)
        for source, medium, share in (("google", "organic", 0.46), ("(direct)", "(none)", 0.28),
                                      ("newsletter", "email", 0.08), ("facebook", "referral", 0.06)):
            s = int(level * share * weekday * lift * rng.uniform(0.9, 1.1))
            rows.append({"date": day.isoformat(), "source": source, "medium": medium, "campaign": "", "content": "",
                         "sessions": s, "new_users": int(s * rng.uniform(0.55, 0.7)),
                         "engaged_sessions": int(s * rng.uniform(0.52, 0.66)), "pageviews": int(s * rng.uniform(2.1, 3.2)),
                         "session_duration_s": int(s * rng.uniform(70, 140))})
        day += dt.timedelta(days=1)
    return rows


def _generate_campaign(folder: Path, plan: CampaignPlan, index: int, scale: float, rng: random.Random, ids: _Ids,
                       today: dt.date, used_handles: set[str], order_seq: list[int]) -> list[dict]:
    tz = ZoneInfo(plan.timezone)
    start = today + dt.timedelta(days=plan.start_offset)
    end = start + dt.timedelta(days=plan.days - 1)
    baseline_end = start - dt.timedelta(days=1)
    baseline_start = baseline_end - dt.timedelta(days=27)
    data_end = min(end, today - dt.timedelta(days=1))  # nothing is known about today or later yet

    def local(day: dt.date, hour: float) -> dt.datetime:
        t = dt.datetime.combine(day, dt.time()) + dt.timedelta(hours=hour)
        return t.replace(tzinfo=tz).astimezone(dt.timezone.utc).replace(tzinfo=None)

    now_utc = local(today, 0)
    # A smaller demo has fewer creators: the budget shrinks with them, so that spend stays near plan.
    n_creators = _n_creators(plan, scale)
    budget = plan.budget if n_creators >= plan.creators else int(round(plan.budget * n_creators / plan.creators, -3))
    campaign = {
        "id": plan.slug, "name": plan.name, "brand": plan.brand, "goal": plan.goal,
        "start": start, "end": end, "timezone": plan.timezone, "currency": plan.currency,
        "budget": budget, "baseline": {"start": baseline_start, "end": baseline_end},
        "targets": {k: (v if k not in ("reach", "leads") else int(round(v * n_creators / plan.creators, -1)))
                    for k, v in plan.targets.items()}, "brand_accounts": [{"platform": "instagram", "handle": plan.brand_handle},
                                                    {"platform": "tiktok", "handle": plan.brand_handle}],
        "brand_terms": list(plan.terms), "competitor_terms": list(plan.competitors), "methodology": {},
    }
    (folder / "campaign.yaml").write_text(yaml.safe_dump(campaign, sort_keys=False, allow_unicode=True), encoding="utf-8")

    # --- creators: a power-law follower spread (Pareto, alpha ~1.1), 2k followers at the least
    creators, accounts = [], []
    fraud_index = 1 if n_creators > 3 else None  # one account with bought followers and generic comments
    for i in range(n_creators):
        lang = _pick(rng, plan.languages)
        k = rng.randrange(len(_ROMAN[lang]))
        base = f"{_ROMAN[lang][k]}.{rng.choice(_NICHES)}"
        handle = base
        while handle in used_handles:
            handle = f"{base}{rng.randrange(2, 99)}"
        if i == 0:  # the headline creator has a fixed id
            lang, k = plan.headline[0], plan.headline[1]
            handle = headline_creator(plan).replace("-", ".")
        used_handles.add(handle)
        creator_id = handle.replace(".", "-")
        n_platforms = 1 if rng.random() < 0.6 else 2
        platforms: list[str] = []
        while len(platforms) < n_platforms:
            p = _pick(rng, PLATFORM_MIX)
            if p not in platforms:
                platforms.append(p)
        followers = int(min(3_500_000, 2_000 * (1 - rng.random()) ** (-1 / 1.1)))
        if i == 0:
            followers = max(followers, 1_200_000)  # every campaign has one headline creator
        country = plan.market if lang != "en" else rng.choice(("US", "GB", plan.market))
        for p in platforms:
            f = int(followers * (rng.uniform(0.5, 1.6) if p != platforms[0] else 1))
            following = int(rng.uniform(200, 1500)) if i != fraud_index else int(f * rng.uniform(0.8, 1.4))
            accounts.append({"creator_id": creator_id, "platform": p, "handle": handle, "name": _NAMES[lang][k],
                             "followers": f, "following": following, "country": country,
                             "language": lang, "_fraud": i == fraud_index, "_lang": lang})
        creators.append(creator_id)

    # --- follower series: brand accounts daily, creator accounts every day of the campaign window
    followers_rows = []
    series_start = baseline_start
    series_end = min(end + dt.timedelta(days=14), today - dt.timedelta(days=1))
    for b in campaign["brand_accounts"]:
        value = rng.randint(40_000, 160_000)
        day = series_start
        while day <= series_end:
            in_campaign = start <= day <= end
            value += int(value * (rng.uniform(0.0005, 0.0015) + (rng.uniform(0.002, 0.006) if in_campaign else 0)))
            followers_rows.append({"platform": b["platform"], "handle": b["handle"], "date": day.isoformat(), "followers": value})
            day += dt.timedelta(days=1)
    for a in accounts:
        value = int(a["followers"] * 0.97)
        day = series_start
        spike_day = start + dt.timedelta(days=3)
        while day <= series_end:
            value += int(value * rng.uniform(-0.0004, 0.0012))
            if a["_fraud"] and day == spike_day:
                value += int(value * 0.35)  # bought followers: one day's jump far outside the usual changes
            followers_rows.append({"platform": a["platform"], "handle": a["handle"], "date": day.isoformat(), "followers": value})
            day += dt.timedelta(days=1)
        a["followers"] = value  # the account's count is its latest snapshot, as a connector would store it
    _write(folder, "creators.csv", [{k: v for k, v in a.items() if not k.startswith("_")} for a in accounts])
    _write(folder, "followers.csv", followers_rows)
    _write(folder, "audience.csv", _audience(plan, campaign["brand_accounts"], accounts, rng,
                                             (baseline_start, start, start + dt.timedelta(days=plan.days // 2), end),
                                             today))

    # --- posts with metric snapshots (a saturating curve: most of a post's life is in its first days)
    # ~400 posts over the whole demo at scale 1 (about 1.4 accounts per creator)
    posts_rows, post_meta = [], []
    per_account = max(1, round(400 * scale / (1.4 * sum(_n_creators(p, scale) for p in PLANS))))
    for a in accounts:
        for j in range(per_account + rng.choice((0, 0, 1))):
            day = start + dt.timedelta(days=rng.randrange(plan.days))
            if day >= today:
                continue
            posted = local(day, rng.uniform(9, 22))
            ctype = rng.choice(CONTENT[a["platform"]])
            post_id = f"{a['platform'][:2]}{ids.hex(14)}"
            er = _er(a["followers"]) * rng.lognormvariate(0, 0.35) * (0.25 if a["_fraud"] else 1)
            reach_rate = {"instagram": 0.30, "tiktok": 0.9, "youtube": 0.45, "facebook": 0.08, "x": 0.12}[a["platform"]]
            if ctype == "story":
                reach_rate *= 0.35
            final_reach = a["followers"] * reach_rate * rng.lognormvariate(0, 0.4)
            final_eng = a["followers"] * er
            caption_terms = " ".join(rng.sample(plan.terms, k=2))
            caption = f"{rng.choice(('New favourite', '今日分享', 'تجربتي مع', 'Partnered with', '開箱'))} {caption_terms} #ad"
            snaps = [d for d in (1, 3, 7, 14) if posted + dt.timedelta(days=d) <= now_utc]
            if not snaps:
                snaps = [max(0.25, (now_utc - posted).total_seconds() / 86400)]
            for d in snaps:
                frac = 1 - math.exp(-d / 2.2)
                reach = int(final_reach * frac)
                views = int(reach * rng.uniform(1.15, 1.6))
                likes = int(final_eng * frac * 0.86)
                comments = max(0, int(final_eng * frac * 0.05))
                shares = int(final_eng * frac * 0.05)
                saves = int(final_eng * frac * 0.055)
                row = {"post_id": post_id, "creator_id": a["creator_id"], "platform": a["platform"],
                       "content_type": ctype, "url": f"https://{a['platform']}.example/{a['handle']}/{post_id}",
                       "posted_at": _iso(posted), "sponsored": "true", "caption": caption,
                       "as_of": _iso(posted + dt.timedelta(days=d))}
                p = a["platform"]
                if p == "instagram":  # impressions retired in 2025: views and reach only
                    row.update(reach=reach, views=views, likes=likes, comments=comments, shares=shares, saves=saves)
                elif p == "tiktok":
                    row.update(views=views, impressions=views, likes=likes, comments=comments, shares=shares,
                               saves=saves, watch_time_s=int(views * rng.uniform(6, 14)))
                elif p == "youtube":
                    row.update(views=views, impressions=int(views * rng.uniform(3, 6)), likes=likes,
                               comments=comments, watch_time_s=int(views * rng.uniform(40, 160)))
                elif p == "facebook":
                    row.update(impressions=views, reach=reach, reactions=likes, comments=comments, shares=shares)
                else:  # x
                    row.update(impressions=views, likes=likes, comments=comments, shares=shares, saves=saves,
                               link_clicks=int(views * rng.uniform(0.003, 0.012)))
                posts_rows.append(row)
            post_meta.append({"post_id": post_id, "account": a, "posted": posted, "views": views,
                              "comments": comments, "lang": a["_lang"]})
    _write(folder, "posts.csv", posts_rows)

    # --- links, codes, costs
    links, codes, costs = [], [], []
    link_by_post = {}
    for m in post_meta:  # one link per post, so that clicks and sales are credited to the post
        a = m["account"]
        slug = f"{a['handle'].split('.')[0][:6]}-{a['platform'][:2]}-{ids.hex(4)}"
        links.append({"link_id": slug, "creator_id": a["creator_id"], "platform": a["platform"],
                      "destination_url": plan.site + ("?ref=influencer" if rng.random() < 0.3 else ""),
                      "post_id": m["post_id"], "paid": "false"})
        link_by_post[m["post_id"]] = slug
    issued: set[str] = set()
    for cid in creators:
        code = ""
        while not code or code in issued:  # two creators may share a first name
            code = f"{cid.split('-')[0].upper()[:8]}{rng.randint(10, 99)}{index}"
        issued.add(code)
        codes.append({"code": code, "creator_id": cid, "kind": "affiliate"})
    sitewide = {0: "GLOW10", 1: "LEARN10", 2: "SPRING10"}[index]
    codes.append({"code": sitewide, "creator_id": "", "kind": "sitewide"})
    # Fees follow audience size (a minimum for the smallest accounts); together with gifted product,
    # production and the platform fee they come to the plan's share of the budget.
    usd = {"TWD": 32.1, "AED": 3.6725}[plan.currency]
    fee_rate = {"TWD": 0.9, "AED": 0.11}[plan.currency]
    raw_fees = [max(3_000 * fee_rate * 10, a["followers"] * fee_rate * rng.uniform(0.18, 0.35)) for a in accounts]
    products = [(cid, rng.uniform(40, 120)) for cid in creators[: max(1, len(creators) // 2)]]
    other = budget * 0.08 + sum(amount for _, amount in products) * usd
    fee_factor = max(0.0, budget * plan.spend_share - other) / (sum(raw_fees) or 1)
    for a, raw in zip(accounts, raw_fees):
        costs.append({"cost_id": f"fee-{a['creator_id']}-{a['platform']}", "creator_id": a["creator_id"], "kind": "fee",
                      "amount": _money(raw * fee_factor), "currency": plan.currency, "incurred_on": start.isoformat(),
                      "note": ""})
    for cid, amount in products:
        costs.append({"cost_id": f"product-{cid}", "creator_id": cid, "kind": "product",
                      "amount": _money(amount), "currency": "USD", "incurred_on": (start - dt.timedelta(days=5)).isoformat(),
                      "note": "gifted product, invoiced in USD"})
    costs.append({"cost_id": "production", "creator_id": "", "kind": "production",
                  "amount": _money(budget * 0.06), "currency": plan.currency, "incurred_on": start.isoformat(), "note": "shoot"})
    costs.append({"cost_id": "platform-fee", "creator_id": "", "kind": "platform_fee",
                  "amount": _money(budget * 0.02), "currency": plan.currency, "incurred_on": start.isoformat(), "note": ""})
    _write(folder, "links.csv", links)
    _write(folder, "codes.csv", codes)
    _write(folder, "costs.csv", costs)

    # --- FX: the campaign currency per 1 USD, daily around a level
    fx = []
    day = baseline_start - dt.timedelta(days=10)
    while day <= end:
        level = usd if plan.currency == "AED" else usd * (1 + 0.01 * math.sin(day.toordinal() / 9))
        fx.append({"date": day.isoformat(), "currency": "USD", "rate": f"{level:.4f}", "base": plan.currency})
        day += dt.timedelta(days=1)
    _write(folder, "fx_rates.csv", fx)

    # --- clicks: proportional to each post's views, decaying after posting; ~10 % bots / preview fetchers
    total_clicks = int(200_000 * scale * plan.click_share)
    weights = [m["views"] for m in post_meta]
    wsum = sum(weights) or 1
    visitors = [ids.hex(16) for _ in range(max(50, int(total_clicks * 0.7)))]
    clicks, human_clicks = [], []
    bot_uas = (("facebookexternalhit", "list:crawlerdetect"), ("Twitterbot", "list:crawlerdetect"),
               ("WhatsApp", "list:crawlerdetect"), ("Googlebot", "list:crawlerdetect"), ("", "rule:empty"),
               ("Slackbot-LinkExpanding", "list:crawlerdetect"), ("prefetch", "header:prefetch"))
    apps = {"instagram": "Instagram", "tiktok": "TikTok", "facebook": "Facebook", "youtube": "", "x": ""}
    for m in post_meta:
        n = int(total_clicks * m["views"] / wsum)
        a = m["account"]
        slug = link_by_post[m["post_id"]]
        for _ in range(n):
            age_h = rng.expovariate(1 / 30)
            ts = m["posted"] + dt.timedelta(hours=age_h)
            if ts >= now_utc:
                continue
            is_bot = rng.random() < 0.10 or a["_fraud"] and rng.random() < 0.3
            if is_bot:
                ua, reason = rng.choice(bot_uas)
                row = {"click_id": ids.hex(), "link_id": slug, "ts": _iso(ts), "is_bot": "true", "bot_reason": reason,
                       "visitor_hash": ids.hex(16), "country": rng.choice(("US", "IE", "SG")), "device": "bot",
                       "os": "", "browser": ua or "", "app": "", "referrer": ""}
            else:
                mobile = rng.random() < 0.82
                row = {"click_id": ids.hex(), "link_id": slug, "ts": _iso(ts), "is_bot": "false", "bot_reason": "",
                       "visitor_hash": rng.choice(visitors), "country": plan.market if rng.random() < 0.8 else rng.choice(("US", "HK", "SA", "JP", "MY")),
                       "device": "mobile" if mobile else "desktop", "os": ("iOS" if rng.random() < 0.55 else "Android") if mobile else rng.choice(("Windows", "Mac OS X")),
                       "browser": "Mobile Safari" if mobile else "Chrome", "app": apps[a["platform"]] if mobile and rng.random() < 0.7 else "",
                       "referrer": f"https://{a['platform']}.com/" if rng.random() < 0.6 else ""}
                human_clicks.append((row, a, m))
            clicks.append(row)
    clicks.sort(key=lambda r: r["ts"])
    _write(folder, "clicks.csv", clicks)

    # --- orders: from clicks (click id carried), from codes alone, sitewide and organic
    orders = []
    aov = {"TWD": 1650.0, "AED": 240.0}[plan.currency]
    conv = {"tofu": 0.006, "mofu": 0.004, "bofu": 0.045}[plan.goal]
    code_of = {c["creator_id"]: c["code"] for c in codes if c["creator_id"]}
    leaked_creator = creators[2] if plan.goal == "bofu" and len(creators) > 2 else None

    def add_order(ts: dt.datetime, click_id: str = "", code_list: str = "", utm: str = "") -> None:
        order_seq[0] += 1
        subtotal = _money(aov * rng.lognormvariate(-0.1, 0.45))
        discount = _money(float(subtotal) * 0.15) if code_list else Decimal("0")
        subtotal = subtotal - discount
        tax = _money(float(subtotal) * 0.05)
        shipping = Decimal("0") if subtotal > Decimal(aov) else _money(aov * 0.04)
        r = rng.random()
        status, refunded = "paid", Decimal("0")
        if r < 0.02:
            status = "cancelled"
        elif r < 0.05:
            status, refunded = "refunded", subtotal
        elif r < 0.10:
            status, refunded = "partially_refunded", _money(float(subtotal) * rng.uniform(0.2, 0.6))
        landing = plan.site + (f"?utm_source=instagram&utm_medium=influencer&utm_campaign={plan.slug}&utm_content={utm}" if utm else "")
        orders.append({"order_id": str(order_seq[0]), "source": "", "created_at": _iso(ts), "currency": plan.currency,
                       "subtotal": subtotal, "discounts": discount, "tax": tax, "shipping": shipping,
                       "total": subtotal + tax + shipping, "refunded": refunded, "status": status,
                       "discount_codes": code_list, "landing_url": landing, "click_id": click_id,
                       "customer_id": f"cust-{rng.randrange(1, 40_000)}", "new_customer": "true" if rng.random() < 0.62 else "false",
                       "units": rng.choice((1, 1, 1, 2, 2, 3))})

    clicked_buyers: list[str] = []
    for row, a, m in human_clicks:
        if rng.random() < conv:
            ts = dt.datetime.fromisoformat(row["ts"][:-1]) + dt.timedelta(minutes=rng.expovariate(1 / 180))
            if ts < now_utc:
                code = code_of[a["creator_id"]] if rng.random() < 0.5 else ""
                add_order(ts, row["click_id"], code)
                clicked_buyers.append(a["creator_id"])
    # Followers who saw a post and typed its code without clicking: more of them for bigger audiences.
    code_orders = int(len(orders) * 0.25) + (2 if plan.goal != "bofu" else 0)
    for _ in range(code_orders):
        cid = rng.choice(clicked_buyers or creators)
        day = start + dt.timedelta(days=rng.randrange(max(1, (data_end - start).days + 1)))
        add_order(local(day, rng.uniform(8, 23)), "", code_of[cid])
    if leaked_creator:  # a code that spread on coupon sites: a burst of redemptions with no clicks behind them
        burst_day = min(data_end, start + dt.timedelta(days=9))
        for _ in range(max(3, int(60 * scale))):
            add_order(local(burst_day, rng.uniform(0, 23.9)), "", code_of[leaked_creator])
    for _ in range(int(len(orders) * 0.25)):
        day = baseline_start + dt.timedelta(days=rng.randrange((data_end - baseline_start).days + 1))
        if rng.random() < 0.4:
            add_order(local(day, rng.uniform(8, 23)), "", sitewide)
        elif rng.random() < 0.5 and post_meta:
            a = rng.choice(post_meta)["account"]
            add_order(local(max(day, start), rng.uniform(8, 23)), "", "", a["handle"])
        else:
            add_order(local(day, rng.uniform(8, 23)))
    orders.sort(key=lambda r: r["created_at"])
    _write(folder, "orders.csv", orders)

    # --- leads (MOFU first of all; a few sign-ups elsewhere)
    leads = []
    lead_rate = {"tofu": 0.01, "mofu": 0.11, "bofu": 0.01}[plan.goal]
    types = (("signup", 0.35), ("webinar", 0.30), ("download", 0.2), ("newsletter", 0.1), ("demo", 0.03), ("trial", 0.02))
    for row, a, m in human_clicks:
        if rng.random() < lead_rate:
            ts = dt.datetime.fromisoformat(row["ts"][:-1]) + dt.timedelta(minutes=rng.expovariate(1 / 60))
            if ts < now_utc:
                leads.append({"lead_id": f"L-{plan.slug[:4]}-{len(leads) + 1:07d}-{ids.hex(4)}", "type": _pick(rng, types), "ts": _iso(ts),
                              "click_id": row["click_id"], "code": "", "utm_content": a["handle"], "value": "", "currency": ""})
    _write(folder, "leads.csv", leads)

    # --- daily site traffic from influencer links (organic traffic is workspace-wide: see _site_traffic)
    traffic = []
    by_day_handle: dict[tuple[dt.date, str, str], int] = {}
    for row, a, m in human_clicks:
        d = dt.datetime.fromisoformat(row["ts"][:-1]).replace(tzinfo=dt.timezone.utc).astimezone(tz).date()
        key = (d, a["platform"], a["handle"])
        by_day_handle[key] = by_day_handle.get(key, 0) + 1
    for (d, platform, handle), n in sorted(by_day_handle.items()):
        s = max(1, int(n * rng.uniform(0.82, 0.95)))  # some clickers bounce before the analytics tag loads
        traffic.append({"date": d.isoformat(), "source": platform, "medium": "influencer", "campaign": plan.slug,
                        "content": handle, "sessions": s, "new_users": int(s * 0.8), "engaged_sessions": int(s * rng.uniform(0.45, 0.7)),
                        "pageviews": int(s * rng.uniform(1.6, 2.6)), "session_duration_s": int(s * rng.uniform(40, 110))})
    _write_comments(folder, plan, scale, rng, ids, post_meta, now_utc)
    return traffic


AGE_BANDS = ("13-17", "18-24", "25-34", "35-44", "45-54", "55-64", "65+")
# Audience age mix by goal: a beauty launch skews young, a finance webinar older.
_AGE_MIX = {"tofu": (4, 31, 35, 16, 8, 4, 2), "mofu": (1, 17, 36, 26, 12, 6, 2), "bofu": (3, 27, 37, 19, 9, 4, 1)}
_NEIGHBOURS = {"TW": ("HK", "MY", "SG", "US", "JP"), "AE": ("SA", "EG", "IN", "GB", "KW")}


def _shares(weights: dict[str, float]) -> dict[str, float]:
    total = sum(weights.values()) or 1
    return {k: round(v * 100 / total, 2) for k, v in weights.items()}


def _audience(plan: CampaignPlan, brand_accounts: list[dict], accounts: list[dict], rng: random.Random,
              days: tuple[dt.date, ...], today: dt.date) -> list[dict]:
    """Age, gender and country shares of every account on a few days, as Instagram's and TikTok's
    audience insights report them (percent of followers). A campaign draws in younger followers from
    its market: the brand's 18-24 and home-market shares rise while it runs; creators drift a little."""
    rows = []
    targets = [(b["platform"], b["handle"], True, plan.market) for b in brand_accounts]
    targets += [(a["platform"], a["handle"], False, a["country"]) for a in accounts]
    for platform, handle, is_brand, country in targets:
        age = [w * rng.uniform(0.8, 1.2) for w in _AGE_MIX[plan.goal]]
        female = {"tofu": 0.78, "mofu": 0.46, "bofu": 0.64}[plan.goal] + rng.uniform(-0.12, 0.12)
        home = rng.uniform(0.55, 0.8)
        others = {c: rng.uniform(0.2, 1.0) for c in _NEIGHBOURS[plan.market] if c != country}
        for step, day in enumerate(days):
            if day >= today:
                continue
            pull = (0.06 if is_brand else 0.015) * step * rng.uniform(0.7, 1.3)  # the campaign's draw, growing
            ages = dict(zip(AGE_BANDS, age))
            ages["18-24"] *= 1 + 2 * pull
            ages["25-34"] *= 1 + pull
            f = min(0.95, female + (pull / 3 if plan.goal == "tofu" else 0))
            countries = {country: home * (1 + pull)}
            rest = 1 - home
            countries.update({c: rest * w / sum(others.values()) for c, w in others.items()})
            for dimension, weights in (("age", ages), ("gender", {"F": f, "M": 1 - f - 0.02, "U": 0.02}),
                                       ("country", countries)):
                for bucket, share in _shares(weights).items():
                    rows.append({"platform": platform, "handle": handle, "date": day.isoformat(),
                                 "dimension": dimension, "bucket": bucket, "share": share})
    return rows


def _write_comments(folder: Path, plan: CampaignPlan, scale: float, rng: random.Random, ids: _Ids,
                    post_meta: list[dict], now_utc: dt.datetime) -> None:
    # --- comments: ~20k across the demo, in the creator's audience languages; generic ones on the fraud account
    comments = []
    total_comments = int(23_000 * scale / len(PLANS))
    csum = sum(m["comments"] for m in post_meta) or 1
    commenters = [f"user_{ids.hex(6)}" for _ in range(max(30, total_comments // 3))]
    bot_ring = [f"user_{ids.hex(6)}" for _ in range(12)]
    for m in post_meta:
        n = min(m["comments"], max(1, int(total_comments * m["comments"] / csum)))
        for c in range(n):
            ts = m["posted"] + dt.timedelta(hours=rng.expovariate(1 / 20))
            if ts >= now_utc:
                continue
            if m["account"]["_fraud"] and rng.random() < 0.7:
                text, author = rng.choice(_GENERIC), bot_ring[c % len(bot_ring)]
            else:
                lang = m["lang"] if rng.random() < 0.8 else _pick(rng, plan.languages)
                pool = _COMMENTS[lang]
                kind = _pick(rng, (("pos", 0.42), ("neu", 0.25), ("neg", 0.13), ("intent", 0.20)))
                e = rng.choice(pool["neg_e"] if kind == "neg" else pool["pos_e"]) if rng.random() < 0.6 else ""
                text = rng.choice(pool[kind]).format(thing=rng.choice(pool["things"]), e=e).strip()
                if rng.random() < 0.12:
                    text += " " + rng.choice(plan.terms)
                author = rng.choice(commenters)
            cid = hashlib.sha1(f"{m['post_id']}:{c}".encode()).hexdigest()[:16]
            comments.append({"comment_id": cid, "post_id": m["post_id"], "author": author, "text": text,
                             "ts": _iso(ts), "likes": int(rng.expovariate(1 / 3))})
    _write(folder, "comments.csv", comments)


def create_demo(engine, workspace: str = "demo", scale: float = 1.0, seed: int = 7,
                today: dt.date | None = None, planned: bool = True) -> DemoSummary:
    """Generate the demo bundles and import them into WORKSPACE; return what was loaded.

    ``planned``: also create the next campaign, planned, with a candidate list (:func:`plan_next`)."""
    from influscope.ingest.canonical import import_bundle

    summary = DemoSummary(workspace, [p.slug for p in PLANS])
    with tempfile.TemporaryDirectory(prefix="influscope-demo-") as tmp:
        for folder in generate(tmp, scale=scale, seed=seed, today=today):
            report = import_bundle(engine, folder, workspace=workspace)
            summary.changes += report.changes
            for name, r in report.files.items():
                summary.counts[name] = summary.counts.get(name, 0) + r.inserted + r.updated + r.unchanged
        if planned:
            plan_next(engine, workspace, Path(tmp), today or dt.date.today())
    return summary


# The next campaign, planned and not started: a candidate list of the launch's creators and three
# prospects from outside the store, so the planning page has something to value and split.
NEXT = CampaignPlan("holiday-gifts", "Holiday gift guide", "Acme", "bofu", "Asia/Taipei", "TWD", "TW",
                    (("zh-Hant", 1.0),), 21, 28, 600_000, 10, 0.4, "https://shop.acme.example/holiday", "acme_tw",
                    {"roas": 3.0, "cpa": 450, "cpm": 180}, (), (), ("zh-Hant", 0, "eats"), 0.0, 0.0)
_PROSPECTS = (  # platform, handle, name, followers, posts, reach, views, likes, comments, shares, link_clicks, fee
    ("instagram", "hsinyu.cooks", "欣妤", 86_000, 6, 21_000, 30_500, 2_300, 140, 95, 310, 28_000),
    ("tiktok", "taipei.tastes", "Tom", 240_000, 8, None, 96_000, 7_400, 260, 410, 520, 45_000),
    ("youtube", "kai.reviews", "凱", 31_000, 4, None, 12_800, 640, 85, 30, 150, 18_000),
)


def plan_next(engine, workspace: str, folder: Path, today: dt.date) -> None:
    """Create the demo's planned campaign and its candidate list (once: a second run leaves them)."""
    import sqlalchemy as sa

    from influscope.db import tables as t
    from influscope.planning import campaign_state, candidates

    with engine.connect() as conn:
        ws = conn.execute(sa.select(t.workspaces.c.id).where(t.workspaces.c.slug == workspace)).scalar_one()
        if conn.execute(sa.select(t.campaigns.c.id).where(t.campaigns.c.workspace_id == ws,
                                                          t.campaigns.c.slug == NEXT.slug)).scalar():
            return
        launch = PLANS[-1].slug
        booked = conn.execute(
            sa.select(t.creators.c.key).distinct()
            .select_from(t.posts.join(t.campaigns, t.campaigns.c.id == t.posts.c.campaign_id)
                         .join(t.creators, t.creators.c.id == t.posts.c.creator_id))
            .where(t.campaigns.c.workspace_id == ws, t.campaigns.c.slug == launch)
            .order_by(t.creators.c.key)).scalars().all()
    start = today + dt.timedelta(days=NEXT.start_offset)
    campaign_state.create_campaign(engine, workspace, NEXT.slug, name=NEXT.name, goal=NEXT.goal, start=start,
                                   end=start + dt.timedelta(days=NEXT.days - 1), currency=NEXT.currency,
                                   budget=NEXT.budget, timezone=NEXT.timezone, brand=NEXT.brand, targets=NEXT.targets)
    shortlist = "holiday-shortlist"
    candidates.create_list(engine, workspace, shortlist, name="Holiday gift guide shortlist", campaign=NEXT.slug)
    chosen = list(booked[:NEXT.creators])
    if chosen:
        candidates.add_creators(engine, workspace, shortlist, chosen, max_deliverables=3)
    cols = ("platform", "handle", "name", "followers", "posts", "reach", "views", "likes", "comments", "shares",
            "link_clicks", "quoted_fee")
    path = folder / "prospects.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(cols + ("max_deliverables",))
        writer.writerows(row + (2,) for row in _PROSPECTS)
    candidates.import_prospects(engine, workspace, shortlist, path)


def summarise(engine, workspace: str = "demo") -> list[str]:
    """Plain-text lines describing the workspace's campaigns: data volumes and headline KPIs."""
    import sqlalchemy as sa

    from influscope.db import tables as t

    lines: list[str] = []
    with engine.connect() as conn:
        ws = conn.execute(sa.select(t.workspaces.c.id).where(t.workspaces.c.slug == workspace)).scalar_one()
        count = lambda table, *where: conn.execute(  # noqa: E731
            sa.select(sa.func.count()).select_from(table).where(table.c.workspace_id == ws, *where)).scalar_one()
        clicks, bots = count(t.clicks), count(t.clicks, t.clicks.c.is_bot.is_(True))
        lines.append(f"Workspace {workspace!r}: {count(t.creators)} creators, {count(t.posts)} posts, "
                     f"{clicks:,} clicks ({bots / max(clicks, 1):.0%} bots), {count(t.orders):,} orders, "
                     f"{count(t.leads):,} leads, {count(t.comments):,} comments")
        camps = conn.execute(sa.select(t.campaigns).where(t.campaigns.c.workspace_id == ws)
                             .order_by(t.campaigns.c.start_date)).mappings().all()
    for c in camps:
        lines.append(f"\n{c['name']} [{c['slug']}] {c['goal'].upper()}  {c['start_date']} .. {c['end_date']}  "
                     f"budget {c['budget']:,.0f} {c['currency']}")
        if c["status"] == "planned":
            lines.append("  planned: its candidate list is valued and the budget split on the planning page "
                         "(/planning) and by `influscope plan`")
            continue
        lines.extend("  " + line for line in _stage_kpis(engine, workspace, c["slug"], c["goal"]))
    return lines


def _stage_kpis(engine, workspace: str, campaign: str, goal: str) -> list[str]:
    """The campaign's funnel-stage KPIs with their targets, one line each."""
    from influscope.kpi.api import kpis
    from influscope.kpi.catalogue import KPIS, STAGE_DEFAULTS, format_plain

    result = kpis(campaign, workspace=workspace, engine=engine).to_dict()
    out = []
    for kid in STAGE_DEFAULTS[goal]:
        k = result["kpis"].get(kid)
        if not k:
            continue
        value = format_plain(k["value"], k["unit"], result["currency"])
        target = "" if k.get("target") is None else f"  target {format_plain(k['target'], k['unit'], result['currency'])}"
        out.append(f"{KPIS[kid].name['en']:<28} {value:>18}{target}")
    return out


DEMO_EMAIL = "demo@influscope.example"
DEMO_PASSWORD = "demo-password-2026"


def ensure_demo_login(engine, workspace: str = "demo") -> tuple[str, str | None]:
    """The demo's owner account: created with a known password on first run (it is demo data).

    Returns (e-mail, password); the password is None when the account already existed, since it
    may have been changed since.
    """
    from influscope.auth.users import UserError, create_user, set_membership

    try:
        create_user(engine, DEMO_EMAIL, DEMO_PASSWORD, workspace=workspace, role="owner", name="Demo owner",
                    can_see_costs=True)
        return DEMO_EMAIL, DEMO_PASSWORD
    except UserError:
        set_membership(engine, DEMO_EMAIL, workspace, "owner", can_see_costs=True)
        return DEMO_EMAIL, None
