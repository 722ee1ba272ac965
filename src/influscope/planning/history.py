"""What the store knows about creators' past deliverables, read with grouped queries.

- :func:`recent_posts`: one creator account's latest posts (latest metric snapshot each), newest
  first: the per-post observations of reach, impressions, views and engagements.
- :func:`peer_accounts`: one row per creator account of the workspace (count, sum and sum of
  squares of each post metric over the posts' latest snapshots), for the tier priors.

Engagements are likes + comments + shares + saves (the parts a post reports); a post's EMV is
``sum(count x rate)`` of the rate table's actions on its platform, in the table's currency.
- :func:`campaign_rows`: per creator and campaign, the KPI engine's results (``influscope.kpis``
  by creator, memoised): posts, impressions, engagements, clicks, orders, revenue and spend; the
  revenue of a campaign still running projected to its end by its sales forecast.

``before`` limits everything to posts published (campaigns started) before that moment, which is
how the backtest values a creator "as of" the start of a campaign; ``exclude_campaign`` leaves out
the posts of the campaign being planned.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from influscope.db import tables as t

__all__ = [
    "OUTCOMES",
    "POST_METRICS",
    "CampaignRow",
    "campaign_rows",
    "fx_rate",
    "latest_followers",
    "peer_accounts",
    "recent_posts",
]

POST_METRICS = ("reach", "impressions", "views", "engagements", "emv")
OUTCOMES = ("clicks", "orders", "revenue")
_ENGAGEMENT_PARTS = ("likes", "comments", "shares", "saves")


def _latest_metrics(m=None):
    m = t.post_metrics if m is None else m
    latest = sa.select(m.c.post_id, sa.func.max(m.c.as_of).label("as_of")).group_by(m.c.post_id).subquery()
    return m, latest


@contextlib.contextmanager
def _snapshots(conn, workspace_id: int, posts=None):
    """``post_metrics``, or with an event store the latest snapshots of the workspace's posts (those
    POSTS selects, a select of post ids, or all) handed over from it."""
    from influscope.events import records as event_records

    if not event_records.enabled():
        yield t.post_metrics
        return
    ids = None if posts is None else list(conn.execute(posts).scalars())
    staged = event_records.stage_latest_snapshots(conn, workspace_id, post_ids=ids)
    try:
        yield staged
    finally:
        event_records.unstage(conn, staged)


def _engagements(m):
    parts = [sa.func.coalesce(m.c[k], 0) for k in _ENGAGEMENT_PARTS]
    any_present = sa.or_(*[m.c[k].isnot(None) for k in _ENGAGEMENT_PARTS])
    return sa.case((any_present, parts[0] + parts[1] + parts[2] + parts[3]), else_=None)


_EMV_COLUMN = {"clicks": "link_clicks"}


def _emv(m, p, rates: dict | None):
    """Per-post EMV in SQL: sum of count x rate over the actions the table prices on the post's platform."""
    if not rates:
        return sa.null()
    whens = []
    for platform, actions in rates.items():
        cols = [(m.c[_EMV_COLUMN.get(a, a)], r) for a, r in actions.items() if _EMV_COLUMN.get(a, a) in m.c]
        if not cols:
            continue
        total = sum((sa.func.coalesce(c, 0) * float(r) for c, r in cols[1:]), sa.func.coalesce(cols[0][0], 0) * float(cols[0][1]))
        whens.append((sa.and_(p.c.platform == platform, sa.or_(*[c.isnot(None) for c, _ in cols])), total))
    return sa.case(*whens, else_=None) if whens else sa.null()


def _metric_columns(m, p, emv_rates: dict | None):
    return {"reach": m.c.reach, "impressions": m.c.impressions, "views": m.c.views, "engagements": _engagements(m),
            "emv": _emv(m, p, emv_rates)}


def recent_posts(conn, workspace_id: int, creator_id: int, platform: str, *, recent: int = 12,
                 before: dt.datetime | None = None, emv_rates: dict | None = None,
                 exclude_campaign: int | None = None) -> tuple[dict[str, list[float]], int]:
    """Observed values per metric over the account's ``recent`` latest posts, and the campaigns they span."""
    mine = sa.select(t.posts.c.id).where(t.posts.c.workspace_id == workspace_id, t.posts.c.creator_id == creator_id,
                                         t.posts.c.platform == platform)
    with _snapshots(conn, workspace_id, mine) as snapshots:
        return _recent_posts(conn, snapshots, workspace_id, creator_id, platform, recent, before, emv_rates,
                             exclude_campaign)


