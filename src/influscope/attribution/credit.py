"""Crediting orders and leads to creators (DESIGN section 6, methodology ``attribution*`` settings).

An order (or lead) is credited to at most one creator, by the first rule that matches:

1. ``code``: an affiliate code of a creator on the order (the first such code listed wins;
   sitewide codes credit no one);
2. ``click``: the click whose id the order carries, if it was no more than the attribution window
   before the order (``first_click``: the same visitor's earliest human click on a creator's link
   in the window instead, when there is one);
3. ``utm``: ``utm_content`` of the landing URL (for leads: the ``utm_content`` column) equal to a
   creator's handle, on the platform ``utm_source`` names when the handle exists on several.

With ``code_beats_link = false`` rules 1 and 2 swap. Every credited row says which rule credited it
(``rule``) and which rules applied (``code_hit``, ``click_hit``).

The whole decision is one Ibis expression, run by the store's engine (SQLite, PostgreSQL, DuckDB,
ClickHouse): a candidate per rule (each the best match by a window function), joined back to the
orders and chosen between by a CASE in the rules' order; where the store keeps the code and utm
rules' matches (SQLite, :mod:`influscope.attribution.matched`), each order joins those instead. The
only string work SQL engines do differently, reading ``utm_content`` out of a landing URL, is kept
on the order when it is written (:mod:`influscope.attribution.landing`). The click rule reads the
link and age of the carried click that the store keeps on each order and lead
(:mod:`influscope.attribution.carried`), when it keeps them, so that no click is looked up when the
KPIs are read; the window is applied to the age then. :func:`order_buckets` and
:func:`lead_buckets` group the credited rows by what the KPIs break down by, so that only sums per
key reach Python.
"""

from __future__ import annotations

import datetime as dt
from typing import Any


from influscope.attribution import carried, matched
from influscope.events.read import reader_of, stage_crediting_clicks, staged_clicks
from influscope.kpi import prepared
from influscope.kpi.backends import fetch, first_per, table
from influscope.kpi.prepared import Slots
from influscope.metrics import timezones

RULES = ("code", "click", "utm")
NOT_COUNTED = ("cancelled", "refunded")
SECONDS_PER_DAY = 86400
KEPT = "kept"  # the clicks come from what orders and leads keep (influscope.attribution.carried)
KEPT_OR_LOOKUP = "kept_or_lookup"  # the same, and a look-up by key for events not resolved (PostgreSQL)


ORDER_COLUMNS = ("id", "key", "source", "created_at", "currency", "subtotal", "discounts", "refunded", "status",
                 "discount_codes", "landing_url", "click_id", "new_customer", "units", "customer_id")
LEAD_COLUMNS = ("id", "key", "type", "ts", "click_id", "lead_code", "utm_content", "value", "currency")
# what the bucket queries read of an order or lead (fewer columns carried through the joins)
ORDER_SUMMED = ("id", "created_at", "currency", "subtotal", "discounts", "refunded", "status", "click_id",
                "new_customer", "units")
LEAD_COUNTED = ("id", "type", "ts", "click_id")
CREDIT_COLUMNS = ("creator_id", "rule", "code", "credit_click", "link_id", "platform", "post_id", "code_hit",
                  "click_hit")


def _norm_handle(value):
    """utm_content as a stored handle, in SQL: trimmed, one leading '@' dropped, lower case."""
    import ibis  # only when compiling (a cached query needs no Ibis)

    s = value.strip().lower()
    return ibis.cases((s.startswith("@"), s.substr(1)), else_=s).nullif("")


def _pair_key(utm, source):
    return source.length().cast("string") + ":" + source + utm


