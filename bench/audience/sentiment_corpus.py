"""Write the project's generated sentiment training text, ``audience/data/comments_train_generated.csv``.

    python bench/audience/sentiment_corpus.py [--per-label 420] [--seed 16] [--output PATH]

The comments the project wrote by hand (``comments_train.csv``) are short, clean reactions to
creators' posts. Real text is messier: tweets to a brand's support account, long reviews that list
what was wrong, dialect, slang, emoji, hashtags, negation, complaints with no angry word in them,
news-like statements. This script composes such text from the templates and word lists below (all
written for the project, in English, Simplified and Traditional Chinese and Arabic), with the
label each template carries: ``pos``, ``neg`` or ``neu`` (takes no side: questions, plans,
announcements, facts).

Deterministic: the same seed writes the same file. No outside text is read.
"""

from __future__ import annotations

import argparse
import csv
import random
from collections.abc import Callable
from pathlib import Path

R = random.Random()


def pick(xs):
    return R.choice(xs)


def maybe(s: str, p: float = 0.5) -> str:
    return s if R.random() < p else ""


# --- English ------------------------------------------------------------------------------------

EN_HANDLES = ["@SkyJetAir", "@QuickShipHelp", "@CityBank", "@NovaMobile", "@BrightHotels", "@sam_k", "@lily.m",
              "@daniel_r", "@FreshMart", "@StreamBox", "@TechCoSupport", "@RailNorth", "@mia", "@coachtom", "@UrbanEats"]
EN_SUBJ = ["the new update", "my flight", "this phone", "the battery", "customer service", "the hotel", "our room",
           "the food", "this place", "the delivery", "the app", "the show", "the game last night", "the concert",
           "the movie", "this book", "the coffee here", "the staff", "my order", "the wifi", "the new album",
           "tonight's episode", "the service", "the checkout", "the train", "the weather", "this weekend", "the team",
           "the crew", "the seats", "the camera", "the store", "your support team", "the lecture", "the gym",
           "my new shoes", "the pizza", "the trip", "the event", "the season finale", "the new menu", "the boarding"]
EN_POS_PRED = ["is amazing", "was fantastic", "is so good", "made my day", "is worth every penny",
               "exceeded my expectations", "was perfect", "is absolutely brilliant", "works like a charm",
               "was a total delight", "is the best", "was super smooth", "never disappoints", "blew me away",
               "is awesome", "was really lovely", "keeps getting better", "was beyond great", "is top notch",
               "was incredibly helpful", "is a dream", "was so much fun", "is really impressive", "was spot on",
               "went perfectly", "is pure gold", "was worth the wait", "is just beautiful", "was a great call",
               "is not bad at all", "did not disappoint", "was better than I expected", "rocks"]
EN_NEG_PRED = ["is terrible", "was awful", "is so bad", "ruined my day", "is a waste of money", "was a total disaster",
               "keeps crashing", "broke after two days", "was disgusting", "is the worst", "was painfully slow",
               "never works", "let me down again", "is a joke", "was really rude", "keeps getting worse",
               "was overpriced and cold", "is garbage", "still isn't fixed", "made me so angry", "is a mess",
               "was a huge disappointment", "is useless", "was boring", "sucks", "is broken again",
               "was not worth it", "is not good at all", "did not work", "was nothing like the pictures",
               "is way too expensive", "failed me again", "was a nightmare"]
EN_COMPLAINTS = ["my flight has been delayed {n} hours and nobody tells us why",
                 "been on hold for {n} minutes", "still waiting for my refund after {n} weeks",
                 "you charged me twice for the same order", "you lost my bag and nobody answers",
                 "cancelled my order without telling me", "the package never arrived",
                 "I've asked {n} times and still no answer", "your website logged me out again mid payment",
                 "the seat was broken and the crew did not care", "no hot water in the room again",
                 "my card got declined for no reason and now I'm stuck", "the driver never showed up",
                 "waited {n} minutes for a cold meal", "the app deleted all my notes after the update",
                 "I got the wrong size and returning it costs more than the shirt",
                 "your agent hung up on me", "missed my connection because of your delay",
                 "the screen cracked on day one", "three emails and not a single reply"]
