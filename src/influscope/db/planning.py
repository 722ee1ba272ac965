"""Planning tables: candidate lists for a planned campaign, and the creators on them.

A list may be tied to a campaign (the one being planned; its currency, goal and targets apply)
or stand alone (a named shortlist). A candidate is a creator of the store (``creator_id``) or a
prospect known only by platform, handle, follower count and recent post metrics.
"""

from __future__ import annotations

import sqlalchemy as sa

from influscope.db.tables import metadata
from influscope.db.types import Money

CHOICES = ("auto", "include", "exclude")  # let the split decide, always book, never book

candidate_lists = sa.Table(
    "candidate_lists", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("workspace_id", sa.Integer, sa.ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False,
              index=True),
    sa.Column("slug", sa.String(64), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("campaign_id", sa.Integer, sa.ForeignKey("campaigns.id", ondelete="SET NULL")),
    sa.Column("created_at", sa.DateTime, nullable=False, server_default=sa.func.current_timestamp()),
    sa.UniqueConstraint("workspace_id", "slug"),
)

candidates = sa.Table(
    "candidates", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("workspace_id", sa.Integer, sa.ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False,
              index=True),
    sa.Column("list_id", sa.Integer, sa.ForeignKey("candidate_lists.id", ondelete="CASCADE"), nullable=False,
              index=True),
    sa.Column("creator_id", sa.Integer, sa.ForeignKey("creators.id", ondelete="CASCADE")),  # NULL: a prospect
    sa.Column("platform", sa.String(32), nullable=False),
    sa.Column("handle", sa.String(128), nullable=False),  # lower case, without '@'
    sa.Column("name", sa.String(200)),
    sa.Column("followers", sa.BigInteger),  # prospects; store creators use their latest count
    sa.Column("metrics", sa.JSON, nullable=False, default=dict),  # typical recent post: reach, impressions, ...
    sa.Column("posts", sa.Integer),  # how many recent posts those metrics average
    sa.Column("quoted_fee", Money),  # per deliverable, in the list's currency
    sa.Column("currency", sa.String(3)),
    sa.Column("min_deliverables", sa.Integer, nullable=False, default=1),
    sa.Column("max_deliverables", sa.Integer, nullable=False, default=1),
    sa.Column("choice", sa.String(8), nullable=False, default="auto"),  # auto | include | exclude
    sa.Column("note", sa.Text),
    sa.Column("created_at", sa.DateTime, nullable=False, server_default=sa.func.current_timestamp()),
    sa.UniqueConstraint("list_id", "platform", "handle"),
)