def _events(con, p: Slots, kind: str, kept: str | None = None, columns: tuple[str, ...] | None = None,
            matched_rules: bool = False):
    """The orders or leads of the window, with their COLUMNS (default: all of ORDER_COLUMNS or
    LEAD_COLUMNS) and what each rule needs under common names (KEPT, one of :data:`KEPT` and
    :data:`KEPT_OR_LOOKUP`: with the carried click's link and age, :mod:`influscope.attribution.carried`;
    MATCHED_RULES: the code and utm rules are read from :mod:`influscope.attribution.matched`)."""
    import ibis  # only when compiling (a cached query needs no Ibis)

    ev = table(con, kind)
    at = ev.created_at if kind == "orders" else ev.ts
    ev = ev.filter(ev.workspace_id == p("ws", "int64"), at >= p("start", "timestamp"), at < p("end", "timestamp"))
    carried_cols = {"ev_click_link": ev.click_link_id, "ev_click_age": ev.click_age_s} if kept else {}
    if kind == "orders":
        ev = ev.select(*(columns or ORDER_COLUMNS), ev_at=ev.created_at, ev_codes=ev.discount_codes, ev_utm=ev.landing_utm_content,
                       ev_source=ev.landing_utm_source.fill_null(""), **carried_cols)
    else:
        ev = ev.rename(lead_code="code")  # the credited code takes the name
        ev = ev.select(*(columns or LEAD_COLUMNS), ev_at=ev.ts, ev_codes=ev.lead_code.upper(), ev_utm=_norm_handle(ev.utm_content),
                       ev_source=ibis.literal(""), **carried_cols)
    epoch = {} if kept == KEPT else {"ev_epoch": timezones.epoch_s(ev.ev_at)}
    if matched_rules:  # read once, joined to the kept tables by their keys
        return ev.mutate(**epoch) if epoch else ev
    # named (a common table expression), so that the window's events are read once and the small
    # code and utm maps worked out from them are looked up by index rather than scanned for every event
    return ev.mutate(ev_key=_pair_key(ev.ev_utm, ev.ev_source), **epoch).alias(f"{kind}_in_window")


