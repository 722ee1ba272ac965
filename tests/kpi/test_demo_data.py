"""The demo looks like healthy campaigns with a few planted problems, at any scale."""

from __future__ import annotations

import csv
import datetime as dt

import pytest

from influscope.demo import PLANS, generate, headline_creator

TODAY = dt.date(2026, 12, 4)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from influscope.db.engine import get_engine
    from influscope.demo import create_demo

    engine = get_engine(f"sqlite:///{tmp_path_factory.mktemp('demo') / 'demo.db'}")
    create_demo(engine, workspace="demo", scale=0.05, today=TODAY)
    yield engine
    engine.dispose()


def _kpis(engine, slug):
    from influscope.kpi.api import kpis

    return kpis(slug, workspace="demo", engine=engine, today=TODAY).to_dict()["kpis"]


@pytest.mark.parametrize("slug", [p.slug for p in PLANS])
def test_every_campaign_spends_within_its_budget(demo, slug):
    used = _kpis(demo, slug)["budget_used"]["value"]
    assert 80 <= used <= 100, (slug, used)


def test_the_mofu_campaign_lifts_site_traffic(demo):
    k = _kpis(demo, "finlit-webinars")
    assert k["traffic_lift"]["value"] > 5 and k["referral_sessions"]["value"] > 0


def test_brand_and_creator_accounts_have_audience_demographics_over_time(tmp_path):
    folders = generate(tmp_path, scale=0.05, today=TODAY)
    rows = [r for f in folders for r in csv.DictReader((f / "audience.csv").open(encoding="utf-8"))]
    handles = {r["handle"] for r in rows}
    assert {p.brand_handle for p in PLANS} <= handles
    assert headline_creator(PLANS[2]).replace("-", ".") in handles
    assert {r["dimension"] for r in rows} == {"age", "gender", "country"}
    brand = [r for r in rows if r["handle"] == "acme_tw" and r["platform"] == "instagram"]
    days = sorted({r["date"] for r in brand})
    assert len(days) >= 3  # before, at and during the campaign
    for day in days:
        for dim in ("age", "gender", "country"):
            total = sum(float(r["share"]) for r in brand if r["date"] == day and r["dimension"] == dim)
            assert total == pytest.approx(100, abs=0.1)
    young = [sum(float(r["share"]) for r in brand if r["date"] == d and r["bucket"] == "18-24") for d in days]
    assert young[-1] > young[0]  # the campaign draws younger followers


def test_audience_panel_has_data_and_its_change(demo):
    k = _kpis(demo, "spring-launch")["audience_demographics"]
    assert k["value"] >= 1
    assert {"age", "gender", "country"} <= set(k["detail"]["shares"]) and k["detail"]["change_pp"]


def test_lead_ids_are_unique_and_headline_creators_are_fixed(tmp_path):
    folders = generate(tmp_path, scale=0.3, today=TODAY)
    ids = [r["lead_id"] for f in folders for r in csv.DictReader((f / "leads.csv").open(encoding="utf-8"))]
    assert len(ids) > 1000 and len(set(ids)) == len(ids)
    for plan, folder in zip(PLANS, folders):
        creators = {r["creator_id"] for r in csv.DictReader((folder / "creators.csv").open(encoding="utf-8"))}
        assert headline_creator(plan) in creators
    assert headline_creator(PLANS[2]) == "meilin-eats"


def test_creator_follower_counts_agree_with_their_latest_snapshot(tmp_path):
    (folder,) = generate(tmp_path, scale=0.05, today=TODAY)[2:]
    latest: dict[tuple[str, str], tuple[str, int]] = {}
    for r in csv.DictReader((folder / "followers.csv").open(encoding="utf-8")):
        key = (r["platform"], r["handle"])
        if key not in latest or r["date"] > latest[key][0]:
            latest[key] = (r["date"], int(r["followers"]))
    for r in csv.DictReader((folder / "creators.csv").open(encoding="utf-8")):
        assert int(r["followers"]) == latest[(r["platform"], r["handle"])][1]


def test_the_next_campaign_is_planned_with_a_shortlist_to_value_and_split(demo):
    from influscope.planning.candidates import split_list, value_list

    lv = value_list(demo, "demo", "holiday-shortlist")
    assert lv.campaign == "holiday-gifts" and lv.currency == "TWD" and lv.goal == "bofu"
    prospects = [c for c in lv.candidates if c.creator is None]
    assert {c.handle for c in prospects} == {"hsinyu.cooks", "taipei.tastes", "kai.reviews"}
    assert all(c.quoted_fee is not None for c in prospects) and len(lv.candidates) > len(prospects)
    assert all(c.campaigns == ["spring-launch"] for c in lv.candidates if c.creator)  # valued from their launch
    _, split = split_list(demo, "demo", "holiday-shortlist", 200_000, valued=lv)
    assert 0 < split.spent <= 200_000 and split.outcome > 0
    from influscope.demo import summarise

    assert any("planned" in line for line in summarise(demo, "demo"))
