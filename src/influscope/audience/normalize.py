"""Text normalisation shared by language id, sentiment features, intent rules and brand mentions.

One function per concern, composed by :func:`fold`:

- Unicode compatibility folding (NFKC): full-width Latin letters and digits (``ＡＣＭＥ``) become
  half-width (``ACME``), compatibility ligatures and presentation forms are unfolded.
- Case folding (``str.casefold``), stronger than ``lower`` (``ß`` -> ``ss``).
- Arabic orthographic variants: alef with hamza or madda (أ إ آ ٱ) -> ا, alef maqsura ى -> ي,
  ta marbuta ة -> ه, hamza on waw/ya (ؤ ئ) -> و/ي; diacritics (tashkeel) and the tatweel
  elongation character are removed; Arabic-Indic digits become ASCII digits.
- Chinese script variants: Traditional characters are mapped to Simplified (OpenCC's
  character table, ``t2s``), so that 推薦 and 推荐 compare equal.
- Letter elongation (``soooo``, ``يجنننن``) is squeezed to two repetitions.
"""

from __future__ import annotations

import functools
import re
import unicodedata

# Arabic tashkeel (harakat, tanwin, shadda, sukun, superscript alef) and Quranic marks
_AR_DIACRITICS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed]")
_AR_TATWEEL = "\u0640"
_AR_TABLE = str.maketrans({
    "\u0623": "\u0627",  # أ
    "\u0625": "\u0627",  # إ
    "\u0622": "\u0627",  # آ
    "\u0671": "\u0627",  # ٱ
    "\u0649": "\u064a",  # ى -> ي
    "\u06cc": "\u064a",  # Persian ya -> ي
    "\u0629": "\u0647",  # ة -> ه
    "\u0624": "\u0648",  # ؤ -> و
    "\u0626": "\u064a",  # ئ -> ي
    "\u06a9": "\u0643",  # Persian kaf -> ك
    **{chr(0x0660 + i): str(i) for i in range(10)},  # Arabic-Indic digits
    **{chr(0x06F0 + i): str(i) for i in range(10)},  # Extended Arabic-Indic digits
    _AR_TATWEEL: None,
})
_REPEAT = re.compile(r"(\w)\1{2,}")


def nfkc(text: str) -> str:
    """Compatibility-fold full-width and presentation forms (``ＡＣＭＥ１`` -> ``ACME1``)."""
    return unicodedata.normalize("NFKC", text)


def arabic(text: str) -> str:
    """Unify alef, ya, ta marbuta and hamza-seat variants; drop diacritics and tatweel."""
    return _AR_DIACRITICS.sub("", text).translate(_AR_TABLE)


@functools.lru_cache(maxsize=1)
def _t2s_table() -> dict[int, str]:
    """Traditional -> Simplified character table from OpenCC's data (one char to one char)."""
    table: dict[int, str] = {}
    try:
        import opencc  # opencc-python-reimplemented
    except ImportError:  # pragma: no cover - the audience extra installs it
        return table
    import os

    path = os.path.join(os.path.dirname(opencc.__file__), "dictionary", "TSCharacters.txt")
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            parts = line.rstrip("\n").split("\t")
            if len(parts) == 2:
                src, dst = parts[0], parts[1].split(" ")[0]
                if len(src) == 1 and len(dst) == 1 and src != dst:
                    table[ord(src)] = dst
    return table


def to_simplified(text: str) -> str:
    """Map Traditional Chinese characters to their Simplified form, character by character."""
    return text.translate(_t2s_table())


def squeeze(text: str) -> str:
    """Reduce a letter repeated three or more times to two (``soooo`` -> ``soo``)."""
    return _REPEAT.sub(r"\1\1", text)


def fold(text: str) -> str:
    """The full matching form: NFKC, case fold, Arabic variants, Simplified Chinese, squeezed."""
    text = nfkc(text).casefold()
    return squeeze(to_simplified(arabic(text)))