def credited(con, p: Slots, kind: str, attribution: str, code_beats_link: bool, clicks_from: str = "clicks",
             columns: tuple[str, ...] | None = None, matched_rules: bool = False):
    """An Ibis expression: every order (KIND "orders") or lead ("leads") of workspace ``ws`` placed in
    [``start``, ``end``) (naive UTC) with its columns and ``creator_id``, ``rule``, ``code``,
    ``credit_click``, ``link_id``, ``platform``, ``post_id``, ``code_hit`` and ``click_hit``, under
    the ATTRIBUTION model ("last_click" or "first_click") and precedence (CODE_BEATS_LINK); the
    window (``window_s``, seconds), the workspace and the span are slots of P
    (:mod:`influscope.kpi.prepared`), so that one compiled query serves every call.

    The code and utm rules are decided once per distinct code list and per distinct
    (utm_content, utm_source) pair: read from the tables the store keeps (MATCHED_RULES,
    :mod:`influscope.attribution.matched`), or else worked out from the window's events (small maps,
    each the best match by a window function); each event then joins those maps and its carried
    click (by the click's unique key), so that the engine's plan stays one pass over the events
    with index look-ups."""
    import ibis  # only when compiling (a cached query needs no Ibis)

    ws, window_s = p("ws", "int64"), p("window_s", "int64")
    kept = clicks_from in (KEPT, KEPT_OR_LOOKUP)
    ev = _events(con, p, kind, clicks_from if kept else None, columns, matched_rules)
    links = table(con, "links")
    lw = links.filter(links.workspace_id == ws)
    if matched_rules:
        mc, mu = table(con, "matched_code_lists"), table(con, "matched_utm_pairs")
        code_map = mc.filter(mc.workspace_id == ws).select(c_list=mc.codes, c_code=mc.code, c_creator=mc.creator_id)
        utm_map = mu.filter(mu.workspace_id == ws).select(
            u_utm=mu.utm_content, u_source=mu.utm_source, u_creator=mu.creator_id, u_platform=mu.platform)
        utm_on = (ev.ev_utm == utm_map.u_utm) & (ev.ev_source == utm_map.u_source)
    else:
        code_map, utm_map = _code_map(con, ev, ws), _utm_map(con, ev, ws)
        utm_on = ev.ev_key == utm_map.u_key

    # the click rule: the carried click, no later than the event and within the window, on a creator's link
    # (decided in the join, once per event: a column computed from both sides would be evaluated again
    # wherever the rule reads it)
    link_of = lw.filter(lw.creator_id.notnull()).select(
        l_id=lw.id, l_creator=lw.creator_id, l_platform=lw.platform, l_post=lw.post_id)
    j = ev.left_join(code_map, ev.ev_codes == code_map.c_list).left_join(utm_map, utm_on)
    first_click = attribution == "first_click"
    if kept:  # the carried click's link and age are on the event: only the window is left to apply
        if first_click:
            raise ValueError("first_click crediting reads the raw clicks, not the carried ones")
        within = ev.ev_click_age <= window_s
        if clicks_from == KEPT_OR_LOOKUP:
            # an event whose click is not resolved (on PostgreSQL, a click committed while the event
            # was being written is not seen by the event's trigger) looks it up by key, as without
            # the kept columns
            cw = table(con, "clicks").filter(table(con, "clicks").workspace_id == ws)
            by_key = cw.select(k_key=cw.key, k_ts=cw.ts, k_link=cw.link_id)
            late = (ev.ev_click_link.isnull() & (ev.click_id == by_key.k_key) & (by_key.k_ts <= ev.ev_at)
                    & (ev.ev_epoch - timezones.epoch_s(by_key.k_ts) <= window_s))
            j = j.left_join(by_key, late)
            link = ibis.cases((ev.ev_click_link.notnull() & within, ev.ev_click_link), else_=by_key.k_link)
            j = j.left_join(link_of, link == link_of.l_id)
        else:  # SQLite: one writer at a time, so every event's click is resolved when it commits
            j = j.left_join(link_of, (ev.ev_click_link == link_of.l_id) & within)
    else:
        clicks = table(con, "clicks") if clicks_from == "clicks" else staged_clicks(con, clicks_from)
        cw = clicks.filter(clicks.workspace_id == ws)
        by_key = cw.select(k_key=cw.key, k_ts=cw.ts, k_link=cw.link_id)
        in_window = ((ev.click_id == by_key.k_key) & (by_key.k_ts <= ev.ev_at)
                     & (ev.ev_epoch - timezones.epoch_s(by_key.k_ts) <= window_s))
        j = j.left_join(by_key, in_window).left_join(link_of, by_key.k_link == link_of.l_id)
    if first_click:  # the visitor's earliest click in the window, when there is one, instead
        first = _first_clicks(ev, cw, lw, window_s)
        j = j.left_join(first, ev.id == first.f_ev)
    if kept:
        key = ibis.ifelse(j.l_id.notnull(), j.click_id, ibis.null("string"))
        click = {"key": key, "link": j.l_id, "creator": j.l_creator, "platform": j.l_platform, "post": j.l_post}
    else:
        click = {"key": j.k_key, "link": j.k_link, "creator": j.l_creator, "platform": j.l_platform, "post": j.l_post}
    last_hit = j.l_id.notnull()
    click_hit = last_hit
    if first_click:
        use_first = j.f_ev.notnull()
        click = {c: ibis.ifelse(use_first, j[f"f_{c}"], v) for c, v in click.items()}
        click_hit = use_first | last_hit

    code_hit, utm_hit = j.c_code.notnull(), j.u_creator.notnull()
    first_rule, second_rule = ("code", "click") if code_beats_link else ("click", "code")

    picked = j.mutate(code_hit=code_hit, click_hit=click_hit, utm_hit=utm_hit, **{f"x_{c}": v for c, v in click.items()})
    # each credited value by the rules' order itself (a column holding the rule, read by each value,
    # would be expanded into every one of them by the engine and evaluated again and again)
    order = {"code": picked.code_hit, "click": picked.click_hit, "utm": picked.utm_hit}

    def by_rule(code_v, click_v, utm_v):
        value = {"code": code_v, "click": click_v, "utm": utm_v}
        return ibis.cases(*((order[r], value[r]) for r in (first_rule, second_rule, "utm")),
                          else_=ibis.null(code_v.type()))

    none_s, none_i = ibis.null("string"), ibis.null("int64")
    return picked.mutate(
        rule=by_rule(ibis.literal("code"), ibis.literal("click"), ibis.literal("utm")),
        creator_id=by_rule(picked.c_creator, picked.x_creator, picked.u_creator),
        code=by_rule(picked.c_code, none_s, none_s),
        credit_click=by_rule(none_s, picked.x_key, none_s),
        link_id=by_rule(none_i, picked.x_link, none_i),
        platform=by_rule(none_s, picked.x_platform, picked.u_platform),
        post_id=by_rule(none_i, picked.x_post, none_i),
    )


