"""commerce: leads are found by workspace and time, as orders are (mirrors influscope/db/tables.py)

Crediting reads a workspace's leads of a span (the campaign's days plus the attribution window);
without this index SQLite reads every lead of the workspace to find them.

Revision ID: 0005_commerce_lead_times
Revises: 0004_commerce_order_utm
Create Date: 2026-12-05
"""
from alembic import op

revision = "0005_commerce_lead_times"
down_revision = "0004_commerce_order_utm"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('leads', schema=None) as batch_op:
        batch_op.create_index('ix_leads_ts', ['workspace_id', 'ts'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('leads', schema=None) as batch_op:
        batch_op.drop_index('ix_leads_ts')
