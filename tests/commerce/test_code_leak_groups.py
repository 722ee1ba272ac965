"""The code-leak check from grouped counts gives what reading every coded order gives.

The reference below reads the orders one by one, as the check did before the database grouped them:
each order's landing utm_content as crediting reads it (kept on the order), its referrer's host matched against the
coupon sites, the largest burst found by a sorted search over its code's redemption times. Random
stores with the cases that make a grouped reading differ if it were careless: '@' written or
escaped in utm_content, spaces around it, the names' prefix rule, referrers in capitals, without a
scheme, with a user, a tab or a look-alike host, redemptions at the same instant and at fractions
of a second, orders naming two codes, clicks of the creator's and of another creator's links,
cancelled orders and orders outside the campaign.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from decimal import Decimal
from urllib.parse import quote

import numpy as np
import pytest
import sqlalchemy as sa

from influscope.db import tables as t
from influscope.ingest.commerce import codes
from influscope.ingest.commerce.common import OrderRecord
from influscope.ingest.commerce.sink import upsert_order
from tests.commerce.test_codes import make_campaign


def _leaks_order_by_order(engine, campaign, *, workspace="default", min_redemptions=5, no_click_share=50.0,
                          burst_window_minutes=60, burst_min=5, burst_ratio=5.0):
    o, k, lk = t.orders, t.clicks, t.links
    with engine.connect() as conn:
        camp = codes._campaign(conn, workspace, campaign)
        start, end = codes._window(camp)
        affiliate = conn.execute(sa.select(t.codes.c.code, t.codes.c.creator_id, t.creators.c.key).join(
            t.creators, t.creators.c.id == t.codes.c.creator_id).where(
            t.codes.c.campaign_id == camp.id, t.codes.c.kind == "affiliate")).all()
        orders = conn.execute(
            sa.select(o.c.id, sa.type_coerce(o.c.created_at, sa.String), o.c.discount_codes, o.c.landing_utm_content,
                      o.c.referrer, lk.c.creator_id)
            .outerjoin_from(o, k, sa.and_(k.c.workspace_id == o.c.workspace_id, k.c.key == o.c.click_id))
            .outerjoin(lk, lk.c.id == k.c.link_id)
            .where(o.c.workspace_id == camp.workspace_id, o.c.created_at >= start, o.c.created_at < end,
                   o.c.status != "cancelled", o.c.discount_codes.is_not(None))).all()
        handles: dict[int, set[str]] = {}
        for cid, key, handle in conn.execute(sa.select(t.creators.c.id, t.creators.c.key, t.creator_accounts.c.handle)
                                             .outerjoin(t.creator_accounts,
                                                        t.creator_accounts.c.creator_id == t.creators.c.id)):
            handles.setdefault(cid, {key.lower()})
            if handle:
                handles[cid].add(handle.lower())
    orders = sorted(orders, key=lambda r: (np.datetime64(r[1], "us"), r[0]))  # the order they were first read in
    span_min = max((end - start).total_seconds() / 60, burst_window_minutes)
    width = np.timedelta64(burst_window_minutes * 60 * 1_000_000, "us")
    findings = []
    for code, creator_id, creator_key in affiliate:
        used = [r for r in orders if code in r[2].split()]
        if not used:
            continue
        names = handles.get(creator_id, set())
        n = len(used)
        with_click = 0
        for r in used:
            content = r[3] or ""  # the landing content as crediting reads it (kept as a handle)
            named = bool(content) and any(content == name or content.startswith(name + "-") for name in names)
            with_click += r[5] == creator_id or named
        without = n - with_click
        share = round(100.0 * without / n, 1)
        if n >= min_redemptions and share >= no_click_share:
            findings.append(codes.Finding("code_redeemed_without_click", "critical" if share >= 80 else "warning",
                                          code, creator_key, {"redemptions": n, "with_click": with_click,
                                                              "without_click": without,
                                                              "share_without_click_pct": share}))
        ts = np.sort(np.array([r[1] for r in used], dtype="datetime64[us]"))
        first = np.searchsorted(ts, ts - width, side="left")
        counts = np.arange(n) - first + 1
        at = int(np.argmax(counts))
        best, best_start = int(counts[at]), ts[first[at]].astype(dt.datetime)
        expected = n * burst_window_minutes / span_min
        ratio = round(best / expected, 1) if expected else None
        if best >= burst_min and ratio is not None and ratio >= burst_ratio:
            findings.append(codes.Finding("code_redemption_burst", "warning", code, creator_key, {
                "max_in_window": best, "window_minutes": burst_window_minutes,
                "window_start": best_start.isoformat(timespec="minutes"), "expected_per_window": round(expected, 2),
                "ratio": ratio, "redemptions": n}))
        seen = Counter(s for s in (codes.coupon_site(r[4]) for r in used) if s)
        if seen:
            findings.append(codes.Finding("code_on_coupon_site", "critical" if sum(seen.values()) >= 3 else "warning",
                                          code, creator_key, {"orders_from_coupon_sites": sum(seen.values()),
                                                              "sites": dict(seen.most_common()), "redemptions": n}))
    return [f.as_dict() for f in findings]


CONTENTS = [None, None, None, "mira_ig", "%40mira_ig", "@mira_ig", "+mira_ig", "mira_ig%20", "Mira_IG", "mira_ig-reel2",
            "mira_igx", "%40bo_ig", "bo_ig", "mira", "mira%E3%80%80", quote("ｍira_ig"), "olivia1"]
REFERRERS = [None, None, None, "https://www.retailmenot.com/view/shop", "https://WWW.RetailMeNot.COM/x", "slickdeals.net/f/1",
             "https://user@honey.com/", "https://notretailmenot.com/", "https://slickdeals.net.example.org/",
             "https://retail\tmenot.com/x", "https://www.instagram.com/", "https://ＲetailMeNot.com/", "https://[::1/"]
LISTS = ["MIRA15", "MIRA15", "MIRA15", "BO10", "BO10", "MIRA15 BO10", "BO10 MIRA15", "WELCOME", "MIRA15 WELCOME", "OLI5"]


def _random_store(engine, tmp_path, seed):
    make_campaign(engine, tmp_path)
    (tmp_path / f"c{seed}.csv").write_text("code,creator_id,kind\nMIRA15,mira,affiliate\nBO10,bo,affiliate\n"
                                           "OLI5,olivia1,affiliate\nWELCOME,,sitewide\n")
    codes.import_codes(engine, "spring", tmp_path / f"c{seed}.csv")
    rng = random.Random(seed)
    base = dt.datetime(2026, 3, 2, 1, 0)
    burst = base + dt.timedelta(days=rng.randrange(3, 20), minutes=rng.randrange(0, 600))
    with engine.begin() as conn:
        for i in range(160):
            if i % 4 == 0:  # a burst, some at the same instant, some a fraction of a second apart
                at = burst + dt.timedelta(minutes=rng.choice([0, 0, 7, 31, 59, 60, 61]),
                                          microseconds=rng.choice([0, 0, 250_000, 999_999]))
            elif i % 11 == 0:  # outside the campaign (1 April, Taipei time) or just inside
                at = rng.choice([dt.datetime(2026, 3, 31, 16, 0), dt.datetime(2026, 3, 31, 15, 59, 59, 999_999),
                                 dt.datetime(2026, 2, 28, 15, 59, 59)])
            else:
                at = base + dt.timedelta(seconds=rng.randrange(0, 27 * 86400))
            content = rng.choice(CONTENTS)
            landing = None if content is None else f"https://shop.example/p?utm_source=ig&utm_content={content}"
            upsert_order(conn, 1, "shop", OrderRecord(
                key=f"o{i}", created_at=at, currency="TWD", subtotal=Decimal("100"),
                discount_codes=rng.choice(LISTS), landing_url=landing, referrer=rng.choice(REFERRERS),
                click_id=rng.choice([None, None, "clk0", "clk1", "nope"]),
                status="cancelled" if rng.random() < 0.05 else "paid"))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_grouped_counts_give_the_findings_of_every_order_read(any_engine, tmp_path, seed):
    engine = any_engine
    _random_store(engine, tmp_path, seed)
    settings = [{}, {"min_redemptions": 1, "no_click_share": 10.0, "burst_min": 2, "burst_ratio": 1.0},
                {"burst_window_minutes": 1, "burst_min": 2, "burst_ratio": 2.0}]
    seen = Counter()
    for kw in settings:
        want = _leaks_order_by_order(engine, "spring", **kw)
        assert [f.as_dict() for f in codes.leaks(engine, "spring", **kw)] == want
        seen.update(f["id"] for f in want)
    assert set(seen) == {"code_redeemed_without_click", "code_redemption_burst", "code_on_coupon_site"}
    # the clicks joined through the clicks table instead of the link kept on each order: the same
    from influscope.attribution import carried

    with engine.begin() as conn:
        carried.uninstall(conn)
    assert [f.as_dict() for f in codes.leaks(engine, "spring", **settings[1])] == \
        _leaks_order_by_order(engine, "spring", **settings[1])


def test_the_landing_content_is_read_as_crediting_reads_it(engine, tmp_path):
    """``utm_content=%40mira_ig`` is kept on the order as the handle ``mira_ig``, and crediting
    credits the creator by it: the check counts those orders as the creator's too."""
    make_campaign(engine, tmp_path)
    (tmp_path / "c.csv").write_text("code,creator_id,kind\nMIRA15,mira,affiliate\n")
    codes.import_codes(engine, "spring", tmp_path / "c.csv")
    with engine.begin() as conn:
        for i, content in enumerate(["%40mira_ig"] * 4 + ["mira_ig"] * 2 + ["olivia1"] * 6):
            upsert_order(conn, 1, "shop", OrderRecord(
                key=f"o{i}", created_at=dt.datetime(2026, 3, 5 + i, 2), currency="TWD", subtotal=Decimal("100"),
                discount_codes="MIRA15", landing_url=f"/p?utm_content={content}"))
        kept = sorted(conn.execute(sa.select(t.orders.c.landing_utm_content)).scalars())
    assert kept == ["mira_ig"] * 6 + ["olivia1"] * 6
    (found,) = codes.leaks(engine, "spring")
    assert found.figures == {"redemptions": 12, "with_click": 6, "without_click": 6, "share_without_click_pct": 50.0}


def _write(path, text):
    path.write_text(text)
    return path
