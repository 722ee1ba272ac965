"""tracking: keep each click's user agent and request hints, so bot rules can be applied again

Revision ID: 0004_tracking_click_agent
Revises: 0003_tracking_unique_windows
Create Date: 2026-12-04
"""
import sqlalchemy as sa
from alembic import op

revision = "0004_tracking_click_agent"
down_revision = "0003_tracking_unique_windows"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN on every database (no table copy): existing clicks keep everything, with NULL here.
    op.add_column("clicks", sa.Column("user_agent", sa.Text(), nullable=True))
    op.add_column("clicks", sa.Column("request_hints", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("clicks") as batch:
        batch.drop_column("request_hints")
        batch.drop_column("user_agent")