EN_POS_EVENTS = ["thanks for the quick help today", "thank you for sorting out my booking so fast",
                 "got upgraded for free, you guys are the best", "the crew was so kind to my kids",
                 "my package came a day early", "you fixed it in five minutes, thank you",
                 "had the best dinner with friends tonight", "finally passed my exam",
                 "just got engaged", "my sister had her baby today", "we won the final",
                 "got the job", "the sunset tonight was unreal", "first day of holiday and it's perfect",
                 "my dog learned a new trick", "can't wait for the weekend with you all",
                 "great chat with an old friend", "so proud of my team today"]
EN_NEG_EVENTS = ["my phone died and I lost all my photos", "stuck in traffic for two hours",
                 "feeling sick and stuck in bed", "my car broke down on the highway",
                 "got a parking ticket for nothing", "missed the bus again", "failed my driving test",
                 "I miss my grandma so much", "worst headache ever", "lost my wallet today",
                 "didn't sleep at all last night", "rain ruined our picnic", "my team lost again",
                 "the neighbours are drilling at 7am", "work was exhausting and my boss yelled at me",
                 "sad news about the flood victims", "can't believe they cancelled the show"]
EN_NEU = ["does anyone know what time {thing} starts?", "{h} what time does boarding start for flight {code}?",
          "{h} is there a store in {city}?", "how do I change my password on the app?",
          "where can I buy {thing} in {city}?", "when does the new model ship?", "which charger should I get for this?",
          "{thing} starts at {time} tonight", "the store opens at {time} on {day}", "I'm at the airport in {city}",
          "heading to {city} for a work trip on {day}", "{h} sent you a DM with my booking number",
          "{h} look", "{h} check this", "meeting moved to {day} at {time}", "new episode of the podcast on {day}",
          "the city council announced a new bus line today", "reading a book about the history of {city} this week",
          "watching the match at {time}", "rain expected in {city} tomorrow", "it comes in three colours",
          "tickets go on sale {day} at {time}", "my flight number is {code}", "link in bio",
          "{h} can you send me the invoice?", "is this available in a larger size?", "taking the train to {city} at {time}",
          "the conference has two tracks this year", "what's the difference between the two plans?",
          "we're moving the office to the third floor", "the update is version 4.2", "anyone going to the game on {day}?",
          "{h} following up on my email from {day}", "posting the schedule later today", "the museum is closed on {day}s",
          "my order number is {code}", "{h} how long does shipping to {city} take?", "lunch at {time}?",
          "just landed in {city}", "the shop is next to the station"]
EN_THINGS = ["the parade", "the webinar", "the match", "the sale", "the livestream", "the concert", "a good charger",
             "the limited edition", "the new menu", "registration"]
EN_CITIES = ["Boston", "Denver", "Leeds", "Sydney", "Toronto", "Austin", "Dublin", "Seattle", "Manchester"]
EN_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
EN_OPEN_POS = ["", "", "Honestly ", "omg ", "Wow, ", "Not gonna lie, ", "So ", "lol ", "Yes! ", "Okay "]
EN_OPEN_NEG = ["", "", "Honestly ", "ugh ", "Seriously, ", "Wow. ", "So ", "smh ", "Great, ", "Again? "]
EN_EMO_POS = ["😍", "❤️", "😊", "🙌", "🔥", "👍", "🥰", "✨", "🎉", "💯", ":)", ":D", "<3"]
EN_EMO_NEG = ["😡", "😤", "😢", "😭", "👎", "🙄", "😒", "💔", "😞", "🤬", ":(", ":/"]
EN_TAG_POS = ["#blessed", "#happy", "#love", "#weekendvibes", "#winning", "#grateful"]
EN_TAG_NEG = ["#fail", "#neveragain", "#worst", "#annoyed", "#customerservicefail", "#mondays"]
EN_TAG_NEU = ["#news", "#update", "#travel", "#question", "#events"]
EN_POS_CLOSE = ["Highly recommend.", "Will be back!", "Thank you!", "Love it.", "10/10", "So happy right now.",
                "Best decision ever.", "Can't stop smiling."]
