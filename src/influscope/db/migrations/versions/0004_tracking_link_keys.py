"""tracking: a link's key per workspace, apart from its public path

Revision ID: 0004_tracking_link_keys
Revises: 0003_tracking_destination_hosts
Create Date: 2026-12-04

Links get ``key``, their id within the workspace (what the bundle's ``link_id``, the API and the
CLI call the slug), unique per workspace; ``slug`` stays the public path after ``/l/``, unique
everywhere, and may now be ``<workspace>/<key>``. Every stored link keeps its path, so every short
URL already handed out keeps working; its key is its old slug.

No table is rebuilt: on SQLite a rebuild drops the old table, and with foreign keys on that would
cascade to the clicks. SQLite does not enforce VARCHAR lengths, so only PostgreSQL widens ``slug``.
"""
import sqlalchemy as sa
from alembic import op

revision = "0004_tracking_link_keys"
down_revision = "0003_tracking_destination_hosts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("links", sa.Column("key", sa.String(length=64), nullable=True))
    op.execute("UPDATE links SET key = slug")
    op.create_index("uq_links_workspace_key", "links", ["workspace_id", "key"], unique=True)
    if op.get_bind().dialect.name != "sqlite":
        op.alter_column("links", "slug", type_=sa.String(length=130), existing_nullable=False)


def downgrade() -> None:
    op.drop_index("uq_links_workspace_key", table_name="links")
    op.drop_column("links", "key")  # a native DROP COLUMN on SQLite 3.35+: no rebuild, no cascade
    if op.get_bind().dialect.name != "sqlite":
        op.alter_column("links", "slug", type_=sa.String(length=64), existing_nullable=False)
