import datetime as dt

import pytest

from influscope.db import tables as t
from influscope.metrics import click_rollups, unique_windows
from influscope.tracking import links
from influscope.tracking.stats import campaign_link_stats
from tests.tracking.conftest import seed

T0 = dt.datetime(2026, 3, 1, 10, 0)  # 18:00 in Asia/Taipei


def _add(engine, ws, slug, rows):
    with engine.begin() as conn:
        link_id = conn.execute(t.links.select().where(t.links.c.key == slug)).first().id
        conn.execute(t.clicks.insert(), [
            {"workspace_id": ws, "key": f"{slug}-{i}", "link_id": link_id, "ts": ts, "is_bot": bot,
             "visitor_hash": vh, "country": cc, "device": dev, "app": app, "referrer": ref}
            for i, (ts, bot, vh, cc, dev, app, ref) in enumerate(rows)])
        unique_windows.rebuild(conn, ws)  # what every click writer keeps
        click_rollups.rebuild(conn, ws)


@pytest.fixture
def clicks(engine, seeded):
    ws = seeded["workspace"]
    links.create_link(engine, campaign="spring", creator="mei-lin", platform="instagram", slug="mei",
                      destination="https://x.example/")
    links.create_link(engine, campaign="spring", creator="sam", platform="youtube", slug="sam",
                      destination="https://x.example/")
    links.create_link(engine, campaign="autumn", creator="sam", platform="youtube", slug="other-campaign",
                      destination="https://x.example/")
    m = dt.timedelta(minutes=1)
    _add(engine, ws, "mei", [
        (T0, False, "a", "TW", "mobile", "Instagram", "https://l.instagram.com/x"),
        (T0 + 30 * m, False, "a", "TW", "mobile", "Instagram", "https://l.instagram.com/y"),
        (T0 + 65 * m, False, "a", "TW", "mobile", "Instagram", None),
        (T0 + 5 * m, False, "b", "JP", "desktop", None, "https://www.google.com/"),
        (T0 + 6 * m, True, None, "US", "bot", None, None),
        (T0 + 7 * m, False, None, None, "mobile", "LINE", None),
        (T0 + 7 * m, False, None, None, "mobile", "LINE", None),
        (T0 + 16 * 60 * m, False, "b", "JP", "desktop", None, None),  # next day in Taipei
    ])
    _add(engine, ws, "sam", [
        (T0, False, "a", "TW", "mobile", "Instagram", None),  # same visitor, other link: unique again
        (T0, True, "z", "IE", "bot", None, None),
    ])
    _add(engine, ws, "other-campaign", [(T0, False, "q", "TW", "mobile", None, None)])
    other = seed(engine, "elsewhere")
    links.create_link(engine, campaign="spring", platform="instagram", slug="theirs",
                      destination="https://x.example/", workspace="elsewhere")
    _add(engine, other["workspace"], "theirs", [(T0, False, "a", "TW", "mobile", None, None)])
    return ws


def test_totals_and_unique_window(engine, clicks):
    s = campaign_link_stats(engine, "spring")
    assert s.totals.as_dict() == {"clicks": 8, "unique_clicks": 7, "bot_clicks": 2}
    assert campaign_link_stats(engine, "spring", unique_window="30m").totals.unique_clicks == 8
    assert campaign_link_stats(engine, "spring", unique_window="1d").totals.unique_clicks == 5
    assert campaign_link_stats(engine, "spring", include_bots=True).totals.as_dict() == {
        "clicks": 10, "unique_clicks": 9, "bot_clicks": 2}


def test_breakdowns(engine, clicks):
    d = campaign_link_stats(engine, "spring").as_dict()
    assert d["timezone"] == "Asia/Taipei" and d["bot_clicks"] == "excluded"
    assert d["by_day"] == [
        {"day": "2026-03-01", "clicks": 7, "unique_clicks": 6, "bot_clicks": 2},
        {"day": "2026-03-02", "clicks": 1, "unique_clicks": 1, "bot_clicks": 0},
    ]
    assert d["by_country"][0] == {"country": "TW", "clicks": 4, "unique_clicks": 3, "bot_clicks": 0}
    assert {r["country"]: r["clicks"] for r in d["by_country"]} == {"TW": 4, "JP": 2, None: 2, "US": 0, "IE": 0}
    assert {r["device"]: r["clicks"] for r in d["by_device"]} == {"mobile": 6, "desktop": 2, "bot": 0}
    assert {r["app"]: r["clicks"] for r in d["by_app"]} == {"Instagram": 4, "LINE": 2, None: 2}
    assert {r["referrer"]: r["clicks"] for r in d["by_referrer"]} == {
        "l.instagram.com": 2, "www.google.com": 1, None: 5}
    assert d["by_link"] == [
        {"link": "mei", "creator": "mei-lin", "platform": "instagram", "clicks": 7, "unique_clicks": 6,
         "bot_clicks": 1},
        {"link": "sam", "creator": "sam", "platform": "youtube", "clicks": 1, "unique_clicks": 1, "bot_clicks": 1},
    ]


def test_date_range_in_the_campaign_time_zone(engine, clicks):
    s = campaign_link_stats(engine, "spring", start=dt.date(2026, 3, 2), end=dt.date(2026, 3, 2))
    assert s.totals.as_dict() == {"clicks": 1, "unique_clicks": 1, "bot_clicks": 0}


def test_scoped_to_the_workspace(engine, clicks):
    s = campaign_link_stats(engine, "spring", workspace="elsewhere")
    assert s.totals.as_dict() == {"clicks": 1, "unique_clicks": 1, "bot_clicks": 0}


def test_errors(engine, clicks):
    with pytest.raises(links.LinkError, match="unknown campaign 'nope'"):
        campaign_link_stats(engine, "nope")
    with pytest.raises(ValueError, match="unique_window"):
        campaign_link_stats(engine, "spring", unique_window="2h")