def _code_map(con, ev, ws):
    """Per distinct code list of the window's events, the first affiliate code of a creator listed
    (codes separated by single spaces): ``c_list``, ``c_code``, ``c_creator``."""
    codes = table(con, "codes")
    cd = codes.filter(codes.workspace_id == ws, codes.kind == "affiliate", codes.creator_id.notnull())
    cd = cd.select(c_code=cd.code, c_creator=cd.creator_id)
    lists = ev.filter(ev.ev_codes.notnull()).select(c_list=ev.ev_codes).distinct()
    pos = (" " + lists.c_list + " ").find(" " + cd.c_code + " ")
    return first_per(lists.join(cd, pos >= 0).mutate(c_pos=pos), "c_list", "c_pos").select(
        "c_list", "c_code", "c_creator")


def _utm_map(con, ev, ws):
    """Per distinct (utm_content, utm_source) of the window's events, the handle's account, on that
    platform if it has one: ``u_key``, ``u_creator``, ``u_platform``."""
    import ibis  # only when compiling (a cached query needs no Ibis)

    accounts = table(con, "creator_accounts")
    acc = accounts.filter(accounts.workspace_id == ws).select(
        u_handle=accounts.handle.lower(), u_creator=accounts.creator_id, u_platform=accounts.platform)
    pairs = ev.filter(ev.ev_utm.notnull()).select(u_utm=ev.ev_utm, u_source=ev.ev_source).distinct()
    uj = pairs.join(acc, pairs.u_utm == acc.u_handle)
    on_source = ibis.cases((uj.u_platform == uj.u_source, 0), else_=1)
    uj = uj.mutate(u_pref=on_source, u_key=_pair_key(uj.u_utm, uj.u_source))
    return first_per(uj, "u_key", "u_pref", "u_creator", "u_platform").select("u_key", "u_creator", "u_platform")


def _first_clicks(ev, cw, lw, window_s):
    """Per event carrying a click with a visitor: that visitor's earliest human click on a creator's
    link no later than the event and within the window (``f_ev``, ``f_key``, ``f_link``, ...)."""
    asking = ev.select(f_ev=ev.id, f_at=ev.ev_at, f_click=ev.click_id)
    known = cw.filter(cw.visitor_hash.notnull()).select(v_key=cw.key, v_visitor=cw.visitor_hash)
    visitors = asking.join(known, asking.f_click == known.v_key)
    hv = cw.view()
    human = hv.filter(~hv.is_bot, hv.visitor_hash.notnull()).select(
        h_visitor=hv.visitor_hash, h_ts=hv.ts, h_key=hv.key, h_link=hv.link_id)
    fj = visitors.join(human, visitors.v_visitor == human.h_visitor)
    fj = fj.filter(fj.h_ts <= fj.f_at, timezones.epoch_s(fj.f_at) - timezones.epoch_s(fj.h_ts) <= window_s)
    creators = lw.filter(lw.creator_id.notnull()).select(
        l_id=lw.id, l_creator=lw.creator_id, l_platform=lw.platform, l_post=lw.post_id)
    fj = fj.join(creators, fj.h_link == creators.l_id)
    return first_per(fj, "f_ev", "h_ts", "h_key").select(
        f_ev="f_ev", f_key="h_key", f_link="h_link", f_creator="l_creator", f_platform="l_platform", f_post="l_post")


