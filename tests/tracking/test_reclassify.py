"""Stored clicks are classified again by the current rules; an old database upgrades losing nothing."""

from __future__ import annotations

import datetime as dt
import json

import sqlalchemy as sa
from typer.testing import CliRunner

from influscope.cli import app as cli_app
from influscope.db import tables as t
from influscope.db.engine import get_engine, upgrade
from influscope.tracking import links
from influscope.tracking.reclassify import reclassify_clicks
from tests.tracking.conftest import seed
from tests.tracking.user_agents import BOTS, HUMANS

T0 = dt.datetime(2026, 3, 2, 12, 0, 0)


def _click(link_id, ws, n, ua, *, is_bot=False, reason=None, hints=None, visitor="v1", seconds=0):
    return {"workspace_id": ws, "key": f"k{n:04d}", "link_id": link_id, "ts": T0 + dt.timedelta(seconds=seconds),
            "is_bot": is_bot, "bot_reason": reason, "visitor_hash": visitor, "device": "bot" if is_bot else "mobile",
            "user_agent": ua, "request_hints": hints}


def _stored(engine):
    with engine.connect() as conn:
        return {r.key: (r.is_bot, r.bot_reason, r.device)
                for r in conn.execute(sa.select(t.clicks.c.key, t.clicks.c.is_bot, t.clicks.c.bot_reason,
                                                t.clicks.c.device))}


def _setup(engine, seeded):
    link = links.create_link(engine, campaign="spring", creator="mei-lin", platform="instagram", slug="mei-ig",
                             destination="https://shop.example.com/")
    with engine.connect() as conn:
        link_id = conn.execute(sa.select(t.links.c.id).where(t.links.c.key == link.slug)).scalar_one()
    ws = seeded["workspace"]
    rows = [
        # stored as human by an older rule set, but a list names it now
        _click(link_id, ws, 1, "Cloudflare-Traffic-Manager/1.0", visitor="a"),
        # flagged by an older rule for a reason that no longer holds: a phone called XBot_Senior
        _click(link_id, ws, 2, "Mozilla/5.0 (Linux; Android 8.1.0; XBot_Senior Build/O11019) AppleWebKit/537.36 "
                               "(KHTML, like Gecko) Chrome/65.0.3325.109 Mobile Safari/537.36",
               is_bot=True, reason="crawler:bot", visitor="b"),
        # flagged under an old reason code: same verdict, new code
        _click(link_id, ws, 3, BOTS["facebookexternalhit"][0], is_bot=True, reason="crawler:facebookexternalhit",
               visitor="c"),
        # a prefetch, remembered through its hints
        _click(link_id, ws, 4, HUMANS["chrome_windows"][0], hints="prefetch", visitor="d"),
        # unchanged person
        _click(link_id, ws, 5, HUMANS["line_ios"][0], visitor="e"),
        # no agent kept (an older click): left alone
        _click(link_id, ws, 6, None, is_bot=False, visitor="f"),
    ]
    # a burst: 6 hits from one visitor within 5 seconds; the 5th and 6th are flagged
    rows += [_click(link_id, ws, 10 + i, HUMANS["safari_iphone"][0], visitor="g", seconds=i) for i in range(6)]
    with engine.begin() as conn:
        conn.execute(t.clicks.insert(), rows)
        from influscope.metrics import click_rollups

        click_rollups.rebuild(conn, ws)  # what every click writer keeps


def test_reclassify_applies_the_current_rules_and_counts_what_changed(any_engine):
    engine = any_engine
    _setup(engine, seed(engine))
    dry = reclassify_clicks(engine, dry_run=True)
    assert _stored(engine)["k0001"] == (False, None, "mobile")  # nothing written
    report = reclassify_clicks(engine)
    assert report.as_dict() == dry.as_dict()
    assert (report.examined, report.without_agent) == (11, 1)
    assert (report.flagged, report.cleared, report.reason_changed) == (4, 1, 1)
    assert report.transitions == {(None, "list:crawler-user-agents"): 1, ("crawler:bot", None): 1,
                                  ("crawler:facebookexternalhit", "list:crawlerdetect"): 1,
                                  (None, "header:prefetch"): 1, (None, "signal:burst"): 2}
    stored = _stored(engine)
    assert stored["k0001"] == (True, "list:crawler-user-agents", "bot")
    assert stored["k0002"] == (False, None, "mobile")
    assert stored["k0003"][:2] == (True, "list:crawlerdetect")
    assert stored["k0004"][:2] == (True, "header:prefetch")
    assert stored["k0006"] == (False, None, "mobile")
    assert [stored[f"k{10 + i:04d}"][1] for i in range(6)] == [None] * 4 + ["signal:burst"] * 2
    # a second run finds nothing to change
    again = reclassify_clicks(engine)
    assert (again.examined, again.changed) == (11, 0)


