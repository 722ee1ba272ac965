"""Tables of the platform connectors and native-export importers.

- ``connector_accounts``: one configured account per platform login (an Instagram business account,
  a TikTok business id, a YouTube channel, a Facebook Page, an X user, a GA4 property). The access
  token is never stored: ``token_ref`` names where to read it (``env:VAR`` or ``file:PATH``).
- ``connector_state``: incremental sync state per account and stream (last window end, cursor,
  metrics the platform has retired for this account).
- ``connector_runs``: one row per sync run with its notes (retired metrics dropped, rate-limit
  waits, metrics that were hidden).
- ``connector_raw``: the raw payload beside every normalised record, keyed like the record
  (platform, object id, as_of).
- ``account_metrics``: account-level daily series that have no canonical table of their own
  (profile views, account reach, key events...), one row per (platform, account, day, metric);
  a hidden value is NULL with its reason.
- ``post_daily_metrics``: what a post got on one day (its views on that day, not a running total),
  one row per (post, day, metric), as a platform's daily per-post chart reports it. Unlike a
  ``post_metrics`` snapshot it says nothing about the post's lifetime total.
"""

from __future__ import annotations

import sqlalchemy as sa

from influscope.db.tables import metadata


def _ws() -> sa.Column:
    return sa.Column("workspace_id", sa.Integer, sa.ForeignKey("workspaces.id", ondelete="CASCADE"),
                     nullable=False, index=True)


connector_accounts = sa.Table(
    "connector_accounts", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    _ws(),
    sa.Column("name", sa.String(64), nullable=False),
    sa.Column("platform", sa.String(32), nullable=False),  # instagram, tiktok, youtube, facebook, x, ga4
    sa.Column("account_id", sa.String(128), nullable=False),  # the platform's id of the account/page/property
    sa.Column("handle", sa.String(128)),  # lower case, without '@'
    sa.Column("campaign_id", sa.Integer, sa.ForeignKey("campaigns.id", ondelete="SET NULL")),
    sa.Column("creator_id", sa.Integer, sa.ForeignKey("creators.id", ondelete="SET NULL")),
    sa.Column("token_ref", sa.String(300)),  # env:NAME or file:PATH; never the token itself
    sa.Column("options", sa.JSON, nullable=False, default=dict),
    sa.Column("enabled", sa.Boolean, nullable=False, default=True),
    sa.Column("created_at", sa.DateTime, nullable=False, server_default=sa.func.current_timestamp()),
    sa.UniqueConstraint("workspace_id", "name"),
)

connector_state = sa.Table(
    "connector_state", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("connector_id", sa.Integer, sa.ForeignKey("connector_accounts.id", ondelete="CASCADE"),
              nullable=False),
    sa.Column("stream", sa.String(64), nullable=False),
    sa.Column("last_until", sa.DateTime),
    sa.Column("cursor", sa.Text),
    sa.Column("retired_metrics", sa.JSON, nullable=False, default=list),
    sa.Column("updated_at", sa.DateTime),
    sa.UniqueConstraint("connector_id", "stream"),
)

connector_runs = sa.Table(
    "connector_runs", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("connector_id", sa.Integer, sa.ForeignKey("connector_accounts.id", ondelete="CASCADE"),
              nullable=False, index=True),
    sa.Column("started_at", sa.DateTime, nullable=False),
    sa.Column("finished_at", sa.DateTime),
    sa.Column("since", sa.DateTime),
    sa.Column("until", sa.DateTime),
    sa.Column("status", sa.String(16), nullable=False),  # ok, failed
    sa.Column("changes", sa.Integer, nullable=False, default=0),
    sa.Column("notes", sa.JSON, nullable=False, default=list),
    sa.Column("error", sa.Text),
)

connector_raw = sa.Table(
    "connector_raw", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    _ws(),
    sa.Column("platform", sa.String(32), nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),  # media, media_insights, account, video, report, ...
    sa.Column("object_id", sa.String(200), nullable=False),
    sa.Column("as_of", sa.DateTime, nullable=False),
    sa.Column("payload", sa.JSON, nullable=False),
    sa.UniqueConstraint("workspace_id", "platform", "kind", "object_id", "as_of"),
)

account_metrics = sa.Table(
    "account_metrics", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    _ws(),
    sa.Column("platform", sa.String(32), nullable=False),
    sa.Column("handle", sa.String(128), nullable=False),  # account handle, page id or GA4 property id
    sa.Column("date", sa.Date, nullable=False),
    sa.Column("metric", sa.String(64), nullable=False),
    sa.Column("value", sa.Float),  # NULL = not reported (see reason)
    sa.Column("reason", sa.String(200)),
    sa.Column("source", sa.String(64), nullable=False),
    sa.UniqueConstraint("workspace_id", "platform", "handle", "date", "metric"),
)

post_daily_metrics = sa.Table(
    "post_daily_metrics", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    _ws(),
    sa.Column("post_id", sa.Integer, sa.ForeignKey("posts.id", ondelete="CASCADE"), nullable=False),
    sa.Column("date", sa.Date, nullable=False),  # the day as the platform's chart reports it
    sa.Column("metric", sa.String(64), nullable=False),  # views, watch_time_s, likes, comments, shares, ...
    sa.Column("value", sa.Float),  # what that day added; NULL = not reported (see reason)
    sa.Column("reason", sa.String(200)),
    sa.Column("source", sa.String(64), nullable=False),
    sa.UniqueConstraint("post_id", "date", "metric"),
)
