"""commerce: the creator each code list and utm pair names, kept for crediting; on SQLite the orders'
time index holds what crediting reads (mirrors influscope/db/tables.py)

SQLite keeps the two tables with triggers on orders, leads, codes and creator accounts
(influscope.attribution.matched), which this revision creates and then fills from the raw
records; on PostgreSQL they stay empty. A later revision that rebuilds one of these tables (SQLite
drops a table's triggers with it) is followed by influscope.attribution.matched.ensure, which
every upgrade runs.

Revision ID: 0007_commerce_matched_rules
Revises: 0006_commerce_carried_clicks
Create Date: 2026-12-05
"""
import sqlalchemy as sa
from alembic import op

revision = "0007_commerce_matched_rules"
down_revision = "0006_commerce_carried_clicks"
branch_labels = None
depends_on = None

# the columns as this revision made them (not imported: a later change of the table module must not
# change what this revision did)
CREDITED = ["currency", "subtotal", "discounts", "refunded", "status", "new_customer", "units", "discount_codes",
            "landing_utm_content", "landing_utm_source", "click_link_id", "click_age_s", "click_id"]


def upgrade() -> None:
    op.create_table(
        "matched_code_lists",
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("codes", sa.Text(), nullable=False),
        sa.Column("creator_id", sa.Integer(), nullable=True),
        sa.Column("code", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspaces.id"],
                                name=op.f("fk_matched_code_lists_workspace_id_workspaces"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("workspace_id", "codes", name=op.f("pk_matched_code_lists")),
    )
    op.create_table(
        "matched_utm_pairs",
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("utm_content", sa.String(length=256), nullable=False),
        sa.Column("utm_source", sa.String(length=64), nullable=False),
        sa.Column("creator_id", sa.Integer(), nullable=True),
        sa.Column("platform", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspaces.id"],
                                name=op.f("fk_matched_utm_pairs_workspace_id_workspaces"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("workspace_id", "utm_content", "utm_source", name=op.f("pk_matched_utm_pairs")),
    )
    if op.get_bind().dialect.name == "sqlite":  # PostgreSQL keeps its index of the time alone
        op.drop_index("ix_orders_created", table_name="orders")
        op.create_index("ix_orders_credited", "orders", ["workspace_id", "created_at", *CREDITED], unique=False)
    from influscope.attribution import matched

    matched.install(op.get_bind())


def downgrade() -> None:
    from influscope.attribution import matched

    matched.uninstall(op.get_bind())
    op.drop_table("matched_utm_pairs")
    op.drop_table("matched_code_lists")
    if op.get_bind().dialect.name == "sqlite":
        op.drop_index("ix_orders_credited", table_name="orders")
        op.create_index("ix_orders_created", "orders", ["workspace_id", "created_at"], unique=False)
