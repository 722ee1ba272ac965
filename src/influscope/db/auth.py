"""Accounts and access: users, workspace memberships, API keys, login sessions, share links,
the audit log, login attempts (for rate limiting) and per-workspace data-protection policies.

Secrets are never stored: passwords are argon2id hashes, API keys, session tokens and share-link
tokens are stored as SHA-256 digests of high-entropy random tokens (only a short non-secret
``prefix`` is kept for display). No IP address is stored anywhere: login attempts are keyed by a
digest of the e-mail address.
"""

from __future__ import annotations

import sqlalchemy as sa

from influscope.db.tables import metadata

ROLES = ("owner", "admin", "analyst", "viewer")
SCOPES = ("read", "write")


def _created() -> sa.Column:
    return sa.Column("created_at", sa.DateTime, nullable=False, server_default=sa.func.current_timestamp())


users = sa.Table(
    "users", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("email", sa.String(254), nullable=False, unique=True),  # stored lower case
    sa.Column("name", sa.String(200)),
    sa.Column("password_hash", sa.String(255), nullable=False),  # argon2id, PHC string format
    sa.Column("is_active", sa.Boolean, nullable=False, default=True),
    sa.Column("password_changed_at", sa.DateTime),
    sa.Column("last_login_at", sa.DateTime),
    _created(),
)

memberships = sa.Table(
    "memberships", metadata,
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("workspace_id", sa.Integer, sa.ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("role", sa.String(16), nullable=False),  # owner | admin | analyst | viewer
    sa.Column("can_see_costs", sa.Boolean, nullable=False, default=False),  # only matters for viewers
    _created(),
)

api_keys = sa.Table(
    "api_keys", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("workspace_id", sa.Integer, sa.ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False,
              index=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL")),  # who created it
    sa.Column("name", sa.String(200), nullable=False, default=""),
    sa.Column("prefix", sa.String(16), nullable=False, unique=True),  # shown in listings, not secret
    sa.Column("key_hash", sa.String(64), nullable=False, unique=True),  # sha256 hex of the whole key
    sa.Column("scopes", sa.String(64), nullable=False),  # space separated: "read" or "read write"
    sa.Column("can_see_costs", sa.Boolean, nullable=False, default=False),
    sa.Column("expires_at", sa.DateTime),
    sa.Column("revoked_at", sa.DateTime),
    sa.Column("last_used_at", sa.DateTime),
    _created(),
)

login_sessions = sa.Table(
    "login_sessions", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),  # sha256 hex of the cookie value
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("workspace_id", sa.Integer, sa.ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    sa.Column("csrf_token", sa.String(64), nullable=False),
    sa.Column("expires_at", sa.DateTime, nullable=False),
    sa.Column("last_seen_at", sa.DateTime),
    _created(),
)

share_links = sa.Table(
    "share_links", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("workspace_id", sa.Integer, sa.ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False,
              index=True),
    sa.Column("campaign_id", sa.Integer, sa.ForeignKey("campaigns.id", ondelete="CASCADE"), nullable=False,
              index=True),
    sa.Column("prefix", sa.String(16), nullable=False, unique=True),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("show_budget", sa.Boolean, nullable=False, default=False),
    sa.Column("expires_at", sa.DateTime),
    sa.Column("revoked_at", sa.DateTime),
    sa.Column("last_used_at", sa.DateTime),
    sa.Column("created_by", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL")),
    _created(),
)

audit_log = sa.Table(
    "audit_log", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("ts", sa.DateTime, nullable=False),
    sa.Column("workspace_id", sa.Integer, sa.ForeignKey("workspaces.id", ondelete="CASCADE"), index=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL")),
    sa.Column("api_key_id", sa.Integer, sa.ForeignKey("api_keys.id", ondelete="SET NULL")),
    sa.Column("action", sa.String(64), nullable=False),  # login, login_failed, campaign.update, ...
    sa.Column("object_type", sa.String(32)),
    sa.Column("object_id", sa.String(128)),
    sa.Column("detail", sa.JSON),
)

login_attempts = sa.Table(
    "login_attempts", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("subject", sa.String(64), nullable=False),  # sha256 hex of the lower-cased e-mail
    sa.Column("ts", sa.DateTime, nullable=False),
    sa.Column("success", sa.Boolean, nullable=False),
    sa.Index("ix_login_attempts_subject_ts", "subject", "ts"),
)

data_policies = sa.Table(
    "data_policies", metadata,
    sa.Column("workspace_id", sa.Integer, sa.ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("click_retention_days", sa.Integer),  # NULL = keep raw clicks forever
    sa.Column("updated_at", sa.DateTime),
)
