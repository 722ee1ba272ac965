"""The login page, sessions, CSRF and the brute-force limit, through the web app."""

from __future__ import annotations

import re

import sqlalchemy as sa

from influscope.auth.deps import SESSION_COOKIE
from influscope.db.auth import audit_log, login_sessions
from tests.web.api.conftest import PASSWORD


def _form_token(html: str) -> str:
    return re.search(r"""name=["']csrf_token["'] value=["']([^"']+)""", html).group(1)


def _login(client, email, password, token, next_="/"):
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token, "next": next_},
                       follow_redirects=False)


def test_login_sets_a_hardened_session_cookie_and_logout_ends_it(env):
    client = env.client()
    page = client.get("/login")
    assert page.status_code == 200 and "csrf_token" in page.text
    assert "HttpOnly" in page.headers["set-cookie"] and "SameSite=Strict" in page.headers["set-cookie"]
    resp = _login(client, "analyst@acme.example", PASSWORD, _form_token(page.text), "/api/v1/me")
    assert resp.status_code == 303 and resp.headers["location"] == "/api/v1/me"
    cookie = resp.headers["set-cookie"]
    assert cookie.startswith(SESSION_COOKIE + "=")
    for attr in ("HttpOnly", "Secure", "SameSite=lax", "Path=/"):
        assert attr.lower() in cookie.lower()
    me = client.get("/api/v1/me").json()
    assert me["email"] == "analyst@acme.example" and me["role"] == "analyst" and me["via"] == "session"
    # logging out needs the session's CSRF token, then the session is gone server-side
    assert client.post("/logout", follow_redirects=False).status_code == 403
    with env.engine.connect() as conn:
        csrf = conn.execute(sa.select(login_sessions.c.csrf_token).where(
            login_sessions.c.user_id == env.users["analyst"])).scalar()
    assert client.post("/logout", headers={"X-CSRF-Token": csrf}, follow_redirects=False).status_code == 303
    client.cookies.set(SESSION_COOKIE, cookie.split(";")[0].split("=", 1)[1])
    assert client.get("/api/v1/me").status_code == 401


def test_login_refuses_foreign_redirects_and_wrong_passwords(env):
    client = env.client()
    token = _form_token(client.get("/login").text)
    assert _login(client, "analyst@acme.example", "wrong password", token).status_code == 401
    resp = _login(client, "analyst@acme.example", PASSWORD, token, "//evil.example/x")
    assert resp.status_code == 303 and resp.headers["location"] == "/"
    resp = _login(env.client(), "analyst@acme.example", PASSWORD, token)  # token without its cookie
    assert resp.status_code == 403
    with env.engine.connect() as conn:
        actions = conn.execute(sa.select(audit_log.c.action)).scalars().all()
    assert "login_failed" in actions and "login" in actions


def test_the_eleventh_failed_login_within_a_minute_is_refused(env):
    client = env.client()
    token = _form_token(client.get("/login").text)
    for attempt in range(10):
        resp = _login(client, "viewer@acme.example", f"wrong password {attempt}", token)
        assert resp.status_code == 401, attempt
    resp = _login(client, "viewer@acme.example", PASSWORD, token)  # right password, still refused
    assert resp.status_code == 429 and "Too many failed attempts" in resp.text
    assert 1 <= int(resp.headers["retry-after"]) <= 61
    assert SESSION_COOKIE not in resp.headers.get("set-cookie", "")
    # other accounts are not locked out by it
    assert _login(client, "analyst@acme.example", PASSWORD, token).status_code == 303


def test_session_forms_need_the_session_csrf_token(env):
    client = env.client("owner")
    good = client.headers.pop("X-CSRF-Token")
    body = {"name": "renamed"}
    cid = env.objects["acme"]["campaign_id"]
    assert client.patch(f"/api/v1/campaigns/{cid}", json=body).status_code == 403
    assert client.patch(f"/api/v1/campaigns/{cid}", json=body, headers={"X-CSRF-Token": "x" + good}).status_code == 403
    assert client.patch(f"/api/v1/campaigns/{cid}", json=body, headers={"X-CSRF-Token": good}).status_code == 200
    # a form field works too, and reads through to the handler (URL-encoded and multipart)
    resp = client.post("/api/v1/me/workspace", data={"csrf_token": good, "workspace": "acme"})
    assert resp.status_code == 422  # past CSRF; the JSON route wants a JSON body
    resp = client.post("/api/v1/imports", files={"files": ("notes.txt", b"hi")}, data={"csrf_token": good})
    assert resp.status_code == 422 and resp.json()["errors"][0]["file"] == "notes.txt"
    # API keys carry no ambient credentials: no token needed
    keyed = env.client("key_write")
    assert keyed.patch(f"/api/v1/campaigns/{cid}", json=body).status_code == 200


def test_password_change_ends_other_sessions(env):
    a, b = env.client("viewer"), env.client("viewer")
    page = a.get("/account/password")
    assert page.status_code == 200
    token = _form_token(page.text)
    resp = a.post("/account/password", data={"csrf_token": token, "current": "nope nope nope", "new": "new password 1",
                                             "confirm": "new password 1"})
    assert resp.status_code == 422 and "current password is wrong" in resp.text
    resp = a.post("/account/password", data={"csrf_token": token, "current": PASSWORD, "new": "new password 1",
                                             "confirm": "new password 1"})
    assert resp.status_code == 200 and "Password changed" in resp.text
    assert a.get("/api/v1/me").status_code == 200
    assert b.get("/api/v1/me").status_code == 401
    fresh = env.client()
    tok = _form_token(fresh.get("/login").text)
    assert _login(fresh, "viewer@acme.example", "new password 1", tok).status_code == 303


def test_viewers_do_not_see_budgets_or_costs_unless_granted(env):
    cid = env.objects["acme"]["campaign_id"]
    viewer = env.client("viewer").get(f"/api/v1/campaigns/{cid}").json()
    assert viewer["budget"] is None and viewer["budget_hidden"] is True
    granted = env.client("viewer_costs").get(f"/api/v1/campaigns/{cid}").json()
    assert granted["budget"] == "500000" and granted["budget_hidden"] is False
    assert env.client("viewer").get("/api/v1/costs").status_code == 403
    assert env.client("viewer_costs").get("/api/v1/costs").status_code == 200
    kpis = env.client("viewer").get(f"/api/v1/campaigns/{cid}/kpis")
    if kpis.status_code == 200:  # the KPI engine is installed
        data = kpis.json()
        for kpi_id in ("spend", "cpm", "roas", "roi", "cpe"):
            if kpi_id in data["kpis"]:
                assert data["kpis"][kpi_id]["value"] is None and "hidden" in data["kpis"][kpi_id]["reason"]
        full = env.client("owner").get(f"/api/v1/campaigns/{cid}/kpis").json()
        assert full["kpis"]["spend"]["value"] is not None