def _recent_posts(conn, snapshots, workspace_id, creator_id, platform, recent, before, emv_rates, exclude_campaign):
    p = t.posts
    m, latest = _latest_metrics(snapshots)
    cols = _metric_columns(m, p, emv_rates)
    q = (sa.select(p.c.campaign_id, *[c.label(k) for k, c in cols.items()])
         .select_from(p.join(latest, latest.c.post_id == p.c.id)
                      .join(m, sa.and_(m.c.post_id == latest.c.post_id, m.c.as_of == latest.c.as_of)))
         .where(p.c.workspace_id == workspace_id, p.c.creator_id == creator_id, p.c.platform == platform)
         .order_by(p.c.posted_at.desc().nulls_last(), p.c.id.desc()).limit(recent))
    if before is not None:
        q = q.where(p.c.posted_at < before)
    if exclude_campaign is not None:
        q = q.where(p.c.campaign_id != exclude_campaign)
    out: dict[str, list[float]] = {k: [] for k in POST_METRICS}
    campaigns = set()
    for row in conn.execute(q).mappings():
        campaigns.add(row["campaign_id"])
        for k in POST_METRICS:
            if row[k] is not None:
                out[k].append(float(row[k]))
    return out, len(campaigns)


@dataclass(frozen=True)
class PeerAccount:
    creator_id: int
    platform: str
    followers: int | None
    posts: int
    sums: dict[str, tuple[int, float, float]]  # metric -> (count, sum, sum of squares)


def peer_accounts(conn, workspace_id: int, *, before: dt.datetime | None = None,
                  emv_rates: dict | None = None, exclude_campaign: int | None = None) -> list[PeerAccount]:
    """One row per creator account with posts: followers and per-metric count, sum, sum of squares."""
    with _snapshots(conn, workspace_id) as snapshots:
        return _peer_accounts(conn, snapshots, workspace_id, before, emv_rates, exclude_campaign)


def _peer_accounts(conn, snapshots, workspace_id, before, emv_rates, exclude_campaign) -> list[PeerAccount]:
    p, a = t.posts, t.creator_accounts
    m, latest = _latest_metrics(snapshots)
    cols = _metric_columns(m, p, emv_rates)
    aggs = []
    for k, c in cols.items():
        f = sa.cast(c, sa.Float)
        aggs += [sa.func.count(c).label(f"{k}_n"), sa.func.sum(f).label(f"{k}_s"), sa.func.sum(f * f).label(f"{k}_q")]
    q = (sa.select(p.c.creator_id, p.c.platform, sa.func.max(a.c.followers).label("followers"),
                   sa.func.count().label("posts"), *aggs)
         .select_from(p.join(latest, latest.c.post_id == p.c.id)
                      .join(m, sa.and_(m.c.post_id == latest.c.post_id, m.c.as_of == latest.c.as_of))
                      .outerjoin(a, sa.and_(a.c.creator_id == p.c.creator_id, a.c.platform == p.c.platform)))
         .where(p.c.workspace_id == workspace_id)
         .group_by(p.c.creator_id, p.c.platform))
    if before is not None:
        q = q.where(p.c.posted_at < before)
    if exclude_campaign is not None:
        q = q.where(p.c.campaign_id != exclude_campaign)
    out = []
    for r in conn.execute(q).mappings():
        sums = {k: (int(r[f"{k}_n"] or 0), float(r[f"{k}_s"] or 0), float(r[f"{k}_q"] or 0)) for k in POST_METRICS}
        out.append(PeerAccount(r["creator_id"], r["platform"], r["followers"], int(r["posts"]), sums))
    return out


def latest_followers(conn, workspace_id: int, platform: str, handle: str, fallback: int | None,
                     before: dt.date | None = None) -> int | None:
    """The account's latest follower snapshot (before ``before``), else its recorded follower count."""
    from influscope.events import records as event_records

    if event_records.enabled():  # the follower counts live in the event store
        found = event_records.follower_counts(workspace_id, platform, handle, before=before, latest=True)
        return found[0][1] if found else fallback
    fs = t.follower_snapshots
    q = (sa.select(fs.c.followers).where(fs.c.workspace_id == workspace_id, fs.c.platform == platform,
                                         fs.c.handle == handle).order_by(fs.c.date.desc()).limit(1))
    if before is not None:
        q = q.where(fs.c.date < before)
    snap = conn.execute(q).scalar()
    return int(snap) if snap is not None else fallback


