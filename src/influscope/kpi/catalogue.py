"""The KPI catalogue: every KPI declared once, with its stable id (ids are API).

Each :class:`KpiDef` carries its translated name, its formula text (rendered in each language from a
template over other KPI names and a few shared terms), unit, direction (is higher better), funnel
stages and a description. The engine (:mod:`influscope.kpi.engine`) computes every id declared
here; the docs glossary, the CLI's ``--list``, the API and the dashboard are generated from it.
"""

from __future__ import annotations

import functools

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from influscope.metrics.expr import Choice, Div, Formula, Measure, Ref, Sub, Term, resolve

LANGS = ("en", "zh-Hant", "ar")
UNITS = ("%", "x", "count", "money", "s", "score", "ratio")

# Words used inside formulas that are not KPI names.
TERMS: dict[str, dict[str, str]] = {
    "followers_at_post": {"en": "followers at post time", "zh-Hant": "發文時粉絲數", "ar": "المتابعون وقت النشر"},
    "denominator": {"en": "denominator (er_denominator)", "zh-Hant": "分母 (er_denominator)", "ar": "المقام (er_denominator)"},
    "budget": {"en": "budget", "zh-Hant": "預算", "ar": "الميزانية"},
    "target": {"en": "target", "zh-Hant": "目標", "ar": "الهدف"},
    "subtotal": {"en": "subtotal", "zh-Hant": "小計", "ar": "المجموع الفرعي"},
    "refunded": {"en": "refunded", "zh-Hant": "退款", "ar": "المبلغ المسترد"},
    "engaged_sessions": {"en": "engaged sessions", "zh-Hant": "互動工作階段", "ar": "الجلسات المتفاعلة"},
    "session_duration": {"en": "total session duration", "zh-Hant": "工作階段總時長", "ar": "إجمالي مدة الجلسات"},
    "campaign_mean": {"en": "campaign daily mean", "zh-Hant": "活動期間日平均", "ar": "المتوسط اليومي للحملة"},
    "baseline_mean": {"en": "baseline daily mean", "zh-Hant": "基準期日平均", "ar": "المتوسط اليومي لفترة الأساس"},
    "followers_end": {"en": "brand followers at end", "zh-Hant": "結束時品牌粉絲數", "ar": "متابعو العلامة في النهاية"},
    "followers_start": {"en": "brand followers at start", "zh-Hant": "開始時品牌粉絲數", "ar": "متابعو العلامة في البداية"},
    "growth_campaign": {"en": "campaign daily growth", "zh-Hant": "活動期間每日成長", "ar": "النمو اليومي للحملة"},
    "growth_baseline": {"en": "baseline daily growth", "zh-Hant": "基準期每日成長", "ar": "النمو اليومي لفترة الأساس"},
    "positive": {"en": "positive comments", "zh-Hant": "正面留言", "ar": "التعليقات الإيجابية"},
    "negative": {"en": "negative comments", "zh-Hant": "負面留言", "ar": "التعليقات السلبية"},
    "classified": {"en": "classified comments", "zh-Hant": "已分類留言", "ar": "التعليقات المصنفة"},
    "intent": {"en": "comments with purchase intent or advocacy", "zh-Hant": "具購買意圖或推薦的留言", "ar": "تعليقات بنية الشراء أو التوصية"},
    "competitor_mentions": {"en": "competitor mentions", "zh-Hant": "競品提及", "ar": "إشارات المنافسين"},
    "rate_table": {"en": "counts x per-action rate table", "zh-Hant": "次數 x 每次行動費率表", "ar": "الأعداد x جدول الأسعار لكل إجراء"},
    "new_customers": {"en": "orders of new customers", "zh-Hant": "新客訂單", "ar": "طلبات العملاء الجدد"},
    "audience_rows": {"en": "audience shares of activated accounts, weighted by followers", "zh-Hant": "已啟用帳號的受眾占比（依粉絲加權）", "ar": "حصص جمهور الحسابات المفعلة مرجحة بالمتابعين"},
    "credibility_rows": {"en": "mean audience-quality score of activated accounts", "zh-Hant": "已啟用帳號受眾品質分數平均", "ar": "متوسط درجة جودة جمهور الحسابات المفعلة"},
    "forecast_rows": {"en": "trend of daily code and link sales projected to the end date and 30 days on", "zh-Hant": "以每日折扣碼與連結銷售趨勢推估至結束日及其後30天", "ar": "اتجاه المبيعات اليومية بالرموز والروابط حتى تاريخ الانتهاء و30 يومًا بعده"},
    "attainment_rows": {"en": "mean of value / target x 100 over targeted KPIs (target / value for lower-is-better)", "zh-Hant": "各目標KPI的 實際值 / 目標 x 100 平均（越低越好者為 目標 / 實際值）", "ar": "متوسط القيمة / الهدف x 100 للمؤشرات المستهدفة (الهدف / القيمة لما الأقل فيه أفضل)"},
    "unique_rule": {"en": "visitors per link per dedup window", "zh-Hant": "每連結每去重時窗的訪客", "ar": "الزوار لكل رابط لكل نافذة إزالة تكرار"},
    "bots": {"en": "flagged bot hits", "zh-Hant": "被標記的機器人點擊", "ar": "النقرات المعلمة كروبوتات"},
    "mention_rows": {"en": "posts and comments matching brand terms", "zh-Hant": "符合品牌關鍵字的貼文與留言", "ar": "المنشورات والتعليقات المطابقة لمصطلحات العلامة"},
    "hashtag_rows": {"en": "posts using a brand hashtag", "zh-Hant": "使用品牌主題標籤的貼文", "ar": "المنشورات التي تستخدم وسم العلامة"},
    "referral_rows": {"en": "sessions whose utm_content is a creator handle", "zh-Hant": "utm_content 為創作者帳號的工作階段", "ar": "الجلسات التي يكون utm_content فيها اسم صانع المحتوى"},
    "code_rows": {"en": "counted orders credited by an affiliate code", "zh-Hant": "以聯盟折扣碼歸因的有效訂單", "ar": "الطلبات المحتسبة المنسوبة برمز تابع"},
    "lead_rows": {"en": "attributed signups, downloads, webinars, demos, trials", "zh-Hant": "歸因的註冊、下載、網路研討會、展示、試用", "ar": "التسجيلات والتنزيلات والندوات والعروض والتجارب المنسوبة"},
    "order_rows": {"en": "credited orders, not cancelled or refunded", "zh-Hant": "已歸因且未取消或退款的訂單", "ar": "الطلبات المنسوبة غير الملغاة أو المستردة"},
    "post_rows": {"en": "posts of the campaign", "zh-Hant": "活動貼文", "ar": "منشورات الحملة"},
    "creator_rows": {"en": "creators with at least one post", "zh-Hant": "至少發布一則貼文的創作者", "ar": "صناع المحتوى الذين نشروا منشورًا واحدًا على الأقل"},
    "reach_rows": {"en": "sum over posts (latest snapshot)", "zh-Hant": "貼文加總（最新快照）", "ar": "المجموع على المنشورات (آخر لقطة)"},
    "traffic_rows": {"en": "sum over the campaign days (all sources)", "zh-Hant": "活動期間加總（所有來源）", "ar": "المجموع خلال أيام الحملة (كل المصادر)"},
    "clicks_rows": {"en": "human hits on the campaign's links", "zh-Hant": "活動連結的真人點擊", "ar": "نقرات البشر على روابط الحملة"},
    "cost_rows": {"en": "sum of costs in campaign currency (FX at the cost's date)", "zh-Hant": "成本加總（依成本日期匯率換算為活動幣別）", "ar": "مجموع التكاليف بعملة الحملة (سعر الصرف بتاريخ التكلفة)"},
    "returning_rows": {"en": "returning users reported by the source (else sessions - new users, an estimate)", "zh-Hant": "來源回報的回訪使用者（否則為 工作階段 - 新使用者，估計值）", "ar": "المستخدمون العائدون كما يبلغ المصدر (وإلا الجلسات - المستخدمون الجدد، تقديريًا)"},
    "clicks_rows_with_bots": {"en": "hits on the campaign's links, bots included", "zh-Hant": "活動連結的點擊（含機器人）", "ar": "نقرات روابط الحملة بما فيها الروبوتات"},
    "unique_rule_30m": {"en": "visitors per link per 30-minute window", "zh-Hant": "每連結每30分鐘時窗的訪客", "ar": "الزوار لكل رابط لكل نافذة 30 دقيقة"},
    "unique_rule_1h": {"en": "visitors per link per 1-hour window", "zh-Hant": "每連結每1小時時窗的訪客", "ar": "الزوار لكل رابط لكل نافذة ساعة"},
    "unique_rule_1d": {"en": "visitors per link per 1-day window", "zh-Hant": "每連結每1天時窗的訪客", "ar": "الزوار لكل رابط لكل نافذة يوم"},
    "discounts": {"en": "discounts", "zh-Hant": "折扣", "ar": "الخصومات"},
    "emv_cpm": {"en": "CPM (emv_cpm)", "zh-Hant": "CPM (emv_cpm)", "ar": "CPM (emv_cpm)"},
    "link_clicks": {"en": "link clicks", "zh-Hant": "連結點擊", "ar": "نقرات الروابط"},
    "mean_of_posts": {"en": "mean over posts of", "zh-Hant": "各貼文平均：", "ar": "متوسط المنشورات لـ"},
    "median_of_posts": {"en": "median over posts of", "zh-Hant": "各貼文中位數：", "ar": "وسيط المنشورات لـ"},
}

