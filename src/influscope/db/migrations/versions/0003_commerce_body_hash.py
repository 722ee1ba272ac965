"""commerce: webhook deliveries remember a hash of their verified body (mirrors influscope/db/commerce.py)

Revision ID: 0003_commerce_body_hash
Revises: 0002_commerce
Create Date: 2026-12-04
"""
import sqlalchemy as sa
from alembic import op

revision = "0003_commerce_body_hash"
down_revision = "0002_commerce"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('webhook_deliveries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('body_sha256', sa.String(length=64), nullable=True))
        batch_op.create_index('ux_webhook_deliveries_body_sha256', ['store_id', 'body_sha256'], unique=True)


def downgrade() -> None:
    with op.batch_alter_table('webhook_deliveries', schema=None) as batch_op:
        batch_op.drop_index('ux_webhook_deliveries_body_sha256')
        batch_op.drop_column('body_sha256')
