"""The canonical store: one SQLAlchemy Core table per record type of DESIGN section 3.

Conventions
- Every row belongs to a workspace (``workspace_id``); natural keys are unique per workspace.
- Times are naive UTC ``DateTime``; calendar days are ``Date`` in the campaign's time zone.
- Missing metrics are NULL ("not reported"), never 0.
- Money columns are :class:`~influscope.db.types.Money` (scaled integers, Decimal in Python).
- Text dimensions that take part in a unique key (traffic source/medium/...) use '' for "none",
  because NULLs never collide in unique constraints.

Other areas (auth, stores, audience) add their own tables to the same ``metadata`` in modules
of their own under ``influscope.db``; :mod:`influscope.db.schema` imports them all.
"""

from __future__ import annotations

import sqlalchemy as sa

from influscope.db.types import Money, Rate

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

GOALS = ("tofu", "mofu", "bofu")
PLATFORMS = ("instagram", "tiktok", "youtube", "facebook", "x", "weibo", "douyin", "bilibili",
             "xiaohongshu", "twitch", "linkedin", "pinterest", "snapchat", "other")
CONTENT_TYPES = ("post", "reel", "story", "video", "short", "live", "tweet", "carousel", "other")
COST_KINDS = ("fee", "product", "production", "ad_spend", "platform_fee", "shipping", "other")
CODE_KINDS = ("affiliate", "sitewide")
ORDER_STATUSES = ("paid", "pending", "cancelled", "refunded", "partially_refunded")
LEAD_TYPES = ("signup", "newsletter", "download", "webinar", "demo", "trial", "other")
# planned: being prepared (candidates, budget split), never reported as running; started: live or over
CAMPAIGN_STATUSES = ("planned", "started")


def _ws(index: bool = True) -> sa.Column:
    return sa.Column("workspace_id", sa.Integer, sa.ForeignKey("workspaces.id", ondelete="CASCADE"),
                     nullable=False, index=index)


def _created() -> sa.Column:
    return sa.Column("created_at", sa.DateTime, nullable=False, server_default=sa.func.current_timestamp())


