"""No request reaches into another workspace: reading, changing or deleting an object of workspace
"acme" by its id (or slug) from workspace "other" answers 404 and changes nothing.

The routes are taken from the app's route table: every route with an object id or slug in its
path is tried with acme's object, as other's owner (session) and as other's write key. A path
parameter this test does not know fails the test, so a new object type must be added here.
"""

from __future__ import annotations

import re

import sqlalchemy as sa

from influscope.db import tables as t
from influscope.db.auth import api_keys, memberships, share_links
from tests.web.api.test_route_roles import api_routes

SKIP = {("GET", "/api/v1/shared/{token}"): "a share token is not workspace-scoped: it is the credential",
        ("GET", "/share/{token}"): "a share token is not workspace-scoped: it is the credential",
        ("GET", "/share/{token}/report.pdf"): "a share token is not workspace-scoped: it is the credential",
        ("GET", "/lang/{code}"): "not an object"}
SKIP_PREFIXES = ("/hooks/", "/t/")  # authenticated by signature/source, not by session or key

BODIES = {
    ("POST", "/api/v1/posts/{post_id}/metrics"): {"as_of": "2026-03-06T00:00:00Z", "likes": 1},
    ("PATCH", "/api/v1/campaigns/{campaign_id}"): {"name": "taken over"},
    ("PATCH", "/api/v1/creators/{creator_id}"): {"name": "taken over"},
    ("PATCH", "/api/v1/plan/lists/{slug}/candidates/{candidate_id}"): {"choice": "exclude"},
    ("POST", "/api/v1/plan/lists/{slug}/creators"): {"creators": ["acme-mei"]},
}


def _value(env, route_path: str, param: str):
    acme = env.objects["acme"]
    with env.engine.connect() as conn:
        if param.endswith("_id") and param in acme:
            return acme[param]
        if param == "slug" and route_path.startswith("/links/"):
            return conn.execute(sa.select(t.links.c.slug).where(t.links.c.id == acme["link_id"])).scalar()
        if param == "slug" and route_path.startswith(("/api/v1/plan/lists/", "/planning/")):
            return "acme-shortlist"
        if param == "slug":
            return conn.execute(sa.select(t.campaigns.c.slug).where(t.campaigns.c.id == acme["campaign_id"])).scalar()
        if param == "fmt":
            return "svg"
        if param == "name" and route_path.startswith("/api/v1/stores/"):
            return acme.get("store_name")
        if param == "key":
            return conn.execute(sa.select(t.creators.c.key).where(t.creators.c.id == acme["creator_id"])).scalar()
    if param == "token" and route_path.startswith("/imports/progress/"):  # an import running in acme
        from influscope.web.ui import imports

        token = "acme-import-under-way-0001"
        imports._track(token, "acme")
        return token
    return None


def _snapshot(env) -> dict:
    ws = env.ws["acme"]
    with env.engine.connect() as conn:
        snap = {}
        from influscope.db.planning import candidate_lists, candidates

        for table in (t.campaigns, t.creators, t.creator_accounts, t.posts, t.codes, t.costs, t.links, api_keys,
                      share_links, candidate_lists, candidates):
            rows = conn.execute(sa.select(table).where(table.c.workspace_id == ws).order_by(table.c.id)).all()
            snap[table.name] = [tuple(r) for r in rows]
        snap["post_metrics"] = conn.execute(sa.select(sa.func.count()).select_from(t.post_metrics)).scalar()
        snap["memberships"] = conn.execute(sa.select(memberships).where(memberships.c.workspace_id == ws)
                                           .order_by(memberships.c.user_id)).all()
    return snap


def _targets(env):
    out, unknown = [], []
    for method, route in api_routes(env.app):
        params = re.findall(r"\{([^}]+)\}", route.path)
        if not params or (method, route.path) in SKIP or route.path.startswith(SKIP_PREFIXES):
            continue
        values = {p: _value(env, route.path, p) for p in params}
        if any(v is None for v in values.values()):
            unknown.append(f"{method} {route.path}")
            continue
        out.append((method, route.path, route.path.format(**values)))
    return out, unknown


def test_other_workspace_cannot_read_or_change_objects_by_id(env):
    targets, unknown = _targets(env)
    assert unknown == [], f"routes with a path parameter this test cannot fill (add it): {unknown}"
    assert len(targets) >= 20
    before = _snapshot(env)
    problems = []
    for caller in ("other_owner", "other_key"):
        for method, template, path in targets:
            client = env.client(caller)
            body = BODIES.get((method, template), {}) if method in ("POST", "PUT", "PATCH") else None
            resp = client.request(method, path, json=body, follow_redirects=False)
            if resp.status_code != 404 and not (caller == "other_key" and resp.status_code == 403):
                problems.append(f"{method} {path} as {caller}: {resp.status_code} {resp.text[:150]}")
    assert problems == [], "\n".join(problems)
    assert _snapshot(env) == before


def test_listings_show_only_the_own_workspace(env):
    client = env.client("other_owner")
    acme, other = env.objects["acme"], env.objects["other"]
    for path, key in (("/api/v1/campaigns", "campaign_id"), ("/api/v1/creators", "creator_id"),
                      ("/api/v1/posts", "post_id"), ("/api/v1/codes", "code_id"), ("/api/v1/costs", "cost_id"),
                      ("/api/v1/shares", "share_id"), ("/api/v1/keys", "key_id")):
        ids = {row["id"] for row in client.get(path).json()}
        assert other[key] in ids and acme[key] not in ids, path
    assert {m["email"] for m in client.get("/api/v1/members").json()} == {"owner@other.example"}
    # filters naming acme's campaign find nothing
    for path in ("/api/v1/creators", "/api/v1/posts", "/api/v1/codes", "/api/v1/costs"):
        assert client.get(path, params={"campaign_id": acme["campaign_id"]}).json() == []
    audit = client.get("/api/v1/audit").json()
    assert audit and all(e["action"] != "share.create" or e["object_id"] == str(other["share_id"]) for e in audit)


def test_creating_objects_that_point_into_another_workspace_is_refused(env):
    client = env.client("other_owner")
    acme = env.objects["acme"]
    before = _snapshot(env)
    attempts = [
        ("/api/v1/posts", {"key": "x1", "campaign_id": acme["campaign_id"], "creator_id": env.objects["other"]["creator_id"],
                           "platform": "instagram"}),
        ("/api/v1/posts", {"key": "x2", "campaign_id": env.objects["other"]["campaign_id"],
                           "creator_id": acme["creator_id"], "platform": "instagram"}),
        ("/api/v1/codes", {"code": "STEAL", "campaign_id": acme["campaign_id"]}),
        ("/api/v1/costs", {"key": "c", "campaign_id": acme["campaign_id"], "kind": "fee", "amount": "1",
                           "currency": "TWD", "incurred_on": "2026-03-01"}),
        ("/api/v1/creators", {"key": "x3", "campaign_ids": [acme["campaign_id"]]}),
        ("/api/v1/shares", {"campaign_id": acme["campaign_id"]}),
    ]
    for path, body in attempts:
        resp = client.post(path, json=body)
        assert resp.status_code in (404, 422), (path, resp.status_code, resp.text)
    assert _snapshot(env) == before
