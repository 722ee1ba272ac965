"""Brand mentions and hashtags, matched on folded text.

Both the configured terms (``brand_terms`` / ``competitor_terms`` of a campaign) and the text are
folded with :func:`influscope.audience.normalize.fold`: case, full/half width (NFKC: ``＃ＡＣＭＥ``
is ``#acme``), Arabic alef/ya/ta marbuta forms and diacritics (``أكمي`` = ``اكمى``), and
Traditional/Simplified Chinese (``愛可美`` = ``爱可美``).

Kinds of term
- ``#tag``: a hashtag; matches that hashtag only, not a longer one (``#acme`` does not match
  ``#acmespring``).
- ``@handle``: a mention of the account; matches ``@handle`` not followed by more handle characters.
- a plain word (``acme``): matches the word where it stands alone or inside a hashtag or mention
  that starts with it (``acme``, ``ACME's``, ``@acme``, ``#acme``) but not inside another word
  (``acmeplex``). Chinese terms match anywhere (no word boundaries); Arabic terms also match
  with a one-letter prefix (و, ب, ل, ف, ك) or the article ال.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

from influscope.audience.normalize import fold

_HASHTAG = re.compile(r"#([^\s#@,.!?;:，。！？、：；\"'()\[\]{}<>]+)#?")
_WORDCH = r"[^\W_]"


@dataclass(frozen=True)
class Term:
    raw: str  # as configured
    kind: str  # hashtag | handle | word
    key: str  # folded, without the leading # or @
    pattern: re.Pattern


def _is_cjk(s: str) -> bool:
    return any("\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" for ch in s)


def _is_arabic(s: str) -> bool:
    return any("\u0600" <= ch <= "\u06ff" for ch in s)


def compile_term(raw: str) -> Term:
    folded = fold(raw.strip())
    if not folded or folded in ("#", "@"):
        raise ValueError(f"empty brand term {raw!r}")
    if folded[0] == "#":
        key = folded[1:]
        pattern = re.compile(r"#" + re.escape(key) + r"(?![\w])")
        return Term(raw, "hashtag", key, pattern)
    if folded[0] == "@":
        key = folded[1:]
        pattern = re.compile(r"(?<![\w@])@" + re.escape(key) + r"(?![\w.]*\w)")
        return Term(raw, "handle", key, pattern)
    key = folded
    if _is_cjk(key):
        pattern = re.compile(re.escape(key))
    elif _is_arabic(key):
        pattern = re.compile(r"(?<!\w)(?:[وبلفك]|ال|وال|بال)?" + re.escape(key) + r"(?!\w)")
    else:
        # ACME's, #acme, @acme count; acmeplex and preacme do not
        pattern = re.compile(r"(?<![^\W_])" + re.escape(key) + r"(?![^\W_])")
    return Term(raw, "word", key, pattern)


class Matcher:
    """Finds which of a campaign's terms a text mentions."""

    def __init__(self, terms: Iterable[str]):
        self.terms = [compile_term(t) for t in terms if t and t.strip()]

    def find(self, text: str) -> list[str]:
        """The configured terms (as written) that TEXT mentions, in configuration order."""
        if not self.terms or not text:
            return []
        folded = fold(text)
        return [t.raw for t in self.terms if t.pattern.search(folded)]

    def __bool__(self) -> bool:
        return bool(self.terms)


def find_mentions(text: str, terms: Iterable[str]) -> list[str]:
    return Matcher(terms).find(text)


def hashtags(text: str) -> list[str]:
    """The hashtags in TEXT, folded, without '#', in order and without repeats.

    Handles Latin, CJK and Arabic tags, full-width ``＃``, and the Weibo form ``#话题#``.
    """
    seen: dict[str, None] = {}
    for m in _HASHTAG.finditer(fold(text or "")):
        tag = m.group(1).rstrip("#")
        if tag and not tag.isdigit():
            seen.setdefault(tag, None)
    return list(seen)
