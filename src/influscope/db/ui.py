"""Dashboard tables: per-user interface preferences (the language the user chose)."""

from __future__ import annotations

import sqlalchemy as sa

from influscope.db.tables import metadata

# user_id is the id of influscope.db.auth.users. There is no foreign key: this area's migration
# branches from the core revision like every area's, so it cannot rely on the accounts branch
# having run first; a row of a deleted user is never read (it only holds a language code).
user_preferences = sa.Table(
    "user_preferences", metadata,
    sa.Column("user_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("lang", sa.String(16), nullable=False),  # en | zh-Hant | ar
    sa.Column("updated_at", sa.DateTime, nullable=False),
)
