"""Apply the current bot rules and lists to stored clicks again (``influscope links reclassify``).

Each click keeps what the rules read: its user agent and its ``request_hints`` (never the address).
Classification is a pure function of those, plus the burst signal, which is recomputed from the
stored clicks themselves (link, visitor hash and time, in time order, through the same
:class:`~influscope.tracking.bots_burst.BurstDetector` the redirect uses).

Clicks stored before user agents were kept (``user_agent`` NULL) are left as they are and counted
apart. The unique-click windows kept on each click (:mod:`influscope.metrics.unique_windows`) are
derived again for the links whose hits changed between bot and human, and so are their click
rollups (:mod:`influscope.metrics.click_rollups`). Everything is written in one transaction: all
changes or none.

With an event store (:mod:`influscope.events`) the clicks live in ClickHouse: they are read there,
links a few at a time in the same order, and a click whose class changes is written again as a new
version of its row (same sorting key, higher ``version``: the ReplacingMergeTree keeps the newest),
with the unique-click flags of its link derived again from the link's hits. The event store keeps no
click rollups (its queries sum the clicks themselves), so there is nothing else to rebuild. One
batch of links is written at a time: a failure half-way leaves the batches written so far
reclassified and the rest as they were, and running the command again finishes the work.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from influscope.db import tables as t
from influscope.metrics import click_rollups, unique_windows
from influscope.tracking import bots
from influscope.tracking.bots_burst import BurstDetector
from influscope.tracking.links import LinkError, LinkProblem, workspace_id

_BATCH = 5000


@dataclass
class ReclassifyReport:
    examined: int = 0  # clicks with a stored agent, classified again
    without_agent: int = 0  # clicks stored before agents were kept: left as they were
    flagged: int = 0  # human -> bot or suspect
    cleared: int = 0  # bot or suspect -> human
    reason_changed: int = 0  # still flagged, another reason
    transitions: Counter = field(default_factory=Counter)  # (old reason, new reason) -> clicks; None = human

    @property
    def changed(self) -> int:
        return self.flagged + self.cleared + self.reason_changed

    def as_dict(self) -> dict[str, Any]:
        return {"examined": self.examined, "without_agent": self.without_agent, "changed": self.changed,
                "flagged": self.flagged, "cleared": self.cleared, "reason_changed": self.reason_changed,
                "transitions": [{"from": old, "to": new, "clicks": n}
                                for (old, new), n in sorted(self.transitions.items(), key=lambda kv: -kv[1])]}

    def summary(self) -> str:
        return (f"{self.examined} clicks classified again: {self.changed} changed ({self.flagged} flagged, "
                f"{self.cleared} cleared, {self.reason_changed} with another reason); "
                f"{self.without_agent} stored without a user agent left as they were")


def reclassify_clicks(engine: sa.Engine, *, workspace: str | None = None, campaign: str | None = None,
                      dry_run: bool = False) -> ReclassifyReport:
    """Classify the stored clicks of WORKSPACE (only CAMPAIGN's links, if given) again; write the changes."""
    from influscope.events.store import configured

    if configured() is not None:
        return _reclassify_events(engine, workspace=workspace, campaign=campaign, dry_run=dry_run)
    k, l = t.clicks, t.links
    report = ReclassifyReport()
    bursts = BurstDetector()
    with engine.begin() as conn:
        ws = workspace_id(conn, workspace)
        q = (sa.select(k.c.id, k.c.link_id, k.c.ts, k.c.visitor_hash, k.c.is_bot, k.c.bot_reason, k.c.device, k.c.os,
                       k.c.browser, k.c.app, k.c.user_agent, k.c.request_hints)
             .where(k.c.workspace_id == ws)
             .order_by(k.c.link_id, k.c.visitor_hash, k.c.ts, k.c.id))
        if campaign is not None:
            cid = _campaign_id(conn, ws, campaign)
            q = q.where(k.c.link_id.in_(sa.select(l.c.id).where(l.c.campaign_id == cid)))
        updates: list[dict[str, Any]] = []
        relinked: set[int] = set()  # links whose hits changed between bot and human
        for r in conn.execute(q.execution_options(yield_per=20_000)):
            new = _judge(r, bursts, report)
            if new is None:
                continue
            if new["is_bot"] != bool(r.is_bot):
                relinked.add(r.link_id)
            if new != {c: (bool(r.is_bot) if c == "is_bot" else getattr(r, c)) for c in _CLASS}:
                updates.append({"_id": r.id, **new})
        if not dry_run:
            stmt = (k.update().where(k.c.id == sa.bindparam("_id"))
                    .values(is_bot=sa.bindparam("is_bot"), bot_reason=sa.bindparam("bot_reason"),
                            device=sa.bindparam("device"), os=sa.bindparam("os"), browser=sa.bindparam("browser"),
                            app=sa.bindparam("app")))
            for i in range(0, len(updates), _BATCH):
                conn.execute(stmt, updates[i:i + _BATCH])
            if relinked:  # the unique-click windows over human hits depend on which hits are bots
                unique_windows.rebuild(conn, ws, relinked)
                click_rollups.rebuild(conn, ws, relinked)  # and the rollups are per bot flag
    return report


_CLASS = ("is_bot", "bot_reason", "device", "os", "browser", "app")  # what classification decides


def _campaign_id(conn: sa.Connection, ws: int, campaign: str) -> int:
    cid = conn.execute(sa.select(t.campaigns.c.id).where(t.campaigns.c.workspace_id == ws,
                                                         t.campaigns.c.slug == campaign)).scalar()
    if cid is None:
        raise LinkError([LinkProblem("", None, "campaign", f"unknown campaign {campaign!r} in this workspace")])
    return cid


def _judge(r: Any, bursts: BurstDetector, report: ReclassifyReport) -> dict[str, Any] | None:
    """Classify the stored click R again (hits in link, visitor, time order, for the burst signal);
    count it into REPORT; return its new classification, or None for a click without an agent."""
    if r.user_agent is None:
        report.without_agent += 1
        return None
    report.examined += 1
    agent = bots.classify_stored(r.user_agent, r.request_hints)
    if bursts.hit(r.link_id, r.visitor_hash, r.ts) and not agent.is_bot:
        agent = agent.flagged("signal:burst")
    old_reason = r.bot_reason if r.is_bot else None
    new_reason = agent.bot_reason if agent.is_bot else None
    if bool(r.is_bot) != agent.is_bot or old_reason != new_reason:
        if not r.is_bot:
            report.flagged += 1
        elif not agent.is_bot:
            report.cleared += 1
        else:
            report.reason_changed += 1
        report.transitions[(old_reason, new_reason)] += 1
    return {"is_bot": agent.is_bot, "bot_reason": agent.bot_reason, "device": agent.device, "os": agent.os,
            "browser": agent.browser, "app": agent.app}


_LINKS_PER_READ = 50


def _reclassify_events(engine: sa.Engine, *, workspace: str | None, campaign: str | None,
                       dry_run: bool) -> ReclassifyReport:
    """:func:`reclassify_clicks` on the configured event store."""
    import types

    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    from influscope.events import clicks as event_clicks
    from influscope.events import schema
    from influscope.events.store import configured, session

    store = configured()
    assert store is not None
    report = ReclassifyReport()
    bursts = BurstDetector()
    with engine.connect() as conn:
        ws = workspace_id(conn, workspace)
        campaign_links = None
        if campaign is not None:
            cid = _campaign_id(conn, ws, campaign)
            campaign_links = [int(i) for i in conn.execute(sa.select(t.links.c.id).where(t.links.c.campaign_id == cid))
                              .scalars()]
    table = schema.write_table(store, "clicks")
    with session(store) as client:
        scope = "" if campaign_links is None else f" AND link_id IN {event_clicks._list(sorted(campaign_links))}"
        link_ids = [int(r[0]) for r in client.query(f"SELECT DISTINCT link_id FROM {table} WHERE workspace_id = "
                                                    f"{int(ws)}{scope} ORDER BY link_id").result_rows]
        for i in range(0, len(link_ids), _LINKS_PER_READ):
            chunk = link_ids[i:i + _LINKS_PER_READ]
            stored = event_clicks._stored(client, store, f"workspace_id = {int(ws)} AND link_id IN "
                                                         f"{event_clicks._list(chunk)}")
            # the order of the SQL path: link, visitor (none first), time, then the click's key
            stored = stored.sort_by([("link_id", "ascending"), ("visitor_hash", "ascending"), ("ts", "ascending"),
                                     ("key", "ascending")], null_placement="at_start")
            rows = stored.to_pylist()
            changed = np.zeros(len(rows), dtype=bool)
            relinked: set[int] = set()
            for j, row in enumerate(rows):
                new = _judge(types.SimpleNamespace(**row), bursts, report)
                if new is None:
                    continue
                if new["is_bot"] != bool(row["is_bot"]):
                    relinked.add(row["link_id"])
                if new != {c: (bool(row[c]) if c == "is_bot" else row[c]) for c in _CLASS}:
                    row.update(new)
                    changed[j] = True
            if dry_run or not changed.any():
                continue
            fresh = pa.Table.from_pylist(rows, schema=stored.schema)
            if relinked:  # the unique-click windows over human hits depend on which hits are bots
                flags = unique_windows.flags_of(
                    np.asarray(fresh.column("link_id").to_numpy()), fresh.column("visitor_hash"),
                    np.asarray(pc.cast(fresh.column("ts"), pa.int64()).to_numpy()), fresh.column("key"),
                    np.asarray(fresh.column("is_bot").to_numpy(zero_copy_only=False), dtype=bool))
                before = np.column_stack([np.asarray(pc.fill_null(fresh.column(f), False)
                                                     .to_numpy(zero_copy_only=False), dtype=bool)
                                          for f in event_clicks.FLAGS])
                changed |= (flags != before).any(axis=1)
                fresh = fresh.drop_columns(list(event_clicks.FLAGS))
                for j, f in enumerate(event_clicks.FLAGS):
                    fresh = fresh.append_column(f, pa.array(flags[:, j]))
            event_clicks._insert(client, store, fresh.filter(pa.array(changed)))
    return report


__all__ = ["ReclassifyReport", "reclassify_clicks"]
