"""tracking: clicks rolled up per link, local day and bot flag (mirrors influscope/db/tracking.py)

Revision ID: 0005_tracking_click_days
Revises: 0004_tracking_click_agent
Create Date: 2026-12-05

Creates ``click_days`` and fills it from every stored click, each link's days in its campaign's
time zone (influscope.metrics.click_rollups.rebuild).
"""
import sqlalchemy as sa
from alembic import op

revision = "0005_tracking_click_days"
down_revision = "0004_tracking_click_agent"
branch_labels = None
depends_on = None

FLAGS = ("unique_30m", "unique_1h", "unique_1d", "unique_30m_with_bots", "unique_1h_with_bots", "unique_1d_with_bots")


def upgrade() -> None:
    op.create_table(
        "click_days",
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("link_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("zone", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("is_bot", sa.Boolean(), nullable=False),
        sa.Column("hits", sa.BigInteger(), nullable=False),
        *(sa.Column(name, sa.BigInteger(), nullable=False) for name in FLAGS),
        sa.ForeignKeyConstraint(["link_id"], ["links.id"], name=op.f("fk_click_days_link_id_links"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspaces.id"], name=op.f("fk_click_days_workspace_id_workspaces"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("link_id", "zone", "day", "is_bot", name=op.f("pk_click_days")),
    )
    from influscope.metrics.click_rollups import rebuild

    rebuild(op.get_bind())


def downgrade() -> None:
    op.drop_table("click_days")