# the settings that decide which orders and leads a campaign's creators are credited with
_CREDIT = ("attribution", "attribution_window_days", "code_beats_link")
_SALES = _CREDIT + ("revenue_basis",)  # gross revenue also counts refunded orders

# engagement components as formula names: a post's "clicks" component is its link clicks
_COMPONENT = {"clicks": "link_clicks"}
_DENOMINATOR = {"followers": "{followers_at_post}", "reach": "{reach}", "impressions": "{impressions}",
                "views": "{video_views}"}


def _engagement_rate(settings) -> Measure:
    """The engagement-rate formula for the er_denominator and er_aggregation settings."""
    den = settings["er_denominator"]
    den_text = _DENOMINATOR[den] if isinstance(den, str) else "{denominator}"
    ratio = "{engagements} / " + den_text + " x 100"
    agg = settings["er_aggregation"]
    return Measure(ratio if agg == "ratio_of_sums" else "{%s} (%s)" % (agg, ratio), settings=("er_denominator",))


class _Settings(Choice):
    """A formula that several settings choose together (engagement rate: denominator and aggregation)."""

    def pick(self, settings):
        return self.options(settings)


_ENGAGEMENT_RATE = _Settings("er_aggregation", _engagement_rate, ("ratio_of_sums", "mean_of_posts", "median_of_posts"))