def _direct_rate(conn, workspace_id: int, from_currency: str, to_currency: str) -> float | None:
    fx = t.fx_rates
    for base, cur, invert in ((to_currency, from_currency, False), (from_currency, to_currency, True)):
        rate = conn.execute(sa.select(fx.c.rate).where(fx.c.workspace_id == workspace_id, fx.c.base == base,
                                                       fx.c.currency == cur).order_by(fx.c.date.desc()).limit(1)).scalar()
        if rate:
            return 1 / float(rate) if invert else float(rate)
    return None


def fx_rate(conn, workspace_id: int, from_currency: str, to_currency: str) -> float | None:
    """Units of ``to_currency`` per 1 ``from_currency`` from the workspace's latest stored rate.

    Without a direct rate between the two, through a third currency both have a rate with (USD
    first): a workspace with TWD per USD and AED per USD converts TWD to AED.
    """
    if from_currency == to_currency:
        return 1.0
    direct = _direct_rate(conn, workspace_id, from_currency, to_currency)
    if direct is not None:
        return direct
    fx = t.fx_rates
    pairs = conn.execute(sa.select(fx.c.base, fx.c.currency).where(fx.c.workspace_id == workspace_id).distinct()).all()
    linked: dict[str, set[str]] = {}
    for base, cur in pairs:
        linked.setdefault(base, set()).add(cur)
        linked.setdefault(cur, set()).add(base)
    via = sorted(linked.get(from_currency, set()) & linked.get(to_currency, set()), key=lambda c: (c != "USD", c))
    for mid in via:
        a, b = _direct_rate(conn, workspace_id, from_currency, mid), _direct_rate(conn, workspace_id, mid, to_currency)
        if a is not None and b is not None:
            return a * b
    return None


@dataclass(frozen=True)
class CampaignRow:
    campaign: str
    name: str
    start: dt.date
    currency: str
    creator: str
    values: dict[str, float | None]  # posts, impressions, reach, engagements, clicks, orders, revenue, spend, emv
    revenue_factor: float | None = None  # running campaign: its revenue to date x this = projected to its end


_KPI_OF = {"posts": "posts", "impressions": "impressions", "reach": "reach", "views": "video_views",
           "engagements": "engagements", "clicks": "clicks", "orders": "conversions", "revenue": "revenue",
           "spend": "spend", "emv": "emv"}


def _num(v) -> float | None:
    if v is None or isinstance(v, bool):
        return None
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def revenue_projection(result: dict) -> float | None:
    """to_end / actual_to_date of a campaign's sales forecast (KPI ``sales_forecast``) while it runs, else None.

    A campaign still running has only part of its code and link sales; the forecast (Theil-Sen trend
    of its daily attributed revenue, :mod:`influscope.kpi.forecast`) projects them to its end date.
    """
    fc = (result.get("kpis") or {}).get("sales_forecast") or {}
    detail = fc.get("detail") or {}
    try:
        actual, to_end = float(detail.get("actual_to_date")), float(detail.get("to_end"))
    except (TypeError, ValueError):
        return None
    return to_end / actual if actual > 0 and to_end > actual else None


def campaign_rows(engine, workspace: str, campaigns: list[dict], *,
                  project: bool = True) -> tuple[list[CampaignRow], list[str]]:
    """The KPI engine's per-creator results of ``campaigns`` (rows of the campaigns table).

    ``project``: the revenue of a campaign still running is projected to its end with the campaign's
    sales forecast (each creator's revenue x the campaign's ``to_end / actual_to_date``); the factor
    is kept in :attr:`CampaignRow.revenue_factor`. ``project=False`` gives the revenue to date.
    """
    from influscope.reports import build

    rows: list[CampaignRow] = []
    errors: list[str] = []
    for c in campaigns:
        try:
            result = build.compute(engine, workspace, c["slug"], by="creator", diagnostics=False)
        except Exception as exc:  # noqa: BLE001 - one campaign that cannot be computed must not hide the rest
            errors.append(f"{c['slug']}: {exc}")
            continue
        factor = revenue_projection(result) if project else None
        for r in result.get("rows", []):
            key = build.row_key(r).get("creator")
            kpis = r.get("kpis", {})
            values = {}
            for name, kid in _KPI_OF.items():
                v = (kpis.get(kid) or {}).get("value")
                values[name] = _num(v)
            if factor is not None and values["revenue"] is not None:
                values["revenue"] *= factor
            rows.append(CampaignRow(c["slug"], c["name"], c["start_date"], c["currency"], str(key), values, factor))
    return rows, errors
