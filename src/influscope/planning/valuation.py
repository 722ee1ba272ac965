"""Creator valuation before signing: expected results per post and a fair fee range.

Public API::

    value_creator(followers: int, platform: str, posts: Sequence[Mapping] = (), *,
                  deliverables: int = 1, preset: str = "default",
                  emv_table: EmvTable | str | os.PathLike = "default",
                  cpm_range: tuple[Decimal, Decimal] | None = None,
                  cpe_range: tuple[Decimal, Decimal] | None = None,
                  currency: str = "USD", fx_rate: Decimal | None = None) -> Valuation

``posts`` are the creator's recent posts with the canonical posts.csv metric names
(impressions, reach, views, likes, comments, shares, saves, link_clicks); missing or empty values
are missing, not 0.

Expected results per post (each an :class:`Estimate` with the value, whether it is estimated, and
the basis in words):

- reach = median reach of the recent posts.
- impressions = median impressions; else median views; else reach x 1.5 (Modash's rule for
  estimated impressions; estimated).
- engagements = median of likes + comments + shares + saves (the components a post reports);
  without posts: followers x the ER band's midpoint for the platform and follower count (or the
  platform-wide ER) / 100 (estimated).
- engagement_rate = engagements / followers x 100.
- clicks = median link clicks; else impressions x the platform's CTR baseline / 100 (estimated).
- emv = EMV of the median counts with the rate table (kpi.emv), converted to ``currency``.

Fair fee range for ``deliverables`` posts:

- CPM basis: ``impressions x deliverables x CPM / 1000`` for CPM at the low and high end of
  ``cpm_range`` (in ``currency``). Without ``cpm_range``, the published influencer CPM band for the
  creator's tier (USD; micro 10-25, macro 25-50); tiers without a band use the whole published
  range (10-50). USD figures need ``fx_rate`` (units of ``currency`` per 1 USD) unless
  ``currency="USD"``.
- CPE cross-check (when ``cpe_range`` is given): ``engagements x deliverables x CPE``.
- EMV ceiling: paying more than the EMV means an EMV ROI below 1x.

``Valuation.formulas`` holds every formula with the numbers filled in; ``to_dict()`` gives JSON.

Creators already in the store::

    value_stored_creator(engine, creator_key: str, *, workspace: str, recent: int = 12, ...) -> StoredValuation
    value_creator(engine, creator_key, workspace=...)   # the same, for callers holding an engine

value every account of the creator from its latest follower count and its ``recent`` latest
posts (latest metric snapshot each). ``StoredValuation.to_dict()`` gives one readable line per
account; ``as_json()`` the full valuations.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Mapping, Sequence

import sqlalchemy as sa

from influscope.db.types import to_decimal
from influscope.planning.notes import N_, Benchmark, Num, Range, note
from influscope.kpi import benchmarks as bm
from influscope.kpi import emv as emv_mod

__all__ = ["Estimate", "StoredValuation", "Valuation", "value_creator", "value_stored_creator",
           "ENGAGEMENT_COMPONENTS", "IMPRESSIONS_PER_REACH"]

ENGAGEMENT_COMPONENTS = ("likes", "comments", "shares", "saves")
IMPRESSIONS_PER_REACH = Decimal("1.5")  # Modash: est. impressions = est. reach x 1.5
_METRICS = ("impressions", "reach", "views", "likes", "comments", "shares", "saves", "link_clicks")
_CENT = Decimal("0.01")


@dataclass(frozen=True)
class Estimate:
    value: float | None
    estimated: bool
    basis: str

    def to_dict(self) -> dict:
        return {"value": self.value, "estimated": self.estimated, "basis": self.basis}


@dataclass(frozen=True)
class Valuation:
    followers: int
    platform: str
    tier: str
    deliverables: int
    currency: str
    posts_used: int
    per_post: dict[str, Estimate]
    emv: Decimal | None
    emv_table: str
    fee_low: Decimal | None
    fee_high: Decimal | None
    fee_mid: Decimal | None
    cpm_low: Decimal | None
    cpm_high: Decimal | None
    cpm_basis: str
    cpe_fee_low: Decimal | None
    cpe_fee_high: Decimal | None
    formulas: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        def m(x):
            return None if x is None else str(x)

        return {
            "followers": self.followers, "platform": self.platform, "tier": self.tier,
            "deliverables": self.deliverables, "currency": self.currency, "posts_used": self.posts_used,
            "per_post": {k: v.to_dict() for k, v in self.per_post.items()},
            "emv": m(self.emv), "emv_table": self.emv_table,
            "fee": {"low": m(self.fee_low), "mid": m(self.fee_mid), "high": m(self.fee_high),
                    "cpm_low": m(self.cpm_low), "cpm_high": m(self.cpm_high), "basis": self.cpm_basis},
            "cpe_fee": {"low": m(self.cpe_fee_low), "high": m(self.cpe_fee_high)},
            "formulas": list(self.formulas), "notes": list(self.notes), "estimate": True,
        }


def _metric(post: Mapping, key: str, index: int) -> int | None:
    raw = post.get(key)
    if raw is None or (isinstance(raw, str) and raw.strip() == ""):
        return None
    try:
        d = to_decimal(raw, field=key)
    except ValueError:
        raise ValueError(f"posts[{index}].{key}: not a number: {raw!r}") from None
    if d < 0 or d != d.to_integral_value():
        raise ValueError(f"posts[{index}].{key}: must be a whole number >= 0, got {raw!r}")
    return int(d)


def _median(values: list[int]) -> float | None:
    return float(statistics.median(values)) if values else None


def _range(pair, name: str) -> tuple[Decimal, Decimal] | None:
    if pair is None:
        return None
    try:
        low, high = (to_decimal(pair[0], field=name), to_decimal(pair[1], field=name))
    except ValueError as exc:
        raise ValueError(f"{name}: {exc}") from None
    if low < 0 or high < low:
        raise ValueError(f"{name}: need 0 <= low <= high, got {low}-{high}")
    return low, high


def _q(x: Decimal) -> Decimal:
    return x.quantize(_CENT, rounding=ROUND_HALF_EVEN)


def _fmt(x) -> str:
    if x is None:
        return "n/a"
    if isinstance(x, Decimal):
        return f"{x:,.2f}"
    return f"{x:,.0f}" if float(x).is_integer() or abs(x) >= 100 else f"{x:,.2f}"


def _num(x) -> Num | str:
    """X as a note's number, written as :func:`_fmt` writes it."""
    if x is None:
        return "n/a"
    if isinstance(x, Decimal):
        return Num(x, ",.2f")
    return Num(x, ",.0f" if float(x).is_integer() or abs(x) >= 100 else ",.2f")


