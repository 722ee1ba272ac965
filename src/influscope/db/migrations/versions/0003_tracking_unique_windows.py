"""tracking: unique-click window flags kept on each click

Revision ID: 0003_tracking_unique_windows
Revises: 0002_tracking
Create Date: 2026-12-04

Adds the six flags (three window presets, without and with bots) and the index the derivation
reads, replacing the (link_id, ts) index, then derives the flags of every stored click.
"""
from alembic import op
import sqlalchemy as sa


revision = "0003_tracking_unique_windows"
down_revision = "0002_tracking"
branch_labels = None
depends_on = None

FLAGS = ("unique_30m", "unique_1h", "unique_1d", "unique_30m_with_bots", "unique_1h_with_bots", "unique_1d_with_bots")


def upgrade() -> None:
    for name in FLAGS:
        op.add_column("clicks", sa.Column(name, sa.Boolean(), nullable=True))
    op.drop_index("ix_clicks_link_ts", table_name="clicks")
    op.create_index("ix_clicks_link_visitor_ts", "clicks", ["link_id", "visitor_hash", "ts"], unique=False)
    from influscope.metrics.unique_windows import rebuild

    rebuild(op.get_bind())


def downgrade() -> None:
    op.drop_index("ix_clicks_link_visitor_ts", table_name="clicks")
    op.create_index("ix_clicks_link_ts", "clicks", ["link_id", "ts"], unique=False)
    for name in reversed(FLAGS):
        op.drop_column("clicks", name)
