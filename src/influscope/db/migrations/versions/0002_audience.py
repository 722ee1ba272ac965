"""audience intelligence: comment_labels, sentiment_cache, account_credibility, mentions,
audience_refresh_state
(mirrors influscope/db/audience.py)

Revision ID: 0002_audience
Revises: 0001_core
Create Date: 2026-11-23
"""
from alembic import op
import sqlalchemy as sa


revision = "0002_audience"
down_revision = "0001_core"
branch_labels = ("audience",)
depends_on = None


def upgrade() -> None:
    op.create_table('comment_labels',
    sa.Column('comment_id', sa.Integer(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('lang', sa.String(length=8), nullable=True),
    sa.Column('label', sa.String(length=3), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('confidence', sa.Float(), nullable=True),
    sa.Column('intent', sa.Boolean(), nullable=False),
    sa.Column('intent_kind', sa.String(length=16), nullable=True),
    sa.Column('model', sa.String(length=64), nullable=False),
    sa.Column('text_hash', sa.String(length=64), nullable=False),
    sa.Column('labelled_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['comment_id'], ['comments.id'], name=op.f('fk_comment_labels_comment_id_comments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_comment_labels_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('comment_id', name=op.f('pk_comment_labels'))
    )
    with op.batch_alter_table('comment_labels', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_comment_labels_workspace_id'), ['workspace_id'], unique=False)

    op.create_table('sentiment_cache',
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('model', sa.String(length=64), nullable=False),
    sa.Column('text_hash', sa.String(length=64), nullable=False),
    sa.Column('lang', sa.String(length=8), nullable=True),
    sa.Column('label', sa.String(length=3), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('confidence', sa.Float(), nullable=True),
    sa.Column('intent', sa.Boolean(), nullable=False),
    sa.Column('intent_kind', sa.String(length=16), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_sentiment_cache_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('workspace_id', 'model', 'text_hash', name=op.f('pk_sentiment_cache'))
    )

    op.create_table('account_credibility',
    sa.Column('creator_account_id', sa.Integer(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('score', sa.Float(), nullable=True),
    sa.Column('reasons', sa.JSON(), nullable=False),
    sa.Column('computed_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['creator_account_id'], ['creator_accounts.id'], name=op.f('fk_account_credibility_creator_account_id_creator_accounts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_account_credibility_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('creator_account_id', name=op.f('pk_account_credibility'))
    )
    with op.batch_alter_table('account_credibility', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_account_credibility_workspace_id'), ['workspace_id'], unique=False)

    op.create_table('mentions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=True),
    sa.Column('comment_id', sa.Integer(), nullable=True),
    sa.Column('term', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('ts', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_mentions_campaign_id_campaigns'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['comment_id'], ['comments.id'], name=op.f('fk_mentions_comment_id_comments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], name=op.f('fk_mentions_post_id_posts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_mentions_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mentions'))
    )
    with op.batch_alter_table('mentions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mentions_campaign_id'), ['campaign_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_mentions_workspace_id'), ['workspace_id'], unique=False)

    op.create_table('audience_refresh_state',
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('scope', sa.String(length=32), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('refreshed_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_audience_refresh_state_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('workspace_id', 'scope', name=op.f('pk_audience_refresh_state'))
    )


def downgrade() -> None:
    op.drop_table('audience_refresh_state')
    with op.batch_alter_table('mentions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mentions_workspace_id'))
        batch_op.drop_index(batch_op.f('ix_mentions_campaign_id'))
    op.drop_table('mentions')
    with op.batch_alter_table('account_credibility', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_account_credibility_workspace_id'))
    op.drop_table('account_credibility')
    op.drop_table('sentiment_cache')
    with op.batch_alter_table('comment_labels', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_comment_labels_workspace_id'))
    op.drop_table('comment_labels')
