"""Invariants checked with hypothesis: row order, split imports, roi = (roas - 1) x 100."""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
import tempfile
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from influscope.ingest.canonical import import_bundle
from influscope.kpi import methodology
from influscope.kpi.engine import Context, compute
from influscope.kpi.facts import Campaign, Facts
from tests.kpi import handmade
from tests.kpi.conftest import TODAY

CAMPAIGN = Campaign(id=1, workspace_id=1, workspace="w", slug="c", name="C", goal="bofu", start=dt.date(2026, 3, 1),
                    end=dt.date(2026, 3, 31), timezone="Asia/Taipei", currency="TWD", budget=Decimal("1000"),
                    baseline_start=None, baseline_end=None, targets={}, brand_accounts=[], brand_terms=[],
                    competitor_terms=[], methodology={}, workspace_methodology={})

count = st.one_of(st.none(), st.integers(0, 10**9))
day = st.dates(dt.date(2026, 3, 1), dt.date(2026, 3, 31))


@st.composite
def posts(draw):
    out = []
    for i in range(draw(st.integers(0, 6))):
        out.append({"id": i + 1, "creator_id": draw(st.sampled_from([1, 2])),
                    "platform": draw(st.sampled_from(["instagram", "tiktok"])), "content_type": "post",
                    "posted_at": dt.datetime(2026, 3, 2, i), "day": dt.date(2026, 3, 2), "has_metrics": True,
                    "handle": f"h{i}", "followers_at_post": draw(st.one_of(st.none(), st.integers(1, 10**8))),
                    **{m: draw(count) for m in ("impressions", "reach", "views", "likes", "comments", "shares", "saves",
                                                "reactions", "link_clicks")}})
    return out


@st.composite
def orders(draw):
    out = []
    for i in range(draw(st.integers(0, 8))):
        subtotal = draw(st.integers(0, 10**12))
        out.append({"key": f"o{i}", "creator_id": draw(st.sampled_from([1, 2])), "subtotal": subtotal,
                    "discounts": draw(st.one_of(st.none(), st.integers(0, 10**9))),
                    "refunded": draw(st.one_of(st.none(), st.integers(0, subtotal))), "currency": "TWD",
                    "status": draw(st.sampled_from(["paid", "pending", "cancelled", "refunded", "partially_refunded"])),
                    "day": draw(day), "rule": draw(st.sampled_from(["code", "click", "utm"])), "code": "X",
                    "counted": None, "units": draw(st.one_of(st.none(), st.integers(1, 5))),
                    "new_customer": draw(st.one_of(st.none(), st.booleans())), "post_id": None, "platform": None})
        out[-1]["counted"] = out[-1]["status"] not in ("cancelled", "refunded")
    return [_bucket(o) for o in out]


def _bucket(o: dict) -> dict:
    """One order as the database's per-key sums give it (a bucket of one)."""
    status = o["status"] if o["status"] in ("cancelled", "refunded") else "counted"
    return {**o, "n": 1, "status": status, "discounts": o["discounts"] or 0, "refunded": o["refunded"] or 0,
            "units_n": int(o["units"] is not None), "new_customer_n": int(o["new_customer"] is not None),
            "new_customers": int(bool(o["new_customer"])), "code_and_click": 0}


@st.composite
def costs(draw):
    return [{"key": f"k{i}", "creator_id": draw(st.sampled_from([None, 1, 2])), "kind": "fee",
             "amount": draw(st.integers(0, 10**12)), "currency": "TWD", "incurred_on": draw(day), "day": None}
            for i in range(draw(st.integers(0, 4)))]


def _facts(p, o, c) -> Facts:
    f = Facts(CAMPAIGN, creators={1: {"key": "a", "name": None, "accounts": {}}, 2: {"key": "b", "name": None,
                                                                                      "accounts": {}}})
    f.posts, f.orders, f.costs = p, o, c
    for x in f.costs:
        x["day"] = x["incurred_on"]
    return f


