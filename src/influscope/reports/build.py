"""Assemble a campaign :class:`~influscope.reports.model.Report` from the KPI engine.

The faces never compute a KPI: every value on a card, in the leaderboard, in the funnel and in the
daily trends comes from :func:`influscope.kpi.api.kpis`. The canonical store is read only for
raw listings (the campaign row, site sessions and follower counts per day for the before/after
charts, credibility reasons).
"""

from __future__ import annotations

import collections
import contextlib
import datetime as dt
import json
import re
import threading
import time
from decimal import Decimal
from typing import Any, Iterable, Iterator

import sqlalchemy as sa

from influscope.db import slugs
from influscope.db import tables as t
from influscope.metrics.policy import COST_KPIS  # hidden from those who may not see costs, in every face
from influscope.reports.model import Card, Column, Comparison, Diagnostic, FunnelStep, Report, Series, Summary, Table
from influscope.web import i18n
from influscope.web.i18n.data_texts import benchmark_text

# Each stage's funnel follows its own path; every step is shown as a share of the one before.
FUNNELS: dict[str, tuple[str, ...]] = {
    "tofu": ("reach", "engagements", "clicks"),
    "mofu": ("reach", "clicks", "referral_sessions", "leads"),
    "bofu": ("reach", "clicks", "referral_sessions", "conversions"),
}
FUNNEL = FUNNELS["bofu"]
# The KPI that says how well a creator did, per goal (best and worst creators in the summary).
CREATOR_RANK = {"tofu": "engagements", "mofu": "leads", "bofu": "revenue"}
DAILY_KPIS = ("clicks", "orders", "leads", "engagements", "revenue")
SENTIMENT_KPIS = ("sentiment_positive_pct", "sentiment_negative_pct", "net_sentiment", "purchase_intent_pct")
class CampaignNotFound(LookupError):
    pass


# ---------------------------------------------------------------------------------- KPI access

def catalogue() -> dict[str, Any]:
    from influscope.kpi.catalogue import KPIS

    return KPIS


def stage_defaults() -> dict[str, list[str]]:
    from influscope.kpi.catalogue import STAGE_DEFAULTS

    return STAGE_DEFAULTS


def compute(engine: sa.Engine, workspace: str, campaign: str, *, by: str | None = None,
            start: dt.date | None = None, end: dt.date | None = None, settings: dict | None = None,
            diagnostics: bool = True) -> dict:
    """``kpis(...).to_dict()``, memoised while the data are unchanged (see :func:`data_version`).

    ``diagnostics=False``: the diagnostics may be left out (a previous period is only compared)."""
    return compute_many(engine, workspace, campaign, [by], start=start, end=end, settings=settings,
                        diagnostics=diagnostics)[by]


def compute_many(engine: sa.Engine, workspace: str, campaign: str, breakdowns: Iterable[str | None], *,
                 start: dt.date | None = None, end: dt.date | None = None, settings: dict | None = None,
                 diagnostics: bool = True) -> dict[str | None, dict]:
    """:func:`compute` for several breakdowns of one campaign and period: those not in the cache
    come from one engine call (one read of the store), however many they are."""
    wanted = list(dict.fromkeys(breakdowns))
    base = (engine.url.render_as_string(hide_password=False), workspace, campaign, start, end,
            json.dumps(settings or {}, sort_keys=True, default=str))
    version = data_version(engine, workspace, campaign)
    found = _cached(base, wanted, version, diagnostics)
    missing = [by for by in wanted if by not in found]
    if missing:
        # Reading only: comments are analysed when they arrive or by the background job. The
        # diagnostics do not depend on the breakdown: computed once, whichever result carries them.
        run_diagnostics = diagnostics and not any(r.get("diagnostics_run") for r in found.values())
        # Requests made together (a page's rows and panels) may ask for the same result: the first
        # computes it, the others wait for it and take it from the cache.
        with _in_flight((*base, tuple(missing), run_diagnostics)):
            found.update(_cached(base, missing, version, diagnostics))
            missing = [by for by in missing if by not in found]
            if missing:
                from influscope.kpi.api import kpis_by

                results = kpis_by(campaign, missing, settings=settings, workspace=workspace, engine=engine,
                                  start=start, end=end, diagnostics=run_diagnostics)
                now = time.monotonic()
                with _CACHE_LOCK:
                    for by, res in results.items():
                        found[by] = _exact_money(res)
                        found[by]["diagnostics_run"] = run_diagnostics
                        _CACHE[(*base, by, run_diagnostics)] = (version, now, found[by])
                    while len(_CACHE) > CACHE_SIZE:
                        _CACHE.popitem(last=False)
    if diagnostics:
        source = next((r for r in found.values() if r.get("diagnostics_run")), None)
        if source is not None:
            for by, r in found.items():
                if not r.get("diagnostics_run"):
                    found[by] = {**r, "diagnostics": source.get("diagnostics", []), "diagnostics_run": True}
    return {by: found[by] for by in wanted}


def _cached(base: tuple, wanted: list[str | None], version: tuple, diagnostics: bool) -> dict[str | None, dict]:
    """The results of WANTED found in the cache for this data version (and not too old)."""
    now = time.monotonic()
    found: dict[str | None, dict] = {}
    with _CACHE_LOCK:
        for by in wanted:
            for with_diagnostics in (True, False) if not diagnostics else (True,):
                hit = _CACHE.get((*base, by, with_diagnostics))
                if hit is not None and hit[0] == version and now - hit[1] < CACHE_TTL:
                    _CACHE.move_to_end((*base, by, with_diagnostics))
                    found[by] = hit[2]
                    break
        if None in wanted and None not in found:  # any breakdown's result holds the campaign KPIs
            for key, hit in reversed(_CACHE.items()):
                if key[:len(base)] == base and (diagnostics is False or key[-1]) and hit[0] == version \
                        and now - hit[1] < CACHE_TTL:
                    found[None] = {**hit[2], "rows": [], "by": None}
                    break
    return found


@contextlib.contextmanager
def _in_flight(key: tuple) -> Iterator[None]:
    """Hold KEY's lock: one computation of the same result at a time in this process."""
    with _CACHE_LOCK:
        entry = _FLIGHTS.setdefault(key, [threading.Lock(), 0])
        entry[1] += 1
    try:
        with entry[0]:
            yield
    finally:
        with _CACHE_LOCK:
            entry[1] -= 1
            if entry[1] == 0:
                _FLIGHTS.pop(key, None)


