"""The canonical bundle's columns: one declaration that drives the importer, the exporter and the docs.

Each CSV file of a bundle is a :class:`FileSpec` with its :class:`Col` list. ``key`` columns must
be present in the header and filled in every row; other columns are optional (a missing column or
an empty cell is NULL, "not reported").
"""

from __future__ import annotations

from dataclasses import dataclass, field

from influscope.db.tables import CODE_KINDS, CONTENT_TYPES, COST_KINDS, LEAD_TYPES, ORDER_STATUSES, PLATFORMS


@dataclass(frozen=True)
class Col:
    name: str
    type: str  # text, int, number, decimal, money, bool, date, datetime, choice, code_list, currency, country
    doc: str
    key: bool = False
    required: bool = False  # must be filled (key columns always are)
    choices: tuple[str, ...] = ()
    unit: str = ""
    example: str = ""

    @property
    def must_fill(self) -> bool:
        return self.key or self.required


@dataclass(frozen=True)
class FileSpec:
    name: str
    row: str
    columns: tuple[Col, ...]
    scope: str  # "campaign" (belongs to the bundle's campaign) or "workspace"
    unique: tuple[str, ...] = field(default=())  # the natural key within one file

    def col(self, name: str) -> Col:
        return next(c for c in self.columns if c.name == name)

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]


_TS = "ISO 8601; with an offset (2026-03-01T10:00:00+08:00) or Z it is exact, without one it is read in the campaign's time zone (UTC when the bundle has no campaign.yaml); exported in UTC with Z"

CREATORS = FileSpec(
    "creators.csv", "creator account", scope="campaign", unique=("creator_id", "platform"),
    columns=(
        Col("creator_id", "text", "Your id for the creator (a person or brand); one creator may have accounts on several platforms.", key=True, example="mei-lin"),
        Col("platform", "choice", "Platform of this account.", choices=PLATFORMS, key=True, example="instagram"),
        Col("handle", "text", "Account handle, stored in lower case without '@'.", key=True, example="meilin.eats"),
        Col("name", "text", "Display name.", example="Mei-Lin Chen"),
        Col("followers", "int", "Followers of the account when listed (used when followers.csv has no earlier value).", unit="count", example="48200"),
        Col("following", "int", "Accounts this account follows.", unit="count", example="612"),
        Col("country", "country", "ISO 3166-1 alpha-2 country of the creator.", example="TW"),
        Col("language", "text", "Main language of the creator's audience (BCP 47).", example="zh-Hant"),
    ),
)

POSTS = FileSpec(
    "posts.csv", "post at one as_of time (a metric snapshot)", scope="campaign", unique=("post_id", "as_of"),
    columns=(
        Col("post_id", "text", "The platform's id of the post.", key=True, example="17912345678901234"),
        Col("creator_id", "text", "Creator who published it (creators.csv).", key=True, example="mei-lin"),
        Col("platform", "choice", "Platform of the post; the creator must have an account there.", choices=PLATFORMS, key=True, example="instagram"),
        Col("content_type", "choice", "Format of the post.", choices=CONTENT_TYPES, example="reel"),
        Col("url", "text", "Public URL of the post.", example="https://www.instagram.com/reel/C4abc/"),
        Col("posted_at", "datetime", "When it was published. " + _TS, example="2026-03-03T19:00:00+08:00"),
        Col("sponsored", "bool", "Marked as paid partnership / ad.", example="true"),
        Col("caption", "text", "Caption or title, used for brand-mention and hashtag matching.", example="Spring menu with @acme_tw #acmespring"),
        Col("as_of", "datetime", "When these metric values were read. " + _TS, key=True, example="2026-03-05T00:00:00Z"),
        Col("impressions", "int", "Times the post was shown (where the platform still reports it).", unit="count", example="52000"),
        Col("reach", "int", "Unique accounts that saw the post.", unit="count", example="31000"),
        Col("views", "int", "Views / plays (Instagram's 2025 replacement for impressions; video views elsewhere).", unit="count", example="61000"),
        Col("likes", "int", "Likes (hearts).", unit="count", example="2300"),
        Col("comments", "int", "Comments.", unit="count", example="85"),
        Col("shares", "int", "Shares / reposts / retweets.", unit="count", example="40"),
        Col("saves", "int", "Saves / bookmarks / favourites.", unit="count", example="120"),
        Col("reactions", "int", "Facebook-style reactions (all kinds).", unit="count", example=""),
        Col("link_clicks", "int", "Clicks on the post's link as reported by the platform.", unit="count", example="310"),
        Col("watch_time_s", "number", "Total watch time.", unit="s", example="183000"),
    ),
)

