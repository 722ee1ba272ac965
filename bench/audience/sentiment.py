"""Sentiment benchmark: macro-F1 per language on the held-out split, and throughput.

    python bench/audience/sentiment.py [--repeat 3] [--threads 2]

Throughput is measured on the held-out comments repeated to N texts, each made unique (so the
in-memory cache does not answer), through the same path as ``influscope sentiment``:
language id + sentiment + intent. Reference in the same run: the time to fold the same texts
(:func:`influscope.audience.normalize.fold`, the first step of every path), reported as a ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=4000, help="comments per throughput run")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2, help="BLAS threads (the machine has 2 cores)")
    args = ap.parse_args()
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, str(args.threads))

    from influscope.audience import sentiment as s
    from influscope.audience.langid import detect
    from influscope.audience.normalize import fold
    from influscope.audience.refresh import label_texts

    t0 = time.perf_counter()
    model = s.default_model()
    load_s = time.perf_counter() - t0
    detect("warm up lingua")
    quality = s.evaluate()

    rows = s.load_rows(s.HELDOUT_FILE)
    base = [r["text"] for r in rows]
    texts = [f"{base[i % len(base)]} #{i}" for i in range(args.n)]  # unique: no cache hits
    best = {"label": float("inf"), "sentiment_only": float("inf"), "fold": float("inf"), "cached": float("inf")}
    for _ in range(args.repeat):
        s.set_model(model)  # clears the cache
        t = time.perf_counter()
        label_texts(texts, model)
        best["label"] = min(best["label"], time.perf_counter() - t)
        t = time.perf_counter()
        label_texts(texts, model)  # second pass: sentiment from the cache
        best["cached"] = min(best["cached"], time.perf_counter() - t)
        s.set_model(model)
        t = time.perf_counter()
        s.classify(texts, model)
        best["sentiment_only"] = min(best["sentiment_only"], time.perf_counter() - t)
        t = time.perf_counter()
        for x in texts:
            fold(x)
        best["fold"] = min(best["fold"], time.perf_counter() - t)
    out = {
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "model": model.name,
        "model_load_or_train_s": round(load_s, 2),
        "heldout": quality,
        "throughput": {
            "comments": args.n,
            "label_per_s": round(args.n / best["label"]),
            "sentiment_only_per_s": round(args.n / best["sentiment_only"]),
            "cached_label_per_s": round(args.n / best["cached"]),
            "fold_per_s": round(args.n / best["fold"]),
            "label_time_vs_fold": round(best["label"] / best["fold"], 1),
        },
    }
    print(json.dumps(out, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