def _exact_money(res) -> dict:
    """``res.to_dict()`` with money values kept as the engine's Decimals (``to_dict`` gives floats
    for JSON): exports and reports then carry the exact amounts."""
    out = res.to_dict()

    def restore(target: dict, source: dict) -> None:
        for kid, obj in source.items():
            value = obj.get("value") if isinstance(obj, dict) else None
            if isinstance(value, Decimal) and kid in target:
                target[kid]["value"] = value

    restore(out["kpis"], res.kpis)
    for row_out, row_in in zip(out.get("rows", []), getattr(res, "rows", []) or []):
        restore(row_out.get("kpis", {}), row_in.get("kpis", {}))
    return out


CACHE_SIZE = 128
CACHE_TTL = 600.0  # seconds; also bounds staleness after in-place corrections the version cannot see
_CACHE: "collections.OrderedDict[tuple, tuple[Any, float, dict]]" = collections.OrderedDict()
_CACHE_LOCK = threading.Lock()
_FLIGHTS: dict[tuple, list] = {}  # key -> [lock, number of holders and waiters]
_VERSIONED = ("post_metrics", "post_daily_metrics", "clicks", "orders", "leads", "traffic", "follower_snapshots", "comments", "costs",
              "fx_rates", "codes", "links", "posts", "creator_accounts", "audience")


def data_version(engine: sa.Engine, workspace: str, campaign: str) -> tuple:
    """A cheap fingerprint of what a campaign's KPIs depend on: the highest ids of the event
    tables (new rows), the last order update, the campaign's settings and targets, the workspace's
    settings and today's date (pacing depends on it), and, with an event store, the workspace's
    rows there (:func:`event_version`). Deleted rows and in-place corrections of other tables are
    not seen; the cache's time limit bounds how long they can go unnoticed."""
    parts: list[Any] = [dt.date.today().isoformat()]
    with engine.connect() as conn:
        ws = conn.execute(sa.select(t.workspaces.c.id, t.workspaces.c.methodology)
                          .where(t.workspaces.c.slug == workspace)).first()
        if ws is None:
            return tuple(parts)
        parts.append(json.dumps(ws[1], sort_keys=True, default=str))
        camp = slugs.campaign(conn, ws[0], campaign)
        parts.append(json.dumps(dict(camp), sort_keys=True, default=str) if camp else None)
        from influscope.db import connectors  # noqa: F401  (defines post_daily_metrics in the same metadata)

        for name in _VERSIONED:
            table = t.metadata.tables[name]
            parts.append(conn.execute(sa.select(sa.func.max(table.c.id))).scalar())  # index look-up, O(log n)
        parts.append(conn.execute(sa.select(sa.func.max(t.orders.c.updated_at))).scalar())
        try:
            from influscope.db.audience import account_credibility, comment_labels

            parts.append(conn.execute(sa.select(sa.func.count(), sa.func.max(comment_labels.c.labelled_at))
                                      .select_from(comment_labels)).one()[:])
            parts.append(conn.execute(sa.select(sa.func.max(account_credibility.c.computed_at))).scalar())
        except (ImportError, sa.exc.DBAPIError, AttributeError):
            pass
    parts.append(event_version(ws[0]))
    return tuple(parts)


def event_version(workspace_id: int) -> tuple | None:
    """The workspace's rows in each table of the configured event store (clicks, post metric
    snapshots, traffic, follower counts) as (rows, highest row version) per table; None without an
    event store. Every write there is a new row with a new, higher version (an insert, a re-import,
    a reclassified or reflagged click, the redirect's forwarder), and a delete lowers the row count,
    so either changes this. Read without ``FINAL`` (a merge may lower the count too: a needless
    recomputation, never a stale page): a scan of two columns of the workspace's rows, which every
    table's sorting key starts with."""
    from influscope.events import schema
    from influscope.events.store import configured, session

    where = configured()
    if where is None:
        return None
    tables = [spec[0] for _number, _what, specs in schema.MIGRATIONS for spec in specs]
    sql = " UNION ALL ".join(
        f"SELECT '{name}' AS t, count() AS n, max(version) AS v FROM {schema.write_table(where, name)} "
        f"WHERE workspace_id = {int(workspace_id)}" for name in tables)
    with session(where) as client:
        rows = client.query(f"SELECT t, n, v FROM ({sql}) ORDER BY t", settings={"final": 0}).result_rows
    return (where.url, *((str(t), int(n), int(v)) for t, n, v in rows))


def clear_cache() -> None:
    with _CACHE_LOCK:
        _CACHE.clear()


def _text(value: Any, lang: str) -> str:
    """A translated catalogue/diagnostic text: a dict per language, or a plain string."""
    if value is None:
        return ""
    if isinstance(value, dict):
        return value.get(lang) or value.get("en") or next(iter(value.values()), "")
    return str(value)


def kpi_name(kpi_id: str, lang: str) -> str:
    d = catalogue().get(kpi_id)
    return _text(getattr(d, "name", None), lang) or kpi_id


def kpi_formula(kpi_id: str, lang: str, settings: dict | None = None) -> str:
    """The formula text as SETTINGS (the resolved methodology; default: the defaults) make it."""
    d = catalogue().get(kpi_id)
    if d is None:
        return ""
    try:
        return d.formula_for(settings or None, lang)
    except (KeyError, TypeError):  # settings given as display text, not resolved values
        return _text(d.formula, lang)


def kpi_unit(kpi_id: str) -> str:
    d = catalogue().get(kpi_id)
    return getattr(d, "unit", "") or ""


def kpi_direction(kpi_id: str) -> str:
    d = catalogue().get(kpi_id)
    return getattr(d, "direction", "none") or "none"


def formula_inputs(kpi_id: str, settings: dict | None = None) -> tuple[str, ...]:
    """The catalogue KPIs that KPI_ID's formula reads under SETTINGS (e.g. roas -> revenue, spend)."""
    d = catalogue().get(kpi_id)
    if d is None:
        return ()
    return tuple(k for k in sorted(d.inputs(settings or None)) if k in catalogue() and k != kpi_id)


def settings_for(kpi_id: str) -> list[str]:
    """The methodology settings KPI_ID's value depends on (derived from its declaration)."""
    d = catalogue().get(kpi_id)
    return d.settings() if d is not None else []


# ---------------------------------------------------------------------------------- formatting

def fmt_kpi(fmt: i18n.Formatter, entry: dict | None, currency: str) -> str:
    if not entry:
        return "–"
    return fmt.kpi(entry.get("value"), entry.get("unit"), currency)


def _setting_text(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}:{v}" for k, v in value.items())
    if value is None:
        return "–"
    return str(value)


