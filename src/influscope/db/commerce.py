"""Tables of the commerce area: configured stores, received webhook deliveries and order refunds.

- ``stores``: one row per configured shop or payment account (Shopify, WooCommerce, Stripe). The
  ``name`` is the ``{source}`` of its webhook URL (``/hooks/shopify/{name}``) and the ``source`` of
  the orders it writes, so it is unique across the installation. The signing secret is either kept
  in ``secret`` (as given on the command line; the database then holds it in clear text) or, better,
  referenced by ``secret_ref`` (``env:VARIABLE`` or ``file:/path``) and read when a delivery arrives.
- ``webhook_deliveries``: every verified delivery, raw body included, stored before the answer is
  sent. The unique ``(store_id, delivery_id)`` makes retries and replays no-ops; ``status`` goes
  pending -> processed | ignored | failed exactly once.
- ``order_refunds``: refunds per order, keyed by the refund's own id so that a refund seen in both a
  ``refunds/create`` delivery and a later ``orders/updated`` payload counts once. ``orders.refunded``
  is their sum.
"""

from __future__ import annotations

import sqlalchemy as sa

from influscope.db.tables import metadata
from influscope.db.types import Money

STORE_KINDS = ("shopify", "woocommerce", "stripe", "web")  # web: a site running the browser snippet
DELIVERY_STATUSES = ("pending", "processed", "ignored", "failed")


def _ws() -> sa.Column:
    return sa.Column("workspace_id", sa.Integer, sa.ForeignKey("workspaces.id", ondelete="CASCADE"),
                     nullable=False, index=True)


stores = sa.Table(
    "stores", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    _ws(),
    sa.Column("kind", sa.String(16), nullable=False),  # shopify | woocommerce | stripe | web
    sa.Column("name", sa.String(64), nullable=False, unique=True),  # the {source} in /hooks/{kind}/{source}
    sa.Column("secret", sa.Text),  # the signing secret itself, when given literally
    sa.Column("secret_ref", sa.String(400)),  # env:VARIABLE or file:/path, read on each use
    sa.Column("active", sa.Boolean, nullable=False, default=True),
    sa.Column("created_at", sa.DateTime, nullable=False, server_default=sa.func.current_timestamp()),
)

webhook_deliveries = sa.Table(
    "webhook_deliveries", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    _ws(),
    sa.Column("store_id", sa.Integer, sa.ForeignKey("stores.id", ondelete="CASCADE"), nullable=False),
    sa.Column("delivery_id", sa.String(128), nullable=False),  # X-Shopify-Webhook-Id, X-WC-Webhook-Delivery-ID, evt_...
    sa.Column("topic", sa.String(64), nullable=False, default=""),
    sa.Column("received_at", sa.DateTime, nullable=False),
    sa.Column("triggered_at", sa.DateTime),  # X-Shopify-Triggered-At / Stripe t=, when given
    sa.Column("body", sa.LargeBinary, nullable=False),  # the raw, verified body
    sa.Column("status", sa.String(16), nullable=False, default="pending"),
    sa.Column("error", sa.Text),
    sa.Column("order_key", sa.String(128)),  # the order it touched, once processed
    sa.Column("processed_at", sa.DateTime),
    # hash of the verified body: a replayed body under a new (unsigned) delivery id is a duplicate
    sa.Column("body_sha256", sa.String(64)),
    sa.UniqueConstraint("store_id", "delivery_id"),
    sa.Index("ix_webhook_deliveries_status", "status", "id"),
    sa.Index("ux_webhook_deliveries_body_sha256", "store_id", "body_sha256", unique=True),
)

order_refunds = sa.Table(
    "order_refunds", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    _ws(),
    sa.Column("source", sa.String(64), nullable=False),
    sa.Column("order_key", sa.String(128), nullable=False),
    sa.Column("refund_key", sa.String(128), nullable=False),
    sa.Column("amount", Money, nullable=False),  # refunded merchandise (excl. tax and shipping where known)
    sa.Column("currency", sa.String(3)),
    sa.Column("created_at", sa.DateTime),
    sa.UniqueConstraint("workspace_id", "source", "refund_key"),
    sa.Index("ix_order_refunds_order", "workspace_id", "source", "order_key"),
)
