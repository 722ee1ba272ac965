"""tracking: daily visitor-hash salts

Revision ID: 0002_tracking
Revises: 0001_core
Create Date: 2026-11-23
"""
from alembic import op
import sqlalchemy as sa


revision = "0002_tracking"
down_revision = "0001_core"
branch_labels = ("tracking",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tracking_salts",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("salt", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_tracking_salts")),
    )


def downgrade() -> None:
    op.drop_table("tracking_salts")