def change_pct(current: Any, other: Any) -> float | None:
    if current is None or other is None:
        return None
    c, o = float(current), float(other)
    if o == 0:
        return None
    return (c - o) / abs(o) * 100


def _better(change: float | None, direction: str) -> bool | None:
    if change is None or change == 0 or direction not in ("up", "down"):
        return None
    return (change > 0) == (direction == "up")


# KPIs the engine measures over the whole campaign whatever period is asked for (brand follower
# growth reads the campaign's start and end; mentions are not filtered by date): a "previous period"
# value of theirs is the same number, so it is not shown as a comparison.
WHOLE_CAMPAIGN_KPIS = frozenset({"follower_growth", "follower_growth_pct", "follower_lift", "brand_mentions",
                                 "hashtag_posts", "share_of_voice"})


def make_card(kpi_id: str, entry: dict, *, lang: str, currency: str, all_kpis: dict, settings: dict,
              comparisons: Iterable[tuple[str, dt.date, dt.date, dict]] = ()) -> Card:
    fmt = i18n.Formatter(lang)
    _ = i18n.gettext_for(lang)
    unit = entry.get("unit") or kpi_unit(kpi_id)
    d = catalogue().get(kpi_id)
    card = Card(
        kpi_id=kpi_id, name=kpi_name(kpi_id, lang), unit=unit, value=entry.get("value"),
        display=fmt.kpi(entry.get("value"), unit, currency), estimated=bool(entry.get("estimated")),
        reason=entry.get("reason"), formula=kpi_formula(kpi_id, lang, settings),
        description=_text(getattr(d, "description", None), lang), direction=kpi_direction(kpi_id),
    )
    target = entry.get("target")
    if target is not None:
        card.target = target
        card.target_display = fmt.kpi(target, unit, currency)
        card.attainment = entry.get("attainment")
        card.attainment_display = fmt.percent(entry.get("attainment"), 1)
    if entry.get("pacing") is not None:
        card.pacing = entry["pacing"]
        card.pacing_display = fmt.kpi(_pacing_value(entry["pacing"]), unit, currency)
    bench = entry.get("benchmark")
    if bench is not None:
        value = bench.get("value") if isinstance(bench, dict) else bench
        card.benchmark = value
        card.benchmark_display = fmt.kpi(value, unit, currency)
        src = entry.get("benchmark_source") or (bench.get("source") if isinstance(bench, dict) else None)
        if isinstance(src, dict) and src.get("name"):
            name = benchmark_text(src["name"], lang)
            card.benchmark_display += f" ({name}{', ' + str(src['year']) if src.get('year') else ''})"
        elif isinstance(src, str):
            card.benchmark_display += f" ({benchmark_text(src, lang)})"
    card.inputs = [(kpi_name(i, lang), fmt_kpi(fmt, all_kpis.get(i), currency)) for i in formula_inputs(kpi_id, settings)]
    card.settings = [(name, _setting_text(settings.get(name))) for name in settings_for(kpi_id) if name in settings]
    for label, start, end, other in comparisons:
        o = (other or {}).get(kpi_id) or {}
        if kpi_id in WHOLE_CAMPAIGN_KPIS:
            card.comparisons.append(Comparison(label=label, start=start, end=end, value=None, display="–",
                                               change_pct=None, better=None,
                                               change_display=_("measured for the whole campaign only")))
            continue
        ch = change_pct(entry.get("value"), o.get("value"))
        if unit == "%" and entry.get("value") is not None and o.get("value") is not None:
            # a rate moves in percentage points: ROI from -100 % to 266 % is +366 pp, not "+366 %"
            points = float(entry["value"]) - float(o["value"])
            shown = fmt.points(points) if points else None
            ch = points if points else None
        elif ch is None and entry.get("value") is not None and o.get("value") is not None \
                and float(o["value"]) == 0 and float(entry["value"]) != 0:
            # from nothing: a relative change has no meaning, the difference does
            ch = float(entry["value"])
            shown = fmt.kpi(entry["value"], unit, currency)
            shown = with_plus(fmt, shown) if ch > 0 else shown
        else:
            shown = fmt.delta(ch) if ch is not None else None
        card.comparisons.append(Comparison(
            label=label, start=start, end=end, value=o.get("value"),
            display=fmt.kpi(o.get("value"), unit, currency), change_pct=ch,
            change_display=shown or (_("no change") if o.get("value") is not None and entry.get("value") is not None
                                     else _("no comparable value")),
            better=_better(ch, card.direction)))
    return card


_FIRST_NUMBER = re.compile(r"\d[\d,.]*")


def with_plus(fmt: i18n.Formatter, text: str) -> str:
    """A formatted positive value with its plus sign, which stays next to the number in
    right-to-left text (the sign and the digits in one left-to-right isolate)."""
    if fmt.dir != "rtl":
        return "+" + text
    return _FIRST_NUMBER.sub(lambda m: f"{i18n.LRI}+{m.group()}{i18n.PDI}", text, count=1)


def _pacing_value(p: Any) -> Any:
    if isinstance(p, dict):
        return p.get("projected", p.get("value"))
    return p


# ---------------------------------------------------------------------------------- store reads

def campaign_row(conn: sa.Connection, workspace_id: int, slug: str) -> dict:
    row = slugs.campaign(conn, workspace_id, slug)
    if row is None:
        raise CampaignNotFound(f"no campaign {slug!r} in this workspace")
    return dict(row)


def workspace_id(conn: sa.Connection, slug: str) -> int:
    ws = slugs.workspace_id(conn, slug)
    if ws is None:
        raise CampaignNotFound(f"no workspace {slug!r}")
    return ws


def daily_sessions(conn: sa.Connection, workspace_id: int, start: dt.date, end: dt.date) -> list[tuple[dt.date, float]]:
    from influscope.events import records as event_records

    if event_records.enabled():  # the traffic lives in the event store
        return event_records.daily_sessions(workspace_id, start, end)
    q = (sa.select(t.traffic.c.date, sa.func.sum(t.traffic.c.sessions))
         .where(t.traffic.c.workspace_id == workspace_id, t.traffic.c.date >= start, t.traffic.c.date <= end,
                t.traffic.c.sessions.is_not(None))
         .group_by(t.traffic.c.date).order_by(t.traffic.c.date))
    return [(d, float(s)) for d, s in conn.execute(q)]


