"""Real-shaped deliveries for the commerce tests and the load test, (the real server to post them to is tests.support.server.Server).

Payload shapes come from the reference formats: the Shopify ``orders/create`` sample (a real dev
store delivery) varied only in fields the REST Order resource documents, the Shopify Refund
resource, the WooCommerce REST v3 order and the Stripe Checkout Session / Charge events.
"""

from __future__ import annotations

import copy
import json
import time
from pathlib import Path


from influscope.ingest.commerce.signatures import sign_base64_hmac, sign_stripe

DATA = Path(__file__).parent / "data"
SHOPIFY_SAMPLE = json.loads((DATA / "shopify_orders_create.json").read_text(encoding="utf-8"))


def shopify_order(order_id: int, **changes) -> dict:
    p = copy.deepcopy(SHOPIFY_SAMPLE)
    p["id"] = order_id
    p["admin_graphql_api_id"] = f"gid://shopify/Order/{order_id}"
    p.update(changes)
    return p


def shopify_refund(refund_id: int, order_id: int, subtotal: str, tax: str = "0.00", currency: str = "HKD") -> dict:
    return {"id": refund_id, "order_id": order_id, "created_at": "2025-01-25T10:00:00-05:00",
            "processed_at": "2025-01-25T10:00:00-05:00", "note": "damaged", "restock": False, "user_id": None,
            "refund_line_items": [{"id": refund_id + 1, "line_item_id": 15518907924780, "quantity": 1,
                                   "restock_type": "no_restock", "subtotal": subtotal, "total_tax": tax,
                                   "line_item": {"id": 15518907924780, "name": "Green Snowboard"}}],
            "transactions": [{"id": refund_id + 2, "amount": subtotal, "kind": "refund", "status": "success",
                              "gateway": "manual", "currency": currency}],
            "order_adjustments": [], "duties": []}


def shopify_headers(body: bytes, secret: str, topic: str, webhook_id: str, triggered_at: str | None = None) -> dict:
    h = {"Content-Type": "application/json", "X-Shopify-Topic": topic, "X-Shopify-Shop-Domain": "demo.myshopify.com",
         "X-Shopify-API-Version": "2025-01", "X-Shopify-Hmac-Sha256": sign_base64_hmac(body, secret),
         "X-Shopify-Webhook-Id": webhook_id}
    if triggered_at:
        h["X-Shopify-Triggered-At"] = triggered_at
    return h


def woo_order(order_id: int, **changes) -> dict:
    p = {"id": order_id, "number": str(order_id), "status": "processing", "currency": "EUR",
         "date_created": "2025-03-01T12:00:00", "date_created_gmt": "2025-03-01T11:00:00",
         "total": "59.50", "discount_total": "5.00", "discount_tax": "0.00", "total_tax": "9.50",
         "shipping_total": "5.00", "shipping_tax": "0.00", "customer_id": 0,
         "billing": {"first_name": "Ana", "email": "ana@example.org"},
         "line_items": [{"id": 1, "name": "Serum", "product_id": 9, "quantity": 2, "subtotal": "50.00",
                         "total": "45.00", "total_tax": "9.50", "sku": "S-1", "price": 22.5}],
         "coupon_lines": [{"id": 3, "code": "mira10", "discount": "5.00", "discount_tax": "0.00", "meta_data": []}],
         "refunds": [],
         "meta_data": [{"id": 7, "key": "_wc_order_attribution_source_type", "value": "utm"},
                       {"id": 8, "key": "_wc_order_attribution_utm_source", "value": "instagram"},
                       {"id": 9, "key": "_wc_order_attribution_utm_content", "value": "mira"},
                       {"id": 10, "key": "_wc_order_attribution_session_entry",
                        "value": "https://shop.example/serum?utm_source=instagram&utm_medium=influencer"}]}
    p.update(changes)
    return p


def woo_headers(body: bytes, secret: str, topic: str, delivery_id: str) -> dict:
    resource, _, event = topic.partition(".")
    return {"Content-Type": "application/json", "X-WC-Webhook-Source": "https://shop.example/",
            "X-WC-Webhook-Topic": topic, "X-WC-Webhook-Resource": resource, "X-WC-Webhook-Event": event,
            "X-WC-Webhook-Signature": sign_base64_hmac(body, secret), "X-WC-Webhook-ID": "12",
            "X-WC-Webhook-Delivery-ID": delivery_id, "User-Agent": "WooCommerce/9.0 Hookshot (WordPress/6.5)"}


def stripe_session_event(event_id: str, session_id: str, *, amount_subtotal: int, amount_total: int,
                         currency: str = "usd", discount: int = 0, payment_intent: str | None = None,
                         client_reference_id: str | None = None, created: int | None = None, **extra) -> dict:
    session = {"id": session_id, "object": "checkout.session", "client_reference_id": client_reference_id,
               "amount_subtotal": amount_subtotal, "amount_total": amount_total, "currency": currency,
               "customer": "cus_123", "customer_details": {"email": "buyer@example.org"}, "metadata": {},
               "payment_status": "paid", "mode": "payment", "payment_intent": payment_intent,
               "total_details": {"amount_discount": discount, "amount_shipping": 0,
                                 "amount_tax": amount_total - amount_subtotal + discount},
               "created": created or int(time.time())}
    session.update(extra)
    return {"id": event_id, "object": "event", "type": "checkout.session.completed",
            "created": created or int(time.time()), "livemode": False, "data": {"object": session}}


def stripe_refund_event(event_id: str, charge_id: str, payment_intent: str, amount: int, refunded: int,
                        currency: str = "usd") -> dict:
    return {"id": event_id, "object": "event", "type": "charge.refunded", "created": int(time.time()),
            "livemode": False, "data": {"object": {"id": charge_id, "object": "charge", "amount": amount,
                                                    "amount_refunded": refunded, "currency": currency,
                                                    "payment_intent": payment_intent, "refunded": refunded >= amount}}}


def stripe_headers(body: bytes, secret: str, timestamp: int | None = None) -> dict:
    return {"Content-Type": "application/json", "Stripe-Signature": sign_stripe(body, secret, timestamp)}


def dumps(payload: dict) -> bytes:
    return json.dumps(payload, ensure_ascii=False).encode()
