"""A real influscope server (granian) on 127.0.0.1 and headless Debian Chromium via Playwright."""

from __future__ import annotations

import os

import pytest

from tests.support.server import Server

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]
EMAIL = "owner@example.com"
PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    from influscope.auth import users
    from influscope.db.engine import get_engine
    from influscope.ingest.canonical import import_bundle
    from tests.web.ui.bundle import write_bundle

    folder = tmp_path_factory.mktemp("e2e")
    url = f"sqlite:///{folder / 'influscope.db'}"
    engine = get_engine(url)
    import_bundle(engine, write_bundle(folder / "bundle"), workspace="acme")
    users.create_user(engine, EMAIL, PASSWORD, workspace="acme", role="owner", can_see_costs=True)
    engine.dispose()
    server = Server(url, folder / "server.log", workspace="acme").start()
    yield {"base": server.base_url, "folder": folder}
    server.stop()


@pytest.fixture(scope="module")
def browser():
    # Module scope: Playwright's sync API keeps an asyncio loop running in this thread while it is
    # open, which would break any later test on the same worker that calls asyncio.run().
    if not os.path.exists(CHROMIUM):
        pytest.skip("needs Debian chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def shots(tmp_path):
    """Folder for screenshots (kept with the test's temporary files; INFLUSCOPE_SCREENSHOTS overrides)."""
    target = os.environ.get("INFLUSCOPE_SCREENSHOTS")
    if target:
        os.makedirs(target, exist_ok=True)
        return target
    return str(tmp_path)