def test_reclassify_command_prints_the_counts(engine, seeded, sqlite_url):
    _setup(engine, seeded)
    runner = CliRunner()
    out = runner.invoke(cli_app, ["--db", sqlite_url, "links", "reclassify", "--campaign", "spring", "--json"])
    assert out.exit_code == 0, out.output
    d = json.loads(out.stdout)
    assert (d["examined"], d["changed"], d["flagged"], d["cleared"], d["reason_changed"]) == (11, 6, 4, 1, 1)
    out = runner.invoke(cli_app, ["--db", sqlite_url, "links", "reclassify"])
    assert out.exit_code == 0 and "0 changed" in out.stdout
    out = runner.invoke(cli_app, ["--db", sqlite_url, "links", "reclassify", "--campaign", "nope"])
    assert out.exit_code != 0 and "unknown campaign" in out.output


def test_stats_list_bots_by_reason(engine, seeded, sqlite_url):
    from influscope.tracking.stats import campaign_link_stats

    _setup(engine, seeded)
    reclassify_clicks(engine)
    rows = {r["bot_reason"]: r["bot_clicks"] for r in campaign_link_stats(engine, "spring").rows("bot_reason")}
    assert rows == {"signal:burst": 2, "list:crawler-user-agents": 1, "list:crawlerdetect": 1, "header:prefetch": 1,
                    None: 0}
    out = CliRunner().invoke(cli_app, ["--db", sqlite_url, "links", "stats", "-c", "spring", "--by", "bot_reason"])
    assert out.exit_code == 0 and "signal:burst" in out.stdout
    out = CliRunner().invoke(cli_app, ["--db", sqlite_url, "links", "stats", "-c", "spring"])
    assert "bots by reason: signal:burst 2, header:prefetch 1, list:crawler-user-agents 1, list:crawlerdetect 1" \
        in out.stdout, out.stdout


def test_a_database_of_the_previous_schema_upgrades_losing_nothing(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = sa.create_engine(url)
    upgrade(engine, "0002_tracking")  # the schema before clicks kept their agent
    with engine.connect() as conn:
        assert "user_agent" not in {c["name"] for c in sa.inspect(conn).get_columns("clicks")}
    ids = seed(engine)
    with engine.begin() as conn:
        link_id = conn.execute(t.links.insert().values(
            workspace_id=ids["workspace"], campaign_id=ids["campaign"], slug="old", destination_url="https://x.example/",
            platform="instagram", paid=False)).inserted_primary_key[0]
        conn.exec_driver_sql(
            "INSERT INTO clicks (workspace_id, key, link_id, ts, is_bot, bot_reason, visitor_hash, country, device, os,"
            " browser, app, referrer) VALUES (?, 'old1', ?, '2026-03-02 12:00:00.000000', 1, 'crawler:WhatsApp', 'h',"
            " 'TW', 'bot', NULL, NULL, NULL, 'https://l.instagram.com/')", (ids["workspace"], link_id))
    engine.dispose()
    migrated = get_engine(url)  # every command upgrades on first use
    with migrated.connect() as conn:
        [row] = conn.execute(sa.select(t.clicks)).mappings().all()
    assert (row["key"], row["is_bot"], row["bot_reason"], row["country"], row["referrer"]) == (
        "old1", True, "crawler:WhatsApp", "TW", "https://l.instagram.com/")
    assert (row["user_agent"], row["request_hints"]) == (None, None)
    report = reclassify_clicks(migrated)
    assert (report.examined, report.without_agent, report.changed) == (0, 1, 0)
    migrated.dispose()


def test_reclassify_derives_the_unique_windows_again(engine, seeded):
    """A hit cleared from bot to human opens the unique-click window a human hit would."""
    _setup(engine, seeded)
    from influscope.metrics import unique_windows

    with engine.begin() as conn:
        unique_windows.rebuild(conn)
    flag = t.clicks.c[unique_windows.flag_column("1h", False)]
    with engine.connect() as conn:
        assert conn.execute(sa.select(flag).where(t.clicks.c.key == "k0002")).scalar() is False  # a bot: no window
    reclassify_clicks(engine)
    with engine.connect() as conn:
        assert conn.execute(sa.select(flag).where(t.clicks.c.key == "k0002")).scalar() is True  # now a person's
        assert conn.execute(sa.select(flag).where(t.clicks.c.key == "k0001")).scalar() is False  # now a bot
