"""Loading a campaign's facts from the canonical tables with Ibis.

The database does the scoping, joins and aggregation (latest snapshot per post, clicks per link and
local day, orders and leads credited and summed per breakdown key, followers as of the posting day,
traffic per day and utm_content, comment labels per post); what comes back is small (one row per
post, link and day, order or lead bucket, cost, traffic day) and is turned into KPIs by
:mod:`influscope.kpi.engine` with integer and Decimal arithmetic, so that every backend gives the
same numbers. Timestamps are naive UTC; each fact gets its ``day`` in the campaign's time zone.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from influscope.attribution.credit import lead_buckets, order_buckets
from influscope.db import tables as t
from influscope.events import read as events_read
from influscope.kpi import prepared
from influscope.kpi.backends import fetch, first_per, has_table, table
from influscope.kpi.prepared import Slots
from influscope.metrics import click_rollups, timezones, unique_windows

UTC = dt.timezone.utc
METRICS = ("impressions", "reach", "views", "likes", "comments", "shares", "saves", "reactions", "link_clicks",
           "watch_time_s")


class CampaignNotFound(LookupError):
    pass


@dataclass
class Campaign:
    id: int
    workspace_id: int
    workspace: str
    slug: str
    name: str
    goal: str
    start: dt.date
    end: dt.date
    timezone: str
    currency: str
    budget: Decimal | None
    baseline_start: dt.date | None
    baseline_end: dt.date | None
    targets: dict
    brand_accounts: list
    brand_terms: list
    competitor_terms: list
    methodology: dict
    workspace_methodology: dict

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone or "UTC")

    def day(self, ts: dt.datetime | None) -> dt.date | None:
        if ts is None:
            return None
        return ts.replace(tzinfo=UTC).astimezone(self.tz).date()

    def utc(self, day: dt.date) -> dt.datetime:
        """The UTC instant at which DAY begins in the campaign's time zone."""
        return dt.datetime.combine(day, dt.time(), self.tz).astimezone(UTC).replace(tzinfo=None)

    def credit_span(self, settings: dict) -> tuple[dt.datetime, dt.datetime]:
        """[from, to) (naive UTC) in which orders and leads can count for the campaign: its first day
        to its last plus the attribution window."""
        end = self.end + dt.timedelta(days=1 + settings["attribution_window_days"])
        return self.utc(self.start), self.utc(end)


def _json(value, default):
    if value is None:
        return default
    if isinstance(value, str):
        return json.loads(value) if value else default
    return value


def load_campaign(engine: sa.Engine, campaign: str | int, workspace: str | None = None) -> Campaign:
    """The campaign (by slug in WORKSPACE, or by id) with its workspace's methodology."""
    with engine.connect() as conn:
        q = sa.select(t.campaigns, t.workspaces.c.slug.label("ws_slug"),
                      t.workspaces.c.methodology.label("ws_methodology")).join_from(t.campaigns, t.workspaces)
        if isinstance(campaign, int):
            q = q.where(t.campaigns.c.id == campaign)
        else:
            if workspace is None:
                from influscope.config import get_settings

                workspace = get_settings().workspace
            q = q.where(t.workspaces.c.slug == workspace, t.campaigns.c.slug == campaign)
        row = conn.execute(q).mappings().first()
    if row is None:
        where = f" in workspace {workspace!r}" if workspace else ""
        raise CampaignNotFound(f"no campaign {campaign!r}{where}")
    return Campaign(
        id=row["id"], workspace_id=row["workspace_id"], workspace=row["ws_slug"], slug=row["slug"], name=row["name"],
        goal=row["goal"], start=row["start_date"], end=row["end_date"], timezone=row["timezone"] or "UTC",
        currency=row["currency"], budget=row["budget"], baseline_start=row["baseline_start"],
        baseline_end=row["baseline_end"], targets=_json(row["targets"], {}),
        brand_accounts=_json(row["brand_accounts"], []), brand_terms=_json(row["brand_terms"], []),
        competitor_terms=_json(row["competitor_terms"], []), methodology=_json(row["methodology"], {}),
        workspace_methodology=_json(row["ws_methodology"], {}),
    )