def brand_followers(conn: sa.Connection, workspace_id: int, accounts: list[dict], start: dt.date,
                    end: dt.date) -> list[Series]:
    out = []
    for acc in accounts or []:
        platform = str(acc.get("platform", "")).lower()
        handle = str(acc.get("handle", "")).lstrip("@").lower()
        from influscope.events import records as event_records

        if event_records.enabled():  # the follower counts live in the event store
            rows = event_records.follower_counts(workspace_id, platform, handle, start=start, end=end)
        else:
            rows = conn.execute(
                sa.select(t.follower_snapshots.c.date, t.follower_snapshots.c.followers)
                .where(t.follower_snapshots.c.workspace_id == workspace_id,
                       t.follower_snapshots.c.platform == platform, t.follower_snapshots.c.handle == handle,
                       t.follower_snapshots.c.date >= start, t.follower_snapshots.c.date <= end)
                .order_by(t.follower_snapshots.c.date)).all()
        if rows:
            out.append(Series(f"@{handle} ({platform})", [(d, float(f)) for d, f in rows], "count"))
    return out


def credibility_reasons(conn: sa.Connection, workspace_id: int, campaign_id: int) -> list[dict]:
    """Per creator account of the campaign: the audience engine's score and reasons, if computed."""
    from influscope.db.audience import account_credibility
    ca = t.creator_accounts
    q = (sa.select(t.creators.c.key, t.creators.c.name, ca.c.platform, ca.c.handle, ca.c.followers,
                   account_credibility.c.score, account_credibility.c.reasons)
         .select_from(t.campaign_creators.join(t.creators, t.creators.c.id == t.campaign_creators.c.creator_id)
                      .join(ca, ca.c.creator_id == t.creators.c.id)
                      .join(account_credibility, account_credibility.c.creator_account_id == ca.c.id))
         .where(t.campaign_creators.c.campaign_id == campaign_id, t.creators.c.workspace_id == workspace_id)
         .order_by(account_credibility.c.score))
    try:
        return [dict(r) for r in conn.execute(q).mappings()]
    except sa.exc.DBAPIError:
        return []


# ---------------------------------------------------------------------------------- the report

def comparison_periods(start: dt.date, end: dt.date, lang: str) -> list[tuple[str, dt.date, dt.date]]:
    _ = i18n.gettext_for(lang)
    days = (end - start).days + 1
    prev_end = start - dt.timedelta(days=1)
    prev_start = prev_end - dt.timedelta(days=days - 1)
    try:
        ly_start, ly_end = start.replace(year=start.year - 1), end.replace(year=end.year - 1)
    except ValueError:  # 29 February
        ly_start = start - dt.timedelta(days=365)
        ly_end = end - dt.timedelta(days=365)
    return [(_("previous period"), prev_start, prev_end), (_("same period last year"), ly_start, ly_end)]


def row_key(row: dict) -> dict:
    """The breakdown key of a result row: ``{"creator": "yijun-style", "name": "..."}``."""
    key = row.get("key")
    if isinstance(key, dict):
        return key
    return {k: v for k, v in row.items() if k not in ("kpis", "rank", "rank_by", "tier")}


def _row_label(row: dict, by: str) -> str:
    key = row_key(row)
    for name in (by, f"{by}_id", "key", "label", "name"):
        if name in key and key[name] is not None:
            return str(key[name])
    return " ".join(str(v) for v in key.values())


def N_(message: str) -> str:
    """Mark a message for extraction (translated where it is shown)."""
    return message


KEY_COLUMNS = {
    "creator": (("creator", N_("Creator id")), ("name", N_("Name")), ("tier", N_("Tier"))),
    "post": (("post", N_("Post id")), ("platform", N_("Platform"))),
    "day": (("day", N_("Day")),),
}


def kpi_table(table_id: str, title: str, rows: list[dict], by: str, kpi_ids: list[str], *, lang: str,
              currency: str, key_label: str | None = None, extra: tuple[str, ...] = ()) -> Table:
    fmt = i18n.Formatter(lang)
    _ = i18n.gettext_for(lang)
    keys = KEY_COLUMNS.get(by, ((by, by),))
    cols = [Column(k, _(label) if not (i == 0 and key_label) else key_label, "text")
            for i, (k, label) in enumerate(keys)]
    cols += [Column(k, kpi_name(k, lang), kpi_unit(k)) for k in kpi_ids]
    raw, shown = [], []
    for row in rows:
        kp = row.get("kpis", {})
        key = row_key(row)
        r: dict[str, Any] = {}
        for k, _label in keys:
            r[k] = key.get(k, row.get(k))
        for k in kpi_ids:
            r[k] = (kp.get(k) or {}).get("value")
        raw.append(r)
        shown.append({c.key: (fmt.kpi(r[c.key], c.unit, currency) if c.unit not in ("text",)
                              else ("" if r[c.key] is None else str(r[c.key]))) for c in cols})
    return Table(table_id, title, cols, raw, shown)


COMPARE_CHOICES = ("none", "previous", "last_year", "both")


