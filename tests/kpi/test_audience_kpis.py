"""Audience KPIs read the audience analysis tables (comment labels, mentions, credibility)."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from influscope.db import tables as t
from influscope.ingest.canonical import import_bundle
from influscope.kpi.api import kpis
from tests.kpi import handmade

at = pytest.importorskip("influscope.db.audience")

COMMENTS = """\
comment_id,post_id,author,text,ts
k1,p1,u1,love it,2026-03-03T00:00:00Z
k2,p1,u2,want to buy,2026-03-03T00:00:00Z
k3,p2,u3,meh,2026-03-04T00:00:00Z
k4,p3,u4,bad,2026-03-04T00:00:00Z
k5,p3,u5,not labelled,2026-03-04T00:00:00Z
"""


def test_sentiment_mentions_and_credibility_by_hand(engine, tmp_path):
    import_bundle(engine, handmade.write(tmp_path / "b", {**handmade.FILES, "comments.csv": COMMENTS}), workspace="w")
    now = dt.datetime(2026, 3, 5)
    with engine.begin() as conn:
        ws = conn.execute(sa.select(t.workspaces.c.id)).scalar()
        camp = conn.execute(sa.select(t.campaigns.c.id)).scalar()
        cid = dict(conn.execute(sa.select(t.comments.c.key, t.comments.c.id)).all())
        pid = dict(conn.execute(sa.select(t.posts.c.key, t.posts.c.id)).all())
        labels = [("k1", "pos", False), ("k2", "pos", True), ("k3", "neu", False), ("k4", "neg", False)]
        conn.execute(at.comment_labels.insert(), [
            {"comment_id": cid[k], "workspace_id": ws, "label": lab, "score": 0.0, "intent": intent, "model": "hand",
             "text_hash": k, "labelled_at": now} for k, lab, intent in labels])
        conn.execute(at.mentions.insert(), [
            {"workspace_id": ws, "campaign_id": camp, "post_id": pid["p1"], "comment_id": None, "term": "#acmespring",
             "kind": "brand"},
            {"workspace_id": ws, "campaign_id": camp, "post_id": pid["p1"], "comment_id": cid["k1"], "term": "acme",
             "kind": "brand"},
            {"workspace_id": ws, "campaign_id": camp, "post_id": pid["p3"], "comment_id": None, "term": "acme",
             "kind": "brand"},
            {"workspace_id": ws, "campaign_id": camp, "post_id": pid["p3"], "comment_id": cid["k4"], "term": "globex",
             "kind": "competitor"},
        ])
        accounts = dict(conn.execute(sa.select(t.creator_accounts.c.handle, t.creator_accounts.c.id)).all())
        conn.execute(at.account_credibility.insert(), [
            {"creator_account_id": accounts["amy.eats"], "workspace_id": ws, "score": 80.0, "reasons": [], "computed_at": now},
            {"creator_account_id": accounts["ben.fit"], "workspace_id": ws, "score": 65.0, "reasons": [], "computed_at": now},
        ])
    r = kpis("hand", workspace="w", engine=engine, today=dt.date(2026, 5, 1), refresh_audience=False)
    v = {k: o["value"] for k, o in r.kpis.items()}
    assert v["sentiment_positive_pct"] == pytest.approx(50.0)  # 2 of 4 classified (k5 has no label)
    assert v["sentiment_negative_pct"] == pytest.approx(25.0)
    assert v["net_sentiment"] == pytest.approx(25.0)
    assert v["purchase_intent_pct"] == pytest.approx(25.0)
    assert r.kpis["net_sentiment"]["estimated"] is True
    assert v["brand_mentions"] == 3
    assert v["hashtag_posts"] == 1
    assert v["share_of_voice"] == pytest.approx(75.0)
    assert v["credibility_score"] == pytest.approx(72.5)
    rows = {row["key"]["creator"]: row["kpis"] for row in kpis(
        "hand", by="creator", workspace="w", engine=engine, today=dt.date(2026, 5, 1), refresh_audience=False).rows}
    assert rows["ben"]["credibility_score"]["value"] == pytest.approx(65.0)
    assert rows["ben"]["sentiment_negative_pct"]["value"] == pytest.approx(100.0)
    assert rows["amy"]["brand_mentions"]["value"] == 2


def test_mention_kpis_are_unknown_not_zero_when_the_analysis_cannot_run(engine, tmp_path, monkeypatch):
    """Without the audience extra (or when the analysis fails) an empty mentions table means 'unknown'."""
    import influscope.audience as audience

    def missing(*_a, **_k):
        raise ModuleNotFoundError("No module named 'sklearn'")

    monkeypatch.setattr(audience, "refresh", missing)
    import_bundle(engine, handmade.write(tmp_path / "b", {**handmade.FILES, "comments.csv": COMMENTS}), workspace="w")
    r = kpis("hand", workspace="w", engine=engine, today=dt.date(2026, 5, 1), refresh_audience=True)
    for kid in ("brand_mentions", "hashtag_posts", "share_of_voice", "net_sentiment", "credibility_score"):
        assert r.kpis[kid]["value"] is None, kid
        assert "audience analysis failed" in r.kpis[kid]["reason"], (kid, r.kpis[kid]["reason"])
