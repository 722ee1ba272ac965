"""planning: a campaign's status (planned or started); every existing campaign is started

Revision ID: 0003_planning_campaign_status
Revises: 0002_planning
Create Date: 2026-12-04
"""
import sqlalchemy as sa
from alembic import op

revision = "0003_planning_campaign_status"
down_revision = "0002_planning"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN with a server default on every database: existing campaigns keep every value
    # and read as started (they were imported or created to be measured).
    op.add_column("campaigns", sa.Column("status", sa.String(length=16), server_default="started", nullable=False))


def downgrade() -> None:
    # ALTER TABLE ... DROP COLUMN, never a table copy: copying campaigns on SQLite would drop the table
    # that posts, costs, codes and links cascade from
    op.drop_column("campaigns", "status")