EN_NEG_CLOSE = ["Never again.", "So disappointed.", "Unacceptable.", "Do better.", "What a joke.",
                "Want my money back.", "I'm done.", "Thanks for nothing."]


def _en_fill(s: str) -> str:
    return (s.replace("{h}", pick(EN_HANDLES)).replace("{n}", str(R.choice([2, 3, 4, 5, 6, 20, 40, 45, 90])))
            .replace("{thing}", pick(EN_THINGS)).replace("{city}", pick(EN_CITIES)).replace("{day}", pick(EN_DAYS))
            .replace("{time}", pick(["9am", "6:30", "noon", "8pm", "10:15"]))
            .replace("{code}", pick(["SJ204", "QS-88172", "1187", "NM55"])))


def _en_style(s: str) -> str:
    r = R.random()
    if r < 0.25:
        s = s.lower()
    elif r < 0.3:
        s = s.replace("so ", "soooo ").replace("really", "realllly")
    if R.random() < 0.15:
        s = s.replace("you ", "u ").replace("your ", "ur ").replace("please", "pls").replace("thanks", "thx")
    return s


def en(label: str) -> str:
    s1, s2 = pick(EN_SUBJ), pick(EN_SUBJ)
    if label == "pos":
        t = R.choice([
            lambda: f"{pick(EN_OPEN_POS)}{s1} {pick(EN_POS_PRED)}",
            lambda: f"{pick(EN_HANDLES)} {pick(EN_POS_EVENTS)}",
            lambda: f"{pick(EN_POS_EVENTS)}",
            lambda: f"{pick(EN_OPEN_POS)}{s1} {pick(EN_POS_PRED)} and {s2} {pick(EN_POS_PRED)}. {pick(EN_POS_CLOSE)}",
            lambda: f"I love {s1}{maybe(', it ' + pick(EN_POS_PRED).split(' ', 1)[-1])}",
            lambda: f"{pick(['What a', 'Such a', 'Best'])} {pick(['day', 'trip', 'show', 'meal', 'night', 'match'])}"
                    f"{pick(['!', ' ever!', '!!', ', thank you all'])}",
            lambda: f"Just tried {s1} and it {pick(EN_POS_PRED).split(' ', 1)[-1]}. {pick(EN_POS_CLOSE)}",
            lambda: f"congrats {pick(EN_HANDLES)} on {pick(['the new baby', 'the promotion', 'the win', 'graduating'])}!",
            lambda: f"{pick(EN_HANDLES)} {pick(EN_POS_EVENTS)}. {s1} {pick(EN_POS_PRED)} and the people were "
                    f"{pick(['lovely', 'so friendly', 'great', 'really patient'])}",
            lambda: f"can't wait for {pick(EN_THINGS)}, {pick(['so excited', 'gonna be epic', 'counting the days'])}",
        ])()
        t += maybe(" " + pick(EN_EMO_POS), 0.45) + maybe(" " + pick(EN_TAG_POS), 0.2)
    elif label == "neg":
        t = R.choice([
            lambda: f"{pick(EN_OPEN_NEG)}{s1} {pick(EN_NEG_PRED)}",
            lambda: f"{pick(EN_HANDLES)} {_en_fill(pick(EN_COMPLAINTS))}",
            lambda: f"{pick(EN_HANDLES)} {_en_fill(pick(EN_COMPLAINTS))}. {pick(EN_NEG_CLOSE)}",
            lambda: f"{pick(EN_NEG_EVENTS)}",
            lambda: f"{pick(EN_OPEN_NEG)}{s1} {pick(EN_NEG_PRED)} and {s2} {pick(EN_NEG_PRED)}. {pick(EN_NEG_CLOSE)}",
            lambda: f"I hate {pick(['mondays', 'waiting', 'this weather', 'being ignored', s1])}",
            lambda: f"why is {s1} always {pick(['late', 'broken', 'so slow', 'down', 'a mess'])}?",
            lambda: f"worst {pick(['day', 'flight', 'service', 'customer support', 'meal', 'week'])} "
                    f"{pick(['ever', 'in years', 'of my life'])}",
            lambda: f"so tired of {pick(['this', 'the delays', 'fake promises', 'paying more for less', 'the noise'])}",
            lambda: f"{_en_fill(pick(EN_COMPLAINTS))} and {s1} {pick(EN_NEG_PRED)}",
            lambda: f"can't believe {s1} {pick(EN_NEG_PRED)}",
        ])()
        t += maybe(" " + pick(EN_EMO_NEG), 0.4) + maybe(" " + pick(EN_TAG_NEG), 0.2)
    else:
        t = _en_fill(pick(EN_NEU))
        t += maybe(" " + pick(EN_TAG_NEU), 0.1)
    return _en_style(_en_fill(t))


