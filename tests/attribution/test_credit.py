"""Crediting orders and leads: which creator, by which rule, and what counts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from influscope.attribution.credit import credited_leads, credited_orders
from influscope.attribution.landing import landing_utm
from influscope.ingest.canonical import import_bundle
from influscope.kpi import methodology
from influscope.kpi.backends import connect
from tests.kpi import handmade


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    from influscope.db.engine import make_engine, upgrade

    path = tmp_path_factory.mktemp("credit")
    engine = make_engine(f"sqlite:///{path / 'influscope.db'}")
    upgrade(engine)
    import_bundle(engine, handmade.write(path / "bundle"), workspace="w")
    yield engine
    engine.dispose()


def _orders(store, **settings):
    con = connect(store)
    rows = credited_orders(con, 1, dt.datetime(2026, 1, 1), dt.datetime(2027, 1, 1), methodology.resolve(call=settings))
    creators = {1: "amy", 2: "ben"}
    return {o["key"]: (creators.get(o["creator_id"]), o["rule"], o["counted"]) for o in rows}


def test_rules_and_what_counts(store):
    got = _orders(store)
    assert got == {
        "o1": ("amy", "code", True),  # amy's code beats ben's click
        "o2": ("amy", "click", True),  # a sitewide code credits no one; the click does
        "o3": ("ben", "utm", True),  # utm_content of the landing URL
        "o4": ("ben", "code", False),  # cancelled
        "o5": ("amy", "code", False),  # refunded
        "o6": ("ben", "code", True),
        "o7": (None, None, True),  # its click is 34 days old
        "o8": (None, None, True),  # sitewide code only
        "o9": ("amy", "click", True),
    }


def test_window_and_precedence_settings(store):
    assert _orders(store, attribution_window_days=40)["o7"] == ("amy", "click", True)
    assert _orders(store, attribution_window_days=20)["o9"] == (None, None, True)
    assert _orders(store, code_beats_link=False)["o1"] == ("ben", "click", True)
    first = _orders(store, attribution="first_click")
    assert first["o2"] == ("ben", "click", True)  # visitor v1 clicked ben's link first (c8)
    assert first["o1"] == ("amy", "code", True)


def test_leads_are_credited_by_the_same_rules(store):
    con = connect(store)
    rows = credited_leads(con, 1, dt.datetime(2026, 1, 1), dt.datetime(2027, 1, 1), methodology.resolve())
    assert {r["key"]: (r["creator_id"], r["rule"]) for r in rows} == {
        "l1": (1, "code"), "l2": (2, "click"), "l3": (1, "utm"), "l4": (None, None)}


def test_credited_orders_frame_says_which_rule(store):
    from influscope.kpi.api import credited_orders as frame

    df = frame("hand", workspace="w", engine=store)
    assert list(df["order_id"]) == ["o1", "o2", "o3", "o4", "o5", "o6", "o9"]
    assert dict(zip(df["order_id"], df["rule"])) == {"o1": "code", "o2": "click", "o3": "utm", "o4": "code",
                                                     "o5": "code", "o6": "code", "o9": "click"}
    assert df.loc[df.order_id == "o6", "revenue"].item() == Decimal("1600")  # 50 USD at 32
    assert df.loc[df.order_id == "o4", "revenue"].item() == Decimal("0")


def test_landing_url_utm_parsing():
    assert landing_utm("https://x.example/?utm_content=%40Ben.Fit&utm_source=Instagram") == {
        "landing_utm_content": "ben.fit", "landing_utm_source": "instagram"}
    assert landing_utm("https://x.example/path") == {"landing_utm_content": None, "landing_utm_source": None}
    assert landing_utm(None) == {"landing_utm_content": None, "landing_utm_source": None}