@dataclass(frozen=True)
class KpiDef:
    """One KPI: its id, names, unit, direction, stages and description, and its formula, from
    which its text (as the settings make it), inputs, cost visibility, estimate flag and pacing
    kind are derived."""

    id: str
    name: dict[str, str]
    formula: dict[str, str]  # the text under the default settings
    unit: str
    direction: str  # up | down | none
    stages: tuple[str, ...]
    description: dict[str, str]
    money: bool = False
    expr: Formula = field(default=Measure(""), compare=False)

    def formula_for(self, settings: Mapping[str, Any] | None = None, lang: str = "en") -> str:
        """The formula text as SETTINGS (default: the defaults) make it."""
        return resolve(self.expr, settings or _defaults()).render(_NAMES, lang)

    def computed(self, settings: Mapping[str, Any] | None = None):
        """The metric expression evaluated from other KPIs, or None for a measure the engine aggregates."""
        node = resolve(self.expr, settings or _defaults())
        return None if isinstance(node, Measure) else node

    def inputs(self, settings: Mapping[str, Any] | None = None) -> frozenset[str]:
        """The KPIs and terms its formula reads, under SETTINGS (every variant when None)."""
        if settings is not None:
            node = resolve(self.expr, settings)
            return frozenset(node.refs() | node.terms())
        out: set[str] = set()
        for node in _variants(self.expr):
            out |= node.refs() | node.terms()
        return frozenset(out)

    @functools.cached_property
    def estimated(self) -> bool:
        """An estimate (a rate table, a model or a forecast), or computed from one (worked out once:
        the engine asks for every value it makes)."""
        return any(isinstance(n, Measure) and n.estimated for n in _variants(self.expr)) or any(
            KPIS[r].estimated for r in self.inputs() if r in KPIS and r != self.id)

    def settings(self) -> list[str]:
        """The methodology settings its value depends on: those that choose its formula, those its
        measure's aggregation reads, and those of every KPI it reads."""
        out: list[str] = []
        seen: set[str] = set()

        def visit(kpi: "KpiDef") -> None:
            if kpi.id in seen:
                return
            seen.add(kpi.id)
            expr = kpi.expr
            while isinstance(expr, Choice):
                out.append(expr.setting)
                expr = expr.pick(_defaults())
            for node in _variants(kpi.expr):
                if isinstance(node, Measure):
                    out.extend(node.settings)
            for r in sorted(kpi.inputs()):
                if r in KPIS and not (isinstance(kpi.expr, Measure) and kpi.expr.depends_on_all):
                    visit(KPIS[r])

        visit(self)
        return list(dict.fromkeys(out))

    @property
    def pacing(self) -> Literal["cumulative", "rate"]:
        """``cumulative`` when the value adds up over the days (counts, money sums), else ``rate``."""
        node = resolve(self.expr, _defaults())
        if isinstance(node, Measure):
            additive = node.additive if node.additive is not None else self.unit in ("count", "money")
            return "cumulative" if additive else "rate"
        return "rate"


def _variants(formula: Formula) -> list:
    """Every formula a setting can choose (the default's, when the setting lists no values)."""
    if not isinstance(formula, Choice):
        return [formula]
    values = formula.choices() or [_defaults()[formula.setting]]
    return [n for v in values for n in _variants(formula.pick({**_defaults(), formula.setting: v}))]


def formula_variants(kpi_id: str, lang: str = "en") -> list[tuple[str, Any, str]]:
    """(setting, value, formula text) for each value of the setting that chooses KPI_ID's formula."""
    expr = KPIS[kpi_id].expr
    if not isinstance(expr, Choice):
        return []
    out = []
    for v in expr.choices():
        node = resolve(expr, {**_defaults(), expr.setting: v})
        out.append((expr.setting, v, node.render(_NAMES, lang)))
    return out


@functools.cache
def _default_settings() -> tuple[tuple[str, Any], ...]:
    from influscope.kpi import methodology

    return tuple(methodology.resolve().items())


def _defaults() -> dict[str, Any]:
    """The settings' defaults (a fresh dict: callers may change it)."""
    return dict(_default_settings())