# --- Chinese (written in Simplified; some converted to Traditional) ----------------------------

ZH_ASPECT = ["房间", "服务", "早餐", "位置", "价格", "屏幕", "电池", "键盘", "散热", "物流", "包装", "内容", "翻译",
             "印刷", "音质", "系统", "客服", "味道", "环境", "上菜速度", "性价比", "前台", "床", "卫生间", "做工",
             "外观", "续航", "拍照", "声音", "质量", "快递", "设施", "隔音", "网速", "装修", "故事情节", "纸张"]
ZH_POS_ASP = ["很好", "非常不错", "挺满意的", "超出预期", "没得说", "很干净", "很热情", "很方便", "很快", "一流",
              "很舒服", "很精致", "还可以，比想象中好", "让人惊喜", "无可挑剔", "很稳定", "很清晰", "很好吃", "很棒"]
ZH_NEG_ASP = ["太差了", "很一般", "让人失望", "不行", "太慢了", "很脏", "态度恶劣", "有问题", "偏贵", "有点小",
              "稍微有点吵", "不太好", "一般般", "很旧", "有异味", "太硬了", "不清晰", "发热严重", "很难吃", "不稳定"]
ZH_POS_TAIL = ["值得购买", "物超所值", "下次还会再来", "推荐大家入住", "五星好评", "总体来说很满意", "强烈推荐",
               "性价比很高", "用起来很顺手", "包装很精美", "一口气读完了", "会推荐给朋友", "这个价格很划算",
               "非常喜欢", "好评", "买得很值", "住得很开心", "孩子很喜欢"]
ZH_NEG_TAIL = ["不值这个价", "再也不会来了", "不推荐", "差评", "后悔买了", "用了两天就坏了", "和描述不符",
               "等了一个多小时", "退货还很麻烦", "很失望", "不会再买了", "浪费钱", "客服也不理人", "真是坑人",
               "感觉被骗了", "凑合吧，不会再住"]
ZH_NEG_FACT = ["居然没有{x}", "没有{x}，不太方便", "周边没有{x}", "{x}要另外收费", "就是没有{x}",
               "唯一不足的是{a}{n}", "美中不足的是{a}{n}", "缺点是{a}{n}", "就是{a}{n}", "{a}比较{m}"]
