"""The event store's command-line surface: the setting checked up front, migrations reported."""

from __future__ import annotations

import gc

import pytest
from typer.testing import CliRunner

from influscope.cli import app
from influscope.events import store

pytestmark = pytest.mark.clickhouse


def test_a_bad_events_url_is_refused_before_anything_runs(tmp_path):
    db = f"sqlite:///{tmp_path / 'x.db'}"
    result = CliRunner().invoke(app, ["--db", db, "--events", "chdb://relative/path", "db", "upgrade"])
    assert result.exit_code == 2
    assert "--events / INFLUSCOPE_EVENTS_URL" in result.output and "chdb:///absolute/path" in result.output
    assert not (tmp_path / "x.db").exists()


def test_upgrade_and_status_report_the_event_store(tmp_path):
    gc.collect()
    db = f"sqlite:///{tmp_path / 'x.db'}"
    events = f"chdb://{tmp_path / 'events'}"
    try:
        up = CliRunner().invoke(app, ["--db", db, "--events", events, "db", "upgrade"])
        assert up.exit_code == 0, up.output
        assert f"event store at migration 2: {events}" in up.output
        with store.session(store.parse(events)) as client:
            tables = {r[0] for r in client.query("SHOW TABLES").result_rows}
        assert {"clicks", "post_metrics", "traffic", "follower_snapshots"} <= tables
        store.close_all()
        status = CliRunner().invoke(app, ["--db", db, "--events", events, "events", "status"])
        assert status.exit_code == 0, status.output
        assert "migrations: 2 of 2" in status.output
        assert f"journal: {tmp_path / 'events'}.journal (0 clicks waiting)" in status.output
        none = CliRunner().invoke(app, ["--db", db, "events", "forward"], env={"INFLUSCOPE_EVENTS_URL": ""})
        assert none.exit_code == 2 and "no event store is configured" in none.output
    finally:
        store.close_all()