@dataclass
class Facts:
    campaign: Campaign
    creators: dict[int, dict] = field(default_factory=dict)  # campaign creators: id -> {key, name, accounts}
    posts: list[dict] = field(default_factory=list)
    links: dict[int, dict] = field(default_factory=dict)
    click_days: set[dt.date] = field(default_factory=set)  # days with a hit on the links, before any period filter
    click_buckets: list[dict] = field(default_factory=list)  # per link, bot flag and local day: n, unique
    # credited to a campaign creator in the window, summed per creator, post, platform, day, currency,
    # status, rule and code (orders) or per creator, post, platform, day, type and rule (leads): n, sums
    orders: list[dict] = field(default_factory=list)
    leads: list[dict] = field(default_factory=list)
    costs: list[dict] = field(default_factory=list)
    traffic: list[dict] = field(default_factory=list)  # per date and utm_content
    # brand accounts: (platform, handle) -> {day: the latest follower count on or before it}
    followers: dict[tuple[str, str], dict[dt.date, int]] = field(default_factory=dict)
    fx: dict[str, list[tuple[dt.date, Decimal, int]]] = field(default_factory=dict)  # currency -> [(date, rate, inverse)]
    # the accounts' latest audience breakdown per dimension on or before ``on`` (campaign start, end)
    audience: list[dict] = field(default_factory=list)
    comment_stats: list[dict] | None = None  # per post: pos, neg, neu, intent, classified
    mentions: list[dict] | None = None  # per post, kind, on the post itself or a comment, hashtag: n
    credibility: list[dict] | None = None
    audience_note: str | None = None
    orders_seen: int = 0  # orders of the workspace in the attribution window, credited or not
    leads_seen: int = 0


def _years(campaign: Campaign) -> tuple[int, int]:
    """The span of years whose time-zone offsets the campaign's day buckets need."""
    return (min(d for d in (campaign.start, campaign.baseline_start) if d is not None).year - 2,
            max(campaign.end, dt.date.today()).year + 2)


# Each query below is a builder for influscope.kpi.prepared: compiled once per shape (its positional
# arguments after P), run with the values of its slots bound (``p("ws", "int64")`` ...).

def _members(con, p: Slots):
    """The campaign's creators."""
    cc, cr = table(con, "campaign_creators"), table(con, "creators")
    return cc.filter(cc.campaign_id == p("cid", "int64")).join(cr, cc.creator_id == cr.id).select(
        cid=cr.id, ckey=cr.key, cname=cr.name)


def _member_ids(con, p: Slots):
    cc = table(con, "campaign_creators")
    return cc.filter(cc.campaign_id == p("cid", "int64")).creator_id


def _member_accounts(con, p: Slots):
    """The accounts of the campaign's creators."""
    acc = table(con, "creator_accounts")
    return acc.filter(acc.workspace_id == p("ws", "int64"), acc.creator_id.isin(_member_ids(con, p))).select(
        "creator_id", "platform", "handle", "followers")


