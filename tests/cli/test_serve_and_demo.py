"""The two entry points a new user meets: ``influscope demo`` and ``influscope serve``."""

import subprocess
import sys

import httpx

from tests.support.server import running_server


def test_serve_answers_on_loopback(tmp_path):
    with running_server(f"sqlite:///{tmp_path / 'srv.db'}") as (base, _proc):
        r = httpx.get(base + "/healthz")
        assert r.status_code == 200 and r.json()["status"] == "ok"
        spec = httpx.get(base + "/api/v1/openapi.json")
        assert spec.status_code == 200 and spec.json()["info"]["title"] == "influscope"


def test_demo_command_loads_and_summarises(tmp_path):
    db = f"sqlite:///{tmp_path / 'demo.db'}"
    out = subprocess.run([sys.executable, "-m", "influscope.cli", "--db", db, "demo", "--scale", "0.02", "--no-serve"],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    text = out.stdout
    assert "Workspace 'default':" in text  # where every command looks by default
    for slug in ("glow-awareness", "finlit-webinars", "spring-launch"):
        assert f"[{slug}]" in text
    assert "bots)" in text
    assert "Log in as demo@influscope.example with password" in text
    # the demo's links (chosen link ids of a bundle) live under the workspace id and are served there
    from influscope.db.engine import get_engine
    from influscope.tracking.links import list_links

    engine = get_engine(db)
    link = list_links(engine, workspace="default", counts=False, base_url="http://x")[0]
    engine.dispose()
    assert link.short_url == f"http://x/l/default/{link.slug}"
    with running_server(db) as (base, _proc):
        hit = httpx.get(f"{base}/l/default/{link.slug}", follow_redirects=False)
        assert httpx.get(f"{base}/l/{link.slug}", follow_redirects=False).status_code == 404
    assert hit.status_code == 302 and f"utm_campaign={link.campaign}" in hit.headers["location"]


def test_an_invocation_does_not_inherit_options_of_an_earlier_one(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from influscope.cli import app
    from influscope.config import get_settings

    monkeypatch.delenv("INFLUSCOPE_WORKSPACE", raising=False)
    runner = CliRunner()
    first = runner.invoke(app, ["--db", f"sqlite:///{tmp_path / 'a.db'}", "--workspace", "other", "db", "current"])
    assert first.exit_code == 0, first.output
    assert get_settings().workspace == "other"
    runner.invoke(app, ["--db", f"sqlite:///{tmp_path / 'b.db'}", "db", "current"])
    assert get_settings().workspace == "default"
    assert get_settings().database_url.endswith("b.db")