def build_report(engine: sa.Engine, workspace: str, campaign: str, *, lang: str = "en",
                 start: dt.date | None = None, end: dt.date | None = None, compare: str | bool = "previous",
                 show_costs: bool = True, settings: dict | None = None,
                 parts: Iterable[str] = ("daily", "posts"), board: bool = True) -> Report:
    """Everything the campaign page and the PDF show, from the KPI engine and the store.

    One engine call gives the campaign KPIs and the creator leaderboard (``by="creator"``);
    ``compare`` adds the previous period and/or the same period last year (one call each);
    ``parts`` adds the daily trends and the posts table (in the same call). ``board=False`` leaves
    out the creator leaderboard and the summary (for the panels that show only a part).
    """
    if compare is True:
        compare = "both"
    elif compare is False or compare is None:
        compare = "none"
    if compare not in COMPARE_CHOICES:
        raise ValueError(f"compare: {compare!r} is not one of {', '.join(COMPARE_CHOICES)}")
    parts = set(parts)
    _ = i18n.gettext_for(lang)
    fmt = i18n.Formatter(lang)
    with engine.connect() as conn:
        ws_id = workspace_id(conn, workspace)
        camp = campaign_row(conn, ws_id, campaign)
    currency = camp["currency"]
    start = start or camp["start_date"]
    end = end or camp["end_date"]
    period_given = (start, end) != (camp["start_date"], camp["end_date"])
    q_start, q_end = (start, end) if period_given else (None, None)

    # One engine call gives every breakdown this report shows (the leaderboard, the daily trends,
    # the posts) and the campaign KPIs; a comparison period is a second call, without diagnostics.
    wanted = (["creator"] if board else []) + [b for part, b in (("daily", "day"), ("posts", "post"))
                                                  if part in parts]
    results = compute_many(engine, workspace, campaign, wanted or [None], start=q_start, end=q_end,
                           settings=settings, diagnostics=board)
    main = results.get("creator") or next(iter(results.values()))
    kpis: dict = main.get("kpis", {})
    if not show_costs:
        kpis = {k: (v if k not in COST_KPIS else {**v, "value": None, "target": None, "attainment": None,
                                                    "reason": _("hidden: budgets and costs are not shared")})
                for k, v in kpis.items()}
    resolved = main.get("settings") or _resolved_settings(camp)
    comps: list[tuple[str, dt.date, dt.date, dict]] = []
    periods = comparison_periods(start, end, lang)
    wanted = {"none": [], "previous": periods[:1], "last_year": periods[1:], "both": periods}[compare]
    if wanted:
        for label, cs, ce in wanted:
            other = compute(engine, workspace, campaign, start=cs, end=ce, settings=settings,
                            diagnostics=False).get("kpis", {})
            comps.append((label, cs, ce, other))

    goal = camp["goal"]
    stage_ids = [k for k in stage_defaults().get(goal, []) if k in kpis]
    if not show_costs:
        stage_ids = [k for k in stage_ids if k not in COST_KPIS]
    cards = [make_card(k, kpis[k], lang=lang, currency=currency, all_kpis=kpis, settings=resolved,
                       comparisons=comps) for k in stage_ids]
    others = [make_card(k, v, lang=lang, currency=currency, all_kpis=kpis, settings=resolved)
              for k, v in kpis.items() if k not in stage_ids and isinstance(v, dict) and "value" in v
              and (show_costs or k not in COST_KPIS)]

    report = Report(
        lang=lang, dir=fmt.dir,
        campaign={"slug": camp["slug"], "name": camp["name"], "brand": camp["brand"], "goal": goal,
                  "start": camp["start_date"], "end": camp["end_date"], "timezone": camp["timezone"],
                  "currency": currency, "budget": camp["budget"] if show_costs else None, "id": camp["id"],
                  "baseline_start": camp["baseline_start"], "baseline_end": camp["baseline_end"],
                  "targets": camp["targets"]},
        period=(start, end), generated_at=dt.datetime.now(dt.timezone.utc).replace(tzinfo=None, microsecond=0),
        cards=cards, other_cards=others, show_costs=show_costs)
    report.funnel_steps = funnel_steps(goal, kpis, lang, currency)
    report.funnel = [(st.label, st.value, st.display) for st in report.funnel_steps]
    if "emv" in kpis:
        report.notes.append(_("EMV (earned media value) is an estimate from a dated rate table, not money received."))

    # diagnostics (those about budgets and costs are left out when costs are hidden)
    for dg in main.get("diagnostics", []) or []:
        if not show_costs and reveals_costs(dg):
            continue
        keys = [k for k in (dg.get("figures") or {}) if not str(k).endswith("_source")]
        figures = [(kpi_name(k, lang) if k in catalogue() else figure_name(k, lang), figure_text(fmt, dg, k, currency))
                   for k in keys]
        named = [shown for k, shown in zip(keys, figures) if k in catalogue()]
        key, name = _subject(dg.get("subject"))
        report.diagnostics.append(Diagnostic(
            id=str(dg.get("id", "")), severity=str(dg.get("severity", "info")),
            message=diagnostic_message(dg, lang), figures=figures,
            title=_text(dg.get("title"), lang) or _text(dg.get("message"), lang).split(":")[0],
            creator=name or key, creator_key=key,
            figure=" · ".join(v if k == "code" else f"{k} {v}" for k, v in (named or figures)[:2]),
            action=_text(dg.get("action"), lang), rank=len(report.diagnostics) + 1))

    # sentiment
    rows = [(kpi_name(k, lang), fmt_kpi(fmt, kpis.get(k), currency)) for k in SENTIMENT_KPIS if k in kpis]
    waiting = max(((kpis.get(k) or {}).get("detail") or {}).get("comments_waiting", 0) for k in SENTIMENT_KPIS)
    if waiting or any((kpis.get(k) or {}).get("value") is not None for k in SENTIMENT_KPIS):
        report.sentiment = {"rows": rows, "values": {k: (kpis.get(k) or {}).get("value") for k in SENTIMENT_KPIS},
                            "waiting": waiting}

    report.audience = audience_panel((kpis.get("audience_demographics") or {}).get("detail"), lang,
                                     (kpis.get("audience_demographics") or {}).get("value"))

    # before/after (raw listings; the lift KPIs come from the engine)
    with engine.connect() as conn:
        b0 = camp["baseline_start"] or (start - dt.timedelta(days=(end - start).days + 1))
        b1 = camp["baseline_end"] or (start - dt.timedelta(days=1))
        sess = daily_sessions(conn, ws_id, min(b0, start), end)
        if sess:
            base = [v for d, v in sess if b0 <= d <= b1]
            mean = sum(base) / len(base) if base else None
            report.traffic = {
                "series": [Series(_("sessions"), sess, "count")], "baseline_mean": mean,
                "baseline_label": _("baseline mean") + (f" {fmt.number(mean, 0)}" if mean is not None else ""),
                "lift_display": fmt_kpi(fmt, kpis.get("traffic_lift"), currency) if "traffic_lift" in kpis else "",
                "baseline": (b0, b1)}
        fol = brand_followers(conn, ws_id, camp["brand_accounts"], min(b0, start), end)
        if fol:
            report.followers = {
                "series": fol,
                "growth_display": fmt_kpi(fmt, kpis.get("follower_growth_pct"), currency)
                if "follower_growth_pct" in kpis else "", "baseline": (b0, b1)}
        report.credibility = [
            {**c, "score_display": fmt.number(c["score"], 0) if c.get("score") is not None else "–",
             "reasons_list": _reasons(c.get("reasons"), lang)}
            for c in credibility_reasons(conn, ws_id, camp["id"])]

    # tables
    report.tables["kpis"] = Table(
        "kpis", _("All KPIs"),
        [Column("kpi", _("KPI"), "text"), Column("id", "id", "text"), Column("value", _("Value"), "number"),
         Column("unit", _("Unit"), "text"), Column("display", _("Shown as"), "text"),
         Column("reason", _("Reason when missing"), "text")],
        [{"kpi": c.name, "id": c.kpi_id, "value": c.value, "unit": c.unit, "display": c.display,
          "reason": c.reason or ""} for c in cards + others],
        [{"kpi": c.name, "id": c.kpi_id, "value": c.display, "unit": c.unit, "display": c.display,
          "reason": c.reason or ""} for c in cards + others])
    diag_rows = [{"rank": d.rank, "severity": d.severity, "finding": d.title, "creator": d.creator,
                  "figure": d.figure, "action": d.action, "message": d.message,
                  "figures": "; ".join(f"{k}: {v}" for k, v in d.figures)} for d in report.diagnostics]
    report.tables["diagnostics"] = Table(
        "diagnostics", _("Diagnostics"),
        [Column("rank", "#", "count"), Column("severity", _("Severity"), "text"),
         Column("finding", _("Finding"), "text"), Column("creator", _("Creator"), "text"),
         Column("figure", _("Figure"), "text"), Column("action", _("What to do"), "text"),
         Column("message", _("Details"), "text"), Column("figures", _("Figures"), "text")],
        diag_rows, [{**r, "rank": str(r["rank"])} for r in diag_rows])
    if board:
        report.summary = summarise(report, kpis, main.get("rows", []), lang=lang, currency=currency,
                                   budget=camp["budget"] if show_costs else None)
        board_ids = leaderboard_kpis(goal, kpis, show_costs)
        report.tables["creators"] = kpi_table("creators", _("Creators"), main.get("rows", []), "creator",
                                              board_ids, lang=lang, currency=currency, key_label=_("Creator"))
    if "posts" in parts:
        by_post = results["post"]
        post_ids = [k for k in ("reach", "impressions", "video_views", "engagements", "engagement_rate", "clicks",
                                "ctr", "conversions", "revenue") if k in kpis]
        posts = kpi_table("posts", _("Posts"), by_post.get("rows", []), "post", post_ids,
                          lang=lang, currency=currency, key_label=_("Post"))
        with engine.connect() as conn:
            report.tables["posts"] = describe_posts(posts, post_details(conn, camp["id"], start, end), lang)
    if "daily" in parts:
        by_day = results["day"]
        day_ids = [k for k in DAILY_KPIS if k in kpis and (show_costs or k not in COST_KPIS)]
        report.tables["daily"] = kpi_table("daily", _("Daily"), by_day.get("rows", []), "day", day_ids,
                                           lang=lang, currency=currency, key_label=_("Day"))
        report.daily = daily_series(by_day.get("rows", []), [k for k in day_ids if k != "revenue"], lang,
                                    since=start)
    return report


