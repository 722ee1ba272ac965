"""The /api/v1/links router through the whole web app, with real API keys."""

import pytest
from fastapi.testclient import TestClient

from influscope.auth import keys
from influscope.tracking import links


@pytest.fixture
def api(engine, seeded, monkeypatch):
    from influscope.web.app import create_app

    monkeypatch.setenv("INFLUSCOPE_BASE_URL", "https://go.example")
    app = create_app()
    app.state.engine = engine
    write = keys.create_key(engine, seeded["workspace"], scopes="read write", name="w").key
    read = keys.create_key(engine, seeded["workspace"], scopes="read", name="r").key

    def client(key=write):
        c = TestClient(app, base_url="https://testserver", raise_server_exceptions=False)
        if key:
            c.headers["Authorization"] = f"Bearer {key}"
        return c

    client.read_key = read
    return client


BODY = {"campaign": "spring", "creator": "mei-lin", "platform": "instagram",
        "destination": "https://shop.example.com/tea?x=1#top", "slug": "mei-ig"}


def test_create_read_list(api, engine):
    r = api().post("/api/v1/links", json=BODY)
    assert r.status_code == 201, r.text
    link = r.json()
    assert link["short_url"] == "https://go.example/l/default/mei-ig"
    assert link["tagged_url"] == ("https://shop.example.com/tea?x=1&utm_source=instagram&utm_medium=influencer"
                                  "&utm_campaign=spring&utm_content=meilin.eats#top")
    assert link["created_at"].endswith("Z") or link["created_at"].endswith("+00:00")
    assert api(api.read_key).get("/api/v1/links/mei-ig").json()["slug"] == "mei-ig"
    listed = api(api.read_key).get("/api/v1/links", params={"campaign": "spring"}).json()
    assert [x["slug"] for x in listed] == ["mei-ig"] and listed[0]["clicks"] == 0
    assert api().get("/api/v1/links/nope").status_code == 404


def test_problems_are_422_with_every_field(api, engine):
    r = api().post("/api/v1/links", json={**BODY, "campaign": "nope", "creator": "ghost"})
    assert r.status_code == 422
    assert {tuple(e["location"]) for e in r.json()["errors"]} == {("body", "campaign"), ("body", "creator")}
    r = api().post("/api/v1/links", json={**BODY, "platform": "fax"})
    assert r.status_code == 422
    assert links.list_links(engine) == []


def test_bulk_is_all_or_nothing(api, engine):
    bad = [BODY, {**BODY, "slug": "b", "destination": "nope"}, {**BODY, "slug": "c"}]
    r = api().post("/api/v1/links/bulk", json=bad)
    assert r.status_code == 422
    assert r.json()["errors"] == [{"location": ["body", 1, "destination"],
                                   "message": "the destination must be an absolute http(s) URL, got 'nope'"}]
    assert links.list_links(engine) == []
    good = [BODY, {**BODY, "slug": "b", "creator": "sam", "platform": "youtube", "paid": True}]
    r = api().post("/api/v1/links/bulk", json=good)
    assert r.status_code == 201 and [x["slug"] for x in r.json()] == ["mei-ig", "b"]
    assert "utm_medium=paid_influencer" in r.json()[1]["tagged_url"]
    assert "utm_content=samcooks" in r.json()[1]["tagged_url"]


def test_read_key_cannot_write_and_anonymous_is_refused(api):
    assert api(api.read_key).post("/api/v1/links", json=BODY).status_code == 403
    assert api(None).get("/api/v1/links").status_code == 401
    assert api(None).get("/api/v1/links/stats", params={"campaign": "spring"}).status_code == 401


def test_qr_codes(api):
    api().post("/api/v1/links", json=BODY)
    svg = api(api.read_key).get("/api/v1/links/mei-ig/qr.svg")
    assert svg.status_code == 200 and svg.headers["content-type"] == "image/svg+xml"
    assert b"https://go.example/l/default/mei-ig" in svg.content
    png = api().get("/api/v1/links/mei-ig/qr.png", params={"scale": 2})
    assert png.headers["content-type"] == "image/png" and png.content[:4] == b"\x89PNG"
    assert api().get("/api/v1/links/mei-ig/qr.gif").status_code == 422
    assert api().get("/api/v1/links/nope/qr.svg").status_code == 404


def test_stats(api):
    api().post("/api/v1/links", json=BODY)
    r = api(api.read_key).get("/api/v1/links/stats", params={"campaign": "spring", "unique_window": "1d"})
    assert r.status_code == 200, r.text
    d = r.json()
    assert d["totals"] == {"clicks": 0, "unique_clicks": 0, "bot_clicks": 0}
    assert d["unique_click_window_s"] == 86400 and d["by_link"][0]["link"] == "mei-ig"
    assert api().get("/api/v1/links/stats", params={"campaign": "nope"}).status_code == 404
    assert api().get("/api/v1/links/stats", params={"campaign": "spring", "typo": 1}).status_code == 422


def test_stats_list_bot_hits_by_reason(api, engine, seeded):
    import datetime as dt

    import sqlalchemy as sa

    from influscope.db import tables as t

    api().post("/api/v1/links", json=BODY)
    with engine.begin() as conn:
        link_id = conn.execute(sa.select(t.links.c.id).where(t.links.c.key == "mei-ig")).scalar_one()
        conn.execute(t.clicks.insert(), [
            {"workspace_id": seeded["workspace"], "key": f"c{i}", "link_id": link_id, "ts": dt.datetime(2026, 3, 2, 1, i),
             "is_bot": reason is not None, "bot_reason": reason}
            for i, reason in enumerate([None, "list:matomo", "list:matomo", "signal:burst"])])
        from influscope.metrics import click_rollups

        click_rollups.rebuild(conn, seeded["workspace"])  # what every click writer keeps
    d = api(api.read_key).get("/api/v1/links/stats", params={"campaign": "spring"}).json()
    assert d["totals"]["bot_clicks"] == 3
    assert {r["bot_reason"]: (r["clicks"], r["bot_clicks"]) for r in d["by_bot_reason"]} == {
        None: (1, 0), "list:matomo": (0, 2), "signal:burst": (0, 1)}
