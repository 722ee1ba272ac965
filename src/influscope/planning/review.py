"""After the campaign: each creator's actual results against what the plan expected.

    plan_vs_actual(engine, workspace, campaign) -> Review

The plan is the campaign's candidate lists. Every candidate who posted in the campaign (a store
creator, or a prospect whose handle has since been imported) is valued again as the store stood
before the campaign started (so the expectation is the one the plan saw), and the campaign's
results per post (the KPI engine's per-creator results over the creator's posts) are set beside
the expected result per deliverable and its interval.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import sqlalchemy as sa

from influscope.db import slugs
from influscope.db import tables as t
from influscope.planning import creator_value as cv
from influscope.planning import history
from influscope.planning.notes import N_, note

__all__ = ["REVIEWED", "Review", "plan_vs_actual"]

REVIEWED = ("reach", "impressions", "engagements", "clicks", "orders", "revenue")


@dataclass
class Review:
    campaign: str
    currency: str
    lists: list[str]
    coverage: float
    rows: list[dict] = field(default_factory=list)  # one per creator: label, posts, metrics {m: {...}}
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"campaign": self.campaign, "currency": self.currency, "lists": self.lists, "coverage": self.coverage,
                "rows": self.rows, "notes": self.notes}

    @property
    def inside_share(self) -> float | None:
        flags = [m["inside"] for r in self.rows for m in r["metrics"].values() if m["inside"] is not None]
        return sum(flags) / len(flags) if flags else None


def plan_vs_actual(engine, workspace: str, campaign: str, *, coverage: float = 0.8) -> Review:
    from influscope.db.planning import candidate_lists, candidates

    with engine.connect() as conn:
        ws = slugs.workspace_id(conn, workspace)
        if ws is None:
            raise LookupError(f"no workspace {workspace!r}")
        camp = slugs.campaign(conn, ws, campaign)
        if camp is None:
            raise LookupError(f"no campaign {campaign!r}")
        lists = conn.execute(sa.select(candidate_lists.c.id, candidate_lists.c.slug).where(
            candidate_lists.c.workspace_id == ws, candidate_lists.c.campaign_id == camp["id"])).all()
        review = Review(campaign, camp["currency"], [r.slug for r in lists], coverage)
        if not lists:
            return review
        acc = t.creator_accounts
        cands = conn.execute(
            sa.select(candidates.c.platform, candidates.c.handle, acc.c.creator_id, t.creators.c.key, t.creators.c.name)
            .select_from(candidates.join(acc, sa.and_(acc.c.workspace_id == ws, acc.c.platform == candidates.c.platform,
                                                      acc.c.handle == candidates.c.handle))
                         .join(t.creators, t.creators.c.id == acc.c.creator_id))
            .where(candidates.c.list_id.in_([r.id for r in lists]))).all()
    before = dt.datetime.combine(camp["start_date"], dt.time())
    ctx = cv.load_context(engine, workspace, currency=camp["currency"], goal=camp["goal"], before=before)
    ctx.campaign_id = camp["id"]
    actual_rows, errors = history.campaign_rows(engine, workspace, [dict(camp)], project=False)
    review.notes += [note(N_("not computed: %(error)s"), error=e) for e in errors]
    actual = {r.creator: r for r in actual_rows}
    seen = set()
    for c in cands:
        if c.key in seen:
            continue
        seen.add(c.key)
        row = actual.get(c.key)
        posts = (row.values.get("posts") if row else None) or 0
        if not posts:
            review.rows.append({"creator": c.key, "name": c.name, "label": f"{c.platform} @{c.handle}", "posts": 0,
                                "metrics": {}, "note": note(N_("on the plan, no posts in the campaign"))})
            continue
        value = cv.value_of(engine, c.key, workspace=workspace, coverage=coverage, context=ctx)
        metrics = {}
        for m in REVIEWED:
            ests = [a.expected[m] for a in value.accounts if a.expected.get(m) is not None]
            if m in history.OUTCOMES:  # creator-level results, shared out over accounts: add them back up
                usable = [e for e in ests if e.value is not None]
                exp = (sum(e.value for e in usable), sum(e.low for e in usable), sum(e.high for e in usable)) \
                    if usable else (None, None, None)
            else:
                e = next((a.expected[m] for a in value.accounts if a.platform == c.platform and a.handle == c.handle),
                         None)
                exp = (None, None, None) if e is None else (e.value, e.low, e.high)
            got = cv._per_post(row, m, ctx) if m in ("revenue",) else (
                None if row.values.get(m) is None else row.values[m] / posts)
            inside = None if got is None or exp[1] is None else exp[1] <= got <= exp[2]
            metrics[m] = {"expected": exp[0], "low": exp[1], "high": exp[2], "actual": got, "inside": inside}
        review.rows.append({"creator": c.key, "name": c.name, "label": f"{c.platform} @{c.handle}", "posts": int(posts),
                            "metrics": metrics, "note": None})
    return review
