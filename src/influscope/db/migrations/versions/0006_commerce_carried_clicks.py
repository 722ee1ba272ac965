"""commerce: orders and leads keep the link and age of the click they carry (mirrors influscope/db/tables.py)

The columns are kept by triggers on orders, leads and clicks (influscope.attribution.carried),
which this revision creates and then fills from the raw records. A later revision that rebuilds
one of these tables (SQLite drops a table's triggers with it) is followed by
influscope.attribution.carried.ensure, which every upgrade runs.

Revision ID: 0006_commerce_carried_clicks
Revises: 0005_commerce_lead_times
Create Date: 2026-12-05
"""
import sqlalchemy as sa
from alembic import op

revision = "0006_commerce_carried_clicks"
down_revision = "0005_commerce_lead_times"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for name in ("orders", "leads"):
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.add_column(sa.Column('click_link_id', sa.Integer(), nullable=True))
            batch_op.add_column(sa.Column('click_age_s', sa.BigInteger(), nullable=True))
            batch_op.create_index(f'ix_{name}_click', ['workspace_id', 'click_id'], unique=False)
    from influscope.attribution import carried

    carried.install(op.get_bind())


def downgrade() -> None:
    from influscope.attribution import carried

    carried.uninstall(op.get_bind())
    for name in ("leads", "orders"):
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.drop_index(f'ix_{name}_click')
            batch_op.drop_column('click_age_s')
            batch_op.drop_column('click_link_id')