# The figures of the promo-code findings that are not KPIs, by the name the finding gives them.
FIGURE_NAMES = {
    "redemptions": N_("redemptions"),
    "max_in_window": N_("most in one window"),
    "window_minutes": N_("window (minutes)"),
    "with_click": N_("with the creator's click"),
    "without_click": N_("without the creator's click"),
    "share_without_click_pct": N_("share without a click (%)"),
    "expected_per_window": N_("expected per window"),
    "ratio": N_("times the average rate"),
    "orders_from_coupon_sites": N_("orders from coupon sites"),
}


def figure_text(fmt: i18n.Formatter, dg: dict, key: str, currency: str) -> str:
    """A diagnostic's figure as shown: a KPI in its unit, and a figure found below its bound with
    the places that keep it from reading as the bound (ROAS 0.996x, not 1.00x)."""
    from influscope.kpi.diagnostics import below_bound

    value = dg["figures"][key]
    if key not in catalogue():
        return _fmt_plain(fmt, value)
    value, digits = below_bound(dg["figures"]).get(key, (value, None))
    return fmt.kpi(value, kpi_unit(key), currency, digits=digits)


def figure_name(key: str, lang: str) -> str:
    """A diagnostic figure's name in LANG (its key when it has no name)."""
    name = FIGURE_NAMES.get(key)
    return i18n.gettext_for(lang)(name) if name else key


_NUMBER = re.compile(r"(?<![\w/.])[-+]?\d[\d,.]*(?:\s?%|x\b|×)?(?![\w/])")


def diagnostic_message(dg: dict, lang: str) -> str:
    """A diagnostic's advice in LANG, saying which baseline it compares with and why (the source
    of a CTR or engagement-rate baseline, translated), its numbers isolated in right-to-left text."""
    _ = i18n.gettext_for(lang)
    text = benchmark_text(_text(dg.get("message"), lang), lang)
    for key in ("ctr_source", "band_source"):
        source = (dg.get("figures") or {}).get(key)
        if isinstance(source, str) and source:
            source = benchmark_text(source, lang)
            if source not in text:
                text += " " + _("Baseline: %(source)s.") % {"source": source}
    if i18n.text_direction(lang) == "rtl":
        text = _NUMBER.sub(lambda m: f"{i18n.LRI}{m.group()}{i18n.PDI}", text)
    return text


def funnel_steps(goal: str, kpis: dict, lang: str, currency: str) -> list[FunnelStep]:
    """The goal's funnel path, each step with its share of the step before (a step whose value is
    unknown is shown but breaks no rate: the next rate is taken from the last known step)."""
    fmt = i18n.Formatter(lang)
    steps: list[FunnelStep] = []
    prev = None
    for k in FUNNELS.get(goal, FUNNEL):
        if k not in kpis:
            continue
        value = (kpis.get(k) or {}).get("value")
        step = FunnelStep(k, kpi_name(k, lang), value, fmt_kpi(fmt, kpis.get(k), currency))
        if value is not None and prev:
            step.rate = float(value) / float(prev) * 100
            step.rate_display = fmt.percent(step.rate, 2)
        steps.append(step)
        prev = value if value is not None else prev
    return steps


def _subject(subject: Any) -> tuple[str, str]:
    """A diagnostic's subject "creator-key/Name" as (key, name)."""
    if not subject:
        return "", ""
    key, _sep, name = str(subject).partition("/")
    return key, name


