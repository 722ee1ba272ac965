"""WooCommerce: webhook payloads (REST v3 order) and the native Analytics > Orders CSV download.

Topics handled: ``order.created``, ``order.updated``, ``order.restored`` (the full order) and
``order.deleted`` (the order becomes cancelled). The form-encoded ``webhook_id=<n>`` ping that
WooCommerce sends, unsigned, when a webhook is saved is answered 200 and stores nothing.

- Amounts are decimal strings. Subtotal = the sum of ``line_items[].total`` (after discounts, before
  tax); without line items: ``total`` - ``total_tax`` - ``shipping_total`` - ``shipping_tax``.
- Status: processing, completed -> paid; pending, on-hold -> pending; cancelled, failed, trash ->
  cancelled; refunded -> paid with the refunds netted (so it ends as refunded).
- Refunds: ``refunds[]`` entries ``{id, total}`` (``total`` is negative), keyed by id.
- Coupons: ``coupon_lines[].code``. Click id: ``meta_data`` key ``isc`` (or ``_isc``, ``click_id``),
  else the ``isc`` parameter of the order-attribution entry URL.
- Landing URL: the built-in order attribution's ``_wc_order_attribution_session_entry`` when it is in
  ``meta_data``; its ``_wc_order_attribution_utm_*`` values are added to it when the URL lacks them.
- Customer: ``customer_id`` (0 = guest, then a hash of the billing e-mail).
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from influscope.ingest.commerce.common import (
    UTM_KEYS,
    OrderRecord,
    PayloadError,
    RefundRecord,
    click_id_from_pairs,
    click_id_from_url,
    codes_text,
    currency_code,
    hashed_email,
    money,
    query_params,
    utc_naive,
)

ORDER_TOPICS = ("order.created", "order.updated", "order.restored")
DELETE_TOPICS = ("order.deleted",)
ATTR = "_wc_order_attribution_"

_STATUS = {"processing": "paid", "completed": "paid", "refunded": "paid", "pending": "pending",
           "on-hold": "pending", "cancelled": "cancelled", "failed": "cancelled", "trash": "cancelled",
           "checkout-draft": "pending"}


def is_ping(body: bytes) -> bool:
    text = body.strip()
    return text.startswith(b"webhook_id=") and text[len(b"webhook_id="):].isdigit()


def _meta(p: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for m in p.get("meta_data") or []:
        if isinstance(m, dict) and m.get("key") is not None:
            out[str(m["key"])] = m.get("value")
    return out


def landing_from_meta(meta: dict[str, Any]) -> str | None:
    entry = meta.get(ATTR + "session_entry") or None
    present = query_params(entry)
    extra = {}
    for k in UTM_KEYS:
        v = meta.get(ATTR + k)
        if v and k not in present and str(v) != "(none)":
            extra[k] = str(v)
    if not entry and not extra:
        return None
    if not extra:
        return str(entry)
    base = str(entry or "")
    return base + ("&" if "?" in base else "?") + urlencode(extra)


def parse_order(p: dict[str, Any]) -> OrderRecord:
    if not isinstance(p, dict) or p.get("id") in (None, ""):
        raise PayloadError("id: missing (not a WooCommerce order)")
    key = str(p["id"])
    created = utc_naive(p.get("date_created_gmt"), field="date_created_gmt") or utc_naive(
        p.get("date_created"), field="date_created")
    if created is None:
        raise PayloadError("date_created_gmt: missing")
    currency = currency_code(p.get("currency"), field="currency")
    total = money(p.get("total"), field="total")
    tax = money(p.get("total_tax"), field="total_tax")
    shipping = money(p.get("shipping_total"), field="shipping_total")
    shipping_tax = money(p.get("shipping_tax"), field="shipping_tax")
    items = [li for li in (p.get("line_items") or []) if isinstance(li, dict)]
    line_totals = [money(li.get("total"), field=f"line_items[{i}].total") for i, li in enumerate(items)]
    if items and all(v is not None for v in line_totals):
        subtotal = sum(line_totals, Decimal(0))
    elif total is not None:
        subtotal = total - (tax or 0) - (shipping or 0) - (shipping_tax or 0)
    else:
        raise PayloadError("total: missing")
    if total is None:
        total = subtotal + (tax or 0) + (shipping or 0)
    raw_status = str(p.get("status") or "").lower()
    status = _STATUS.get(raw_status, "paid")
    meta = _meta(p)
    landing = landing_from_meta(meta)
    click = click_id_from_pairs(meta.items()) or click_id_from_url(landing)
    customer = p.get("customer_id")
    billing = p.get("billing") if isinstance(p.get("billing"), dict) else {}
    customer_id = str(customer) if customer not in (None, "", 0, "0") else hashed_email(billing.get("email"))
    refunds = []
    for i, r in enumerate(p.get("refunds") or []):
        if not isinstance(r, dict) or r.get("id") in (None, ""):
            continue
        amount = abs(money(r.get("total"), field=f"refunds[{i}].total") or Decimal(0))
        refunds.append(RefundRecord(order_key=key, key=str(r["id"]), amount=min(amount, subtotal), currency=currency))
    hint = subtotal if raw_status == "refunded" and not refunds else None
    units = sum(int(li.get("quantity") or 0) for li in items) if items else None
    return OrderRecord(
        key=key, created_at=created, currency=currency, subtotal=subtotal,
        discounts=money(p.get("discount_total"), field="discount_total"), tax=tax, shipping=shipping, total=total,
        status=status,
        discount_codes=codes_text(c.get("code") for c in (p.get("coupon_lines") or []) if isinstance(c, dict)),
        landing_url=landing, click_id=click, customer_id=customer_id, units=units,
        referrer=meta.get(ATTR + "referrer") or None,
        version=utc_naive(p.get("date_modified_gmt"), field="date_modified_gmt"),
        refunds=refunds, refunded_hint=hint, raw=p,
    )


# ----------------------------------------------------------------------------------------------
# The native Analytics > Orders "Download" CSV. Its columns (WooCommerce Admin's orders report
# export): Date, Order #, N. Revenue (formatted), Status, Customer, Customer type, Product(s),
# Items sold, Coupon(s), N. Revenue ("Net Sales" in older versions). It carries no currency, so the
# importer asks for one. Net revenue there is after discounts and refunds, before tax and shipping.

EXPORT_NET = ("N. Revenue", "Net Sales", "Net sales")


def read_export(path: str | Path, *, currency: str, timezone: str = "UTC") -> list[OrderRecord]:
    """Orders of the download; its dates are the site's local time, read in TIMEZONE."""
    path = Path(path)
    cur = currency_code(currency, field="--currency")
    try:
        tz = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise PayloadError(f"--timezone: unknown time zone {timezone!r}") from None
    reader = csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig")))
    header = reader.fieldnames or []
    net_col = next((c for c in EXPORT_NET if c in header), None)
    missing = [c for c in ("Date", "Order #", "Status") if c not in header] + ([] if net_col else ["N. Revenue"])
    if missing:
        raise PayloadError(f"{path.name}: line 1: not a WooCommerce orders export, missing column(s) {', '.join(missing)}")
    out: list[OrderRecord] = []
    problems: list[str] = []
    for line, row in enumerate(reader, start=2):
        g = lambda k: (row.get(k) or "").strip()  # noqa: E731
        try:
            number = g("Order #")
            if not number:
                raise PayloadError("Order #: empty")
            net = money(g(net_col), field=net_col)
            if net is None:
                raise PayloadError(f"{net_col}: empty")
            raw_status = g("Status").lower().replace(" ", "-")
            ctype = g("Customer type").lower()
            items = g("Items sold")
            out.append(OrderRecord(
                key=number, created_at=utc_naive(g("Date"), field="Date", tz=tz), currency=cur, subtotal=net,
                status=_STATUS.get(raw_status, "paid"),
                discount_codes=codes_text(g("Coupon(s)").replace(",", " ").split()),
                new_customer=True if ctype == "new" else False if ctype == "returning" else None,
                units=int(items) if items.isdigit() else None,
                raw={k: v for k, v in row.items() if k and k != "Customer"},
            ))
        except PayloadError as exc:
            problems.append(f"{path.name}: line {line}: {exc}")
    if problems:
        raise PayloadError("\n".join(problems))
    return out
