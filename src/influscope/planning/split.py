"""The budget split over a candidate list: how many deliverables to book from whom.

    Option(id, label, fee, value, low, high, min_deliverables=1, max_deliverables=1, choice="auto")
    split(options, budget, *, objective, alpha=0.7, coverage=0.8, seeded_runs=25) -> Split
    exhaustive(options, budget, alpha=0.7) -> (outcome, {id: deliverables})   # the reference, small sets

Model. ``value`` is the expected objective (reach for TOFU, clicks for MOFU, revenue for BOFU, or
any metric of the valuation) of one deliverable, ``fee`` what one deliverable costs (as quoted,
else the middle of the fair range). ``d`` deliverables from a creator are expected to bring
``value x d ^ alpha``: the second post of the same creator reaches fewer new people than the first
(``alpha = 1``: no diminishing returns). A creator is booked for 0 or ``min..max`` deliverables;
``choice="include"`` books at least the minimum, ``"exclude"`` never.

Algorithm: greedy by return per unit of money over moves "book a creator at the minimum" and
"add one deliverable", the must-includes booked first; repeated with each of the ``seeded_runs``
options that promise most at their minimum booked first (the knapsack ratio trap); the best run is
kept. Up to ``IMPROVE_UP_TO`` candidates, a last pass drops one booked creator (or one of their
deliverables), refills greedily without them and keeps any gain, until nothing improves.
``bench/planning/split.py`` checks it against :func:`exhaustive` on small sets.

The outcome's interval: each creator's per-deliverable result is log-normal with the valuation's
median and interval (one draw per creator, shared by their deliverables: a creator who
under-delivers does so on every post); creators are independent; 4,000 draws, central quantiles.

``next_best`` is the option left out (or the extra deliverable) with the best return per unit of
money: what it would have added and what it would have cost.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from statistics import NormalDist

from influscope.planning.notes import N_, note

__all__ = ["Option", "Split", "exhaustive", "outcome_interval", "response", "split"]

DRAWS = 4000
IMPROVE_UP_TO = 60  # candidates up to which the drop-and-refill pass runs (it costs one greedy per booking)


@dataclass(frozen=True)
class Option:
    id: str
    label: str
    fee: Decimal  # per deliverable
    value: float  # expected objective of one deliverable
    low: float | None = None
    high: float | None = None
    min_deliverables: int = 1
    max_deliverables: int = 1
    choice: str = "auto"


def response(o: Option, d: int, alpha: float) -> float:
    return 0.0 if d <= 0 else o.value * d ** alpha


@dataclass
class Split:
    objective: str
    budget: Decimal
    spent: Decimal
    outcome: float
    low: float | None
    high: float | None
    coverage: float
    alpha: float
    booked: dict[str, int]
    rows: list[dict]
    next_best: dict | None
    method: str = "greedy by return per unit of money, seeded runs"
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"objective": self.objective, "budget": str(self.budget), "spent": str(self.spent),
                "unspent": str(self.budget - self.spent), "outcome": self.outcome,
                "interval": {"low": self.low, "high": self.high, "coverage": self.coverage}, "alpha": self.alpha,
                "formula": note(N_("outcome(d) = value per deliverable x d ^ %(alpha)s"), alpha=self.alpha), "method": self.method,
                "rows": self.rows, "next_best": self.next_best, "notes": list(self.notes)}


def _validate(options: Sequence[Option], budget: Decimal, alpha: float) -> None:
    if not 0 < alpha <= 1:
        raise ValueError(f"alpha must be in (0, 1], got {alpha}")
    if budget < 0:
        raise ValueError("budget must not be negative")
    ids = [o.id for o in options]
    if len(set(ids)) != len(ids):
        raise ValueError("duplicate option ids")
    for o in options:
        if o.fee <= 0:
            raise ValueError(f"{o.label}: fee per deliverable must be positive, got {o.fee}")
        if not 1 <= o.min_deliverables <= o.max_deliverables:
            raise ValueError(f"{o.label}: need 1 <= min_deliverables <= max_deliverables")
        if o.choice not in ("auto", "include", "exclude"):
            raise ValueError(f"{o.label}: choice must be auto, include or exclude")


def _move(o: Option, d: int, remaining: Decimal, alpha: float):
    """(return per unit, cost, deliverables after) of the option's next move, or None."""
    if o.choice == "exclude":
        return None
    if d == 0:
        nd, cost = o.min_deliverables, o.fee * o.min_deliverables
    elif d < o.max_deliverables:
        nd, cost = d + 1, o.fee
    else:
        return None
    if cost > remaining:
        return None
    gain = response(o, nd, alpha) - response(o, d, alpha)
    return (gain / float(cost), cost, nd) if gain > 0 else None


