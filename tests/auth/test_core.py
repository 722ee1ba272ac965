"""Users, passwords, sessions, API keys and the FastAPI dependencies, on a real SQLite store."""

import datetime as dt

import pytest
import sqlalchemy as sa
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient

from influscope.auth import keys, sessions
from influscope.auth.deps import SESSION_COOKIE, Principal, require
from influscope.auth.passwords import PasswordPolicyError
from influscope.auth.users import UserError, create_user
from influscope.db.auth import api_keys, audit_log, login_attempts, users


def test_create_user_stores_an_argon2id_hash_and_membership(engine):
    uid = create_user(engine, " Ann@Example.COM ", "correct horse", workspace="acme", role="admin")
    with engine.connect() as conn:
        row = conn.execute(sa.select(users).where(users.c.id == uid)).mappings().one()
    assert row["email"] == "ann@example.com"
    assert row["password_hash"].startswith("$argon2id$")
    assert "correct horse" not in row["password_hash"]
    with pytest.raises(UserError):
        create_user(engine, "ann@example.com", "another password", workspace="acme")
    with pytest.raises(PasswordPolicyError):
        create_user(engine, "bob@example.com", "short", workspace="acme")
    with pytest.raises(UserError):
        create_user(engine, "bob@example.com", "long enough", workspace="acme", role="emperor")


def test_login_logout_and_audit(engine):
    create_user(engine, "ann@example.com", "correct horse", workspace="acme")
    new = sessions.login(engine, "ANN@example.com", "correct horse")
    assert new.info.role == "owner" and new.info.workspace_slug == "acme"
    assert sessions.lookup(engine, new.token).user_id == new.info.user_id
    assert sessions.lookup(engine, new.token + "x") is None
    with pytest.raises(sessions.LoginFailed):
        sessions.login(engine, "ann@example.com", "wrong horse")
    with pytest.raises(sessions.LoginFailed):
        sessions.login(engine, "nobody@example.com", "correct horse")
    sessions.logout(engine, new.token)
    assert sessions.lookup(engine, new.token) is None
    with engine.connect() as conn:
        actions = conn.execute(sa.select(audit_log.c.action).order_by(audit_log.c.id)).scalars().all()
    assert actions == ["user.create", "login", "login_failed", "login_failed", "logout"]


def test_the_eleventh_failed_login_within_a_minute_is_refused(engine):
    create_user(engine, "ann@example.com", "correct horse", workspace="acme")
    for _ in range(10):
        with pytest.raises(sessions.LoginFailed):
            sessions.login(engine, "ann@example.com", "wrong horse")
    # the 11th attempt is refused before the password is even checked, right password or not
    with pytest.raises(sessions.LoginThrottled) as exc:
        sessions.login(engine, "ann@example.com", "correct horse")
    assert 1 <= exc.value.retry_after <= 61
    # once the failures are older than the window, the right password works again
    with engine.begin() as conn:
        conn.execute(login_attempts.update().values(ts=login_attempts.c.ts - dt.timedelta(seconds=61)))
    assert sessions.login(engine, "ann@example.com", "correct horse").info.role == "owner"


def test_api_keys_shown_once_hashed_revocable(engine):
    create_user(engine, "ann@example.com", "correct horse", workspace="acme")
    new = keys.create_key(engine, 1, scopes="read", name="ci")
    with engine.connect() as conn:
        stored = conn.execute(sa.select(api_keys)).mappings().one()
    assert new.key.startswith(new.prefix + "_") and stored["prefix"] == new.prefix
    assert new.key not in str(dict(stored))
    info = keys.verify_key(engine, new.key)
    assert info.scopes == {"read"} and info.workspace_slug == "acme"
    with engine.connect() as conn:
        assert conn.execute(sa.select(api_keys.c.last_used_at)).scalar() is not None
    assert keys.verify_key(engine, new.key[:-1] + ("A" if new.key[-1] != "A" else "B")) is None
    assert keys.revoke_key(engine, 2, new.prefix) is False  # another workspace cannot revoke it
    assert keys.revoke_key(engine, 1, new.prefix) is True
    assert keys.verify_key(engine, new.key) is None
    with pytest.raises(ValueError):
        keys.create_key(engine, 1, scopes="admin")


def _app(engine) -> FastAPI:
    app = FastAPI()
    app.state.engine = engine

    @app.get("/r")
    def r(p: Principal = Depends(require("read"))):
        return {"ws": p.workspace_slug, "role": p.role, "costs": p.can_see_costs}

    @app.get("/w")
    def w(p: Principal = Depends(require("write"))):
        return {"ok": True}

    @app.get("/admin")
    def a(p: Principal = Depends(require("admin"))):
        return {"ok": True}

    return app


def test_dependencies_with_keys_and_sessions(engine):
    create_user(engine, "ann@example.com", "correct horse", workspace="acme")
    create_user(engine, "vic@example.com", "viewer password", workspace="acme", role="viewer")
    client = TestClient(_app(engine), base_url="https://testserver")
    assert client.get("/r").status_code == 401
    assert client.get("/r", headers={"Authorization": "Bearer nope"}).status_code == 401
    assert client.get("/r", headers={"Authorization": "Basic abc"}).status_code == 401
    read = keys.create_key(engine, 1, scopes="read").key
    write = keys.create_key(engine, 1, scopes="read write", can_see_costs=True).key
    hdr = lambda k: {"Authorization": f"Bearer {k}"}  # noqa: E731
    assert client.get("/r", headers=hdr(read)).json() == {"ws": "acme", "role": "viewer", "costs": False}
    assert client.get("/w", headers=hdr(read)).status_code == 403
    assert client.get("/w", headers=hdr(write)).status_code == 200
    assert client.get("/admin", headers=hdr(write)).status_code == 403  # keys never administer
    owner = sessions.login(engine, "ann@example.com", "correct horse").token
    viewer = sessions.login(engine, "vic@example.com", "viewer password").token
    client.cookies.set(SESSION_COOKIE, owner)
    assert client.get("/admin").status_code == 200
    assert client.get("/r").json()["costs"] is True
    client.cookies.set(SESSION_COOKIE, viewer)
    assert client.get("/r").json() == {"ws": "acme", "role": "viewer", "costs": False}
    assert client.get("/w").status_code == 403


