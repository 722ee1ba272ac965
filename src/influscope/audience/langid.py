"""Language identification restricted to the product's languages, with a fallback.

:func:`detect` returns one of

- ``"en"``, ``"zh-Hant"``, ``"zh-Hans"``, ``"ar"``: the languages influscope analyses;
- ``"other"``: text in some other language (Japanese kana, Korean, Cyrillic, Devanagari, Thai,
  or Latin/Arabic-script text that lingua attributes to a language outside the product's set);
- ``None``: nothing to identify (emoji, punctuation, digits, mentions only).

Method: count letters per Unicode script (a Han character weighs three Latin letters, about one
word). The dominant script decides Chinese directly. Latin and Arabic script text goes to the
lingua detector built for a small set of languages (loading all 75 takes seconds and gets short
English wrong); without lingua installed, the script alone decides. Traditional vs Simplified
Chinese is told apart with hanzidentifier; when every character is common to both scripts (e.g.
好用), ``zh_default`` is returned (the caller may pass the creator's own variant).
"""

from __future__ import annotations

import functools
import re

from influscope.audience.normalize import to_simplified

PRODUCT_LANGUAGES = ("en", "zh-Hant", "zh-Hans", "ar")

_MENTION = re.compile(r"[@#][\w.]+|https?://\S+")


def _script(ch: str) -> str | None:
    o = ord(ch)
    if 0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF or 0xF900 <= o <= 0xFAFF or 0x20000 <= o <= 0x2FA1F:
        return "han"
    if 0x3100 <= o <= 0x312F or 0x31A0 <= o <= 0x31BF:
        return "bopomofo"
    if 0x0600 <= o <= 0x06FF or 0x0750 <= o <= 0x077F or 0x08A0 <= o <= 0x08FF or 0xFB50 <= o <= 0xFDFF \
            or 0xFE70 <= o <= 0xFEFF:
        return "arabic" if ch.isalpha() else None
    if 0x3040 <= o <= 0x30FF or 0x31F0 <= o <= 0x31FF:
        return "kana"
    if 0xAC00 <= o <= 0xD7AF or 0x1100 <= o <= 0x11FF or 0x3130 <= o <= 0x318F:
        return "hangul"
    if ch.isalpha():
        if o < 0x0250 or 0x1E00 <= o <= 0x1EFF or 0xFF21 <= o <= 0xFF5A:
            return "latin"
        return "other"
    return None


def script_counts(text: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for ch in _MENTION.sub(" ", text):
        s = _script(ch)
        if s:
            counts[s] = counts.get(s, 0) + 1
    return counts


@functools.lru_cache(maxsize=1)
def _lingua():
    try:
        from lingua import Language, LanguageDetectorBuilder
    except ImportError:
        return None
    # English and Arabic plus the languages most often confused with them in comments, so that
    # those can be reported as "other" instead of being forced into a product language.
    langs = [Language.ENGLISH, Language.ARABIC, Language.SPANISH, Language.PORTUGUESE, Language.FRENCH,
             Language.GERMAN, Language.INDONESIAN, Language.TURKISH, Language.PERSIAN, Language.URDU]
    return Language, LanguageDetectorBuilder.from_languages(*langs).build()


# Frequent English words: a Latin-script comment with one of them is English without asking lingua
# (most comments are short, where statistical detectors are least reliable).
_ENGLISH_WORDS = frozenset("""
the this that these those it its it's i i'm i've i'd my mine you your you're we our they them their he she
his is are were be been does did don't didn't can can't won't would should could have had
not yes very too just really what where when why how which who and or but if of on at for with from
by about love like good great nice best bad worst want need get got buy bought more much thanks thank please
lol omg wow ok okay hmm meh pretty cute awesome amazing beautiful gorgeous perfect""".split())


def _latin_is_english(text: str) -> bool:
    words = {w.casefold() for w in re.findall(r"[^\W\d_]+(?:'[^\W\d_]+)?", _MENTION.sub(" ", text))}
    if words & _ENGLISH_WORDS:
        return True
    lingua = _lingua()
    if lingua is None:
        return True
    Language, detector = lingua
    values = {c.language: c.value for c in detector.compute_language_confidence_values(text)}
    english = values.get(Language.ENGLISH, 0.0)
    best = max(values.values(), default=0.0)
    # comments are short and informal: call the text "other" only when another language is
    # clearly more likely than English, not merely the argmax
    return not (best >= 0.5 and english < 0.15)


_PERSO_URDU = re.compile("[\u06cc\u067e\u0686\u0698\u06af\u0679\u0688\u0691\u06ba\u06be\u06d2]")


def _arabic_is_arabic(text: str) -> bool:
    # Letters that Arabic does not use but Persian and Urdu do (پ چ ژ گ ٹ ڈ ڑ ں ھ ے); only then
    # ask lingua, which over-predicts Persian/Urdu on short Arabic comments.
    if not _PERSO_URDU.search(text):
        return True
    lingua = _lingua()
    if lingua is None:
        return False
    Language, detector = lingua
    return detector.detect_language_of(text) not in (Language.PERSIAN, Language.URDU)


def chinese_variant(text: str, default: str = "zh-Hant") -> str:
    """``zh-Hant`` or ``zh-Hans`` for Chinese TEXT; DEFAULT when the characters fit both."""
    han = "".join(ch for ch in text if _script(ch) in ("han", "bopomofo"))
    if any(_script(ch) == "bopomofo" for ch in han):
        return "zh-Hant"  # zhuyin is used only alongside Traditional characters
    try:
        import hanzidentifier
    except ImportError:  # pragma: no cover - the audience extra installs it
        hanzidentifier = None
    if hanzidentifier is not None:
        kind = hanzidentifier.identify(han)
        if kind == hanzidentifier.TRADITIONAL:
            return "zh-Hant"
        if kind == hanzidentifier.SIMPLIFIED:
            return "zh-Hans"
        if kind != hanzidentifier.MIXED:
            return default
    # mixed or no hanzidentifier: count characters that only exist in one of the scripts
    trad = sum(1 for ch in han if to_simplified(ch) != ch)
    simp = sum(1 for ch in han if ch in _simplified_only())
    if trad == simp:
        return default
    return "zh-Hant" if trad > simp else "zh-Hans"


@functools.lru_cache(maxsize=1)
def _simplified_only() -> frozenset[str]:
    from influscope.audience.normalize import _t2s_table

    return frozenset(_t2s_table().values()) - frozenset(chr(k) for k in _t2s_table())


def detect(text: str, *, zh_default: str = "zh-Hant") -> str | None:
    """The language of TEXT: a product language, ``"other"``, or None when there are no letters."""
    counts = script_counts(text or "")
    if not counts:
        return None
    weights = {"han": 3, "bopomofo": 3, "kana": 3, "hangul": 2}
    scored = {s: n * weights.get(s, 1) for s, n in counts.items()}
    top = max(scored, key=scored.get)
    if counts.get("kana"):
        return "other"  # Japanese mixes kana into Han text
    if top in ("han", "bopomofo"):
        return chinese_variant(text, zh_default)
    if top == "arabic":
        return "ar" if _arabic_is_arabic(text) else "other"
    if top == "latin":
        return "en" if _latin_is_english(text) else "other"
    return "other"


def detect_many(texts, *, zh_default: str = "zh-Hant") -> list[str | None]:
    return [detect(t, zh_default=zh_default) for t in texts]
