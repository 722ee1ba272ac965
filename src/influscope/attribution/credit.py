"""Crediting orders and leads to creators (DESIGN section 6, methodology ``attribution*`` settings).

An order (or lead) is credited to at most one creator, by the first rule that matches:

1. ``code``: an affiliate code of a creator on the order (the first such code listed wins;
   sitewide codes credit no one);
2. ``click``: the click whose id the order carries, if it was no more than the attribution window
   before the order (``first_click``: the same visitor's earliest click in the window instead);
3. ``utm``: ``utm_content`` of the landing URL (for leads: the ``utm_content`` column) equal to a
   creator's handle.

With ``code_beats_link = false`` rules 1 and 2 swap. Every credited row says which rule credited it
(``rule``). The database does the filtering and joins (Ibis, on any backend); the precedence, which
needs string parsing, runs in Python so that it is the same everywhere.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Iterable
from urllib.parse import parse_qs, urlsplit

import ibis

from influscope.kpi.backends import fetch, table

RULES = ("code", "click", "utm")
NOT_COUNTED = ("cancelled", "refunded")


@dataclass
class Directory:
    """What crediting needs to know about the workspace: codes and handles."""

    codes: dict[str, tuple[int | None, str, int]]  # CODE -> (creator_id, kind, campaign_id)
    handles: dict[str, list[tuple[int, str]]]  # handle -> [(creator_id, platform)]

    @classmethod
    def load(cls, con, workspace_id: int) -> "Directory":
        c = table(con, "codes")
        codes = {r["code"].upper(): (r["creator_id"], r["kind"], r["campaign_id"]) for r in fetch(
            con, c.filter(c.workspace_id == workspace_id).select("code", "creator_id", "kind", "campaign_id"))}
        a = table(con, "creator_accounts")
        handles: dict[str, list[tuple[int, str]]] = {}
        for r in fetch(con, a.filter(a.workspace_id == workspace_id).select("creator_id", "platform", "handle")):
            handles.setdefault(r["handle"].lower(), []).append((r["creator_id"], r["platform"]))
        for v in handles.values():
            v.sort()
        return cls(codes, handles)


def _utm(url: str | None) -> tuple[str | None, str | None]:
    if not url:
        return None, None
    try:
        query = parse_qs(urlsplit(url).query)
    except ValueError:
        return None, None
    content = (query.get("utm_content") or [None])[0]
    source = (query.get("utm_source") or [None])[0]
    return (content.strip().lstrip("@").lower() if content else None), (source.lower() if source else None)


def _by_handle(directory: Directory, handle: str | None, platform: str | None) -> tuple[int, str] | None:
    if not handle:
        return None
    found = directory.handles.get(handle)
    if not found:
        return None
    for creator, plat in found:
        if platform and plat == platform:
            return creator, plat
    return found[0]


def _code_match(directory: Directory, codes: Iterable[str]) -> tuple[int, str] | None:
    for code in codes:
        entry = directory.codes.get(code.upper())
        if entry and entry[1] == "affiliate" and entry[0] is not None:
            return entry[0], code.upper()
    return None


def _decide(row: dict, directory: Directory, settings: dict, codes: list[str], utm: str | None,
            utm_source: str | None, at: dt.datetime, first: dict | None) -> dict[str, Any]:
    window = dt.timedelta(days=settings["attribution_window_days"])
    out: dict[str, Any] = {"creator_id": None, "rule": None, "code": None, "credit_click": None, "link_id": None,
                           "platform": None, "post_id": None, "matched": ()}
    code = _code_match(directory, codes)
    click = None
    if settings["attribution"] == "first_click" and first is not None:
        click = first
    elif row.get("click_ts") is not None and row.get("link_creator") is not None:
        if dt.timedelta(0) <= at - row["click_ts"] <= window:
            click = {"key": row["click_key"], "creator_id": row["link_creator"], "link_id": row["click_link"],
                     "platform": row["link_platform"], "post_id": row["link_post"]}
    out["matched"] = tuple(r for r, hit in (("code", code), ("click", click)) if hit)  # rules that applied
    order = ("code", "click", "utm") if settings["code_beats_link"] else ("click", "code", "utm")
    for rule in order:
        if rule == "code" and code:
            out.update(creator_id=code[0], rule="code", code=code[1])
            return out
        if rule == "click" and click:
            out.update(creator_id=click["creator_id"], rule="click", credit_click=click["key"],
                       link_id=click["link_id"], platform=click["platform"], post_id=click["post_id"])
            return out
        if rule == "utm":
            hit = _by_handle(directory, utm, utm_source)
            if hit:
                out.update(creator_id=hit[0], rule="utm", platform=hit[1])
                return out
    return out


def _joined(con, events, workspace_id: int, start: dt.datetime, end: dt.datetime, ts_col: str):
    c = table(con, "clicks")
    lk = table(con, "links")
    x = events.filter(events.workspace_id == workspace_id, events[ts_col] >= ibis.literal(start),
                      events[ts_col] < ibis.literal(end))
    cw = c.filter(c.workspace_id == workspace_id).select(
        click_key=c.key, click_ts=c.ts, click_link=c.link_id, click_visitor=c.visitor_hash)
    lw = lk.filter(lk.workspace_id == workspace_id).select(
        link_pk=lk.id, link_creator=lk.creator_id, link_platform=lk.platform, link_post=lk.post_id)
    j = x.left_join(cw, x.click_id == cw.click_key).left_join(lw, cw.click_link == lw.link_pk)
    return j, c, lw


def _first_clicks(con, joined, clicks, links, workspace_id: int, ts_col: str, window_days: int) -> dict[int, dict]:
    """Each row's visitor's earliest click (human, on a creator's link) within the window before it."""
    oc = joined.filter(joined.click_visitor.notnull()).select(row_pk=joined.id, visitor=joined.click_visitor,
                                                              at=joined[ts_col])
    c2 = clicks.filter(clicks.workspace_id == workspace_id, ~clicks.is_bot, clicks.visitor_hash.notnull()).select(
        v=clicks.visitor_hash, fts=clicks.ts, fkey=clicks.key, flink=clicks.link_id)
    j = oc.join(c2, oc.visitor == c2.v).filter(
        c2.fts <= oc.at, (oc.at.epoch_seconds() - c2.fts.epoch_seconds()) <= window_days * 86400)
    j = j.join(links, j.flink == links.link_pk).filter(links.link_creator.notnull())
    best: dict[int, dict] = {}
    for r in fetch(con, j.select("row_pk", "fts", "fkey", "flink", "link_creator", "link_platform", "link_post")):
        cur = best.get(r["row_pk"])
        if cur is None or (r["fts"], r["fkey"]) < (cur["ts"], cur["key"]):
            best[r["row_pk"]] = {"ts": r["fts"], "key": r["fkey"], "creator_id": r["link_creator"],
                                 "link_id": r["flink"], "platform": r["link_platform"], "post_id": r["link_post"]}
    return best


ORDER_COLUMNS = ("id", "key", "source", "created_at", "currency", "subtotal", "discounts", "refunded", "status",
                 "discount_codes", "landing_url", "click_id", "new_customer", "units", "customer_id")


def credited_orders(con, workspace_id: int, start: dt.datetime, end: dt.datetime, settings: dict,
                    directory: Directory | None = None) -> list[dict[str, Any]]:
    """Orders placed in [start, end) (naive UTC) with the creator that gets the credit and the ``rule``.

    Money columns are raw scaled integers (ten-thousandths). Orders no rule credits are returned
    with ``creator_id`` and ``rule`` None. ``counted`` is False for cancelled and refunded orders.
    """
    directory = directory or Directory.load(con, workspace_id)
    o = table(con, "orders")
    j, clicks, links = _joined(con, o, workspace_id, start, end, "created_at")
    first = (_first_clicks(con, j, clicks, links, workspace_id, "created_at", settings["attribution_window_days"])
             if settings["attribution"] == "first_click" else {})
    cols = [*ORDER_COLUMNS, "click_key", "click_ts", "click_link", "link_creator", "link_platform", "link_post"]
    out = []
    for r in fetch(con, j.select(*cols)):
        codes = (r["discount_codes"] or "").split()
        utm, source = _utm(r["landing_url"])
        credit = _decide(r, directory, settings, codes, utm, source, r["created_at"], first.get(r["id"]))
        row = {c: r[c] for c in ORDER_COLUMNS}
        row["new_customer"] = None if r["new_customer"] is None else bool(r["new_customer"])
        row.update(credit)
        row["counted"] = r["status"] not in NOT_COUNTED
        out.append(row)
    out.sort(key=lambda x: (x["created_at"], x["source"], x["key"]))
    return out


LEAD_COLUMNS = ("id", "key", "type", "ts", "click_id", "code", "utm_content", "value", "currency")


def credited_leads(con, workspace_id: int, start: dt.datetime, end: dt.datetime, settings: dict,
                   directory: Directory | None = None) -> list[dict[str, Any]]:
    """Leads in [start, end) with the crediting creator and rule (same rules as orders)."""
    directory = directory or Directory.load(con, workspace_id)
    ld = table(con, "leads")
    j, clicks, links = _joined(con, ld, workspace_id, start, end, "ts")
    first = (_first_clicks(con, j, clicks, links, workspace_id, "ts", settings["attribution_window_days"])
             if settings["attribution"] == "first_click" else {})
    cols = [*LEAD_COLUMNS, "click_key", "click_ts", "click_link", "link_creator", "link_platform", "link_post"]
    out = []
    for r in fetch(con, j.select(*cols)):
        codes = [r["code"]] if r["code"] else []
        utm = r["utm_content"].strip().lstrip("@").lower() if r["utm_content"] else None
        credit = _decide(r, directory, settings, codes, utm, None, r["ts"], first.get(r["id"]))
        row = {c: r[c] for c in LEAD_COLUMNS}
        row.update(credit)
        out.append(row)
    out.sort(key=lambda x: (x["ts"], x["key"]))
    return out