COSTS = FileSpec(
    "costs.csv", "spend item", scope="campaign", unique=("cost_id",),
    columns=(
        Col("cost_id", "text", "Your id for the cost line.", key=True, example="fee-mei-lin"),
        Col("creator_id", "text", "Creator the cost is for; blank for campaign-level costs.", example="mei-lin"),
        Col("kind", "choice", "What the money was for.", key=True, choices=COST_KINDS, example="fee"),
        Col("amount", "money", "Amount in `currency` (a decimal; never rounded on import).", key=True, unit="money", example="30000"),
        Col("currency", "currency", "ISO 4217 code of the amount.", key=True, example="TWD"),
        Col("incurred_on", "date", "Day the cost was incurred (its FX rate is the latest on or before it).", key=True, example="2026-03-01"),
        Col("note", "text", "Free text.", example="2 reels + 3 stories"),
    ),
)

CODES = FileSpec(
    "codes.csv", "promo code", scope="campaign", unique=("code",),
    columns=(
        Col("code", "text", "The code as customers type it; matched case-insensitively, stored upper case.", key=True, example="MEILIN15"),
        Col("creator_id", "text", "Creator the code belongs to; blank for a sitewide code.", example="mei-lin"),
        Col("kind", "choice", "affiliate codes credit their creator; sitewide codes credit no one.", choices=CODE_KINDS, example="affiliate"),
    ),
)

LINKS = FileSpec(
    "links.csv", "tracking link", scope="campaign", unique=("link_id",),
    columns=(
        Col("link_id", "text", "The link's slug, unique in the workspace: a new link's short URL is /l/{workspace}/{link_id} (a link already in the workspace keeps its own).", key=True, example="mei-ig-1"),
        Col("creator_id", "text", "Creator the link was given to.", example="mei-lin"),
        Col("platform", "choice", "Platform where it is published (utm_source).", choices=PLATFORMS, example="instagram"),
        Col("destination_url", "text", "Landing page; UTM tags and the click id are added on redirect.", key=True, example="https://shop.example.com/spring"),
        Col("post_id", "text", "Post the link belongs to (posts.csv), if any.", example="17912345678901234"),
        Col("paid", "bool", "Paid / whitelisted placement (utm_medium=paid_influencer).", example="false"),
    ),
)

CLICKS = FileSpec(
    "clicks.csv", "link hit", scope="workspace", unique=("click_id",),
    columns=(
        Col("click_id", "text", "Unique id of the hit (the `isc` URL parameter).", key=True, example="c9f2a1b0d3e4"),
        Col("link_id", "text", "Link that was hit (links.csv or an existing link).", key=True, example="mei-ig-1"),
        Col("ts", "datetime", "Time of the hit. " + _TS, key=True, example="2026-03-03T11:02:03Z"),
        Col("is_bot", "bool", "Flagged as a bot or link-preview fetcher (kept, excluded from clicks by default).", example="false"),
        Col("bot_reason", "text", "Why it was flagged: a short code such as `list:crawler-user-agents`, "
            "`rule:compatible-token`, `header:prefetch` or `signal:burst` (see the tracking docs).",
            example="list:crawlerdetect"),
        Col("visitor_hash", "text", "Salted daily hash of the visitor (no IP address is ever stored).", example="5f1c0e..."),
        Col("country", "country", "ISO country of the visitor's IP (registered-to).", example="TW"),
        Col("device", "text", "desktop, mobile, tablet, bot or other.", example="mobile"),
        Col("os", "text", "Operating system family.", example="iOS"),
        Col("browser", "text", "Browser family.", example="Mobile Safari"),
        Col("app", "text", "In-app browser, if any.", example="Instagram"),
        Col("referrer", "text", "Referer header.", example="https://l.instagram.com/"),
        Col("user_agent", "text", "User-Agent header (trimmed, at most 1024 characters), so the bot rules can be "
            "applied again (`influscope links reclassify`).",
            example="Mozilla/5.0 (iPhone; CPU iPhone OS 18_5 like Mac OS X) ... Instagram 350.0.0.0"),
        Col("request_hints", "text", "What the request said beyond its agent, space separated: `head`, `options`, "
            "`prefetch`, `no-accept-language`.", example=""),
    ),
)

