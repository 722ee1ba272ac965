"""planning: candidate_lists, candidates (mirrors influscope/db/planning.py)

Revision ID: 0002_planning
Revises: 0001_core
Create Date: 2026-12-04
"""
from alembic import op
import sqlalchemy as sa
import influscope.db.types


revision = "0002_planning"
down_revision = "0001_core"
branch_labels = ("planning",)
depends_on = None


def upgrade() -> None:
    op.create_table('candidate_lists',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_candidate_lists_campaign_id_campaigns'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_candidate_lists_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_candidate_lists')),
    sa.UniqueConstraint('workspace_id', 'slug', name=op.f('uq_candidate_lists_workspace_id'))
    )
    with op.batch_alter_table('candidate_lists', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_candidate_lists_workspace_id'), ['workspace_id'], unique=False)

    op.create_table('candidates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('list_id', sa.Integer(), nullable=False),
    sa.Column('creator_id', sa.Integer(), nullable=True),
    sa.Column('platform', sa.String(length=32), nullable=False),
    sa.Column('handle', sa.String(length=128), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=True),
    sa.Column('followers', sa.BigInteger(), nullable=True),
    sa.Column('metrics', sa.JSON(), nullable=False),
    sa.Column('posts', sa.Integer(), nullable=True),
    sa.Column('quoted_fee', influscope.db.types.Money(), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=True),
    sa.Column('min_deliverables', sa.Integer(), nullable=False),
    sa.Column('max_deliverables', sa.Integer(), nullable=False),
    sa.Column('choice', sa.String(length=8), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['creator_id'], ['creators.id'], name=op.f('fk_candidates_creator_id_creators'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['list_id'], ['candidate_lists.id'], name=op.f('fk_candidates_list_id_candidate_lists'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_candidates_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_candidates')),
    sa.UniqueConstraint('list_id', 'platform', 'handle', name=op.f('uq_candidates_list_id'))
    )
    with op.batch_alter_table('candidates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_candidates_list_id'), ['list_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_candidates_workspace_id'), ['workspace_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('candidates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_candidates_workspace_id'))
        batch_op.drop_index(batch_op.f('ix_candidates_list_id'))

    op.drop_table('candidates')
    with op.batch_alter_table('candidate_lists', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_candidate_lists_workspace_id'))

    op.drop_table('candidate_lists')
