"""Formulas of the KPI catalogue: one small expression tree per KPI.

A KPI is declared once (:mod:`influscope.kpi.catalogue`) with one of these as its formula:

- :class:`Measure`: a quantity the engine aggregates from the records (a sum over posts, a count
  of credited orders, ...), described by a text template over terms and other KPIs;
- :class:`Div`, :class:`Sub`: a metric computed from other KPIs (and terms such as the budget),
  evaluated exactly here, so that its value, formula text, inputs, whether it reveals costs,
  whether it is an estimate and how it paces all follow from the one declaration;
- :class:`Choice`: the formula a methodology setting selects (``revenue_basis``, ...).

Formula text is rendered in each language from KPI names and the shared terms.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, localcontext
from typing import Any, Union

_PLACEHOLDER = re.compile(r"\{(\w+)\}")

# name lookup for rendering: KPI id or term -> {lang: text}
Names = Mapping[str, Mapping[str, str]]


@dataclass(frozen=True)
class Ref:
    """Another KPI of the catalogue, by id."""

    id: str

    def refs(self) -> set[str]:
        return {self.id}

    def terms(self) -> set[str]:
        return set()

    def render(self, names: Names, lang: str, top: bool = True) -> str:
        return names[self.id][lang]


@dataclass(frozen=True)
class Term:
    """A named input that is not a KPI (the budget, the engagement-rate denominator, ...)."""

    name: str

    def refs(self) -> set[str]:
        return set()

    def terms(self) -> set[str]:
        return {self.name}

    def render(self, names: Names, lang: str, top: bool = True) -> str:
        return names[self.name][lang]


@dataclass(frozen=True)
class Sub:
    """A minus B."""

    a: "Node"
    b: "Node"

    def refs(self) -> set[str]:
        return self.a.refs() | self.b.refs()

    def terms(self) -> set[str]:
        return self.a.terms() | self.b.terms()

    def render(self, names: Names, lang: str, top: bool = True) -> str:
        text = f"{self.a.render(names, lang, False)} - {self.b.render(names, lang, False)}"
        return text if top else f"({text})"


@dataclass(frozen=True)
class Div:
    """NUM / DEN x SCALE, exact; unknown when either side is unknown or DEN is 0."""

    num: "Node"
    den: "Node"
    scale: int = 1

    def refs(self) -> set[str]:
        return self.num.refs() | self.den.refs()

    def terms(self) -> set[str]:
        return self.num.terms() | self.den.terms()

    def render(self, names: Names, lang: str, top: bool = True) -> str:
        text = f"{self.num.render(names, lang, False)} / {self.den.render(names, lang, False)}"
        return text + (f" x {self.scale}" if self.scale != 1 else "")


Node = Union[Ref, Term, Sub, Div]


@dataclass(frozen=True)
class Measure:
    """A quantity the engine aggregates from records, described by TEMPLATE ({kpi_id} or {term}).

    ``estimated``: the value is a model's estimate (EMV, a forecast, a classifier's labels).
    ``additive``: the value adds up over days and creators (paces cumulatively); None = decided
    by the unit (counts and money add up).
    ``depends_on_all``: the value restates other KPIs (goal attainment quotes targeted KPIs).
    ``settings``: methodology settings the engine's aggregation reads (attribution, ...).
    """

    template: str
    estimated: bool = False
    additive: bool | None = None
    depends_on_all: bool = False
    settings: tuple[str, ...] = ()

    def refs(self) -> set[str]:
        return {m.group(1) for m in _PLACEHOLDER.finditer(self.template)}

    def terms(self) -> set[str]:
        return set()

    def render(self, names: Names, lang: str, top: bool = True) -> str:
        return _PLACEHOLDER.sub(lambda m: names[m.group(1)][lang], self.template)


@dataclass(frozen=True)
class Choice:
    """The formula the methodology SETTING selects: OPTIONS maps its value to a formula, or a
    function of the setting's value gives it (for list settings such as engagement components)."""

    setting: str
    options: Mapping[Any, "Formula"] | Callable[[Any], "Formula"] = field(default_factory=dict)
    values: tuple = ()  # the setting's values to show, when OPTIONS is a function

    def choices(self) -> list[Any]:
        return list(self.values) if callable(self.options) else list(self.options)

    def pick(self, settings: Mapping[str, Any]) -> "Formula":
        value = settings[self.setting]
        if callable(self.options):
            return self.options(value)
        return self.options[value]


Formula = Union[Ref, Term, Sub, Div, Measure, Choice]
# a formula with its setting choices made
Resolved = Union[Ref, Term, Sub, Div, Measure]


def resolve(formula: Formula, settings: Mapping[str, Any]) -> Resolved:
    """FORMULA with every setting choice made."""
    while isinstance(formula, Choice):
        formula = formula.pick(settings)
    return formula


# ------------------------------------------------------------------------------------------ evaluation

@dataclass
class Operand:
    """A value with the reason it is unknown (None value) and whether it is an estimate."""

    value: Any
    reason: str | None = None
    estimated: bool = False


class Unknown(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def evaluate(node: Node, env: Mapping[str, Operand], label: Callable[[str], str]) -> tuple[Decimal, bool]:
    """The exact value of NODE over ENV (KPI ids and terms) and whether it rests on an estimate.

    Raises :class:`Unknown` with the reasons of every unknown input (each once, in formula order),
    or of a zero divisor (LABEL names an input in that reason).
    """
    if isinstance(node, (Ref, Term)):
        key = node.id if isinstance(node, Ref) else node.name
        op = env.get(key)
        if op is None or op.value is None:
            raise Unknown(op.reason if op is not None and op.reason else f"no {label(key)}")
        return Decimal(op.value) if not isinstance(op.value, float) else Decimal(repr(op.value)), op.estimated
    if isinstance(node, (Sub, Div)):
        left, right = (node.a, node.b) if isinstance(node, Sub) else (node.num, node.den)
        reasons: list[str] = []
        sides = []
        for side in (left, right):
            try:
                sides.append(evaluate(side, env, label))
            except Unknown as exc:
                reasons += [r for r in exc.reason.split("; ") if r not in reasons]
        if reasons:
            raise Unknown("; ".join(reasons))
        (a, ea), (b, eb) = sides
        if isinstance(node, Sub):
            return a - b, ea or eb
        if b == 0:
            raise Unknown(f"{label(_name_of(node.den))} is 0")
        with localcontext() as ctx:
            ctx.prec = 50
            return a * node.scale / b, ea or eb
    raise TypeError(f"cannot evaluate {node!r}")


def _name_of(node: Node) -> str:
    if isinstance(node, Ref):
        return node.id
    if isinstance(node, Term):
        return node.name
    return "the divisor"