ZH_X = ["光驱", "热水", "停车场", "餐厅", "超市", "吹风机", "说明书", "免费wifi", "早餐", "电梯", "窗户", "充电器"]
ZH_MILD = ["小", "吵", "旧", "贵", "慢", "重", "暗"]
ZH_NEU = ["请问什么时候发货？", "这个有蓝色的吗？", "酒店离机场多远？", "几点退房？", "请问可以开发票吗？",
          "酒店位于市中心", "这本书一共十二章", "快递是顺丰", "我是上周三入住的", "房间在八楼", "手机是朋友送的",
          "今天下午三点开会", "明天有雨", "@小王 你看看这个", "这款有两个颜色", "请问支持货到付款吗？",
          "我们住了两个晚上", "书是上个月买的", "明天去北京出差", "这个型号和上一代有什么区别？",
          "周末要不要一起去看展？", "电脑是给我爸买的", "酒店旁边是地铁站", "作者是台湾人", "入住时间是下午两点",
          "有人知道怎么退款吗？", "晚上八点直播", "包裹还在路上", "第一次在这家店买东西", "这是第二版"]
ZH_SOCIAL_POS = ["太好看了吧😍", "支持！", "哈哈哈太可爱了", "爱了爱了", "绝了，太喜欢了", "好开心啊", "赞👍",
                 "这个颜色好美", "终于买到了，开心", "今天真是美好的一天"]
ZH_SOCIAL_NEG = ["气死我了", "无语", "垃圾", "真恶心", "太坑了😡", "好烦啊", "心累", "再也不信了",
                 "等了半天都没人理", "又坏了，服了"]


def _zh_clause(kind: str) -> str:
    a = pick(ZH_ASPECT)
    if kind == "pos":
        return f"{a}{pick(['', '也', '真的', '都'])}{pick(ZH_POS_ASP)}"
    if kind == "neg":
        return f"{a}{pick(['', '也', '真的', '实在'])}{pick(ZH_NEG_ASP)}"
    return (pick(ZH_NEG_FACT).replace("{x}", pick(ZH_X)).replace("{a}", a)
            .replace("{n}", pick(["一般", "有点小", "不太好", "有点吵", "差了点"])).replace("{m}", pick(ZH_MILD)))


ZH_PRODUCT = ["这款手机", "这本书", "这家酒店", "这台电脑", "这个耳机", "这家店", "这件衣服", "这个套餐", "这款相机"]
ZH_CITY = ["北京", "上海", "台北", "香港", "广州", "高雄", "深圳", "杭州"]
ZH_NEU_T = ["请问{p}的{a}怎么样？", "{p}什么时候到货？", "我买的是{col}的", "{city}的门店几点开门？",
            "{day}去{city}，住{p}", "{p}有没有{x}？", "{p}是在{city}买的", "想问一下{p}和上一代的{a}有什么区别",
            "有人用过{p}吗？", "{day}下午到{city}", "{p}的{a}参数是多少？", "{p}一共有三种颜色",
            "@{name} 你看看{p}", "{p}在{city}有分店吗？", "朋友推荐我来问问{p}的情况"]


def zh(label: str) -> str:
    if label == "neu":
        if R.random() < 0.3:
            return pick(ZH_NEU)
        return (pick(ZH_NEU_T).replace("{p}", pick(ZH_PRODUCT)).replace("{a}", pick(ZH_ASPECT))
                .replace("{col}", pick(["黑色", "白色", "蓝色", "粉色"])).replace("{city}", pick(ZH_CITY))
                .replace("{day}", pick(["明天", "周六", "下周一", "今晚", "月底"])).replace("{x}", pick(ZH_X))
                .replace("{name}", pick(["小王", "阿明", "Lisa", "小美"])))
    if R.random() < 0.15:
        return pick(ZH_SOCIAL_POS if label == "pos" else ZH_SOCIAL_NEG)
    n = R.choice([1, 2, 2, 3, 3, 4])
    if label == "pos":
        parts = [_zh_clause("pos") for _ in range(n)]
        if R.random() < 0.2:  # a small complaint inside a happy review
            parts.insert(R.randrange(len(parts) + 1), "就是" + pick(ZH_ASPECT) + pick(["有点小", "稍贵", "一般"]))
            parts.append(pick(ZH_POS_TAIL))
        elif R.random() < 0.6:
            parts.append(pick(ZH_POS_TAIL))
    else:
        parts = [_zh_clause(R.choice(["neg", "neg", "fact"])) for _ in range(n)]
        if R.random() < 0.5:
            parts.append(pick(ZH_NEG_TAIL))
    if R.random() < 0.15:
        text = "".join(f"{i + 1}.{p}；" for i, p in enumerate(parts))
    else:
        text = "，".join(parts) + pick(["。", "！", "", "。。"])
    return text


