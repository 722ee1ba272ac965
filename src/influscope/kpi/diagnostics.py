"""Diagnostics: rules over KPI values that give plain-language advice, with the figures behind it.

Public API (pure; no database access)::

    diagnose(kpis: Mapping[str, float | Decimal | dict | None], context: Mapping | None = None) -> list[Diagnostic]
    RULES: dict[str, Rule]           # every rule: id, severity, KPI ids, title per language
    DEFAULT_THRESHOLDS: dict[str, float]
    LANGUAGES = ("en", "zh-Hant", "ar")

``kpis`` maps KPI ids to values (percent units for % KPIs, x for roas, money in campaign
currency). A value may also be the KPI engine's object ``{"value": ..., ...}``; None means missing,
and a rule whose inputs are missing does not fire.

``context`` (every key optional):

- ``goal``: "tofu" | "mofu" | "bofu": only the rules that fit the goal run (a rule's ``goals``:
  ROAS, CPA, conversions and code leaks are BOFU questions; click-through is MOFU and BOFU;
  credibility, budget pacing, engagement and bots fit every goal). Without a goal every rule runs.
- ``platform``: the campaign's main platform, for the CTR baseline.
- ``targets``: {kpi_id: target} (cpa_above_target uses ``targets["cpa"]``).
- ``previous``: {kpi_id: value} for the comparison period (baseline or previous period).
- ``benchmarks``: {kpi_id: number | benchmarks.Benchmark}, overriding the shipped ones.
- ``budget``, ``start``, ``end``, ``today`` (dates): for budget pacing; spend is ``kpis["spend"]``.
- ``rows``: per-creator rows ``{"key"|"creator"|"creator_id": id, "label": handle, "platform": p,
  "followers": n, "kpis": {kpi_id: value}}``; the rules marked per-creator run on each row. The
  KPI engine's rows work as they are: a ``key`` that is a dict such as ``{"creator": "mei"}``
  names the subject by its value.
- ``creators``: a shorter form, ``{creator_id: {kpi_id: value}}`` (no platform or followers, so
  er_below_tier cannot run on it); used when ``rows`` is absent.
- ``thresholds``: overrides of :data:`DEFAULT_THRESHOLDS` (unknown names raise ValueError).

Each :class:`Diagnostic` has ``id`` (the rule id), ``severity`` ("critical" | "warning" |
"info"), ``title`` (the finding, per language), ``message`` ({"en", "zh-Hant", "ar"}: advice with
the figures filled in), ``action`` (what to do, in a few words per language), ``figures`` (the
numbers that fired it), ``kpis`` (KPI ids involved) and ``subject`` (the row key for per-creator
diagnostics, None for the campaign). Results are ordered critical, warning, info,
then by rule order, campaign before rows. ``Diagnostic.to_dict()`` gives JSON.

Rules (id: fires when ...):

- traffic_up_conversion_flat: traffic_lift >= traffic_up_pct, or sessions >= previous sessions x
  (1 + traffic_up_pct/100); and conversion_rate <= previous conversion_rate x (1 + conversion_flat_pct/100).
- high_er_low_ctr (also per creator): engagement_rate above the ER benchmark (the band's high end;
  for a creator row the band for its platform and followers; else ``high_er_pct``) and ctr below
  the CTR baseline.
- code_leak (also per creator): code_redemptions >= code_min_redemptions and clicks is known and
  (clicks == 0 or code_redemptions > clicks x code_click_ratio).
- low_credibility (also per creator): credibility_score < credibility_min (75).
- ctr_below_baseline: ctr < the CTR baseline for ``platform`` (1.36 % when none).
- cpa_above_target: cpa > targets["cpa"].
- budget_ahead / budget_behind: during the campaign, spend projected to the end date from the
  elapsed share exceeds budget x (1 + pacing_tolerance_pct/100) / falls below budget x
  (1 - pacing_tolerance_pct/100).
- er_below_tier (per creator): engagement_rate < er_far_below_ratio x the low end of the ER band
  for the creator's platform and follower count.
- bot_share_high (also per creator): bot_clicks / (clicks + bot_clicks) x 100 >= bot_share_pct.
- roas_below_1 (also per creator): roas < roas_min (1).
"""

