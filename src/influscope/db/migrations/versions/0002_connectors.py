"""connectors: connector accounts, sync state and runs, raw payloads, account metrics

Revision ID: 0002_connectors
Revises: 0001_core
Create Date: 2026-11-23
"""
from alembic import op
import sqlalchemy as sa


revision = "0002_connectors"
down_revision = "0001_core"
branch_labels = ("connectors",)
depends_on = None


def upgrade() -> None:
    op.create_table('account_metrics',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('platform', sa.String(length=32), nullable=False),
    sa.Column('handle', sa.String(length=128), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('metric', sa.String(length=64), nullable=False),
    sa.Column('value', sa.Float(), nullable=True),
    sa.Column('reason', sa.String(length=200), nullable=True),
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_account_metrics_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_account_metrics')),
    sa.UniqueConstraint('workspace_id', 'platform', 'handle', 'date', 'metric', name=op.f('uq_account_metrics_workspace_id'))
    )
    with op.batch_alter_table('account_metrics', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_account_metrics_workspace_id'), ['workspace_id'], unique=False)

    op.create_table('connector_raw',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('platform', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('object_id', sa.String(length=200), nullable=False),
    sa.Column('as_of', sa.DateTime(), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_connector_raw_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_connector_raw')),
    sa.UniqueConstraint('workspace_id', 'platform', 'kind', 'object_id', 'as_of', name=op.f('uq_connector_raw_workspace_id'))
    )
    with op.batch_alter_table('connector_raw', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_connector_raw_workspace_id'), ['workspace_id'], unique=False)

    op.create_table('connector_accounts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('platform', sa.String(length=32), nullable=False),
    sa.Column('account_id', sa.String(length=128), nullable=False),
    sa.Column('handle', sa.String(length=128), nullable=True),
    sa.Column('campaign_id', sa.Integer(), nullable=True),
    sa.Column('creator_id', sa.Integer(), nullable=True),
    sa.Column('token_ref', sa.String(length=300), nullable=True),
    sa.Column('options', sa.JSON(), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), server_default=sa.func.current_timestamp(), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_connector_accounts_campaign_id_campaigns'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['creator_id'], ['creators.id'], name=op.f('fk_connector_accounts_creator_id_creators'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_connector_accounts_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_connector_accounts')),
    sa.UniqueConstraint('workspace_id', 'name', name=op.f('uq_connector_accounts_workspace_id'))
    )
    with op.batch_alter_table('connector_accounts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_connector_accounts_workspace_id'), ['workspace_id'], unique=False)

    op.create_table('connector_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('connector_id', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.Column('since', sa.DateTime(), nullable=True),
    sa.Column('until', sa.DateTime(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('changes', sa.Integer(), nullable=False),
    sa.Column('notes', sa.JSON(), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['connector_id'], ['connector_accounts.id'], name=op.f('fk_connector_runs_connector_id_connector_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_connector_runs'))
    )
    with op.batch_alter_table('connector_runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_connector_runs_connector_id'), ['connector_id'], unique=False)

    op.create_table('connector_state',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('connector_id', sa.Integer(), nullable=False),
    sa.Column('stream', sa.String(length=64), nullable=False),
    sa.Column('last_until', sa.DateTime(), nullable=True),
    sa.Column('cursor', sa.Text(), nullable=True),
    sa.Column('retired_metrics', sa.JSON(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['connector_id'], ['connector_accounts.id'], name=op.f('fk_connector_state_connector_id_connector_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_connector_state')),
    sa.UniqueConstraint('connector_id', 'stream', name=op.f('uq_connector_state_connector_id'))
    )


def downgrade() -> None:
    op.drop_table('connector_state')
    with op.batch_alter_table('connector_runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_connector_runs_connector_id'))

    op.drop_table('connector_runs')
    with op.batch_alter_table('connector_accounts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_connector_accounts_workspace_id'))

    op.drop_table('connector_accounts')
    with op.batch_alter_table('connector_raw', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_connector_raw_workspace_id'))

    op.drop_table('connector_raw')
    with op.batch_alter_table('account_metrics', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_account_metrics_workspace_id'))

    op.drop_table('account_metrics')