def _span(low, high) -> Range | str:
    """LOW-HIGH as a note's range, written as :func:`_fmt` writes them."""
    a, b = _num(low), _num(high)
    return Range(a, b) if isinstance(a, Num) and isinstance(b, Num) else f"{a}-{b}"


def value_creator(followers: int, platform: str, posts: Sequence[Mapping] = (), *,
                  deliverables: int = 1, preset: str = "default",
                  emv_table="default", cpm_range=None, cpe_range=None,
                  currency: str = "USD", fx_rate=None, workspace: str | None = None,
                  recent: int = 12):
    """Value a creator before signing (see the module docstring for every formula).

    Called as ``value_creator(engine, creator_key, workspace=...)`` (an SQLAlchemy engine first),
    it values a creator already in the store instead: :func:`value_stored_creator`.
    """
    if isinstance(followers, sa.engine.Engine):
        if workspace is None:
            from influscope import config

            workspace = config.get_settings().workspace
        return value_stored_creator(followers, platform, workspace=workspace, recent=recent,
                                    deliverables=deliverables, emv_table=emv_table, cpm_range=cpm_range,
                                    currency=currency, fx_rate=fx_rate, preset=preset)
    t = bm.tier(followers, preset)
    followers = int(followers)
    if followers <= 0:
        raise ValueError("followers must be positive to value a creator")
    if deliverables < 1:
        raise ValueError(f"deliverables must be at least 1, got {deliverables}")
    platform = bm.normalize_platform(platform)
    currency = currency.upper()
    fx = to_decimal(fx_rate, field="fx_rate") if fx_rate is not None else None
    if fx is not None and fx <= 0:
        raise ValueError("fx_rate must be positive")
    cpm_range = _range(cpm_range, "cpm_range")
    cpe_range = _range(cpe_range, "cpe_range")
    formulas: list[str] = []
    notes: list[str] = []

    def to_currency(amount: Decimal, from_currency: str, what: str) -> Decimal | None:
        if from_currency == currency:
            return amount
        if fx is None:
            notes.append(note(N_("%(what)s is in %(from_currency)s: give fx_rate (%(currency)s per 1 %(from_currency)s) "
                                 "or your own figures in %(currency)s"), what=what, from_currency=from_currency,
                              currency=currency))
            return None
        return amount * fx

    # ---- medians of recent posts
    per: dict[str, list[int]] = {k: [] for k in _METRICS}
    engagements: list[int] = []
    for i, post in enumerate(posts):
        vals = {k: _metric(post, k, i) for k in _METRICS}
        for k, v in vals.items():
            if v is not None:
                per[k].append(v)
        comps = [vals[c] for c in ENGAGEMENT_COMPONENTS if vals[c] is not None]
        if comps:
            engagements.append(sum(comps))
    n_posts = len(posts)
    med = {k: _median(v) for k, v in per.items()}
    est: dict[str, Estimate] = {}

    est["reach"] = (Estimate(med["reach"], False, note(N_("median reach of %(n)s recent post(s)"),
                                                       n=len(per["reach"])))
                    if med["reach"] is not None else Estimate(None, False, note(N_("no reach in the recent posts"))))
    if med["impressions"] is not None:
        est["impressions"] = Estimate(med["impressions"], False, note(N_("median impressions of %(n)s recent post(s)"),
                                                                      n=len(per["impressions"])))
    elif med["views"] is not None:
        est["impressions"] = Estimate(med["views"], False, note(N_("median views of %(n)s recent post(s)"),
                                                                n=len(per["views"])))
    elif med["reach"] is not None:
        est["impressions"] = Estimate(float(Decimal(repr(med["reach"])) * IMPRESSIONS_PER_REACH), True,
                                      note(N_("reach x 1.5 (Modash's rule for estimated impressions)")))
    else:
        est["impressions"] = Estimate(None, False, note(N_("no impressions, views or reach in the recent posts")))

    if engagements:
        est["engagements"] = Estimate(_median(engagements), False,
                                      note(N_("median of %(components)s over %(n)s recent post(s)"),
                                           components=" + ".join(ENGAGEMENT_COMPONENTS), n=len(engagements)))
    else:
        band = bm.er_band(platform, followers) or bm.for_kpi("engagement_rate", platform)
        if band is not None and band.value is not None:
            est["engagements"] = Estimate(followers * band.value / 100, True,
                                          note(N_("followers x %(rate)s %% (%(scope)s; %(source)s)"), rate=band.value,
                                               scope=Benchmark(band.scope), source=Benchmark(band.source.cite())))
        else:
            est["engagements"] = Estimate(None, False, note(N_("no recent posts and no ER benchmark for %(platform)s"),
                                                            platform=platform))
    e = est["engagements"].value
    est["engagement_rate"] = Estimate(None if e is None else e / followers * 100, est["engagements"].estimated,
                                      note(N_("engagements / followers x 100")))

    imp = est["impressions"].value
    if med["link_clicks"] is not None:
        est["clicks"] = Estimate(med["link_clicks"], False, note(N_("median link clicks of %(n)s recent post(s)"),
                                                                 n=len(per["link_clicks"])))
    elif imp is not None:
        ctr = bm.ctr_baseline(platform)
        est["clicks"] = Estimate(imp * ctr.value / 100, True, note(N_("impressions x %(rate)s %% CTR baseline (%(source)s)"),
                                                                   rate=ctr.value, source=Benchmark(ctr.source.cite())))
    else:
        est["clicks"] = Estimate(None, False, note(N_("no link clicks and no impressions")))

    # ---- EMV of the median counts
    table = emv_table if isinstance(emv_table, emv_mod.EmvTable) else emv_mod.load_table(emv_table)
    counts = {}
    for action, key in (("impressions", "impressions"), ("reach", "reach"), ("views", "views"),
                        ("likes", "likes"), ("comments", "comments"), ("shares", "shares"),
                        ("saves", "saves"), ("clicks", "link_clicks")):
        if med[key] is not None:
            counts[action] = int(Decimal(repr(med[key])).to_integral_value(rounding=ROUND_HALF_EVEN))
    emv_total = None
    try:
        per_post_emv = emv_mod.value(table, platform, counts) if counts else None
    except emv_mod.UnknownPlatform as exc:
        per_post_emv = None
        notes.append(str(exc))
    converted = None
    if per_post_emv is not None:
        converted = to_currency(per_post_emv, table.currency, note(N_("EMV table %(table)s"), table=table.name))
    if converted is not None:
        emv_total = _q(converted * deliverables)
        formulas.append(note(N_("emv = sum(median count x rate) x %(posts)s post(s) = %(per_post)s %(emv_currency)s "
                                "x %(posts)s = %(emv)s %(currency)s (table %(table)s)"),
                             posts=deliverables, per_post=_num(per_post_emv), emv_currency=table.currency,
                             emv=_num(emv_total), currency=currency, table=table.label()))
    elif not counts:
        notes.append(note(N_("EMV needs recent posts")))

    # ---- fee range
    cpm_basis = ""
    fee_low = fee_high = fee_mid = cpm_low = cpm_high = None
    if cpm_range is not None:
        cpm_low, cpm_high = cpm_range
        cpm_basis = note(N_("your CPM range in %(currency)s"), currency=currency)
    else:
        cpm = bm.for_kpi("cpm", platform, followers, preset=preset, currency="USD")
        if cpm is not None:
            low, high, cur = Decimal(str(cpm.low)), Decimal(str(cpm.high)), cpm.currency
            cpm_basis = note(N_("%(scope)s (%(source)s)"), scope=Benchmark(cpm.scope), source=Benchmark(cpm.source.cite()))
        else:
            bands = bm.cpm_bands()
            low = Decimal(str(min(b.low for b in bands)))
            high = Decimal(str(max(b.high for b in bands)))
            cur = bands[0].currency
            cpm_basis = note(N_("no published CPM band for the %(tier)s tier: whole published range (%(source)s)"),
                             tier=t.id, source=Benchmark(bands[0].source.cite()))
        cpm_low = to_currency(low, cur, note(N_("the published CPM benchmark")))
        cpm_high = to_currency(high, cur, note(N_("the published CPM benchmark")))
    if imp is not None and cpm_low is not None:
        total_imp = Decimal(repr(imp)) * deliverables
        fee_low, fee_high = _q(total_imp * cpm_low / 1000), _q(total_imp * cpm_high / 1000)
        fee_mid = _q((fee_low + fee_high) / 2)
        formulas.append(note(N_("fee = impressions x posts x CPM / 1000 = %(impressions)s x %(posts)s x %(cpm)s "
                                "/ 1000 = %(fee)s %(currency)s"),
                             impressions=_num(imp), posts=deliverables, cpm=_span(cpm_low, cpm_high),
                             fee=_span(fee_low, fee_high), currency=currency))
    elif imp is None:
        notes.append(note(N_("no impressions: the CPM-based fee range needs recent posts with impressions, views or "
                             "reach")))
    cpe_low = cpe_high = None
    if cpe_range is not None and e is not None:
        total_e = Decimal(repr(e)) * deliverables
        cpe_low, cpe_high = _q(total_e * cpe_range[0]), _q(total_e * cpe_range[1])
        formulas.append(note(N_("fee (CPE check) = engagements x posts x CPE = %(engagements)s x %(posts)s x "
                                "%(cpe)s = %(fee)s %(currency)s"),
                             engagements=_num(e), posts=deliverables, cpe=_span(*cpe_range),
                             fee=_span(cpe_low, cpe_high), currency=currency))
    if emv_total is not None and fee_high is not None and fee_high > emv_total:
        notes.append(note(N_("the high end of the fee range exceeds the EMV (%(emv)s %(currency)s): EMV ROI would be "
                             "below 1x"), emv=_num(emv_total), currency=currency))
    return Valuation(
        followers=followers, platform=platform, tier=t.id, deliverables=deliverables, currency=currency,
        posts_used=n_posts, per_post=est, emv=emv_total, emv_table=table.label(),
        fee_low=fee_low, fee_high=fee_high, fee_mid=fee_mid, cpm_low=cpm_low, cpm_high=cpm_high,
        cpm_basis=cpm_basis, cpe_fee_low=cpe_low, cpe_fee_high=cpe_high, formulas=formulas, notes=list(dict.fromkeys(notes)),
    )