ORDERS = FileSpec(
    "orders.csv", "order", scope="workspace", unique=("source", "order_id"),
    columns=(
        Col("order_id", "text", "The shop's order id.", key=True, example="1001"),
        Col("source", "text", "Shop or store name the id belongs to; blank for a single shop.", example="shopify-tw"),
        Col("created_at", "datetime", "When the order was placed. " + _TS, key=True, example="2026-03-04T08:15:00Z"),
        Col("currency", "currency", "ISO 4217 currency of the amounts.", key=True, example="TWD"),
        Col("subtotal", "money", "Merchandise after discounts, before tax and shipping.", key=True, unit="money", example="1800"),
        Col("discounts", "money", "Discounts applied.", unit="money", example="200"),
        Col("tax", "money", "Tax.", unit="money", example="90"),
        Col("shipping", "money", "Shipping charged.", unit="money", example="60"),
        Col("total", "money", "subtotal + tax + shipping.", unit="money", example="1950"),
        Col("refunded", "money", "Refunded merchandise.", unit="money", example="0"),
        Col("status", "choice", "Order state.", choices=ORDER_STATUSES, example="paid"),
        Col("discount_codes", "code_list", "Codes used, space separated (upper-cased).", example="MEILIN15"),
        Col("landing_url", "text", "First page of the visit (its utm_content can credit a creator).", example="https://shop.example.com/spring?utm_content=meilin.eats"),
        Col("click_id", "text", "Click id carried from the tracking link.", example="c9f2a1b0d3e4"),
        Col("customer_id", "text", "The shop's customer id (pseudonymous).", example="cust-88"),
        Col("new_customer", "bool", "First order of this customer.", example="true"),
        Col("units", "int", "Items in the order.", unit="count", example="2"),
    ),
)

LEADS = FileSpec(
    "leads.csv", "MOFU/BOFU action", scope="workspace", unique=("lead_id",),
    columns=(
        Col("lead_id", "text", "Unique id of the action.", key=True, example="L-0001"),
        Col("type", "choice", "Kind of action.", key=True, choices=LEAD_TYPES, example="signup"),
        Col("ts", "datetime", "When it happened. " + _TS, key=True, example="2026-03-04T09:00:00Z"),
        Col("click_id", "text", "Click id carried from the tracking link.", example="c9f2a1b0d3e4"),
        Col("code", "text", "Promo code given with it.", example="MEILIN15"),
        Col("utm_content", "text", "utm_content of the visit (the creator handle).", example="meilin.eats"),
        Col("value", "money", "Value you assign to the lead.", unit="money", example="50"),
        Col("currency", "currency", "Currency of value.", example="TWD"),
    ),
)

TRAFFIC = FileSpec(
    "traffic.csv", "site traffic per day and source", scope="workspace",
    unique=("date", "source", "medium", "campaign", "content"),
    columns=(
        Col("date", "date", "Day (in the site's reporting time zone).", key=True, example="2026-03-04"),
        Col("source", "text", "utm_source / session source.", example="instagram"),
        Col("medium", "text", "utm_medium / session medium.", example="influencer"),
        Col("campaign", "text", "utm_campaign.", example="spring-launch"),
        Col("content", "text", "utm_content (creator handle for influencer links).", example="meilin.eats"),
        Col("sessions", "int", "Sessions.", unit="count", example="420"),
        Col("new_users", "int", "New users.", unit="count", example="300"),
        Col("returning_users", "int", "Returning users: users who had visited before (GA4's returning users).",
            unit="count", example="120"),
        Col("engaged_sessions", "int", "Engaged sessions (GA4: >10 s, a key event or 2+ page views).", unit="count", example="260"),
        Col("pageviews", "int", "Page views.", unit="count", example="1100"),
        Col("session_duration_s", "number", "Total session duration.", unit="s", example="50400"),
    ),
)

FOLLOWERS = FileSpec(
    "followers.csv", "account follower count on a day", scope="workspace", unique=("platform", "handle", "date"),
    columns=(
        Col("platform", "choice", "Platform of the account.", choices=PLATFORMS, key=True, example="instagram"),
        Col("handle", "text", "Account handle (brand or creator), lower case without '@'.", key=True, example="acme_tw"),
        Col("date", "date", "Day of the count.", key=True, example="2026-03-01"),
        Col("followers", "int", "Followers on that day.", key=True, unit="count", example="120400"),
    ),
)

