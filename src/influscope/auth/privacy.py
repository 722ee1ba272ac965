"""Data protection: forget a creator, and keep raw clicks only as long as the workspace allows.

``forget_creator(engine, workspace_id, creator_id)`` deletes, in one transaction, everything
personal the store holds about one creator: the creator record (name, country, language), their
social accounts (handles, follower counts), their posts with every metric snapshot, the comments
under those posts (and the labels derived from them), their follower history and audience
demographics (matched by platform and handle), raw connector payloads of their posts, their
tracking links with the clicks through them, their promo codes and their campaign memberships.
Spend is not personal: cost lines that named the creator are kept as campaign-level costs, so the
campaign's spend does not change. The audit log records that a creator was forgotten, by id only.

Raw clicks: ``set_click_retention(engine, workspace_id, days)`` stores the policy (None keeps
clicks forever) and ``apply_retention(engine)`` deletes clicks older than it in every workspace;
``influscope privacy apply-retention`` runs it (schedule it daily, e.g. with cron). Click KPIs for
periods before the retention horizon then count only what is left. No IP address is ever stored;
clicks carry a daily-salted visitor hash and a country.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from influscope.auth import audit
from influscope.auth._util import utcnow
from influscope.db import tables as t
from influscope.metrics import click_rollups, unique_windows
from influscope.db.auth import data_policies
from influscope.db.tracking import click_days
from influscope.events import clicks as event_clicks
from influscope.events import records as event_records


class NotFound(LookupError):
    pass


def forget_creator(engine: sa.Engine, workspace_id: int, creator_id: int, *, user_id: int | None = None,
                   api_key_id: int | None = None) -> dict[str, int]:
    """Delete everything personal about a creator; returns the number of rows removed per table."""
    from influscope.db.schema import load

    metadata = load()
    counts: dict[str, int] = {}
    with engine.begin() as conn:
        found = conn.execute(sa.select(t.creators.c.id).where(t.creators.c.id == creator_id,
                                                              t.creators.c.workspace_id == workspace_id)).first()
        if found is None:
            raise NotFound(f"no creator with id {creator_id}")
        handles = conn.execute(sa.select(t.creator_accounts.c.platform, t.creator_accounts.c.handle)
                               .where(t.creator_accounts.c.creator_id == creator_id)).all()
        post_ids = list(conn.execute(sa.select(t.posts.c.id).where(t.posts.c.creator_id == creator_id)).scalars())
        post_keys = list(conn.execute(sa.select(t.posts.c.key).where(t.posts.c.creator_id == creator_id)).scalars())
        link_ids = list(conn.execute(sa.select(t.links.c.id).where(t.links.c.creator_id == creator_id)).scalars())

        def run(name: str, stmt) -> None:
            counts[name] = counts.get(name, 0) + (conn.execute(stmt).rowcount or 0)

        # Not personal: spend stays on the campaign.
        conn.execute(t.costs.update().where(t.costs.c.creator_id == creator_id).values(creator_id=None))
        if post_ids:
            comment_ids = sa.select(t.comments.c.id).where(t.comments.c.post_id.in_(post_ids))
            for name, table in metadata.tables.items():  # derived tables of other areas keyed by comment
                if name != "comments" and "comment_id" in table.c:
                    run(name, table.delete().where(table.c.comment_id.in_(comment_ids)))
            run("comments", t.comments.delete().where(t.comments.c.post_id.in_(post_ids)))
            run("post_metrics", t.post_metrics.delete().where(t.post_metrics.c.post_id.in_(post_ids)))
            for name, table in metadata.tables.items():
                if name not in ("posts", "post_metrics", "comments", "links") and "post_id" in table.c:
                    fk = [f for f in table.c.post_id.foreign_keys if f.column.table.name == "posts"]
                    if fk:
                        run(name, table.delete().where(table.c.post_id.in_(post_ids)))
        raw = metadata.tables.get("connector_raw")
        if raw is not None and post_keys:
            run("connector_raw", raw.delete().where(raw.c.workspace_id == workspace_id,
                                                    raw.c.object_id.in_(post_keys)))
        for platform, handle in handles:
            for table in (t.follower_snapshots, t.audience):
                run(table.name, table.delete().where(table.c.workspace_id == workspace_id,
                                                     table.c.platform == platform, table.c.handle == handle))
        for name, n in event_records.delete(workspace_id, post_ids=post_ids,  # and from the event store
                                            accounts=[(pl, h) for pl, h in handles]).items():
            counts[name] = counts.get(name, 0) + n
        if link_ids:
            conn.execute(click_days.delete().where(click_days.c.link_id.in_(link_ids)))  # counts, no person in them
            run("clicks", t.clicks.delete().where(t.clicks.c.link_id.in_(link_ids)))
            counts["clicks"] += event_clicks.forget_links(workspace_id, link_ids)  # and from the event store
            run("links", t.links.delete().where(t.links.c.id.in_(link_ids)))
        run("codes", t.codes.delete().where(t.codes.c.creator_id == creator_id))
        run("posts", t.posts.delete().where(t.posts.c.creator_id == creator_id))
        run("creator_accounts", t.creator_accounts.delete().where(t.creator_accounts.c.creator_id == creator_id))
        run("campaign_creators", t.campaign_creators.delete().where(t.campaign_creators.c.creator_id == creator_id))
        run("creators", t.creators.delete().where(t.creators.c.id == creator_id))
        audit.record(conn, "creator.forget", workspace_id=workspace_id, user_id=user_id, api_key_id=api_key_id,
                     object_type="creator", object_id=creator_id,
                     detail={k: v for k, v in counts.items() if v})
    return counts


def click_retention(conn: sa.Connection, workspace_id: int) -> int | None:
    return conn.execute(sa.select(data_policies.c.click_retention_days)
                        .where(data_policies.c.workspace_id == workspace_id)).scalar()


def set_click_retention(engine: sa.Engine, workspace_id: int, days: int | None, *, user_id: int | None = None) -> None:
    if days is not None and not (1 <= days <= 36500):
        raise ValueError("click retention must be between 1 and 36500 days (or unset)")
    with engine.begin() as conn:
        key = data_policies.c.workspace_id == workspace_id
        if conn.execute(sa.select(data_policies.c.workspace_id).where(key)).first():
            conn.execute(data_policies.update().where(key).values(click_retention_days=days, updated_at=utcnow()))
        else:
            conn.execute(data_policies.insert().values(workspace_id=workspace_id, click_retention_days=days,
                                                       updated_at=utcnow()))
        audit.record(conn, "policy.click_retention", workspace_id=workspace_id, user_id=user_id,
                     detail={"days": days})


def apply_retention(engine: sa.Engine, *, now: dt.datetime | None = None) -> dict[int, int]:
    """Delete raw clicks older than each workspace's retention; returns deleted rows per workspace."""
    now = now or utcnow()
    done: dict[int, int] = {}
    with engine.begin() as conn:
        policies = conn.execute(sa.select(data_policies.c.workspace_id, data_policies.c.click_retention_days)
                                .where(data_policies.c.click_retention_days.is_not(None))).all()
        for ws, days in policies:
            horizon = now - dt.timedelta(days=days)
            old = t.clicks.c.workspace_id == ws, t.clicks.c.ts < horizon
            links = list(conn.execute(sa.select(t.clicks.c.link_id).distinct().where(*old)).scalars())
            n = conn.execute(t.clicks.delete().where(*old)).rowcount
            n = (n or 0) + event_clicks.apply_retention(ws, horizon)  # and from the event store
            done[ws] = n
            if n:  # windows the deleted hits had opened no longer hold the hits just after the horizon
                unique_windows.derive_after(conn, ws, horizon)
                click_rollups.rebuild(conn, ws, links)
                audit.record(conn, "policy.click_retention_applied", workspace_id=ws,
                             detail={"deleted": n, "before": horizon.isoformat()})
    return done
