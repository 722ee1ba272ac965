"""The delivery queue and order upserts on SQLite and PostgreSQL: exactly once under concurrency."""

import threading
from decimal import Decimal

import sqlalchemy as sa

from influscope.db import commerce as ct
from influscope.db import tables as t
from influscope.ingest.commerce import sink
from influscope.ingest.commerce.stores import add_store
from tests.commerce.support import dumps, shopify_order, shopify_refund


def test_concurrent_processors_apply_each_delivery_exactly_once(any_engine):
    store = add_store(any_engine, "shopify", "race-shop", secret="secret-123")
    keys = []
    for i in range(40):
        key = 9_100_000 + i % 20  # every order twice: create, then update with a refund
        body = shopify_order(key) if i < 20 else shopify_order(
            key, refunds=[shopify_refund(50_000 + key, key, "10.00")])
        keys.append(key)
        stored = sink.store_delivery(any_engine, workspace_id=store.workspace_id, store_id=store.id,
                                     delivery_id=f"d-{i}", topic="orders/create" if i < 20 else "orders/updated",
                                     body=dumps(body))
        assert not stored.duplicate
    assert sink.store_delivery(any_engine, workspace_id=store.workspace_id, store_id=store.id, delivery_id="d-0",
                               topic="orders/create", body=b"{}").duplicate
    results: list[dict] = []
    threads = [threading.Thread(target=lambda: results.append(sink.process_pending(any_engine))) for _ in range(3)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert sum(r.get("processed", 0) for r in results) == 40  # each delivery once, whoever took it
    with any_engine.connect() as c:
        orders = c.execute(sa.select(t.orders).where(t.orders.c.source == "race-shop")).all()
        statuses = c.execute(sa.select(ct.webhook_deliveries.c.status, sa.func.count()).group_by(
            ct.webhook_deliveries.c.status)).all()
        refunds = c.execute(sa.select(sa.func.count()).select_from(ct.order_refunds)).scalar()
    assert len(orders) == 20 and len({o.key for o in orders}) == 20
    assert dict(statuses) == {"processed": 40}
    assert refunds == 20
    assert all(o.refunded == Decimal("10.00") and o.status == "partially_refunded" for o in orders)
    assert all(isinstance(o.subtotal, Decimal) and o.subtotal == Decimal("164.90") for o in orders)


def test_a_broken_delivery_fails_alone_with_its_reason(any_engine):
    store = add_store(any_engine, "shopify", "broken-shop", secret="secret-123")
    sink.store_delivery(any_engine, workspace_id=store.workspace_id, store_id=store.id, delivery_id="bad",
                        topic="orders/create", body=dumps(shopify_order(1, currency="??")))
    sink.store_delivery(any_engine, workspace_id=store.workspace_id, store_id=store.id, delivery_id="good",
                        topic="orders/create", body=dumps(shopify_order(2)))
    sink.store_delivery(any_engine, workspace_id=store.workspace_id, store_id=store.id, delivery_id="other",
                        topic="products/update", body=b'{"id": 5}')
    assert sink.process_pending(any_engine) == {"failed": 1, "processed": 1, "ignored": 1}
    with any_engine.connect() as c:
        rows = dict(c.execute(sa.select(ct.webhook_deliveries.c.delivery_id, ct.webhook_deliveries.c.error)).all())
        assert c.execute(sa.select(t.orders.c.key)).scalars().all() == ["2"]
    assert rows["bad"].startswith("currency: not an ISO 4217")
    assert "not an order topic" in rows["other"]


def test_test_orders_are_ignored_and_deleted_woocommerce_orders_cancelled(engine):
    from tests.commerce.support import woo_order

    shop = add_store(engine, "shopify", "t-shop", secret="secret-123")
    woo = add_store(engine, "woocommerce", "t-woo", secret="secret-123")
    sink.store_delivery(engine, workspace_id=shop.workspace_id, store_id=shop.id, delivery_id="test-order",
                        topic="orders/create", body=dumps(shopify_order(77, test=True)))
    sink.store_delivery(engine, workspace_id=woo.workspace_id, store_id=woo.id, delivery_id="w1",
                        topic="order.created", body=dumps(woo_order(601)))
    sink.store_delivery(engine, workspace_id=woo.workspace_id, store_id=woo.id, delivery_id="w2",
                        topic="order.deleted", body=b'{"id": 601}')
    assert sink.process_pending(engine) == {"ignored": 1, "processed": 2}
    with engine.connect() as c:
        rows = c.execute(sa.select(t.orders.c.source, t.orders.c.key, t.orders.c.status)).all()
    assert rows == [("t-woo", "601", "cancelled")]