# id: (unit, direction, stages, names en/zh/ar, formula template, description en/zh/ar)
_ROWS: list[tuple] = [
    ("posts", "count", "none", (), ("Posts", "貼文數", "المنشورات"), "count({post_rows})",
     ("Posts published in the campaign.", "活動中發布的貼文數。", "عدد منشورات الحملة.")),
    ("creators_active", "count", "none", (), ("Active creators", "活躍創作者", "صناع المحتوى النشطون"), "count({creator_rows})",
     ("Creators who published at least one post.", "至少發布一則貼文的創作者數。", "صناع المحتوى الذين نشروا منشورًا واحدًا على الأقل.")),
    ("potential_reach", "count", "up", ("tofu",), ("Potential reach", "潛在觸及", "الوصول المحتمل"), "sum({followers_at_post})",
     ("Followers of every activated account at its first post of the campaign.", "每個已啟用帳號在活動首則貼文時的粉絲數總和。", "مجموع متابعي كل حساب مفعل عند أول منشور له في الحملة.")),
    ("reach", "count", "up", ("tofu",), ("Reach", "觸及人數", "الوصول"), "{reach_rows}",
     ("Unique accounts reached, summed over posts (latest snapshot of each post).", "各貼文觸及人數加總（每則貼文取最新快照）。", "الحسابات الفريدة التي تم الوصول إليها، مجموعة على المنشورات (آخر لقطة).")),
    ("impressions", "count", "up", ("tofu",), ("Impressions", "曝光次數", "مرات الظهور"), "{reach_rows}",
     ("Times the posts were shown, summed over posts.", "貼文被顯示的次數加總。", "عدد مرات عرض المنشورات.")),
    ("video_views", "count", "up", ("tofu",), ("Video views", "影片觀看次數", "مشاهدات الفيديو"), "{reach_rows}",
     ("Views / plays summed over posts.", "觀看／播放次數加總。", "المشاهدات / التشغيلات مجموعة على المنشورات.")),
    ("frequency", "ratio", "none", ("tofu",), ("Frequency", "頻率", "التكرار"), "{impressions} / {reach}",
     ("Average times each reached account saw a post (posts reporting both).", "每個觸及帳號平均看到貼文的次數。", "متوسط عدد مرات رؤية كل حساب للمنشور.")),
    ("brand_mentions", "count", "up", ("tofu",), ("Brand mentions", "品牌提及", "إشارات العلامة"), "count({mention_rows})",
     ("Posts and comments that mention a brand term.", "提及品牌關鍵字的貼文與留言數。", "المنشورات والتعليقات التي تذكر مصطلح العلامة.")),
    ("hashtag_posts", "count", "up", ("tofu",), ("Hashtag posts", "主題標籤貼文", "منشورات الوسم"), "count({hashtag_rows})",
     ("Posts that use one of the brand's hashtags.", "使用品牌主題標籤的貼文數。", "المنشورات التي تستخدم وسم العلامة.")),
    ("share_of_voice", "%", "up", ("tofu",), ("Share of voice", "聲量占比", "حصة الصوت"), "{brand_mentions} / ({brand_mentions} + {competitor_mentions}) x 100",
     ("Brand mentions as a share of brand plus competitor mentions.", "品牌提及占品牌與競品提及總和的比例。", "إشارات العلامة كنسبة من إشارات العلامة والمنافسين.")),
    ("likes", "count", "up", ("tofu",), ("Likes", "按讚數", "الإعجابات"), "{reach_rows}", ("Likes summed over posts.", "按讚數加總。", "مجموع الإعجابات.")),
    ("comments", "count", "up", ("tofu",), ("Comments", "留言數", "التعليقات"), "{reach_rows}", ("Comments summed over posts.", "留言數加總。", "مجموع التعليقات.")),
    ("shares", "count", "up", ("tofu",), ("Shares", "分享數", "المشاركات"), "{reach_rows}", ("Shares summed over posts.", "分享數加總。", "مجموع المشاركات.")),
    ("saves", "count", "up", ("tofu",), ("Saves", "收藏數", "الحفظ"), "{reach_rows}", ("Saves summed over posts.", "收藏數加總。", "مجموع مرات الحفظ.")),
    ("reactions", "count", "up", ("tofu",), ("Reactions", "心情反應", "التفاعلات العاطفية"), "{reach_rows}", ("Reactions summed over posts.", "心情反應加總。", "مجموع التفاعلات العاطفية.")),
    ("engagements", "count", "up", ("tofu",), ("Engagements", "互動數", "التفاعلات"), Choice("engagement_components", lambda parts: Measure(" + ".join("{%s}" % _COMPONENT.get(p, p) for p in parts))),
     ("Interactions summed over posts; the components are the engagement_components setting.", "互動加總；組成項目由 engagement_components 設定。", "مجموع التفاعلات؛ المكونات يحددها الإعداد engagement_components.")),
    ("engagement_rate", "%", "up", ("tofu",), ("Engagement rate", "互動率", "معدل التفاعل"), _ENGAGEMENT_RATE,
     ("Engagements divided by followers at post time (or reach, impressions, views), as a ratio of sums by default.", "互動數除以發文時粉絲數（或觸及、曝光、觀看），預設為加總比。", "التفاعلات مقسومة على المتابعين وقت النشر (أو الوصول أو الظهور أو المشاهدات).")),
    ("cpm", "money", "down", ("tofu",), ("CPM", "千次曝光成本", "التكلفة لكل ألف ظهور"), Div(Ref("spend"), Ref("impressions"), 1000),
     ("Cost per thousand impressions.", "每千次曝光的成本。", "تكلفة كل ألف ظهور.")),
    ("cpv", "money", "down", ("tofu",), ("Cost per view", "每次觀看成本", "التكلفة لكل مشاهدة"), Div(Ref("spend"), Ref("video_views")),
     ("Cost per video view.", "每次影片觀看的成本。", "تكلفة كل مشاهدة فيديو.")),
    ("cpe", "money", "down", ("tofu",), ("Cost per engagement", "每次互動成本", "التكلفة لكل تفاعل"), Div(Ref("spend"), Ref("engagements")),
     ("Spend divided by engagements (some guides print this fraction upside down).", "花費除以互動數。", "الإنفاق مقسومًا على التفاعلات.")),
    ("clicks", "count", "up", ("mofu",), ("Clicks", "點擊數", "النقرات"),
     Choice("bot_clicks", {"excluded": Measure("count({clicks_rows})"), "included": Measure("count({clicks_rows_with_bots})")}),
     ("Hits on the campaign's tracking links; bots excluded by default.", "活動追蹤連結的點擊；預設排除機器人。", "نقرات روابط التتبع؛ تستبعد الروبوتات افتراضيًا.")),
    ("unique_clicks", "count", "up", ("mofu",), ("Unique clicks", "不重複點擊", "النقرات الفريدة"), Choice("unique_click_window", lambda w: Measure("count({unique_rule_%s})" % w, settings=("bot_clicks",)), ("30m", "1h", "1d")),
     ("A visitor counts once per link per window that opens at the visitor's first click.", "每位訪客在每個連結的每個時窗只計一次，時窗自首次點擊起算。", "يحسب الزائر مرة لكل رابط في كل نافذة تبدأ بأول نقرة له.")),
    ("bot_clicks", "count", "none", ("mofu",), ("Bot clicks", "機器人點擊", "نقرات الروبوتات"), "count({bots})",
     ("Hits flagged as bots or link-preview fetchers (kept, excluded from clicks).", "被標記為機器人或預覽抓取的點擊。", "النقرات المعلمة كروبوتات أو جالبي المعاينة.")),
    ("ctr", "%", "up", ("mofu",), ("Click-through rate", "點擊率", "نسبة النقر"), Div(Ref("clicks"), Ref("impressions"), 100),
     ("Clicks per impression, compared with the 1.36 % social-ad baseline and per-platform baselines.", "每次曝光的點擊，與 1.36% 社群廣告基準比較。", "النقرات لكل ظهور، مقارنة بخط الأساس 1.36%.")),
    ("cpc", "money", "down", ("mofu",), ("Cost per click", "每次點擊成本", "التكلفة لكل نقرة"), Div(Ref("spend"), Ref("clicks")),
     ("Spend divided by clicks.", "花費除以點擊數。", "الإنفاق مقسومًا على النقرات.")),
    ("sessions", "count", "up", ("mofu",), ("Sessions", "工作階段", "الجلسات"), "{traffic_rows}",
     ("Site sessions over the campaign days, all sources.", "活動期間網站工作階段（所有來源）。", "جلسات الموقع خلال أيام الحملة من كل المصادر.")),
    ("new_users", "count", "up", ("mofu",), ("New users", "新使用者", "المستخدمون الجدد"), "{traffic_rows}",
     ("New users over the campaign days.", "活動期間新使用者。", "المستخدمون الجدد خلال أيام الحملة.")),
    ("returning_users", "count", "up", ("mofu",), ("Returning users", "回訪使用者", "المستخدمون العائدون"), "{returning_rows}",
     ("Users who had visited the site before, over the campaign days, as the analytics source reports them (GA4's returning users); where a source gives only sessions and new users, sessions minus new users, marked as an estimate.",
      "活動期間曾造訪過網站的使用者（GA4 的回訪使用者）；來源只提供工作階段與新使用者時，以工作階段減新使用者估算並標示為估計值。",
      "المستخدمون الذين زاروا الموقع من قبل خلال أيام الحملة (المستخدمون العائدون في GA4)؛ وإذا لم يقدم المصدر إلا الجلسات والمستخدمين الجدد فالجلسات ناقص المستخدمين الجدد، كقيمة تقديرية.")),
    ("pageviews", "count", "up", ("mofu",), ("Page views", "網頁瀏覽", "مشاهدات الصفحات"), "{traffic_rows}",
     ("Page views over the campaign days.", "活動期間網頁瀏覽數。", "مشاهدات الصفحات خلال أيام الحملة.")),
    ("pages_per_session", "ratio", "up", ("mofu",), ("Pages per session", "每工作階段頁數", "الصفحات لكل جلسة"), "{pageviews} / {sessions}",
     ("Page views per session.", "每個工作階段的網頁瀏覽數。", "مشاهدات الصفحات لكل جلسة.")),
    ("avg_session_duration_s", "s", "up", ("mofu",), ("Average session duration", "平均工作階段時長", "متوسط مدة الجلسة"), "{session_duration} / {sessions}",
     ("Mean session length in seconds.", "工作階段平均秒數。", "متوسط طول الجلسة بالثواني.")),
    ("bounce_rate", "%", "down", ("mofu",), ("Bounce rate", "跳出率", "معدل الارتداد"), "({sessions} - {engaged_sessions}) / {sessions} x 100",
     ("Share of sessions that were not engaged.", "未互動工作階段的比例。", "نسبة الجلسات غير المتفاعلة.")),
    ("referral_sessions", "count", "up", ("mofu",), ("Referral sessions", "推薦工作階段", "جلسات الإحالة"), "sum({referral_rows})",
     ("Sessions whose utm_content is the handle of one of the campaign's creators.", "utm_content 為活動創作者帳號的工作階段。", "الجلسات التي يكون utm_content فيها اسم أحد صناع المحتوى.")),
    ("traffic_lift", "%", "up", ("mofu",), ("Traffic lift", "流量提升", "ارتفاع الزيارات"), "({campaign_mean} - {baseline_mean}) / {baseline_mean} x 100",
     ("Change of mean daily sessions against the baseline period.", "活動期間日均工作階段相對基準期的變化。", "تغير متوسط الجلسات اليومية مقارنة بفترة الأساس.")),
    ("leads", "count", "up", ("mofu",), ("Leads", "名單", "العملاء المحتملون"), Measure("count({lead_rows})", settings=_CREDIT),
     ("Attributed MOFU actions: signups, newsletters, downloads, webinars, demos, trials.", "歸因的中漏斗行動：註冊、電子報、下載、研討會、展示、試用。", "إجراءات منتصف القمع المنسوبة.")),
    ("leads_by_type", "count", "up", ("mofu",), ("Leads by type", "各類名單", "العملاء المحتملون حسب النوع"), Measure("count({lead_rows}) per type", settings=_CREDIT),
     ("Attributed leads, with the count of each type in detail.", "歸因名單數，並列出各類型數量。", "العملاء المحتملون المنسوبون مع عدد كل نوع.")),
    ("conversions", "count", "up", ("bofu",), ("Conversions", "轉換數", "التحويلات"), Measure("count({order_rows})", settings=_SALES),
     ("Attributed orders; the detail splits them by the rule that credited them (code, click, utm) and counts those that carried both a creator's code and a creator's click.", "歸因訂單數；細項依歸因規則分列。", "الطلبات المنسوبة؛ التفاصيل حسب قاعدة النسب.")),
    ("conversion_rate", "%", "up", ("bofu",), ("Conversion rate", "轉換率", "معدل التحويل"), "{conversions} / {clicks} x 100",
     ("Conversions per click; the detail gives conversions per referral session.", "每次點擊的轉換；細項另列每個推薦工作階段的轉換。", "التحويلات لكل نقرة؛ والتفاصيل لكل جلسة إحالة.")),
    ("cpa", "money", "down", ("bofu",), ("Cost per acquisition", "每次轉換成本", "التكلفة لكل اكتساب"), Div(Ref("spend"), Ref("conversions")),
     ("Spend per attributed order.", "每筆歸因訂單的花費。", "الإنفاق لكل طلب منسوب.")),
    ("cpl", "money", "down", ("mofu",), ("Cost per lead", "每筆名單成本", "التكلفة لكل عميل محتمل"), Div(Ref("spend"), Ref("leads")),
     ("Spend per attributed lead.", "每筆歸因名單的花費。", "الإنفاق لكل عميل محتمل منسوب.")),
    ("code_redemptions", "count", "up", ("bofu",), ("Code redemptions", "折扣碼使用", "استخدامات الرموز"), Measure("count({code_rows})", settings=_SALES),
     ("Orders credited by a creator's affiliate code; the detail lists them per code.", "以創作者聯盟折扣碼歸因的訂單；細項依折扣碼列出。", "الطلبات المنسوبة برمز تابع لصانع محتوى.")),
    ("revenue", "money", "up", ("bofu",), ("Revenue", "營收", "الإيرادات"), Choice("revenue_basis", {"net": Measure("sum({subtotal} - {refunded})", settings=_CREDIT), "gross": Measure("sum({subtotal} + {discounts})", settings=_CREDIT)}),
     ("Attributed revenue net of discounts, refunds and cancellations, excluding tax and shipping, in campaign currency.", "歸因營收，扣除折扣、退款與取消，不含稅與運費，以活動幣別計。", "الإيرادات المنسوبة بعد الخصومات والمبالغ المستردة والإلغاءات، دون الضريبة والشحن.")),
    ("orders", "count", "up", ("bofu",), ("Orders", "訂單數", "الطلبات"), Measure("count({order_rows})", settings=_SALES),
     ("Credited orders that are not cancelled or refunded.", "未取消或退款的歸因訂單數。", "الطلبات المنسوبة غير الملغاة أو المستردة.")),
    ("aov", "money", "up", ("bofu",), ("Average order value", "平均訂單金額", "متوسط قيمة الطلب"), Div(Ref("revenue"), Ref("orders")),
     ("Revenue per order.", "每筆訂單營收。", "الإيرادات لكل طلب.")),
    ("units", "count", "up", ("bofu",), ("Units", "件數", "الوحدات"), Measure("sum(units)", settings=_SALES),
     ("Items in the attributed orders.", "歸因訂單中的商品件數。", "عدد القطع في الطلبات المنسوبة.")),
    ("new_customer_share", "%", "up", ("bofu",), ("New-customer share", "新客占比", "حصة العملاء الجدد"), Measure("{new_customers} / {orders} x 100", settings=_SALES),
     ("Share of attributed orders placed by first-time customers (orders that report it).", "首購客訂單占歸因訂單比例。", "نسبة الطلبات من عملاء جدد.")),
    ("spend", "money", "none", (), ("Spend", "花費", "الإنفاق"), "{cost_rows}",
     ("Sum of costs converted to the campaign currency at the rate of each cost's date.", "成本加總，依各成本日期匯率換算。", "مجموع التكاليف محولة بسعر تاريخ كل تكلفة.")),
    ("budget_used", "%", "none", (), ("Budget used", "預算使用率", "الميزانية المستخدمة"), Div(Ref("spend"), Term("budget"), 100),
     ("Spend as a share of the campaign budget.", "花費占活動預算比例。", "الإنفاق كنسبة من ميزانية الحملة.")),
    ("roas", "x", "up", ("bofu",), ("ROAS", "廣告投資報酬率 (ROAS)", "العائد على الإنفاق الإعلاني"), Div(Ref("revenue"), Ref("spend")),
     ("Revenue per unit of spend, shown in times.", "每單位花費帶來的營收（倍數）。", "الإيرادات لكل وحدة إنفاق (مرات).")),
    ("roi", "%", "up", ("bofu",), ("ROI", "投資報酬率 (ROI)", "العائد على الاستثمار"), Div(Sub(Ref("revenue"), Ref("spend")), Ref("spend"), 100),
     ("Profit over spend in percent (revenue minus spend, over spend).", "（營收 − 花費）÷ 花費，百分比。", "(الإيرادات − الإنفاق) ÷ الإنفاق بالنسبة المئوية.")),
    ("roas_pct", "%", "up", (), ("ROAS in percent", "ROAS 百分比", "العائد على الإنفاق بالنسبة المئوية"), Div(Ref("revenue"), Ref("spend"), 100),
     ("Revenue over spend in percent: what some guides call ROI; labelled here as ROAS.", "營收 ÷ 花費 × 100：部分指南稱為 ROI，此處標示為 ROAS。", "الإيرادات ÷ الإنفاق × 100: ما تسميه بعض الأدلة العائد على الاستثمار.")),
    ("emv", "money", "up", ("tofu",), ("Earned media value", "賺得媒體價值", "قيمة الوسائط المكتسبة"), Choice("emv_model", {"per_action": Measure("{rate_table}", estimated=True, settings=("emv_table",)), "cpm": Measure("{impressions} x {emv_cpm} / 1000", estimated=True, settings=("emv_cpm",))}),
     ("An estimate of what the exposure would cost as paid media, from a dated rate table or a CPM.", "以具日期的費率表或 CPM 估算的曝光價值（估計值）。", "تقدير لتكلفة الظهور كإعلان مدفوع (قيمة تقديرية).")),
    ("emv_roi", "x", "up", ("tofu",), ("EMV return", "EMV 報酬", "عائد قيمة الوسائط"), Div(Ref("emv"), Ref("spend")),
     ("Earned media value per unit of spend (the ROI card of TOFU campaigns).", "每單位花費的賺得媒體價值。", "قيمة الوسائط المكتسبة لكل وحدة إنفاق.")),
    ("follower_growth", "count", "up", ("tofu", "mofu"), ("Follower growth", "粉絲成長", "نمو المتابعين"), "{followers_end} - {followers_start}",
     ("Brand accounts' followers at the campaign end minus at its start (latest count on or before each date).", "品牌帳號活動結束與開始時粉絲數之差。", "متابعو حسابات العلامة في نهاية الحملة ناقص بدايتها.")),
    ("follower_growth_pct", "%", "up", ("tofu", "mofu"), ("Follower growth rate", "粉絲成長率", "معدل نمو المتابعين"), "{follower_growth} / {followers_start} x 100",
     ("Follower growth relative to the followers at the start.", "粉絲成長相對開始時粉絲數。", "نمو المتابعين نسبة إلى المتابعين في البداية.")),
    ("follower_lift", "%", "up", ("tofu",), ("Follower lift", "粉絲成長提升", "ارتفاع نمو المتابعين"), "({growth_campaign} - {growth_baseline}) / {growth_baseline} x 100",
     ("Campaign daily follower growth against the baseline period's daily growth.", "活動期間每日粉絲成長相對基準期。", "النمو اليومي للمتابعين مقارنة بفترة الأساس.")),
    ("audience_demographics", "count", "none", (), ("Audience demographics", "受眾輪廓", "التركيبة السكانية للجمهور"), "{audience_rows}",
     ("Age, gender and country shares of the activated accounts' audiences and their change in points since the campaign start (detail); the value counts the accounts with data.", "已啟用帳號受眾的年齡、性別、國家占比及自活動開始以來的變化（細項）；數值為有資料的帳號數。", "حصص العمر والجنس والبلد لجماهير الحسابات المفعلة وتغيرها منذ بداية الحملة.")),
    ("sentiment_positive_pct", "%", "up", ("tofu",), ("Positive sentiment", "正面情緒", "المشاعر الإيجابية"), Measure("{positive} / {classified} x 100", estimated=True),
     ("Share of classified comments that are positive.", "已分類留言中正面的比例。", "نسبة التعليقات الإيجابية من المصنفة.")),
    ("sentiment_negative_pct", "%", "down", ("tofu",), ("Negative sentiment", "負面情緒", "المشاعر السلبية"), Measure("{negative} / {classified} x 100", estimated=True),
     ("Share of classified comments that are negative.", "已分類留言中負面的比例。", "نسبة التعليقات السلبية من المصنفة.")),
    ("net_sentiment", "%", "up", ("tofu",), ("Net sentiment", "淨情緒", "صافي المشاعر"), Measure("({positive} - {negative}) / {classified} x 100", estimated=True),
     ("Positive minus negative comments over classified comments.", "（正面 − 負面）÷ 已分類留言。", "(الإيجابية − السلبية) ÷ المصنفة.")),
    ("purchase_intent_pct", "%", "up", ("mofu", "bofu"), ("Purchase intent", "購買意圖", "نية الشراء"), Measure("{intent} / {classified} x 100", estimated=True),
     ("Share of comments expressing purchase intent or advocacy.", "表達購買意圖或推薦的留言比例。", "نسبة التعليقات التي تعبر عن نية الشراء أو التوصية.")),
    ("credibility_score", "score", "up", (), ("Credibility score", "可信度分數", "درجة المصداقية"), "{credibility_rows}",
     ("Audience-quality score 0-100 of the creator accounts, with reasons.", "創作者帳號受眾品質分數 0-100，附原因。", "درجة جودة الجمهور 0-100 مع الأسباب.")),
    ("sales_forecast", "money", "up", ("bofu",), ("Sales forecast", "銷售預測", "توقع المبيعات"), Measure("{forecast_rows}", estimated=True, additive=False, settings=_SALES),
     ("Projected attributed revenue at the campaign end (and 30 days on), with an interval.", "推估至活動結束（及其後30天）的歸因營收，附區間。", "الإيرادات المنسوبة المتوقعة عند نهاية الحملة مع فاصل.")),
    ("goal_attainment", "%", "up", (), ("Goal attainment", "目標達成率", "تحقيق الأهداف"), Measure("{attainment_rows}", additive=False, depends_on_all=True),
     ("How far the targeted KPIs are from their targets, with pacing to the end date.", "目標KPI的達成程度與至結束日的進度。", "مدى تحقيق المؤشرات المستهدفة مع وتيرة التقدم.")),
]

