"""Comment sentiment on real labelled text nobody on the project wrote, and comments per second.

    python bench/audience/sentiment_real.py [--cache DIR] [--workers 2] [--demo-scale 0.1]

DIR (default ``$EVAL_DEV_CACHE``, else ``$TMPDIR/influscope-eval-dev``) holds the development
sets ``sentiment_{en,zh,ar}_dev.tsv`` (header ``label<TAB>text``; English tweets with pos, neg
and neu items, Simplified Chinese reviews and Arabic tweets with pos and neg items). They are read
from there and never copied into the project.

Scored as the goal counts it, for the embedding model (the default), the embedding model as it
was before (``--previous REV``: the head file committed at REV, read with the rules of that time) and the character n-gram model (the default before both, the reference)
in the same run:

- polar accuracy: on the pos and neg items, the share labelled right, a neutral answer counting
  as wrong; also "forced", the share right when the model must pick pos or neg;
- neutral kept: on the English neu items, the share labelled neutral;
- a sweep of the neutral threshold (the one committed in the head is marked), to show the trade;
- the same figures on each half of every set (``half()``: a fixed rule on a hash of the text);
  decision rules are chosen on half A, so half B shows how they hold on text they were not
  chosen on.

Speed, interleaved, median of three rounds: comments per second on a sample of the English tweets,
on the demo's comments (generated at DEMO_SCALE; a sample as they come, with their repeats, and
their distinct texts), for the reference, for the embedding model as before (every text encoded as
it came) and as now (``EmbeddingModel.predict``: each text once as the encoder
reads it, texts without words settled by their emoji), each in 1 process and in WORKERS processes
of one thread; also per second of CPU time of one process, for both ways, and the tokens the
engine is given either way.

``--previous ''`` leaves the earlier embedding model out. ``--head PATH`` scores another head file (for example one trained with ``--generated en`` by
``train_sentiment_head.py``) instead of the committed one.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np

SETS = ("en", "zh", "ar")
# The commit whose head file was the default before the polarity head's lean weighed in the
# neutral decision of Latin-script text (model id e5small-q4-lr-cff47ebdff, rules version 3,
# hashtags read as words).
PREVIOUS_REV = "b794a29"
PREVIOUS_RULES = "3"
PREVIOUS_HASHTAGS_AS_WORDS = True


def half(text: str) -> str:
    """The half of a development set a text falls in, by a fixed rule: "A" when the first byte of
    the SHA-256 of its UTF-8 text is even, else "B". Decision rules are chosen on half A only
    (docs/audience.md), so half B tells how a choice holds on text it was not chosen on."""
    return "A" if hashlib.sha256(text.encode("utf-8")).digest()[0] % 2 == 0 else "B"


def score_halves(gold: list[str], pred: list[str], forced: list[str], texts: list[str]) -> dict:
    """score() on each half of the set (see half())."""
    out = {}
    for h in ("A", "B"):
        rows = [i for i, t in enumerate(texts) if half(t) == h]
        out[h] = score([gold[i] for i in rows], [pred[i] for i in rows], [forced[i] for i in rows])
    return out


def previous_model(rev: str):
    """The embedding model whose head file was committed at REV, named as it was then."""
    from influscope.audience.embedding import HEAD_FILE, EmbeddingModel

    root = Path(__file__).resolve().parents[2]
    rel = HEAD_FILE.resolve().relative_to(root).as_posix()
    blob = subprocess.run(["git", "-C", str(root), "show", f"{rev}:{rel}"], check=True, capture_output=True).stdout
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as fh:
        fh.write(blob)
    try:
        model = EmbeddingModel.load(Path(fh.name))
    finally:
        os.unlink(fh.name)
    model.name = "e5small-q4-lr-" + hashlib.sha256(blob + f"|rules {PREVIOUS_RULES}".encode()).hexdigest()[:10]
    return model


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


def _encode_given_chunk(texts: list[str]) -> np.ndarray:
    return _worker_encoder.encode(texts, as_given=True)


def encode_parallel(pool, texts: list[str], chunk: int = 64, before: bool | None = True) -> np.ndarray:
    """Chunks of CHUNK texts (as the refresh job sent them to its workers) over the pool, every
    text encoded as before (BEFORE), as the encoder now reads it (False), or exactly as given
    (None: texts already prepared)."""
    parts = [texts[i:i + chunk] for i in range(0, len(texts), chunk)]
    if not parts:
        return np.zeros((0, 384))
    work = _encode_before_chunk if before else (_encode_chunk if before is False else _encode_given_chunk)
    return np.vstack(list(pool.map(work, parts)))


def encode_as_before(enc, texts: list[str]) -> np.ndarray:
    """Every text encoded as it came (no grouping of texts that read the same, no rule)."""
    return enc.encode(texts)


def _encode_before_chunk(texts: list[str]) -> np.ndarray:
    return encode_as_before(_worker_encoder, texts)


def _predict_chunk(texts: list[str]):
    from influscope.audience.embedding import EmbeddingModel

    global _worker_model
    if _worker_model is None:
        _worker_model = EmbeddingModel.load(enc=_worker_encoder)
    return _worker_model.predict(texts)


_worker_model = None


def predict_parallel(pool, texts: list[str], chunk: int = 64):
    """As the refresh job does it with worker processes: each text once as the encoder reads it,
    in chunks of CHUNK distinct texts over the pool."""
    from influscope.audience.embedding import prepare

    index: dict[str, int] = {}
    rows = [index.setdefault(prepare(t), len(index)) for t in texts]
    unique = list(index)
    parts = [unique[i:i + chunk] for i in range(0, len(unique), chunk)]
    found = list(pool.map(_predict_chunk, parts))
    probs = np.vstack([p for p, _ in found]) if found else np.zeros((0, 3))
    labels = [lab for _, labs in found for lab in labs]
    return probs[rows], [labels[r] for r in rows]


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
    ap.add_argument("--head", type=Path, help="score this head file instead of the committed one")
    ap.add_argument("--previous", default=PREVIOUS_REV,
                    help="also score the head committed at this revision, hashtags kept ('' to skip)")
    args = ap.parse_args()

    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from influscope.audience.embedding import (
        CALL_TOKENS,
        ENCODER,
        MAX_CHARS,
        EmbeddingModel,
        encoder,
        has_words,
        prepare,
    )
    from influscope.audience.sentiment import LABELS, reference_model

    data = {name: load_set(args.cache, name) for name in SETS}
    model = EmbeddingModel.load(args.head) if args.head else EmbeddingModel.load()
    ref = reference_model()
    previous = previous_model(args.previous) if args.previous else None
    results: dict = {"embedding_model": model.name, "reference_model": ref.name,
                     "previous_model": previous.name if previous else None,
                     "neutral_threshold": model.neutral_threshold,
                     "neutral_threshold_han": model.neutral_threshold_han,
                     "neutral_threshold_latin": getattr(model, "neutral_threshold_latin", None),
                     "polarity_weight_latin": getattr(model, "polarity_weight_latin", None),
                     "accuracy": {}, "speed": {}}

    pool = ProcessPoolExecutor(args.workers, mp_context=multiprocessing.get_context("spawn"), initializer=_init_worker)
    list(pool.map(_encode_chunk, [["warm up"]] * args.workers))
    def stored_embeddings(name: str, texts: list[str], hashtags_as_words: bool = True) -> np.ndarray:
        """The embeddings of TEXTS as read with or without hashtags as words, kept next to the
        sets (keyed by the prepared texts and the encoder) for reruns."""
        read = [prepare(t, hashtags_as_words=hashtags_as_words) for t in texts]
        key = hashlib.sha256(("\n".join(read) + ENCODER + str(MAX_CHARS)).encode()).hexdigest()[:16]
        stored = args.cache / f"embeddings-{name}-{key}.npy"
        if stored.is_file():
            return np.load(stored)
        t0 = time.perf_counter()
        found = encode_parallel(pool, read, before=None)
        if hashtags_as_words:
            results["speed"][f"dev_{name}_embedding_x{args.workers}"] = round(len(texts) / (time.perf_counter() - t0), 1)
        np.save(stored, found)
        return found

    embeddings = {}
    for name, (gold, texts) in data.items():
        embeddings[name] = stored_embeddings(name, texts)
        _, labels = model.decide(embeddings[name], texts)
        p_pos, _ = model.heads(embeddings[name], texts)
        forced = ["pos" if p >= 0.5 else "neg" for p in p_pos]
        ref_probs = ref.predict_proba(texts)
        ref_pred = [LABELS[int(i)] for i in np.argmax(ref_probs, axis=1)]
        ref_forced = ["pos" if r[2] >= r[0] else "neg" for r in ref_probs]
        results["accuracy"][name] = {"n": len(texts), "embedding": score(gold, labels, forced),
                                     "embedding_halves": score_halves(gold, labels, forced, texts),
                                     "reference": score(gold, ref_pred, ref_forced),
                                     "mean_chars": round(statistics.mean(len(t) for t in texts), 1)}
        if previous is not None:
            before = stored_embeddings(name, texts, hashtags_as_words=PREVIOUS_HASHTAGS_AS_WORDS)
            _, prev_labels = previous.decide(before, texts)
            prev_forced = ["pos" if p >= 0.5 else "neg" for p in previous.heads(before, texts)[0]]
            results["accuracy"][name]["previous"] = score(gold, prev_labels, prev_forced)
            results["accuracy"][name]["previous_halves"] = score_halves(gold, prev_labels, prev_forced, texts)

    # the same threshold for every script, to show the trade (the committed ones are above)
    sweep = []
    committed = (model.neutral_threshold, model.neutral_threshold_han, getattr(model, "neutral_threshold_latin", None))
    for thr in (0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 1.01):
        model.neutral_threshold = model.neutral_threshold_han = model.neutral_threshold_latin = thr
        row = {"threshold": thr}
        for name, (gold, texts) in data.items():
            s = score(gold, model.decide(embeddings[name], texts)[1])
            row[name] = s["polar_accuracy"]
            if "neutral_kept" in s:
                row[f"{name}_neutral_kept"] = s["neutral_kept"]
        sweep.append(row)
    model.neutral_threshold, model.neutral_threshold_han, model.neutral_threshold_latin = committed
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

    # speed, interleaved rounds: reference; the encoder as before (every text encoded as it came);
    # as now (EmbeddingModel.predict: each text once as the encoder reads it,
    # texts without words settled by their emoji); each in 1 process and in WORKERS processes
    enc = encoder()
    enc.encode(["warm up"])
    tweets = data["en"][1][:args.speed_sample]
    demo = demo_texts(args.demo_scale)
    results["demo_comments"] = {"n": len(demo), "distinct": len(set(demo)),
                                "distinct_as_read": len({prepare(t) for t in demo}),
                                "mean_chars": round(statistics.mean(len(t) for t in demo), 1)}
    demo_sample = demo[:args.demo_sample]
    demo_distinct = sorted(set(demo))[:args.demo_sample]
    results["speed"]["call_tokens"] = CALL_TOKENS
    for label, texts in (("tweets_en", tweets), ("demo", demo_sample), ("demo_distinct", demo_distinct)):
        runs = {"reference": lambda: ref.predict_proba(texts),
                "before_x1": lambda: model.decide(encode_as_before(enc, texts), texts),
                "now_x1": lambda: model.predict(texts),
                f"before_x{args.workers}": lambda: model.decide(encode_parallel(pool, texts), texts),
                f"now_x{args.workers}": lambda: predict_parallel(pool, texts)}
        times: dict[str, list[float]] = {k: [] for k in runs}
        cpu: dict[str, list[float]] = {"before": [], "now": []}
        for _ in range(args.rounds):
            for k, run in runs.items():
                t0 = time.perf_counter()
                run()
                times[k].append(time.perf_counter() - t0)
            # per second of CPU time of this one process: what a free core gives, whatever the load
            for way, run in (("before", runs["before_x1"]), ("now", runs["now_x1"])):
                c0 = time.process_time()
                run()
                cpu[way].append(time.process_time() - c0)
        for k, v in times.items():
            results["speed"][f"{label}_{k}"] = round(len(texts) / statistics.median(v), 1)
        for way, v in cpu.items():
            results["speed"][f"{label}_{way}_per_cpu_second"] = round(len(texts) / statistics.median(v), 1)
        results["speed"][f"{label}_n"] = len(texts)
        results["speed"][f"{label}_mean_chars"] = round(statistics.mean(len(t) for t in texts), 1)
        results["speed"][f"{label}_tokens_before"] = sum(enc._e5.token_count(prepare(t) or ".", True)
                                                         for t in texts)
        results["speed"][f"{label}_tokens_now"] = sum(enc._e5.token_count(t, True) for t in {prepare(t) for t in texts}
                                                      if has_words(t))
    # the demo's comments as the refresh job sees them: each distinct text once (the text-hash
    # cache), then as now
    distinct = sorted(set(demo))
    t0 = time.perf_counter()
    predict_parallel(pool, distinct)
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