from __future__ import annotations

import math

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Callable, Mapping

from influscope.kpi import benchmarks as bm
from influscope.kpi.goals import elapsed_share

__all__ = ["DEFAULT_THRESHOLDS", "Diagnostic", "LANGUAGES", "RULES", "Rule", "diagnose"]

LANGUAGES = ("en", "zh-Hant", "ar")
SEVERITIES = ("critical", "warning", "info")

#: Default thresholds. They are influscope defaults (documented in docs/diagnostics.md), except
#: credibility_min (Modash: below 75 % is often a sign of fraud) and roas_min (break-even).
DEFAULT_THRESHOLDS: dict[str, float] = {
    "traffic_up_pct": 10.0,
    "conversion_flat_pct": 5.0,
    "high_er_pct": 3.0,
    "code_min_redemptions": 5,
    "code_click_ratio": 1.0,
    "credibility_min": 75.0,
    "pacing_tolerance_pct": 15.0,
    "er_far_below_ratio": 0.5,
    "bot_share_pct": 20.0,
    "roas_min": 1.0,
}


@dataclass(frozen=True)
class Diagnostic:
    id: str
    severity: str
    message: dict[str, str]
    figures: dict[str, object]
    kpis: tuple[str, ...]
    subject: str | None = None
    title: dict[str, str] = field(default_factory=dict)
    action: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"id": self.id, "severity": self.severity, "message": dict(self.message),
                "figures": dict(self.figures), "kpis": list(self.kpis), "subject": self.subject,
                "title": dict(self.title), "action": dict(self.action)}


@dataclass(frozen=True)
class Rule:
    id: str
    severity: str
    kpis: tuple[str, ...]
    title: dict[str, str]
    messages: dict[str, str]
    per_row: bool = False
    campaign: bool = True
    check: Callable | None = field(default=None, repr=False, compare=False)
    goals: tuple[str, ...] = ("tofu", "mofu", "bofu")  # the campaign goals the rule is about
    action: dict[str, str] = field(default_factory=dict)  # what to do, in a few words


# ---------------------------------------------------------------- helpers

def _v(values: Mapping | None, key: str) -> float | None:
    if not values:
        return None
    x = values.get(key)
    if isinstance(x, Mapping):
        x = x.get("value")
    if x is None or isinstance(x, bool):
        return None
    try:
        return float(x)
    except (TypeError, ValueError):
        return None


def _bench_value(b, which: str = "high") -> float | None:
    """A number from a benchmark override: a number, a Benchmark or a dict with low/high/value."""
    if b is None:
        return None
    if isinstance(b, (int, float, Decimal)):
        return float(b)
    get = b.get if isinstance(b, Mapping) else lambda k: getattr(b, k, None)
    picked = get(which)
    if picked is None:
        picked = get("value")
    return None if picked is None else float(picked)


def _ctr_baseline(ctx: Mapping, platform: str | None) -> tuple[float | None, str]:
    """The CTR baseline and which one it is: the campaign's own benchmark when given, else the
    published figure for the campaign's main platform, else the all-platform social-ad average."""
    override = (ctx.get("benchmarks") or {}).get("ctr")
    if override is not None:
        if isinstance(override, bm.Benchmark):
            return override.value, _basis(override)
        value = _bench_value(override, "value")
        if value is not None:
            return value, "the campaign's own CTR benchmark"
    return bm.ctr_baseline(platform).value, _basis(bm.ctr_baseline(platform))


def _basis(b) -> str:
    """Which baseline, and why it applies: its scope, then its source (name and year)."""
    why = (f"the published figure for {b.platform}" if getattr(b, "platform", None)
           else "the all-platform average: no published figure for this platform")
    year = f", {b.source.year}" if b.source.year else ""
    return f"{b.scope}, {b.source.name}{year}; {why}"


# ---------------------------------------------------------------- the rules

