"""Extraction from real-shaped payloads: money as Decimal, currencies, codes, click ids, refunds."""

import datetime as dt
from decimal import Decimal

import pytest

from influscope.ingest.commerce import shopify, stripe, woocommerce
from influscope.ingest.commerce.common import PayloadError, from_minor, utms
from influscope.ingest.commerce.signatures import (
    StripeSignatureError, sign_base64_hmac, sign_stripe, verify_base64_hmac, verify_stripe)
from tests.commerce.support import (
    SHOPIFY_SAMPLE, shopify_order, shopify_refund, stripe_refund_event, stripe_session_event, woo_order)


def test_the_real_shopify_sample_becomes_a_canonical_order():
    rec = shopify.parse_order(SHOPIFY_SAMPLE)
    assert rec.key == "6200407294252"
    assert rec.currency == "HKD"
    assert rec.created_at == dt.datetime(2025, 1, 24, 4, 10, 15)  # -05:00 -> UTC
    assert rec.subtotal == Decimal("164.90")  # merchandise after discounts
    assert rec.discounts == Decimal("34.10")
    assert rec.shipping == Decimal("22.00") and rec.tax == Decimal("0.00")
    assert rec.total == Decimal("186.90") == rec.subtotal + rec.tax + rec.shipping
    assert rec.discount_codes == "0124D"
    assert rec.status == "paid" and rec.units == 1
    assert rec.customer_id is None and rec.landing_url is None and rec.click_id is None
    assert all(isinstance(v, Decimal) for v in (rec.subtotal, rec.total, rec.discounts))


def test_shopify_landing_site_utms_note_attribute_click_id_and_customer():
    rec = shopify.parse_order(shopify_order(
        7, source_name="web", landing_site="/products/x?utm_source=instagram&utm_medium=influencer"
        "&utm_campaign=summer24&utm_content=mira&isc=fromurl",
        referring_site="https://l.instagram.com/", customer={"id": 555},
        note_attributes=[{"name": "isc", "value": "k7Hq2"}],
        discount_codes=[{"code": "mira15", "amount": "10.00", "type": "fixed_amount"}]))
    assert rec.click_id == "k7Hq2"  # the cart attribute wins over the URL parameter
    assert rec.utms() == {"utm_source": "instagram", "utm_medium": "influencer", "utm_campaign": "summer24",
                          "utm_content": "mira"}
    assert rec.customer_id == "555" and rec.discount_codes == "MIRA15"
    assert rec.referrer == "https://l.instagram.com/"
    assert shopify.parse_order(shopify_order(8, landing_site="/?isc=abc")).click_id == "abc"


def test_shopify_cancelled_and_pending_orders():
    assert shopify.parse_order(shopify_order(9, cancelled_at="2025-01-24T10:00:00-05:00",
                                             cancel_reason="customer")).status == "cancelled"
    assert shopify.parse_order(shopify_order(10, financial_status="pending")).status == "pending"
    assert shopify.parse_order(shopify_order(11, financial_status="voided")).status == "cancelled"


def test_shopify_refund_counts_merchandise_only():
    ref = shopify.parse_refund(shopify_refund(900, 6200407294252, "50.00", tax="5.00"))
    assert ref.order_key == "6200407294252" and ref.key == "900" and ref.amount == Decimal("50.00")
    shipping_only = shopify_refund(901, 1, "0.00")
    shipping_only["refund_line_items"] = []
    shipping_only["transactions"][0]["amount"] = "22.00"
    shipping_only["order_adjustments"] = [{"amount": "-22.00", "tax_amount": "0.00", "kind": "shipping_refund",
                                           "reason": "Shipping refund"}]
    assert shopify.parse_refund(shipping_only).amount == Decimal("0")


def test_bad_money_names_the_field():
    with pytest.raises(PayloadError, match="subtotal_price"):
        shopify.parse_order(shopify_order(12, subtotal_price="12,x"))
    with pytest.raises(PayloadError, match="currency"):
        shopify.parse_order(shopify_order(13, currency="dollars"))


