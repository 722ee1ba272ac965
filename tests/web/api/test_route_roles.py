"""Every route of the app x every kind of caller: allowed, or refused with 401/403.

The routes come from the app's route table, so a route added later is covered automatically: its
requirement is read from its dependencies (``require(...)``, ``principal``); a route without one
must be listed in PUBLIC with the reason it needs no login, or this test fails.
"""

from __future__ import annotations

import re

from fastapi.routing import APIRoute

from influscope.auth.roles import ROLE_RANK

# Routes that answer without a login, and why.
PUBLIC = {
    ("GET", "/healthz"): "health check",
    ("GET", "/login"): "the login page",
    ("POST", "/login"): "the login form",
    ("POST", "/logout"): "ends the session of whoever sends its cookie",
    ("GET", "/api/v1/shared/{token}"): "the share token is the credential",
    ("GET", "/lang/{code}"): "language switch (a cookie)",
    ("GET", "/t/influscope-track.js"): "the public tracking snippet",
    ("OPTIONS", "/t/{source}/{kind}"): "CORS preflight of the browser beacon",
    ("POST", "/t/{source}/{kind}"): "browser beacon of a configured web source",
    ("GET", "/share/{token}"): "the share token is the credential",
    ("GET", "/share/{token}/report.pdf"): "the share token is the credential",
}
PUBLIC_PREFIXES = {"/hooks/": "webhooks authenticate by signature over the raw body"}

CALLERS = ("anonymous", "viewer", "viewer_costs", "analyst", "admin", "owner", "key_read", "key_write",
           "key_write_costs")


def walk(routes):
    for r in routes:
        if hasattr(r, "original_router"):
            yield from walk(r.original_router.routes)
        else:
            yield r


def api_routes(app) -> list[tuple[str, APIRoute]]:
    out = []
    for r in walk(app.routes):
        if isinstance(r, APIRoute):
            for m in sorted(r.methods):
                out.append((m, r))
    return out


def requirements(route: APIRoute) -> set[str]:
    found = set()

    def visit(dep):
        need = getattr(dep.call, "requirement", None)
        if need:
            found.add(need)
        for sub in dep.dependencies:
            visit(sub)

    visit(route.dependant)
    return found


def allowed(caller, needs: set[str]) -> bool:
    if caller.kind == "anonymous":
        return False
    for need in needs:
        if need == "any":
            continue
        if need == "session":
            if caller.kind != "session":
                return False
        elif need in ROLE_RANK:
            if ROLE_RANK[caller.role] < ROLE_RANK[need]:
                return False
        elif need in ("read", "write"):
            if need not in caller.scopes:
                return False
        elif need == "costs":
            if not caller.can_see_costs:
                return False
        else:
            raise AssertionError(f"unknown requirement {need!r}")
    return True


def concrete(path: str) -> str:
    # ids that exist nowhere: an allowed call reaches the handler and gets 404/422, never changes data
    return re.sub(r"\{([^}]+)\}", lambda m: "999999" if m.group(1).endswith("_id") else "nope", path)


def test_every_route_has_a_requirement_or_a_reason(env):
    missing = []
    for method, route in api_routes(env.app):
        if not requirements(route) and (method, route.path) not in PUBLIC and not route.path.startswith(
                tuple(PUBLIC_PREFIXES)):
            missing.append(f"{method} {route.path}")
    assert missing == [], f"routes without an auth requirement (add require(...) or list them in PUBLIC): {missing}"


def test_every_route_for_every_caller(env):
    checked = 0
    problems = []
    clients = {name: env.client(name) for name in CALLERS}
    for method, route in api_routes(env.app):
        needs = requirements(route)
        public = not needs
        for name in CALLERS:
            caller = env.callers[name]
            client = env.client(name) if caller.kind == "session" else clients[name]  # fresh session each call
            kwargs = {"json": {}} if method in ("POST", "PUT", "PATCH") else {}
            resp = client.request(method, concrete(route.path), follow_redirects=False, **kwargs)
            checked += 1
            where = f"{method} {route.path} as {name}: {resp.status_code} {resp.text[:120]}"
            if resp.status_code >= 500:
                problems.append("server error: " + where)
            elif public:
                continue
            elif allowed(caller, needs):
                if resp.status_code in (401, 403):
                    problems.append(f"refused but should be allowed ({sorted(needs)}): " + where)
            elif caller.kind == "anonymous":
                if resp.status_code != 401:
                    problems.append("anonymous not refused with 401: " + where)
            elif resp.status_code != 403:
                problems.append(f"not refused with 403 ({sorted(needs)}): " + where)
    assert checked > 9 * 40
    assert problems == [], "\n".join(problems)


def test_refusals_are_json_with_a_message(env):
    resp = env.client().get("/api/v1/campaigns")
    assert resp.status_code == 401 and resp.json()["message"].startswith("authentication required")
    assert resp.headers["www-authenticate"].startswith("Bearer")
    resp = env.client("viewer").post("/api/v1/campaigns", json={})
    assert resp.status_code == 403 and resp.json() == {"status": 403, "message": "this needs the 'write' scope"}