COMMENTS = FileSpec(
    "comments.csv", "comment", scope="workspace", unique=("comment_id",),
    columns=(
        Col("comment_id", "text", "The platform's id of the comment.", key=True, example="18034567"),
        Col("post_id", "text", "Post commented on (posts.csv or an existing post).", key=True, example="17912345678901234"),
        Col("author", "text", "Commenter's handle (pseudonymous).", example="user_123"),
        Col("text", "text", "Comment text (UTF-8, emoji kept).", example="I'd love to try this 😍"),
        Col("ts", "datetime", "When it was written. " + _TS, example="2026-03-03T12:00:00Z"),
        Col("likes", "int", "Likes on the comment.", unit="count", example="3"),
    ),
)

AUDIENCE = FileSpec(
    "audience.csv", "audience share of an account on a day", scope="workspace",
    unique=("platform", "handle", "date", "dimension", "bucket"),
    columns=(
        Col("platform", "choice", "Platform of the account.", choices=PLATFORMS, key=True, example="instagram"),
        Col("handle", "text", "Account handle.", key=True, example="meilin.eats"),
        Col("date", "date", "Day the breakdown was read.", key=True, example="2026-03-01"),
        Col("dimension", "choice", "What is broken down: followers' age, gender, country, city; `engaged_*` are the shares of the accounts that engaged (Instagram).", key=True, choices=("age", "gender", "country", "city", "age_gender", "engaged_age", "engaged_gender", "engaged_country", "engaged_city"), example="age"),
        Col("bucket", "text", "The group (18-24, F, TW, Taipei, F.18-24).", key=True, example="18-24"),
        Col("share", "number", "Share of the audience in percent (0-100).", key=True, unit="%", example="34.5"),
    ),
)

FX_RATES = FileSpec(
    "fx_rates.csv", "exchange rate on a day", scope="workspace", unique=("date", "base", "currency"),
    columns=(
        Col("date", "date", "Day of the rate; a conversion uses the latest rate on or before its date.", key=True, example="2026-03-01"),
        Col("currency", "currency", "Currency converted from.", key=True, example="USD"),
        Col("rate", "decimal", "Units of `base` per 1 unit of `currency`.", key=True, example="32.15"),
        Col("base", "currency", "Currency the rate is quoted in; blank = the bundle's campaign currency.", example="TWD"),
    ),
)

FILES: tuple[FileSpec, ...] = (CREATORS, POSTS, COSTS, CODES, LINKS, CLICKS, ORDERS, LEADS, TRAFFIC, FOLLOWERS,
                               COMMENTS, AUDIENCE, FX_RATES)
BY_NAME = {f.name: f for f in FILES}

CAMPAIGN_FIELDS: tuple[Col, ...] = (
    Col("id", "text", "Slug, unique in the workspace.", key=True, example="spring-launch"),
    Col("name", "text", "Display name.", key=True, example="Spring launch"),
    Col("brand", "text", "Brand name.", example="acme"),
    Col("goal", "choice", "Funnel stage; decides the default KPI set.", key=True, choices=("tofu", "mofu", "bofu"), example="bofu"),
    Col("start", "date", "First day (campaign time zone).", key=True, example="2026-03-01"),
    Col("end", "date", "Last day, inclusive.", key=True, example="2026-03-31"),
    Col("timezone", "text", "IANA time zone for day buckets.", example="Asia/Taipei"),
    Col("currency", "currency", "Currency every amount is reported in.", key=True, example="TWD"),
    Col("budget", "money", "Planned spend.", unit="money", example="500000"),
    Col("baseline", "text", "Before-period for lift KPIs: {start: DATE, end: DATE}.", example="{start: 2026-02-01, end: 2026-02-28}"),
    Col("targets", "text", "Targets per KPI id, e.g. {roas: 3.0, ctr: 1.36}.", example="{roas: 3.0}"),
    Col("brand_accounts", "text", "Brand accounts whose followers are tracked: [{platform, handle}].", example="[{platform: instagram, handle: acme_tw}]"),
    Col("brand_terms", "text", "Mentions and hashtags to track.", example='["acme", "#acmespring"]'),
    Col("competitor_terms", "text", "Competitors' terms for share of voice.", example='["globex"]'),
    Col("methodology", "text", "Overrides of the methodology settings for this campaign.", example="{er_denominator: reach}"),
    Col("status", "choice", "planned (being prepared: never paced or forecast as running) or started; blank = started for a new campaign, unchanged for an existing one; a started campaign cannot be planned again.", choices=("planned", "started"), example="planned"),
)
