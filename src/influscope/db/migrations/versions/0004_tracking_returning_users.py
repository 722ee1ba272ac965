"""tracking: returning users in site traffic

Revision ID: 0004_tracking_returning_users
Revises: 0003_tracking_unique_windows
Create Date: 2026-12-04
"""
from alembic import op
import sqlalchemy as sa


revision = "0004_tracking_returning_users"
down_revision = "0003_tracking_unique_windows"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("traffic", sa.Column("returning_users", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    op.drop_column("traffic", "returning_users")
