"""The utm values of orders' landing URLs are kept by every door that writes orders and rebuilt on demand."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa

from influscope.attribution import landing
from influscope.db import tables as t
from influscope.ingest.commerce.common import OrderRecord
from influscope.ingest.commerce.conversions import record_sale
from influscope.ingest.commerce.sink import upsert_order
from tests.tracking.conftest import seed

URL = "https://shop.example/p?utm_source=TikTok&utm_content=%40MeiLin_TT&utm_medium=social"


def _stored(engine, ws: int) -> dict[str, tuple]:
    o = t.orders
    with engine.connect() as conn:
        return {r.key: (r.landing_url, r.landing_utm_content, r.landing_utm_source)
                for r in conn.execute(sa.select(o.c.key, o.c.landing_url, *(o.c[c] for c in landing.COLUMNS))
                                      .where(o.c.workspace_id == ws))}


def _parsed(rows: dict[str, tuple]) -> dict[str, tuple]:
    return {k: (url, *landing.landing_utm(url).values()) for k, (url, *_rest) in rows.items()}


def test_webhooks_and_the_conversion_api_keep_the_values(any_engine):
    ws = seed(any_engine)["workspace"]
    rec = OrderRecord(key="w1", created_at=dt.datetime(2026, 3, 3), currency="TWD", subtotal=Decimal("100"),
                      landing_url=URL)
    with any_engine.begin() as conn:
        upsert_order(conn, ws, "shop", rec)
    record_sale(any_engine, ws, {"invoice_id": "s1", "currency": "TWD", "amount": 5000, "landing_url": URL})
    stored = _stored(any_engine, ws)
    assert stored["w1"] == (URL, "meilin_tt", "tiktok")
    assert stored["s1"] == (URL, "meilin_tt", "tiktok")

    # a later state with another landing URL replaces the values; a merge without one keeps them
    later = OrderRecord(key="w1", created_at=rec.created_at, currency="TWD", subtotal=Decimal("100"),
                        landing_url="https://shop.example/?utm_content=samcooks",
                        version=dt.datetime(2026, 3, 4))
    with any_engine.begin() as conn:
        upsert_order(conn, ws, "shop", later)
        upsert_order(conn, ws, "shop", OrderRecord(key="w1", created_at=rec.created_at, currency="TWD",
                                                   subtotal=Decimal("90")), merge=True)
    assert _stored(any_engine, ws)["w1"] == ("https://shop.example/?utm_content=samcooks", "samcooks", None)


def test_the_importer_keeps_them_and_rebuild_restores_them(engine):
    from influscope.demo import create_demo

    create_demo(engine, scale=0.03)
    with engine.connect() as conn:
        ws = conn.execute(sa.select(t.workspaces.c.id).where(t.workspaces.c.slug == "demo")).scalar_one()
    stored = _stored(engine, ws)
    assert any(v[1] for v in stored.values()), "the demo's orders carry utm_content"
    assert stored == _parsed(stored)
    with engine.begin() as conn:
        conn.execute(t.orders.update().values(landing_utm_content="wrong", landing_utm_source=None))
        changed = landing.rebuild(conn, ws)
    assert changed == len(stored)
    assert _stored(engine, ws) == stored
    with engine.begin() as conn:
        assert landing.rebuild(conn) == 0
