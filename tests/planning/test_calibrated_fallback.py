"""The interval of a creator without history, calibrated on the store by leaving one campaign out at a time."""

import datetime as dt
import math
import random

import pytest

from influscope.db import tables as t
from influscope.kpi import emv as emv_mod
from influscope.planning import creator_value as cv
from influscope.planning import forecast, history

RATE = math.log(0.004)  # clicks per post per follower, the workspace's typical creator


def _campaign(rng, slug, goal, creators, *, campaign_sd, creator_sd, noise_sd, shift=0.0, currency="USD", fx=1.0,
              start=dt.date(2025, 1, 1)):
    """Rows of one campaign: each creator's clicks per post around followers x rate, with known spreads."""
    effect = rng.gauss(0, campaign_sd) + shift
    rows, followers = [], {}
    for i in range(creators):
        key = f"{slug}-c{i}"
        f = int(rng.uniform(5_000, 400_000))
        followers[key] = f
        level = RATE + math.log(f) + effect + rng.gauss(0, creator_sd)
        per_post = math.exp(level + rng.gauss(0, noise_sd))
        posts = 3
        values = {"posts": float(posts), "clicks": per_post * posts, "orders": per_post * posts / 40,
                  "revenue": per_post * posts / 40 * 50 / fx}  # revenue in the campaign's currency
        rows.append(history.CampaignRow(slug, slug, start, currency, key, values))
    return rows, followers, {"slug": slug, "goal": goal, "currency": currency, "start_date": start}


def _context(rows, campaigns, *, goal, currency="USD", fx=None) -> cv.Context:
    table = emv_mod.load_table("default")
    return cv.Context("w", 1, currency, goal, None, None, {}, "none", table, None, [], rows, campaigns,
                      fx or {currency: 1.0}, None, "default")


def _simulate(seed, past, *, campaign_sd, creator_sd=0.5, noise_sd=0.25, per=12, plan_goal="mofu",
              past_goal="mofu", shift_new=0.0):
    rng = random.Random(seed)
    rows, followers, camps = [], {}, []
    for k in range(past):
        r, f, c = _campaign(rng, f"p{k}", past_goal, per, campaign_sd=campaign_sd, creator_sd=creator_sd,
                            noise_sd=noise_sd)
        rows += r
        followers.update(f)
        camps.append(c)
    new, new_followers, _ = _campaign(rng, "next", plan_goal, per, campaign_sd=campaign_sd, creator_sd=creator_sd,
                                      noise_sd=noise_sd, shift=shift_new)
    return rows, followers, camps, new, new_followers


