"""GET /api/v1/campaigns/{id}/audience through the real app with an API key, after the analysis."""

import sqlalchemy as sa
from fastapi.testclient import TestClient

from influscope.auth import keys
from influscope.auth.users import create_user
from influscope.db import tables as t
from influscope.ingest.canonical import import_bundle
from influscope.web.app import create_app
from tests.audience.bundle import make_bundle
from tests.audience.test_refresh import COMMENTS, CREATORS, POSTS


def test_audience_report(engine, sqlite_url, tmp_path, monkeypatch):
    import_bundle(engine, make_bundle(tmp_path / "b", creators=CREATORS, posts=POSTS, comments=COMMENTS), "default")
    with engine.connect() as conn:
        ws = conn.execute(sa.select(t.workspaces.c.id).where(t.workspaces.c.slug == "default")).scalar_one()
        camp = conn.execute(sa.select(t.campaigns.c.id)).scalar_one()
    from influscope import config

    monkeypatch.setenv("INFLUSCOPE_DATABASE_URL", sqlite_url)
    monkeypatch.setattr(config, "_override", None)  # restored after the test
    config.configure(database_url=sqlite_url)
    user = create_user(engine, "a@example.com", "correct horse battery", workspace="default", role="viewer")
    token = keys.create_key(engine, ws, user_id=user, name="t", scopes="read").key
    from influscope.audience import refresh

    refresh(engine, ws, camp)  # what the background job does after an import; the GET only reads
    client = TestClient(create_app(), headers={"Authorization": f"Bearer {token}"})
    res = client.get(f"/api/v1/campaigns/{camp}/audience")
    assert res.status_code == 200, res.text
    body = res.json()
    assert body["comments_waiting"] == 0 and body["note"] is None
    assert [d["day"] for d in body["sentiment_by_day"]] == ["2026-03-02", "2026-03-03"]
    first = body["sentiment_by_day"][0]
    assert (first["pos"], first["neg"]) == (2, 1) and first["net_sentiment"] == round(100 / 3, 2)
    handles = {a["handle"]: a for a in body["credibility"]}
    assert handles["sam_uk"]["score"] == 70.0
    assert any(r["id"] == "following_ratio" and r["fired"] for r in handles["sam_uk"]["reasons"])
    assert {(m["term"], m["kind"]) for m in body["mentions"]} == {("#AcmeSpring", "brand"), ("acme", "brand"),
                                                                  ("globex", "competitor")}
    assert client.get("/api/v1/campaigns/999/audience").status_code == 404
    assert TestClient(create_app()).get(f"/api/v1/campaigns/{camp}/audience").status_code == 401
