"""Reading never writes: KPIs, the API and the CLI count the comments waiting; a background job analyses them."""

import datetime as dt
import hashlib
import importlib
import json
import os
import time
from pathlib import Path

import sqlalchemy as sa
from typer.testing import CliRunner

from influscope.audience import background, refresh
from influscope.audience import sentiment as s
from influscope.audience.refresh import pending_comments
from influscope.cli import app
from influscope.db import audience as at
from influscope.db import tables as t
from influscope.ingest.canonical import import_bundle
from tests.audience.bundle import make_bundle
from tests.audience.test_refresh import COMMENTS, CREATORS, POSTS

runner = CliRunner()
refresh_module = importlib.import_module("influscope.audience.refresh")
COMMENT_KPIS = ("sentiment_positive_pct", "sentiment_negative_pct", "net_sentiment", "purchase_intent_pct")


def _setup(engine, tmp_path):
    import_bundle(engine, make_bundle(tmp_path / "b", creators=CREATORS, posts=POSTS, comments=COMMENTS), "default")
    with engine.connect() as conn:
        ws = conn.execute(sa.select(t.workspaces.c.id).where(t.workspaces.c.slug == "default")).scalar_one()
        camp = conn.execute(sa.select(t.campaigns.c.id).where(t.campaigns.c.slug == "spring")).scalar_one()
    return ws, camp


def _file_digest(sqlite_url: str) -> str:
    path = Path(sqlite_url.removeprefix("sqlite:///"))
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _audience_rows(engine) -> tuple[int, ...]:
    with engine.connect() as conn:
        return tuple(conn.execute(sa.select(sa.func.count()).select_from(tab)).scalar()
                     for tab in (at.comment_labels, at.sentiment_cache, at.mentions, at.account_credibility,
                                 at.audience_refresh_state))


def test_kpis_only_read_and_say_how_many_comments_wait(engine, sqlite_url, tmp_path):
    from influscope.kpi.api import kpis

    ws, camp = _setup(engine, tmp_path)
    engine.dispose()
    before = _file_digest(sqlite_url)
    result = kpis("spring", workspace="default", engine=engine, today=dt.date(2026, 4, 1))
    by_creator = kpis("spring", by="creator", workspace="default", engine=engine, today=dt.date(2026, 4, 1))
    engine.dispose()
    assert _file_digest(sqlite_url) == before  # not one byte written
    assert _audience_rows(engine) == (0, 0, 0, 0, 0)
    for kid in COMMENT_KPIS:
        obj = result.kpis[kid]
        assert obj["value"] is None and obj["reason"] == "8 comments waiting for analysis", (kid, obj)
        assert obj["detail"]["comments_waiting"] == 8
    assert result.kpis["brand_mentions"]["value"] is None  # unknown until analysed, not 0
    assert all(row["kpis"]["net_sentiment"]["detail"]["comments_waiting"] == 8 for row in by_creator.rows)

    # once analysed, the same read gives values and nothing waits
    refresh(engine, ws, camp)
    after = kpis("spring", workspace="default", engine=engine, today=dt.date(2026, 4, 1))
    assert after.kpis["net_sentiment"]["value"] is not None
    assert "comments_waiting" not in (after.kpis["net_sentiment"].get("detail") or {})
    assert after.kpis["brand_mentions"]["value"] == 3


def test_the_cli_kpi_command_and_the_audience_api_only_read(engine, sqlite_url, tmp_path, monkeypatch):
    from fastapi.testclient import TestClient

    from influscope import config
    from influscope.auth import keys
    from influscope.auth.users import create_user
    from influscope.web.app import create_app

    ws, camp = _setup(engine, tmp_path)
    monkeypatch.setenv("INFLUSCOPE_DATABASE_URL", sqlite_url)
    monkeypatch.setattr(config, "_override", None)
    config.configure(database_url=sqlite_url)
    user = create_user(engine, "a@example.com", "correct horse battery", workspace="default", role="viewer")
    token = keys.create_key(engine, ws, user_id=user, name="t", scopes="read").key
    engine.dispose()
    before = _audience_rows(engine)
    res = runner.invoke(app, ["kpi", "spring", "--db", sqlite_url, "-w", "default", "--format", "json"])
    assert res.exit_code == 0, res.output
    assert "8 comments waiting for analysis" in res.stdout
    client = TestClient(create_app(), headers={"Authorization": f"Bearer {token}"})
    body = client.get(f"/api/v1/campaigns/{camp}/audience").json()
    assert body["comments_waiting"] == 8 and body["sentiment_by_day"] == []
    assert body["model"] == s.current_model_name()
    assert _audience_rows(engine) == before == (0, 0, 0, 0, 0)