def _traffic_up_conversion_flat(k, ctx, th, row):
    prev = ctx.get("previous") or {}
    cr, prev_cr = _v(k, "conversion_rate"), _v(prev, "conversion_rate")
    if cr is None or prev_cr is None:
        return None
    lift = _v(k, "traffic_lift")
    sessions, prev_sessions = _v(k, "sessions"), _v(prev, "sessions")
    change = None
    if lift is not None:
        change = lift
    elif sessions is not None and prev_sessions:
        change = (sessions - prev_sessions) / prev_sessions * 100
    if change is None or change < th["traffic_up_pct"]:
        return None
    if cr > prev_cr * (1 + th["conversion_flat_pct"] / 100):
        return None
    return {"traffic_change_pct": change, "conversion_rate": cr, "previous_conversion_rate": prev_cr}


def _high_er_low_ctr(k, ctx, th, row):
    er, ctr = _v(k, "engagement_rate"), _v(k, "ctr")
    if er is None or ctr is None:
        return None
    platform = (row or {}).get("platform") or ctx.get("platform")
    high = None
    if row is not None and row.get("followers") is not None and platform:
        band = bm.er_band(platform, row["followers"])
        high = band.high if band else None
    if high is None and row is None:
        high = _bench_value((ctx.get("benchmarks") or {}).get("engagement_rate"), "high")
    if high is None:
        high = th["high_er_pct"]
    baseline, src = _ctr_baseline(ctx, platform)
    if er <= high or ctr >= baseline:
        return None
    return {"engagement_rate": er, "er_high": high, "ctr": ctr, "ctr_baseline": baseline, "ctr_source": src}


def _code_leak(k, ctx, th, row):
    red, clicks = _v(k, "code_redemptions"), _v(k, "clicks")
    if red is None or clicks is None or red < th["code_min_redemptions"]:
        return None
    if clicks != 0 and red <= clicks * th["code_click_ratio"]:
        return None
    return {"code_redemptions": red, "clicks": clicks}


def _low_credibility(k, ctx, th, row):
    score = _v(k, "credibility_score")
    if score is None or score >= th["credibility_min"]:
        return None
    return {"credibility_score": score, "threshold": th["credibility_min"]}


def _ctr_below_baseline(k, ctx, th, row):
    ctr = _v(k, "ctr")
    if ctr is None:
        return None
    baseline, src = _ctr_baseline(ctx, ctx.get("platform"))
    if ctr >= baseline:
        return None
    return {"ctr": ctr, "ctr_baseline": baseline, "ctr_source": src}


def _cpa_above_target(k, ctx, th, row):
    cpa, target = _v(k, "cpa"), _v(ctx.get("targets"), "cpa")
    if cpa is None or target is None or cpa <= target:
        return None
    return {"cpa": cpa, "target": target}


def _pacing_figures(k, ctx):
    budget, spend = _v(ctx, "budget"), _v(k, "spend")
    start, end, today = ctx.get("start"), ctx.get("end"), ctx.get("today")
    if budget is None or budget <= 0 or spend is None or not all(isinstance(d, date) for d in (start, end, today)):
        return None
    if today < start or today > end:
        return None
    share = elapsed_share(start, end, today)
    projected = spend / share
    return {"spend": spend, "budget": budget, "spent_pct": spend / budget * 100,
            "elapsed_pct": share * 100, "projected_spend": projected}


def _budget_ahead(k, ctx, th, row):
    f = _pacing_figures(k, ctx)
    if f is None or f["projected_spend"] <= f["budget"] * (1 + th["pacing_tolerance_pct"] / 100):
        return None
    return f


def _budget_behind(k, ctx, th, row):
    f = _pacing_figures(k, ctx)
    if f is None or f["projected_spend"] >= f["budget"] * (1 - th["pacing_tolerance_pct"] / 100):
        return None
    return f


def _er_below_tier(k, ctx, th, row):
    er = _v(k, "engagement_rate")
    platform, followers = row.get("platform"), row.get("followers")
    if er is None or not platform or followers is None:
        return None
    band = bm.er_band(platform, followers)
    if band is None or band.low is None or er >= band.low * th["er_far_below_ratio"]:
        return None
    return {"engagement_rate": er, "band_low": band.low, "band_high": band.high, "platform": band.platform,
            "followers": int(followers), "tier": bm.tier(followers).id, "band_source": band.source.cite()}


