"""CSRF protection covers every state-changing route of the app (taken from the route table): with
the session cookie but without the token, each is refused with 403 before it runs."""

from __future__ import annotations

from tests.web.api.test_route_roles import api_routes, concrete

EXEMPT_PREFIXES = ("/hooks/", "/t/", "/l/")  # no cookies: signatures / public beacons


def test_every_unsafe_route_needs_the_csrf_token_with_a_session(env):
    client = env.client("owner")
    client.headers.pop("X-CSRF-Token")
    checked, problems = 0, []
    for method, route in api_routes(env.app):
        if method not in ("POST", "PUT", "PATCH", "DELETE") or route.path.startswith(EXEMPT_PREFIXES):
            continue
        resp = client.request(method, concrete(route.path), data={"csrf_token": "forged"}, follow_redirects=False)
        checked += 1
        if resp.status_code != 403 or "CSRF" not in resp.text:
            problems.append(f"{method} {route.path}: {resp.status_code} {resp.text[:100]}")
    assert checked >= 25
    assert problems == [], "\n".join(problems)


def test_pages_send_anonymous_browsers_to_the_login_page(env):
    resp = env.client().get("/", headers={"Accept": "text/html"}, follow_redirects=False)
    assert resp.status_code == 303 and resp.headers["location"] == "/login?next=/"
    resp = env.client().get("/api/v1/campaigns", headers={"Accept": "text/html"})
    assert resp.status_code == 401 and resp.json()["status"] == 401  # the API stays JSON
