"""The sentiment model's id, as readers compute it without the embedding engine."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from influscope.audience import embedding, model_id, sentiment

REPO = Path(__file__).resolve().parents[2]


def test_the_reader_id_is_the_id_the_engine_gives_its_model():
    sentiment.set_model(None)
    name = sentiment.current_model_name()
    assert name == model_id.model_name() == embedding.model_name() == embedding.EmbeddingModel.load().name
    assert name.startswith("e5small-q4-lr-") and len(name) == len("e5small-q4-lr-") + 10


def test_the_id_follows_the_head_file_and_the_rules(tmp_path, monkeypatch):
    other = tmp_path / "head.json"
    head = json.loads(model_id.HEAD_FILE.read_text(encoding="utf-8"))
    head["polarity"]["intercept"] += 0.5
    other.write_text(json.dumps(head), encoding="utf-8")
    assert model_id.model_name(other) != model_id.model_name()
    assert embedding.model_name(other) == model_id.model_name(other)
    sentiment.set_model(None)  # a model loaded by an earlier test would answer with its own name
    before = sentiment.current_model_name()
    monkeypatch.setattr(model_id, "RULES_VERSION", model_id.RULES_VERSION + "-next")
    assert sentiment.current_model_name() != before


def test_reading_the_id_imports_neither_the_engine_nor_numpy():
    code = ("import json, sys\n"
            "from influscope.audience.sentiment import current_model_name\n"
            "name = current_model_name()\n"
            "print(json.dumps([name, sorted(m for m in ('numpy', 'influscope.audience.embedding') if m in sys.modules)]))")
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    name, loaded = json.loads(proc.stdout.strip().splitlines()[-1])
    assert loaded == []
    assert name == embedding.model_name()
