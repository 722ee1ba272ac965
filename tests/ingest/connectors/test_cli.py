"""``influscope sources``, ``influscope sync add/list`` and ``influscope sync`` (once and re-run)."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import respx
from typer.testing import CliRunner

from influscope.cli import app
from tests.ingest.connectors.conftest import load

FIX = Path(__file__).resolve().parent.parent / "fixtures"


def test_sources_lists_every_connector_and_export():
    res = CliRunner().invoke(app, ["sources", "--json"])
    assert res.exit_code == 0, res.output
    names = {s["name"]: s for s in json.loads(res.output)}
    assert {"instagram", "tiktok", "youtube", "facebook", "x", "ga4", "tiktok_studio", "instagram_export",
            "youtube_studio", "weibo", "douyin", "bilibili", "xiaohongshu", "ga4_csv"} <= set(names)
    assert all(s["fills"] for s in names.values())


def test_sync_cli_runs_and_reruns_without_changes(sqlite_url, monkeypatch):
    runner = CliRunner()
    res = runner.invoke(app, ["import", str(FIX / "bundle"), "--db", sqlite_url])
    assert res.exit_code == 0, res.output
    monkeypatch.setenv("TT_TOKEN", "act.test")
    res = runner.invoke(app, ["sync", "add", "mei-tt", "--platform", "tiktok", "--account-id", "open-id-1",
                              "--token", "env:TT_TOKEN", "--campaign", "spring", "--creator", "mei", "--db", sqlite_url])
    assert res.exit_code == 0, res.output
    bad = runner.invoke(app, ["sync", "add", "x", "--platform", "tiktok", "--account-id", "1", "--token", "act.secret",
                              "--db", sqlite_url])
    assert bad.exit_code == 1 and "never stored" in bad.output
    with respx.mock() as mock:
        mock.post("https://open.tiktokapis.com/v2/video/list/").mock(
            return_value=httpx.Response(200, json=load("tiktok", "display_video_list.json")))
        mock.post("https://open.tiktokapis.com/v2/video/query/").mock(
            return_value=httpx.Response(200, json=load("tiktok", "display_video_list.json")))
        first = runner.invoke(app, ["sync", "--until", "2025-06-15T00:00:00Z", "--since", "2025-06-01", "--json",
                                    "--db", sqlite_url])
        again = runner.invoke(app, ["sync", "--until", "2025-06-15T00:00:00Z", "--since", "2025-06-01", "--json",
                                    "--db", sqlite_url])
        waits = []
        monkeypatch.setattr("influscope.cli.sync.time.sleep", waits.append)
        scheduled = runner.invoke(app, ["sync", "--every", "1h", "--times", "2", "--db", sqlite_url])
    assert scheduled.exit_code == 0, scheduled.output
    assert waits == [3600] and scheduled.stdout.count("mei-tt") == 2
    assert first.exit_code == 0, first.output
    out1 = json.loads(first.stdout[first.stdout.index("["):])
    out2 = json.loads(again.stdout[again.stdout.index("["):])
    assert out1[0]["changes"] > 0 and out2[0]["changes"] == 0
    listed = runner.invoke(app, ["sync", "list", "--db", sqlite_url])
    assert "mei-tt" in listed.output and "last=" in listed.output
