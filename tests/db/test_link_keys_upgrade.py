"""A database made before links had per-workspace slugs upgrades in place: every short URL already
handed out keeps redirecting, with its clicks, and the old slug becomes the link's key."""

from __future__ import annotations

import datetime as dt

import httpx
import sqlalchemy as sa

from influscope.db.engine import current_revisions, get_engine, heads, upgrade
from influscope.tracking import links
from tests.support.server import running_server

NEW = "0004_tracking_link_keys"


def _old_database(path) -> sa.Engine:
    """Every area at its newest, links as the previous version left them; two workspaces, global slugs."""
    engine = get_engine(f"sqlite:///{path}", migrate=False)
    for head in sorted(heads() - {NEW}):
        upgrade(engine, head)
    assert NEW not in current_revisions(engine)
    with engine.begin() as conn:
        for ws, slug in ((1, "acme"), (2, "globex")):
            conn.exec_driver_sql(f"INSERT INTO workspaces (id, slug, name, methodology) VALUES ({ws}, '{slug}', "
                                 f"'{slug}', '{{}}')")
            conn.exec_driver_sql(
                "INSERT INTO campaigns (id, workspace_id, slug, name, goal, start_date, end_date, timezone, currency, "
                "targets, brand_accounts, brand_terms, competitor_terms, methodology) VALUES "
                f"({ws}, {ws}, 'spring', 'Spring', 'bofu', '2026-03-01', '2026-03-31', 'UTC', 'TWD', '{{}}', '[]', "
                "'[]', '[]', '{}')")
        conn.exec_driver_sql("INSERT INTO links (id, workspace_id, campaign_id, slug, platform, destination_url, paid) "
                             "VALUES (1, 1, 1, 'spring-ig', 'instagram', 'https://shop.example.com/a', 0), "
                             "(2, 2, 2, 'k7hw3qa', 'tiktok', 'https://globex.example.com/b', 0)")
        conn.execute(sa.text("INSERT INTO clicks (workspace_id, key, link_id, ts, is_bot) VALUES "
                             "(1, 'c1', 1, :ts, 0), (1, 'c2', 1, :ts, 1), (2, 'c3', 2, :ts, 0)"),
                     {"ts": dt.datetime(2026, 3, 2, 10)})
    return engine


def test_old_links_keep_their_short_urls_and_clicks_after_the_upgrade(tmp_path):
    path = tmp_path / "old.db"
    engine = _old_database(path)
    upgrade(engine)
    assert current_revisions(engine) == heads()
    with engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT id, workspace_id, slug, key FROM links ORDER BY id").all()
        clicks = conn.exec_driver_sql("SELECT key, link_id FROM clicks ORDER BY key").all()
    assert rows == [(1, 1, "spring-ig", "spring-ig"), (2, 2, "k7hw3qa", "k7hw3qa")]
    assert clicks == [("c1", 1), ("c2", 1), ("c3", 2)]  # no click lost to the schema change
    old = links.get_link(engine, "spring-ig", workspace="acme", base_url="https://go.example")
    assert old.short_url == "https://go.example/l/spring-ig" and old.clicks == 1 and old.bot_clicks == 1
    # the other workspace may now choose the same words: its link lives under its own id
    new = links.create_link(engine, campaign="spring", platform="instagram", destination="https://globex.example.com/",
                            slug="spring-ig", workspace="globex", base_url="https://go.example")
    assert new.short_url == "https://go.example/l/globex/spring-ig"
    engine.dispose()
    with running_server(f"sqlite:///{path}") as (base, _proc):
        a = httpx.get(f"{base}/l/spring-ig", follow_redirects=False)
        b = httpx.get(f"{base}/l/k7hw3qa", follow_redirects=False)
        c = httpx.get(f"{base}/l/globex/spring-ig", follow_redirects=False)
    assert a.status_code == 302 and a.headers["location"].startswith("https://shop.example.com/a?")
    assert "utm_campaign=spring" in a.headers["location"]
    assert b.status_code == 302 and b.headers["location"].startswith("https://globex.example.com/b?")
    assert c.status_code == 302 and c.headers["location"].startswith("https://globex.example.com/?")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM clicks").scalar() == 6