def _shape(con, kind: str, workspace_id: int, start: dt.datetime, end: dt.datetime,
           settings: dict) -> tuple[str, bool, str, bool]:
    """What shapes the crediting query: the attribution model, the precedence, the table its
    clicks come from, and whether the store keeps the code and utm rules' matches
    (:mod:`influscope.attribution.matched`). The clicks come from: with the last-click model, what the orders and leads keep
    (:mod:`influscope.attribution.carried`) when the store keeps it; else the store's own
    ``clicks``, or, when clicks live in the event store, a
    temporary table holding the clicks this call's orders or leads carry
    (:func:`influscope.events.read.stage_crediting_clicks`)."""
    attribution = settings["attribution"]
    clicks_from = "clicks"
    if attribution == "last_click" and carried.kept_for(con):
        clicks_from = KEPT if con.name == "sqlite" else KEPT_OR_LOOKUP
    elif reader_of(con) is not None:
        import ibis  # the event store's clicks are staged through an Ibis query

        ev = table(con, kind)
        at = ev.created_at if kind == "orders" else ev.ts
        ids = ev.filter(ev.workspace_id == workspace_id, at >= ibis.literal(start), at < ibis.literal(end),
                        ev.click_id.notnull()).select("click_id").distinct()
        clicks_from = stage_crediting_clicks(
            con, sorted(r["click_id"] for r in fetch(con, ids)), workspace_id, start, end,
            int(settings["attribution_window_days"]) * SECONDS_PER_DAY, attribution == "first_click")
    return attribution, bool(settings["code_beats_link"]), clicks_from, matched.kept_for(con)


def _span(workspace_id: int, start: dt.datetime, end: dt.datetime, settings: dict) -> dict[str, Any]:
    """The values the crediting query binds."""
    return {"ws": workspace_id, "start": start, "end": end,
            "window_s": int(settings["attribution_window_days"]) * SECONDS_PER_DAY}


def _order_rows(con, p: Slots, attribution: str, code_beats_link: bool, clicks_from: str, matched_rules: bool):
    x = credited(con, p, "orders", attribution, code_beats_link, clicks_from, matched_rules=matched_rules)
    return x.select(*ORDER_COLUMNS, *CREDIT_COLUMNS).order_by("created_at", "source", "key")


def _lead_rows(con, p: Slots, attribution: str, code_beats_link: bool, clicks_from: str, matched_rules: bool):
    x = credited(con, p, "leads", attribution, code_beats_link, clicks_from, matched_rules=matched_rules)
    return x.select(*LEAD_COLUMNS, *CREDIT_COLUMNS).order_by("ts", "key")


def _credited_to_someone(con, p: Slots, kind: str, attribution: str, code_beats_link: bool, clicks_from: str,
                         matched_rules: bool):
    x = credited(con, p, kind, attribution, code_beats_link, clicks_from, matched_rules=matched_rules)
    return x.filter(x.creator_id.notnull()).select("id", "creator_id")


def credited_orders(con, workspace_id: int, start: dt.datetime, end: dt.datetime, settings: dict) -> list[dict[str, Any]]:
    """Orders placed in [start, end) (naive UTC), one row each, with the crediting creator and ``rule``
    (for listings and exports; the KPIs read :func:`order_buckets`).

    Money columns are raw scaled integers (ten-thousandths). Orders no rule credits have
    ``creator_id`` and ``rule`` None. ``counted`` is False for cancelled and refunded orders.
    """
    rows = prepared.rows(con, _order_rows, *_shape(con, "orders", workspace_id, start, end, settings), **_span(workspace_id, start, end, settings))
    for r in rows:
        r["counted"] = r["status"] not in NOT_COUNTED
    return rows


