"""Audience intelligence tables: comment labels, their cache, brand mentions, account credibility.

Written by :func:`influscope.audience.refresh`; read by the KPI engine for
sentiment_positive_pct, sentiment_negative_pct, net_sentiment, purchase_intent_pct,
brand_mentions, share_of_voice and credibility_score.
"""

from __future__ import annotations

import sqlalchemy as sa

from influscope.db.tables import metadata


def _ws() -> sa.Column:
    return sa.Column("workspace_id", sa.Integer, sa.ForeignKey("workspaces.id", ondelete="CASCADE"),
                     nullable=False, index=True)


# One row per classified comment.
comment_labels = sa.Table(
    "comment_labels", metadata,
    sa.Column("comment_id", sa.Integer, sa.ForeignKey("comments.id", ondelete="CASCADE"), primary_key=True),
    _ws(),
    sa.Column("lang", sa.String(8)),  # en | zh-Hant | zh-Hans | ar | other; NULL = no letters (emoji only)
    sa.Column("label", sa.String(3), nullable=False),  # pos | neu | neg
    sa.Column("score", sa.Float, nullable=False),  # polarity P(pos) - P(neg), -1..1
    sa.Column("confidence", sa.Float),  # probability of the label
    sa.Column("intent", sa.Boolean, nullable=False),  # purchase intent or advocacy
    sa.Column("intent_kind", sa.String(16)),  # purchase | desire | advocacy
    sa.Column("model", sa.String(64), nullable=False),  # the sentiment model's id
    sa.Column("text_hash", sa.String(64), nullable=False),  # sha256 of the comment text
    sa.Column("labelled_at", sa.DateTime, nullable=False),
)

# Labels by text hash, so that repeated texts (and re-imports) are not classified again.
sentiment_cache = sa.Table(
    "sentiment_cache", metadata,
    sa.Column("workspace_id", sa.Integer, sa.ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("model", sa.String(64), primary_key=True),
    sa.Column("text_hash", sa.String(64), primary_key=True),
    sa.Column("lang", sa.String(8)),
    sa.Column("label", sa.String(3), nullable=False),
    sa.Column("score", sa.Float, nullable=False),
    sa.Column("confidence", sa.Float),
    sa.Column("intent", sa.Boolean, nullable=False),
    sa.Column("intent_kind", sa.String(16)),
    sa.Column("created_at", sa.DateTime, nullable=False),
)

# One row per creator account: the latest credibility assessment.
account_credibility = sa.Table(
    "account_credibility", metadata,
    sa.Column("creator_account_id", sa.Integer, sa.ForeignKey("creator_accounts.id", ondelete="CASCADE"),
              primary_key=True),
    _ws(),
    sa.Column("score", sa.Float),  # 0-100; NULL when no check could be evaluated (reasons say why)
    sa.Column("reasons", sa.JSON, nullable=False),  # list of checks: id, fired, penalty, figures, message
    sa.Column("computed_at", sa.DateTime, nullable=False),
)

# One row per mentioning post caption or comment and kind (brand | competitor): counting rows counts
# mentions. A caption match has comment_id NULL; a comment match has both the comment and the post
# it was written under. term: the first matching hashtag term, else the first matching term.
mentions = sa.Table(
    "mentions", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    _ws(),
    sa.Column("campaign_id", sa.Integer, sa.ForeignKey("campaigns.id", ondelete="CASCADE"), nullable=False,
              index=True),
    sa.Column("post_id", sa.Integer, sa.ForeignKey("posts.id", ondelete="CASCADE")),
    sa.Column("comment_id", sa.Integer, sa.ForeignKey("comments.id", ondelete="CASCADE")),
    sa.Column("term", sa.String(200), nullable=False),  # as written in brand_terms / competitor_terms
    sa.Column("kind", sa.String(16), nullable=False),  # brand | competitor
    sa.Column("ts", sa.DateTime),  # when the post or comment was published (UTC)
)

# What the last refresh of mentions and credibility saw, per workspace and scope ("campaign:<id>" or
# "workspace"): refresh() skips that work while the fingerprint of its inputs is unchanged.
audience_refresh_state = sa.Table(
    "audience_refresh_state", metadata,
    sa.Column("workspace_id", sa.Integer, sa.ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("scope", sa.String(32), primary_key=True),
    sa.Column("fingerprint", sa.String(64), nullable=False),
    sa.Column("refreshed_at", sa.DateTime, nullable=False),
)
