"""The sentiment model: held-out accuracy, determinism, the cache and the replaceable interface."""

import pytest

from influscope.audience import sentiment as s


# The character n-gram model (the reference) was built to 0.85 macro-F1 in every language on the
# project's own held-out comments.
FLOORS = {"en": 0.85, "zh-Hant": 0.85, "zh-Hans": 0.85, "ar": 0.85}
# The embedding model (the default) on the same comments, three classes; its neutral thresholds
# were chosen for real text, where it holds far better (bench/RESULTS.md, docs/audience.md).
# Measured: en 0.91, zh-Hant 0.81, zh-Hans 0.78, ar 0.79.
EMBEDDING_FLOORS = {"en": 0.88, "zh-Hant": 0.78, "zh-Hans": 0.75, "ar": 0.76}


def test_heldout_macro_f1_per_language():
    for model, floors in ((s.reference_model(), FLOORS), (s.default_model(), EMBEDDING_FLOORS)):
        result = s.evaluate(model=model)
        assert set(result["languages"]) == set(floors)
        for lang, m in result["languages"].items():
            assert m["n"] >= 70, lang
            assert m["macro_f1"] >= floors[lang], (model.name, lang, m)


def test_splits_do_not_share_texts():
    train = {r["text"] for r in s.load_rows(s.TRAIN_FILE)}
    held = {r["text"] for r in s.load_rows(s.HELDOUT_FILE)}
    assert len(train) >= 1000 and len(held) >= 400
    assert not train & held
    # nor the same sentence in another spelling (case, width, Traditional vs Simplified, Arabic forms)
    from influscope.audience.normalize import fold

    assert not {fold(x) for x in train} & {fold(x) for x in held}
    # every language has all three labels in both splits
    for rows in (s.load_rows(s.TRAIN_FILE), s.load_rows(s.HELDOUT_FILE)):
        assert {(r["lang"], r["label"]) for r in rows} == {(lang, lab) for lang in ("en", "zh-Hant", "zh-Hans", "ar")
                                                           for lab in s.LABELS}


def test_training_is_deterministic():
    rows = s.load_rows(s.TRAIN_FILE)[::3]
    a, b = s.CharNgramModel.train(rows), s.CharNgramModel.train(rows)
    texts = ["best purchase ever", "退貨了，很失望", "عادي"]
    assert a.name == b.name
    assert (a.predict_proba(texts) == b.predict_proba(texts)).all()


@pytest.mark.parametrize("text, label", [
    ("Broke after two days, total waste of money 😡", "neg"), ("Absolutely love it, my skin glows 😍", "pos"),
    ("Does it come in blue?", "neu"), ("太失望了，完全沒效果", "neg"), ("这个真的好用，爱了", "pos"),
    ("请问在哪里买", "neu"), ("سيء جداً ولا أنصح فيه", "neg"), ("روعة ماشاء الله 😍", "pos"),
])
def test_clear_cases(text, label):
    assert s.classify_one(text).label == label


def test_scores_and_probabilities_are_consistent():
    r = s.classify_one("I love it 😍")
    assert abs(sum(r.probs) - 1) < 1e-3
    assert r.score == pytest.approx(r.probs[2] - r.probs[0], abs=1e-3)
    assert r.confidence == r.probs[s.LABELS.index(r.label)]
    assert r.label == "pos" and r.score > 0.5


def test_the_model_is_replaceable_and_results_are_cached_by_text_hash():
    calls = []

    class Stub:
        name = "stub"

        def predict_proba(self, texts):
            calls.append(list(texts))
            return [[0.1, 0.2, 0.7] for _ in texts]

    try:
        s.set_model(Stub())
        first = s.classify(["a", "b", "a"])
        assert [x.label for x in first] == ["pos"] * 3
        s.classify(["a", "b"])
        # a text repeated in one call goes to the model once; the second call comes from the cache
        assert calls == [["a", "b"]]
    finally:
        s.set_model(None)
    assert s.default_model().name.startswith("e5small-q4-lr-")


def test_bad_label_file_names_line_and_field(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("id,lang,text,label\n1,en,hello,positive\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad.csv: line 2: field 'label'"):
        s.load_rows(bad)