def test_default_argon2id_profile_and_rehash_on_login(engine, monkeypatch):
    from influscope.auth.passwords import hash_password, verify_password

    monkeypatch.delenv("INFLUSCOPE_ARGON2_MEMORY_KIB")
    monkeypatch.delenv("INFLUSCOPE_ARGON2_TIME_COST")
    strong = hash_password("correct horse")
    assert strong.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    monkeypatch.setenv("INFLUSCOPE_ARGON2_MEMORY_KIB", "8192")
    monkeypatch.setenv("INFLUSCOPE_ARGON2_TIME_COST", "1")
    ok, upgraded = verify_password(strong, "correct horse")
    assert ok and upgraded.startswith("$argon2id$v=19$m=8192,t=1,p=4$")
    assert verify_password(strong, "wrong horse") == (False, None)


def test_sessions_expire_and_end_with_the_membership(engine):
    from influscope.auth.users import remove_membership
    from influscope.db.auth import login_sessions

    uid = create_user(engine, "ann@example.com", "correct horse", workspace="acme")
    create_user(engine, "bob@example.com", "correct horse", workspace="acme")
    new = sessions.login(engine, "ann@example.com", "correct horse")
    with engine.begin() as conn:  # idle for longer than the timeout
        conn.execute(login_sessions.update().values(expires_at=dt.datetime(2020, 1, 1)))
    assert sessions.lookup(engine, new.token) is None
    again = sessions.login(engine, "ann@example.com", "correct horse")
    with engine.begin() as conn:  # older than the absolute maximum, even if used recently
        conn.execute(login_sessions.update().where(login_sessions.c.id == again.info.id)
                     .values(created_at=dt.datetime(2020, 1, 1)))
    assert sessions.lookup(engine, again.token) is None
    third = sessions.login(engine, "ann@example.com", "correct horse")
    assert remove_membership(engine, uid, 1)
    assert sessions.lookup(engine, third.token) is None
    with pytest.raises(sessions.LoginFailed):  # no workspace left to log in to
        sessions.login(engine, "ann@example.com", "correct horse")
    with engine.begin() as conn:
        conn.execute(users.update().where(users.c.email == "bob@example.com").values(is_active=False))
    with pytest.raises(sessions.LoginFailed):
        sessions.login(engine, "bob@example.com", "correct horse")


def test_expired_keys_are_refused(engine):
    create_user(engine, "ann@example.com", "correct horse", workspace="acme")
    old = keys.create_key(engine, 1, scopes="read", expires_at=dt.datetime(2020, 1, 1))
    assert keys.verify_key(engine, old.key) is None
    assert keys.verify_key(engine, "") is None and keys.verify_key(engine, "isk_" + "x" * 300) is None


def test_a_failed_login_costs_a_verification_at_the_current_parameters(engine, monkeypatch):
    """An account whose hash has cheaper, older parameters answers a wrong password no faster than
    any other account: a verification at the current parameters is spent as well."""
    from argon2 import PasswordHasher, Type

    from influscope.auth import passwords

    create_user(engine, "old@example.com", "correct horse", workspace="acme")
    monkeypatch.setenv("INFLUSCOPE_ARGON2_MEMORY_KIB", "16384")
    monkeypatch.setenv("INFLUSCOPE_ARGON2_TIME_COST", "2")
    cheap = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=4, type=Type.ID).hash("correct horse")
    with engine.begin() as conn:
        conn.execute(users.update().where(users.c.email == "old@example.com").values(password_hash=cheap))
    seen: list[str] = []
    real = PasswordHasher.verify

    def recording(self, hash_, password):
        seen.append(hash_.split("$")[3])
        return real(self, hash_, password)

    monkeypatch.setattr(PasswordHasher, "verify", recording)
    passwords._cache.clear()
    with pytest.raises(sessions.LoginFailed):
        sessions.login(engine, "old@example.com", "wrong horse")
    assert seen == ["m=8192,t=1,p=4", "m=16384,t=2,p=4"]
    seen.clear()
    with pytest.raises(sessions.LoginFailed):
        sessions.login(engine, "nobody@example.com", "wrong horse")
    assert seen == ["m=16384,t=2,p=4"]
    # the right password re-hashes with the current parameters (and later logins cost the same)
    sessions.login(engine, "old@example.com", "correct horse")
    with engine.connect() as conn:
        stored = conn.execute(sa.select(users.c.password_hash).where(users.c.email == "old@example.com")).scalar()
    assert "m=16384,t=2" in stored


def test_throttling_counts_per_account_and_client(engine):
    create_user(engine, "cat@example.com", "correct horse", workspace="acme")
    for _ in range(sessions.MAX_FAILURES):
        with pytest.raises(sessions.LoginFailed):
            sessions.login(engine, "cat@example.com", "wrong horse", client="203.0.113.7")
    with pytest.raises(sessions.LoginThrottled):
        sessions.login(engine, "cat@example.com", "correct horse", client="203.0.113.7")
    assert sessions.login(engine, "cat@example.com", "correct horse", client="198.51.100.1").info.role == "owner"
