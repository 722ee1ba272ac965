"""Budget allocation: the cached-move greedy against a plain greedy that re-prices every move.

Both must give the same allocation; the ratio is the plain greedy's time over the library's.
Run: python bench/planning/allocation.py [--creators 300] [--repeat 3]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from decimal import Decimal

from influscope.planning import allocation as al


def plain_greedy(candidates, budget, alpha, step, seed):
    """Reference: every round re-prices every candidate's next move."""
    spend = {c.id: Decimal(0) for c in candidates}
    remaining = budget
    if seed is not None:
        spend[seed.id] = seed.lo
        remaining -= seed.lo
    while True:
        best = None
        for c in candidates:
            x = spend[c.id]
            if x == 0:
                cost = c.lo if c.lo > 0 else min(step, c.hi, remaining)
                if cost <= 0 or cost > remaining:
                    continue
                gain = al.response(c, cost, alpha)
            else:
                cost = min(step, c.hi - x, remaining)
                if cost <= 0:
                    continue
                gain = al.response(c, x + cost, alpha) - al.response(c, x, alpha)
            ratio = gain / float(cost)
            if ratio > 0 and (best is None or ratio > best[0]):
                best = (ratio, c, cost)
        if best is None:
            return spend, remaining
        _, c, cost = best
        spend[c.id] += cost
        remaining -= cost


def make(n: int, seed: int = 11):
    r = random.Random(seed)
    out = []
    for i in range(n):
        fee = Decimal(r.randint(1_000, 60_000))
        out.append(al.Candidate(f"c{i}", fee, float(r.randint(1_000, 200_000)), min_fee=fee,
                                max_fee=fee * r.choice([1, 2, 3])))
    return out


def timed(fn, repeat):
    times, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--creators", type=int, default=300)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    cands = make(args.creators)
    budget = Decimal(2_000_000)
    step = (budget / 100).quantize(Decimal("0.01"))
    original = al._greedy
    try:
        t_lib, fast = timed(lambda: al.allocate(cands, budget), args.repeat)
        al._greedy = plain_greedy
        t_ref, slow = timed(lambda: al.allocate(cands, budget), args.repeat)
    finally:
        al._greedy = original
    same = [(i.id, i.spend) for i in fast.items] == [(i.id, i.spend) for i in slow.items]
    print(f"creators={args.creators} budget={budget} step={step} seeded_runs={al.SEEDED_RUNS}")
    print(f"plain greedy (reference): {t_ref:.3f} s; cached moves (library): {t_lib:.3f} s; "
          f"ratio {t_ref / t_lib:.1f}x; identical allocation: {same}")
    if not same:
        raise SystemExit("allocations differ")


if __name__ == "__main__":
    main()