def _greedy(options: Sequence[Option], budget: Decimal, alpha: float, seed: int | None,
            start: dict[str, int] | None = None, banned: str | None = None) -> dict[str, int]:
    if start is not None:
        d = dict(start)
    else:
        d = {o.id: 0 for o in options}
        for i, o in enumerate(options):
            if o.choice == "include" or i == seed:
                d[o.id] = o.min_deliverables
    remaining = budget - _spent(options, d)
    if remaining < 0:
        return {}
    if banned is not None:  # a creator the improvement pass just dropped stays out of this run
        options = [o for o in options if o.id != banned]
    moves = [_move(o, d[o.id], remaining, alpha) for o in options]
    while True:
        best = None
        for i, m in enumerate(moves):
            if m is not None and (best is None or m[0] > moves[best][0]):
                best = i
        if best is None:
            return d
        o = options[best]
        _, cost, nd = moves[best]
        d[o.id] = nd
        remaining -= cost
        moves[best] = _move(o, nd, remaining, alpha)
        for i, m in enumerate(moves):
            if m is not None and m[1] > remaining:
                moves[i] = _move(options[i], d[options[i].id], remaining, alpha)


def _total(options, d, alpha) -> float:
    return sum(response(o, d.get(o.id, 0), alpha) for o in options)


def _spent(options, d) -> Decimal:
    return sum((o.fee * d.get(o.id, 0) for o in options), Decimal(0))


def _interval(options: Sequence[Option], d: dict[str, int], alpha: float, coverage: float,
              seed: int = 20261204) -> tuple[float | None, float | None]:
    import numpy as np

    z = NormalDist().inv_cdf(0.5 + coverage / 2)
    chosen = [o for o in options if d.get(o.id)]
    if not chosen:
        return 0.0, 0.0
    if any(o.low is None or o.high is None for o in chosen):
        return None, None
    mu = np.array([math.log1p(max(o.value, 0)) for o in chosen])
    sd = np.array([max(math.log1p(max(o.high, 0)) - math.log1p(max(o.low, 0)), 0) / (2 * z) for o in chosen])
    weight = np.array([d[o.id] ** alpha for o in chosen])
    draws = np.random.default_rng(seed).standard_normal((DRAWS, len(chosen)))
    totals = (np.expm1(mu + draws * sd).clip(min=0) * weight).sum(axis=1)
    lo, hi = np.quantile(totals, [0.5 - coverage / 2, 0.5 + coverage / 2])
    return float(lo), float(hi)


def outcome_interval(options: Sequence[Option], booked: dict[str, int], alpha: float,
                     coverage: float) -> tuple[float | None, float | None]:
    """The ``coverage`` interval of the summed outcome of a booking (the simulation of the module docstring)."""
    return _interval(options, booked, alpha, coverage)