def _bot_share_high(k, ctx, th, row):
    bots, clicks = _v(k, "bot_clicks"), _v(k, "clicks")
    if bots is None or clicks is None or bots + clicks == 0:
        return None
    share = bots / (bots + clicks) * 100
    if share < th["bot_share_pct"]:
        return None
    return {"bot_share_pct": share, "bot_clicks": bots, "clicks": clicks}


def _roas_below_1(k, ctx, th, row):
    roas = _v(k, "roas")
    if roas is None or roas >= th["roas_min"]:
        return None
    return {"roas": roas, "roas_min": th["roas_min"]}


def _t(en, zh, ar):
    return {"en": en, "zh-Hant": zh, "ar": ar}


_RULE_LIST = [
    Rule(
        "roas_below_1", "critical", ("roas",),
        _t("ROAS below 1", "廣告投資報酬率低於 1", "عائد الإنفاق الإعلاني أقل من 1"),
        _t("ROAS is {roas}x: the sales credited to the campaign are worth less than it cost. Keep the creators whose ROAS is above 1 and stop or renegotiate the rest.",
           "廣告投資報酬率（ROAS）為 {roas} 倍：歸因於活動的銷售額低於活動成本。保留 ROAS 高於 1 的創作者，其餘應暫停或重新議價。",
           "عائد الإنفاق الإعلاني {roas} مرة: المبيعات المنسوبة إلى الحملة أقل من تكلفتها. أبقِ على صناع المحتوى الذين يتجاوز عائدهم 1، وأوقف الباقين أو أعد التفاوض معهم."),
        per_row=True, check=_roas_below_1, goals=("bofu",),
        action=_t("Keep creators above ROAS 1; stop or renegotiate the rest", "保留 ROAS 高於 1 的創作者，其餘暫停或重新議價",
                  "أبقِ من يتجاوز عائده 1، وأوقف الباقين أو أعد التفاوض")),
    Rule(
        "low_credibility", "critical", ("credibility_score",),
        _t("Audience credibility below 75", "受眾可信度低於 75", "مصداقية الجمهور أقل من 75"),
        _t("Audience credibility is {credibility_score}/100, below {threshold}: this is often a sign of bought followers or engagement. Audit the creator (sudden follower jumps, repeated or generic comments, audience countries) before paying or renewing.",
           "受眾可信度為 {credibility_score}/100，低於 {threshold}，這通常代表有購買粉絲或互動的跡象。付款或續約前請先審核這位創作者（粉絲數突增、重複或空泛的留言、受眾所在國家）。",
           "مصداقية الجمهور {credibility_score}/100، أي أقل من {threshold}، وهذا كثيرًا ما يدل على متابعين أو تفاعلات مشتراة. دقّق في حساب صانع المحتوى (قفزات مفاجئة في المتابعين، تعليقات مكررة أو عامة، بلدان الجمهور) قبل الدفع أو التجديد."),
        per_row=True, check=_low_credibility,
        action=_t("Audit the account before paying or renewing", "付款或續約前先審核帳號", "دقّق في الحساب قبل الدفع أو التجديد")),
    Rule(
        "traffic_up_conversion_flat", "warning", ("traffic_lift", "sessions", "conversion_rate"),
        _t("Traffic up, conversion rate flat or down", "流量上升但轉換率持平或下降", "ارتفاع الزيارات مع ثبات معدل التحويل أو تراجعه"),
        _t("Traffic rose {traffic_change_pct} % but the conversion rate is {conversion_rate} % (before: {previous_conversion_rate} %). Visitors arrive but do not buy: improve the landing page (speed, same product and message as the post, clear offer) and strengthen the incentive (discount, free shipping, a deadline).",
           "流量增加了 {traffic_change_pct}%，但轉換率為 {conversion_rate}%（先前為 {previous_conversion_rate}%）。訪客有來卻沒有購買：請改善到達頁面（載入速度、與貼文一致的商品與訊息、清楚的優惠），並加強誘因（折扣、免運、限時）。",
           "ارتفعت الزيارات بنسبة {traffic_change_pct}% لكن معدل التحويل {conversion_rate}% (كان {previous_conversion_rate}%). الزوار يصلون ولا يشترون: حسّن صفحة الهبوط (السرعة، نفس المنتج والرسالة كما في المنشور، عرض واضح) وقوِّ الحافز (خصم، شحن مجاني، موعد نهائي)."),
        check=_traffic_up_conversion_flat, goals=("bofu",),
        action=_t("Fix the landing page and sharpen the offer", "改善到達頁面並加強優惠", "حسّن صفحة الهبوط وقوِّ العرض")),
    Rule(
        "high_er_low_ctr", "warning", ("engagement_rate", "ctr"),
        _t("High engagement, low click-through", "互動率高但點擊率低", "تفاعل مرتفع ونسبة نقر منخفضة"),
        _t("The audience engages (engagement rate {engagement_rate} %, above {er_high} %) but few click (CTR {ctr} %, baseline {ctr_baseline} %: {ctr_source}). The call to action is weak: ask clearly for the click, put the link where it is easy to tap (link sticker, pinned comment, bio) and say what the viewer gets.",
           "受眾互動踴躍（互動率 {engagement_rate}%，高於 {er_high}%），但點擊的人少（點擊率 {ctr}%，基準 {ctr_baseline}%）。行動呼籲太弱：請明確請觀眾點擊，把連結放在容易點的位置（連結貼紙、置頂留言、個人簡介），並說明點擊後能得到什麼。",
           "الجمهور يتفاعل (معدل التفاعل {engagement_rate}%، أعلى من {er_high}%) لكن قلة ينقرون (نسبة النقر {ctr}%، والمرجع {ctr_baseline}%). الدعوة إلى الإجراء ضعيفة: اطلب النقر بوضوح، وضع الرابط حيث يسهل الضغط عليه (ملصق الرابط، تعليق مثبت، النبذة التعريفية)، وقل ما سيحصل عليه المشاهد."),
        per_row=True, check=_high_er_low_ctr, goals=("mofu", "bofu"),
        action=_t("Ask clearly for the click; put the link where it is easy to tap", "明確請觀眾點擊，把連結放在好點的位置",
                  "اطلب النقر بوضوح وضع الرابط حيث يسهل الضغط")),
    Rule(
        "code_leak", "warning", ("code_redemptions", "clicks"),
        _t("Code redemptions without clicks", "優惠碼使用多但點擊少", "استخدام رمز الخصم دون نقرات"),
        _t("{code_redemptions} orders used the promo code but the tracked links got {clicks} clicks. The code has probably leaked to coupon sites: search coupon sites for it, switch to single-use codes or cap its uses, and give the creator a fresh code.",
           "有 {code_redemptions} 筆訂單使用了優惠碼，但追蹤連結只有 {clicks} 次點擊。優惠碼很可能已外流到優惠券網站：請在優惠券網站搜尋這組碼，改用一次性優惠碼或限制使用次數，並給創作者一組新碼。",
           "استخدم {code_redemptions} طلبًا رمز الخصم لكن الروابط المتتبَّعة لم تحصل إلا على {clicks} نقرة. الأرجح أن الرمز تسرّب إلى مواقع القسائم: ابحث عنه في تلك المواقع، واستخدم رموزًا لمرة واحدة أو حدّد عدد مرات الاستخدام، وامنح صانع المحتوى رمزًا جديدًا."),
        per_row=True, check=_code_leak, goals=("bofu",),
        action=_t("Replace the code; cap or make codes single-use", "換新優惠碼，限制次數或改用一次性碼",
                  "استبدل الرمز، وحدّد الاستخدام أو اجعله لمرة واحدة")),
    Rule(
        "cpa_above_target", "warning", ("cpa",),
        _t("Cost per acquisition above target", "每次轉換成本高於目標", "تكلفة الاكتساب أعلى من المستهدف"),
        _t("Cost per acquisition is {cpa}, above the target of {target}. Move budget to the creators with the lowest CPA, and negotiate performance-based fees (commission per sale) with the others.",
           "每次轉換成本（CPA）為 {cpa}，高於目標 {target}。請把預算移到 CPA 最低的創作者，並與其他創作者改談以成效計酬（按銷售抽成）。",
           "تكلفة الاكتساب {cpa}، أعلى من المستهدف {target}. انقل الميزانية إلى صناع المحتوى ذوي أقل تكلفة اكتساب، وتفاوض مع الآخرين على أجور مرتبطة بالأداء (عمولة على كل عملية بيع)."),
        check=_cpa_above_target, goals=("bofu",),
        action=_t("Move budget to the lowest-CPA creators", "把預算移到 CPA 最低的創作者", "انقل الميزانية إلى الأقل تكلفة اكتساب")),
    Rule(
        "budget_ahead", "warning", ("spend", "budget_used"),
        _t("Budget spending ahead of schedule", "預算花費超前進度", "إنفاق الميزانية أسرع من الجدول"),
        _t("{spent_pct} % of the budget is spent after {elapsed_pct} % of the campaign days; at this pace spend reaches {projected_spend} against a budget of {budget}. Hold new bookings and paid boosts, or raise the budget on purpose.",
           "活動天數過了 {elapsed_pct}%，預算已花費 {spent_pct}%；照此速度，花費將達 {projected_spend}，超過預算 {budget}。請暫緩新的合作與付費加強推廣，或有意識地提高預算。",
           "أُنفق {spent_pct}% من الميزانية بعد مرور {elapsed_pct}% من أيام الحملة؛ وبهذه الوتيرة سيبلغ الإنفاق {projected_spend} مقابل ميزانية قدرها {budget}. أوقف الحجوزات الجديدة والترويج المدفوع مؤقتًا، أو ارفع الميزانية عن قصد."),
        check=_budget_ahead,
        action=_t("Hold new bookings and boosts", "暫緩新合作與付費推廣", "أوقف الحجوزات والترويج الجديد مؤقتًا")),
    Rule(
        "budget_behind", "info", ("spend", "budget_used"),
        _t("Budget spending behind schedule", "預算花費落後進度", "إنفاق الميزانية أبطأ من الجدول"),
        _t("Only {spent_pct} % of the budget is spent after {elapsed_pct} % of the campaign days; at this pace spend reaches {projected_spend} of {budget}. Book more posts with the best performers or move the unused budget elsewhere before the end date.",
           "活動天數過了 {elapsed_pct}%，預算只花費 {spent_pct}%；照此速度，花費只會達到 {projected_spend}（預算 {budget}）。請在結束前向表現最好的創作者追加貼文，或把未用的預算移作他用。",
           "لم يُنفق سوى {spent_pct}% من الميزانية بعد مرور {elapsed_pct}% من أيام الحملة؛ وبهذه الوتيرة سيبلغ الإنفاق {projected_spend} من أصل {budget}. احجز منشورات إضافية مع أفضل صناع المحتوى أداءً أو انقل الميزانية غير المستخدمة قبل تاريخ الانتهاء."),
        check=_budget_behind,
        action=_t("Book more posts with the best performers", "向表現最好的創作者追加貼文", "احجز منشورات إضافية مع الأفضل أداءً")),
    Rule(
        "er_below_tier", "warning", ("engagement_rate",),
        _t("Engagement far below the creator's tier", "互動率遠低於同級創作者", "تفاعل أقل بكثير من فئة صانع المحتوى"),
        _t("Engagement rate is {engagement_rate} %, far below the {band_low}-{band_high} % band for {platform} accounts of this size ({followers} followers, {tier}). Check the audience quality and whether the content fits this audience before booking again.",
           "互動率為 {engagement_rate}%，遠低於同規模 {platform} 帳號（{followers} 位粉絲，{tier}）的 {band_low}–{band_high}% 區間。再次合作前，請檢查受眾品質以及內容是否適合這群受眾。",
           "معدل التفاعل {engagement_rate}%، وهو أقل بكثير من النطاق {band_low}–{band_high}% لحسابات {platform} بهذا الحجم ({followers} متابع، فئة {tier}). تحقّق من جودة الجمهور ومن ملاءمة المحتوى له قبل التعاقد مجددًا."),
        per_row=True, campaign=False, check=_er_below_tier,
        action=_t("Check audience quality and content fit before rebooking", "再次合作前檢查受眾品質與內容契合度",
                  "تحقّق من جودة الجمهور وملاءمة المحتوى قبل التعاقد مجددًا")),
    Rule(
        "bot_share_high", "warning", ("bot_clicks", "clicks"),
        _t("High share of bot clicks", "機器人點擊比例偏高", "نسبة مرتفعة من نقرات الروبوتات"),
        _t("{bot_share_pct} % of link hits ({bot_clicks} of {total_clicks}) came from bots or link-preview fetchers. They are excluded from the KPIs; if the share keeps rising, check where the link is posted and whether traffic was bought.",
           "連結點擊中有 {bot_share_pct}%（{total_clicks} 次中的 {bot_clicks} 次）來自機器人或連結預覽程式。這些點擊不計入 KPI；若比例持續上升，請檢查連結被張貼在哪裡，以及是否有購買流量。",
           "جاءت {bot_share_pct}% من زيارات الرابط ({bot_clicks} من {total_clicks}) من روبوتات أو أدوات معاينة الروابط. هي مستبعدة من المؤشرات؛ وإن استمرت النسبة في الارتفاع فتحقّق من أماكن نشر الرابط ومن احتمال شراء الزيارات."),
        per_row=True, check=_bot_share_high,
        action=_t("Check where the link is posted", "檢查連結被張貼的位置", "تحقّق من أماكن نشر الرابط")),
    Rule(
        "ctr_below_baseline", "info", ("ctr",),
        _t("CTR below the baseline", "點擊率低於基準", "نسبة النقر أقل من المرجع"),
        _t("CTR is {ctr} %, below the {ctr_baseline} % baseline ({ctr_source}). Make the link easier to reach and give a concrete reason to click (offer, limited time, what the page shows).",
           "點擊率為 {ctr}%，低於 {ctr_baseline}% 的基準（{ctr_source}）。讓連結更容易點到，並給出具體的點擊理由（優惠、限時、頁面上有什麼）。",
           "نسبة النقر {ctr}%، أقل من المرجع {ctr_baseline}% ({ctr_source}). اجعل الوصول إلى الرابط أسهل وقدّم سببًا ملموسًا للنقر (عرض، مدة محدودة، ما تعرضه الصفحة)."),
        check=_ctr_below_baseline, goals=("mofu", "bofu"),
        action=_t("Give a concrete reason to click; make the link easy to reach", "給出具體的點擊理由，讓連結容易點到",
                  "قدّم سببًا ملموسًا للنقر واجعل الرابط سهل الوصول")),
]

