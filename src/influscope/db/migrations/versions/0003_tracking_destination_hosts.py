"""tracking: a workspace's allow-list of link destination hosts (mirrors influscope/db/tracking.py)

Revision ID: 0003_tracking_destination_hosts
Revises: 0002_tracking
Create Date: 2026-12-04
"""
import sqlalchemy as sa
from alembic import op

revision = "0003_tracking_destination_hosts"
down_revision = "0002_tracking"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "destination_hosts",
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("host", sa.String(length=253), nullable=False),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspaces.id"],
                                name=op.f("fk_destination_hosts_workspace_id_workspaces"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("workspace_id", "host", name=op.f("pk_destination_hosts")),
    )


def downgrade() -> None:
    op.drop_table("destination_hosts")