def test_a_text_is_analysed_once_per_model(engine, tmp_path):
    ws, camp = _setup(engine, tmp_path)
    real = s.default_model()
    calls: list[list[str]] = []

    class Counting:  # the real model, counting what it is asked
        name = real.name

        def predict(self, texts):
            calls.append(list(texts))
            return real.predict(texts)

        def predict_proba(self, texts):
            return self.predict(texts)[0]

    s._cache.clear()
    refresh(engine, ws, camp, model=Counting())
    analysed = [x for call in calls for x in call]
    assert len(analysed) == len(set(analysed)) == 7  # c4 and c6 share a text
    calls.clear()
    s._cache.clear()  # only the stored cache can answer now
    assert refresh(engine, ws, camp, model=Counting()).classified == 0
    with engine.begin() as conn:
        post = conn.execute(sa.select(t.posts.c.id).where(t.posts.c.key == "p2")).scalar_one()
        conn.execute(sa.insert(t.comments), [{"workspace_id": ws, "key": "c10", "post_id": post,
                                              "text": COMMENTS[0]["text"], "author": "z"}])
    again = refresh(engine, ws, camp, model=Counting())
    assert (again.classified, again.cache_hits) == (1, 1) and calls == []
    assert pending_comments(engine, ws, camp, real.name) == 0
    assert pending_comments(engine, ws, camp, "another-model") == 9  # a new model analyses again


def test_the_background_pass_reports_progress(engine, tmp_path):
    ws, _ = _setup(engine, tmp_path)
    assert background.waiting_by_workspace(engine) == {ws: 8}
    seen: list[tuple[int, int, int]] = []
    summaries = background.run_once(engine, progress=lambda w, done, total: seen.append((w, done, total)))
    assert summaries[ws]["classified"] == 8
    assert seen[0] == (ws, 0, 8) and seen[-1] == (ws, 8, 8)
    assert background.waiting_by_workspace(engine) == {}


def test_worker_processes_label_like_the_parent(engine, tmp_path, monkeypatch):
    ws, camp = _setup(engine, tmp_path)
    monkeypatch.setattr(refresh_module._Labeller, "CHUNK", 3)  # several chunks for two processes
    monkeypatch.setattr(refresh_module, "free_cores", lambda: 2)  # two processes even on a busy machine
    assert refresh_module._Labeller(None, 2).workers == 2
    assert refresh(engine, ws, camp, workers=2).classified == 8
    with engine.connect() as conn:
        stored = {r.key: (r.label, r.lang, r.intent_kind) for r in conn.execute(
            sa.select(t.comments.c.key, at.comment_labels.c.label, at.comment_labels.c.lang,
                      at.comment_labels.c.intent_kind)
            .join(at.comment_labels, at.comment_labels.c.comment_id == t.comments.c.id))}
    texts = {c["comment_id"]: c["text"] for c in COMMENTS}
    here = refresh_module.label_texts([texts[k] for k in sorted(stored)])
    assert [stored[k] for k in sorted(stored)] == [(x["label"], x["lang"], x["intent_kind"]) for x in here]


def test_worker_processes_follow_the_free_cores(monkeypatch):
    cores = len(os.sched_getaffinity(0))
    monkeypatch.setattr(os, "getloadavg", lambda: (0.0, 0.0, 0.0))
    assert refresh_module.free_cores() == cores
    monkeypatch.setattr(os, "getloadavg", lambda: (cores + 5.0, 0.0, 0.0))
    assert refresh_module.free_cores() == 1
    labeller = refresh_module._Labeller(None, 4)
    assert labeller.workers == 1 and labeller.pool is None  # a busy machine: no worker process
    monkeypatch.setattr(os, "getloadavg", lambda: (cores - 1.2, 0.0, 0.0))
    assert refresh_module.free_cores() == 1


