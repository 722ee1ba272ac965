"""Train the sentiment heads over e5 embeddings and write ``audience/data/sentiment_head.json``.

    python bench/audience/train_sentiment_head.py [--neutral-threshold 0.75] [--output PATH]
        [--generated FILE [--generated-langs en]] [--polarity-c 1.0]

Training data: only comments the project wrote, ``audience/data/comments_train.csv`` and
``audience/data/comments_train_general.csv`` (never the real labelled text used to evaluate).
Two logistic regressions (scikit-learn, needed here only):

- polarity: positive vs negative, on the polar comments;
- neutral: neutral vs polar, on all comments, classes weighted equally.

The neutral thresholds are not learnt here: they were chosen with ``bench/audience/sentiment_real.py``
on real labelled development text (English tweets have neutral items, the Chinese set has none, so
the threshold for text with Chinese characters also looked at the project's held-out comments);
docs/audience.md gives the trade. They are passed in.

``--generated FILE`` adds text written by ``bench/audience/sentiment_corpus.py`` (the project's
templates and word lists) for the languages in ``--generated-langs``. The committed head does not
use it: measured on the real development text it moved the figures less than their noise and
lowered Chinese (docs/audience.md, "What else was tried").
Deterministic: the same data and encoder give the same file.
"""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path

import numpy as np

DEFAULT_NEUTRAL_THRESHOLD = 0.7
DEFAULT_NEUTRAL_THRESHOLD_HAN = 0.65  # text with Chinese characters
C = 1.0


def main() -> None:
    from sklearn.linear_model import LogisticRegression

    from influscope.audience.embedding import ENCODER, HEAD_FILE, MAX_CHARS, encoder
    from influscope.audience.sentiment import DATA_DIR, load_rows

    ap = argparse.ArgumentParser()
    ap.add_argument("--neutral-threshold", type=float, default=DEFAULT_NEUTRAL_THRESHOLD)
    ap.add_argument("--neutral-threshold-han", type=float, default=DEFAULT_NEUTRAL_THRESHOLD_HAN)
    ap.add_argument("--output", type=Path, default=HEAD_FILE)
    ap.add_argument("--generated", type=Path, help="also train on this file of generated text")
    ap.add_argument("--generated-langs", default="en,zh,ar", help="languages of the generated text to use")
    ap.add_argument("--polarity-c", type=float, default=C)
    args = ap.parse_args()

    files = [DATA_DIR / "comments_train.csv", DATA_DIR / "comments_train_general.csv"]
    rows = [r for f in files for r in load_rows(f)]
    if args.generated:
        langs = {x.strip() for x in args.generated_langs.split(",")}
        rows += [r for r in load_rows(args.generated) if r["lang"][:2] in langs]
        files.append(args.generated)
    texts = [r["text"] for r in rows]
    labels = np.array([r["label"] for r in rows])
    x = encoder().encode(texts).astype(np.float64)
    polar = labels != "neu"
    pol = LogisticRegression(C=args.polarity_c, max_iter=5000).fit(x[polar], labels[polar] == "pos")
    neu = LogisticRegression(C=C, max_iter=5000, class_weight="balanced").fit(x, labels == "neu")
    digest = hashlib.sha256(b"".join(f.read_bytes() for f in files)).hexdigest()
    head = {
        "encoder": ENCODER, "max_chars": MAX_CHARS, "prefix": "query: ",
        "trained_on": {"files": [f.name for f in files], "rows": len(rows), "sha256": digest},
        "polarity": {"C": args.polarity_c, "intercept": round(float(pol.intercept_[0]), 6),
                     "coef": [round(float(v), 6) for v in pol.coef_[0]]},
        "neutral": {"C": C, "class_weight": "balanced", "threshold": args.neutral_threshold,
                    "threshold_han": args.neutral_threshold_han,
                    "intercept": round(float(neu.intercept_[0]), 6),
                    "coef": [round(float(v), 6) for v in neu.coef_[0]]},
    }
    args.output.write_text(json.dumps(head, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {args.output} ({len(rows)} comments, threshold {args.neutral_threshold})")


if __name__ == "__main__":
    main()
