"""Candidate lists (store creators and imported prospects) and the budget split over them."""

import json
from decimal import Decimal

import pytest
from typer.testing import CliRunner

from influscope.cli import app
from influscope.planning import candidates as cd
from influscope.planning.split import Option, exhaustive, split
from tests.planning.test_creator_value import seed

runner = CliRunner()

PROSPECTS = """platform,handle,followers,posts,impressions,reach,likes,comments,quoted_fee,currency,min_deliverables,max_deliverables,choice
instagram,@New.Face,45000,8,9000,6300,360,18,1500,TWD,1,3,auto
tiktok,bigstar,900000,,,,,,90000,TWD,1,2,exclude
instagram,mei.eats,,,,,,,2500,,1,2,include
"""


def test_split_books_the_best_returns_and_respects_choices():
    opts = [Option("a", "a", Decimal(100), 1000.0, 500.0, 2000.0, 1, 3),
            Option("b", "b", Decimal(100), 600.0, 300.0, 1200.0, 1, 3),
            Option("c", "c", Decimal(300), 2000.0, 1000.0, 4000.0, 1, 1, "exclude"),
            Option("d", "d", Decimal(50), 100.0, 50.0, 200.0, 1, 1, "include")]
    sp = split(opts, 350, objective="reach", alpha=0.7)
    assert sp.booked["c"] == 0 and sp.booked["d"] == 1  # excluded and must-include
    assert sp.spent <= 350
    best, _ = exhaustive(opts, 350, alpha=0.7)
    assert sp.outcome == pytest.approx(best)
    assert sp.low < sp.outcome < sp.high
    # the next best move and what it would have added
    assert sp.next_best is not None and sp.next_best["adds"] > 0 and sp.next_best["id"] != "c"
    with pytest.raises(ValueError, match="must-include creators cost"):
        split(opts, 40, objective="reach")


def test_split_matches_exhaustive_within_one_step_on_random_sets():
    import random

    rng = random.Random(3)
    for _ in range(30):
        opts = []
        for i in range(6):
            lo = rng.randint(1, 2)
            v = rng.uniform(100, 5000)
            opts.append(Option(str(i), str(i), Decimal(rng.randint(50, 900)), v, v / 2, v * 2, lo, lo + rng.randint(0, 2)))
        budget = rng.randint(300, 3000)
        best, _ = exhaustive(opts, budget)
        got = split(opts, budget, objective="reach")
        one_step = max(o.value * o.max_deliverables ** 0.7 for o in opts)
        assert got.outcome >= best - one_step - 1e-9
        assert got.spent <= budget


def test_lists_from_store_and_prospects(engine, tmp_path):
    seed(engine)
    cd.create_list(engine, "acme", "autumn", name="Autumn shortlist", campaign="summer")
    assert cd.add_creators(engine, "acme", "autumn", ["ana", "@bo"], fee="1200", max_deliverables=2) == 2
    f = tmp_path / "prospects.csv"
    f.write_text(PROSPECTS, encoding="utf-8")
    assert cd.import_prospects(engine, "acme", "autumn", f) == 3
    lv = cd.value_list(engine, "acme", "autumn")
    assert lv.campaign == "summer" and lv.currency == "TWD"
    by = {c.handle: c for c in lv.candidates}
    assert set(by) == {"ana", "bo", "new.face", "bigstar", "mei.eats"}
    # mei.eats is in the store: linked to her, valued from history (the summer posts are the plan: left out)
    assert by["mei.eats"].creator == "mei" and by["mei.eats"].from_history and by["mei.eats"].choice == "include"
    assert by["new.face"].creator is None and not by["new.face"].from_history
    assert by["new.face"].expected["impressions"].observations == 1
    assert by["new.face"].quoted_fee == Decimal(1500) and by["ana"].quoted_fee == Decimal(1200)
    _, sp = cd.split_list(engine, "acme", "autumn", 6000, goal="tofu", valued=lv)
    assert sp.objective == "reach"
    booked = {r["label"]: r["deliverables"] for r in sp.rows}
    assert booked["tiktok @bigstar"] == 0 and booked["instagram @mei.eats"] >= 1
    assert sp.spent <= 6000
    cd.set_candidate(engine, "acme", "autumn", "bigstar", choice="auto", quoted_fee=Decimal(100))
    _, sp3 = cd.split_list(engine, "acme", "autumn", 6000, goal="tofu")
    assert {r["label"]: r["deliverables"] for r in sp3.rows}["tiktok @bigstar"] >= 1


def test_prospect_file_errors_name_line_and_column_and_write_nothing(engine, tmp_path):
    seed(engine)
    cd.create_list(engine, "acme", "autumn")
    f = tmp_path / "bad.csv"
    f.write_text("platform,handle,followers,quoted_fee,min_deliverables,max_deliverables\n"
                 "instagram,ok.one,1000,500,1,2\n"
                 "myspace,two,1000,500,1,1\n"
                 "instagram,three,,500,1,1\n"
                 "instagram,four,12x,-5,3,1\n", encoding="utf-8")
    with pytest.raises(cd.ProspectFileError) as exc:
        cd.import_prospects(engine, "acme", "autumn", f)
    text = "\n".join(exc.value.problems)
    assert f"{f}: line 3: platform: must be one of" in text
    assert f"{f}: line 5: followers: not a number: '12x'" in text
    assert f"{f}: line 5: quoted_fee: must be positive" in text
    assert f"{f}: line 5: max_deliverables: need 1 <= min_deliverables <= max_deliverables" in text
    assert f"{f}: line 4: followers: required for an account not in the store" in text
    assert cd.value_list(engine, "acme", "autumn").candidates == []  # nothing written
    with pytest.raises(ValueError, match="exists already"):
        cd.create_list(engine, "acme", "autumn")
    with pytest.raises(LookupError, match="no candidate list"):
        cd.value_list(engine, "acme", "nope")


