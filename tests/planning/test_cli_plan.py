import csv
import io
import json

from typer.testing import CliRunner

from influscope.cli import app

runner = CliRunner()

CANDIDATES = """creator_id,handle,platform,followers,fee,min_fee,max_fee,revenue
mei,@mei,instagram,85000,30000,,,120000
jun,@jun,tiktok,250000,45000,45000,90000,150000
ana,@ana,instagram,12000,8000,,,20000
"""

POSTS = """post_id,as_of,impressions,likes,comments
p1,2026-01-01,40000,1000,30
p1,2026-01-05,42000,1200,40
p2,2026-01-05,38000,900,30
"""


def test_plan_allocate_table_json_csv(tmp_path):
    f = tmp_path / "c.csv"
    f.write_text(CANDIDATES, encoding="utf-8")
    r = runner.invoke(app, ["plan", "allocate", str(f), "--budget", "100000"])
    assert r.exit_code == 0, r.output
    assert "maximise revenue" in r.output and "@jun" in r.output and "spent 100,000.00" in r.output
    j = json.loads(runner.invoke(app, ["plan", "allocate", str(f), "--budget", "100000", "--format", "json"]).output)
    assert j["objective"] == "revenue" and j["spent"] == "100000.00"
    spend = {i["id"]: i["spend"] for i in j["items"]}
    # mei and ana are quoted deals; jun can take 45,000-90,000 with diminishing returns
    assert spend == {"jun": "62000.00", "mei": "30000.00", "ana": "8000.00"}
    out = runner.invoke(app, ["plan", "allocate", str(f), "--budget", "50000", "--format", "csv"]).output
    rows = list(csv.DictReader(io.StringIO(out)))
    assert sum(float(r["spend"]) for r in rows) <= 50000 and "expected_revenue" in rows[0]


def test_plan_allocate_errors(tmp_path):
    f = tmp_path / "c.csv"
    f.write_text(CANDIDATES, encoding="utf-8")
    r = runner.invoke(app, ["plan", "allocate", str(f), "--budget", "1000", "--goal", "tofu"])
    assert r.exit_code == 1 and "line 2: reach: empty" in r.output
    r = runner.invoke(app, ["plan", "allocate", str(f), "--budget", "1000", "--goal", "sales"])
    assert r.exit_code == 1 and "--goal" in r.output


def test_plan_value(tmp_path):
    p = tmp_path / "posts.csv"
    p.write_text(POSTS, encoding="utf-8")
    r = runner.invoke(app, ["plan", "value", "--followers", "85000", "--platform", "instagram", "--posts", str(p), "-n", "2"])
    assert r.exit_code == 0, r.output
    # latest snapshot of p1 (42,000) and p2 (38,000): median 40,000 impressions
    assert "40,000 x 2 x 10.00-25.00 / 1000 = 800.00-2,000.00 USD" in r.output
    assert "EMV (estimate)" in r.output and "tier micro" in r.output
    j = json.loads(runner.invoke(app, ["plan", "value", "--followers", "85000", "--platform", "instagram", "--posts", str(p),
                                       "--currency", "TWD", "--cpm", "300-600", "--json"]).output)
    assert j["fee"]["low"] == "12000.00" and j["currency"] == "TWD" and j["emv"] is None
    r = runner.invoke(app, ["plan", "value", "--followers", "85000", "--platform", "instagram", "--cpm", "5-x"])
    assert r.exit_code == 1 and "cpm_range" in r.output


def test_plan_benchmarks_and_emv_tables():
    r = runner.invoke(app, ["plan", "benchmarks", "--platform", "instagram", "--followers", "30000"])
    assert r.exit_code == 0, r.output
    assert "micro (10k-100k)" in r.output and "0.65 %" in r.output and "0.84-1.11 %" in r.output
    assert "year not stated" in r.output
    r = runner.invoke(app, ["plan", "benchmarks", "--tiers", "nope"])
    assert r.exit_code == 1 and "unknown tier preset" in r.output
    r = runner.invoke(app, ["plan", "emv-tables"])
    assert r.exit_code == 0 and "ayzenberg (default)" in r.output and "comments 3.46" in r.output