workspaces = sa.Table(
    "workspaces", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("slug", sa.String(64), nullable=False, unique=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("methodology", sa.JSON, nullable=False, default=dict),  # workspace-wide setting overrides
    _created(),
)

campaigns = sa.Table(
    "campaigns", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    _ws(),
    sa.Column("slug", sa.String(64), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("brand", sa.String(200)),
    sa.Column("goal", sa.String(8), nullable=False),
    sa.Column("start_date", sa.Date, nullable=False),
    sa.Column("end_date", sa.Date, nullable=False),
    sa.Column("timezone", sa.String(64), nullable=False, default="UTC"),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("budget", Money),
    sa.Column("baseline_start", sa.Date),
    sa.Column("baseline_end", sa.Date),
    sa.Column("targets", sa.JSON, nullable=False, default=dict),
    sa.Column("brand_accounts", sa.JSON, nullable=False, default=list),
    sa.Column("brand_terms", sa.JSON, nullable=False, default=list),
    sa.Column("competitor_terms", sa.JSON, nullable=False, default=list),
    sa.Column("methodology", sa.JSON, nullable=False, default=dict),
    _created(),
    sa.Column("status", sa.String(16), nullable=False, server_default="started"),  # no Python default: inserts that
    # name no status also work on a store not yet upgraded (the database fills it in)
    sa.UniqueConstraint("workspace_id", "slug"),
)

creators = sa.Table(
    "creators", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    _ws(),
    sa.Column("key", sa.String(128), nullable=False),  # creator_id in the bundle
    sa.Column("name", sa.String(200)),
    sa.Column("country", sa.String(2)),
    sa.Column("language", sa.String(16)),
    _created(),
    sa.UniqueConstraint("workspace_id", "key"),
)

creator_accounts = sa.Table(
    "creator_accounts", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    _ws(),
    sa.Column("creator_id", sa.Integer, sa.ForeignKey("creators.id", ondelete="CASCADE"), nullable=False,
              index=True),
    sa.Column("platform", sa.String(32), nullable=False),
    sa.Column("handle", sa.String(128), nullable=False),  # lower case, without '@'
    sa.Column("followers", sa.BigInteger),
    sa.Column("following", sa.BigInteger),
    sa.UniqueConstraint("creator_id", "platform"),
    sa.Index("ix_creator_accounts_handle", "workspace_id", "platform", "handle"),
)

campaign_creators = sa.Table(
    "campaign_creators", metadata,
    sa.Column("campaign_id", sa.Integer, sa.ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("creator_id", sa.Integer, sa.ForeignKey("creators.id", ondelete="CASCADE"), primary_key=True),
)

posts = sa.Table(
    "posts", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    _ws(),
    sa.Column("campaign_id", sa.Integer, sa.ForeignKey("campaigns.id", ondelete="CASCADE"), nullable=False,
              index=True),
    sa.Column("creator_id", sa.Integer, sa.ForeignKey("creators.id", ondelete="CASCADE"), nullable=False,
              index=True),
    sa.Column("key", sa.String(128), nullable=False),  # post_id in the bundle (the platform's id)
    sa.Column("platform", sa.String(32), nullable=False),
    sa.Column("content_type", sa.String(16), nullable=False, default="post"),
    sa.Column("url", sa.Text),
    sa.Column("posted_at", sa.DateTime),
    sa.Column("sponsored", sa.Boolean),
    sa.Column("caption", sa.Text),
    sa.UniqueConstraint("workspace_id", "key"),
)

post_metrics = sa.Table(
    "post_metrics", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("post_id", sa.Integer, sa.ForeignKey("posts.id", ondelete="CASCADE"), nullable=False),
    sa.Column("as_of", sa.DateTime, nullable=False),
    sa.Column("impressions", sa.BigInteger),
    sa.Column("reach", sa.BigInteger),
    sa.Column("views", sa.BigInteger),
    sa.Column("likes", sa.BigInteger),
    sa.Column("comments", sa.BigInteger),
    sa.Column("shares", sa.BigInteger),
    sa.Column("saves", sa.BigInteger),
    sa.Column("reactions", sa.BigInteger),
    sa.Column("link_clicks", sa.BigInteger),
    sa.Column("watch_time_s", sa.Float),
    sa.Column("source", sa.String(64)),  # which adapter wrote it (csv, instagram_api, tiktok_studio, ...)
    sa.Column("raw", sa.JSON),
    sa.UniqueConstraint("post_id", "as_of"),
)

costs = sa.Table(
    "costs", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    _ws(),
    sa.Column("campaign_id", sa.Integer, sa.ForeignKey("campaigns.id", ondelete="CASCADE"), nullable=False,
              index=True),
    sa.Column("key", sa.String(128), nullable=False),  # cost_id
    sa.Column("creator_id", sa.Integer, sa.ForeignKey("creators.id", ondelete="CASCADE")),  # NULL = campaign
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("amount", Money, nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("incurred_on", sa.Date, nullable=False),
    sa.Column("note", sa.Text),
    sa.UniqueConstraint("campaign_id", "key"),
)

codes = sa.Table(
    "codes", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    _ws(),
    sa.Column("campaign_id", sa.Integer, sa.ForeignKey("campaigns.id", ondelete="CASCADE"), nullable=False,
              index=True),
    sa.Column("code", sa.String(64), nullable=False),  # stored upper case; matching is case-insensitive
    sa.Column("creator_id", sa.Integer, sa.ForeignKey("creators.id", ondelete="CASCADE")),
    sa.Column("kind", sa.String(16), nullable=False, default="affiliate"),
    _created(),
    sa.UniqueConstraint("workspace_id", "code"),
)

links = sa.Table(
    "links", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    _ws(),
    sa.Column("campaign_id", sa.Integer, sa.ForeignKey("campaigns.id", ondelete="CASCADE"), nullable=False,
              index=True),
    # The public path after /l/: a generated random token, or "<workspace slug>/<key>" for a chosen one
    # (links made before workspaces had their own namespace keep their bare chosen slug).
    sa.Column("slug", sa.String(130), nullable=False, unique=True),
    sa.Column("creator_id", sa.Integer, sa.ForeignKey("creators.id", ondelete="CASCADE")),
    sa.Column("platform", sa.String(32)),
    sa.Column("destination_url", sa.Text, nullable=False),
    sa.Column("post_id", sa.Integer, sa.ForeignKey("posts.id", ondelete="SET NULL")),
    sa.Column("paid", sa.Boolean, nullable=False, default=False),  # whitelisted/paid: utm_medium=paid_influencer
    _created(),
    # The link's id in its workspace: link_id in the bundle, the slug the API, CLI and dashboard show.
    # Always written (NULL only if a row was inserted around the writers); unique per workspace.
    sa.Column("key", sa.String(64)),
    sa.Index("uq_links_workspace_key", "workspace_id", "key", unique=True),
)

clicks = sa.Table(
    "clicks", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    _ws(index=False),  # the unique (workspace_id, key) index serves workspace look-ups; one index less per click
    sa.Column("key", sa.String(64), nullable=False),  # click_id (also the URL parameter)
    sa.Column("link_id", sa.Integer, sa.ForeignKey("links.id", ondelete="CASCADE"), nullable=False),
    sa.Column("ts", sa.DateTime, nullable=False),
    sa.Column("is_bot", sa.Boolean, nullable=False, default=False),
    sa.Column("bot_reason", sa.String(64)),
    sa.Column("visitor_hash", sa.String(64)),
    sa.Column("country", sa.String(2)),
    sa.Column("device", sa.String(32)),
    sa.Column("os", sa.String(64)),
    sa.Column("browser", sa.String(64)),
    sa.Column("app", sa.String(64)),
    sa.Column("referrer", sa.Text),
    # whether the hit opens a unique-click window, per preset, over human hits and over all hits
    # (kept by the writers: influscope.metrics.unique_windows)
    *(sa.Column(name, sa.Boolean) for name in (
        "unique_30m", "unique_1h", "unique_1d", "unique_30m_with_bots", "unique_1h_with_bots", "unique_1d_with_bots")),
    # What the bot rules read, so stored clicks can be classified again (never the IP address):
    sa.Column("user_agent", sa.Text),  # stripped, cut to 1024 characters; "" = sent none, NULL = not kept (older clicks)
    sa.Column("request_hints", sa.String(64)),  # space separated: head, options, prefetch, no-accept-language
    sa.UniqueConstraint("workspace_id", "key"),
    # a visitor's hits on a link in time order: the unique-window derivation; also serves per-link scans
    sa.Index("ix_clicks_link_visitor_ts", "link_id", "visitor_hash", "ts"),
)

# what crediting reads of an order besides its workspace and time (influscope.attribution.credit)
CREDITED_ORDER_COLUMNS = ("currency", "subtotal", "discounts", "refunded", "status", "new_customer", "units",
                          "discount_codes", "landing_utm_content", "landing_utm_source", "click_link_id",
                          "click_age_s", "click_id")

orders = sa.Table(
    "orders", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    _ws(),
    sa.Column("source", sa.String(64), nullable=False, default=""),  # '' for bundle rows; store name otherwise
    sa.Column("key", sa.String(128), nullable=False),  # order_id
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("subtotal", Money, nullable=False),  # merchandise after discounts, before tax and shipping
    sa.Column("discounts", Money),
    sa.Column("tax", Money),
    sa.Column("shipping", Money),
    sa.Column("total", Money),  # subtotal + tax + shipping
    sa.Column("refunded", Money),  # refunded merchandise
    sa.Column("status", sa.String(24), nullable=False, default="paid"),
    sa.Column("discount_codes", sa.Text),  # space separated, upper case
    sa.Column("landing_url", sa.Text),
    # utm_content (as a handle) and utm_source of landing_url, kept by every writer for crediting
    sa.Column("landing_utm_content", sa.String(256)),
    sa.Column("landing_utm_source", sa.String(64)),
    sa.Column("click_id", sa.String(64)),
    sa.Column("customer_id", sa.String(128)),
    sa.Column("new_customer", sa.Boolean),
    sa.Column("units", sa.Integer),
    sa.Column("referrer", sa.Text),
    sa.Column("raw", sa.JSON),
    sa.Column("updated_at", sa.DateTime),
    # the carried click, resolved by the store's triggers (influscope.attribution.carried)
    sa.Column("click_link_id", sa.Integer),
    sa.Column("click_age_s", sa.BigInteger),
    sa.UniqueConstraint("workspace_id", "source", "key"),
    # crediting reads a span of a workspace's orders; on SQLite the index holds every column it reads,
    # so that the span is read in index order without a look-up of each order's row (PostgreSQL caps
    # an index entry at about 2.7 kB, which a long list of discount codes could pass: the time alone)
    sa.Index("ix_orders_created", "workspace_id", "created_at").ddl_if(dialect="postgresql"),
    sa.Index("ix_orders_credited", "workspace_id", "created_at", *CREDITED_ORDER_COLUMNS).ddl_if(dialect="sqlite"),
    sa.Index("ix_orders_click", "workspace_id", "click_id"),  # a late click finds the orders carrying it
)

leads = sa.Table(
    "leads", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    _ws(),
    sa.Column("key", sa.String(128), nullable=False),  # lead_id
    sa.Column("type", sa.String(16), nullable=False),
    sa.Column("ts", sa.DateTime, nullable=False),
    sa.Column("click_id", sa.String(64)),
    sa.Column("code", sa.String(64)),
    sa.Column("utm_content", sa.String(128)),
    sa.Column("value", Money),
    sa.Column("currency", sa.String(3)),
    sa.Column("raw", sa.JSON),
    # the carried click, resolved by the store's triggers (influscope.attribution.carried)
    sa.Column("click_link_id", sa.Integer),
    sa.Column("click_age_s", sa.BigInteger),
    sa.UniqueConstraint("workspace_id", "key"),
    sa.Index("ix_leads_ts", "workspace_id", "ts"),  # crediting reads a span of a workspace's leads
    sa.Index("ix_leads_click", "workspace_id", "click_id"),  # a late click finds the leads carrying it
)

# The creator the code rule and the utm rule credit for each distinct code list and utm pair that
# orders and leads name, kept by SQLite's triggers (influscope.attribution.matched; empty elsewhere)
matched_code_lists = sa.Table(
    "matched_code_lists", metadata,
    sa.Column("workspace_id", sa.Integer, sa.ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("codes", sa.Text, primary_key=True),  # an order's discount_codes, a lead's code in upper case
    sa.Column("creator_id", sa.Integer),  # of the first affiliate code of a creator listed; NULL: none
    sa.Column("code", sa.String(64)),
)

matched_utm_pairs = sa.Table(
    "matched_utm_pairs", metadata,
    sa.Column("workspace_id", sa.Integer, sa.ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("utm_content", sa.String(256), primary_key=True),  # as a handle
    sa.Column("utm_source", sa.String(64), primary_key=True),  # '' when absent
    sa.Column("creator_id", sa.Integer),  # of the account whose handle utm_content is; NULL: none
    sa.Column("platform", sa.String(32)),
)

traffic = sa.Table(
    "traffic", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    _ws(),
    sa.Column("date", sa.Date, nullable=False),
    sa.Column("source", sa.String(128), nullable=False, default=""),
    sa.Column("medium", sa.String(128), nullable=False, default=""),
    sa.Column("campaign", sa.String(128), nullable=False, default=""),
    sa.Column("content", sa.String(128), nullable=False, default=""),
    sa.Column("sessions", sa.BigInteger),
    sa.Column("new_users", sa.BigInteger),
    sa.Column("returning_users", sa.BigInteger),  # users seen before (GA4 returning users); NULL = not reported
    sa.Column("engaged_sessions", sa.BigInteger),
    sa.Column("pageviews", sa.BigInteger),
    sa.Column("session_duration_s", sa.Float),
    sa.UniqueConstraint("workspace_id", "date", "source", "medium", "campaign", "content"),
)

follower_snapshots = sa.Table(
    "follower_snapshots", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    _ws(),
    sa.Column("platform", sa.String(32), nullable=False),
    sa.Column("handle", sa.String(128), nullable=False),
    sa.Column("date", sa.Date, nullable=False),
    sa.Column("followers", sa.BigInteger, nullable=False),
    sa.UniqueConstraint("workspace_id", "platform", "handle", "date"),
)

comments = sa.Table(
    "comments", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    _ws(),
    sa.Column("key", sa.String(128), nullable=False),  # comment_id
    sa.Column("post_id", sa.Integer, sa.ForeignKey("posts.id", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("author", sa.String(200)),
    sa.Column("text", sa.Text, nullable=False, default=""),
    sa.Column("ts", sa.DateTime),
    sa.Column("likes", sa.BigInteger),
    sa.UniqueConstraint("workspace_id", "key"),
)

audience = sa.Table(
    "audience", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    _ws(),
    sa.Column("platform", sa.String(32), nullable=False),
    sa.Column("handle", sa.String(128), nullable=False),
    sa.Column("date", sa.Date, nullable=False),
    sa.Column("dimension", sa.String(16), nullable=False),  # age, gender, country, city, age_gender
    sa.Column("bucket", sa.String(64), nullable=False),  # e.g. 18-24, F, TW
    sa.Column("share", sa.Float, nullable=False),  # percent of the audience, 0-100
    sa.UniqueConstraint("workspace_id", "platform", "handle", "date", "dimension", "bucket"),
)

fx_rates = sa.Table(
    "fx_rates", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    _ws(),
    sa.Column("date", sa.Date, nullable=False),
    sa.Column("base", sa.String(3), nullable=False),  # the currency the rate is quoted in
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("rate", Rate, nullable=False),  # units of base per 1 unit of currency
    sa.UniqueConstraint("workspace_id", "date", "base", "currency"),
)
