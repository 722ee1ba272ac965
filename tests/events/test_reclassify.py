"""``influscope links reclassify`` with the clicks in the event store gives what it gives on SQLite
alone: the same counts, the same classes and the same unique-click flags, and a second run finds
nothing to change."""

from __future__ import annotations

import csv
import json
import sqlite3

import pytest

from tests.events.support import cli, query
from tests.tracking.user_agents import BOTS, HUMANS

pytestmark = [pytest.mark.clickhouse]

CAMPAIGN = ("id: spring\nname: Spring\ngoal: bofu\nstart: 2026-03-01\nend: 2026-03-31\ntimezone: Asia/Taipei\n"
            "currency: TWD\n")
XBOT = ("Mozilla/5.0 (Linux; Android 8.1.0; XBot_Senior Build/O11019) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/65.0.3325.109 Mobile Safari/537.36")
FLAGS = ("unique_30m", "unique_1h", "unique_1d", "unique_30m_with_bots", "unique_1h_with_bots", "unique_1d_with_bots")
COLUMNS = ("key", "is_bot", "bot_reason", "device", *FLAGS)


def _hits() -> list[dict]:
    def hit(n, ua, *, bot=False, reason="", hints="", visitor="v1", seconds=0, link="mei-ig"):
        return {"click_id": f"k{n:04d}", "link_id": link, "ts": f"2026-03-02T12:{seconds // 60:02d}:{seconds % 60:02d}Z",
                "is_bot": "true" if bot else "false", "bot_reason": reason, "visitor_hash": visitor,
                "device": "bot" if bot else "mobile", "user_agent": ua or "", "request_hints": hints}

    rows = [hit(1, "Cloudflare-Traffic-Manager/1.0", visitor="a"),  # a list names it now
            hit(2, XBOT, bot=True, reason="crawler:bot", visitor="b"),  # an old rule's mistake: a phone
            hit(3, BOTS["facebookexternalhit"][0], bot=True, reason="crawler:facebookexternalhit", visitor="c"),
            hit(4, HUMANS["chrome_windows"][0], hints="prefetch", visitor="d"),
            hit(5, HUMANS["line_ios"][0], visitor="e"),
            hit(6, None, visitor="f"),  # no agent kept: left alone
            # the same visitor later on the same link: its window opening moves when k0001 turns bot
            hit(7, HUMANS["line_ios"][0], visitor="a", seconds=600),
            hit(8, HUMANS["line_ios"][0], visitor="x", link="ben-ig")]  # another link, unchanged
    rows += [hit(10 + i, HUMANS["safari_iphone"][0], visitor="g", seconds=i) for i in range(6)]  # a burst
    return rows


def _bundle(path):
    path.mkdir(parents=True)
    (path / "campaign.yaml").write_text(CAMPAIGN)
    (path / "creators.csv").write_text("creator_id,platform,handle\nmei,instagram,mei.lin\nben,instagram,ben.w\n")
    (path / "links.csv").write_text("link_id,creator_id,platform,destination_url\n"
                                    "mei-ig,mei,instagram,https://shop.example.com/\n"
                                    "ben-ig,ben,instagram,https://shop.example.com/\n")
    rows = _hits()
    with (path / "clicks.csv").open("w", newline="") as fh:
        w = csv.DictWriter(fh, list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    return path


def _scenario(tmp_path, events: str | None) -> dict:
    db = f"sqlite:///{tmp_path / 'influscope.db'}"
    bundle = _bundle(tmp_path / "bundle")
    cli("import", str(bundle), "-w", "w", db=db, events=events)
    dry = json.loads(cli("links", "reclassify", "-w", "w", "--json", "--dry-run", db=db, events=events).stdout)
    before = _stored(tmp_path, events)
    report = json.loads(cli("links", "reclassify", "-w", "w", "--campaign", "spring", "--json",
                            db=db, events=events).stdout)
    after = _stored(tmp_path, events)
    again = json.loads(cli("links", "reclassify", "-w", "w", "--json", db=db, events=events).stdout)
    return {"dry": dry, "before": before, "report": report, "after": after, "again": again}


def _stored(tmp_path, events: str | None) -> dict[str, tuple]:
    if events:
        rows = query(events, f"SELECT {', '.join(COLUMNS)} FROM clicks ORDER BY key")
    else:
        with sqlite3.connect(tmp_path / "influscope.db") as con:
            rows = con.execute(f"SELECT {', '.join(COLUMNS)} FROM clicks ORDER BY key").fetchall()
    return {r[0]: tuple(bool(v) if c in ("is_bot", *FLAGS) else v for c, v in zip(COLUMNS[1:], r[1:])) for r in rows}


def test_reclassify_on_the_event_store_matches_sqlite(tmp_path):
    alone = _scenario(tmp_path / "sqlite", None)
    events = f"chdb://{tmp_path / 'events'}"
    store = _scenario(tmp_path / "ch", events)

    report = store["report"]
    assert (report["examined"], report["without_agent"]) == (13, 1)
    assert (report["flagged"], report["cleared"], report["reason_changed"]) == (4, 1, 1)
    assert store["dry"] == report  # a dry run counts the same and writes nothing
    assert store["before"] != store["after"]
    assert store["after"]["k0001"][:3] == (True, "list:crawler-user-agents", "bot")
    assert store["after"]["k0002"][:3] == (False, None, "mobile")
    assert [store["after"][f"k{10 + i:04d}"][1] for i in range(6)] == [None] * 4 + ["signal:burst"] * 2
    # k0001 turned bot: visitor a's later hit now opens the human windows, and k0001 no longer does
    flags = dict(zip(FLAGS, store["after"]["k0007"][3:]))
    assert flags["unique_1h"] and flags["unique_30m"] and not flags["unique_1h_with_bots"]
    assert not dict(zip(FLAGS, store["after"]["k0001"][3:]))["unique_1h"]
    assert (store["again"]["examined"], store["again"]["changed"]) == (13, 0)
    # one row per click (the new versions replaced the old ones)
    assert query(events, "SELECT count() FROM clicks")[0][0] == len(_hits())

    for name in ("dry", "report", "again", "before", "after"):
        assert store[name] == alone[name], name
