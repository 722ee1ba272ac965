"""Budget allocation across candidate creators, maximising the campaign goal's objective.

Public API::

    OBJECTIVES = ("reach", "impressions", "engagements", "clicks", "leads", "revenue", "emv")
    GOAL_OBJECTIVE = {"tofu": "reach", "mofu": "clicks", "bofu": "revenue"}
    Candidate(id: str, fee: Decimal, outcome: float, min_fee: Decimal | None = None,
              max_fee: Decimal | None = None, label: str | None = None, estimated: bool = False)
    allocate(candidates: Sequence[Candidate], budget, *, goal: str = "bofu",
             objective: str | None = None, alpha: float = 0.5, step=None) -> Allocation
    response(candidate: Candidate, spend: Decimal, alpha: float = 0.5) -> float
    read_candidates(path, objective: str, *, emv_table="default") -> list[Candidate]

Model. ``fee`` is a creator's quoted fee and ``outcome`` the expected result at that fee (reach
for TOFU, clicks or leads for MOFU, revenue for BOFU, or any objective you choose). Spending ``x``
on the creator yields ``outcome x (x / fee) ** alpha`` (diminishing returns for ``alpha < 1``;
0.5 by default, ``alpha = 1`` is linear). A creator is either not booked (spend 0) or booked for
``min_fee <= x <= max_fee`` (both default to ``fee``: the quoted deal only).

Algorithm (greedy marginal return, pure Python):

1. Everyone starts at 0. At each step, every move that still fits the remaining budget is priced
   by its return per unit of money: booking an unbooked creator at ``min_fee`` (return
   ``response(min_fee) / min_fee``) or adding one ``step`` (default budget / 100, capped by
   ``max_fee`` and the remaining budget) to a booked creator (return ``(response(x + step) -
   response(x)) / step``).
2. The move with the highest return is taken (ties: the earlier candidate); repeat until no move
   fits or none returns anything.
3. The same greedy is run again with each of the ``SEEDED_RUNS`` (25) candidates that promise
   most at their minimum fee booked first; the best of all runs is kept. This avoids the ratio
   trap of knapsack problems (a cheap deal with a high ratio that leaves no room for a better,
   bigger one) and guarantees at least the result of the best single affordable deal among them.

With no minimum fees (``min_fee = 0``) and concave responses the greedy is optimal on the step
grid. With minimum fees it is a heuristic and can leave budget unused; every result lists the
spend, the expected outcome and the marginal return of each creator, so the choice is visible.
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal
from typing import Sequence

from influscope.db.types import to_decimal

__all__ = ["Allocation", "AllocationItem", "Candidate", "GOAL_OBJECTIVE", "OBJECTIVES", "PlanFileError",
           "allocate", "read_candidates", "response"]

OBJECTIVES = ("reach", "impressions", "engagements", "clicks", "leads", "revenue", "emv")
MAX_STEPS = 20_000  # budget / step may not exceed this (bounds the work)
SEEDED_RUNS = 25  # extra greedy runs, each starting with one of the candidates best at their minimum fee
GOAL_OBJECTIVE = {"tofu": "reach", "mofu": "clicks", "bofu": "revenue"}
_CENT = Decimal("0.01")


class PlanFileError(ValueError):
    """A candidates file is wrong; the message names file, line and field."""


@dataclass(frozen=True)
class Candidate:
    id: str
    fee: Decimal
    outcome: float
    min_fee: Decimal | None = None
    max_fee: Decimal | None = None
    label: str | None = None
    estimated: bool = False

    @property
    def lo(self) -> Decimal:
        return self.fee if self.min_fee is None else self.min_fee

    @property
    def hi(self) -> Decimal:
        return self.fee if self.max_fee is None else self.max_fee


@dataclass(frozen=True)
class AllocationItem:
    id: str
    label: str | None
    spend: Decimal
    outcome: float
    booked: bool
    marginal_return: float | None  # objective per unit of money for the next step at this spend
    estimated: bool

    def to_dict(self) -> dict:
        return {"id": self.id, "label": self.label, "spend": str(self.spend), "outcome": self.outcome,
                "booked": self.booked, "marginal_return": self.marginal_return, "estimated": self.estimated}


@dataclass(frozen=True)
class Allocation:
    goal: str
    objective: str
    budget: Decimal
    spent: Decimal
    unspent: Decimal
    outcome: float
    alpha: float
    step: Decimal
    items: list[AllocationItem] = field(default_factory=list)
    method: str = "greedy marginal return"

    def to_dict(self) -> dict:
        return {"goal": self.goal, "objective": self.objective, "budget": str(self.budget),
                "spent": str(self.spent), "unspent": str(self.unspent), "outcome": self.outcome,
                "alpha": self.alpha, "step": str(self.step), "method": self.method,
                "formula": f"outcome(x) = outcome_at_fee x (x / fee) ^ {self.alpha}",
                "items": [i.to_dict() for i in self.items]}


def _validate(c: Candidate) -> None:
    if c.fee <= 0:
        raise ValueError(f"candidate {c.id!r}: fee must be positive, got {c.fee}")
    if c.outcome < 0:
        raise ValueError(f"candidate {c.id!r}: expected outcome must not be negative, got {c.outcome}")
    if c.lo < 0 or c.hi < c.lo:
        raise ValueError(f"candidate {c.id!r}: need 0 <= min_fee <= max_fee, got {c.lo}-{c.hi}")


def response(candidate: Candidate, spend: Decimal, alpha: float = 0.5) -> float:
    """Expected outcome when ``spend`` is paid to the candidate (0 when spend is 0)."""
    if spend <= 0:
        return 0.0
    return candidate.outcome * (float(spend) / float(candidate.fee)) ** alpha


def allocate(candidates: Sequence[Candidate], budget, *, goal: str = "bofu", objective: str | None = None,
             alpha: float = 0.5, step=None) -> Allocation:
    """Split ``budget`` across ``candidates`` to maximise the objective (see the module docstring)."""
    if goal not in GOAL_OBJECTIVE:
        raise ValueError(f"goal must be tofu, mofu or bofu, got {goal!r}")
    objective = objective or GOAL_OBJECTIVE[goal]
    if objective not in OBJECTIVES:
        raise ValueError(f"objective must be one of {', '.join(OBJECTIVES)}, got {objective!r}")
    if not 0 < alpha <= 1:
        raise ValueError(f"alpha must be in (0, 1], got {alpha}")
    budget = to_decimal(budget, field="budget")
    if budget < 0:
        raise ValueError("budget must not be negative")
    ids = [c.id for c in candidates]
    if len(set(ids)) != len(ids):
        dup = sorted({i for i in ids if ids.count(i) > 1})
        raise ValueError(f"duplicate candidate id(s): {', '.join(dup)}")
    for c in candidates:
        _validate(c)
    step = (budget / 100).quantize(_CENT, rounding=ROUND_DOWN) if step is None else to_decimal(step, field="step")
    if step <= 0:
        step = _CENT
    if budget / step > MAX_STEPS:
        raise ValueError(f"step {step} is too small for a budget of {budget}: more than {MAX_STEPS:,} increments")

    spend, remaining = _greedy(candidates, budget, alpha, step, seed=None)
    best_total = sum(response(c, spend[c.id], alpha) for c in candidates)
    # Seeded runs: book one candidate first, then continue greedily; keep the best result. This
    # protects against the ratio trap (a cheap high-ratio deal that blocks a better big one).
    seeds = sorted((c for c in candidates if 0 < c.lo <= budget), key=lambda c: -response(c, c.lo, alpha))[:SEEDED_RUNS]
    for seed in seeds:
        s_spend, s_remaining = _greedy(candidates, budget, alpha, step, seed=seed)
        total = sum(response(c, s_spend[c.id], alpha) for c in candidates)
        if total > best_total * (1 + 1e-12):
            spend, remaining, best_total = s_spend, s_remaining, total

    items = []
    for c in candidates:
        x = spend[c.id]
        nxt = min(step, c.hi - x) if x > 0 else c.lo
        if x > 0 and nxt > 0:
            mr = (response(c, x + nxt, alpha) - response(c, x, alpha)) / float(nxt)
        elif x == 0 and nxt > 0:
            mr = response(c, nxt, alpha) / float(nxt)
        else:
            mr = None
        items.append(AllocationItem(c.id, c.label, x.quantize(_CENT), response(c, x, alpha), x > 0, mr, c.estimated))
    items.sort(key=lambda i: (not i.booked, -i.outcome, i.id))
    spent = (budget - remaining).quantize(_CENT)
    remaining = remaining.quantize(_CENT)
    return Allocation(goal=goal, objective=objective, budget=budget, spent=spent, unspent=remaining,
                      outcome=sum(i.outcome for i in items), alpha=alpha, step=step, items=items)


def _greedy(candidates: Sequence[Candidate], budget: Decimal, alpha: float, step: Decimal,
            seed: Candidate | None) -> tuple[dict[str, Decimal], Decimal]:
    spend = {c.id: Decimal(0) for c in candidates}
    remaining = budget
    if seed is not None:
        spend[seed.id] = seed.lo
        remaining -= seed.lo

    def move(c: Candidate):
        """(return per unit, cost) of the candidate's next move, or None when none fits."""
        x = spend[c.id]
        if x == 0:
            cost = c.lo
            if cost <= 0:
                cost = min(step, c.hi, remaining)
            if cost <= 0 or cost > remaining:
                return None
            gain = response(c, cost, alpha)
        else:
            cost = min(step, c.hi - x, remaining)
            if cost <= 0:
                return None
            gain = response(c, x + cost, alpha) - response(c, x, alpha)
        ratio = gain / float(cost)
        return (ratio, cost) if ratio > 0 else None

    # Cached moves: a move changes only when its candidate moves or the remaining budget falls
    # below its cost, so each round recomputes few of them.
    moves = [move(c) for c in candidates]
    while True:
        best_i = None
        for i, m in enumerate(moves):
            if m is not None and (best_i is None or m[0] > moves[best_i][0]):
                best_i = i
        if best_i is None:
            return spend, remaining
        c = candidates[best_i]
        cost = moves[best_i][1]
        spend[c.id] += cost
        remaining -= cost
        moves[best_i] = move(c)
        for i, m in enumerate(moves):
            if m is not None and m[1] > remaining:
                moves[i] = move(candidates[i])