def summarise(report: Report, kpis: dict, rows: list[dict], *, lang: str, currency: str,
              budget: Any) -> Summary:
    """The top of the campaign page and of the PDF (see :class:`~influscope.reports.model.Summary`)."""
    fmt = i18n.Formatter(lang)
    out = Summary()
    spend = (kpis.get("spend") or {}).get("value")
    if budget is not None and spend is not None:
        used = float(spend) / float(budget) * 100 if float(budget) else None
        out.spend_display = fmt.money(spend, currency)
        out.budget_display = fmt.money(budget, currency)
        out.used = used
        out.used_display = fmt.percent(used, 0) if used is not None else ""
        ended = report.period[1] <= dt.date.today()
        out.budget_status = ("" if used is None else "over" if used > 100 else
                             "under" if ended and used < 80 else "on_track")
    with_target = [c for c in report.cards if c.target is not None]
    rest = [c for c in report.cards if c.target is None and c.value is not None]
    out.headline = (with_target + rest)[:4]
    rank_by = CREATOR_RANK.get(report.campaign["goal"], "revenue")
    if (not report.show_costs) and rank_by in COST_KPIS:
        rank_by = "revenue"
    ranked = []
    for row in rows:
        v = ((row.get("kpis") or {}).get(rank_by) or {}).get("value")
        if v is not None:
            key = row_key(row)
            ranked.append((float(v), str(key.get("name") or key.get("creator") or _row_label(row, "creator")),
                           str(key.get("creator") or ""), v))
    ranked.sort(key=lambda r: -r[0])
    if ranked:
        unit = kpi_unit(rank_by)
        for slot, item in (("best", ranked[0]), ("worst", ranked[-1] if len(ranked) > 1 else None)):
            if item is not None:
                setattr(out, slot, {"name": item[1], "key": item[2], "kpi": kpi_name(rank_by, lang),
                                    "display": fmt.kpi(item[3], unit, currency)})
    by_action: dict[str, Diagnostic] = {}
    names: dict[str, list[str]] = {}
    for d in report.diagnostics:  # already ranked: severity, then the rules' order
        if not d.action:
            continue
        if d.action in by_action:  # the same advice for several creators: one step naming them all
            if d.creator and d.creator not in names[d.action]:
                names[d.action].append(d.creator)
        elif len(by_action) < 3:
            by_action[d.action] = Diagnostic(d.id, d.severity, d.message, d.figures, d.title, d.creator,
                                             d.creator_key, d.figure, d.action, d.rank)
            names[d.action] = [d.creator] if d.creator else []
    for action, step in by_action.items():
        # each name isolated: Latin and Chinese names between commas keep their order in Arabic text
        step.creator = ("، " if lang == "ar" else ", ").join(fmt.isolate(n) for n in names[action])
    out.actions = list(by_action.values())
    return out


AUDIENCE_COUNTRIES = 5  # the largest countries; the rest are summed as "other countries"


def audience_panel(detail: dict | None, lang: str, accounts: Any = None) -> dict[str, Any]:
    """The audience demographics KPI's detail as tables: per dimension (age, gender, country) each
    bucket's share of the activated accounts' audiences at the campaign end and its change in
    points since the start. Empty when the engine had no audience data."""
    if not detail or not detail.get("shares"):
        return {}
    _ = i18n.gettext_for(lang)
    fmt = i18n.Formatter(lang)
    titles = {"age": _("Age"), "gender": _("Gender"), "country": _("Country")}
    genders = {"F": _("Women"), "M": _("Men"), "U": _("Other or not stated")}
    territories = i18n.locale(lang).territories
    dims = []
    order = [d for d in ("age", "gender", "country") if d in detail["shares"]] + sorted(
        d for d in detail["shares"] if d not in ("age", "gender", "country"))
    for dim in order:
        shares = detail["shares"][dim]
        change = (detail.get("change_pp") or {}).get(dim, {})
        buckets = sorted(shares) if dim == "age" else sorted(shares, key=lambda b: -shares[b])
        rows = []
        shown = buckets[:AUDIENCE_COUNTRIES] if dim == "country" else buckets
        for b in shown:
            label = genders.get(b, b) if dim == "gender" else (
                territories.get(b, b) if dim == "country" else fmt.ltr(b))
            rows.append({"bucket": b, "label": label, "share": fmt.percent(shares[b], 1),
                         "change": _points(fmt, change.get(b))})
        rest = [b for b in buckets if b not in shown]
        if rest:
            moved = [change[b] for b in rest if b in change]
            rows.append({"bucket": "", "label": _("Other countries"), "share": fmt.percent(sum(shares[b] for b in rest), 1),
                         "change": _points(fmt, sum(moved) if moved else None)})
        dims.append({"id": dim, "title": titles.get(dim, dim), "rows": rows})
    return {"dimensions": dims, "accounts": accounts}


def _points(fmt: i18n.Formatter, value: float | None) -> str:
    """A change in points to one decimal; a change that rounds to nothing reads 0.0, not -0.0."""
    return "–" if value is None else fmt.points(round(value, 1) + 0.0, 1)


def post_details(conn: sa.Connection, campaign_id: int, start: dt.date | None = None,
                 end: dt.date | None = None) -> dict[str, dict]:
    """Caption, address, date and creator of each post of the campaign, by the platform's post id;
    with START and END, also ``period_views``: the views its daily counts (a platform's daily per-post
    chart) give from START to END, for the posts that have them (a period's count, not a lifetime's)."""
    from influscope.db.connectors import post_daily_metrics as pdm

    q = (sa.select(t.posts.c.key, t.posts.c.caption, t.posts.c.url, t.posts.c.posted_at, t.posts.c.content_type,
                   t.creators.c.key.label("creator"), t.creators.c.name.label("creator_name"))
         .join(t.creators, t.creators.c.id == t.posts.c.creator_id).where(t.posts.c.campaign_id == campaign_id))
    out = {r["key"]: dict(r) for r in conn.execute(q).mappings()}
    if start is not None and end is not None:
        daily = (sa.select(t.posts.c.key, sa.func.sum(pdm.c.value).label("views"))
                 .join(t.posts, t.posts.c.id == pdm.c.post_id)
                 .where(t.posts.c.campaign_id == campaign_id, pdm.c.metric == "views", pdm.c.date >= start,
                        pdm.c.date <= end)
                 .group_by(t.posts.c.key).having(sa.func.count(pdm.c.value) > 0))
        for key, views in conn.execute(daily):
            if key in out:
                out[key]["period_views"] = int(views)
    return out


def describe_posts(table: Table, details: dict[str, dict], lang: str) -> Table:
    """The posts table as a reader sees posts: caption (linked), creator, platform and date first,
    the platform's id kept for exports."""
    fmt = i18n.Formatter(lang)
    _ = i18n.gettext_for(lang)
    front = [Column("caption", _("Post"), "text"), Column("creator", _("Creator"), "text"),
             Column("platform", _("Platform"), "text"), Column("posted", _("Date"), "date")]
    kpi_cols = [c for c in table.columns if c.unit != "text"]
    if any("period_views" in d for d in details.values()):  # views a daily chart gives in the period
        kpi_cols.append(Column("period_views", _("Views in the period (daily counts)"), "count"))
    cols = front + kpi_cols + [Column("post", _("Post id"), "text"), Column("url", "URL", "text")]
    rows, shown = [], []
    for raw, disp in zip(table.rows, table.display_rows):
        d = details.get(str(raw.get("post")), {})
        caption = (d.get("caption") or "").strip() or str(raw.get("post") or "")
        posted = d.get("posted_at")
        extra = {"caption": caption, "creator": d.get("creator_name") or d.get("creator") or "",
                 "creator_key": d.get("creator") or "", "posted": posted.date() if posted else None,
                 "url": d.get("url") or "", "content_type": d.get("content_type") or ""}
        period_views = d.get("period_views")
        rows.append({**raw, **extra, "period_views": period_views})
        shown.append({**disp, **{k: str(v) for k, v in extra.items() if k != "posted"},
                      "period_views": fmt.number(period_views, 0) if period_views is not None else "–",
                      "caption": caption if len(caption) <= 80 else caption[:79] + "…",
                      "posted": fmt.date(extra["posted"]) if extra["posted"] else "–",
                      "platform": str(raw.get("platform") or "").title(), "post": str(raw.get("post") or "")})
    return Table(table.id, table.title, cols, rows, shown)


