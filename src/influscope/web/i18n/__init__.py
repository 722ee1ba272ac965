"""Languages of the dashboard and the reports: English, Traditional Chinese and Arabic.

- Message catalogues are Babel/gettext ``.po`` files in this folder
  (``<locale>/LC_MESSAGES/messages.po``). They are compiled to ``.mo`` in memory when first
  used, so a source checkout needs no build step; ``python -m influscope.web.i18n compile``
  writes the ``.mo`` files next to them as well (and ``extract`` / ``update`` refresh the
  catalogues from the templates and the code).
- :class:`Formatter` formats numbers, percentages, money, dates and KPI values per locale with
  Babel. Digits stay Latin in every language (Babel's default ``latn`` numbering system, common
  in Gulf and Levant business software); Arabic separators and currency marks are kept.
- In right-to-left languages every formatted number, percentage, money amount and date is a
  bidi isolate (Unicode LRI or FSI ... PDI): "-100.00%" and "2026/11/12 – 2026/12/11" then read
  in order inside Arabic text instead of turning into "%100.00-" or "122026/12/11 – 2026/11/".
  Numbers and percentages are isolated left to right (Latin digits); money and dates keep Babel's
  own right-to-left order (first strong character). :meth:`Formatter.date_range` isolates a range.
- The language of a request comes from ``?lang=``, then the ``influscope_lang`` cookie, then the
  ``Accept-Language`` header, then English.
"""

from __future__ import annotations

import datetime as dt
import functools
import gettext
import io
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from babel import Locale
from babel import dates as bdates
from babel import numbers as bnumbers
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

HERE = Path(__file__).parent
DOMAIN = "messages"

# language code used in URLs, cookies, the CLI and the KPI catalogue -> Babel locale
LANGS: dict[str, str] = {"en": "en", "zh-Hant": "zh_Hant_TW", "ar": "ar"}
# folder of each language's catalogue
CATALOGUE_DIRS: dict[str, str] = {"en": "en", "zh-Hant": "zh_Hant", "ar": "ar"}
LANG_NAMES: dict[str, str] = {"en": "English", "zh-Hant": "繁體中文", "ar": "العربية"}
DEFAULT_LANG = "en"
COOKIE = "influscope_lang"

_ALIASES = {
    "en": "en", "en-us": "en", "en-gb": "en",
    "zh-hant": "zh-Hant", "zh-tw": "zh-Hant", "zh-hk": "zh-Hant", "zh-mo": "zh-Hant", "zh_hant": "zh-Hant",
    "zh-hant-tw": "zh-Hant", "zh_hant_tw": "zh-Hant", "zh": "zh-Hant",
    "ar": "ar",
}


def normalise_lang(value: str | None) -> str | None:
    """'zh-TW', 'zh_Hant', 'ar-SA', 'EN' -> a supported language code, or None."""
    if not value:
        return None
    low = value.strip().lower().replace("_", "-")
    if low in _ALIASES:
        return _ALIASES[low]
    if low.startswith("ar"):
        return "ar"
    if low.startswith("zh-hant") or low in ("zh-tw", "zh-hk"):
        return "zh-Hant"
    if low.startswith("en"):
        return "en"
    return None


def parse_accept_language(header: str | None) -> str | None:
    if not header:
        return None
    choices = []
    for i, part in enumerate(header.split(",")):
        bits = part.strip().split(";")
        q = 1.0
        for b in bits[1:]:
            b = b.strip()
            if b.startswith("q="):
                try:
                    q = float(b[2:])
                except ValueError:
                    q = 0.0
        choices.append((-q, i, bits[0]))
    for _q, _i, tag in sorted(choices):
        lang = normalise_lang(tag)
        if lang:
            return lang
    return None


def request_lang(query: str | None, cookie: str | None, accept_language: str | None) -> str:
    return (normalise_lang(query) or normalise_lang(cookie) or parse_accept_language(accept_language)
            or DEFAULT_LANG)


def locale(lang: str) -> Locale:
    return Locale.parse(LANGS[lang])


def text_direction(lang: str) -> str:
    return locale(lang).text_direction


# ------------------------------------------------------------------------------------ catalogues

def po_path(lang: str) -> Path:
    return HERE / CATALOGUE_DIRS[lang] / "LC_MESSAGES" / f"{DOMAIN}.po"


def compile_catalogue(lang: str) -> bytes:
    """The .mo bytes of LANG's .po catalogue (fuzzy entries are left out, as msgfmt does)."""
    with open(po_path(lang), "rb") as fh:
        catalog = read_po(fh, locale=LANGS[lang].split("_")[0] if lang != "zh-Hant" else "zh_Hant")
    buf = io.BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)
    return buf.getvalue()


@functools.lru_cache(maxsize=None)
def translations(lang: str) -> gettext.NullTranslations:
    if lang not in LANGS:
        raise KeyError(f"unsupported language {lang!r}; use one of {', '.join(LANGS)}")
    path = po_path(lang)
    if not path.exists():
        return gettext.NullTranslations()
    return gettext.GNUTranslations(io.BytesIO(compile_catalogue(lang)))


def gettext_for(lang: str):
    return translations(lang).gettext


# ------------------------------------------------------------------------------------ formatting

_UNIT_DIGITS = {"%": 2, "x": 2, "ratio": 2, "s": 1, "score": 1}


