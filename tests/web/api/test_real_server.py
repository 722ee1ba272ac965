"""Security headers, size limits, rate limits and the brute-force refusal through a real
``influscope serve`` (granian) process on 127.0.0.1."""

from __future__ import annotations

import re

import httpx
import pytest

from influscope.auth import keys
from influscope.auth.users import create_user
from influscope.db.engine import get_engine
from tests.support.server import running_server

LIMITS = {"INFLUSCOPE_API_RATE": "40", "INFLUSCOPE_LOGIN_RATE": "25", "INFLUSCOPE_WEBHOOK_RATE": "5",
          "INFLUSCOPE_MAX_BODY_BYTES": "65536", "INFLUSCOPE_ARGON2_MEMORY_KIB": "8192",
          "INFLUSCOPE_ARGON2_TIME_COST": "1"}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('srv') / 'influscope.db'}"
    engine = get_engine(url)
    with pytest.MonkeyPatch.context() as mp:
        for k, v in LIMITS.items():
            mp.setenv(k, v)
        create_user(engine, "ann@acme.example", "correct horse battery", workspace="acme")
        create_user(engine, "bob@acme.example", "correct horse battery", workspace="acme", role="viewer")
    key = keys.create_key(engine, 1, scopes="read write", can_see_costs=True).key
    with running_server(url, env=LIMITS) as (base, _proc):
        yield base, key
    engine.dispose()


def test_security_headers_on_pages_api_and_errors(server):
    base, key = server
    for path, headers in (("/login", {}), ("/api/v1/me", {"Authorization": f"Bearer {key}"}), ("/api/v1/me", {}),
                          ("/api/v1/campaigns/424242", {"Authorization": f"Bearer {key}"})):
        resp = httpx.get(base + path, headers=headers)
        csp = resp.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp and "default-src 'self'" in csp and "object-src 'none'" in csp, path
        assert re.search(r"script-src 'self' 'nonce-[A-Za-z0-9_-]{16,}'", csp)
        assert resp.headers["x-content-type-options"] == "nosniff"
        assert resp.headers["referrer-policy"] == "strict-origin-when-cross-origin"
        assert resp.headers["x-frame-options"] == "DENY"
    resp = httpx.get(base + "/api/v1/campaigns/424242", headers={"Authorization": f"Bearer {key}"})
    assert resp.status_code == 404 and resp.json() == {"status": 404, "message": "no campaign with id 424242"}
    assert resp.headers["cache-control"] == "no-store"
    # two requests never share a nonce
    a = httpx.get(base + "/login").headers["content-security-policy"]
    b = httpx.get(base + "/login").headers["content-security-policy"]
    assert a != b


def test_errors_are_json_without_stack_traces(server):
    base, key = server
    auth = {"Authorization": f"Bearer {key}"}
    resp = httpx.post(base + "/api/v1/campaigns", headers={**auth, "content-type": "application/json"},
                      content=b'{"slug": ')
    assert resp.status_code == 422 and resp.json()["message"].startswith("invalid request")
    assert "Traceback" not in resp.text and 'File "' not in resp.text
    resp = httpx.get(base + "/api/v1/campaigns/1", headers={"Authorization": "Bearer isk_nope"})
    assert resp.status_code == 401 and set(resp.json()) == {"status", "message"}


def test_request_bodies_above_the_limit_are_refused(server):
    base, key = server
    auth = {"Authorization": f"Bearer {key}", "content-type": "application/json"}
    resp = httpx.post(base + "/api/v1/campaigns", headers=auth, content=b"[" + b"1," * 40000 + b"1]")
    assert resp.status_code == 413 and "too large" in resp.json()["message"]

    def chunks():  # no Content-Length: the streamed bytes are counted
        for _ in range(20):
            yield b" " * 8192

    resp = httpx.post(base + "/api/v1/campaigns", headers=auth, content=chunks())
    assert resp.status_code == 413


def test_eleventh_failed_login_refused_over_http(server):
    base, _ = server
    with httpx.Client(base_url=base) as client:
        page = client.get("/login")
        token = re.search(r"""name=["']csrf_token["'] value=["']([^"']+)""", page.text).group(1)
        form = {"email": "bob@acme.example", "csrf_token": token}
        codes = [client.post("/login", data={**form, "password": f"guess {i}"}).status_code for i in range(10)]
        assert codes == [401] * 10
        resp = client.post("/login", data={**form, "password": "correct horse battery"})
        assert resp.status_code == 429 and int(resp.headers["retry-after"]) >= 1


def test_api_and_webhook_rate_limits(server):
    base, key = server
    auth = {"Authorization": f"Bearer {key}"}
    with httpx.Client(base_url=base) as client:
        codes = [client.get("/api/v1/campaigns", headers=auth).status_code for _ in range(45)]
        assert codes[:35].count(200) == 35 and codes[-1] == 429
        limited = client.get("/api/v1/campaigns", headers=auth)
        assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1
        assert limited.json()["message"].startswith("too many requests")
        hooks = [client.post("/hooks/shopify/nope", content=b"{}").status_code for _ in range(8)]
        assert hooks[-1] == 429 and hooks[0] != 429


def test_rotating_made_up_keys_hits_the_per_client_limit(server):
    base, _ = server
    with httpx.Client(base_url=base) as client:
        codes = []
        for i in range(260):
            codes.append(client.get("/api/v1/me", headers={"Authorization": f"Bearer isk_made_up_{i:08d}"}).status_code)
            if codes[-1] == 429:
                break
    assert codes[-1] == 429 and set(codes[:-1]) == {401}
