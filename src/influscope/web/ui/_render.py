"""The Jinja2 environment shared by the dashboard pages and the PDF reports.

Templates are translated with the ``jinja2.ext.i18n`` extension (``{{ _("...") }}`` and
``{% trans %}``); the active language is a context variable set by :func:`render`, so one
environment serves every language and every concurrent request.
"""

from __future__ import annotations

import contextvars
import functools
import json
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
