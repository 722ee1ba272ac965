"""commerce: orders keep their landing URL's utm_content and utm_source (mirrors influscope/db/tables.py)

Revision ID: 0004_commerce_order_utm
Revises: 0003_commerce_body_hash
Create Date: 2026-12-04
"""
import sqlalchemy as sa
from alembic import op

revision = "0004_commerce_order_utm"
down_revision = "0003_commerce_body_hash"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('landing_utm_content', sa.String(length=256), nullable=True))
        batch_op.add_column(sa.Column('landing_utm_source', sa.String(length=64), nullable=True))
    from influscope.attribution import landing

    landing.rebuild(op.get_bind())


def downgrade() -> None:
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_column('landing_utm_source')
        batch_op.drop_column('landing_utm_content')