def split(options: Sequence[Option], budget, *, objective: str, alpha: float = 0.7, coverage: float = 0.8,
          seeded_runs: int = 25) -> Split:
    """Book deliverables to maximise the expected objective within ``budget`` (see the module docstring)."""
    budget = Decimal(str(budget))
    _validate(options, budget, alpha)
    must = _spent(options, {o.id: o.min_deliverables for o in options if o.choice == "include"})
    if must > budget:
        raise ValueError(f"the must-include creators cost {must} at their minimum deliverables, more than the "
                         f"budget {budget}")
    best = _greedy(options, budget, alpha, None)
    best_total = _total(options, best, alpha)
    order = sorted((i for i, o in enumerate(options) if o.choice == "auto" and o.fee * o.min_deliverables <= budget),
                   key=lambda i: -response(options[i], options[i].min_deliverables, alpha))[:seeded_runs]
    for i in order:
        d = _greedy(options, budget, alpha, i)
        total = _total(options, d, alpha)
        if d and total > best_total * (1 + 1e-12):
            best, best_total = d, total
    if len(options) <= IMPROVE_UP_TO:
        best, best_total = _improve(options, budget, alpha, best, best_total)
    spent = _spent(options, best)
    remaining = budget - spent
    low, high = _interval(options, best, alpha, coverage)
    rows = []
    for o in options:
        n = best.get(o.id, 0)
        rows.append({"id": o.id, "label": o.label, "deliverables": n, "fee_per_deliverable": str(o.fee),
                     "spend": str(o.fee * n), "expected": response(o, n, alpha), "choice": o.choice})
    rows.sort(key=lambda r: (r["deliverables"] == 0, -r["expected"], r["label"]))
    # what the next best move would have added, ignoring the budget
    nxt = None
    for o in options:
        m = _move(o, best.get(o.id, 0), Decimal("1e18"), alpha)
        if m is None:
            continue
        if nxt is None or m[0] > nxt[0]:
            gain = response(o, m[2], alpha) - response(o, best.get(o.id, 0), alpha)
            nxt = (m[0], o, m[1], m[2], gain)
    next_best = None
    if nxt is not None:
        _, o, cost, nd, gain = nxt
        next_best = {"id": o.id, "label": o.label, "deliverables": nd, "adds": gain, "costs": str(cost),
                     "short_by": str(max(cost - remaining, Decimal(0))),
                     "what": "book" if best.get(o.id, 0) == 0 else "one more deliverable"}
    return Split(objective, budget, spent, best_total, low, high, coverage, alpha, best, rows, next_best)


def _improve(options: Sequence[Option], budget: Decimal, alpha: float, best: dict[str, int],
             best_total: float) -> tuple[dict[str, int], float]:
    """Drop one booked creator (or one deliverable) and refill greedily without them; keep any gain; repeat."""
    improved = True
    while improved:
        improved = False
        for o in options:
            n = best.get(o.id, 0)
            if n == 0:
                continue
            for fewer in ([0] if o.choice != "include" else []) + ([n - 1] if n - 1 >= o.min_deliverables else []):
                trial = _greedy(options, budget, alpha, None, start={**best, o.id: fewer},
                                banned=o.id if fewer == 0 else None)
                total = _total(options, trial, alpha) if trial else -1.0
                if total > best_total * (1 + 1e-12):
                    best, best_total, improved = {**best, **trial}, total, True
                    break
            if improved:
                break
    return best, best_total


def exhaustive(options: Sequence[Option], budget, alpha: float = 0.7) -> tuple[float, dict[str, int]]:
    """The best booking by trying every combination (small sets only: the reference for the greedy)."""
    budget = Decimal(str(budget))
    choices = []
    for o in options:
        if o.choice == "exclude":
            choices.append([0])
        else:
            ds = list(range(o.min_deliverables, o.max_deliverables + 1))
            choices.append(ds if o.choice == "include" else [0] + ds)
    best_total, best = -1.0, {}

    def walk(i: int, spent: Decimal, total: float, d: dict):
        nonlocal best_total, best
        if spent > budget:
            return
        if i == len(options):
            if total > best_total:
                best_total, best = total, dict(d)
            return
        o = options[i]
        for n in choices[i]:
            d[o.id] = n
            walk(i + 1, spent + o.fee * n, total + response(o, n, alpha), d)
        d.pop(o.id, None)

    walk(0, Decimal(0), 0.0, {})
    return best_total, best
