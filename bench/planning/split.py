"""The budget split against exhaustive search, and its time for 300 candidates.

1. Optimality: on random sets of 4-7 candidates (1-3 deliverables each, some must-include or
   excluded), the greedy's expected outcome against the best of every combination
   (:func:`influscope.planning.split.exhaustive`): how often it finds the optimum, the worst
   relative gap, and whether every gap is within one step (the largest single move's gain).
2. Time: 300 candidates (up to 5 deliverables each), the split (greedy + 25 seeded runs + the
   4,000-draw interval) against one plain greedy run that re-prices every move each round (the
   reference a data engineer would write first), interleaved, median of the rounds.

Run: python bench/planning/split.py [--sets 300] [--rounds 5]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from decimal import Decimal

from influscope.planning.split import Option, _move, exhaustive, response, split


def random_options(rng: random.Random, n: int, max_extra: int = 2) -> list[Option]:
    out = []
    for i in range(n):
        lo = rng.randint(1, 2)
        value = rng.lognormvariate(8, 1.2)
        fee = Decimal(int(value * rng.uniform(0.02, 0.2)) + 10)
        choice = rng.choices(("auto", "include", "exclude"), (0.85, 0.07, 0.08))[0]
        out.append(Option(str(i), f"c{i}", fee, value, value / 3, value * 3, lo, lo + rng.randint(0, max_extra), choice))
    return out


def plain_greedy(options: list[Option], budget: Decimal, alpha: float) -> float:
    """Reference: every round re-prices every candidate's next move; no seeded runs."""
    d = {o.id: (o.min_deliverables if o.choice == "include" else 0) for o in options}
    remaining = budget - sum((o.fee * d[o.id] for o in options), Decimal(0))
    while True:
        best = None
        for o in options:
            m = _move(o, d[o.id], remaining, alpha)
            if m is not None and (best is None or m[0] > best[0]):
                best = (m[0], o, m[1], m[2])
        if best is None:
            return sum(response(o, d[o.id], alpha) for o in options)
        _, o, cost, nd = best
        d[o.id] = nd
        remaining -= cost


def optimality(sets: int, seed: int) -> None:
    rng = random.Random(seed)
    exact = within = 0
    gaps = []
    worst = 0.0
    for _ in range(sets):
        opts = random_options(rng, rng.randint(4, 7))
        must = sum((o.fee * o.min_deliverables for o in opts if o.choice == "include"), Decimal(0))
        total_fee = sum((o.fee * o.max_deliverables for o in opts), Decimal(0))
        budget = must + Decimal(int(float(total_fee) * rng.uniform(0.2, 0.7)))
        best, _ = exhaustive(opts, budget)
        got = split(opts, budget, objective="reach").outcome
        one_step = max(response(o, o.max_deliverables, 0.7) - response(o, o.max_deliverables - 1, 0.7)
                       if o.max_deliverables > 1 else response(o, 1, 0.7) for o in opts)
        one_step = max(one_step, max(response(o, o.min_deliverables, 0.7) for o in opts))
        gap = (best - got) / best if best > 0 else 0.0
        gaps.append(gap)
        worst = max(worst, gap)
        exact += abs(best - got) <= 1e-9 * max(best, 1)
        within += best - got <= one_step + 1e-9
    print(f"optimality on {sets} random sets of 4-7 candidates (1-3 deliverables, must-include/exclude):")
    print(f"  optimum found {exact}/{sets} ({exact / sets:.1%}); within one step {within}/{sets}; "
          f"mean gap {statistics.fmean(gaps):.3%}, worst gap {worst:.2%}")


def timing(rounds: int, seed: int) -> None:
    rng = random.Random(seed)
    opts = random_options(rng, 300, max_extra=4)
    budget = Decimal(int(float(sum((o.fee * o.max_deliverables for o in opts), Decimal(0))) * 0.3))
    ours, ref = [], []
    for _ in range(rounds):
        t0 = time.perf_counter()
        got = split(opts, budget, objective="reach")
        ours.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        plain = plain_greedy(opts, budget, 0.7)
        ref.append(time.perf_counter() - t0)
    a, b = statistics.median(ours), statistics.median(ref)
    print(f"300 candidates, budget {budget:,}: split (greedy + 25 seeded runs + interval) {a * 1000:.0f} ms; "
          f"one plain re-pricing greedy {b * 1000:.0f} ms; ratio {a / b:.2f} (median of {rounds}, interleaved)")
    print(f"  outcome: split {got.outcome:,.0f} vs plain greedy {plain:,.0f} "
          f"({(got.outcome - plain) / plain:+.2%}); {sum(1 for r in got.rows if r['deliverables'])} creators booked")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sets", type=int, default=300)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--seed", type=int, default=17)
    args = ap.parse_args()
    optimality(args.sets, args.seed)
    timing(args.rounds, args.seed)


if __name__ == "__main__":
    main()
