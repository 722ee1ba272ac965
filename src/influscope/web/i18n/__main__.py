"""Maintain the dashboard's message catalogues.

    python -m influscope.web.i18n extract   # templates + code -> messages.pot
    python -m influscope.web.i18n update    # merge messages.pot into every messages.po
    python -m influscope.web.i18n compile   # write messages.mo next to every messages.po
    python -m influscope.web.i18n check     # list untranslated messages (exit 1 if any)

The .po files are the source; the .mo files are build output (the app also compiles the .po
files in memory when the .mo files are absent).
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from influscope.web import i18n

PACKAGE = Path(__file__).resolve().parents[2]  # src/influscope
POT = i18n.HERE / f"{i18n.DOMAIN}.pot"
# (folder, what it holds): the dashboard's code and templates, the reports and the planning module's
# notes and formula texts; not the other web modules, which have no catalogue of their own
SOURCES = ("web/ui", "web/templates", "reports", "planning")
METHOD_MAP = [("**.py", "python"), ("**.html", "jinja2")]
OPTIONS = {"**.html": {"extensions": "jinja2.ext.i18n", "trimmed": "false"}}


def _locale(lang: str) -> str:
    return "zh_Hant_TW" if lang == "zh-Hant" else i18n.LANGS[lang]


def extract(write: bool = True) -> Catalog:
    catalog = Catalog(project="influscope", charset="utf-8")
    for sub in SOURCES:
        for filename, lineno, message, comments, context in extract_from_dir(
                str(PACKAGE / sub), method_map=METHOD_MAP, options_map=OPTIONS):
            catalog.add(message, None, [(f"{sub}/{filename}", lineno)], auto_comments=comments, context=context)
    from influscope.web.i18n import data_texts

    for message, where in data_texts.messages():  # settings' descriptions, benchmark sources and scopes
        flags = ("python-format",) if "%(" in message else ("no-python-format",) if "%" in message else ()
        catalog.add(message, None, [(where, 0)], flags=flags)
    if write:
        with open(POT, "wb") as fh:
            write_po(fh, catalog, width=100, sort_output=True)
    return catalog


def update() -> None:
    template = extract()
    for lang in i18n.LANGS:
        path = i18n.po_path(lang)
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():
            with open(path, "rb") as fh:
                catalog = read_po(fh, locale=_locale(lang))
        else:
            catalog = Catalog(locale=_locale(lang), project="influscope", charset="utf-8")
        catalog.update(template, no_fuzzy_matching=True)
        with open(path, "wb") as fh:
            write_po(fh, catalog, width=100, sort_output=True, ignore_obsolete=True)


def compile_all() -> None:
    for lang in i18n.LANGS:
        path = i18n.po_path(lang)
        if not path.exists():
            continue
        with open(path, "rb") as fh:
            catalog = read_po(fh, locale=_locale(lang))
        with open(path.with_suffix(".mo"), "wb") as fh:
            write_mo(fh, catalog)


def missing(lang: str) -> list[str]:
    with open(i18n.po_path(lang), "rb") as fh:
        catalog = read_po(fh, locale=_locale(lang))
    return [m.id for m in catalog if m.id and (not m.string or m.fuzzy)]


def main(argv: list[str]) -> int:
    cmd = argv[0] if argv else "check"
    if cmd == "extract":
        print(f"{len(extract())} messages -> {POT.name}")
    elif cmd == "update":
        update()
    elif cmd == "compile":
        compile_all()
    elif cmd == "check":
        bad = 0
        for lang in ("zh-Hant", "ar"):
            for msg in missing(lang):
                print(f"{lang}: untranslated: {msg}")
                bad += 1
        return 1 if bad else 0
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