def test_calibration_recovers_a_known_spread():
    """Creators scatter 0.5 (log) around the rate, campaigns 0.6, posts 0.25: the calibration finds about
    sqrt(0.5^2 + 0.6^2 + 0.25^2) = 0.82 and its intervals cover about their stated share of new creators."""
    sds, hits, total = [], 0, 0
    for seed in range(30):
        rows, followers, camps, new, new_followers = _simulate(seed, 6, campaign_sd=0.6)
        ctx = _context(rows, camps, goal="mofu")
        prior = cv._outcome_prior(ctx, "clicks", "", followers)
        assert prior.calibration is not None and prior.calibration.groups == 6
        sds.append(prior.calibration.sd)
        for r in new:
            e = forecast.estimate(new_followers[r.creator], [], prior, unit="campaign")
            assert "each left out in turn" in e.note
            hits += e.low <= r.values["clicks"] / 3 <= e.high
            total += 1
    assert sorted(sds)[len(sds) // 2] == pytest.approx(math.sqrt(0.5 ** 2 + 0.6 ** 2 + 0.25 ** 2), rel=0.2)
    assert 0.72 <= hits / total <= 0.9


def test_a_model_that_counts_the_noise_twice_is_narrowed():
    """No campaign effect, every creator in one campaign: the model adds an assumed within-creator spread
    (0.6) on top of the creators' scatter, which already holds the posts' noise. The calibration measures
    sqrt(0.5^2 + 0.25^2) = 0.56 instead, narrower than the model, and still covers its share."""
    ratios, sds, hits, total = [], [], 0, 0
    for seed in range(20):
        rows, followers, camps, new, new_followers = _simulate(200 + seed, 6, campaign_sd=0.0, per=20)
        prior = cv._outcome_prior(_context(rows, camps, goal="mofu"), "clicks", "", followers)
        bare = forecast.Prior(prior.log_rate, prior.tau, prior.sigma, prior.accounts, prior.scope)
        sds.append(prior.calibration.sd)
        for r in new:
            f = new_followers[r.creator]
            c, m = forecast.estimate(f, [], prior), forecast.estimate(f, [], bare)
            ratios.append((math.log(c.high) - math.log(c.low)) / (math.log(m.high) - math.log(m.low)))
            hits += c.low <= r.values["clicks"] / 3 <= c.high
            total += 1
    assert sorted(sds)[10] == pytest.approx(math.sqrt(0.5 ** 2 + 0.25 ** 2), rel=0.2)
    assert sorted(ratios)[len(ratios) // 2] < 0.9
    assert 0.72 <= hits / total <= 0.9


def test_campaigns_of_the_plans_goal_are_preferred():
    rng = random.Random(3)
    rows, followers, camps = [], {}, []
    for slug, goal, shift in (("aware1", "tofu", -2.0), ("aware2", "tofu", -2.0), ("sale1", "bofu", 0.0),
                              ("sale2", "bofu", 0.0)):
        r, f, c = _campaign(rng, slug, goal, 8, campaign_sd=0.1, creator_sd=0.3, noise_sd=0.2, shift=shift)
        rows += r
        followers.update(f)
        camps.append(c)
    bofu = cv._outcome_prior(_context(rows, camps, goal="bofu"), "clicks", "", followers)
    assert "BOFU campaigns" in bofu.scope and bofu.calibration.groups == 2 and not bofu.calibration.assumed
    assert bofu.log_rate == pytest.approx(RATE, abs=0.3)
    mofu = cv._outcome_prior(_context(rows, camps, goal="mofu"), "clicks", "", followers)
    assert "no MOFU campaign yet" in mofu.scope
    assert mofu.calibration.groups == 4 and mofu.calibration.assumed == forecast.STAGE_SPREAD
    assert mofu.calibration.sd > bofu.calibration.sd + 0.5  # the stages differ by a factor e^2


def test_one_campaign_of_another_stage_adds_the_assumed_spread():
    rng = random.Random(4)
    rows, followers, camp = _campaign(rng, "aware", "tofu", 10, campaign_sd=0.0, creator_sd=0.4, noise_sd=0.2)
    same = cv._outcome_prior(_context(rows, [camp], goal="tofu"), "clicks", "", followers)
    other = cv._outcome_prior(_context(rows, [camp], goal="bofu"), "clicks", "", followers)
    assert same.calibration is None  # one campaign of the same stage: the model's own spread
    assert other.calibration.groups == 1 and other.calibration.assumed == forecast.STAGE_SPREAD
    e_same, e_other = forecast.estimate(50_000, [], same), forecast.estimate(50_000, [], other)
    assert e_same.value == pytest.approx(e_other.value)
    assert e_other.high / e_other.low > 3 * (e_same.high / e_same.low)
    assert "assumed log spread of 1.5 between stages" in e_other.note
    assert "one earlier campaign only" in e_other.note and not other.calibration.left_out


def test_revenue_in_other_currencies_is_converted():
    rng = random.Random(5)
    usd, f1, c1 = _campaign(rng, "us", "bofu", 6, campaign_sd=0.0, creator_sd=0.3, noise_sd=0.1)
    aed, f2, c2 = _campaign(rng, "ae", "bofu", 6, campaign_sd=0.0, creator_sd=0.3, noise_sd=0.1, currency="AED",
                            fx=1 / 3.6725)
    followers = {**f1, **f2}
    ctx = _context(usd + aed, [c1, c2], goal="bofu", fx={"USD": 1.0, "AED": 1 / 3.6725})
    prior = cv._outcome_prior(ctx, "revenue", "", followers)
    assert prior.accounts == 12  # both campaigns, the AED one converted to USD
    assert prior.log_rate == pytest.approx(RATE + math.log(50 / 40), abs=0.25)
    without = cv._outcome_prior(_context(usd + aed, [c1, c2], goal="bofu"), "revenue", "", followers)
    assert without.accounts == 6  # no rate to USD: the AED campaign's revenue says nothing


def test_fx_rate_goes_through_usd(engine):
    with engine.begin() as conn:
        ws = conn.execute(t.workspaces.insert().values(slug="w", name="W").returning(t.workspaces.c.id)).scalar_one()
        conn.execute(t.fx_rates.insert(), [
            {"workspace_id": ws, "date": dt.date(2026, 1, 2), "base": "TWD", "currency": "USD", "rate": 32.0},
            {"workspace_id": ws, "date": dt.date(2026, 1, 2), "base": "AED", "currency": "USD", "rate": 3.6725},
            {"workspace_id": ws, "date": dt.date(2026, 1, 2), "base": "JPY", "currency": "EUR", "rate": 160.0}])
    with engine.connect() as conn:
        assert history.fx_rate(conn, ws, "USD", "TWD") == pytest.approx(32.0)
        assert history.fx_rate(conn, ws, "TWD", "AED") == pytest.approx(3.6725 / 32.0)
        assert history.fx_rate(conn, ws, "AED", "TWD") == pytest.approx(32.0 / 3.6725)
        assert history.fx_rate(conn, ws, "TWD", "JPY") is None  # no currency links the two


def test_the_plans_own_currency_converts_to_itself(engine):
    """A plan in a currency no earlier campaign used still compares its own campaigns' revenue."""
    with engine.begin() as conn:
        ws = conn.execute(t.workspaces.insert().values(slug="w", name="W").returning(t.workspaces.c.id)).scalar_one()
        conn.execute(t.campaigns.insert().values(
            workspace_id=ws, slug="tw", name="TW", goal="tofu", start_date=dt.date(2025, 1, 1),
            end_date=dt.date(2025, 1, 31), timezone="UTC", currency="TWD", targets={}, brand_accounts=[],
            brand_terms=[], competitor_terms=[], methodology={}))
    ctx = cv.load_context(engine, "w", currency="AED", outcome_campaigns=0)
    assert ctx.to_currency(100.0, "AED") == 100.0
    assert ctx.to_currency(100.0, "TWD") is None  # no rate stored between TWD and AED