# --- Arabic -------------------------------------------------------------------------------------

AR_SUBJ = [("الخدمة", True), ("المطعم", False), ("التطبيق", False), ("الجوال", False), ("الفندق", False),
           ("الأكل", False), ("التوصيل", False), ("المباراة", True), ("الفيلم", False), ("الحلقة", True),
           ("الرحلة", True), ("الكتاب", False), ("المنتج", False), ("النت", False), ("الفريق", False),
           ("اللاعب", False), ("الأغنية", True), ("الغرفة", True), ("القهوة", True), ("الشركة", True),
           ("خدمة العملاء", True), ("الطيارة", True), ("العرض", False), ("المسلسل", False)]
AR_POS_ADJ = [("ممتاز", "ممتازة"), ("رائع جدا", "رائعة جدا"), ("حلو مرة", "حلوة مرة"), ("جميل", "جميلة"),
              ("خرافي", "خرافية"), ("فخم", "فخمة"), ("تحفة", "تحفة"), ("يجنن", "تجنن"), ("أكثر من رائع", "أكثر من رائعة"),
              ("فوق الوصف", "فوق الوصف"), ("كويس جدا", "كويسة جدا"), ("مرتب", "مرتبة")]
AR_NEG_ADJ = [("سيء جدا", "سيئة جدا"), ("زفت", "زفت"), ("خربان", "خربانة"), ("ممل", "مملة"), ("فاشل", "فاشلة"),
              ("بطيء", "بطيئة"), ("غالي على الفاضي", "غالية على الفاضي"), ("مقرف", "مقرفة"), ("تعبان", "تعبانة"),
              ("أسوأ شي", "أسوأ شي"), ("مو زي ما توقعت", "مو زي ما توقعت"), ("ما يستاهل", "ما تستاهل")]
AR_POS_FREE = ["الله يعطيك العافية", "تستاهل كل خير", "الحمد لله على كل شيء", "ما شاء الله تبارك الله",
               "ربي يسعدك", "كل عام وانتم بخير", "الله يوفقك يا رب", "شكرا على الخدمة الرائعة", "أنصح فيه بقوة",
               "استمتعت جدا", "إبداع", "فرحانة كثير اليوم", "يا سلام", "مبروك وألف مبروك", "أحسن قرار سويته",
               "الله يبارك فيك", "شكرا من القلب", "يوم جميل مع الأهل", "فزنا الحمد لله", "ضحكت من قلبي"]
AR_NEG_FREE = ["حسبي الله ونعم الوكيل", "قرف", "والله حرام عليكم", "الأسعار نار", "ما في فايدة", "ضيعت وقتي",
               "ما أنصح فيه أبدا", "زعلانة", "الوضع صار لا يطاق", "فساد وظلم", "الغلاء ذبحنا", "خسارة مخزية",
               "انقطاع الكهرباء للمرة الثالثة اليوم", "طفشت من هالوضع", "للأسف خيبة أمل", "الله يرحمه، خبر محزن",
               "ما عاد فيني أتحمل", "مهزلة", "كل يوم زحمة وتأخير", "تعبت وما أحد يرد"]