SETTINGS = [methodology.resolve(), methodology.resolve(call={"er_aggregation": "median_of_posts",
                                                             "revenue_basis": "gross", "er_denominator": "reach"})]


@settings(max_examples=40, deadline=None)
@given(posts(), orders(), costs(), st.randoms(use_true_random=False), st.sampled_from(SETTINGS))
def test_row_order_does_not_matter(p, o, c, rnd, s):
    a = compute(Context(_facts(p, o, c), s))
    p2, o2, c2 = list(p), list(o), list(c)
    rnd.shuffle(p2), rnd.shuffle(o2), rnd.shuffle(c2)
    b = compute(Context(_facts(p2, o2, c2), s))
    for kid in a:
        assert (a[kid].value, a[kid].reason, a[kid].detail) == (b[kid].value, b[kid].reason, b[kid].detail), kid


@settings(max_examples=60, deadline=None)
@given(orders(), costs())
def test_roi_is_roas_minus_one_times_100(o, c):
    out = compute(Context(_facts([], o, c), methodology.resolve()))
    roas, roi, pct = out["roas"].value, out["roi"].value, out["roas_pct"].value
    if roas is None:
        assert roi is None and pct is None and out["roi"].reason
        return
    assert roi == pytest.approx((roas - 1) * 100, rel=1e-9, abs=1e-9)
    assert pct == pytest.approx(roas * 100, rel=1e-9, abs=1e-9)
    spend = sum(Decimal(x["amount"]) for x in c) / 10000
    assert out["spend"].value == spend.quantize(Decimal("0.0001"))


# ------------------------------------------------------------ imports: row order and split posts

def _shuffled(text: str, rnd: random.Random) -> str:
    rows = list(csv.reader(io.StringIO(text)))
    body = rows[1:]
    rnd.shuffle(body)
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([rows[0], *body])
    return out.getvalue()


def _posts_subset(text: str, keep) -> str:
    rows = list(csv.reader(io.StringIO(text)))
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([rows[0], *[r for r in rows[1:] if keep(r[0])]])
    return out.getvalue()


@pytest.fixture(scope="module")
def whole(tmp_path_factory):
    engine = _store(tmp_path_factory.mktemp("whole"))
    import_bundle(engine, handmade.write(tmp_path_factory.mktemp("bundle")), workspace="w")
    yield _values(engine)
    engine.dispose()


def _store(path: Path):
    from influscope.db.engine import make_engine, upgrade

    engine = make_engine(f"sqlite:///{path / 'influscope.db'}")
    upgrade(engine)
    return engine


def _values(engine):
    from influscope.kpi.api import kpis

    r = kpis("hand", by="creator", workspace="w", engine=engine, today=TODAY, refresh_audience=False)
    return {k: (o["value"], o["reason"]) for k, o in r.kpis.items()}, [
        (row["key"], {k: o["value"] for k, o in row["kpis"].items()}) for row in r.rows]


@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(first=st.sets(st.sampled_from(["p1", "p2", "p3"])), seed=st.integers(0, 2**32 - 1))
def test_split_and_shuffled_imports_give_the_same_kpis(whole, first, seed):
    """Posts split between two imports, every file's rows in a random order: same KPIs as one import."""
    rnd = random.Random(seed)
    files = {name: _shuffled(text, rnd) for name, text in handmade.FILES.items()}
    with tempfile.TemporaryDirectory() as tmp:
        engine = _store(Path(tmp))
        try:
            a = handmade.write(Path(tmp) / "a", {"creators.csv": files["creators.csv"],
                                                 "posts.csv": _posts_subset(files["posts.csv"], lambda k: k in first)})
            b = handmade.write(Path(tmp) / "b", {**files, "posts.csv": _posts_subset(files["posts.csv"],
                                                                                     lambda k: k not in first)})
            import_bundle(engine, a, workspace="w")
            import_bundle(engine, b, workspace="w")
            assert _values(engine) == whole
        finally:
            engine.dispose()