RULES: dict[str, Rule] = {r.id: r for r in _RULE_LIST}

_INT_FIGURES = {"code_redemptions", "clicks", "bot_clicks", "total_clicks", "followers"}
_MONEY_FIGURES = {"cpa", "target", "spend", "budget", "projected_spend"}
_WHOLE_FIGURES = {"credibility_score", "threshold"}
_PCT1_FIGURES = {"spent_pct", "elapsed_pct", "bot_share_pct", "traffic_change_pct"}


# A figure found below a bound must not read as the bound: ROAS 0.996 is "0.996x", not "1.00x".
_BELOW_BOUND = {"roas": "roas_min", "credibility_score": "threshold", "ctr": "ctr_baseline"}


def _places(key: str) -> int:
    if key in _INT_FIGURES or key in _WHOLE_FIGURES:
        return 0
    return 1 if key in _PCT1_FIGURES else 2


def _shown(key: str, val) -> str:
    if isinstance(val, str):
        return val
    if key in _INT_FIGURES:
        return f"{int(round(val)):,}"
    return f"{val:,.{_places(key)}f}"


def below_bound(figures: Mapping) -> dict[str, tuple[float, int]]:
    """Each figure found below its bound as (value, decimal places) that do not read as the bound:
    the fewest places, from the figure's own, that keep it below (ROAS 0.996 with 3 places, not
    "1.00"); past two more places the value is cut rather than rounded."""
    out: dict[str, tuple[float, int]] = {}
    for key, bound_key in _BELOW_BOUND.items():
        val, bound = figures.get(key), figures.get(bound_key)
        if val is None or bound is None or isinstance(val, str) or not val < bound:
            continue
        base = _places(key)
        if float(f"{val:.{base}f}") < float(bound):
            continue
        places = next((p for p in range(base + 1, base + 3) if float(f"{val:.{p}f}") < float(bound)), None)
        if places is None:
            places = base + 2
            val = math.floor(float(val) * 10 ** places) / 10 ** places
        out[key] = (float(val), places)
    return out


