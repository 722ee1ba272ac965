"""A dashboard on a SQLite database with the small bundle and logged-in users.

The database is built once per test module (the KPI engine is the slow part); tests that change
data live in their own module.
"""

from __future__ import annotations

import pytest

PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="module")
def demo_engine(tmp_path_factory):
    from influscope.db.engine import get_engine
    from influscope.ingest.canonical import import_bundle
    from influscope.reports.build import clear_cache
    from tests.web.ui.bundle import write_bundle

    folder = tmp_path_factory.mktemp("ui")
    engine = get_engine(f"sqlite:///{folder / 'influscope.db'}")
    import_bundle(engine, write_bundle(folder / "bundle"), workspace="acme")
    clear_cache()
    yield engine
    engine.dispose()


def _client(engine, email: str, role: str, can_see_costs: bool = True):
    from fastapi.testclient import TestClient

    from influscope.auth import sessions, users
    from influscope.web.app import create_app

    users.create_user(engine, email, PASSWORD, workspace="acme", role=role, can_see_costs=can_see_costs)
    s = sessions.login(engine, email, PASSWORD, "acme")
    app = create_app()
    app.state.engine = engine
    client = TestClient(app, base_url="http://127.0.0.1")
    client.cookies.set("influscope_session", s.token)
    client.headers["accept"] = "text/html"
    client.csrf = s.csrf_token
    return client


@pytest.fixture(scope="module")
def owner(demo_engine):
    return _client(demo_engine, "owner@example.com", "owner")


@pytest.fixture(scope="module")
def viewer(demo_engine):
    return _client(demo_engine, "viewer@example.com", "viewer", can_see_costs=False)


@pytest.fixture
def fresh_cookies(owner):
    """Undo the language changes a test makes on the shared client (cookies and saved choice)."""
    yield owner
    owner.get("/lang/en?next=/", follow_redirects=False)
    for cookie in list(owner.cookies.jar):
        if cookie.name in ("influscope_lang", "lang"):
            owner.cookies.jar.clear(cookie.domain, cookie.path, cookie.name)
