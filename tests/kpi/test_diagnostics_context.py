"""The KPI engine gives the diagnostics rules what they need, through ``influscope.kpis(...)``:
the baseline period's KPIs, budget pacing dates, each creator's platform and followers, the
promo-code leak findings; creator rows get their follower tier's benchmarks; repeated calls do
not classify the comments again."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

import influscope
from influscope.ingest.canonical import import_bundle
from influscope.kpi import benchmarks
from tests.kpi import handmade

TODAY = dt.date(2026, 5, 1)

# The hand-made campaign plus: cat (100k Instagram followers, little engagement), four clicks on
# Amy's link in the baseline days with BASELINE_ORDERS of them converting, and six more orders
# with Ben's code and no click (the code was shared beyond his audience).
CREATORS = handmade.FILES["creators.csv"] + "cat,instagram,cat.home,Cat,100000\n"
POSTS = handmade.FILES["posts.csv"] + (
    "p4,cat,instagram,post,2026-03-03T10:00:00Z,2026-03-05T00:00:00Z,20000,15000,,40,10,,,,\n")
CLICKS = handmade.FILES["clicks.csv"] + "".join(
    f"b{i},amy-ig,2026-02-25T0{i}:00:00Z,false,vb{i}\n" for i in range(1, 5))
LEAKED = "".join(f"x{i},2026-03-0{i + 3}T12:00:00Z,TWD,500,,,paid,BEN10,,,,\n" for i in range(1, 7))
COMMENTS = """\
comment_id,post_id,author,text,ts
k1,p1,u1,love it so much,2026-03-03T00:00:00Z
k2,p1,u2,where can I buy this,2026-03-03T00:00:00Z
k3,p3,u3,not for me,2026-03-04T00:00:00Z
"""


def bundle(path, baseline_orders: int, baseline: bool = True):
    orders = handmade.FILES["orders.csv"] + LEAKED + "".join(
        f"ob{i},2026-02-26T0{i}:00:00Z,TWD,1000,,,paid,,,b{i},,\n" for i in range(1, baseline_orders + 1))
    campaign = handmade.CAMPAIGN if baseline else handmade.CAMPAIGN.replace(
        "baseline: {start: 2026-02-19, end: 2026-02-28}\n", "")
    files = {**handmade.FILES, "creators.csv": CREATORS, "posts.csv": POSTS, "clicks.csv": CLICKS,
             "orders.csv": orders, "comments.csv": COMMENTS}
    return handmade.write(path, files, campaign)


def store(tmp_path_factory, name, **kw):
    from influscope.db.engine import make_engine, upgrade

    path = tmp_path_factory.mktemp(name)
    engine = make_engine(f"sqlite:///{path / 'influscope.db'}")
    upgrade(engine)
    import_bundle(engine, bundle(path / "bundle", **kw), workspace="w")
    return engine


@pytest.fixture(scope="module")
def converting(tmp_path_factory):
    """All four baseline clicks converted: the campaign brings traffic but converts worse."""
    engine = store(tmp_path_factory, "converting", baseline_orders=4)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def no_baseline(tmp_path_factory):
    engine = store(tmp_path_factory, "nobaseline", baseline_orders=4, baseline=False)
    yield engine
    engine.dispose()


def run(engine, **kw):
    kw.setdefault("today", TODAY)
    return influscope.kpis("hand", workspace="w", engine=engine, **kw)


def found(result, rule, subject=None):
    return [d for d in result.diagnostics if d["id"] == rule and d["subject"] == subject]


def one(result, rule, subject=None):
    hits = found(result, rule, subject)
    assert len(hits) == 1, [(d["id"], d["subject"]) for d in result.diagnostics]
    d = hits[0]
    assert set(d["message"]) == {"en", "zh-Hant", "ar"} and all(d["message"].values())
    return d


def test_traffic_up_conversion_flat_uses_the_baseline_period(converting):
    r = run(converting)
    d = one(r, "traffic_up_conversion_flat")
    # Site sessions: baseline days average (100 + 200) / 2 = 150, campaign days (250 + 250) / 2 = 250.
    assert r.value("traffic_lift") == pytest.approx(250 / 150 * 100 - 100)
    assert d["figures"]["traffic_change_pct"] == pytest.approx(r.value("traffic_lift"))
    assert d["figures"]["conversion_rate"] == pytest.approx(float(r.value("conversion_rate")))
    # Baseline: 4 orders from 4 clicks on the campaign's link.
    assert d["figures"]["previous_conversion_rate"] == pytest.approx(100.0)
    assert "100.00 %" in d["message"]["en"]


def test_traffic_rule_is_quiet_when_the_baseline_converted_no_better(tmp_path_factory):
    engine = store(tmp_path_factory, "flat", baseline_orders=1)  # 1 order from 4 clicks: 25 %
    try:
        r = run(engine)
        assert r.value("conversion_rate") > 25.0 * 1.05
        assert found(r, "traffic_up_conversion_flat") == []
    finally:
        engine.dispose()


def test_traffic_rule_is_quiet_without_a_baseline(no_baseline):
    r = run(no_baseline)
    assert r.value("traffic_lift") is None
    assert found(r, "traffic_up_conversion_flat") == []


def test_budget_pacing_rules_use_budget_and_dates(converting):
    spend = float(run(converting).value("spend"))
    early = run(converting, today=dt.date(2026, 3, 2))  # 2 of 10 days elapsed
    d = one(early, "budget_ahead")
    assert d["figures"]["budget"] == pytest.approx(100000.0)
    assert d["figures"]["elapsed_pct"] == pytest.approx(20.0)
    assert d["figures"]["projected_spend"] == pytest.approx(spend / 0.2)
    assert found(early, "budget_behind") == []
    late = run(converting, today=dt.date(2026, 3, 9))  # 9 of 10 days: projected below 85 % of the budget
    assert spend / 0.9 < 85000
    assert one(late, "budget_behind")["figures"]["spend"] == pytest.approx(spend)
    after = run(converting)  # campaign over: pacing no longer applies
    assert found(after, "budget_ahead") == found(after, "budget_behind") == []


def test_er_below_tier_fires_for_the_creator_far_below_its_band(converting):
    r = run(converting)
    band = benchmarks.er_band("instagram", 100000)
    d = one(r, "er_below_tier", "cat/Cat")
    assert d["figures"]["followers"] == 100000 and d["figures"]["platform"] == "instagram"
    assert d["figures"]["band_low"] == band.low and d["figures"]["tier"] == benchmarks.tier(100000).id
    assert d["figures"]["engagement_rate"] < band.low * 0.5
    # Ben (2,000 followers, ER 5.5 %) is inside his band; Amy posts on two platforms (no single band).
    assert found(r, "er_below_tier", "ben/Ben") == found(r, "er_below_tier", "amy/Amy") == []


def test_creator_rows_get_their_tier_benchmark(converting):
    r = run(converting, by="creator")
    rows = {row["key"]["creator"]: row for row in r.rows}
    cat = rows["cat"]["kpis"]["engagement_rate"]
    band = benchmarks.er_band("instagram", 100000)
    assert cat["benchmark"] == pytest.approx(band.value)
    assert (cat["benchmark_source"]["low"], cat["benchmark_source"]["high"]) == (band.low, band.high)
    ben = rows["ben"]["kpis"]["engagement_rate"]
    assert ben["benchmark"] == pytest.approx(benchmarks.er_band("instagram", 2000).value)
    assert cat["benchmark"] != ben["benchmark"]
    # Amy's engagement rate mixes Instagram and TikTok: no single platform's band applies.
    assert rows["amy"]["kpis"]["engagement_rate"]["benchmark"] is None
    assert rows["amy"]["tier"] == "micro" and rows["cat"]["tier"] == benchmarks.tier(100000).id


def test_code_leak_findings_are_among_the_diagnostics(converting):
    r = run(converting)
    d = one(r, "code_redeemed_without_click", "ben/Ben")
    # Ben's code: o6 and the six leaked orders, none with his click (o4 was cancelled).
    assert d["figures"]["code"] == "BEN10"
    assert d["figures"]["redemptions"] == 7 and d["figures"]["without_click"] == 7
    assert d["figures"]["share_without_click_pct"] == pytest.approx(100.0)
    assert d["severity"] == "critical"
    assert "BEN10" in d["message"]["en"]
    # Amy's code was used twice (o1, o5): too few to judge.
    assert not [x for x in r.diagnostics if x["id"].startswith("code_") and x["subject"] == "amy/Amy"]
    severities = [x["severity"] for x in r.diagnostics]
    assert severities == sorted(severities, key=["critical", "warning", "info"].index)
    assert r.to_dict()["diagnostics"] == r.diagnostics


def test_repeated_calls_do_not_classify_comments_again(converting):
    from influscope.db import audience as at

    def state():
        with converting.connect() as conn:
            labels = conn.execute(sa.select(at.comment_labels.c.comment_id, at.comment_labels.c.labelled_at)
                                  .order_by(at.comment_labels.c.comment_id)).all()
            refreshed = conn.execute(sa.select(at.audience_refresh_state.c.scope,
                                               at.audience_refresh_state.c.refreshed_at)).all()
        return labels, refreshed

    from influscope.audience import background

    background.run_once(converting)  # the analysis runs when comments arrive, not when KPIs are read
    labels, refreshed = state()
    assert len(labels) == 3 and refreshed
    first = run(converting).to_dict()
    assert state() == (labels, refreshed)  # nothing labelled or recomputed again
    assert run(converting).to_dict() == first


def test_creator_rows_get_the_tier_cpm_band_only_in_its_currency(converting, tmp_path_factory):
    # The shipped CPM bands are in USD: a TWD campaign shows none beside its TWD amounts.
    twd = {row["key"]["creator"]: row for row in run(converting, by="creator").rows}
    assert twd["ben"]["kpis"]["cpm"]["value"] is not None and twd["ben"]["kpis"]["cpm"]["benchmark"] is None
    from influscope.db.engine import make_engine, upgrade

    path = tmp_path_factory.mktemp("usd")
    costs = "cost_id,creator_id,kind,amount,currency,incurred_on\nfee-ben,ben,fee,100,USD,2026-03-02\n"
    creators = CREATORS.replace("ben,instagram,ben.fit,Ben,2000", "ben,instagram,ben.fit,Ben,20000")
    files = {**handmade.FILES, "creators.csv": creators, "posts.csv": POSTS, "costs.csv": costs}
    engine = make_engine(f"sqlite:///{path / 'influscope.db'}")
    try:
        upgrade(engine)
        import_bundle(engine, handmade.write(path / "b", files, handmade.CAMPAIGN.replace("TWD", "USD")), workspace="w")
        usd = {row["key"]["creator"]: row for row in run(engine, by="creator").rows}
        band = benchmarks.for_kpi("cpm", "instagram", 20000, currency="USD")
        assert usd["ben"]["tier"] == "micro"
        assert usd["ben"]["kpis"]["cpm"]["benchmark"] == pytest.approx(band.value)
        assert usd["cat"]["kpis"]["cpm"]["benchmark"] is None  # no shipped CPM band for the mid tier
    finally:
        engine.dispose()


def test_baseline_comparison_is_the_same_on_duckdb(converting):
    from influscope.kpi.backends import copy_canonical

    ref = run(converting, refresh_audience=False)
    got = run(converting, backend=copy_canonical(converting, "duckdb"), refresh_audience=False)
    assert [(d["id"], d["subject"]) for d in got.diagnostics] == [(d["id"], d["subject"]) for d in ref.diagnostics]
    a, b = one(ref, "traffic_up_conversion_flat")["figures"], one(got, "traffic_up_conversion_flat")["figures"]
    assert b == pytest.approx(a, rel=1e-9)


def test_rest_api_repeats_are_cheap_and_carry_the_diagnostics(tmp_path):
    """Two calls of the KPI endpoint after the analysis: neither labels a comment or recomputes a
    mention or credibility row; both carry the baseline comparison and the code leak finding."""
    from fastapi.testclient import TestClient

    from influscope import config
    from influscope.auth import keys
    from influscope.db import audience as at
    from influscope.db import tables as t
    from influscope.db.engine import get_engine, upgrade
    from influscope.web.app import create_app

    url = f"sqlite:///{tmp_path / 'influscope.db'}"
    previous = config.get_settings()
    config.configure(database_url=url, workspace="w")
    engine = get_engine(url)
    try:
        upgrade(engine)
        import_bundle(engine, bundle(tmp_path / "bundle", baseline_orders=4), workspace="w")
        with engine.connect() as conn:
            ws = conn.execute(sa.select(t.workspaces.c.id).where(t.workspaces.c.slug == "w")).scalar_one()
            camp = conn.execute(sa.select(t.campaigns.c.id).where(t.campaigns.c.slug == "hand")).scalar_one()
        key = keys.create_key(engine, ws, scopes="read", can_see_costs=True, name="test").key
        app = create_app()
        app.state.engine = engine
        client = TestClient(app, base_url="https://testserver")
        client.headers["Authorization"] = f"Bearer {key}"

        def audience_state():
            with engine.connect() as conn:
                return (conn.execute(sa.select(at.comment_labels.c.comment_id, at.comment_labels.c.labelled_at)
                                     .order_by(at.comment_labels.c.comment_id)).all(),
                        conn.execute(sa.select(at.audience_refresh_state.c.refreshed_at)).all(),
                        conn.execute(sa.select(sa.func.count()).select_from(at.sentiment_cache)).scalar())

        from influscope.audience import background

        background.run_once(engine)  # the analysis runs when comments arrive; the GETs only read
        state = audience_state()
        assert len(state[0]) == 3 and state[1]
        first = client.get(f"/api/v1/campaigns/{camp}/kpis")
        assert first.status_code == 200, first.text
        assert audience_state() == state
        second = client.get(f"/api/v1/campaigns/{camp}/kpis")
        assert second.status_code == 200
        assert audience_state() == state
        assert second.json()["diagnostics"] == first.json()["diagnostics"]
        ids = {(d["id"], d["subject"]) for d in first.json()["diagnostics"]}
        assert {("traffic_up_conversion_flat", None), ("code_redeemed_without_click", "ben/Ben"),
                ("er_below_tier", "cat/Cat")} <= ids
    finally:
        config.configure(database_url=previous.database_url, workspace=previous.workspace)
        engine.dispose()
