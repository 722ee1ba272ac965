"""Stripe: ``checkout.session.completed`` (an order) and ``charge.refunded`` (its refunds).

Amounts are integers in the currency's minor unit (zero-decimal currencies such as JPY and KRW
are whole units; BHD, JOD, KWD, OMR and TND have three decimals).

- Order key: the session's ``payment_intent`` when it has one (so that a later ``charge.refunded``,
  which names the same payment intent, finds it), else the session ``id``.
- subtotal = ``amount_subtotal`` - ``total_details.amount_discount``; tax and shipping from
  ``total_details``; total = ``amount_total``.
- ``payment_status`` paid or no_payment_required -> paid, unpaid -> pending (delayed payment methods);
  ``checkout.session.async_payment_succeeded`` then makes it paid, ``..._failed`` cancelled.
- Click id: ``client_reference_id``, else ``metadata.isc`` / ``metadata.click_id``. Landing URL and
  discount code may be passed in ``metadata`` (``landing_url``, ``code``/``promo_code``).
- Customer: ``customer``, else a hash of ``customer_details.email``.
- ``charge.refunded``: ``amount_refunded`` is the running total for the charge, so it replaces the
  earlier figure for the same charge instead of adding to it.
"""

from __future__ import annotations

from typing import Any

from influscope.ingest.commerce.common import (
    OrderRecord,
    PayloadError,
    RefundRecord,
    click_id_from_pairs,
    click_id_from_url,
    codes_text,
    currency_code,
    from_minor,
    hashed_email,
    utc_naive,
)

ORDER_TYPES = ("checkout.session.completed", "checkout.session.async_payment_succeeded",
               "checkout.session.async_payment_failed")
REFUND_TYPES = ("charge.refunded",)


def event_object(event: dict[str, Any]) -> dict[str, Any]:
    obj = (event.get("data") or {}).get("object") if isinstance(event, dict) else None
    if not isinstance(obj, dict):
        raise PayloadError("data.object: missing (not a Stripe event)")
    return obj


def parse_session(event: dict[str, Any]) -> OrderRecord:
    s = event_object(event)
    if not s.get("id"):
        raise PayloadError("data.object.id: missing")
    currency = currency_code(s.get("currency"), field="data.object.currency")
    details = s.get("total_details") if isinstance(s.get("total_details"), dict) else {}
    sub_before = from_minor(s.get("amount_subtotal"), currency, field="data.object.amount_subtotal")
    if sub_before is None:
        raise PayloadError("data.object.amount_subtotal: missing")
    discount = from_minor(details.get("amount_discount"), currency, field="total_details.amount_discount")
    tax = from_minor(details.get("amount_tax"), currency, field="total_details.amount_tax")
    shipping = from_minor(details.get("amount_shipping"), currency, field="total_details.amount_shipping")
    subtotal = sub_before - (discount or 0)
    total = from_minor(s.get("amount_total"), currency, field="data.object.amount_total")
    metadata = s.get("metadata") if isinstance(s.get("metadata"), dict) else {}
    landing = metadata.get("landing_url") or None
    click = (str(s["client_reference_id"])[:64] if s.get("client_reference_id") else None) \
        or click_id_from_pairs(metadata.items()) or click_id_from_url(landing)
    codes = [metadata.get(k) for k in ("code", "promo_code", "discount_code") if metadata.get(k)]
    for d in s.get("discounts") or []:
        promo = d.get("promotion_code") if isinstance(d, dict) else None
        if isinstance(promo, dict) and promo.get("code"):
            codes.append(promo["code"])
    customer_details = s.get("customer_details") if isinstance(s.get("customer_details"), dict) else {}
    customer = s.get("customer")
    customer_id = (customer if isinstance(customer, str) else (customer or {}).get("id")) \
        or hashed_email(customer_details.get("email"))
    if event.get("type") == "checkout.session.async_payment_failed":
        status = "cancelled"  # a delayed payment (bank debit, voucher) that never arrived
    else:
        status = "pending" if s.get("payment_status") == "unpaid" else "paid"
    created = utc_naive(s.get("created") or event.get("created"), field="created")
    if created is None:
        raise PayloadError("created: missing")
    key = s.get("payment_intent") if isinstance(s.get("payment_intent"), str) else None
    return OrderRecord(
        key=key or str(s["id"]), created_at=created, currency=currency, subtotal=subtotal, discounts=discount,
        tax=tax, shipping=shipping, total=total if total is not None else subtotal + (tax or 0) + (shipping or 0),
        status=status, discount_codes=codes_text(codes), landing_url=landing, click_id=click,
        customer_id=str(customer_id) if customer_id else None, raw=event,
    )


def parse_charge_refunded(event: dict[str, Any]) -> RefundRecord:
    c = event_object(event)
    if not c.get("id"):
        raise PayloadError("data.object.id: missing")
    currency = currency_code(c.get("currency"), field="data.object.currency")
    amount = from_minor(c.get("amount_refunded"), currency, field="data.object.amount_refunded")
    if amount is None:
        raise PayloadError("data.object.amount_refunded: missing")
    pi = c.get("payment_intent")
    order_key = pi if isinstance(pi, str) and pi else str(c["id"])
    return RefundRecord(order_key=order_key, key=str(c["id"]), amount=amount, currency=currency,
                        created_at=utc_naive(event.get("created"), field="created"))