def test_the_watcher_process_analyses_what_arrives(engine, sqlite_url, tmp_path, monkeypatch):
    monkeypatch.setenv("INFLUSCOPE_AUDIENCE_BACKGROUND", "1")  # the suite turns it off for other servers
    ws, _ = _setup(engine, tmp_path)
    watcher = background.start_watcher(sqlite_url)
    assert watcher is not None
    try:
        def scored() -> int:
            with engine.connect() as conn:
                return conn.execute(sa.select(sa.func.count()).select_from(at.account_credibility)).scalar()

        deadline = time.monotonic() + 120
        while (pending_comments(engine, ws) or scored() < 2) and time.monotonic() < deadline:
            time.sleep(0.5)  # labels first, then mentions and credibility
        assert pending_comments(engine, ws) == 0 and scored() == 2
        assert watcher.process.poll() is None  # still watching
    finally:
        watcher.stop()
    assert watcher.process.returncode is not None


def test_the_refresh_command_shows_progress(engine, sqlite_url, tmp_path):
    _setup(engine, tmp_path)
    res = runner.invoke(app, ["audience", "refresh", "--db", sqlite_url, "-w", "default", "--workers", "1"])
    assert res.exit_code == 0, res.output
    assert "Analysing comments" in res.stderr
    assert json.loads(res.stdout.strip().splitlines()[-1])["classified"] == 8


def test_the_sentiment_command_shows_progress_on_long_files(tmp_path, monkeypatch):
    from influscope.cli import sentiment as cli_sentiment

    monkeypatch.setattr(cli_sentiment, "SHOW_PROGRESS_FROM", 10)
    monkeypatch.setattr(cli_sentiment, "CHUNK", 4)
    src = tmp_path / "in.csv"
    src.write_text("text\n" + "".join(f"comment number {i} and I love it\n" for i in range(12)), encoding="utf-8")
    res = runner.invoke(app, ["sentiment", str(src)])
    assert res.exit_code == 0, res.output
    assert "Analysing comments" in res.stderr
    assert len(res.stdout.strip().splitlines()) == 13
    short = tmp_path / "short.csv"
    short.write_text("text\nlove it\n", encoding="utf-8")
    res = runner.invoke(app, ["sentiment", str(short)])
    assert res.exit_code == 0 and "Analysing" not in res.stderr


def test_the_dashboard_shows_how_many_comments_wait(engine, tmp_path):
    from fastapi.testclient import TestClient

    from influscope.auth import sessions, users
    from influscope.reports.build import clear_cache
    from influscope.web.app import create_app

    ws, camp = _setup(engine, tmp_path)
    users.create_user(engine, "o@example.com", "correct horse battery", workspace="default", role="owner")
    session = sessions.login(engine, "o@example.com", "correct horse battery", "default")
    web = create_app()
    web.state.engine = engine
    client = TestClient(web, base_url="http://127.0.0.1")
    client.cookies.set("influscope_session", session.token)
    client.headers["accept"] = "text/html"
    clear_cache()
    before = _audience_rows(engine)
    html = client.get("/campaigns/spring?compare=none").text
    assert 'id="sentiment-waiting"' in html and "8 comments waiting for analysis" in html
    assert _audience_rows(engine) == before
    refresh(engine, ws, camp)
    html = client.get("/campaigns/spring?compare=none").text
    assert 'id="sentiment"' in html and 'id="sentiment-waiting"' not in html


def test_serve_analyses_comments_in_the_background_while_it_answers(engine, sqlite_url, tmp_path):
    import httpx

    from tests.support.server import running_server

    ws, camp = _setup(engine, tmp_path)
    with running_server(sqlite_url, env={"INFLUSCOPE_AUDIENCE_BACKGROUND": "1"}) as (base, _proc):
        assert httpx.get(f"{base}/healthz", timeout=10).status_code == 200  # serving at once
        deadline = time.monotonic() + 180
        while pending_comments(engine, ws, camp) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert pending_comments(engine, ws, camp) == 0
