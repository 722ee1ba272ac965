"""refresh() on a real migrated store: labels, cache, mentions and credibility rows."""

import sqlalchemy as sa

from influscope.audience import refresh
from influscope.db import audience as at
from influscope.db import tables as t
from influscope.ingest.canonical import import_bundle
from tests.audience.bundle import make_bundle

CREATORS = [
    {"creator_id": "mei", "platform": "instagram", "handle": "mei_tw", "name": "Mei", "followers": "20000",
     "following": "300", "country": "TW", "language": "zh-Hant"},
    {"creator_id": "sam", "platform": "instagram", "handle": "sam_uk", "name": "Sam", "followers": "15000",
     "following": "9000", "country": "GB", "language": "en"},
]
POSTS = [
    {"post_id": "p1", "creator_id": "mei", "platform": "instagram", "content_type": "post", "caption": "我的 #AcmeSpring 開箱",
     "posted_at": "2026-03-02T10:00:00", "as_of": "2026-03-05T00:00:00", "likes": "600", "comments": "20"},
    {"post_id": "p2", "creator_id": "sam", "platform": "instagram", "content_type": "post", "caption": "Morning routine",
     "posted_at": "2026-03-03T10:00:00", "as_of": "2026-03-05T00:00:00", "likes": "300", "comments": "12"},
]
COMMENTS = [
    {"comment_id": "c1", "post_id": "p1", "author": "a1", "text": "好想用用看這個產品😍", "ts": "2026-03-02T11:00:00"},
    {"comment_id": "c2", "post_id": "p1", "author": "a2", "text": "用了兩個禮拜就壞了，很失望", "ts": "2026-03-02T12:00:00"},
    {"comment_id": "c3", "post_id": "p1", "author": "a3", "text": "ACME 的客服超親切", "ts": "2026-03-02T13:00:00"},
    {"comment_id": "c4", "post_id": "p2", "author": "b1", "text": "Definitely recommend this, worth every penny",
     "ts": "2026-03-03T11:00:00"},
    {"comment_id": "c5", "post_id": "p2", "author": "b2", "text": "Is it better than globex?", "ts": "2026-03-03T12:00:00"},
    {"comment_id": "c6", "post_id": "p2", "author": "b3", "text": "Definitely recommend this, worth every penny",
     "ts": "2026-03-03T13:00:00"},
    {"comment_id": "c7", "post_id": "p2", "author": "b4", "text": "🔥🔥", "ts": "2026-03-03T14:00:00"},
    {"comment_id": "c8", "post_id": "p2", "author": "b5", "text": "@acme_tw ACME #acmespring 讚", "ts": "2026-03-03T15:00:00"},
]


def _setup(engine, tmp_path):
    import_bundle(engine, make_bundle(tmp_path / "b", creators=CREATORS, posts=POSTS, comments=COMMENTS), "default")
    with engine.connect() as conn:
        ws = conn.execute(sa.select(t.workspaces.c.id).where(t.workspaces.c.slug == "default")).scalar_one()
        camp = conn.execute(sa.select(t.campaigns.c.id).where(t.campaigns.c.slug == "spring")).scalar_one()
    return ws, camp


def _labels(engine):
    with engine.connect() as conn:
        rows = conn.execute(sa.select(t.comments.c.key, at.comment_labels)
                            .join(at.comment_labels, at.comment_labels.c.comment_id == t.comments.c.id)).all()
    return {r.key: r for r in rows}


def test_refresh_labels_every_comment_with_language_sentiment_and_intent(engine, tmp_path):
    ws, camp = _setup(engine, tmp_path)
    summary = refresh(engine, ws, camp)
    assert summary.classified == 8
    labels = _labels(engine)
    assert labels["c1"].lang == "zh-Hant" and labels["c1"].label == "pos"
    assert labels["c1"].intent and labels["c1"].intent_kind == "desire"
    assert labels["c2"].label == "neg" and not labels["c2"].intent
    assert labels["c4"].lang == "en" and labels["c4"].intent_kind == "advocacy"
    assert labels["c7"].lang is None  # emoji only
    assert all(-1 <= r.score <= 1 and r.model == summary.model for r in labels.values())


