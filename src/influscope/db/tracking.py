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
