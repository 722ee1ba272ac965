"""Planned campaigns: created planned (CLI, API, bundle, dashboard), started later, never paced as running."""

import datetime as dt
import json

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from influscope.cli import app
from influscope.db import tables as t
from influscope.kpi.api import kpis
from influscope.planning import campaign_state as cs
from influscope.planning import candidates as cd
from tests.planning.test_creator_value import seed

runner = CliRunner()


def _status(engine, slug):
    with engine.connect() as conn:
        return conn.execute(sa.select(t.campaigns.c.status).where(t.campaigns.c.slug == slug)).scalar()


def test_phase_and_kpi_day():
    d = dt.date
    assert cs.phase("planned", d(2026, 1, 1), d(2026, 1, 31), d(2026, 1, 15)) == "planned"
    assert cs.phase("started", d(2026, 1, 1), d(2026, 1, 31), d(2025, 12, 31)) == "upcoming"
    assert cs.phase("started", d(2026, 1, 1), d(2026, 1, 31), d(2026, 1, 31)) == "running"
    assert cs.phase("started", d(2026, 1, 1), d(2026, 1, 31), d(2026, 2, 1)) == "ended"
    assert cs.kpi_day("planned", d(2026, 1, 1), d(2026, 1, 15)) == d(2025, 12, 31)
    assert cs.kpi_day("planned", d(2026, 3, 1), d(2026, 1, 15)) == d(2026, 1, 15)
    assert cs.kpi_day("started", d(2026, 1, 1), d(2026, 1, 15)) == d(2026, 1, 15)


def test_a_planned_campaign_is_never_paced_or_forecast_as_running(engine):
    seed(engine)
    day = dt.date(2026, 3, 10)  # inside spring's dates
    running = kpis("spring", workspace="acme", engine=engine, today=day).to_dict()["kpis"]
    assert running["cpm"]["pacing"]["elapsed_share"] > 0 and running["cpm"]["pacing"]["reason"] is None
    with engine.begin() as conn:
        conn.execute(t.campaigns.update().where(t.campaigns.c.slug == "spring").values(status="planned"))
    planned = kpis("spring", workspace="acme", engine=engine, today=day).to_dict()["kpis"]
    assert planned["cpm"]["pacing"]["elapsed_share"] == 0
    assert planned["cpm"]["pacing"]["reason"] == "campaign has not started"
    assert planned["sales_forecast"]["value"] is None and planned["sales_forecast"]["reason"] == "campaign has not started"
    # the recorded results themselves are not hidden: only the running-campaign views are
    assert planned["cpm"]["value"] == running["cpm"]["value"]


def test_create_planned_start_and_refuse_a_second_start(engine):
    seed(engine)
    cs.create_campaign(engine, "acme", "autumn", name="Autumn", goal="bofu", start=dt.date(2026, 9, 1),
                       end=dt.date(2026, 9, 30), currency="TWD", budget="120000")
    assert _status(engine, "autumn") == "planned"
    assert cd.create_list(engine, "acme", "autumn-list", campaign="autumn") > 0  # a list attaches to it
    with pytest.raises(cs.CampaignStateError, match="exists already"):
        cs.create_campaign(engine, "acme", "autumn", name="x", goal="bofu", start=dt.date(2026, 9, 1),
                           end=dt.date(2026, 9, 2), currency="TWD")
    for bad, msg in (({"goal": "sales"}, "goal"), ({"currency": "NT"}, "currency"), ({"timezone": "Mars/Base"}, "timezone"),
                     ({"end": dt.date(2026, 8, 1)}, "before start"), ({"budget": "-5"}, "negative")):
        args = {"name": "W", "goal": "tofu", "start": dt.date(2026, 9, 1), "end": dt.date(2026, 9, 30),
                "currency": "TWD", **bad}
        with pytest.raises(cs.CampaignStateError, match=msg):
            cs.create_campaign(engine, "acme", "winter", **args)
    assert _status(engine, "winter") is None  # nothing written
    assert cs.start_campaign(engine, "acme", "autumn")["status"] == "started"
    assert _status(engine, "autumn") == "started"
    with pytest.raises(cs.CampaignStateError, match="is started, not planned"):
        cs.start_campaign(engine, "acme", "autumn")
    with pytest.raises(LookupError):
        cs.start_campaign(engine, "acme", "nope")


def test_cli_create_list_start(engine, sqlite_url):
    seed(engine)
    base = ["--db", sqlite_url, "campaigns"]
    r = runner.invoke(app, base + ["create", "autumn", "--name", "Autumn", "--goal", "bofu", "--start", "2026-09-01",
                                   "--end", "2026-09-30", "--currency", "twd", "--budget", "120000", "--target",
                                   "roas=3", "-w", "acme"])
    assert r.exit_code == 0, r.output
    assert "created planned campaign autumn" in r.output
    rows = json.loads(runner.invoke(app, base + ["list", "--json", "-w", "acme"]).output)
    autumn = next(x for x in rows if x["slug"] == "autumn")
    assert autumn["status"] == "planned" and autumn["phase"] == "planned" and autumn["currency"] == "TWD"
    assert autumn["budget"] == "120000.0000" or autumn["budget"].startswith("120000")
    assert [x["slug"] for x in json.loads(runner.invoke(app, base + ["list", "--status", "planned", "--json", "-w",
                                                                     "acme"]).output)] == ["autumn"]
    bad = runner.invoke(app, base + ["create", "x", "--name", "X", "--goal", "bofu", "--start", "2026-13-01", "--end",
                                     "2026-09-30", "--currency", "TWD", "-w", "acme"])
    assert bad.exit_code == 1 and "--start: not a date" in bad.output
    assert runner.invoke(app, base + ["start", "autumn", "-w", "acme"]).output.strip() == "started campaign autumn"
    again = runner.invoke(app, base + ["start", "autumn", "-w", "acme"])
    assert again.exit_code == 1 and "not planned" in again.output


def test_bundle_status_round_trip_and_no_way_back(engine, tmp_path):
    from influscope.ingest.canonical import BundleError, export_bundle, import_bundle

    folder = tmp_path / "b"
    folder.mkdir()
    yaml_text = ("id: autumn\nname: Autumn\ngoal: bofu\nstart: 2026-09-01\nend: 2026-09-30\ncurrency: TWD\n"
                 "budget: 120000\nstatus: planned\n")
    (folder / "campaign.yaml").write_text(yaml_text, encoding="utf-8")
    import_bundle(engine, folder, workspace="acme")
    assert _status(engine, "autumn") == "planned"
    out = tmp_path / "out"
    export_bundle(engine, "autumn", out, workspace="acme")
    assert "status: planned" in (out / "campaign.yaml").read_text(encoding="utf-8")
    # without a status an existing campaign keeps its own
    (folder / "campaign.yaml").write_text(yaml_text.replace("status: planned\n", ""), encoding="utf-8")
    import_bundle(engine, folder, workspace="acme")
    assert _status(engine, "autumn") == "planned"
    (folder / "campaign.yaml").write_text(yaml_text.replace("planned", "started"), encoding="utf-8")
    import_bundle(engine, folder, workspace="acme")
    assert _status(engine, "autumn") == "started"
    (folder / "campaign.yaml").write_text(yaml_text, encoding="utf-8")
    with pytest.raises(BundleError, match="status.*cannot be planned again"):
        import_bundle(engine, folder, workspace="acme")
    assert _status(engine, "autumn") == "started"
    (folder / "campaign.yaml").write_text(yaml_text.replace("planned", "paused"), encoding="utf-8")
    with pytest.raises(BundleError, match="status"):
        import_bundle(engine, folder, workspace="acme")
