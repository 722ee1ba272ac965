"""Purchase-intent rules against the labelled comments: precision, recall, kind accuracy.

    python bench/audience/intent.py

Intent counts as found when a phrase matches and the comment is not labelled negative by the
model, the same rule :func:`influscope.audience.refresh.label_texts` applies.
"""

from __future__ import annotations

import json


def main() -> None:
    from influscope.audience.refresh import label_texts
    from influscope.audience.sentiment import HELDOUT_FILE, TRAIN_FILE, load_rows

    out = {}
    for name, path in (("train", TRAIN_FILE), ("heldout", HELDOUT_FILE)):
        rows = load_rows(path)
        labels = label_texts([r["text"] for r in rows])
        tp = fp = fn = kind_ok = 0
        for r, lab in zip(rows, labels):
            gold = r["intent"] == "1"
            if lab["intent"] and gold:
                tp += 1
                kind_ok += lab["intent_kind"] == r["intent_kind"]
            elif lab["intent"]:
                fp += 1
            elif gold:
                fn += 1
        out[name] = {"comments": len(rows), "with_intent": tp + fn, "precision": round(tp / (tp + fp), 3),
                     "recall": round(tp / (tp + fn), 3), "kind_accuracy": round(kind_ok / tp, 3)}
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
