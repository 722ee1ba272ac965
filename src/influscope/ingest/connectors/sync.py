"""Configured connector accounts and ``sync``: fetch each account's window, write it, remember where
it stopped.

The window of a run is ``[since, until]``; ``until`` (default: the start of the current UTC hour)
is also the ``as_of`` of every metric snapshot the run writes. Upserts are keyed by platform,
object id, metric and as_of, so running the same window again changes nothing, and a later window
adds new snapshots beside the old ones.
"""

from __future__ import annotations

import datetime as dt
import importlib
import time
from dataclasses import dataclass, field
from typing import Any, Callable

import httpx
import sqlalchemy as sa

from influscope.db import connectors as ct
from influscope.db import slugs
from influscope.db import tables as t
from influscope.events import records as event_records
from influscope.ingest.canonical import ImportReport, ensure_workspace, normalise_handle
from influscope.ingest.connectors.base import Context, ConnectorError, read_token
from influscope.ingest.connectors.store import Batch, utcnow, write_batch

CONNECTORS = {
    "instagram": "influscope.ingest.connectors.instagram:InstagramConnector",
    "tiktok": "influscope.ingest.connectors.tiktok:TikTokConnector",
    "youtube": "influscope.ingest.connectors.youtube:YouTubeConnector",
    "facebook": "influscope.ingest.connectors.facebook:FacebookConnector",
    "x": "influscope.ingest.connectors.x:XConnector",
    "ga4": "influscope.ingest.connectors.ga4:GA4Connector",
}
RUN_STREAM = "run"


def connector_for(platform: str):
    if platform not in CONNECTORS:
        raise ConnectorError(f"unknown platform {platform!r} (one of {', '.join(CONNECTORS)})")
    module, _, cls = CONNECTORS[platform].partition(":")
    return getattr(importlib.import_module(module), cls)()


def _ws_id(conn: sa.Connection, workspace: str) -> int:
    return ensure_workspace(conn, workspace)


def add_account(engine: sa.Engine, name: str, platform: str, account_id: str, *, token_ref: str | None = None,
                handle: str | None = None, campaign: str | None = None, creator: str | None = None,
                options: dict[str, Any] | None = None, workspace: str = "default") -> int:
    """Create or update the connector account NAME (the token itself is never stored)."""
    if platform not in CONNECTORS:
        raise ConnectorError(f"unknown platform {platform!r} (one of {', '.join(CONNECTORS)})")
    with engine.begin() as conn:
        ws = _ws_id(conn, workspace)
        campaign_id = creator_id = None
        if campaign:
            campaign_id = conn.execute(sa.select(t.campaigns.c.id).where(
                t.campaigns.c.workspace_id == ws, t.campaigns.c.slug == campaign)).scalar()
            if campaign_id is None:
                raise ConnectorError(f"no campaign {campaign!r} in workspace {workspace!r}")
        if creator:
            creator_id = conn.execute(sa.select(t.creators.c.id).where(
                t.creators.c.workspace_id == ws, t.creators.c.key == creator)).scalar()
            if creator_id is None:
                raise ConnectorError(f"no creator {creator!r} in workspace {workspace!r}")
        values = {"platform": platform, "account_id": account_id, "token_ref": token_ref,
                  "handle": normalise_handle(handle) if handle else None, "campaign_id": campaign_id,
                  "creator_id": creator_id, "options": options or {}, "enabled": True}
        found = conn.execute(sa.select(ct.connector_accounts.c.id).where(
            ct.connector_accounts.c.workspace_id == ws, ct.connector_accounts.c.name == name)).scalar()
        if found is not None:
            conn.execute(ct.connector_accounts.update().where(ct.connector_accounts.c.id == found).values(**values))
            return found
        return conn.execute(ct.connector_accounts.insert().values(workspace_id=ws, name=name, created_at=utcnow(),
                                                                  **values)).inserted_primary_key[0]


def list_accounts(engine: sa.Engine, workspace: str = "default") -> list[dict[str, Any]]:
    ca = ct.connector_accounts
    with engine.connect() as conn:
        ws = slugs.workspace_id(conn, workspace)
        if ws is None:
            return []
        last = (sa.select(ct.connector_state.c.last_until).where(
            ct.connector_state.c.connector_id == ca.c.id, ct.connector_state.c.stream == RUN_STREAM)
            .scalar_subquery())
        q = (sa.select(ca.c.name, ca.c.platform, ca.c.account_id, ca.c.handle, ca.c.token_ref, ca.c.enabled,
                       t.campaigns.c.slug.label("campaign"), last.label("last_until"))
             .outerjoin(t.campaigns, t.campaigns.c.id == ca.c.campaign_id)
             .where(ca.c.workspace_id == ws).order_by(ca.c.name))
        return [dict(r._mapping) for r in conn.execute(q)]


@dataclass
class SyncResult:
    name: str
    platform: str
    since: dt.datetime
    until: dt.datetime
    report: ImportReport | None = None
    notes: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None

    @property
    def changes(self) -> int:
        return self.report.changes if self.report else 0

    def as_dict(self) -> dict[str, Any]:
        return {"account": self.name, "platform": self.platform, "since": self.since.isoformat() + "Z",
                "until": self.until.isoformat() + "Z", "changes": self.changes, "notes": self.notes,
                "error": self.error, "files": self.report.as_dict()["files"] if self.report else {}}