def test_refresh_is_incremental_and_uses_the_text_cache(engine, tmp_path):
    ws, camp = _setup(engine, tmp_path)
    first = refresh(engine, ws, camp)
    # c4 and c6 have the same text: classified once, one cache row
    assert first.cache_hits == 0
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(at.sentiment_cache)).scalar() == 7
    assert refresh(engine, ws, camp).classified == 0
    with engine.begin() as conn:
        post = conn.execute(sa.select(t.posts.c.id).where(t.posts.c.key == "p2")).scalar_one()
        conn.execute(sa.insert(t.comments), [{"workspace_id": ws, "key": "c9", "post_id": post,
                                              "text": "Is it better than globex?", "author": "b9"}])
    again = refresh(engine, ws, camp)
    assert again.classified == 1 and again.cache_hits == 1


def test_refresh_relabels_comments_of_another_model(engine, tmp_path):
    ws, camp = _setup(engine, tmp_path)
    refresh(engine, ws, camp)

    class Gloomy:
        name = "always-negative"

        def predict_proba(self, texts):
            return [[0.9, 0.05, 0.05] for _ in texts]

    summary = refresh(engine, ws, camp, model=Gloomy())
    assert summary.classified == 8
    assert {r.label for r in _labels(engine).values()} == {"neg"}
    assert not any(r.intent for r in _labels(engine).values())  # negative comments carry no intent


def test_mentions_match_terms_in_captions_and_comments(engine, tmp_path):
    ws, camp = _setup(engine, tmp_path)
    refresh(engine, ws, camp)
    with engine.connect() as conn:
        rows = conn.execute(sa.select(at.mentions.c.term, at.mentions.c.kind, at.mentions.c.comment_id,
                                      t.posts.c.key.label("post"))
                            .join(t.posts, t.posts.c.id == at.mentions.c.post_id)).all()
    found = sorted((r.term, r.kind, r.post, r.comment_id is None) for r in rows)
    # c8 names three brand terms but is one mention, recorded under its hashtag
    assert found == [("#AcmeSpring", "brand", "p1", True), ("#AcmeSpring", "brand", "p2", False),
                     ("acme", "brand", "p1", False), ("globex", "competitor", "p2", False)]
    refresh(engine, ws, camp)  # recomputed, not duplicated
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(at.mentions)).scalar() == 4


def test_credibility_rows_for_the_campaign_accounts(engine, tmp_path):
    ws, camp = _setup(engine, tmp_path)
    assert refresh(engine, ws, camp).accounts == 2
    with engine.connect() as conn:
        rows = {r.handle: r for r in conn.execute(
            sa.select(t.creator_accounts.c.handle, at.account_credibility)
            .join(at.account_credibility, at.account_credibility.c.creator_account_id == t.creator_accounts.c.id))}
    # sam follows 9,000 accounts with 15,000 followers: the following ratio fires
    sam = {r["id"]: r for r in rows["sam_uk"].reasons}
    assert sam["following_ratio"]["fired"] is True and rows["sam_uk"].score == 70.0
    assert set(sam["following_ratio"]["message"]) == {"en", "zh-Hant", "ar"}
    mei = {r["id"]: r for r in rows["mei_tw"].reasons}
    assert mei["following_ratio"]["fired"] is False and rows["mei_tw"].score == 100.0
    assert mei["comment_pods"]["fired"] is None and "needed" in mei["comment_pods"]["reason"]


def test_refresh_stays_in_its_workspace(engine, tmp_path):
    ws, camp = _setup(engine, tmp_path)
    import_bundle(engine, make_bundle(tmp_path / "other", creators=CREATORS, posts=[
        {**p, "post_id": p["post_id"] + "x"} for p in POSTS], comments=[
        {**c, "comment_id": c["comment_id"] + "x", "post_id": c["post_id"] + "x"} for c in COMMENTS]), "other")
    refresh(engine, ws)
    with engine.connect() as conn:
        other = conn.execute(sa.select(t.workspaces.c.id).where(t.workspaces.c.slug == "other")).scalar_one()
        counts = dict(conn.execute(sa.select(at.comment_labels.c.workspace_id, sa.func.count())
                                   .group_by(at.comment_labels.c.workspace_id)).all())
    assert counts == {ws: 8}
    refresh(engine, other)
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(at.comment_labels)
                            .where(at.comment_labels.c.workspace_id == other)).scalar() == 8


