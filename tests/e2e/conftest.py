"""A real influscope server (granian) on 127.0.0.1 and headless Debian Chromium via Playwright."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]
EMAIL = "owner@example.com"
PASSWORD = "correct horse battery staple"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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
    port = _free_port()
    env = {**os.environ, "INFLUSCOPE_DATABASE_URL": url, "INFLUSCOPE_WORKSPACE": "acme"}
    log = open(folder / "server.log", "wb")
    proc = subprocess.Popen([sys.executable, "-m", "influscope.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
                            env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while True:
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            pass
        if proc.poll() is not None or time.time() > deadline:
            proc.kill()
            raise RuntimeError("the server did not start:\n" + (folder / "server.log").read_text(errors="replace"))
        time.sleep(0.3)
    yield {"base": base, "folder": folder}
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
    log.close()


@pytest.fixture(scope="session")
def browser():
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
