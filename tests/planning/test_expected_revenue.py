"""Expected revenue of a BOFU plan: the creators' values as the headline, the sales forecast of earlier campaigns beside."""

import datetime as dt
import json

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from influscope.cli import app
from influscope.db import tables as t
from influscope.planning import campaign_state as cs
from influscope.planning import candidates as cd
from influscope.planning import revenue
from influscope.planning.split import response

runner = CliRunner()


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The demo (its BOFU campaign spring-launch runs today) and a planned BOFU campaign after it."""
    from influscope.db.engine import get_engine
    from influscope.demo import create_demo
    from influscope.reports.build import clear_cache

    url = f"sqlite:///{tmp_path_factory.mktemp('rev') / 'demo.db'}"
    engine = get_engine(url)
    create_demo(engine, scale=0.05)
    clear_cache()
    start = dt.date.today() + dt.timedelta(days=40)
    cs.create_campaign(engine, "demo", "holiday", name="Holiday", goal="bofu", start=start,
                       end=start + dt.timedelta(days=30), currency="TWD", budget="200000")
    cd.create_list(engine, "demo", "holiday", campaign="holiday")
    with engine.connect() as conn:
        keys = list(conn.execute(sa.select(t.creators.c.key).join(
            t.campaign_creators, t.campaign_creators.c.creator_id == t.creators.c.id).join(
            t.campaigns, t.campaigns.c.id == t.campaign_creators.c.campaign_id)
            .where(t.campaigns.c.slug == "spring-launch").order_by(t.creators.c.key)).scalars())
    cd.add_creators(engine, "demo", "holiday", keys, max_deliverables=2)
    yield engine, url
    engine.dispose()


def test_bofu_plan_rests_on_creators_and_the_sales_forecast(demo):
    engine, _ = demo
    lv, sp = cd.split_list(engine, "demo", "holiday", 60000)
    assert lv.goal == "bofu" and sp.objective == "revenue" and sp.spent > 0
    # spring-launch is running: its creators' revenue per post is projected to its end
    assert any("spring-launch is still running" in n for n in lv.notes)
    rv = revenue.expected_revenue(engine, "demo", lv, sp, alpha=sp.alpha)
    # from the creators: each booked creator's revenue per deliverable x d ^ alpha
    by_id = {str(c.id): c for c in lv.candidates}
    want = sum(response(revenue_option(by_id[i]), d, sp.alpha) for i, d in sp.booked.items() if d)
    assert rv.creators.value == pytest.approx(want)
    assert rv.creators.low < rv.creators.value < rv.creators.high
    assert rv.creators.detail["past_campaigns"] == ["spring-launch"]
    # from the forecast: spring-launch's sales projected to its end, per unit of its creator fees
    (ref,) = rv.forecast.detail["campaigns"]
    assert ref["campaign"] == "spring-launch" and ref["projected"] and ref["final_revenue"] > ref["revenue_to_date"]
    assert ref["low"] <= ref["final_revenue"] <= ref["high"]
    with engine.connect() as conn:
        fees = conn.execute(sa.select(sa.func.sum(t.costs.c.amount)).join(t.campaigns).where(
            t.campaigns.c.slug == "spring-launch", t.costs.c.kind == "fee")).scalar()
    assert ref["fees"] == pytest.approx(float(fees))
    assert rv.forecast.value == pytest.approx(float(sp.spent) * ref["final_revenue"] / float(fees))
    assert rv.forecast.detail["scope"] == "bofu" and rv.forecast.detail["assumed_scatter"] == revenue.FEW_CAMPAIGNS_SD
    assert any("Theil-Sen" in r for r in rv.forecast.rests_on)
    # the headline: the creators' values (the more accurate in the backtest), the forecast beside them
    assert rv.headline == "creators" and rv.expected is rv.creators and not rv.notes
    d = rv.to_dict()
    assert d["expected"]["headline"] == "creators" and d["expected"]["value"] == rv.creators.value
    assert d["from_sales_forecast"]["value"] == rv.forecast.value
    assert json.dumps(d)  # JSON-ready


def revenue_option(c):
    from influscope.planning.split import Option

    e = c.expected["revenue"]
    return Option(str(c.id), c.label, c.fee, e.value, e.low, e.high)


def test_not_for_other_goals_and_without_history(demo):
    engine, _ = demo
    lv, sp = cd.split_list(engine, "demo", "holiday", 60000, goal="tofu")
    assert revenue.expected_revenue(engine, "demo", lv, sp) is None
    # a currency without earlier campaigns: the forecast says why it has nothing, the creators' values stand alone
    cs.create_campaign(engine, "demo", "gulf", name="Gulf", goal="bofu", start=dt.date.today() + dt.timedelta(days=60),
                       end=dt.date.today() + dt.timedelta(days=80), currency="SAR")
    cd.create_list(engine, "demo", "gulf", campaign="gulf")
    lv2, sp2 = cd.split_list(engine, "demo", "gulf", 1000)
    rv = revenue.expected_revenue(engine, "demo", lv2, sp2)
    assert rv.forecast.value is None and rv.forecast.rests_on == ["no earlier campaign in SAR"]
    assert rv.headline == "creators" and rv.expected.value == rv.creators.value


def test_the_forecast_is_the_headline_when_no_creator_has_an_expected_revenue(demo):
    engine, _ = demo
    lv, sp = cd.split_list(engine, "demo", "holiday", 60000)
    for c in lv.candidates:  # as if no booked creator could be valued for revenue
        c.expected["revenue"] = None
    rv = revenue.expected_revenue(engine, "demo", lv, sp)
    assert rv.creators.value is None and rv.forecast.value is not None
    assert rv.headline == "forecast" and rv.expected is rv.forecast
    assert rv.to_dict()["expected"]["headline"] == "forecast"
    assert any("the headline is the sales forecast" in n for n in rv.notes)


def test_cli_and_page_show_it(demo):
    engine, url = demo
    r = runner.invoke(app, ["--db", url, "plan", "split", "holiday", "--budget", "60000", "-w", "demo"])
    assert r.exit_code == 0, r.output
    assert "expected revenue (BOFU)" in r.output and "from sales forecast" in r.output
    assert "from creators' values *" in r.output and "the headline" in r.output
    assert "spring-launch" in r.output and "80% interval" in r.output
    j = json.loads(runner.invoke(app, ["--db", url, "plan", "split", "holiday", "--budget", "60000", "--format",
                                       "json", "-w", "demo"]).output)
    assert j["expected_revenue"]["from_sales_forecast"]["campaigns"][0]["campaign"] == "spring-launch"
    assert j["expected_revenue"]["expected"]["low"] < j["expected_revenue"]["expected"]["high"]

    from fastapi.testclient import TestClient

    from influscope.auth import sessions, users
    from influscope.web.app import create_app

    users.create_user(engine, "plan@example.com", "correct horse battery staple", workspace="demo", role="owner")
    s = sessions.login(engine, "plan@example.com", "correct horse battery staple", "demo")
    web = create_app()
    web.state.engine = engine
    client = TestClient(web, base_url="http://127.0.0.1")
    client.cookies.set("influscope_session", s.token)
    en = client.get("/planning/holiday?budget=60000")
    assert en.status_code == 200 and 'id="expected-revenue"' in en.text
    assert "From the sales forecast" in en.text and "projected to its end by the sales forecast" in en.text
    assert '<tr class="headline"><td>From the creators\' values <strong>(headline)' in en.text
    assert "came closer to what campaigns sold" in en.text
    ar = client.get("/planning/holiday?budget=60000&lang=ar")
    assert "الإيرادات المتوقعة" in ar.text and "من توقع المبيعات" in ar.text
    zh = client.get("/planning/holiday/split?budget=60000&lang=zh-Hant")
    assert "預期營收" in zh.text and "依銷售預測" in zh.text
    api_key_free = client.get("/planning/holiday/plan-csv.zip?budget=60000")
    import io
    import zipfile

    names = zipfile.ZipFile(io.BytesIO(api_key_free.content)).namelist()
    assert "expected_revenue.csv" in names