def default_until(now: dt.datetime | None = None) -> dt.datetime:
    now = now or utcnow()
    return now.replace(minute=0, second=0, microsecond=0)


def sync_account(engine: sa.Engine, name: str, *, workspace: str = "default", since: dt.datetime | None = None,
                 until: dt.datetime | None = None, transport: httpx.BaseTransport | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> SyncResult:
    """Run one connector account over its window and write what it returns in one transaction."""
    ca = ct.connector_accounts
    with engine.connect() as conn:
        ws = slugs.workspace_id(conn, workspace)
        acc = None if ws is None else conn.execute(sa.select(ca).where(
            ca.c.workspace_id == ws, ca.c.name == name)).mappings().first()
        if acc is None:
            raise ConnectorError(f"no connector account {name!r} in workspace {workspace!r}")
        states = {r.stream: r._mapping for r in conn.execute(sa.select(ct.connector_state).where(
            ct.connector_state.c.connector_id == acc["id"]))}
        terms: list[str] = []
        known: list[str] = []
        if acc["campaign_id"]:
            terms = conn.execute(sa.select(t.campaigns.c.brand_terms).where(
                t.campaigns.c.id == acc["campaign_id"])).scalar() or []
        if acc["campaign_id"] and acc["creator_id"]:
            known = list(conn.execute(sa.select(t.posts.c.key).where(
                t.posts.c.workspace_id == ws, t.posts.c.campaign_id == acc["campaign_id"],
                t.posts.c.creator_id == acc["creator_id"], t.posts.c.platform == acc["platform"])
                .order_by(t.posts.c.key)).scalars())
    options = dict(acc["options"] or {})
    until = until or default_until()
    if since is None:
        last = states.get(RUN_STREAM, {}).get("last_until") if RUN_STREAM in states else None
        since = last if last is not None and last <= until else until - dt.timedelta(days=int(options.get("initial_days", 28)))
    result = SyncResult(name, acc["platform"], since, until)
    started = utcnow()
    retired = {s: list(v["retired_metrics"] or []) for s, v in states.items() if v["retired_metrics"]}
    try:
        connector = connector_for(acc["platform"])
        needs = getattr(connector, "needs_token", None)
        token = read_token(acc["token_ref"]) if (needs is None or needs(options) or acc["token_ref"]) else ""
        ctx = Context(account_id=acc["account_id"], token=token, since=since, until=until,
                      handle=acc["handle"], campaign_id=acc["campaign_id"], creator_id=acc["creator_id"],
                      brand_terms=list(terms), known_posts=known, options=options, retired=retired, sleep=sleep, transport=transport)
        batch: Batch = connector.fetch(ctx)
        result.notes = batch.notes
        with engine.begin() as conn:
            result.report = write_batch(conn, workspace, batch)
            event_records.write_pending(conn)  # the event store's counts belong to the run's changes
            _save_state(conn, acc["id"], RUN_STREAM, until, [])
            for stream, metrics in ctx.retired.items():
                _save_state(conn, acc["id"], stream, None, metrics)
            conn.execute(ct.connector_runs.insert().values(
                connector_id=acc["id"], started_at=started, finished_at=utcnow(), since=since, until=until,
                status="ok", changes=result.changes, notes=batch.notes))
    except Exception as exc:  # recorded on the run, then re-raised for the caller
        result.error = str(exc)
        with engine.begin() as conn:
            conn.execute(ct.connector_runs.insert().values(
                connector_id=acc["id"], started_at=started, finished_at=utcnow(), since=since, until=until,
                status="failed", changes=0, notes=result.notes, error=str(exc)[:2000]))
        exc.sync_result = result  # type: ignore[attr-defined]
        raise
    return result


def _save_state(conn: sa.Connection, connector_id: int, stream: str, last_until: dt.datetime | None,
                retired: list[str]) -> None:
    st = ct.connector_state
    row = conn.execute(sa.select(st).where(st.c.connector_id == connector_id, st.c.stream == stream)).mappings().first()
    if row is None:
        conn.execute(st.insert().values(connector_id=connector_id, stream=stream, last_until=last_until,
                                        retired_metrics=retired, updated_at=utcnow()))
        return
    values: dict[str, Any] = {}
    if last_until is not None and row["last_until"] != last_until:
        values["last_until"] = last_until
    if retired and sorted(set(row["retired_metrics"] or []) | set(retired)) != sorted(row["retired_metrics"] or []):
        values["retired_metrics"] = sorted(set(row["retired_metrics"] or []) | set(retired))
    if values:
        conn.execute(st.update().where(st.c.id == row["id"]).values(updated_at=utcnow(), **values))


def sync_all(engine: sa.Engine, *, workspace: str = "default", names: list[str] | None = None,
             since: dt.datetime | None = None, until: dt.datetime | None = None,
             on_done: Callable[[SyncResult], None] | None = None, **kw: Any) -> list[SyncResult]:
    """Run every enabled account (or NAMES); a failing account is reported and the others still run."""
    accounts = [a for a in list_accounts(engine, workspace) if a["enabled"] and (not names or a["name"] in names)]
    results = []
    for acc in accounts:
        try:
            res = sync_account(engine, acc["name"], workspace=workspace, since=since, until=until, **kw)
        except Exception as exc:
            res = getattr(exc, "sync_result", None) or SyncResult(
                acc["name"], acc["platform"], since or default_until(), until or default_until(), error=str(exc))
        results.append(res)
        if on_done:
            on_done(res)
    return results
