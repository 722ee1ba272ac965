"""Forgetting a creator, raw-click retention, and share links, through the API."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from influscope.auth import privacy
from influscope.db import tables as t
from influscope.db.auth import audit_log


def _count(conn, table, *where):
    return conn.execute(sa.select(sa.func.count()).select_from(table).where(*where)).scalar()


def test_forget_creator_removes_everything_personal_and_keeps_spend(env):
    acme = env.objects["acme"]
    cid = acme["creator_id"]
    with env.engine.begin() as conn:
        conn.execute(t.comments.insert().values(workspace_id=env.ws["acme"], key="c1", post_id=acme["post_id"],
                                                author="fan", text="love it"))
        conn.execute(t.clicks.insert().values(workspace_id=env.ws["acme"], key="k1", link_id=acme["link_id"],
                                              ts=dt.datetime(2026, 3, 3), visitor_hash="ab"))
        conn.execute(t.follower_snapshots.insert().values(workspace_id=env.ws["acme"], platform="instagram",
                                                          handle="acme_mei", date=dt.date(2026, 3, 1), followers=48000))
        conn.execute(t.follower_snapshots.insert().values(workspace_id=env.ws["acme"], platform="instagram",
                                                          handle="acme_brand", date=dt.date(2026, 3, 1), followers=9))
    assert env.client("analyst").delete(f"/api/v1/creators/{cid}").status_code == 403  # admins only
    resp = env.client("admin").delete(f"/api/v1/creators/{cid}")
    assert resp.status_code == 200, resp.text
    deleted = resp.json()["deleted"]
    assert deleted["creators"] == 1 and deleted["posts"] == 1 and deleted["comments"] == 1
    assert deleted["clicks"] == 1 and deleted["follower_snapshots"] == 1 and deleted["codes"] == 1
    with env.engine.connect() as conn:
        assert _count(conn, t.creators, t.creators.c.id == cid) == 0
        assert _count(conn, t.creator_accounts, t.creator_accounts.c.creator_id == cid) == 0
        assert _count(conn, t.posts, t.posts.c.creator_id == cid) == 0
        assert _count(conn, t.post_metrics) == 1  # only the other workspace's post keeps its snapshot
        assert _count(conn, t.comments) == 0
        assert _count(conn, t.links, t.links.c.id == acme["link_id"]) == 0
        assert _count(conn, t.follower_snapshots, t.follower_snapshots.c.handle == "acme_brand") == 1
        cost = conn.execute(sa.select(t.costs).where(t.costs.c.id == acme["cost_id"])).mappings().one()
        assert cost["creator_id"] is None and cost["amount"] == 12000  # spend stays on the campaign
        entry = conn.execute(sa.select(audit_log).where(audit_log.c.action == "creator.forget")).mappings().one()
        assert entry["object_id"] == str(cid) and "Mei" not in str(entry["detail"])
        # the other workspace's creator is untouched
        assert _count(conn, t.creators, t.creators.c.id == env.objects["other"]["creator_id"]) == 1
    assert env.client("admin").delete(f"/api/v1/creators/{cid}").status_code == 404


def test_click_retention_deletes_only_old_raw_clicks(env):
    acme = env.objects["acme"]
    now = dt.datetime(2026, 6, 1)
    with env.engine.begin() as conn:
        for i, days in enumerate((1, 20, 40, 400)):
            conn.execute(t.clicks.insert().values(workspace_id=env.ws["acme"], key=f"k{i}", link_id=acme["link_id"],
                                                  ts=now - dt.timedelta(days=days)))
            conn.execute(t.clicks.insert().values(workspace_id=env.ws["other"], key=f"o{i}",
                                                  link_id=env.objects["other"]["link_id"],
                                                  ts=now - dt.timedelta(days=days)))
    admin = env.client("admin")
    assert admin.get("/api/v1/settings/retention").json() == {"click_retention_days": None}
    assert env.client("analyst").put("/api/v1/settings/retention", json={"click_retention_days": 30}).status_code == 403
    assert admin.put("/api/v1/settings/retention", json={"click_retention_days": 0}).status_code == 422
    assert admin.put("/api/v1/settings/retention", json={"click_retention_days": 30}).json() == {
        "click_retention_days": 30}
    assert privacy.apply_retention(env.engine, now=now) == {env.ws["acme"]: 2}
    with env.engine.connect() as conn:
        left = sorted(conn.execute(sa.select(t.clicks.c.key).where(t.clicks.c.workspace_id == env.ws["acme"])).scalars())
        assert left == ["k0", "k1"]
        assert _count(conn, t.clicks, t.clicks.c.workspace_id == env.ws["other"]) == 4  # no policy there


def test_share_links_expire_are_revocable_and_hide_the_budget(env):
    admin = env.client("admin")
    cid = env.objects["acme"]["campaign_id"]
    hidden = admin.post("/api/v1/shares", json={"campaign_id": cid}).json()
    shown = admin.post("/api/v1/shares", json={"campaign_id": cid, "show_budget": True, "expires_in_days": None}).json()
    assert shown["expires_at"] is None and hidden["expires_at"] is not None
    anon = env.client()
    a = anon.get(hidden["api_path"])
    assert a.status_code == 200 and a.json()["campaign"]["budget"] is None and a.json()["budget_shown"] is False
    report = a.json()["report"]
    if report is not None:  # with the KPI engine installed
        assert report["kpis"]["spend"]["value"] is None
    b = anon.get(shown["api_path"]).json()
    assert b["campaign"]["budget"] == "500000"
    listing = admin.get("/api/v1/shares").json()
    assert all("token" not in s for s in listing) and {s["prefix"] for s in listing} >= {hidden["prefix"]}
    assert admin.delete(f"/api/v1/shares/{hidden['id']}").status_code == 204
    assert anon.get(hidden["api_path"]).status_code == 404
    assert anon.get(hidden["api_path"][:-2] + "xx").status_code == 404
    with env.engine.begin() as conn:  # an expired link stops working
        from influscope.db.auth import share_links

        conn.execute(share_links.update().where(share_links.c.id == shown["id"])
                     .values(expires_at=dt.datetime(2020, 1, 1)))
    assert anon.get(shown["api_path"]).status_code == 404
