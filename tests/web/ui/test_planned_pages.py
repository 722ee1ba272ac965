"""Dashboard: a planned campaign is created on the planning page, listed apart on the home page
(no KPI loaded for it) and started with its button."""

import sqlalchemy as sa

from influscope.db import tables as t

FORM = {"slug": "autumn", "name": "Autumn drop", "goal": "bofu", "start": "2026-09-01", "end": "2026-09-30",
        "currency": "TWD", "budget": "90000"}


def test_create_list_apart_and_start(owner, viewer, demo_engine):
    bad = owner.post("/planning/campaigns", data={"csrf_token": owner.csrf, **FORM, "start": "soon"})
    assert bad.status_code == 422 and "start: not a date" in bad.text and "Nothing was created" in bad.text
    r = owner.post("/planning/campaigns", data={"csrf_token": owner.csrf, **FORM}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/planning/autumn"
    page = owner.get("/planning/autumn")
    assert page.status_code == 200 and 'href="/campaigns/autumn"' in page.text
    dup = owner.post("/planning/campaigns", data={"csrf_token": owner.csrf, **FORM})
    assert dup.status_code == 422 and "exists already" in dup.text

    home = owner.get("/").text
    running, _, planned = home.partition('id="planned"')
    assert 'data-campaign="autumn"' not in running and 'data-campaign="autumn"' in planned
    assert 'hx-get="/campaigns/autumn/summary-row"' not in home  # no KPI is loaded for it
    assert 'href="/planning/autumn"' in planned and "Start campaign" in planned
    assert "Start campaign" not in viewer.get("/").text.partition('id="planned"')[2]
    camp = owner.get("/campaigns/autumn").text
    assert "has not started" in camp and 'href="/planning/autumn"' in camp

    assert viewer.post("/campaigns/autumn/start", data={"csrf_token": viewer.csrf}).status_code == 403
    assert owner.post("/campaigns/autumn/start", data={}).status_code == 403  # no CSRF token
    done = owner.post("/campaigns/autumn/start", data={"csrf_token": owner.csrf}, follow_redirects=False)
    assert done.status_code == 303
    with demo_engine.connect() as conn:
        assert conn.execute(sa.select(t.campaigns.c.status).where(t.campaigns.c.slug == "autumn")).scalar() == "started"
    assert 'data-campaign="autumn"' in owner.get("/").text.partition('id="planned"')[0]
    assert owner.post("/campaigns/autumn/start", data={"csrf_token": owner.csrf}).status_code == 409
