"""The Jinja2 environment shared by the dashboard pages and the PDF reports.

Templates are translated with the ``jinja2.ext.i18n`` extension (``{{ _("...") }}`` and
``{% trans %}``); the active language is a context variable set by :func:`render`, so one
environment serves every language and every concurrent request.
"""

from __future__ import annotations

import contextvars
import functools
import json
import unicodedata
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from influscope.web import i18n

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"

_lang: contextvars.ContextVar[str] = contextvars.ContextVar("influscope_lang", default=i18n.DEFAULT_LANG)


def _gettext(message: str) -> str:
    return i18n.translations(_lang.get()).gettext(message)


def _ngettext(singular: str, plural: str, n: int) -> str:
    return i18n.translations(_lang.get()).ngettext(singular, plural, n)


def _tojson(value: Any) -> Markup:
    text = json.dumps(value, ensure_ascii=False, default=str)
    # safe inside <script> and HTML attributes
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026").replace("'", "\\u0027")
    return Markup(text)


# Embedding, override and isolate controls (U+202A-U+202E, U+2066-U+2069): inside a user-supplied
# name they could reorder what surrounds it ("\u202egnp.exe" reads "exe.png"), so names are shown
# without them, isolated from the text around them.
_BIDI_CONTROLS = dict.fromkeys(map(ord, "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))


def _plain(value: Any) -> str:
    return str("" if value is None else value).translate(_BIDI_CONTROLS)


def _isolate(value: Any) -> Markup:
    """A user-supplied name in HTML: escaped, without direction controls, in a <bdi> isolate."""
    return Markup("<bdi>%s</bdi>") % _plain(value)


def _isolate_text(value: Any) -> str:
    """The same where no tags may go (<title>, attributes): FSI ... PDI around the cleaned text."""
    return "\u2068" + _plain(value) + "\u2069"


def _text_dir(value: Any) -> str:
    """'rtl' or 'ltr' by the first letter with a strong direction (as dir="auto" decides), for
    renderers without dir="auto" (WeasyPrint): a caption such as "今日分享 @acme_tw #ad" in an
    Arabic report keeps its own order."""
    for ch in _plain(value):
        kind = unicodedata.bidirectional(ch)
        if kind in ("R", "AL"):
            return "rtl"
        if kind == "L":
            return "ltr"
    return "auto"


def _css_string(value: Any) -> Markup:
    """Text for a CSS string inside <style> (where HTML entities are not decoded): every character
    that is not a letter or digit as a CSS escape, so it shows as typed and cannot end the string."""
    out = []
    for ch in _plain(value):
        out.append(ch if ch.isalnum() and ord(ch) < 0x80 else f"\\{ord(ch):06x}")  # a space after an escape is eaten
    return Markup("".join(out))


@functools.lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=jinja2.select_autoescape(["html", "xml", "svg"], default_for_string=True),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(_gettext, _ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.filters["tojson"] = _tojson
    env.filters["isolate"] = _isolate
    env.filters["isolate_text"] = _isolate_text
    env.filters["css_string"] = _css_string
    env.filters["text_dir"] = _text_dir
    env.globals["LANGS"] = i18n.LANGS
    env.globals["LANG_NAMES"] = i18n.LANG_NAMES
    return env


def render(template: str, lang: str, **context: Any) -> str:
    token = _lang.set(lang)
    try:
        fmt = i18n.Formatter(lang)
        context.setdefault("lang", lang)
        context.setdefault("dir", fmt.dir)
        context.setdefault("fmt", fmt)
        return environment().get_template(template).render(**context)
    finally:
        _lang.reset(token)