AR_NEWS_NEG = ["مقتل {n} أشخاص في انفجار في {c}", "ارتفاع الأسعار مرة ثانية و المواطن هو الضحية",
               "إصابة {n} في حادث سير على طريق {c}", "احتجاجات غاضبة في {c} بسبب البطالة",
               "غرق شوارع {c} بعد الأمطار وسط غياب الخدمات"]
AR_NEU = ["متى يفتح المحل؟", "كم سعر {s}؟", "المباراة الساعة ٩ مساء", "أعلنت الوزارة اليوم عن مواعيد الدوام الجديدة",
          "الاجتماع يوم الأحد", "@سارة شوفي هذا", "وصلت {c}", "هل يوجد توصيل إلى {c}؟", "الطقس غدا غائم جزئيا",
          "رابط التسجيل في البايو", "وش رأيكم في {s}؟", "بكرة مسافر {c}", "الحلقة الجديدة الساعة ثمانية",
          "المعرض يبدأ الأسبوع الجاي", "أحد يعرف رقم خدمة العملاء؟", "ممكن تفاصيل أكثر عن العرض؟",
          "تم تغيير موعد الرحلة إلى الساعة ١٠", "أنا في {c} هالأسبوع", "المنتج متوفر بلونين", "اللقاء في {c} بعد العصر",
          "يعقد المؤتمر في {c} يوم الخميس", "وين ألقى {s}؟", "هل التطبيق يشتغل على الآيفون؟", "@أحمد رد علي",
          "الكتاب صادر عن دار نشر في {c}", "الدوام يبدأ الساعة ٨", "قريت الخبر الحين"]
AR_NEU_T = ["{s} متوفر في {c}؟", "موعد {s} الساعة {t}", "كم سعر {s} في {c}؟", "مين رايح {c} {d}؟",
            "{d} عندنا اجتماع بخصوص {s}", "أحد جرب {s}؟", "هل {s} مفتوح {d}؟", "نازل {c} {d} إن شاء الله",
            "تفاصيل {s} بتنزل {d}", "وصلني إعلان عن {s}", "أخبار {s} اليوم في {c}", "{s} يبدأ {d} الساعة {t}"]
AR_CITIES = ["الرياض", "القاهرة", "عمان", "دبي", "بيروت", "جدة", "الكويت", "تونس", "الدوحة"]
AR_EMO_POS = ["😍", "❤️", "🌹", "😂❤️", "👌", "💙", "🤍", "😊"]
AR_EMO_NEG = ["😡", "😤", "💔", "😢", "😭", "🙄", "😒"]


def _ar_fill(s: str) -> str:
    return (s.replace("{c}", pick(AR_CITIES)).replace("{n}", pick(["٣", "5", "عشرة", "12"]))
            .replace("{s}", pick(AR_SUBJ)[0]).replace("{t}", pick(["٨", "10", "الخامسة", "٩ ونص"]))
            .replace("{d}", pick(["بكرة", "يوم الجمعة", "الأسبوع الجاي", "الليلة", "بعد العيد"])))