def test_cli_lists_and_split(engine, sqlite_url, tmp_path):
    seed(engine)
    base = ["--db", sqlite_url]
    assert runner.invoke(app, base + ["plan", "list", "create", "autumn", "--campaign", "summer", "-w", "acme"]).exit_code == 0
    r = runner.invoke(app, base + ["plan", "list", "add", "autumn", "ana", "bo", "cy", "--fee", "1000", "--max", "3",
                                   "-w", "acme"])
    assert r.exit_code == 0 and "3 candidate(s)" in r.output
    f = tmp_path / "p.csv"
    f.write_text(PROSPECTS, encoding="utf-8")
    assert "3 prospect(s) imported" in runner.invoke(app, base + ["plan", "list", "import", "autumn", str(f), "-w", "acme"]).output
    show = runner.invoke(app, base + ["plan", "list", "show", "autumn", "-w", "acme"])
    assert show.exit_code == 0 and "instagram @new.face" in show.output and "(no history)" in show.output
    assert runner.invoke(app, base + ["plan", "list", "set", "autumn", "cy", "--choice", "exclude", "-w", "acme"]).exit_code == 0
    sp = runner.invoke(app, base + ["plan", "split", "autumn", "--budget", "5000", "--goal", "tofu", "-w", "acme"])
    assert sp.exit_code == 0, sp.output
    assert "expected reach:" in sp.output and "80% interval" in sp.output and "next best:" in sp.output
    j = json.loads(runner.invoke(app, base + ["plan", "split", "autumn", "--budget", "5000", "--goal", "tofu",
                                              "--format", "json", "-w", "acme"]).output)
    assert Decimal(j["spent"]) <= 5000 and {r["label"]: r["deliverables"] for r in j["rows"]}["instagram @cy"] == 0
    csv_out = runner.invoke(app, base + ["plan", "split", "autumn", "--budget", "5000", "--format", "csv", "-w", "acme"]).output
    assert csv_out.startswith("candidate,deliverables,fee_per_deliverable,spend,expected_reach")
    bad = tmp_path / "bad.csv"
    bad.write_text("platform,handle\nmyspace,x\n", encoding="utf-8")
    r = runner.invoke(app, base + ["plan", "list", "import", "autumn", str(bad), "-w", "acme"])
    assert r.exit_code == 1 and "line 2: platform" in r.output and "nothing was written" in r.output


def test_plan_vs_actual_after_the_campaign(engine):
    from influscope.planning.review import plan_vs_actual

    seed(engine)
    assert plan_vs_actual(engine, "acme", "summer").rows == []  # no list plans it
    cd.create_list(engine, "acme", "summer-plan", campaign="summer")
    cd.add_creators(engine, "acme", "summer-plan", ["mei", "ana"])
    review = plan_vs_actual(engine, "acme", "summer")
    assert review.lists == ["summer-plan"]
    rows = {r["creator"]: r for r in review.rows}
    assert rows["ana"]["posts"] == 0 and rows["ana"]["note"]  # on the plan, did not post in summer
    mei = rows["mei"]["metrics"]["impressions"]
    # summer: 5,500 + 4,200 + 4,800 over 3 posts; expected from her 3 spring posts (4,000-5,000)
    assert rows["mei"]["posts"] == 3 and mei["actual"] == pytest.approx(14_500 / 3)
    assert mei["low"] < mei["expected"] < mei["high"] and mei["inside"] is True
    assert 0 <= review.inside_share <= 1


def test_cli_plan_review(engine, sqlite_url):
    seed(engine)
    base = ["--db", sqlite_url, "plan"]
    none = runner.invoke(app, base + ["review", "summer", "-w", "acme"])
    assert none.exit_code == 1 and "no candidate list plans campaign 'summer'" in none.output
    cd.create_list(engine, "acme", "summer-plan", campaign="summer")
    cd.add_creators(engine, "acme", "summer-plan", ["mei"])
    r = runner.invoke(app, base + ["review", "summer", "-w", "acme"])
    assert r.exit_code == 0, r.output
    assert "instagram @mei.eats [3 post(s)]: reach" in r.output and "impressions 4,833 vs" in r.output
    assert "inside the interval:" in r.output


def test_prospect_file_not_utf8_or_missing(engine, tmp_path):
    seed(engine)
    cd.create_list(engine, "acme", "autumn")
    f = tmp_path / "latin1.csv"
    f.write_bytes("platform,handle,followers\ninstagram,caf\xe9,1000\n".encode("latin-1"))
    with pytest.raises(cd.ProspectFileError, match="not UTF-8 text"):
        cd.import_prospects(engine, "acme", "autumn", f)
    with pytest.raises(cd.ProspectFileError, match="file not found"):
        cd.import_prospects(engine, "acme", "autumn", tmp_path / "nope.csv")
