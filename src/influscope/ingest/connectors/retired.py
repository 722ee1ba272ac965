"""The versioned table of retired platform metrics and what replaced them.

When a platform rejects a whole request because one requested metric was retired, the connector
drops that metric, asks for its replacement instead (if there is one) and records the change in the
run's notes and in the account's sync state, so the next run does not ask again.
"""

from __future__ import annotations

# platform -> metric -> (replacement or None, since when / source of the change)
RETIRED: dict[str, dict[str, tuple[str | None, str]]] = {
    "instagram": {
        "impressions": ("views", "Graph API v22 (21 Jan 2025), all versions from 21 Apr 2025"),
        "plays": ("views", "Graph API v22, all versions from 21 Apr 2025"),
        "clips_replays_count": ("views", "Graph API v22, all versions from 21 Apr 2025"),
        "ig_reels_aggregated_all_plays_count": ("views", "Graph API v22, all versions from 21 Apr 2025"),
        "video_views": ("views", "Graph API v21, all versions from 8 Jan 2025"),
        "engagement": ("total_interactions", "Graph API v18, all versions from 11 Dec 2023"),
        "carousel_album_engagement": ("total_interactions", "Graph API v18, all versions from 11 Dec 2023"),
        "taps_forward": ("navigation", "Graph API v18, all versions from 11 Dec 2023"),
        "taps_back": ("navigation", "Graph API v18, all versions from 11 Dec 2023"),
        "exits": ("navigation", "Graph API v18, all versions from 11 Dec 2023"),
        "audience_gender_age": ("follower_demographics", "Graph API v18, all versions from 11 Dec 2023"),
        "audience_locale": ("follower_demographics", "Graph API v18, all versions from 11 Dec 2023"),
        "audience_country": ("follower_demographics", "Graph API v18, all versions from 11 Dec 2023"),
        "audience_city": ("follower_demographics", "Graph API v18, all versions from 11 Dec 2023"),
        "profile_views": (None, "Graph API v21, all versions from 8 Jan 2025"),
        "website_clicks": (None, "Graph API v21, all versions from 8 Jan 2025"),
        "email_contacts": (None, "Graph API v21, all versions from 8 Jan 2025"),
        "get_direction_clicks": (None, "Graph API v21, all versions from 8 Jan 2025"),
        "text_message_clicks": (None, "Graph API v21, all versions from 8 Jan 2025"),
        "phone_call_clicks": (None, "Graph API v21, all versions from 8 Jan 2025"),
    },
    "facebook": {
        "post_impressions_unique": ("post_total_media_view_unique", "15 Jun 2025"),
        "post_impressions_paid_unique": (None, "15 Jun 2025"),
        "post_impressions_fan_unique": (None, "15 Jun 2025"),
        "post_impressions_organic_unique": (None, "15 Jun 2025"),
        "post_impressions_viral_unique": (None, "15 Jun 2025"),
        "post_impressions_nonviral_unique": (None, "15 Jun 2025"),
        "page_impressions_unique": ("page_total_media_view_unique", "15 Jun 2025"),
        "post_impressions": (None, "15 Nov 2025 (replaced by the views metrics)"),
        "page_impressions": (None, "15 Nov 2025 (replaced by the views metrics)"),
        "page_fans": ("page_follows", "15 Nov 2025"),
        "page_fans_city": ("page_follows_city", "15 Nov 2025"),
        "page_fans_country": ("page_follows_country", "15 Nov 2025"),
        "page_fan_adds": (None, "15 Nov 2025"),
    },
    "ga4": {
        "conversions": ("keyEvents", "renamed to key events in 2024"),
        "sessionConversionRate": ("sessionKeyEventRate", "renamed to key events in 2024"),
    },
    "youtube": {
        "dislikeCount": (None, "private to the owner since 13 Dec 2021"),
    },
}


def replacement(platform: str, metric: str) -> str | None | bool:
    """The replacement of a retired METRIC (None when it has none); False when it is not retired."""
    entry = RETIRED.get(platform, {}).get(metric)
    if entry is None:
        return False
    return entry[0]