COST_WORDS = ("spend", "spent", "budget", "cost", "fee")


def reveals_costs(diagnostic: dict) -> bool:
    """Whether a diagnostic is about (or quotes) budgets, spend or cost KPIs."""
    names = list(diagnostic.get("kpis") or []) + list((diagnostic.get("figures") or {}).keys())
    return any(n in COST_KPIS or any(w in str(n).lower() for w in COST_WORDS) for n in names)


def leaderboard_kpis(goal: str, kpis: dict, show_costs: bool = True) -> list[str]:
    base = {"tofu": ["reach", "impressions", "engagements", "engagement_rate", "emv", "cpe", "credibility_score"],
            "mofu": ["reach", "engagements", "engagement_rate", "clicks", "ctr", "leads", "cpl", "credibility_score"],
            "bofu": ["clicks", "conversions", "conversion_rate", "revenue", "roas", "cpa", "code_redemptions",
                     "credibility_score"]}.get(goal, [])
    ids = [k for k in ["posts"] + base + ["spend"] if k in kpis]
    return [k for k in dict.fromkeys(ids) if show_costs or k not in COST_KPIS]


# Daily outcomes counted in tens drawn against their own axis, beside engagements in thousands.
SECOND_AXIS = frozenset({"orders", "conversions", "leads"})


def daily_series(rows: list[dict], kpi_ids: list[str], lang: str, since: dt.date | None = None) -> list[Series]:
    """One series per KPI, from SINCE (the launch or the chosen start) on: the days before the
    campaign belong to the before/after charts, not to its daily trends."""
    out = []
    for k in kpi_ids:
        pts = []
        for row in rows:
            day = _row_label(row, "day")
            try:
                x: Any = dt.date.fromisoformat(day[:10])
            except ValueError:
                x = day
            if since is not None and isinstance(x, dt.date) and x < since:
                continue
            v = ((row.get("kpis") or {}).get(k) or {}).get("value")
            pts.append((x, float(v) if v is not None else None))
        if any(v is not None for _x, v in pts):
            out.append(Series(kpi_name(k, lang), pts, kpi_unit(k), axis=1 if k in SECOND_AXIS else 0))
    return out


_NUMBER_IN_TEXT = re.compile(r"(?<![\w\u2066+\-\u2212.,])[+\-\u2212]?\d(?:[\d,.:/\-\u2013T]*\d)?%?")


def isolate_numbers(text: str, lang: str) -> str:
    """In a right-to-left language, every number of TEXT (with its sign, a range such as 3.23-6.45%,
    a date such as 2026-06-07) as a left-to-right isolate: "+3,379" stays "+3,379", not "3,379+".
    Texts written elsewhere (the audience engine's reasons) come with their numbers bare."""
    if i18n.text_direction(lang) != "rtl" or not text:
        return text
    return _NUMBER_IN_TEXT.sub(lambda m: f"\u2066{m.group(0)}\u2069", text)


def _reasons(value: Any, lang: str) -> list[str]:
    """The credibility checks that lowered the score, in LANG (the audience engine reports every
    check; passed ones carry no message)."""
    if not value:
        return []
    if isinstance(value, dict):
        value = value.get(lang) or value.get("en") or list(value.values())
    if isinstance(value, str):
        return [value]
    out = []
    for item in value:
        if isinstance(item, dict):
            if item.get("fired") is False or (item.get("fired") is None and "message" not in item):
                continue
            msg = item.get("message") or item.get("text") or item.get("id")
            out.append(isolate_numbers(_text(msg, lang), lang))
        else:
            out.append(isolate_numbers(str(item), lang))
    return out


def credibility_check_names(lang: str) -> dict[str, str]:
    """What each credibility check (influscope.audience.credibility) looks at, by its id, in LANG."""
    _ = i18n.gettext_for(lang)
    return {
            "er_too_low": _("Low engagement rate"),
            "er_too_high": _("High engagement rate"),
            "follower_spike": _("Follower spike"),
            "follower_drop": _("Follower drop"),
            "following_ratio": _("Following ratio"),
            "generic_comments": _("Generic comments"),
            "emoji_only_comments": _("Emoji-only comments"),
            "duplicate_comments": _("Duplicate comments"),
            "comment_pods": _("Comment pods"),
            "language_mismatch": _("Comment language"),
            "likes_comments_ratio": _("Likes per comment"),
    }


def credibility_checks(value: Any, lang: str) -> dict[str, Any]:
    """Fired checks (messages), passed checks (their names) and checks that could not run (with why)."""
    names = credibility_check_names(lang)
    fired, passed, skipped = [], [], []
    for item in value or []:
        if not isinstance(item, dict):
            fired.append(isolate_numbers(str(item), lang))
        elif item.get("fired"):
            fired.append(isolate_numbers(_text(item.get("message") or item.get("id"), lang), lang))
        elif item.get("fired") is False:
            passed.append(names.get(str(item.get("id")), str(item.get("id"))))
        else:
            skipped.append(f"{names.get(str(item.get('id')), item.get('id'))}: {item.get('reason') or '–'}")
    return {"fired": fired, "passed": passed, "skipped": skipped}


def _fmt_plain(fmt: i18n.Formatter, v: Any) -> str:
    if isinstance(v, (int, float, Decimal)) and not isinstance(v, bool):
        return fmt.decimal(v, 2)
    return "–" if v is None else str(v)


def _resolved_settings(camp: dict) -> dict:
    try:
        from influscope.kpi.methodology import describe, resolve

        return describe(resolve(campaign=camp.get("methodology") or {}))
    except Exception:  # noqa: BLE001 - a bad stored override is reported by the KPI engine itself
        return {}
