"""`influscope kpi` on the demo's three campaigns: each stage's KPI set with targets and attainment."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from typer.testing import CliRunner

from influscope.kpi.catalogue import STAGE_DEFAULTS


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory):
    from influscope.db.engine import make_engine, upgrade
    from influscope.demo import create_demo

    path = tmp_path_factory.mktemp("demo")
    engine = make_engine(f"sqlite:///{path / 'influscope.db'}")
    upgrade(engine)
    summary = create_demo(engine, workspace="demo", scale=0.02, seed=7, today=dt.date(2026, 11, 1))
    yield engine.url.render_as_string(hide_password=False), summary.campaigns
    engine.dispose()


def _kpi(url, *args):
    from influscope.cli import app

    return CliRunner().invoke(app, ["--db", url, "--workspace", "demo", "kpi", *args])


def test_each_demo_campaign_shows_its_stage_set_with_targets(demo_url):
    url, campaigns = demo_url
    goals = set()
    for slug in campaigns:
        res = _kpi(url, slug, "--format", "json")
        assert res.exit_code == 0, res.output
        doc = json.loads(res.output)
        goals.add(doc["goal"])
        assert list(doc["kpis"])[: len(STAGE_DEFAULTS[doc["goal"]])] == STAGE_DEFAULTS[doc["goal"]]
        targeted = [k for k, o in doc["kpis"].items() if o["target"] is not None]
        assert targeted, slug
        assert any(doc["kpis"][k]["attainment"] is not None for k in targeted)
        table = _kpi(url, slug)
        assert table.exit_code == 0 and f"{doc['goal'].upper()} KPIs" in table.output
    assert goals == {"tofu", "mofu", "bofu"}


def test_by_creator_ranks_the_demo_creators(demo_url):
    url, campaigns = demo_url
    res = _kpi(url, campaigns[-1], "--by", "creator", "--format", "json")
    doc = json.loads(res.output)
    metric = doc["rows"][0]["rank_by"]
    values = [r["kpis"][metric]["value"] or 0 for r in doc["rows"]]
    assert values == sorted(values, reverse=True)
    assert [r["rank"] for r in doc["rows"]] == list(range(1, len(doc["rows"]) + 1))


def test_the_diagnostics_table_names_the_creator_of_each_finding(demo_url):
    url, campaigns = demo_url
    doc = json.loads(_kpi(url, "spring-launch", "--format", "json").output)
    about_creators = [d for d in doc["diagnostics"] if d.get("subject")]
    assert about_creators, "the demo plants problems with creators"
    text = _kpi(url, "spring-launch").output
    assert "Diagnostics, most urgent first" in text
    for d in about_creators:  # the numbered list under the table: "3. [warning] Name (key): message"
        key, _, name = d["subject"].partition("/")
        assert (f"{name} ({key}): " if name else f"] {key}: ") in text, d["subject"]
