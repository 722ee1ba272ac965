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
            cid = conn.execute(sa.select(t.campaigns.c.id).where(t.campaigns.c.workspace_id == ws,
                                                                 t.campaigns.c.slug == campaign)).scalar()
            if cid is None:
                raise LinkError([LinkProblem("", None, "campaign", f"unknown campaign {campaign!r} in this workspace")])
            q = q.where(k.c.link_id.in_(sa.select(l.c.id).where(l.c.campaign_id == cid)))
        updates: list[dict[str, Any]] = []
        relinked: set[int] = set()  # links whose hits changed between bot and human
        for r in conn.execute(q.execution_options(yield_per=20_000)):
            if r.user_agent is None:
                report.without_agent += 1
                continue
            report.examined += 1
            agent = bots.classify_stored(r.user_agent, r.request_hints)
            if bursts.hit(r.link_id, r.visitor_hash, r.ts) and not agent.is_bot:
                agent = agent.flagged("signal:burst")
            old_reason = r.bot_reason if r.is_bot else None
            new_reason = agent.bot_reason if agent.is_bot else None
            if bool(r.is_bot) != agent.is_bot:
                relinked.add(r.link_id)
            if bool(r.is_bot) != agent.is_bot or old_reason != new_reason:
                if not r.is_bot:
                    report.flagged += 1
                elif not agent.is_bot:
                    report.cleared += 1
                else:
                    report.reason_changed += 1
                report.transitions[(old_reason, new_reason)] += 1
            new = (agent.is_bot, agent.bot_reason, agent.device, agent.os, agent.browser, agent.app)
            if new != (bool(r.is_bot), r.bot_reason, r.device, r.os, r.browser, r.app):
                updates.append({"_id": r.id, "is_bot": agent.is_bot, "bot_reason": agent.bot_reason,
                                "device": agent.device, "os": agent.os, "browser": agent.browser, "app": agent.app})
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


__all__ = ["ReclassifyReport", "reclassify_clicks"]