def _posts(con, p: Slots, offsets: int):
    """Posts with their latest snapshot, their account and its followers on the posting day (the latest
    follower count on or before it, else the account's own count): as-of joins in the database."""
    ws = p("ws", "int64")
    posts = table(con, "posts")
    posts = posts.filter(posts.workspace_id == ws, posts.campaign_id == p("cid", "int64"))
    pm = table(con, "post_metrics")
    pids = posts.select(pid=posts.id)
    mine = pm.join(pids, pm.post_id == pids.pid)
    latest = mine.group_by(lpid=mine.post_id).aggregate(last=mine.as_of.max())
    snap = pm.join(latest, [pm.post_id == latest.lpid, pm.as_of == latest.last]).select(
        spid=pm.post_id, as_of=pm.as_of, **{m: pm[m] for m in METRICS})
    acc = table(con, "creator_accounts")
    accw = acc.filter(acc.workspace_id == ws).select(
        a_creator=acc.creator_id, a_platform=acc.platform, a_handle=acc.handle, a_followers=acc.followers)
    fs = table(con, "follower_snapshots")
    fsw = fs.filter(fs.workspace_id == ws)
    # the follower counts of the creators' accounts (the join with the dated posts below keeps the
    # posting creators': each post looks up its account, then that account's counts by the unique index)
    counted = fsw.join(acc, [acc.workspace_id == ws, fsw.platform == acc.platform, fsw.handle == acc.handle])
    counted = counted.select(s_creator=acc.creator_id, s_platform=fsw.platform, date=fsw.date, followers=fsw.followers,
                             s_day=timezones.epoch_s(fsw.date.cast("timestamp")) // timezones.DAY_S)
    dated = posts.filter(posts.posted_at.notnull()).select(
        q_post=posts.id, q_creator=posts.creator_id, q_platform=posts.platform,
        q_day=timezones.local_day_slots(posts.posted_at, p, offsets))
    qs = dated.join(counted, [dated.q_creator == counted.s_creator, dated.q_platform == counted.s_platform,
                              counted.s_day <= dated.q_day])
    # the latest count's day per post, then that day's count (an account has one count a day): a
    # grouped maximum, where ranking every earlier count of every post would sort them all
    last = qs.group_by(l_post=qs.q_post, l_creator=qs.q_creator, l_platform=qs.q_platform).aggregate(
        l_date=qs.date.max())
    at_post = last.join(counted, [last.l_creator == counted.s_creator, last.l_platform == counted.s_platform,
                                  last.l_date == counted.date]).select(f_post=last.l_post, f_followers=counted.followers)
    out = (posts.left_join(snap, posts.id == snap.spid)
                .left_join(accw, [posts.creator_id == accw.a_creator, posts.platform == accw.a_platform])
                .left_join(at_post, posts.id == at_post.f_post))
    return out.select("id", "key", "creator_id", "platform", "content_type", "posted_at", "caption", "as_of", *METRICS,
                      handle=out.a_handle, followers_at_post=out.f_followers.fill_null(out.a_followers))


def _post_records(con, p: Slots, offsets: int):
    """The campaign's posts with their account's handle and own follower count and the local posting
    day: the operational half of :func:`_posts` when snapshots and follower counts live in the event
    store (:func:`influscope.events.read.with_snapshots` adds the other half)."""
    import ibis  # only when compiling (a cached query needs no Ibis)

    ws = p("ws", "int64")
    posts = table(con, "posts")
    posts = posts.filter(posts.workspace_id == ws, posts.campaign_id == p("cid", "int64"))
    acc = table(con, "creator_accounts")
    accw = acc.filter(acc.workspace_id == ws).select(
        a_creator=acc.creator_id, a_platform=acc.platform, a_handle=acc.handle, a_followers=acc.followers)
    out = posts.left_join(accw, [posts.creator_id == accw.a_creator, posts.platform == accw.a_platform])
    return out.select("id", "key", "creator_id", "platform", "content_type", "posted_at", "caption",
                      handle=out.a_handle, a_followers=out.a_followers,
                      q_day=ibis.ifelse(out.posted_at.notnull(), timezones.local_day_slots(out.posted_at, p, offsets),
                                        ibis.null("int64")))


def _brand_followers(con, p: Slots, accounts: int, days: int):
    """The latest follower count on or before each of DAYS days (slots ``on_0`` ...) of ACCOUNTS brand
    accounts (slots ``platform_0``, ``handle_0`` ...)."""
    import ibis  # only when compiling (a cached query needs no Ibis)

    fs = table(con, "follower_snapshots")
    fsw = fs.filter(fs.workspace_id == p("ws", "int64"))
    mine = fsw.filter(ibis.or_(*((fsw.platform == p(f"platform_{i}", "string")) & (fsw.handle == p(f"handle_{i}", "string"))
                                 for i in range(accounts))))
    parts = []
    for k in range(days):
        on = p(f"on_{k}", "date")
        parts.append(first_per(mine.filter(mine.date <= on), ["platform", "handle"], mine.date.desc()).select(
            "platform", "handle", "followers", on=on))
    return parts[0].union(*parts[1:]) if len(parts) > 1 else parts[0]


def _links(con, p: Slots):
    lk = table(con, "links")
    return lk.filter(lk.workspace_id == p("ws", "int64"), lk.campaign_id == p("cid", "int64")).select(
        "id", "slug", "creator_id", "platform", "post_id")


def _costs(con, p: Slots):
    co = table(con, "costs")
    return co.filter(co.workspace_id == p("ws", "int64"), co.campaign_id == p("cid", "int64")).select(
        "key", "creator_id", "kind", "amount", "currency", "incurred_on")


def _fx(con, p: Slots):
    """The workspace's exchange rates from or to the campaign currency (slot ``currency``)."""
    fx = table(con, "fx_rates")
    cur = p("currency", "string")
    return fx.filter(fx.workspace_id == p("ws", "int64"), (fx.base == cur) | (fx.currency == cur)).select(
        "date", "base", "currency", "rate")


def _traffic(con, p: Slots):
    """Site traffic per day and utm_content from ``first`` to ``last``."""
    tr = table(con, "traffic")
    tr = tr.filter(tr.workspace_id == p("ws", "int64"), tr.date >= p("first", "date"), tr.date <= p("last", "date"))
    return tr.group_by(["date", "content"]).aggregate(
        sessions=tr.sessions.sum(), new_users=tr.new_users.sum(), pageviews=tr.pageviews.sum(),
        returning=tr.returning_users.sum(), sessions_n=tr.sessions.sum(where=tr.new_users.notnull()),
        engaged=tr.engaged_sessions.sum(), sessions_e=tr.sessions.sum(where=tr.engaged_sessions.notnull()),
        sessions_p=tr.sessions.sum(where=tr.pageviews.notnull()),
        duration=tr.session_duration_s.sum(), sessions_d=tr.sessions.sum(where=tr.session_duration_s.notnull()))


def _audience(con, p: Slots, days: int):
    """The campaign creators' accounts' latest audience breakdown per dimension on or before each of
    DAYS days (slots ``on_0`` ...)."""
    au = table(con, "audience")
    members = _member_accounts(con, p)
    mine = au.filter(au.workspace_id == p("ws", "int64")).semi_join(
        members, [au.platform == members.platform, au.handle == members.handle])
    parts = []
    for k in range(days):
        on = p(f"on_{k}", "date")
        upto = mine.filter(mine.date <= on)
        last = upto.date.max().over(group_by=[upto.platform, upto.handle, upto.dimension])
        latest = upto.mutate(last=last)
        parts.append(latest.filter(latest.date == latest.last).select(
            "platform", "handle", "date", "dimension", "bucket", "share", on=on))
    return parts[0].union(*parts[1:]) if len(parts) > 1 else parts[0]


def load(con, campaign: Campaign, settings: dict, *, start: dt.date | None = None,
         end: dt.date | None = None) -> Facts:
    """Every fact the catalogue needs for CAMPAIGN, scoped to its workspace (and to [start, end] if given)."""
    ws, cid = campaign.workspace_id, campaign.id
    f = Facts(campaign)
    years = _years(campaign)

    # creators of the campaign and their accounts
    for r in prepared.rows(con, _members, cid=cid):
        f.creators[r["cid"]] = {"key": r["ckey"], "name": r["cname"], "accounts": {}}
    for r in prepared.rows(con, _member_accounts, ws=ws, cid=cid):
        if r["creator_id"] in f.creators:
            f.creators[r["creator_id"]]["accounts"][r["platform"]] = {"handle": r["handle"], "followers": r["followers"]}

    offsets, schedule = timezones.schedule_values(campaign.timezone, *years)
    if events_read.holds(con, "post_metrics"):  # snapshots and follower counts in the event store
        f.posts = events_read.with_snapshots(con, ws, prepared.rows(con, _post_records, offsets, ws=ws, cid=cid,
                                                                     **schedule))
    else:
        f.posts = prepared.rows(con, _posts, offsets, ws=ws, cid=cid, **schedule)
    for post in f.posts:
        post["day"] = campaign.day(post["posted_at"])
        post["has_metrics"] = post["as_of"] is not None

    # brand accounts' followers on the days follower growth compares (the latest count on or before each)
    days = sorted({d for d in (campaign.start, campaign.end, campaign.baseline_start, campaign.baseline_end) if d})
    brand = sorted({(a["platform"], a["handle"]) for a in campaign.brand_accounts})
    if brand:
        values = {f"on_{k}": d for k, d in enumerate(days)}
        for i, (platform, handle) in enumerate(brand):
            values.update({f"platform_{i}": platform, f"handle_{i}": handle})
        for r in events_read.rows(con, _brand_followers, len(brand), len(days), ws=ws, **values):
            f.followers.setdefault((r["platform"], r["handle"]), {})[r["on"]] = int(r["followers"])

    # links, and their hits and window-opening hits per link, bot flag and local day (kept at ingest)
    for r in prepared.rows(con, _links, ws=ws, cid=cid):
        f.links[r["id"]] = r
    post_by_id = {x["id"]: x for x in f.posts}
    for link in f.links.values():
        linked_post = post_by_id.get(link["post_id"])
        link["content_type"] = linked_post["content_type"] if linked_post else None
        if not link["platform"] and linked_post:
            link["platform"] = linked_post["platform"]
    if f.links:
        for r in _click_rows(con, campaign, sorted(f.links), settings):
            day = timezones.day_of(r["day"])
            f.click_buckets.append({"link_id": r["link_id"], "is_bot": bool(r["is_bot"]), "day": day, "n": int(r["n"]),
                                    "unique": int(r["u"] or 0)})

    # orders and leads credited to the campaign's creators, from the start to the end plus the window,
    # summed per breakdown key by the database (influscope.attribution.credit)
    lo, hi = campaign.credit_span(settings)
    for kind, buckets in (("orders", order_buckets), ("leads", lead_buckets)):
        rows = buckets(con, ws, lo, hi, settings, campaign.timezone, years)
        setattr(f, f"{kind}_seen", sum(r["n"] for r in rows))
        mine = [r for r in rows if r["creator_id"] in f.creators]
        for x in mine:
            linked_post = post_by_id.get(x["post_id"])
            x["content_type"] = linked_post["content_type"] if linked_post else None
        setattr(f, kind, mine)

    # costs and exchange rates
    f.costs = prepared.rows(con, _costs, ws=ws, cid=cid)
    for x in f.costs:
        x["day"] = x["incurred_on"]
    cur = campaign.currency
    for r in prepared.rows(con, _fx, ws=ws, currency=cur):
        rate = Decimal(int(r["rate"])) / 100_000_000
        if r["base"] == cur and r["currency"] != cur:
            f.fx.setdefault(r["currency"], []).append((r["date"], rate, 0))
        elif r["currency"] == cur and r["base"] != cur:
            f.fx.setdefault(r["base"], []).append((r["date"], rate, 1))
    for rates in f.fx.values():
        rates.sort()

    # site traffic per day and utm_content (baseline through the campaign end)
    first_day = min(d for d in (campaign.start, campaign.baseline_start) if d is not None)
    f.traffic = events_read.rows(con, _traffic, ws=ws, first=first_day, last=campaign.end)
    for x in f.traffic:
        x["day"] = x["date"]
        x["content"] = (x["content"] or "").strip().lstrip("@").lower()

    # audience shares of the campaign's accounts: each account's latest breakdown per dimension on or
    # before the start and the end
    if any(c_["accounts"] for c_ in f.creators.values()):
        on_days = sorted({campaign.start, campaign.end})
        f.audience = prepared.rows(con, _audience, len(on_days), ws=ws, cid=cid,
                                   **{f"on_{k}": d for k, d in enumerate(on_days)})

    _load_audience_analysis(con, f, ws, cid)

    f.click_days = {b["day"] for b in f.click_buckets}
    if start or end:
        lo_d, hi_d = start or dt.date.min, end or dt.date.max
        keep = lambda x: x.get("day") is not None and lo_d <= x["day"] <= hi_d  # noqa: E731
        f.posts = [x for x in f.posts if keep(x)]
        f.click_buckets = [x for x in f.click_buckets if keep(x)]
        f.orders = [x for x in f.orders if keep(x)]
        f.leads = [x for x in f.leads if keep(x)]
        f.costs = [x for x in f.costs if keep(x)]
        f.traffic = [x for x in f.traffic if keep(x) or (campaign.baseline_start and campaign.baseline_end and
                                                         campaign.baseline_start <= x["day"] <= campaign.baseline_end)]
    return f


MAX_BOUND_LINKS = 2000  # campaigns with more links read their clicks through an expression compiled per call


def _click_rows(con, campaign: Campaign, link_ids: list[int], settings: dict) -> list[dict]:
    """The rows of :func:`click_buckets` for LINK_IDS: from the click rollups kept at ingest
    (:mod:`influscope.metrics.click_rollups`) when all of them are in the campaign's time zone,
    else from the raw clicks. Both are compiled query shapes (:mod:`influscope.kpi.prepared`)
    unless the clicks live in an event store or the campaign has very many links."""
    flag = unique_windows.flag_column(settings["unique_click_window"], settings["bot_clicks"] == "included")
    events = events_read.reader_of(con)
    bound = len(link_ids) <= MAX_BOUND_LINKS and not (events is not None and events.has("clicks"))
    links = {f"link_{i}": link for i, link in enumerate(link_ids)}
    if click_rollups.kept_for(con):
        if bound:
            found = prepared.rows(con, _rollup_buckets, len(link_ids), flag, ws=campaign.workspace_id, **links)
        else:
            found = fetch(con, click_rollups.buckets(table(con, "click_days"), campaign.workspace_id, link_ids, flag))
        rows = click_rollups.in_zone(found, campaign.timezone)
        if rows is not None:
            return rows
    if bound:
        offsets, schedule = timezones.schedule_values(campaign.timezone, *_years(campaign))
        return prepared.rows(con, _click_buckets, len(link_ids), flag, offsets, ws=campaign.workspace_id,
                             **links, **schedule)
    return fetch(con, click_buckets(table(con, "clicks"), campaign.workspace_id, link_ids, settings, campaign.timezone,
                                    _years(campaign)))


def _rollup_buckets(con, p: Slots, links: int, flag: str):
    """:func:`influscope.metrics.click_rollups.buckets` with the workspace and LINKS link ids bound."""
    return click_rollups.buckets(table(con, "click_days"), p("ws", "int64"),
                                 [p(f"link_{i}", "int64") for i in range(links)], flag)


def _click_buckets(con, p: Slots, links: int, flag: str, offsets: int):
    """:func:`click_buckets` with the workspace, LINKS link ids and the time zone's schedule bound."""
    clicks = table(con, "clicks")
    c = clicks.filter(clicks.workspace_id == p("ws", "int64"),
                      clicks.link_id.isin([p(f"link_{i}", "int64") for i in range(links)]))
    b = c.mutate(day=timezones.local_day_slots(c.ts, p, offsets))
    return b.group_by(["link_id", "is_bot", "day"]).aggregate(n=b.count(), u=b[flag].ifelse(1, 0).sum())


def click_buckets(clicks, workspace_id: int, link_ids: list[int], settings: dict, timezone: str = "UTC",
                  years: tuple[int, int] = (2000, 2100)):
    """Hits and window-opening hits per link, bot flag and day in TIMEZONE (an Ibis expression;
    ``day`` counts days since 1970-01-01, exact for hits within YEARS)."""
    c = clicks.filter(clicks.workspace_id == workspace_id, clicks.link_id.isin(link_ids))
    b = c.mutate(day=timezones.local_day(c.ts, timezone, *years))
    # hits that open a unique-click window are flagged when written (influscope.metrics.unique_windows)
    opens = b[unique_windows.flag_column(settings["unique_click_window"], settings["bot_clicks"] == "included")]
    return b.group_by(["link_id", "is_bot", "day"]).aggregate(n=b.count(), u=opens.ifelse(1, 0).sum())


def _comment_stats(con, p: Slots):
    """Labelled comments per post of the campaign: positive, negative, with purchase intent, in all."""
    ws = p("ws", "int64")
    cl, cm, posts = table(con, "comment_labels"), table(con, "comments"), table(con, "posts")
    mine = posts.filter(posts.workspace_id == ws, posts.campaign_id == p("cid", "int64")).select(mine_post=posts.id)
    # from the campaign's posts (of the workspace) to their comments, by the post index, and their
    # labels, by key: the workspace's other comments are never read
    j = mine.join(cm, cm.post_id == mine.mine_post).join(cl, cm.id == cl.comment_id)
    return j.group_by("post_id").aggregate(
        pos=(j.label == "pos").ifelse(1, 0).sum(), neg=(j.label == "neg").ifelse(1, 0).sum(),
        intent=j.intent.ifelse(1, 0).sum(), classified=j.count())


def _mentions(con, p: Slots):
    import ibis  # only when compiling (a cached query needs no Ibis)

    mn = table(con, "mentions")
    m = mn.filter(mn.workspace_id == p("ws", "int64"), mn.campaign_id == p("cid", "int64"))
    return m.group_by(post_id=m.post_id, kind=m.kind, on_post=ibis.ifelse(m.comment_id.isnull(), 1, 0),
                      hashtag=ibis.ifelse(m.term.startswith("#"), 1, 0)).aggregate(n=m.count())


def _credibility(con, p: Slots):
    ac, acc = table(con, "account_credibility"), table(con, "creator_accounts")
    j = ac.join(acc.filter(acc.workspace_id == p("ws", "int64")), ac.creator_account_id == acc.id)
    return j.select("creator_account_id", "creator_id", "platform", "score", "computed_at")


def _load_audience_analysis(con, f: Facts, ws: int, cid: int) -> None:
    """Comment labels, mentions and credibility from the audience tables, when they exist."""
    present = {n for n in ("comment_labels", "comments", "mentions", "account_credibility") if has_table(con, n)}
    if "comment_labels" in present and "comments" in present:
        f.comment_stats = prepared.rows(con, _comment_stats, ws=ws, cid=cid)
    if "mentions" in present:
        f.mentions = prepared.rows(con, _mentions, ws=ws, cid=cid)
    if "account_credibility" in present:
        rows = prepared.rows(con, _credibility, ws=ws)
        latest: dict[int, dict] = {}
        for r in rows:
            if r["creator_id"] not in f.creators:
                continue
            cur = latest.get(r["creator_account_id"])
            if cur is None or (r["computed_at"] or dt.datetime.min) > (cur["computed_at"] or dt.datetime.min):
                latest[r["creator_account_id"]] = r
        f.credibility = list(latest.values())