def credited_leads(con, workspace_id: int, start: dt.datetime, end: dt.datetime, settings: dict) -> list[dict[str, Any]]:
    """Leads in [start, end), one row each, with the crediting creator and rule (same rules as orders)."""
    return prepared.rows(con, _lead_rows, *_shape(con, "leads", workspace_id, start, end, settings), **_span(workspace_id, start, end, settings))


def credited_ids(con, kind: str, workspace_id: int, start: dt.datetime, end: dt.datetime, settings: dict,
                 creator_ids: set[int]) -> set[int]:
    """Ids of the orders or leads of [start, end) credited to one of CREATOR_IDS."""
    if not creator_ids:
        return set()
    rows = prepared.rows(con, _credited_to_someone, kind, *_shape(con, kind, workspace_id, start, end, settings),
                         **_span(workspace_id, start, end, settings))
    return {r["id"] for r in rows if r["creator_id"] in creator_ids}


def _order_buckets(con, p: Slots, attribution: str, code_beats_link: bool, clicks_from: str, matched_rules: bool,
                   offsets: int):
    import ibis  # only when compiling (a cached query needs no Ibis)

    x = credited(con, p, "orders", attribution, code_beats_link, clicks_from, ORDER_SUMMED, matched_rules)
    x = x.mutate(day=timezones.local_day_slots(x.created_at, p, offsets),
                 status_class=ibis.cases((x.status == "cancelled", "cancelled"), (x.status == "refunded", "refunded"),
                                         else_="counted"))
    return x.group_by(["creator_id", "post_id", "platform", "day", "currency", "status_class", "rule", "code"]).aggregate(
        n=x.count(), subtotal=x.subtotal.sum(), discounts=x.discounts.fill_null(0).sum(),
        refunded=x.refunded.fill_null(0).sum(), units=x.units.sum(), units_n=x.units.count(),
        new_customer_n=x.new_customer.count(), new_customers=ibis.ifelse(x.new_customer, 1, 0).sum(),
        code_and_click=ibis.ifelse(x.code_hit & x.click_hit, 1, 0).sum())


def order_buckets(con, workspace_id: int, start: dt.datetime, end: dt.datetime, settings: dict, timezone: str,
                  years: tuple[int, int]) -> list[dict[str, Any]]:
    """Credited orders of [start, end) summed per creator, post, platform, local day, currency, status
    class (cancelled, refunded or counted), rule and code: ``n``, money sums (raw scaled integers),
    units and how many orders reported them, how many say whether the customer is new and how many
    are, and how many matched both the code and the click rule."""
    offsets, schedule = timezones.schedule_values(timezone, *years)
    rows = prepared.rows(con, _order_buckets, *_shape(con, "orders", workspace_id, start, end, settings), offsets,
                         **_span(workspace_id, start, end, settings), **schedule)
    for r in rows:
        r["day"] = timezones.day_of(r["day"])
        r["status"] = r.pop("status_class")
        r["counted"] = r["status"] not in NOT_COUNTED
    return rows


def _lead_buckets(con, p: Slots, attribution: str, code_beats_link: bool, clicks_from: str, matched_rules: bool,
                  offsets: int):
    x = credited(con, p, "leads", attribution, code_beats_link, clicks_from, LEAD_COUNTED, matched_rules)
    x = x.mutate(day=timezones.local_day_slots(x.ts, p, offsets))
    return x.group_by(["creator_id", "post_id", "platform", "day", "type", "rule"]).aggregate(n=x.count())


def lead_buckets(con, workspace_id: int, start: dt.datetime, end: dt.datetime, settings: dict, timezone: str,
                 years: tuple[int, int]) -> list[dict[str, Any]]:
    """Credited leads of [start, end) counted per creator, post, platform, local day, type and rule."""
    offsets, schedule = timezones.schedule_values(timezone, *years)
    rows = prepared.rows(con, _lead_buckets, *_shape(con, "leads", workspace_id, start, end, settings), offsets,
                         **_span(workspace_id, start, end, settings), **schedule)
    for r in rows:
        r["day"] = timezones.day_of(r["day"])
    return rows