def _render(rule: Rule, figures: dict) -> dict[str, str]:
    shown = {key: _shown(key, val) for key, val in figures.items()}
    for key, (val, places) in below_bound(figures).items():
        shown[key] = f"{val:,.{places}f}"
    return {lang: rule.messages[lang].format(**shown) for lang in LANGUAGES}


def _severity(rule: Rule, ctx: Mapping) -> str:
    if rule.id == "roas_below_1":
        goal = ctx.get("goal")
        if goal is None:
            return rule.severity
        return {"tofu": "info", "mofu": "warning"}.get(goal, rule.severity)
    return rule.severity


def _row_key(row: Mapping) -> str:
    for k in ("key", "creator", "creator_id", "label"):
        v = row.get(k)
        if isinstance(v, Mapping):
            v = "/".join(str(x) for x in v.values()) if v else None
        if v is not None:
            return str(v)
    return "?"


def _rows(ctx: Mapping) -> list[Mapping]:
    if ctx.get("rows"):
        return list(ctx["rows"])
    creators = ctx.get("creators") or {}
    return [{"key": key, "kpis": values or {}} for key, values in creators.items() if key is not None]


def diagnose(kpis: Mapping, context: Mapping | None = None) -> list[Diagnostic]:
    """Run every rule over the campaign's KPIs and each row in ``context["rows"]``."""
    ctx = dict(context or {})
    th = dict(DEFAULT_THRESHOLDS)
    for name, val in (ctx.get("thresholds") or {}).items():
        if name not in th:
            raise ValueError(f"unknown diagnostics threshold {name!r}; known: {', '.join(th)}")
        if isinstance(val, bool) or not isinstance(val, (int, float, Decimal)):
            raise ValueError(f"threshold {name!r} must be a number, got {val!r}")
        th[name] = float(val)
    goal = ctx.get("goal")
    if goal is not None and goal not in ("tofu", "mofu", "bofu"):
        raise ValueError(f"goal must be tofu, mofu or bofu, got {goal!r}")

    found: list[tuple[int, int, int, Diagnostic]] = []

    def run(rule: Rule, values: Mapping, row: Mapping | None, row_index: int):
        assert rule.check is not None  # every rule of _RULE_LIST has its check
        figures = rule.check(values, ctx, th, row)
        if figures is None:
            return
        if rule.id == "bot_share_high":
            figures = {**figures, "total_clicks": figures["clicks"] + figures["bot_clicks"]}
        sev = _severity(rule, ctx)
        d = Diagnostic(id=rule.id, severity=sev, message=_render(rule, figures), figures=figures,
                       kpis=rule.kpis, subject=None if row is None else _row_key(row), title=dict(rule.title),
                       action=dict(rule.action))
        found.append((SEVERITIES.index(sev), _RULE_LIST.index(rule), row_index, d))

    rows = _rows(ctx)
    for rule in _RULE_LIST:
        if goal is not None and goal not in rule.goals:
            continue
        if rule.campaign:
            run(rule, kpis or {}, None, -1)
        if rule.per_row:
            for i, row in enumerate(rows):
                run(rule, row.get("kpis") or {}, row, i)
    found.sort(key=lambda t: t[:3])
    return [t[3] for t in found]
