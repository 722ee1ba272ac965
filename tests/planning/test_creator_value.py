"""A stored creator's value from their own history: the forecast model, the store reading, the CLI."""

import datetime as dt
import json
import math
import random
from decimal import Decimal

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from influscope.audience.refresh import refresh_credibility
from influscope.cli import app
from influscope.db import tables as t
from influscope.planning import creator_value as cv
from influscope.planning import forecast
from influscope.planning.creator_value import value_of

runner = CliRunner()


# ------------------------------------------------------------------ the model


def test_estimate_without_history_is_followers_times_the_peer_rate():
    prior = forecast.Prior(math.log(0.2), 0.5, 0.4, 20, "instagram micro accounts")
    e = forecast.estimate(50_000, [], prior)
    assert e.basis == "peers" and e.observations == 0 and "no posts of this creator" in e.note
    # the predictive median of log(x + 1) is log(followers x rate): exp(...) - 1
    assert e.value == pytest.approx(50_000 * 0.2 - 1, rel=1e-9)
    assert e.low < e.value < e.high


def test_estimate_follows_the_creator_when_history_is_long():
    prior = forecast.Prior(math.log(0.2), 0.5, 0.4, 20, "peers")
    own = [3000.0] * 40  # far below the peers' 10,000: 40 posts outweigh the tier
    e = forecast.estimate(50_000, own, prior)
    assert e.basis == "history+peers" and e.observations == 40
    assert 2900 < e.value < 3300
    few = forecast.estimate(50_000, own[:2], prior)
    assert 3300 < few.value < 10_000  # two posts pull only part of the way from the tier


def test_estimate_without_peers_or_history_says_so():
    e = forecast.estimate(50_000, [], forecast.Prior(None, 1.0, 0.6, 0, "none"))
    assert e.value is None and e.basis == "none"


def test_intervals_cover_about_their_nominal_share():
    """Simulated creators drawn from the model's own assumptions: 80 % intervals cover 75-88 %."""
    rng = random.Random(5)
    tau, sigma, rate = 0.5, 0.45, math.log(0.15)
    peers = []
    for _ in range(40):
        f = rng.uniform(10_000, 90_000)
        level = rate + math.log(f) + rng.gauss(0, tau)
        xs = [math.exp(level + rng.gauss(0, sigma)) for _ in range(4)]
        mean = sum(xs) / 4
        peers.append((f, 4, *forecast.log_stats(mean, sum(x * x for x in xs) / 4, 4)))
    prior = forecast.prior_from_accounts(peers, "simulated")
    hits = total = 0
    for _ in range(400):
        f = rng.uniform(10_000, 90_000)
        level = rate + math.log(f) + rng.gauss(0, tau)
        past = [math.exp(level + rng.gauss(0, sigma)) for _ in range(rng.randint(0, 6))]
        nxt = math.exp(level + rng.gauss(0, sigma))
        e = forecast.estimate(f, past, prior)
        hits += e.low <= nxt <= e.high
        total += 1
    assert 0.75 <= hits / total <= 0.88


# ------------------------------------------------------------------ the store

PEERS = [("ana", 40_000, 9_000), ("bo", 60_000, 12_000), ("cy", 30_000, 6_500), ("di", 50_000, 10_000),
         ("ed", 70_000, 15_000), ("fu", 45_000, 9_500)]


