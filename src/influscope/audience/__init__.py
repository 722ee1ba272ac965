"""Audience intelligence: comment sentiment, purchase intent, language id, brand mentions and
creator-account credibility, in English, Traditional and Simplified Chinese and Arabic.

``refresh(engine, workspace_id, campaign_id=None)`` fills the tables of
:mod:`influscope.db.audience` that the KPI engine reads.
"""

from influscope.audience.refresh import RefreshSummary, refresh

__all__ = ["refresh", "RefreshSummary"]
