"""Credibility benchmark: precision and recall on synthetic accounts with injected fraud patterns.

    python bench/audience/credibility.py [--accounts 400] [--seed 11]

Half of the accounts are clean (about one in ten with a genuine viral day), half get one fraud
pattern of :data:`influscope.audience.synthetic.PATTERNS` at a random intensity. An account is
flagged when its score is below 75 (the audit threshold). Also reported: per pattern, how often
the check meant for it fired and how often the account was flagged; per check, how often it fired
on clean accounts (false alarms). Peer likes-per-comment ratios come from the other accounts.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from collections import Counter, defaultdict


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--accounts", type=int, default=400)
    ap.add_argument("--seed", type=int, default=11)
    args = ap.parse_args()

    from influscope.audience.credibility import AUDIT_THRESHOLD, assess, likes_per_comment
    from influscope.audience.synthetic import EXPECTED_CHECKS, PATTERNS, clean_account, inject

    rng = random.Random(args.seed)
    accounts = []
    for i in range(args.accounts):
        acc = clean_account(rng)
        pattern = None if i % 2 == 0 else PATTERNS[(i // 2) % len(PATTERNS)]
        accounts.append((pattern, inject(acc, pattern, rng) if pattern else acc))
    ratios = [likes_per_comment(a) for _, a in accounts]

    t = time.perf_counter()
    results = []
    for i, (pattern, acc) in enumerate(accounts):
        peers = [r for j, r in enumerate(ratios) if j != i and r]
        results.append((pattern, assess(acc, peers)))
    elapsed = time.perf_counter() - t

    tp = sum(1 for p, r in results if p and r.score < AUDIT_THRESHOLD)
    fp = sum(1 for p, r in results if not p and r.score < AUDIT_THRESHOLD)
    fn = sum(1 for p, r in results if p and r.score >= AUDIT_THRESHOLD)
    per_pattern = {}
    for pat in PATTERNS:
        rs = [r for p, r in results if p == pat]
        per_pattern[pat] = {
            "accounts": len(rs),
            "flagged": round(sum(r.score < AUDIT_THRESHOLD for r in rs) / len(rs), 3),
            "expected_check_fired": round(sum(bool(EXPECTED_CHECKS[pat] & set(r.fired)) for r in rs) / len(rs), 3),
        }
    clean = [r for p, r in results if not p]
    false_alarms = Counter(c for r in clean for c in r.fired)
    scores = defaultdict(list)
    for p, r in results:
        scores["clean" if not p else "fraud"].append(r.score)
    out = {
        "accounts": len(results), "seed": args.seed, "threshold": AUDIT_THRESHOLD,
        "precision": round(tp / (tp + fp), 3) if tp + fp else None,
        "recall": round(tp / (tp + fn), 3) if tp + fn else None,
        "tp": tp, "fp": fp, "fn": fn,
        "recall_without_emoji_spam": round(
            sum(1 for p, r in results if p and p != "emoji_spam" and r.score < AUDIT_THRESHOLD)
            / sum(1 for p, _ in results if p and p != "emoji_spam"), 3),
        "per_pattern": per_pattern,
        "false_alarms_on_clean": {k: round(v / len(clean), 3) for k, v in false_alarms.most_common()},
        "mean_score": {k: round(sum(v) / len(v), 1) for k, v in scores.items()},
        "accounts_per_s": round(len(results) / elapsed),
    }
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
