"""connectors: daily per-post metrics (what a post got on each day)

Revision ID: 0003_connectors_post_days
Revises: 0002_connectors
Create Date: 2026-12-04
"""
from alembic import op
import sqlalchemy as sa


revision = "0003_connectors_post_days"
down_revision = "0002_connectors"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('post_daily_metrics',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('metric', sa.String(length=64), nullable=False),
    sa.Column('value', sa.Float(), nullable=True),
    sa.Column('reason', sa.String(length=200), nullable=True),
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], name=op.f('fk_post_daily_metrics_post_id_posts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_post_daily_metrics_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_post_daily_metrics')),
    sa.UniqueConstraint('post_id', 'date', 'metric', name=op.f('uq_post_daily_metrics_post_id'))
    )
    with op.batch_alter_table('post_daily_metrics', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_post_daily_metrics_workspace_id'), ['workspace_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('post_daily_metrics', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_post_daily_metrics_workspace_id'))
    op.drop_table('post_daily_metrics')
