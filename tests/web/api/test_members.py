"""Members and keys administration: admins manage, only owners touch owners, the last owner stays."""

from __future__ import annotations


def test_admins_manage_members_but_only_owners_make_owners(env):
    from influscope.auth.users import create_user

    create_user(env.engine, "new@acme.example", "correct horse battery")  # an account without a workspace
    admin, owner = env.client("admin"), env.client("owner")
    resp = admin.put("/api/v1/members", json={"email": "new@acme.example", "role": "viewer", "can_see_costs": True})
    assert resp.status_code == 200 and resp.json()["role"] == "viewer" and resp.json()["can_see_costs"] is True
    assert admin.put("/api/v1/members", json={"email": "new@acme.example", "role": "owner"}).status_code == 403
    assert admin.put("/api/v1/members", json={"email": "nobody@acme.example", "role": "viewer"}).status_code == 404
    owner_id = env.users["owner"]
    assert admin.delete(f"/api/v1/members/{owner_id}").status_code == 403
    assert owner.delete(f"/api/v1/members/{owner_id}").status_code == 409  # the last owner
    assert owner.put("/api/v1/members", json={"email": "owner@acme.example", "role": "admin"}).status_code == 409
    assert owner.put("/api/v1/members", json={"email": "new@acme.example", "role": "owner"}).status_code == 200
    assert owner.delete(f"/api/v1/members/{owner_id}").status_code == 204  # another owner remains
    emails = {m["email"]: m["role"] for m in admin.get("/api/v1/members").json()}
    assert "owner@acme.example" not in emails and emails["new@acme.example"] == "owner"
    actions = [e["action"] for e in admin.get("/api/v1/audit").json()]
    assert actions.count("membership.set") >= 2 and "membership.remove" in actions


def test_keys_created_over_the_api_work_once_shown(env):
    admin = env.client("admin")
    created = admin.post("/api/v1/keys", json={"name": "bi", "scopes": "read", "expires_in_days": 30}).json()
    assert created["key"].startswith(created["prefix"] + "_")
    listed = admin.get("/api/v1/keys").json()
    assert created["key"] not in str(listed) and any(k["prefix"] == created["prefix"] for k in listed)
    keyed = env.client()
    keyed.headers["Authorization"] = f"Bearer {created['key']}"
    me = keyed.get("/api/v1/me").json()
    assert me["via"] == "api_key" and me["role"] == "viewer" and me["can_see_costs"] is False
    assert admin.delete(f"/api/v1/keys/{created['id']}").status_code == 204
    assert keyed.get("/api/v1/me").status_code == 401
    assert admin.delete(f"/api/v1/keys/{created['id']}").status_code == 404