# ---------------------------------------------------------------- creators already in the store

@dataclass(frozen=True)
class StoredValuation:
    """Valuations of every account of a stored creator (one :class:`Valuation` per platform)."""

    creator: str
    accounts: dict[str, Valuation]  # "platform @handle" -> valuation
    skipped: dict[str, str]  # "platform @handle" -> why it could not be valued

    def to_dict(self) -> dict[str, str]:
        """One readable line per account (what a summary panel shows)."""
        out: dict[str, str] = {}
        for name, v in self.accounts.items():
            parts = [f"{v.tier} tier, {v.followers:,} followers, {v.posts_used} recent post(s)"]
            per = []
            for k in ("impressions", "engagements", "clicks"):
                e = v.per_post[k]
                if e.value is not None:
                    per.append(f"{k} {e.value:,.0f}{' (est.)' if e.estimated else ''}")
            if per:
                parts.append("per post: " + ", ".join(per))
            if v.emv is not None:
                parts.append(f"EMV {v.emv:,.2f} {v.currency} (estimate)")
            if v.fee_low is not None:
                parts.append(f"fair fee {v.fee_low:,.2f}-{v.fee_high:,.2f} {v.currency}")
            out[name] = "; ".join(parts)
        for name, why in self.skipped.items():
            out[name] = why
        return out

    def as_json(self) -> dict:
        return {"creator": self.creator, "accounts": {k: v.to_dict() for k, v in self.accounts.items()},
                "skipped": dict(self.skipped)}


