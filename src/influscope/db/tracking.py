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
