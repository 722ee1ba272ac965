"""``influscope sentiment`` and ``influscope audience refresh`` through the real CLI."""

import csv
import io
import json

import sqlalchemy as sa
from typer.testing import CliRunner

from influscope.cli import app
from influscope.db import audience as at
from influscope.ingest.canonical import import_bundle
from tests.audience.bundle import make_bundle
from tests.audience.test_refresh import COMMENTS, CREATORS, POSTS

runner = CliRunner()


def test_sentiment_csv_keeps_rows_and_adds_lang_label_score(tmp_path):
    src = tmp_path / "in.csv"
    src.write_text('id,body,label\n1,"Definitely recommend this, love it 😍",x\n2,用了兩個禮拜就壞了，很失望,y\n'
                   '3,🔥🔥,z\n', encoding="utf-8")
    res = runner.invoke(app, ["sentiment", str(src), "--text-column", "body"])
    assert res.exit_code == 0, res.output
    rows = list(csv.DictReader(io.StringIO(res.stdout)))
    assert [r["id"] for r in rows] == ["1", "2", "3"]
    assert rows[0]["input_label"] == "x"  # a clashing input column is kept under another name
    assert (rows[0]["lang"], rows[0]["label"], rows[0]["intent_kind"]) == ("en", "pos", "advocacy")
    assert (rows[1]["lang"], rows[1]["label"]) == ("zh-Hant", "neg")
    assert rows[2]["lang"] == "" and -1 <= float(rows[2]["score"]) <= 1


def test_sentiment_json_output_file(tmp_path):
    src = tmp_path / "in.csv"
    src.write_text("text\nهذا المنتج رائع\n", encoding="utf-8")
    out = tmp_path / "out.json"
    res = runner.invoke(app, ["sentiment", str(src), "--format", "json", "--output", str(out)])
    assert res.exit_code == 0, res.output
    [row] = json.loads(out.read_text(encoding="utf-8"))
    assert row["lang"] == "ar" and row["label"] == "pos" and row["intent"] is False


def test_sentiment_errors_name_the_file_line_and_column(tmp_path):
    src = tmp_path / "in.csv"
    src.write_text("id,text\n1,hello\n2,too,many\n", encoding="utf-8")
    res = runner.invoke(app, ["sentiment", str(src)])
    assert res.exit_code == 1 and "in.csv: line 3" in res.output
    res = runner.invoke(app, ["sentiment", str(src), "--text-column", "body"])
    assert res.exit_code == 1 and "no column 'body'" in res.output
    assert runner.invoke(app, ["sentiment", str(tmp_path / "missing.csv")]).exit_code == 1


def test_evaluate_reproduces_the_heldout_scores():
    from influscope.audience.sentiment import evaluate

    res = runner.invoke(app, ["sentiment", "--evaluate", "--format", "json"])
    assert res.exit_code == 0, res.output
    reported = json.loads(res.stdout)
    assert reported["languages"] == evaluate()["languages"]
    from tests.audience.test_sentiment import EMBEDDING_FLOORS

    assert all(m["macro_f1"] >= EMBEDDING_FLOORS[lang] for lang, m in reported["languages"].items())


def test_audience_refresh_command(tmp_path, sqlite_url, engine):
    import_bundle(engine, make_bundle(tmp_path / "b", creators=CREATORS, posts=POSTS, comments=COMMENTS), "default")
    res = runner.invoke(app, ["audience", "refresh", "--campaign", "spring", "--db", sqlite_url, "-w", "default"])
    assert res.exit_code == 0, res.output
    summary = json.loads(res.stdout.strip().splitlines()[-1])
    assert summary["classified"] == 8 and summary["accounts"] == 2
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(at.comment_labels)).scalar() == 8
    res = runner.invoke(app, ["audience", "refresh", "--campaign", "nope", "--db", sqlite_url, "-w", "default"])
    assert res.exit_code == 1 and "no campaign 'nope'" in res.output