def test_woocommerce_order():
    rec = woocommerce.parse_order(woo_order(501))
    assert rec.key == "501" and rec.currency == "EUR"
    assert rec.created_at == dt.datetime(2025, 3, 1, 11, 0)  # date_created_gmt
    assert rec.subtotal == Decimal("45.00") and rec.total == Decimal("59.50")
    assert rec.discount_codes == "MIRA10" and rec.units == 2
    assert rec.utms()["utm_content"] == "mira"  # added from the attribution meta
    assert rec.customer_id.startswith("email:") and "ana" not in rec.customer_id
    no_items = woo_order(502, line_items=[])
    assert woocommerce.parse_order(no_items).subtotal == Decimal("45.00")  # total - tax - shipping
    assert woocommerce.parse_order(woo_order(503, status="on-hold")).status == "pending"
    assert woocommerce.parse_order(woo_order(504, status="failed")).status == "cancelled"
    refunded = woocommerce.parse_order(woo_order(505, refunds=[{"id": 77, "reason": "", "total": "-20.00"}]))
    assert [(r.key, r.amount) for r in refunded.refunds] == [("77", Decimal("20.00"))]
    assert woocommerce.is_ping(b"webhook_id=12") and not woocommerce.is_ping(b'{"id":1}')


def test_stripe_minor_units_and_zero_decimal_currencies():
    assert from_minor(18690, "usd", field="a") == Decimal("186.90")
    assert from_minor(5000, "JPY", field="a") == Decimal("5000")
    assert from_minor(1234, "kwd", field="a") == Decimal("1.234")
    with pytest.raises(PayloadError, match="minor units"):
        from_minor(12.5, "usd", field="a")
    ev = stripe_session_event("evt_1", "cs_1", amount_subtotal=10000, amount_total=9900, discount=1000,
                              payment_intent="pi_1", client_reference_id="k7Hq2")
    rec = stripe.parse_session(ev)
    assert rec.key == "pi_1" and rec.currency == "USD" and rec.click_id == "k7Hq2"
    assert rec.subtotal == Decimal("90.00") and rec.total == Decimal("99.00") and rec.tax == Decimal("9.00")
    yen = stripe.parse_session(stripe_session_event("evt_2", "cs_2", amount_subtotal=5000, amount_total=5000,
                                                    currency="jpy"))
    assert yen.key == "cs_2" and yen.subtotal == Decimal("5000") and yen.currency == "JPY"
    ref = stripe.parse_charge_refunded(stripe_refund_event("evt_3", "ch_1", "pi_1", 9900, 2500))
    assert ref.order_key == "pi_1" and ref.key == "ch_1" and ref.amount == Decimal("25.00")


def test_signatures():
    body = b'{"id":1}'
    good = sign_base64_hmac(body, "secret-1")
    assert verify_base64_hmac(body, good, "secret-1")
    assert not verify_base64_hmac(body + b" ", good, "secret-1")
    assert not verify_base64_hmac(body, good, "secret-2")
    assert not verify_base64_hmac(body, None, "secret-1")
    assert not verify_base64_hmac(body, good, "")
    now = 1_750_000_000
    header = sign_stripe(body, "whsec_x", now)
    assert verify_stripe(body, header, "whsec_x", now=now + 299) == now
    with pytest.raises(StripeSignatureError, match="tolerance"):
        verify_stripe(body, header, "whsec_x", now=now + 301)
    with pytest.raises(StripeSignatureError, match="does not match"):
        verify_stripe(body[:-1], header, "whsec_x", now=now)
    rotated = f"t={now},v1={'0' * 64},v1={header.split('v1=')[1]}"
    assert verify_stripe(body, rotated, "whsec_x", now=now) == now
    with pytest.raises(StripeSignatureError):
        verify_stripe(body, "v1=abc", "whsec_x", now=now)


def test_utms_from_paths_and_urls():
    assert utms("/p?utm_content=a&x=1") == {"utm_content": "a"}
    assert utms(None) == {}