# ---------------------------------------------------------------- CSV input

_POST_METRICS = ("impressions", "reach", "views", "likes", "comments", "shares", "saves", "link_clicks")
_VALUATION_KEYS = {"reach": "reach", "impressions": "impressions", "engagements": "engagements", "clicks": "clicks"}


def read_candidates(path: str | os.PathLike, objective: str, *, emv_table="default") -> list[Candidate]:
    """Read candidates from a CSV file.

    Columns: ``creator_id`` and ``fee`` (required); ``min_fee``, ``max_fee``, ``handle``,
    ``platform``, ``followers``; the objective column (``reach``, ``impressions``,
    ``engagements``, ``clicks``, ``leads``, ``revenue`` or ``emv``: the expected result at the
    quoted fee). When the objective column is empty, reach, impressions, engagements, clicks and
    emv are estimated with :func:`influscope.planning.valuation.value_creator` from ``followers``,
    ``platform`` and typical per-post metrics in the row (impressions, reach, views, likes,
    comments, shares, saves, link_clicks); leads and revenue must be given.
    """
    from influscope.planning.valuation import value_creator

    if objective not in OBJECTIVES:
        raise ValueError(f"objective must be one of {', '.join(OBJECTIVES)}, got {objective!r}")
    name = str(path)
    try:
        fh = open(path, newline="", encoding="utf-8-sig")
    except FileNotFoundError:
        raise PlanFileError(f"{name}: file not found") from None
    out: list[Candidate] = []
    with fh:
        reader = csv.DictReader(fh)
        cols = reader.fieldnames or []
        for req in ("creator_id", "fee"):
            if req not in cols:
                raise PlanFileError(f"{name}: line 1: missing column {req!r} (columns: {', '.join(cols) or 'none'})")
        seen: dict[str, int] = {}
        for row in reader:
            line = reader.line_num

            def fail(col, msg):
                raise PlanFileError(f"{name}: line {line}: {col}: {msg}")

            def money(col, required=False):
                raw = (row.get(col) or "").strip()
                if not raw:
                    if required:
                        fail(col, "required")
                    return None
                try:
                    d = to_decimal(raw, field=col)
                except ValueError:
                    fail(col, f"not a number: {raw!r}")
                if d < 0:
                    fail(col, f"must not be negative: {raw!r}")
                return d

            cid = (row.get("creator_id") or "").strip()
            if not cid:
                fail("creator_id", "required")
            if cid in seen:
                fail("creator_id", f"duplicate {cid!r} (first on line {seen[cid]})")
            seen[cid] = line
            fee = money("fee", required=True)
            if fee == 0:
                fail("fee", "must be positive")
            lo, hi = money("min_fee"), money("max_fee")
            if lo is not None and hi is not None and hi < lo:
                fail("max_fee", f"{hi} is below min_fee {lo}")
            value = money(objective)
            estimated = False
            if value is None:
                if objective in ("leads", "revenue"):
                    fail(objective, f"required: the expected {objective} at the quoted fee")
                followers = money("followers")
                platform = (row.get("platform") or "").strip()
                if followers is None or not platform:
                    fail(objective, "empty: give it, or followers and platform (and typical post metrics) to estimate it")
                post = {k: row.get(k) for k in _POST_METRICS if (row.get(k) or "").strip()}
                try:
                    v = value_creator(int(followers), platform, [post] if post else [], emv_table=emv_table)
                except ValueError as exc:
                    fail(objective, f"cannot estimate: {exc}")
                if objective == "emv":
                    got = None if v.emv is None else float(v.emv)
                else:
                    got = v.per_post[_VALUATION_KEYS[objective]].value
                if got is None:
                    fail(objective, "empty and cannot be estimated from this row (add typical post metrics)")
                value, estimated = Decimal(repr(float(got))), True
            out.append(Candidate(id=cid, fee=fee, outcome=float(value), min_fee=lo, max_fee=hi,
                                 label=(row.get("handle") or "").strip() or None, estimated=estimated))
    if not out:
        raise PlanFileError(f"{name}: no candidates")
    return out
