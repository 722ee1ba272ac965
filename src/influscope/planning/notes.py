"""The planning module's notes and formula texts, in English and in the reader's language.

The planning engine explains itself in short notes ("prospect: followers and the typical post of
the list, ...", "quoted fee in EUR without a rate to TWD: the fair fee is used") and in formula
texts with the numbers filled in. Each is a :class:`Note`: a ``str`` holding the English text
(what the API, the CLI and the JSON carry, unchanged) that also keeps its message id (the English
text with ``%(name)s`` placeholders, marked with :func:`N_` so that it is extracted into the
dashboard's message catalogues) and its parameters. A page shows it in its own language with
:func:`localize`.

Parameters:

- a :class:`Num` (a number with the format spec of its English text) is formatted for the
  language (grouping, decimal sign; a left-to-right isolate in right-to-left pages), a
  :class:`Range` of two of them likewise, read low to high;
- a :class:`Benchmark` (a benchmark's scope or source) is shown with its known parts translated;
- a :class:`Note` is rendered in the language in turn (a note built from notes);
- anything else (a handle, a campaign slug, a currency code, an error text from another module)
  is kept as it is, as a left-to-right isolate in right-to-left pages.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Iterable, Mapping

__all__ = ["METRIC_WORDS", "N_", "Benchmark", "Note", "Num", "Range", "localize", "localize_all", "message_ids",
           "metric_word", "note"]


def N_(message: str) -> str:
    """Mark a message id for extraction (it is translated where the note is shown)."""
    return message


# The expected results (ids of ``creator_value.EXPECTED``) as a note names them.
METRIC_WORDS = {"reach": N_("reach"), "impressions": N_("impressions"), "views": N_("views"),
                "engagements": N_("engagements"), "clicks": N_("clicks"), "orders": N_("orders"),
                "revenue": N_("revenue"), "emv": N_("emv")}


def metric_word(metric: str) -> "Note | str":
    """An expected result's id as a note's word (an unknown id as it is)."""
    return note(METRIC_WORDS[metric]) if metric in METRIC_WORDS else metric


@dataclass(frozen=True)
class Num:
    """A number inside a note: ``spec`` formats it in the English text (``",.0f"``, ``"g"``, ``".2f"``)."""

    value: float | int | Decimal
    spec: str = ",.0f"

    def __str__(self) -> str:
        return format(self.value, self.spec)

    def local(self, fmt) -> str:
        spec = self.spec
        if "." in spec and spec.rstrip("f%").split(".")[-1].isdigit():
            digits = int(spec.rstrip("f%").split(".")[-1])
            return fmt.number(self.value, digits) if spec.endswith("f") else fmt.decimal(self.value, digits)
        if spec.endswith("g"):
            return fmt.decimal(self.value, 6)
        if isinstance(self.value, int):
            return fmt.number(self.value)
        if isinstance(self.value, Decimal):  # an amount keeps its cents
            return fmt.number(self.value, max(-int(self.value.as_tuple().exponent), 0))
        return fmt.decimal(self.value, 2)


@dataclass(frozen=True)
class Range:
    """A range of two numbers inside a note, ``low-high`` in English; one left-to-right isolate in
    right-to-left pages (read low to high, as the intervals of the tables are)."""

    low: Num
    high: Num

    def __str__(self) -> str:
        return f"{self.low}-{self.high}"

    def local(self, fmt) -> str:
        from influscope.web.i18n import LRI, PDI

        return fmt.ltr(f"{self.low.local(fmt).strip(LRI + PDI)}–{self.high.local(fmt).strip(LRI + PDI)}")


@dataclass(frozen=True)
class Benchmark:
    """A benchmark's scope or source quoted inside a note (``Instagram, micro creators``): shown with
    every part the dashboard's catalogue knows translated (``data_texts.benchmark_text``)."""

    text: str

    def __str__(self) -> str:
        return self.text

    def local(self, fmt) -> str:
        from influscope.web.i18n.data_texts import benchmark_text

        shown = benchmark_text(self.text, fmt.lang)
        return shown if shown != self.text else fmt.ltr(self.text)


class Note(str):
    """An English note that knows its message id and parameters (see the module docstring)."""

    msgid: str
    params: Mapping[str, Any]

    def __new__(cls, msgid: str, params: Mapping[str, Any] | None = None) -> "Note":
        params = dict(params or {})
        text = msgid % {k: str(v) for k, v in params.items()} if params else msgid
        obj = super().__new__(cls, text)
        obj.msgid = msgid
        obj.params = params
        return obj

    def __reduce__(self):  # pickled (the result cache) with its id and parameters
        return (Note, (self.msgid, dict(self.params)))

    def message_ids(self) -> Iterable[str]:
        """This note's message id and those of the notes among its parameters."""
        yield self.msgid
        for v in self.params.values():
            if isinstance(v, Note):
                yield from v.message_ids()


def note(msgid: str, /, **params: Any) -> Note:
    """A note: ``note(N_("quoted fee in %(quoted)s without a rate to %(currency)s"), quoted=..., currency=...)``."""
    return Note(msgid, params)


def message_ids(texts: Iterable[Any]) -> set[str]:
    """The message ids of the notes among TEXTS (plain strings have none)."""
    out: set[str] = set()
    for text in texts:
        if isinstance(text, Note):
            out.update(text.message_ids())
    return out


def localize(text: Any, lang: str) -> str:
    """TEXT in LANG: a :class:`Note` translated with its parameters formatted for the language; any
    other text as it is (a left-to-right isolate in right-to-left pages: it is English)."""
    if text is None:
        return ""
    if lang == "en":
        return str(text)
    from influscope.web import i18n

    fmt = i18n.Formatter(lang)
    if isinstance(text, Note):
        return _render(text, fmt, i18n.gettext_for(lang))
    return fmt.ltr(str(text))


def localize_all(texts: Iterable[Any], lang: str) -> list[str]:
    return [localize(t, lang) for t in texts]


def _render(n: Note, fmt, gettext) -> str:
    if not n.params:
        return gettext(n.msgid)
    values = {k: _param(v, fmt, gettext) for k, v in n.params.items()}
    try:
        return gettext(n.msgid) % values
    except (KeyError, ValueError, TypeError):  # a broken translation: the English wording, localised values
        return n.msgid % values


def _param(value: Any, fmt, gettext) -> str:
    if isinstance(value, Note):
        return _render(value, fmt, gettext)
    if isinstance(value, (Num, Range, Benchmark)):
        return value.local(fmt)
    return fmt.ltr(str(value))
