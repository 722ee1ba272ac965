import datetime as dt
from decimal import Decimal

import pytest

from influscope.db import tables as t
from influscope.planning.valuation import StoredValuation, value_creator, value_stored_creator


def seed(engine):
    with engine.begin() as conn:
        ws = conn.execute(t.workspaces.insert().values(slug="acme", name="Acme").returning(t.workspaces.c.id)).scalar_one()
        other = conn.execute(t.workspaces.insert().values(slug="other", name="Other").returning(t.workspaces.c.id)).scalar_one()
        camp = conn.execute(t.campaigns.insert().values(
            workspace_id=ws, slug="spring", name="Spring", goal="bofu", start_date=dt.date(2026, 3, 1),
            end_date=dt.date(2026, 3, 31), timezone="UTC", currency="TWD", targets={}, brand_accounts=[],
            brand_terms=[], competitor_terms=[], methodology={}).returning(t.campaigns.c.id)).scalar_one()
        mei = conn.execute(t.creators.insert().values(workspace_id=ws, key="mei", name="Mei").returning(t.creators.c.id)).scalar_one()
        conn.execute(t.creators.insert().values(workspace_id=other, key="mei", name="Other Mei"))
        conn.execute(t.creator_accounts.insert(), [
            {"workspace_id": ws, "creator_id": mei, "platform": "instagram", "handle": "mei.eats", "followers": 80_000},
            {"workspace_id": ws, "creator_id": mei, "platform": "youtube", "handle": "meieats", "followers": None},
        ])
        # a later follower snapshot wins over the account's figure
        conn.execute(t.follower_snapshots.insert(), [
            {"workspace_id": ws, "platform": "instagram", "handle": "mei.eats", "date": dt.date(2026, 2, 1), "followers": 84_000},
            {"workspace_id": ws, "platform": "instagram", "handle": "mei.eats", "date": dt.date(2026, 3, 1), "followers": 85_000},
        ])
        for i, (imp, likes, comments) in enumerate([(42_000, 1200, 40), (38_000, 900, 30), (60_000, 2000, 80)]):
            pid = conn.execute(t.posts.insert().values(
                workspace_id=ws, campaign_id=camp, creator_id=mei, key=f"p{i}", platform="instagram", content_type="post",
                posted_at=dt.datetime(2026, 3, 2 + i)).returning(t.posts.c.id)).scalar_one()
            # an older snapshot with smaller numbers must be ignored
            conn.execute(t.post_metrics.insert(), [
                {"post_id": pid, "as_of": dt.datetime(2026, 3, 5 + i), "impressions": imp // 2, "likes": likes // 2, "comments": 1},
                {"post_id": pid, "as_of": dt.datetime(2026, 3, 20), "impressions": imp, "likes": likes, "comments": comments},
            ])


def test_value_stored_creator(any_engine):
    seed(any_engine)
    v = value_stored_creator(any_engine, "mei", workspace="acme", recent=2)
    assert isinstance(v, StoredValuation)
    ig = v.accounts["instagram @mei.eats"]
    assert ig.followers == 85_000 and ig.posts_used == 2
    # the 2 latest posts (p2: 60,000, p1: 38,000) at their latest snapshot: median impressions 49,000
    assert ig.per_post["impressions"].value == 49_000
    assert v.skipped == {"youtube @meieats": "no follower count recorded"}
    line = v.to_dict()["instagram @mei.eats"]
    assert line.startswith("micro tier, 85,000 followers, 2 recent post(s)") and "fair fee 490.00-1,225.00 USD" in line
    assert v.as_json()["accounts"]["instagram @mei.eats"]["fee"]["low"] == "490.00"


def test_engine_call_form_and_errors(engine):
    seed(engine)
    v = value_creator(engine, "mei", workspace="acme")
    ig = v.accounts["instagram @mei.eats"]
    # 3 posts: median 42,000 impressions x 10-25 USD / 1000
    assert (ig.fee_low, ig.fee_high) == (Decimal("420.00"), Decimal("1050.00"))
    with pytest.raises(LookupError, match="no creator 'nobody'"):
        value_stored_creator(engine, "nobody", workspace="acme")
    with pytest.raises(LookupError, match="no workspace"):
        value_stored_creator(engine, "mei", workspace="missing")
    other = value_stored_creator(engine, "mei", workspace="other")
    assert other.accounts == {} and other.skipped == {}