def declare(kid: str, unit: str, direction: str, stages: tuple[str, ...], name: tuple[str, str, str],
            formula: str | Formula, description: tuple[str, str, str]) -> KpiDef:
    """One KPI from its declaration (a row of the catalogue): names and descriptions in en, zh-Hant
    and ar; FORMULA a text template for a measure the engine aggregates, or an expression."""
    if unit not in UNITS or direction not in ("up", "down", "none"):
        raise ValueError(f"{kid}: unit {unit!r} or direction {direction!r} is not allowed")
    expr = Measure(formula) if isinstance(formula, str) else formula
    d = KpiDef(id=kid, name=dict(zip(LANGS, name)), formula={}, unit=unit, direction=direction,
               stages=tuple(stages), description=dict(zip(LANGS, description)), money=unit == "money", expr=expr)
    _NAMES[kid] = d.name
    d.formula.update({lang: d.formula_for(None, lang) for lang in LANGS})  # the text under the defaults
    return d


_NAMES: dict[str, dict[str, str]] = dict(TERMS)


def _build() -> dict[str, KpiDef]:
    for row in _ROWS:  # names first: a formula may name a KPI declared after it
        _NAMES[row[0]] = dict(zip(LANGS, row[4]))
    return {row[0]: declare(*row) for row in _ROWS}