@dataclass(frozen=True)
class Formatter:
    """Locale-aware formatting of the values the dashboard and the reports show."""

    lang: str = DEFAULT_LANG

    @property
    def locale(self) -> Locale:
        return locale(self.lang)

    @property
    def dir(self) -> str:
        return self.locale.text_direction

    def ltr(self, text: str) -> str:
        """TEXT as a left-to-right isolate in right-to-left languages (unchanged otherwise)."""
        return f"{LRI}{text}{PDI}" if self.dir == "rtl" and text and not text.startswith(LRI) else text

    def isolate(self, text: str) -> str:
        """TEXT as an isolate taking its direction from its first strong character (RTL languages)."""
        return f"{FSI}{text}{PDI}" if self.dir == "rtl" and text and not text.startswith(FSI) else text

    def number(self, value: Any, digits: int = 0) -> str:
        if value is None:
            return "–"
        fmt = "#,##0" + ("." + "0" * digits if digits else "")
        return self.ltr(bnumbers.format_decimal(_num(value), format=fmt, locale=self.locale))

    def decimal(self, value: Any, max_digits: int = 2) -> str:
        if value is None:
            return "–"
        fmt = "#,##0" + ("." + "#" * max_digits if max_digits else "")
        return self.ltr(bnumbers.format_decimal(_num(value), format=fmt, locale=self.locale))

    def percent(self, value: Any, digits: int = 2) -> str:
        """VALUE is already in percent units (2.5 means 2.5 %)."""
        if value is None:
            return "–"
        fmt = "#,##0" + ("." + "0" * digits if digits else "") + "%"
        return self.ltr(bnumbers.format_percent(_num(value) / 100, format=fmt, locale=self.locale))

    def money(self, value: Any, currency: str, digits: int | None = None) -> str:
        if value is None:
            return "–"
        if digits is None:
            text = bnumbers.format_currency(_num(value), currency, locale=self.locale)
        else:
            text = bnumbers.format_currency(_num(value), currency, locale=self.locale,
                                            format="¤#,##0" + ("." + "0" * digits if digits else ""),
                                            currency_digits=False)
        if self.dir == "rtl":
            # A Latin symbol ending in a neutral sign (NT$, US$) would show as "$NT" in right-to-left
            # text; a left-to-right mark after it keeps it in order. Arabic symbols are untouched.
            text = _LATIN_SYMBOL.sub("\\g<0>\u200e", text)
        return self.isolate(text)

    def compact(self, value: Any) -> str:
        if value is None:
            return "–"
        return self.ltr(bnumbers.format_compact_decimal(_num(value), format_type="short", fraction_digits=1,
                                                        locale=self.locale))

    def date(self, value: dt.date | None, format: str = "medium") -> str:
        if value is None:
            return "–"
        return self.isolate(bdates.format_date(value, format=format, locale=self.locale))

    def date_range(self, start: dt.date | None, end: dt.date | None, format: str = "medium") -> str:
        """'start – end', each date isolated and the range as a whole too (in reading order)."""
        text = f"{self.date(start, format)} – {self.date(end, format)}"
        return f"{RLI}{text}{PDI}" if self.dir == "rtl" else text

    def datetime(self, value: dt.datetime | None, format: str = "medium", tz: str | None = None) -> str:
        if value is None:
            return "–"
        if tz:
            value = value.replace(tzinfo=dt.timezone.utc) if value.tzinfo is None else value
            return bdates.format_datetime(value, format=format, tzinfo=bdates.get_timezone(tz), locale=self.locale)
        return bdates.format_datetime(value, format=format, locale=self.locale)

    def kpi(self, value: Any, unit: str | None, currency: str | None = None, digits: int | None = None) -> str:
        """A KPI value in its unit: 2.5 % / 3.20x / NT$1,234 / 12,345 / 41.5 s (DIGITS, when given,
        overrides the unit's decimal places for percentages, ratios and plain numbers)."""
        if value is None:
            return "–"
        if unit == "%":
            return self.percent(value, 2 if digits is None else digits)
        if unit in ("x",):
            # Arabic pages use the letter x: a strong left-to-right character keeps "3.20x" in order
            # inside right-to-left text (the neutral sign × would move to the left of the number)
            places = 2 if digits is None else digits
            return self.ltr(self.number(value, places).strip(LRI + PDI) + ("x" if self.dir == "rtl" else "×"))
        if unit == "money":
            return self.money(value, currency or "USD")
        if unit == "count":
            return self.number(value, 0 if float(_num(value)).is_integer() else 1)
        if unit == "s":
            return self.number(value, 1) + " s" if self.lang != "ar" else self.isolate(self.number(value, 1) + " ث")
        return self.number(value, _UNIT_DIGITS.get(unit or "", 2) if digits is None else digits)

    def delta(self, value: Any, digits: int = 1) -> str:
        """A signed change in percent units: +12.5 % / −3.0 %."""
        if value is None:
            return "–"
        v = _num(value)
        sign = "+" if v > 0 else ""
        return self.ltr(sign + self.percent(v, digits).strip(LRI + PDI))

    def points(self, value: Any, digits: int = 1) -> str:
        """A signed change in percentage points: +3.5 pp (for KPIs that are percentages)."""
        if value is None:
            return "–"
        v = _num(value)
        sign = "+" if v > 0 else ""
        unit = {"zh-Hant": " 個百分點", "ar": " نقطة مئوية"}.get(self.lang, " pp")
        text = sign + self.number(v, digits).strip(LRI + PDI)
        return self.isolate(self.ltr(text) + unit) if self.dir == "rtl" else text + unit


LRI, RLI, FSI, PDI = "\u2066", "\u2067", "\u2068", "\u2069"
_LATIN_SYMBOL = re.compile(r"[A-Za-z]+[$€£¥₩₹]?|[$€£¥₩₹]")


def _num(value: Any) -> Decimal | float | int:
    if isinstance(value, (Decimal, int)):
        return value
    if isinstance(value, float):
        return value
    return Decimal(str(value))


def currency_symbol(currency: str, lang: str) -> str:
    return bnumbers.get_currency_symbol(currency, locale=locale(lang))
