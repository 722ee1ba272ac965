"""Real-shaped deliveries posted to a running server: stored once, forgeries and replays refused."""

import time
from decimal import Decimal

import httpx
import sqlalchemy as sa

from influscope.db import commerce as ct
from influscope.db import tables as t
from tests.commerce.support import (
    dumps, shopify_headers, shopify_order, shopify_refund, stripe_headers, stripe_refund_event,
    stripe_session_event, woo_headers, woo_order)

from tests.commerce.conftest import SHOP_SECRET, STRIPE_SECRET, WOO_SECRET


def settle(engine, timeout=15.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        with engine.connect() as c:
            if not c.execute(sa.select(sa.func.count()).select_from(ct.webhook_deliveries)
                             .where(ct.webhook_deliveries.c.status == "pending")).scalar():
                return
        time.sleep(0.05)
    raise AssertionError("deliveries still pending")


def order(engine, source, key):
    with engine.connect() as c:
        return c.execute(sa.select(t.orders).where(t.orders.c.source == source, t.orders.c.key == key)).first()


def count(engine, table, *where):
    with engine.connect() as c:
        return c.execute(sa.select(sa.func.count()).select_from(table).where(*where)).scalar()


def post_shopify(srv, payload, topic, webhook_id, *, secret=SHOP_SECRET, triggered_at=None, body=None, headers=None):
    raw = dumps(payload)
    h = headers or shopify_headers(raw, secret, topic, webhook_id, triggered_at)
    return httpx.post(srv.base + "/hooks/shopify/acme-hk", content=raw if body is None else body, headers=h)


def test_shopify_order_is_stored_once_and_forgeries_are_refused(server):
    eng = server.engine
    payload = shopify_order(6200407294252, landing_site="/products/x?utm_source=instagram&utm_medium=influencer"
                            "&utm_content=mira", note_attributes=[{"name": "isc", "value": "k7Hq2"}],
                            email="ana@example.org", customer={"id": 7001, "email": "ana@example.org"},
                            client_details={"browser_ip": "203.0.113.9", "user_agent": "Mozilla/5.0"})
    r = post_shopify(server, payload, "orders/create", "b54557e4-1", triggered_at="2025-01-24T04:10:16Z")
    assert r.status_code == 200 and r.json()["status"] == "accepted"
    # The same delivery again (Shopify retries with the same webhook id): accepted as a duplicate.
    r = post_shopify(server, payload, "orders/create", "b54557e4-1", triggered_at="2025-01-24T04:10:16Z")
    assert r.status_code == 200 and r.json()["status"] == "duplicate"
    before = count(eng, ct.webhook_deliveries)
    raw = dumps(payload)
    forged = shopify_headers(raw, "not-the-secret", "orders/create", "forged-1")
    assert httpx.post(server.base + "/hooks/shopify/acme-hk", content=raw, headers=forged).status_code == 401
    good = shopify_headers(raw, SHOP_SECRET, "orders/create", "truncated-1")
    assert httpx.post(server.base + "/hooks/shopify/acme-hk", content=raw[:-10], headers=good).status_code == 401
    unsigned = {k: v for k, v in good.items() if k != "X-Shopify-Hmac-Sha256"}
    assert httpx.post(server.base + "/hooks/shopify/acme-hk", content=raw, headers=unsigned).status_code == 401
    assert httpx.post(server.base + "/hooks/shopify/nobody", content=raw, headers=good).status_code == 404
    # A signed body under the right secret but for another store kind's URL is refused too.
    assert httpx.post(server.base + "/hooks/woocommerce/acme-eu", content=raw, headers={
        "X-WC-Webhook-Signature": good["X-Shopify-Hmac-Sha256"]}).status_code == 401
    assert count(eng, ct.webhook_deliveries) == before  # nothing stored for any of them
    settle(eng)
    row = order(eng, "acme-hk", "6200407294252")
    assert row.subtotal == Decimal("164.90") and row.total == Decimal("186.90") and row.currency == "HKD"
    assert row.click_id == "k7Hq2" and "utm_content=mira" in row.landing_url and row.status == "paid"
    assert row.discount_codes == "0124D" and row.customer_id == "7001"
    assert count(eng, t.orders, t.orders.c.key == "6200407294252") == 1
    # No personal data is kept once processed: not in the order's raw payload, not in the delivery.
    with eng.connect() as c:
        body = c.execute(sa.select(ct.webhook_deliveries.c.body).where(
            ct.webhook_deliveries.c.delivery_id == "b54557e4-1")).scalar()
    for kept in (str(row.raw), body.decode()):
        assert "203.0.113.9" not in kept and "ana@example.org" not in kept and "7001" in kept


def test_updates_replace_the_order_and_stale_ones_do_not(server):
    eng = server.engine
    key = 6200407294300
    post_shopify(server, shopify_order(key, updated_at="2025-01-23T23:10:15-05:00"), "orders/create", "u-1")
    newer = shopify_order(key, updated_at="2025-01-24T08:00:00-05:00",
                          discount_codes=[{"code": "MIRA15", "amount": "10.00", "type": "fixed_amount"}])
    post_shopify(server, newer, "orders/updated", "u-2")
    settle(eng)
    assert order(eng, "acme-hk", str(key)).discount_codes == "MIRA15"
    # A retry of an older state arriving late does not overwrite the newer one.
    stale = shopify_order(key, updated_at="2025-01-24T01:00:00-05:00", financial_status="pending")
    post_shopify(server, stale, "orders/updated", "u-3")
    cancelled = shopify_order(key, updated_at="2025-01-24T09:00:00-05:00", cancelled_at="2025-01-24T09:00:00-05:00",
                              cancel_reason="customer")
    post_shopify(server, cancelled, "orders/cancelled", "u-4")
    settle(eng)
    row = order(eng, "acme-hk", str(key))
    assert row.status == "cancelled" and row.discount_codes == "0124D"
    with eng.connect() as c:
        statuses = dict(c.execute(sa.select(ct.webhook_deliveries.c.delivery_id, ct.webhook_deliveries.c.error)
                                  .where(ct.webhook_deliveries.c.delivery_id.in_(["u-3", "u-4"]))).all())
    assert statuses == {"u-3": "stale", "u-4": None}


def test_refunds_are_netted_per_order_once(server):
    eng = server.engine
    key = 6200407294400
    # The refund arrives before its order: it is kept and netted when the order comes.
    r = post_shopify(server, shopify_refund(91, key, "50.00"), "refunds/create", "r-1")
    assert r.status_code == 200
    post_shopify(server, shopify_order(key), "orders/create", "r-2")
    settle(eng)
    row = order(eng, "acme-hk", str(key))
    assert row.refunded == Decimal("50.00") and row.status == "partially_refunded"
    # The order's own refunds[] repeats refund 91 and adds 92: 91 counts once.
    update = shopify_order(key, financial_status="refunded",
                           refunds=[shopify_refund(91, key, "50.00"), shopify_refund(92, key, "114.90")])
    post_shopify(server, update, "orders/updated", "r-3")
    post_shopify(server, shopify_refund(92, key, "114.90"), "refunds/create", "r-4")
    settle(eng)
    row = order(eng, "acme-hk", str(key))
    assert row.refunded == Decimal("164.90") and row.status == "refunded"
    assert count(eng, ct.order_refunds, ct.order_refunds.c.order_key == str(key)) == 2


def test_woocommerce_ping_orders_and_forgeries(server):
    eng = server.engine
    before = count(eng, ct.webhook_deliveries)
    ping = httpx.post(server.base + "/hooks/woocommerce/acme-eu", content=b"webhook_id=12",
                      headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert ping.status_code == 200 and ping.json()["status"] == "ping"
    assert count(eng, ct.webhook_deliveries) == before
    raw = dumps(woo_order(501))
    assert httpx.post(server.base + "/hooks/woocommerce/acme-eu", content=raw,
                      headers=woo_headers(raw, "wrong", "order.created", "d-1")).status_code == 401
    assert httpx.post(server.base + "/hooks/woocommerce/acme-eu", content=raw,
                      headers=woo_headers(raw, WOO_SECRET, "order.created", "d-1")).status_code == 200
    refunded = dumps(woo_order(501, status="refunded", refunds=[{"id": 77, "reason": "", "total": "-45.00"}]))
    assert httpx.post(server.base + "/hooks/woocommerce/acme-eu", content=refunded,
                      headers=woo_headers(refunded, WOO_SECRET, "order.updated", "d-2")).status_code == 200
    settle(eng)
    row = order(eng, "acme-eu", "501")
    assert row.currency == "EUR" and row.subtotal == Decimal("45.00") and row.refunded == Decimal("45.00")
    assert row.status == "refunded" and row.discount_codes == "MIRA10"
    assert count(eng, t.orders, t.orders.c.source == "acme-eu") == 1


def test_stripe_sessions_refunds_and_replays(server):
    eng = server.engine
    ev = stripe_session_event("evt_1Q", "cs_test_1", amount_subtotal=12000, amount_total=10800, discount=1200,
                              payment_intent="pi_1Q", client_reference_id="k7Hq2")
    raw = dumps(ev)
    url = server.base + "/hooks/stripe/acme-us"
    assert httpx.post(url, content=raw, headers=stripe_headers(raw, STRIPE_SECRET)).status_code == 200
    assert httpx.post(url, content=raw, headers=stripe_headers(raw, STRIPE_SECRET)).json()["status"] == "duplicate"
    # A captured delivery replayed later than the 5-minute tolerance is refused.
    old = stripe_headers(raw, STRIPE_SECRET, timestamp=int(time.time()) - 301)
    r = httpx.post(url, content=raw, headers=old)
    assert r.status_code == 401 and "tolerance" in r.json()["error"]
    assert httpx.post(url, content=raw, headers=stripe_headers(raw, "whsec_other")).status_code == 401
    yen = dumps(stripe_session_event("evt_2Q", "cs_test_2", amount_subtotal=5000, amount_total=5000, currency="jpy"))
    assert httpx.post(url, content=yen, headers=stripe_headers(yen, STRIPE_SECRET)).status_code == 200
    for n, refunded in ((1, 3000), (2, 10800)):  # amount_refunded is cumulative per charge
        rev = dumps(stripe_refund_event(f"evt_r{n}", "ch_1Q", "pi_1Q", 10800, refunded))
        assert httpx.post(url, content=rev, headers=stripe_headers(rev, STRIPE_SECRET)).status_code == 200
    settle(eng)
    row = order(eng, "acme-us", "pi_1Q")
    assert row.currency == "USD" and row.subtotal == Decimal("108.00") and row.click_id == "k7Hq2"
    assert row.refunded == Decimal("108.00") and row.status == "refunded"
    assert order(eng, "acme-us", "cs_test_2").subtotal == Decimal("5000")
    assert count(eng, t.orders, t.orders.c.source == "acme-us") == 2


def test_webhook_orders_are_credited_to_the_creator_by_the_kpi_engine(server, tmp_path):
    """Click id from the cart attributes, Stripe client_reference_id, and a promo code all credit."""
    import textwrap

    from influscope.ingest.canonical import import_bundle
    from influscope.kpi.api import kpis

    eng = server.engine
    d = tmp_path / "winter"
    d.mkdir()
    (d / "campaign.yaml").write_text(textwrap.dedent("""\
        id: winter
        name: Winter boards
        goal: bofu
        start: 2025-02-01
        end: 2025-02-28
        timezone: Asia/Hong_Kong
        currency: HKD
        """))
    (d / "creators.csv").write_text("creator_id,platform,handle\nmira,instagram,mira.rides\n")
    (d / "links.csv").write_text("link_id,creator_id,platform,destination_url\nmira-ig,mira,instagram,https://shop.example/\n")
    (d / "clicks.csv").write_text("click_id,link_id,ts\nWc1ck,mira-ig,2025-02-10T01:00:00Z\n")
    (d / "codes.csv").write_text("code,creator_id,kind\nMIRAWNTR,mira,affiliate\n")
    import_bundle(eng, d)
    by_click = shopify_order(6200407295001, created_at="2025-02-10T09:00:00+08:00",
                             note_attributes=[{"name": "isc", "value": "Wc1ck"}])
    by_code = shopify_order(6200407295002, created_at="2025-02-11T09:00:00+08:00",
                            discount_codes=[{"code": "mirawntr", "amount": "20.00", "type": "fixed_amount"}])
    nobody = shopify_order(6200407295003, created_at="2025-02-12T09:00:00+08:00")
    for n, p in enumerate((by_click, by_code, nobody)):
        assert post_shopify(server, p, "orders/create", f"credit-{n}").status_code == 200
    forged = dumps(shopify_order(6200407295004, created_at="2025-02-12T10:00:00+08:00",
                                 note_attributes=[{"name": "isc", "value": "Wc1ck"}]))
    assert httpx.post(server.base + "/hooks/shopify/acme-hk", content=forged,
                      headers=shopify_headers(forged, "guess", "orders/create", "credit-x")).status_code == 401
    settle(eng)
    result = kpis("winter", engine=eng, workspace="default").to_dict()
    assert result["kpis"]["conversions"]["value"] == 2
    assert Decimal(str(result["kpis"]["revenue"]["value"])) == Decimal("329.80")  # 2 x 164.90 merchandise
    # The same HKD orders in a campaign kept in TWD: converted with the imported rate, not at ingest.
    (d / "campaign.yaml").write_text((d / "campaign.yaml").read_text().replace("id: winter", "id: winter-tw")
                                     .replace("currency: HKD", "currency: TWD"))
    (d / "fx_rates.csv").write_text("date,currency,rate\n2025-02-01,HKD,4.2\n")
    for name in ("clicks.csv", "codes.csv", "links.csv"):  # the links, clicks and codes stay with "winter"
        (d / name).unlink()
    import_bundle(eng, d)
    tw = kpis("winter-tw", engine=eng, workspace="default").to_dict()
    assert tw["currency"] == "TWD"
    assert order(eng, "acme-hk", "6200407295002").currency == "HKD"
    # Crediting is per creator (mira is in both campaigns): the same two orders, at 4.2 TWD per HKD.
    assert tw["kpis"]["conversions"]["value"] == 2
    assert Decimal(str(tw["kpis"]["revenue"]["value"])) == Decimal("329.80") * Decimal("4.2")


def test_deliveries_stored_before_a_crash_are_processed_when_the_server_starts(tmp_path):
    from influscope.db.engine import get_engine
    from influscope.ingest.commerce import sink
    from influscope.ingest.commerce.stores import add_store
    from tests.support.server import Server

    url = f"sqlite:///{tmp_path / 'restart.db'}"
    eng = get_engine(url)
    store = add_store(eng, "shopify", "after-crash", secret=SHOP_SECRET)
    # Accepted and stored by a server that then died before processing them.
    for i in range(3):
        sink.store_delivery(eng, workspace_id=store.workspace_id, store_id=store.id, delivery_id=f"pre-{i}",
                            topic="orders/create", body=dumps(shopify_order(6200407296000 + i)))
    srv = Server(url).start()
    try:
        settle(eng, timeout=30)
    finally:
        srv.stop()
    assert count(eng, t.orders, t.orders.c.source == "after-crash") == 3
    assert count(eng, ct.webhook_deliveries, ct.webhook_deliveries.c.status == "processed") == 3


def test_a_replayed_body_under_a_new_delivery_id_is_a_duplicate(server):
    payload = shopify_order(6200407294600)
    assert post_shopify(server, payload, "orders/create", "rp-1").json()["status"] == "accepted"
    before = count(server.engine, ct.webhook_deliveries)
    for fresh_id in ("rp-2", "rp-3"):  # the id header is not signed: anyone holding the body can change it
        r = post_shopify(server, payload, "orders/create", fresh_id)
        assert r.status_code == 200 and r.json()["status"] == "duplicate"
    assert count(server.engine, ct.webhook_deliveries) == before
    woo = woo_order(9100)
    raw = dumps(woo)
    for delivery in ("w-1", "w-2"):
        r = httpx.post(server.base + "/hooks/woocommerce/acme-eu", content=raw,
                       headers=woo_headers(raw, WOO_SECRET, "order.created", delivery))
        assert r.json()["status"] == ("accepted" if delivery == "w-1" else "duplicate")


def test_unversioned_states_and_unsigned_times_never_undo_a_cancellation(server):
    eng = server.engine
    key = 6200407294700
    create = shopify_order(key)
    create.pop("updated_at", None)
    assert post_shopify(server, create, "orders/create", "c-1").json()["status"] == "accepted"
    cancelled = shopify_order(key, updated_at="2025-01-24T09:00:00-05:00", cancelled_at="2025-01-24T09:00:00-05:00",
                              cancel_reason="customer")
    post_shopify(server, cancelled, "orders/cancelled", "c-2")
    settle(eng)
    assert order(eng, "acme-hk", str(key)).status == "cancelled"
    # The create again, changed by one byte so it is not a duplicate, without a version, and with a
    # forged (unsigned) X-Shopify-Triggered-At far in the future: the cancellation stands.
    replay = dict(create, note="replayed")
    r = post_shopify(server, replay, "orders/create", "c-3", triggered_at="2030-01-01T00:00:00Z")
    assert r.json()["status"] == "accepted"
    settle(eng)
    assert order(eng, "acme-hk", str(key)).status == "cancelled"
    with eng.connect() as c:
        note = c.execute(sa.select(ct.webhook_deliveries.c.error).where(
            ct.webhook_deliveries.c.delivery_id == "c-3")).scalar()
    assert note == "stale"

    # WooCommerce without date_modified_gmt: a deleted (cancelled) order is not revived by its create.
    woo = woo_order(9200)
    woo.pop("date_modified_gmt", None)
    woo.pop("date_modified", None)
    raw = dumps(woo)
    httpx.post(server.base + "/hooks/woocommerce/acme-eu", content=raw,
               headers=woo_headers(raw, WOO_SECRET, "order.created", "wc-1"))
    gone = dumps({"id": 9200})
    httpx.post(server.base + "/hooks/woocommerce/acme-eu", content=gone,
               headers=woo_headers(gone, WOO_SECRET, "order.deleted", "wc-2"))
    settle(eng)
    assert order(eng, "acme-eu", "9200").status == "cancelled"
    again = dumps(dict(woo, customer_note="again"))
    httpx.post(server.base + "/hooks/woocommerce/acme-eu", content=again,
               headers=woo_headers(again, WOO_SECRET, "order.created", "wc-3"))
    settle(eng)
    assert order(eng, "acme-eu", "9200").status == "cancelled"


def test_an_update_without_a_version_does_not_overwrite_a_versioned_order(server):
    eng = server.engine
    key = 6200407294800
    post_shopify(server, shopify_order(key, updated_at="2025-01-24T08:00:00-05:00"), "orders/updated", "v-1")
    settle(eng)
    unversioned = shopify_order(key, financial_status="pending")
    unversioned.pop("updated_at", None)
    post_shopify(server, unversioned, "orders/updated", "v-2", triggered_at="2030-01-01T00:00:00Z")
    settle(eng)
    assert order(eng, "acme-hk", str(key)).status == "paid"


def _delivery(engine, delivery_id):
    with engine.connect() as c:
        return c.execute(sa.select(ct.webhook_deliveries.c.status, ct.webhook_deliveries.c.error).where(
            ct.webhook_deliveries.c.delivery_id == delivery_id)).one()


def test_negative_and_overflowing_amounts_fail_the_delivery_and_store_nothing(server):
    """Money given back arrives as a refund, never as a negative amount; an amount the store cannot hold
    is refused. Either way the delivery is marked failed with the field named, and no order is written."""
    eng = server.engine
    cases = [
        ("neg-sub", shopify_order(6200407299001, subtotal_price="-164.90"), "orders/create",
         "subtotal: must not be negative"),
        ("huge-total", shopify_order(6200407299002, total_price="90000000000000.00"), "orders/create",
         "total_price: too large"),
        ("neg-refund", shopify_refund(98001, 6200407299003, "-20.00"), "refunds/create", "must not be negative"),
    ]
    for delivery_id, payload, topic, why in cases:
        assert post_shopify(server, payload, topic, delivery_id).status_code == 200
    woo = dumps(woo_order(9601, total="-59.50", line_items=[]))
    assert httpx.post(server.base + "/hooks/woocommerce/acme-eu", content=woo,
                      headers=woo_headers(woo, WOO_SECRET, "order.created", "neg-woo")).status_code == 200
    settle(eng)
    for delivery_id, _payload, _topic, why in cases:
        status, error = _delivery(eng, delivery_id)
        assert status == "failed" and why in error, (delivery_id, error)
    status, error = _delivery(eng, "neg-woo")
    assert status == "failed" and "must not be negative" in error, error
    for key in ("6200407299001", "6200407299002", "6200407299003"):
        assert order(eng, "acme-hk", key) is None
    assert order(eng, "acme-eu", "9601") is None
    with eng.connect() as c:
        assert c.execute(sa.select(sa.func.count()).select_from(ct.order_refunds).where(
            ct.order_refunds.c.refund_key == "98001")).scalar() == 0