KPIS: dict[str, KpiDef] = _build()

STAGE_DEFAULTS: dict[str, list[str]] = {
    "tofu": ["reach", "impressions", "video_views", "potential_reach", "engagements", "engagement_rate", "cpm", "cpe",
             "emv", "emv_roi", "brand_mentions", "follower_growth_pct", "net_sentiment"],
    "mofu": ["clicks", "ctr", "cpc", "sessions", "traffic_lift", "referral_sessions", "leads", "cpl",
             "follower_growth_pct"],
    "bofu": ["conversions", "conversion_rate", "revenue", "aov", "roas", "roi", "cpa", "code_redemptions",
             "sales_forecast"],
}

# The KPI that ranks creators in a --by creator breakdown, per goal.
RANK_BY: dict[str, str] = {"tofu": "engagements", "mofu": "clicks", "bofu": "revenue"}


def ordered_ids(goal: str | None) -> list[str]:
    """The stage's KPI set first, then every other KPI in catalogue order."""
    first = STAGE_DEFAULTS.get(goal or "", [])
    return first + [k for k in KPIS if k not in first]


def name(kpi_id: str, lang: str = "en") -> str:
    return KPIS[kpi_id].name.get(lang) or KPIS[kpi_id].name["en"]


def format_plain(value, unit: str, currency: str = "") -> str:
    """A KPI value as plain text for terminals and logs ("-" when there is none)."""
    if value is None:
        return "-"
    if unit == "money":
        return f"{Decimal(str(value)):,.2f} {currency}".strip()
    if unit == "count":
        return f"{int(value):,}"
    if unit == "%":
        return f"{float(value):,.2f} %"
    if unit == "x":
        return f"{float(value):,.2f}x"
    if unit == "s":
        return f"{float(value):,.1f} s"
    return f"{float(value):,.2f}"