def test_refresh_on_sqlite_and_postgres(any_engine, tmp_path):
    ws, camp = _setup(any_engine, tmp_path)
    summary = refresh(any_engine, ws, camp)
    assert (summary.classified, summary.mentions, summary.accounts) == (8, 4, 2)
    labels = _labels(any_engine)
    assert labels["c2"].label == "neg" and labels["c4"].intent_kind == "advocacy"
    with any_engine.connect() as conn:
        reasons = conn.execute(sa.select(at.account_credibility.c.reasons)).scalars().all()
    assert all(isinstance(r, list) and len(r) == 11 for r in reasons)
    assert refresh(any_engine, ws, camp).classified == 0


def test_mentions_and_credibility_are_skipped_until_their_inputs_change(engine, tmp_path):
    ws, camp = _setup(engine, tmp_path)
    assert refresh(engine, ws, camp).skipped is False
    again = refresh(engine, ws, camp)
    assert again.skipped is True and again.accounts == 0
    with engine.begin() as conn:
        conn.execute(sa.insert(t.follower_snapshots), [{"workspace_id": ws, "platform": "instagram", "handle": "mei_tw",
                                                        "date": __import__("datetime").date(2026, 3, 1),
                                                        "followers": 20000}])
    changed = refresh(engine, ws, camp)
    assert changed.skipped is False and changed.accounts == 2
    assert refresh(engine, ws, camp, force=True).accounts == 2
    with engine.begin() as conn:
        conn.execute(sa.update(t.campaigns).values(brand_terms=["globex"]))
    assert refresh(engine, ws, camp).mentions == 2  # the brand terms changed: mentions recomputed


def test_comments_labelled_by_the_previous_heads_are_analysed_again(engine, tmp_path):
    from influscope.audience import embedding as e
    from influscope.audience.refresh import pending_comments

    previous = "e5small-q4-lr-3f1ff80e3e"  # the heads before the informal comments and hashtags as words
    assert e.model_name() != previous
    ws, camp = _setup(engine, tmp_path)
    assert refresh(engine, ws, camp).classified == 8
    assert pending_comments(engine, ws, camp) == 0
    with engine.begin() as conn:
        conn.execute(sa.update(at.comment_labels).values(model=previous))
    assert pending_comments(engine, ws, camp) == 8
    again = refresh(engine, ws, camp)
    assert again.classified == 8 and again.model == e.model_name()
    assert {r.model for r in _labels(engine).values()} == {e.model_name()}
    assert pending_comments(engine, ws, camp) == 0


def test_new_decision_rules_relabel_stored_comments_and_use_a_new_cache(engine, tmp_path, monkeypatch):
    from influscope.audience import embedding as e
    from influscope.audience import sentiment as s
    from influscope.audience.refresh import pending_comments

    ws, camp = _setup(engine, tmp_path)
    first = refresh(engine, ws, camp)
    assert first.model == e.model_name() and first.classified == 8
    monkeypatch.setattr(e, "RULES_VERSION", e.RULES_VERSION + "-next")
    try:
        s.set_model(e.EmbeddingModel.load())
        assert pending_comments(engine, ws, camp) == 8
        again = refresh(engine, ws, camp)
        assert again.model != first.model and again.classified == 8 and again.cache_hits == 0
        assert {r.model for r in _labels(engine).values()} == {again.model}
        with engine.connect() as conn:
            models = dict(conn.execute(sa.select(at.sentiment_cache.c.model, sa.func.count())
                                       .group_by(at.sentiment_cache.c.model)).all())
        assert models == {first.model: 7, again.model: 7}
    finally:
        s.set_model(None)
