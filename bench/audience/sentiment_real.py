"""Comment sentiment on real labelled text nobody on the project wrote, and comments per second.

    python bench/audience/sentiment_real.py [--cache DIR] [--workers 2] [--demo-scale 0.1]

DIR (default ``$EVAL_DEV_CACHE``, else ``$TMPDIR/influscope-eval-dev``) holds the development
sets ``sentiment_{en,zh,ar}_dev.tsv`` (header ``label<TAB>text``; English tweets with pos, neg
and neu items, Simplified Chinese reviews and Arabic tweets with pos and neg items). They are read
from there and never copied into the project.

Scored as the goal counts it, for the embedding model (the default) and the character n-gram
model (the previous default, the reference) in the same run:

- polar accuracy: on the pos and neg items, the share labelled right, a neutral answer counting
  as wrong; also "forced", the share right when the model must pick pos or neg;
- neutral kept: on the English neu items, the share labelled neutral;
- a sweep of the neutral threshold (the one committed in the head is marked), to show the trade.

Speed, interleaved (reference, embedding x 1 process, embedding x WORKERS processes of one thread
each), median of three rounds: comments per second on a sample of the English tweets and on the
demo's comments (generated at DEMO_SCALE), every text analysed (no cache).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np

SETS = ("en", "zh", "ar")


def load_set(cache: Path, name: str) -> tuple[list[str], list[str]]:
    path = cache / f"sentiment_{name}_dev.tsv"
    if not path.is_file():
        raise SystemExit(f"{path}: missing; build the development sets first (see docs/audience.md)")
    labels, texts = [], []
    with open(path, encoding="utf-8") as fh:
        next(fh)
        for n, line in enumerate(fh, start=2):
            label, _, text = line.rstrip("\n").partition("\t")
            if label not in ("pos", "neg", "neu"):
                raise SystemExit(f"{path}: line {n}: field 'label' must be pos, neg or neu, got {label!r}")
            labels.append(label)
            texts.append(text)
    return labels, texts


def score(gold: list[str], pred: list[str], forced: list[str] | None = None) -> dict:
    polar = [i for i, g in enumerate(gold) if g != "neu"]
    neutral = [i for i, g in enumerate(gold) if g == "neu"]
    out = {"polar_n": len(polar), "polar_accuracy": round(sum(pred[i] == gold[i] for i in polar) / len(polar), 4),
           "polar_called_neutral": round(sum(pred[i] == "neu" for i in polar) / len(polar), 4)}
    if forced is not None:
        out["forced_accuracy"] = round(sum(forced[i] == gold[i] for i in polar) / len(polar), 4)
    if neutral:
        out["neutral_n"] = len(neutral)
        out["neutral_kept"] = round(sum(pred[i] == "neu" for i in neutral) / len(neutral), 4)
    return out


_worker_encoder = None


def _init_worker() -> None:
    global _worker_encoder
    os.environ["OMP_NUM_THREADS"] = "1"
    from influscope.audience.embedding import Encoder

    _worker_encoder = Encoder()
    _worker_encoder.encode(["warm up"])


def _encode_chunk(texts: list[str]) -> np.ndarray:
    return _worker_encoder.encode(texts)


def encode_parallel(pool, texts: list[str], chunk: int = 32) -> np.ndarray:
    parts = [texts[i:i + chunk] for i in range(0, len(texts), chunk)]
    return np.vstack(list(pool.map(_encode_chunk, parts))) if parts else np.zeros((0, 384))


def demo_texts(scale: float) -> list[str]:
    import csv

    from influscope.demo import generate

    with tempfile.TemporaryDirectory() as tmp:
        texts = []
        for folder in generate(tmp, scale=scale, seed=7):
            path = Path(folder) / "comments.csv"
            if path.is_file():
                with open(path, encoding="utf-8", newline="") as fh:
                    texts += [r["text"] for r in csv.DictReader(fh)]
    return texts


def main() -> None:
    ap = argparse.ArgumentParser()
    default_cache = os.environ.get("EVAL_DEV_CACHE") or os.path.join(tempfile.gettempdir(), "influscope-eval-dev")
    ap.add_argument("--cache", type=Path, default=Path(default_cache))
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--demo-scale", type=float, default=0.1)
    ap.add_argument("--speed-sample", type=int, default=300, help="English tweets timed per round")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--demo-sample", type=int, default=600, help="demo comments timed per round")
    ap.add_argument("--output", type=Path, help="also write the results here as JSON")
    ap.add_argument("--accuracy-only", action="store_true", help="skip the speed rounds")
    args = ap.parse_args()

    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from influscope.audience.embedding import (
        ENCODER,
        MAX_CHARS,
        EmbeddingModel,
        encoder,
    )
    from influscope.audience.sentiment import LABELS, reference_model

    data = {name: load_set(args.cache, name) for name in SETS}
    model = EmbeddingModel.load()
    ref = reference_model()
    results: dict = {"embedding_model": model.name, "reference_model": ref.name,
                     "neutral_threshold": model.neutral_threshold,
                     "neutral_threshold_han": model.neutral_threshold_han, "accuracy": {}, "speed": {}}

    pool = ProcessPoolExecutor(args.workers, mp_context=multiprocessing.get_context("spawn"), initializer=_init_worker)
    list(pool.map(_encode_chunk, [["warm up"]] * args.workers))
    embeddings = {}
    for name, (gold, texts) in data.items():
        # the embeddings are kept next to the sets (keyed by the texts and the encoder) for reruns
        key = hashlib.sha256(("\n".join(texts) + ENCODER + str(MAX_CHARS)).encode()).hexdigest()[:16]
        stored = args.cache / f"embeddings-{name}-{key}.npy"
        if stored.is_file():
            embeddings[name] = np.load(stored)
        else:
            t0 = time.perf_counter()
            embeddings[name] = encode_parallel(pool, texts)
            results["speed"][f"dev_{name}_embedding_x{args.workers}"] = round(len(texts) / (time.perf_counter() - t0), 1)
            np.save(stored, embeddings[name])
        _, labels = model.decide(embeddings[name], texts)
        p_pos, _ = model.heads(embeddings[name])
        forced = ["pos" if p >= 0.5 else "neg" for p in p_pos]
        ref_probs = ref.predict_proba(texts)
        ref_pred = [LABELS[int(i)] for i in np.argmax(ref_probs, axis=1)]
        ref_forced = ["pos" if r[2] >= r[0] else "neg" for r in ref_probs]
        results["accuracy"][name] = {"n": len(texts), "embedding": score(gold, labels, forced),
                                     "reference": score(gold, ref_pred, ref_forced),
                                     "mean_chars": round(statistics.mean(len(t) for t in texts), 1)}

    # the same threshold for every script, to show the trade (the committed ones are above)
    sweep = []
    committed = (model.neutral_threshold, model.neutral_threshold_han)
    for thr in (0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 1.01):
        model.neutral_threshold = model.neutral_threshold_han = thr
        row = {"threshold": thr}
        for name, (gold, texts) in data.items():
            s = score(gold, model.decide(embeddings[name], texts)[1])
            row[name] = s["polar_accuracy"]
            if "neutral_kept" in s:
                row[f"{name}_neutral_kept"] = s["neutral_kept"]
        sweep.append(row)
    model.neutral_threshold, model.neutral_threshold_han = committed
    results["threshold_sweep"] = sweep

    # purchase intent / advocacy: no real text labelled for it is at hand, so only how often the
    # phrases fire on real text (a comment called negative with P(neg) >= 0.5 carries no intent,
    # as in refresh)
    from influscope.audience.intent import detect_intent

    fired: dict = {}
    for name, (gold, texts) in data.items():
        probs, labels = model.decide(embeddings[name], texts)
        kinds = [(i.kind if i is not None and (lab != "neg" or p[0] < 0.5) else None)
                 for i, lab, p in ((detect_intent(t), lab, p) for t, lab, p in zip(texts, labels, probs))]
        fired[name] = {k: sum(1 for x in kinds if x == k) for k in ("purchase", "desire", "advocacy")}
        fired[name]["on_gold_negative"] = sum(1 for x, g in zip(kinds, gold) if x and g == "neg")
    results["intent_fired_on_real_text"] = fired
    if args.accuracy_only:
        pool.shutdown()
        _report(results, args.output)
        return

    # speed, interleaved rounds: reference, embedding x 1 process, embedding x WORKERS processes
    enc = encoder()
    enc.encode(["warm up"])
    tweets = data["en"][1][:args.speed_sample]
    demo = demo_texts(args.demo_scale)
    results["demo_comments"] = {"n": len(demo), "distinct": len(set(demo)),
                                "mean_chars": round(statistics.mean(len(t) for t in demo), 1)}
    demo_sample = demo[:args.demo_sample]
    for label, texts in (("tweets_en", tweets), ("demo", demo_sample)):
        times: dict[str, list[float]] = {"reference": [], "embedding_x1": [], f"embedding_x{args.workers}": []}
        for _ in range(args.rounds):
            t0 = time.perf_counter()
            ref.predict_proba(texts)
            times["reference"].append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            model.decide(enc.encode(texts), texts)
            times["embedding_x1"].append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            model.decide(encode_parallel(pool, texts), texts)
            times[f"embedding_x{args.workers}"].append(time.perf_counter() - t0)
        for k, v in times.items():
            results["speed"][f"{label}_{k}"] = round(len(texts) / statistics.median(v), 1)
        results["speed"][f"{label}_n"] = len(texts)
        # per second of CPU time of the one process: what a free core gives, whatever the load
        c0 = time.process_time()
        enc.encode(texts)
        results["speed"][f"{label}_embedding_per_cpu_second"] = round(len(texts) / (time.process_time() - c0), 1)
        c0 = time.process_time()
        ref.predict_proba(texts)
        results["speed"][f"{label}_reference_per_cpu_second"] = round(len(texts) / (time.process_time() - c0), 1)
    # the demo's comments through the text-hash cache: each distinct text is analysed once
    distinct = sorted(set(demo))
    t0 = time.perf_counter()
    model.decide(encode_parallel(pool, distinct), distinct)
    results["speed"][f"demo_all_{len(demo)}_through_cache_x{args.workers}"] = round(
        len(demo) / (time.perf_counter() - t0), 1)
    pool.shutdown()
    _report(results, args.output)


def _report(results: dict, output: Path | None) -> None:
    results["load_average"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(results, indent=1, ensure_ascii=False))
    if output:
        output.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
