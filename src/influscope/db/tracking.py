"""Tables of the tracking area (the redirect service).

``tracking_salts`` holds the random salt of each UTC day used for visitor hashes. A salt is created
by the first click of its day and deleted once the day is over, so a visitor hash can be linked to
other hashes of the same day only, and never back to an IP address (which is never stored).
"""

from __future__ import annotations

import sqlalchemy as sa

from influscope.db.tables import metadata

tracking_salts = sa.Table(
    "tracking_salts", metadata,
    sa.Column("day", sa.Date, primary_key=True),  # UTC day the salt is valid for
    sa.Column("salt", sa.String(64), nullable=False),  # hex of 32 random bytes
)

# A workspace's allow-list of link destination hosts (none: any public host). A host allows itself
# and its subdomains.
destination_hosts = sa.Table(
    "destination_hosts", metadata,
    sa.Column("workspace_id", sa.Integer, sa.ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True,
              autoincrement=False),
    sa.Column("host", sa.String(253), primary_key=True),
)

# Clicks rolled up per link, local day and bot flag, kept by every click writer in the transaction
# that writes the clicks (influscope.metrics.click_rollups), so that click KPIs read a few thousand
# rows instead of every hit. ``zone`` is the time zone ``day`` is in: the zone of the link's
# campaign when the rows were made; readers use the rows only when it is still the campaign's zone.
# ``hits`` counts the hits; each ``unique_*`` column counts the hits whose flag of that name is set.
click_days = sa.Table(
    "click_days", metadata,
    sa.Column("workspace_id", sa.Integer, sa.ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    sa.Column("link_id", sa.Integer, sa.ForeignKey("links.id", ondelete="CASCADE"), primary_key=True,
              autoincrement=False),
    sa.Column("zone", sa.String(64), primary_key=True),
    sa.Column("day", sa.Date, primary_key=True),
    sa.Column("is_bot", sa.Boolean, primary_key=True),
    sa.Column("hits", sa.BigInteger, nullable=False),
    *(sa.Column(name, sa.BigInteger, nullable=False) for name in (
        "unique_30m", "unique_1h", "unique_1d", "unique_30m_with_bots", "unique_1h_with_bots", "unique_1d_with_bots")),
)