def value_stored_creator(engine, creator_key: str, *, workspace: str, recent: int = 12, deliverables: int = 1,
                         emv_table="default", cpm_range=None, currency: str = "USD", fx_rate=None,
                         preset: str = "default") -> StoredValuation:
    """Value every account of the stored creator ``creator_key`` in ``workspace``.

    Followers: the account's latest follower snapshot, else the account's follower count. Posts:
    the ``recent`` latest posts of the creator on that platform (any campaign), each with its
    latest metric snapshot. Then :func:`value_creator`. Raises LookupError for an unknown
    workspace or creator.
    """
    from influscope.db import slugs
    from influscope.db import tables as t
    from influscope.events import records as event_records

    with engine.connect() as conn:
        ws = slugs.workspace_id(conn, workspace)
        if ws is None:
            raise LookupError(f"no workspace {workspace!r}")
        creator = conn.execute(sa.select(t.creators.c.id).where(t.creators.c.workspace_id == ws,
                                                                t.creators.c.key == creator_key)).scalar()
        if creator is None:
            raise LookupError(f"no creator {creator_key!r} in workspace {workspace!r}")
        accounts = conn.execute(sa.select(t.creator_accounts.c.platform, t.creator_accounts.c.handle,
                                          t.creator_accounts.c.followers)
                                .where(t.creator_accounts.c.creator_id == creator, t.creator_accounts.c.workspace_id == ws)
                                .order_by(t.creator_accounts.c.platform)).all()
        found: dict[str, Valuation] = {}
        skipped: dict[str, str] = {}
        for platform, handle, followers in accounts:
            name = f"{platform} @{handle}"
            from influscope.planning.history import latest_followers

            followers = latest_followers(conn, ws, platform, handle, followers)
            if not followers:
                skipped[name] = "no follower count recorded"
                continue
            post_ids = conn.execute(sa.select(t.posts.c.id)
                                    .where(t.posts.c.workspace_id == ws, t.posts.c.creator_id == creator,
                                           t.posts.c.platform == platform)
                                    .order_by(t.posts.c.posted_at.desc().nulls_last(), t.posts.c.id.desc())
                                    .limit(recent)).scalars().all()
            posts = []
            if post_ids and event_records.enabled():  # the snapshots live in the event store
                latest_of = event_records.latest_snapshots(ws, post_ids)
                posts = [{k: latest_of[p][k] for k in _METRICS} for p in post_ids if p in latest_of]
            elif post_ids:
                m = t.post_metrics
                latest = (sa.select(m.c.post_id, sa.func.max(m.c.as_of).label("as_of"))
                          .where(m.c.post_id.in_(post_ids)).group_by(m.c.post_id).subquery())
                rows = conn.execute(sa.select(*[m.c[k] for k in _METRICS])
                                    .join(latest, sa.and_(latest.c.post_id == m.c.post_id, latest.c.as_of == m.c.as_of))
                                    ).mappings().all()
                posts = [dict(r) for r in rows]
            try:
                found[name] = value_creator(int(followers), platform, posts, deliverables=deliverables, preset=preset,
                                            emv_table=emv_table, cpm_range=cpm_range, currency=currency, fx_rate=fx_rate)
            except ValueError as exc:
                skipped[name] = str(exc)
    return StoredValuation(creator_key, found, skipped)