def seed(engine):
    """Workspace acme: a past campaign (TWD, target CPM 200 and CPA 500) with six peers and Mei,
    a later campaign with Mei again, and a newcomer with no posts."""
    with engine.begin() as conn:
        ws = conn.execute(t.workspaces.insert().values(slug="acme", name="Acme").returning(t.workspaces.c.id)).scalar_one()

        def campaign(slug, start):
            return conn.execute(t.campaigns.insert().values(
                workspace_id=ws, slug=slug, name=slug.title(), goal="tofu", start_date=start,
                end_date=start + dt.timedelta(days=27), timezone="UTC", currency="TWD",
                targets={"cpm": 200, "cpa": 500}, brand_accounts=[], brand_terms=[], competitor_terms=[],
                methodology={}).returning(t.campaigns.c.id)).scalar_one()

        spring, summer = campaign("spring", dt.date(2026, 3, 1)), campaign("summer", dt.date(2026, 6, 1))

        def creator(key, handle, followers):
            cid = conn.execute(t.creators.insert().values(workspace_id=ws, key=key, name=key.title())
                               .returning(t.creators.c.id)).scalar_one()
            conn.execute(t.creator_accounts.insert().values(workspace_id=ws, creator_id=cid, platform="instagram",
                                                            handle=handle, followers=followers))
            return cid

        def posts(cid, camp, start, impressions):
            conn.execute(t.campaign_creators.insert().values(campaign_id=camp, creator_id=cid))
            for i, imp in enumerate(impressions):
                pid = conn.execute(t.posts.insert().values(
                    workspace_id=ws, campaign_id=camp, creator_id=cid, key=f"{cid}-{camp}-{i}", platform="instagram",
                    content_type="post", posted_at=dt.datetime.combine(start, dt.time(12)) + dt.timedelta(days=i))
                    .returning(t.posts.c.id)).scalar_one()
                conn.execute(t.post_metrics.insert().values(
                    post_id=pid, as_of=dt.datetime.combine(start, dt.time()) + dt.timedelta(days=20),
                    impressions=imp, reach=int(imp * 0.7), likes=imp // 25, comments=imp // 500))

        for key, followers, imp in PEERS:
            posts(creator(key, key, followers), spring, dt.date(2026, 3, 2), [imp, int(imp * 1.2), int(imp * 0.8)])
        mei = creator("mei", "mei.eats", 50_000)
        posts(mei, spring, dt.date(2026, 3, 2), [4_000, 5_000, 4_500])
        posts(mei, summer, dt.date(2026, 6, 2), [5_500, 4_200, 4_800])
        conn.execute(t.costs.insert().values(workspace_id=ws, campaign_id=spring, key="mei-fee", creator_id=mei,
                                             kind="fee", amount=3000, currency="TWD", incurred_on=dt.date(2026, 3, 1)))
        creator("newbie", "new.bie", 48_000)
    return ws


def test_value_of_a_creator_with_history(engine):
    seed(engine)
    v = value_of(engine, "mei", workspace="acme", deliverables=2)
    assert v.currency == "TWD" and sorted(v.campaigns) == ["spring", "summer"]
    (acc,) = v.accounts
    assert acc.from_history and acc.posts_used == 6 and acc.campaigns_used == 2
    imp = acc.expected["impressions"]
    assert imp.basis == "history+peers" and imp.observations == 6
    # six posts around 4,700 against peers at ~0.2 impressions per follower (10,000 for 50k): pulled
    # mostly to her own level
    assert 4_300 < imp.value < 6_500 and imp.low < imp.value < imp.high
    # what she cost: 3,000 TWD in spring for 13,500 impressions
    assert acc.actual["cpm"] == pytest.approx(3000 / 13_500 * 1000)
    # fair fee: goal tofu -> target CPM 200 of the latest campaign in TWD, x 2 deliverables
    assert acc.fee["basis"] == "cpm" and "targets of campaign summer" in acc.fee["basis_text"]
    assert acc.fee["mid"] == Decimal(repr(imp.value * 2 * 200 / 1000)).quantize(Decimal("0.01"))
    assert acc.fee["low"] < acc.fee["mid"] < acc.fee["high"]
    assert v.to_dict()["accounts"][0]["fee"]["mid"] == str(acc.fee["mid"])


def test_value_as_of_a_date_and_by_handle(engine):
    seed(engine)
    v = value_of(engine, "@mei.eats", workspace="acme", before=dt.datetime(2026, 6, 1))
    (acc,) = v.accounts
    assert v.creator == "mei" and acc.posts_used == 3 and v.campaigns == ["spring"]


def test_new_creator_falls_back_to_the_peers_and_says_so(engine):
    seed(engine)
    (acc,) = value_of(engine, "newbie", workspace="acme").accounts
    assert not acc.from_history and acc.posts_used == 0
    assert any("no history in the store" in n for n in acc.notes)
    imp = acc.expected["impressions"]
    assert imp.basis == "peers" and "7 instagram micro accounts" in imp.note
    # peers' median: ~0.2 impressions per follower x 48,000
    assert 7_000 < imp.value < 12_000


def test_bought_audience_discounts_the_fee(engine):
    seed(engine)
    # following 60,000 accounts with 50,000 followers: the follow-for-follow check fires (score 70 < 75)
    with engine.begin() as conn:
        conn.execute(t.creator_accounts.update().where(t.creator_accounts.c.handle == "mei.eats").values(following=60_000))
        ws = conn.execute(sa.select(t.workspaces.c.id).where(t.workspaces.c.slug == "acme")).scalar_one()
    refresh_credibility(engine, ws)  # analysis runs when data changes; reading the value only reads
    (acc,) = value_of(engine, "mei", workspace="acme").accounts
    assert acc.credibility["score"] == 70.0 and acc.credibility["fee_factor"] == 0.7
    assert [r["id"] for r in acc.credibility["fired"]] == ["following_ratio"]
    base = acc.fee["bases"]["cpm"]["mid"]
    assert acc.fee["mid"] == (base * Decimal("0.7")).quantize(Decimal("0.01"))
    assert any("audience looks bought" in n for n in acc.notes)


def test_unknown_creator_and_bad_arguments(engine):
    seed(engine)
    with pytest.raises(LookupError, match="no creator 'nobody'"):
        value_of(engine, "nobody", workspace="acme")
    with pytest.raises(LookupError, match="no campaign 'winter'"):
        value_of(engine, "mei", workspace="acme", campaign="winter")
    with pytest.raises(ValueError, match="coverage"):
        value_of(engine, "mei", workspace="acme", coverage=1.5)


# ------------------------------------------------------------------ the command


def test_cli_plan_value_creator(engine, sqlite_url):
    seed(engine)
    r = runner.invoke(app, ["--db", sqlite_url, "plan", "value", "mei", "-w", "acme", "-n", "2", "--campaign", "summer"])
    assert r.exit_code == 0, r.output
    assert "history: 3 post(s) in 1 campaign(s)" in r.output  # summer is the plan: only spring is history
    assert "80% interval" in r.output and "fair fee:" in r.output and "CPM 222.22" in r.output
    j = json.loads(runner.invoke(app, ["--db", sqlite_url, "plan", "value", "newbie", "-w", "acme", "--json"]).output)
    assert j["accounts"][0]["from_history"] is False
    assert j["accounts"][0]["expected_per_deliverable"]["impressions"]["basis"] == "peers"
    bad = runner.invoke(app, ["--db", sqlite_url, "plan", "value", "nobody", "-w", "acme"])
    assert bad.exit_code == 1 and "no creator 'nobody'" in bad.output
    both = runner.invoke(app, ["--db", sqlite_url, "plan", "value", "mei", "--followers", "100", "-w", "acme"])
    assert both.exit_code == 1 and "not both" in both.output


def test_cli_plan_value_without_store_still_works():
    r = runner.invoke(app, ["plan", "value", "--followers", "48000", "--platform", "instagram"])
    assert r.exit_code == 0, r.output
    assert "tier micro" in r.output
    none = runner.invoke(app, ["plan", "value"])
    assert none.exit_code == 1 and "--followers and --platform" in none.output


def test_first_creator_of_an_empty_workspace_uses_the_published_er_band(engine):
    with engine.begin() as conn:
        ws = conn.execute(t.workspaces.insert().values(slug="new", name="New").returning(t.workspaces.c.id)).scalar_one()
        cid = conn.execute(t.creators.insert().values(workspace_id=ws, key="solo").returning(t.creators.c.id)).scalar_one()
        conn.execute(t.creator_accounts.insert().values(workspace_id=ws, creator_id=cid, platform="instagram",
                                                        handle="solo", followers=50_000))
    (acc,) = value_of(engine, "solo", workspace="new").accounts
    e = acc.expected["engagements"]
    assert e.basis == "benchmark" and "published engagement rate" in e.note
    assert e.low < e.value < e.high and 50 < e.value < 5_000
    assert acc.expected["reach"].value is None and acc.expected["reach"].basis == "none"
    assert not acc.from_history


def test_a_platform_without_peers_gets_the_spread_between_platforms(engine):
    """Valued from other platforms' accounts, the interval widens by how much platforms differ."""
    seed(engine)  # every peer is on Instagram
    ctx = cv.load_context(engine, "acme", currency="TWD")
    same, _, _ = cv.value_prospect(engine, ctx, "instagram", 20000, {}, coverage=0.8)
    other, _, _ = cv.value_prospect(engine, ctx, "x", 20000, {}, coverage=0.8)
    a, b = same["impressions"], other["impressions"]
    assert a.value == pytest.approx(b.value)  # the same peers' median rate
    assert b.high / b.low > a.high / a.low * 1.5
    assert "no x peers: the spread between platforms is added" in b.note
    assert "no instagram peers" not in a.note


def test_without_a_fee_basis_the_note_names_what_is_missing(engine):
    from influscope.planning.notes import localize

    ws = seed(engine)
    # AED: no campaign has targets in it and no rate converts USD to AED
    (acc,) = value_of(engine, "mei", workspace="acme", currency="AED").accounts
    assert acc.fee["basis"] is None
    assert acc.fee["why"].endswith("and no USD to AED exchange rate to convert the tier's published CPM band (in USD)")
    # a nano account: the tier has no published CPM band, whatever the rates
    with engine.begin() as conn:
        conn.execute(t.creator_accounts.update().where(t.creator_accounts.c.handle == "mei.eats").values(followers=4_000))
        conn.execute(t.fx_rates.insert().values(workspace_id=ws, date=dt.date(2026, 6, 1), base="AED", currency="USD",
                                                rate=Decimal("3.6725")))
    (acc,) = value_of(engine, "mei", workspace="acme", currency="AED").accounts
    assert acc.fee["why"].endswith("and no published CPM band for the Nano tier")
    assert localize(acc.fee["why"], "zh-Hant").endswith("奈米 級距沒有公開的 CPM 區間")