def ar(label: str) -> str:
    (s1, f1), (s2, f2) = pick(AR_SUBJ), pick(AR_SUBJ)
    if label == "pos":
        t = R.choice([
            lambda: f"{s1} {pick(AR_POS_ADJ)[f1]}",
            lambda: f"{s1} {pick(AR_POS_ADJ)[f1]} و{s2} {pick(AR_POS_ADJ)[f2]} {pick(AR_POS_FREE)}",
            lambda: pick(AR_POS_FREE),
            lambda: f"{pick(['والله', 'صراحة', 'بصراحة', 'يا جماعة'])} {s1} {pick(AR_POS_ADJ)[f1]} {pick(AR_POS_FREE)}",
            lambda: f"{pick(['أحلى', 'أجمل', 'أفضل'])} {pick(['يوم', 'مباراة', 'رحلة', 'أكلة', 'حلقة'])} "
                    f"{pick(['والله', 'في حياتي', 'هالسنة', ''])}",
            lambda: f"{pick(['مبروك', 'ألف مبروك'])} {pick(['للفريق', 'يا بطل', 'على التخرج', 'النجاح'])} "
                    f"{pick(AR_POS_FREE)}",
            lambda: f"{s1} {pick(['ما عليه كلام', 'ما فيه غلطة', 'ولا أروع'])}",
        ])()
        t += maybe(" " + pick(AR_EMO_POS), 0.45)
    elif label == "neg":
        t = R.choice([
            lambda: f"{s1} {pick(AR_NEG_ADJ)[f1]}",
            lambda: f"{s1} {pick(AR_NEG_ADJ)[f1]} و{s2} {pick(AR_NEG_ADJ)[f2]} {pick(AR_NEG_FREE)}",
            lambda: pick(AR_NEG_FREE),
            lambda: f"{pick(['للأسف', 'والله', 'صراحة', 'بصراحة'])} {s1} {pick(AR_NEG_ADJ)[f1]} {pick(AR_NEG_FREE)}",
            lambda: f"{pick(['أسوأ', 'أتعس'])} {pick(['يوم', 'خدمة', 'رحلة', 'أكلة', 'مباراة'])} "
                    f"{pick(['في حياتي', 'والله', 'هالسنة'])}",
            lambda: _ar_fill(pick(AR_NEWS_NEG)),
            lambda: f"{s1} {pick(['ما اشتغل', 'ما وصل', 'تأخر', 'انقطع'])} {pick(['للمرة الثالثة', 'من أمس', 'وما أحد يرد'])}",
            lambda: f"{s1} {pick(['مو', 'ليس', 'ما هو'])} {pick(['حلو', 'جيد', 'كويس'])} {pick(['أبدا', 'نهائيا', ''])}",
        ])()
        t += maybe(" " + pick(AR_EMO_NEG), 0.4)
    else:
        t = pick(AR_NEU) if R.random() < 0.5 else pick(AR_NEU_T)
    at = t.find("ا", 3)
    if at > 0 and R.random() < 0.15:  # elongation, common in tweets
        t = t[:at] + "اااا" + t[at + 1:]
    return _ar_fill(t).strip()


LANGS: dict[str, Callable[[str], str]] = {"en": en, "zh": zh, "ar": ar}


def generate(per_label: int, seed: int) -> list[dict[str, str]]:
    from opencc import OpenCC  # opencc-python-reimplemented, a dependency of the audience extra

    R.seed(seed)
    s2t = OpenCC("s2t")
    rows, seen = [], set()
    for lang, make in LANGS.items():
        for label in ("pos", "neg", "neu"):
            made = tries = 0
            while made < per_label and tries < per_label * 30:
                tries += 1
                text = " ".join(make(label).split())
                if text in seen:
                    continue
                seen.add(text)
                code = lang
                if lang == "zh":
                    code = "zh-Hans"
                    if R.random() < 0.4:
                        text, code = s2t.convert(text), "zh-Hant"
                rows.append({"id": f"g{len(rows) + 1:05d}", "lang": code, "text": text, "label": label})
                made += 1
    return rows


def main() -> None:
    from influscope.audience.sentiment import DATA_DIR

    ap = argparse.ArgumentParser()
    ap.add_argument("--per-label", type=int, default=420, help="texts per language and label")
    ap.add_argument("--seed", type=int, default=16)
    ap.add_argument("--output", type=Path, default=DATA_DIR / "comments_train_generated.csv")
    args = ap.parse_args()
    rows = generate(args.per_label, args.seed)
    with open(args.output, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=["id", "lang", "text", "label", "intent", "intent_kind"])
        w.writeheader()
        for r in rows:
            w.writerow({**r, "intent": 0, "intent_kind": ""})
    print(f"wrote {args.output} ({len(rows)} texts)")


if __name__ == "__main__":
    main()
