"""The ``influscope users|keys|shares|privacy|backup|restore`` commands on a real SQLite store."""

from __future__ import annotations

import sqlite3
import threading
import time

import sqlalchemy as sa
from typer.testing import CliRunner

from influscope.auth import keys, sessions
from influscope.cli import app
from influscope.db import tables as t
from influscope.db.auth import audit_log, users
from influscope.db.engine import get_engine

runner = CliRunner()


def run(db, *args, input=None):
    result = runner.invoke(app, ["--db", db, *args], input=input)
    return result


def test_users_keys_and_shares(sqlite_url):
    r = run(sqlite_url, "--workspace", "acme", "users", "create", "Ann@Example.com", "--role", "owner",
            "--password-stdin", input="correct horse battery\n")
    assert r.exit_code == 0, r.output
    assert "created ann@example.com as owner of workspace 'acme'" in r.output
    engine = get_engine(sqlite_url)
    with engine.connect() as conn:
        assert conn.execute(sa.select(users.c.password_hash)).scalar().startswith("$argon2id$")
    assert sessions.login(engine, "ann@example.com", "correct horse battery").info.role == "owner"
    r = run(sqlite_url, "-w", "acme", "users", "create", "ann@example.com", "--password-stdin",
            input="another password\n")
    assert r.exit_code == 1 and "already exists" in r.output
    r = run(sqlite_url, "-w", "acme", "users", "create", "bob@example.com", "--role", "viewer", "--password-stdin",
            input="short\n")
    assert r.exit_code == 1 and "at least 8" in r.output

    r = run(sqlite_url, "-w", "acme", "keys", "create", "--scope", "write", "--name", "ci")
    assert r.exit_code == 0, r.output
    key = r.stdout.strip().splitlines()[0]
    assert keys.verify_key(engine, key).scopes == {"read", "write"}
    r = run(sqlite_url, "-w", "acme", "keys", "list")
    assert key.split("_")[1] in r.output and "active" in r.output and key not in r.output
    assert run(sqlite_url, "-w", "acme", "keys", "revoke", key).exit_code == 0  # the whole key names it too
    assert keys.verify_key(engine, key) is None

    with engine.begin() as conn:
        conn.execute(t.campaigns.insert().values(
            workspace_id=1, slug="spring", name="Spring", goal="bofu", start_date=sa.func.date("2026-03-01"),
            end_date=sa.func.date("2026-03-31"), timezone="UTC", currency="TWD", targets={}, brand_accounts=[],
            brand_terms=[], competitor_terms=[], methodology={}))
    r = run(sqlite_url, "-w", "acme", "shares", "create", "--campaign", "spring", "--days", "7")
    assert r.exit_code == 0, r.output
    url = r.stdout.strip().splitlines()[0]
    assert "/share/shr_" in url
    r = run(sqlite_url, "-w", "acme", "shares", "revoke", "1")
    assert r.exit_code == 0
    assert run(sqlite_url, "-w", "acme", "shares", "create", "--campaign", "nope").exit_code == 1


def test_backup_is_consistent_while_writers_run_and_restore_brings_it_back(sqlite_url, tmp_path):
    engine = get_engine(sqlite_url)
    with engine.begin() as conn:
        conn.execute(t.workspaces.insert().values(slug="acme", name="acme", methodology={}))
    stop = threading.Event()
    written = []

    def writer():  # another connection keeps committing during the backup
        n = 0
        while not stop.is_set():
            with engine.begin() as conn:
                conn.execute(audit_log.insert().values(ts=sa.func.current_timestamp(), action="tick",
                                                       workspace_id=1, detail={"n": n}))
            written.append(n)
            n += 1

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while len(written) < 50:
            time.sleep(0.01)
        r = run(sqlite_url, "backup", str(tmp_path / "b.sqlite"))
        assert r.exit_code == 0, r.output
    finally:
        stop.set()
        thread.join()
    copy = sqlite3.connect(tmp_path / "b.sqlite")
    assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    ticks = [row[0] for row in copy.execute("SELECT json_extract(detail, '$.n') FROM audit_log WHERE action='tick' "
                                            "ORDER BY id")]
    copy.close()
    assert ticks == list(range(len(ticks))) and len(ticks) >= 50  # a prefix of the commits, no gaps
    assert len(ticks) <= len(written)

    assert run(sqlite_url, "backup", str(tmp_path / "b.sqlite")).exit_code == 1  # no silent overwrite
    with engine.begin() as conn:
        conn.execute(audit_log.delete())
    r = run(sqlite_url, "restore", str(tmp_path / "b.sqlite"), "--yes")
    assert r.exit_code == 0, r.output
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(audit_log)
                            .where(audit_log.c.action == "tick")).scalar() == len(ticks)
    (tmp_path / "junk.sqlite").write_bytes(b"not a database at all" * 100)
    r = run(sqlite_url, "restore", str(tmp_path / "junk.sqlite"), "--yes")
    assert r.exit_code == 1 and "not a SQLite database" in r.output
    with engine.connect() as conn:  # the live database was not touched by the refused restore
        assert conn.execute(sa.select(sa.func.count()).select_from(audit_log)).scalar() >= len(ticks)


def test_backup_refuses_postgres_urls(tmp_path):
    r = runner.invoke(app, ["--db", "postgresql://u@127.0.0.1/x", "backup", str(tmp_path / "b")])
    assert r.exit_code == 1 and "pg_dump" in r.output
