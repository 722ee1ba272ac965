"""Purchase-intent rules against the labelled comments: precision, recall, kind accuracy.

    python bench/audience/intent.py [--external FILE.csv [--text-column text]
                                     [--label-column purchase_intent] [--group-column platform]]

Intent counts as found when a phrase matches and the comment is not labelled negative by the
model, the same rule :func:`influscope.audience.refresh.label_texts` applies.

``--external`` also scores a labelled file that nobody on the project wrote (kept outside the
repository; docs/audience.md names the one used): LABEL_COLUMN is 1 for purchase intent and 0
otherwise; repeated texts count once; with GROUP_COLUMN the figures are given per group too.
"""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path


def external(path: Path, text_column: str, label_column: str, group_column: str | None) -> dict:
    from influscope.audience.intent import detect_intent
    from influscope.audience.refresh import label_texts

    items: dict[tuple[str, str], bool] = {}
    with open(path, encoding="utf-8", newline="") as fh:
        for n, row in enumerate(csv.DictReader(fh), start=2):
            if row.get(label_column) not in ("0", "1"):
                raise SystemExit(f"{path}: line {n}: field {label_column!r} must be 0 or 1")
            group = row.get(group_column, "") if group_column else ""
            items.setdefault((group, row[text_column]), row[label_column] == "1")
    keys = list(items)
    # the sentiment only matters where a phrase matched (it can only remove intent): label those
    labels = [{"intent": False, "intent_kind": None} for _ in keys]
    matched = [i for i, (_, text) in enumerate(keys) if detect_intent(text) is not None]
    for i, lab in zip(matched, label_texts([keys[i][1] for i in matched])):
        labels[i] = lab
    out = {}
    for group in sorted({g for g, _ in keys}) + (["all"] if group_column else []):
        idx = [i for i, (g, _) in enumerate(keys) if group in ("all", g)]
        tp = sum(1 for i in idx if labels[i]["intent"] and items[keys[i]])
        fp = sum(1 for i in idx if labels[i]["intent"] and not items[keys[i]])
        fn = sum(1 for i in idx if not labels[i]["intent"] and items[keys[i]])
        kinds: dict[str, int] = {}
        for i in idx:
            if labels[i]["intent"] and items[keys[i]]:
                kinds[labels[i]["intent_kind"]] = kinds.get(labels[i]["intent_kind"], 0) + 1
        out[group or "all"] = {"texts": len(idx), "with_intent": tp + fn, "precision": round(tp / max(1, tp + fp), 3),
                               "recall": round(tp / max(1, tp + fn), 3), "found_by_kind": kinds}
    return out


def main() -> None:
    from influscope.audience.refresh import label_texts
    from influscope.audience.sentiment import HELDOUT_FILE, TRAIN_FILE, load_rows

    ap = argparse.ArgumentParser()
    ap.add_argument("--external", type=Path)
    ap.add_argument("--text-column", default="text")
    ap.add_argument("--label-column", default="purchase_intent")
    ap.add_argument("--group-column")
    args = ap.parse_args()
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
    if args.external:
        out["external"] = external(args.external, args.text_column, args.label_column, args.group_column)
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
